//! Devices: spike trains of virtual nodes (NEST `spike_generator`), step currents
//! (`step_current_generator`) and Poisson trains (`poisson_generator`).
use super::splitmix;

/// Steps k in `[k0, k1)` (k >= 1) at which a node firing at `rate_hz` spikes on a grid of `dt`
/// ms: at most one spike per step (probability `rate_hz * dt` per step), geometric gaps drawn
/// from `uniform_open0(j)` (uniform in (0, 1]) for j = 0, 1, ... The demo's input trains and a
/// live run's continued inputs are drawn so, each with its own counter-based generator.
pub fn poisson_grid_steps(
    rate_hz: f64,
    dt: f64,
    k0: u64,
    k1: u64,
    mut uniform_open0: impl FnMut(u64) -> f64,
) -> Vec<u64> {
    let k0 = k0.max(1);
    let p = (rate_hz * dt / 1000.0).clamp(0.0, 0.999_999);
    let mut out = Vec::new();
    if p <= 0.0 || k1 <= k0 {
        return out;
    }
    let log_q = (1.0 - p).ln();
    // k is the last step looked at; the first candidate is k0
    let mut k = k0 - 1;
    let mut j = 0u64;
    loop {
        let gap = (uniform_open0(j).ln() / log_q).floor();
        j += 1;
        if !gap.is_finite() || gap >= (k1 - k) as f64 {
            break;
        }
        k += 1 + gap as u64;
        if k >= k1 {
            break;
        }
        out.push(k);
    }
    out
}

/// splitmix64: small, fast, good enough for Poisson inputs; keyed per target so that results do
/// not depend on the number of threads.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64, stream: u64) -> Self {
        let mut r = Rng(seed ^ stream.wrapping_mul(splitmix::GOLDEN_GAMMA));
        r.next_u64();
        r
    }

    pub fn next_u64(&mut self) -> u64 {
        splitmix::next(&mut self.0)
    }

    /// uniform in [0, 1)
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Poisson count with mean `lambda` (inversion; lambda per step is small).
    pub fn poisson(&mut self, lambda: f64) -> u32 {
        if lambda <= 0.0 {
            return 0;
        }
        if lambda > 30.0 {
            // normal approximation for very high rates
            let u1 = self.uniform().max(1e-300);
            let u2 = self.uniform();
            let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
            return (lambda + lambda.sqrt() * z).round().max(0.0) as u32;
        }
        let mut p = (-lambda).exp();
        let mut f = p;
        let u = self.uniform();
        let mut k = 0u32;
        while u > f && k < 1000 {
            k += 1;
            p *= lambda / k as f64;
            f += p;
        }
        k
    }
}

/// A step current as NEST's step_current_generator delivers it: the amplitude that the generator
/// holds after its update at step c reaches the targets' current buffers at step c + delay.
#[derive(Debug, Clone)]
pub struct ClampSchedule {
    pub name: String,
    /// (step at which the amplitude takes effect in the generator, amplitude)
    pub changes: Vec<(i64, f64)>,
    pub delay: u64,
    /// internal neuron ids
    pub targets: Vec<u32>,
}

impl ClampSchedule {
    /// Amplitude of the generator after its update of step c.
    pub fn amp_at(&self, c: i64) -> f64 {
        // amplitude_times[i] takes effect when c + 1 == stamp; stamps <= 0 are never applied
        let idx = self.changes.partition_point(|&(s, _)| s <= c + 1);
        let mut a = 0.0;
        for &(s, v) in self.changes[..idx].iter().rev() {
            if s >= 1 {
                a = v;
                break;
            }
        }
        a
    }
}

/// Poisson input into targets of one partition.
#[derive(Debug, Clone)]
pub struct PoissonTargets {
    pub input: usize,
    pub delay: u64,
    pub weight: f64,
    /// partition-local ring rows
    pub rows: Vec<u32>,
    pub rngs: Vec<Rng>,
}
