//! Cache prefetch hints for the engine's few irregular streams (the synapses of a spike's source,
//! the spike-input rows of a chunk of neurons): they change no result, only when data arrives.

/// Hint the CPU to load the cache lines of `s` (no effect off x86-64).
#[inline(always)]
pub fn lines<T>(s: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // one hint per 64 bytes from the start, and one for the last byte's line; plain address
        // arithmetic (an iterator over the elements compiled to ~15 instructions per hint)
        let p = s.as_ptr().cast::<i8>();
        let bytes = std::mem::size_of_val(s);
        let mut off = 0;
        while off < bytes {
            // SAFETY: SSE is part of x86-64; a prefetch only hints the cache and never faults,
            // and the address lies within `s` anyway.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(off)) };
            off += 64;
        }
        if bytes > 0 {
            // SAFETY: as above
            unsafe { _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(bytes - 1)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = s;
}

/// Hint the CPU to load the cache line of `x`.
#[inline(always)]
pub fn one<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: as in `lines`
        unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(x).cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}
