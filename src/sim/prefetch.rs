//! Cache prefetch hints for the engine's few irregular streams (the synapses of a spike's source,
//! the ring rows of a chunk of neurons): they change no result, only when data arrives.

/// Hint the CPU to load the cache lines of `s` (no effect off x86-64).
#[inline(always)]
pub fn lines<T>(s: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // one hint per 64-byte line, and one for the last element's line
        let per_line = (64 / std::mem::size_of::<T>().max(1)).max(1);
        for x in s.iter().step_by(per_line).chain(s.last()) {
            // SAFETY: SSE is part of x86-64; a prefetch only hints the cache and never faults,
            // and the address is that of a live element anyway.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(x).cast()) };
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
