//! Counter-based random numbers (splitmix64 hashes of keys), so that every draw depends only on
//! (seed, stream, indices) and never on the order or the thread that evaluates it.

use crate::sim::splitmix;

/// splitmix64's output for state `x` (its finaliser after one increment).
pub fn mix(x: u64) -> u64 {
    splitmix::finalize(x.wrapping_add(splitmix::GOLDEN_GAMMA))
}

/// A key built from a seed and a stream name (a small constant per use).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key(u64);

impl Key {
    pub fn new(seed: u64, stream: u64) -> Self {
        Key(mix(mix(seed) ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03)))
    }

    /// A sub-key for an index (a node, a projection).
    pub fn with(self, i: u64) -> Self {
        Key(mix(self.0 ^ i.wrapping_mul(0x632B_E59B_D9B4_E019)))
    }

    /// Uniform in [0, 1) for counter `i`.
    pub fn uniform(self, i: u64) -> f64 {
        (self.with(i).0 >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in (0, 1] for counter `i` (safe under a logarithm).
    pub fn uniform_open0(self, i: u64) -> f64 {
        ((self.with(i).0 >> 11) as f64 + 1.0) * (1.0 / (1u64 << 53) as f64)
    }

    /// Standard normal for counter `i` (Box-Muller on counters 2i, 2i+1).
    pub fn normal(self, i: u64) -> f64 {
        let u1 = self.uniform_open0(2 * i);
        let u2 = self.uniform(2 * i + 1);
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    /// Integer in [0, n) for counter `i` (n > 0).
    pub fn below(self, i: u64, n: u64) -> u64 {
        ((self.with(i).0 as u128 * n as u128) >> 64) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_is_in_range_and_mean_half() {
        let k = Key::new(7, 1);
        let n = 10_000;
        let mut sum = 0.0;
        for i in 0..n {
            let u = k.uniform(i);
            assert!((0.0..1.0).contains(&u));
            sum += u;
        }
        assert!((sum / n as f64 - 0.5).abs() < 0.02);
    }

    #[test]
    fn streams_differ() {
        assert_ne!(Key::new(1, 1).uniform(0), Key::new(1, 2).uniform(0));
        assert_ne!(Key::new(1, 1).uniform(0), Key::new(2, 1).uniform(0));
    }
}
