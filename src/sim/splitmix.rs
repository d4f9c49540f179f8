//! splitmix64 (Steele, Lea and Flood 2014): the engine's Poisson generators step it, and the
//! demo's counter-based draws hash their keys with its finaliser. One copy, so both stay the
//! generator the references were made with.

/// The generator's increment (the golden ratio in 64 bits).
pub const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// The finaliser: a bijective mix of 64 bits.
pub fn finalize(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One step: advance the state by the increment and return its mix.
pub fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(GOLDEN_GAMMA);
    finalize(*state)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first outputs for seed 1234567 of the reference implementation (Vigna's
    /// splitmix64.c), as listed by other ports of it.
    #[test]
    fn matches_the_reference_sequence() {
        let mut s = 1234567u64;
        let first: Vec<u64> = (0..3).map(|_| next(&mut s)).collect();
        assert_eq!(
            first,
            [
                6457827717110365317,
                3203168211198807973,
                9817491932198370423
            ]
        );
    }
}
