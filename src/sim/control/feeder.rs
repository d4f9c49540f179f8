//! Inputs of virtual populations for a run without end: the spike trains the model was built
//! with cover the first stretch, then each node fires Poisson at its mean rate times the
//! population's factor. Each segment's draws are keyed by the seed, the source population and
//! the model time (step) the segment starts at, never by when or in what pieces the run asks
//! for them: a live run and an offline replay with the same rate changes get the same spikes.
use crate::sim::inputs::poisson_grid_steps;
use crate::sim::splitmix;
use crate::sim::time::Resolution;

/// Segments start on this grid (ms) and where a rate changes.
pub const SEGMENT_MS: f64 = 250.0;

/// One virtual population fed on the fly.
#[derive(Clone, Debug)]
pub struct FedInput {
    pub name: String,
    /// index of the source population in the network
    pub index: usize,
    /// mean rate of each node (Hz) at factor 1
    pub rates_hz: Vec<f64>,
}

struct FedSource {
    input: FedInput,
    factor: f64,
    /// its spikes are in the simulation up to here (ms)
    covered: f64,
    /// the rate changed here last (a segment starts there)
    since: f64,
}

/// Poisson continuation of the model's input trains (see the module).
pub struct TrainFeeder {
    seed: u64,
    res: Resolution,
    sources: Vec<FedSource>,
}

impl TrainFeeder {
    /// Feeds `inputs` from `from_ms` on (where the built trains stop), on the grid of `res`.
    pub fn new(seed: u64, res: Resolution, inputs: Vec<FedInput>, from_ms: f64) -> Self {
        let sources = inputs
            .into_iter()
            .map(|input| FedSource {
                input,
                factor: 1.0,
                covered: from_ms,
                since: from_ms,
            })
            .collect();
        Self { seed, res, sources }
    }

    /// The current rate factor of a source population.
    pub fn scale(&self, source: &str) -> Option<f64> {
        self.sources
            .iter()
            .find(|s| s.input.name == source)
            .map(|s| s.factor)
    }
}

/// A counter-based key: splitmix64's finaliser over the parts.
fn key(parts: &[u64]) -> u64 {
    parts.iter().fold(0x5EED_F00D_u64, |k, &p| {
        splitmix::finalize(k.wrapping_add(splitmix::GOLDEN_GAMMA) ^ p)
    })
}

/// Uniform in (0, 1] for counter `j` of `key`.
fn uniform_open0(key: u64, j: u64) -> f64 {
    let bits = splitmix::finalize(key ^ j.wrapping_mul(splitmix::GOLDEN_GAMMA)) >> 11;
    (bits as f64 + 1.0) * (1.0 / (1u64 << 53) as f64)
}

/// Steps k in `[k0, k1)` (k >= 1) at which a node firing at `rate_hz` spikes.
fn poisson_steps(key: u64, rate_hz: f64, k0: u64, k1: u64, dt: f64) -> Vec<u64> {
    poisson_grid_steps(rate_hz, dt, k0, k1, |j| uniform_open0(key, j))
}

/// Makes the spikes of source (virtual) populations while a run goes on, so that a live run
/// needs no trains made in advance for all time, and input rates can change.
pub trait SourceFeeder: Send {
    /// Model time (ms) up to which the simulation holds the sources' spikes.
    fn covered_until(&self) -> f64;
    /// The spikes of `[covered_until, t1)` as (source population, row, time ms); afterwards
    /// `covered_until() == t1`.
    fn feed(&mut self, t1: f64) -> Vec<(usize, u32, f64)>;
    /// Scales the rate of the source population named `source` by `factor` from `t_ms` on
    /// (`covered_until` becomes `t_ms`). Returns its index, whose spikes from `t_ms` on the run
    /// then drops, or `None` for a name it does not feed.
    fn set_rate_scale(&mut self, source: &str, factor: f64, t_ms: f64) -> Option<usize>;
}

impl SourceFeeder for TrainFeeder {
    fn covered_until(&self) -> f64 {
        self.sources
            .iter()
            .map(|s| s.covered)
            .fold(f64::INFINITY, f64::min)
    }

    fn feed(&mut self, t1: f64) -> Vec<(usize, u32, f64)> {
        let res = self.res;
        let step = |t: f64| res.ms_to_steps(t).max(0) as u64;
        let mut out = Vec::new();
        for s in &mut self.sources {
            while s.covered < t1 {
                // the segment holding `covered`: from its grid point (or the last rate change)
                // to the next grid point; made whole, the part in [covered, t1) kept
                let grid = (s.covered / SEGMENT_MS).floor() * SEGMENT_MS;
                let start = grid.max(s.since);
                let end = grid + SEGMENT_MS;
                let (k_start, k_end) = (step(start), step(end));
                let (k_from, k_to) = (step(s.covered), step(end.min(t1)));
                let seg_key = key(&[self.seed, s.input.index as u64, k_start]);
                for (r, &rate) in s.input.rates_hz.iter().enumerate() {
                    let row_key = key(&[seg_key, r as u64]);
                    for k in poisson_steps(row_key, rate * s.factor, k_start, k_end, res.dt()) {
                        if k >= k_from && k < k_to {
                            out.push((s.input.index, r as u32, res.steps_to_ms(k as i64)));
                        }
                    }
                }
                s.covered = end.min(t1);
            }
        }
        out
    }

    fn set_rate_scale(&mut self, source: &str, factor: f64, t_ms: f64) -> Option<usize> {
        let s = self.sources.iter_mut().find(|s| s.input.name == source)?;
        s.factor = factor.max(0.0);
        // its spikes from t_ms on are dropped by the run and made again at the new rate
        s.covered = s.covered.min(t_ms);
        s.since = t_ms;
        Some(s.input.index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feeder() -> TrainFeeder {
        let input = FedInput {
            name: "lgn".into(),
            index: 0,
            rates_hz: vec![40.0; 50],
        };
        TrainFeeder::new(7, Resolution::new(0.1).unwrap(), vec![input], 100.0)
    }

    #[test]
    fn spikes_do_not_depend_on_the_pieces_asked_for() {
        let mut whole = feeder();
        let mut a = whole.feed(2000.0);
        let mut pieces = feeder();
        let mut b = Vec::new();
        for t in [130.0, 377.5, 900.0, 901.0, 2000.0] {
            b.extend(pieces.feed(t));
        }
        a.sort_by(|x, y| x.partial_cmp(y).unwrap());
        b.sort_by(|x, y| x.partial_cmp(y).unwrap());
        assert_eq!(a, b);
        assert!(a.iter().all(|e| e.2 >= 100.0 && e.2 < 2000.0));
        // 50 nodes at 40 Hz over 1.9 s
        let expected = 50.0 * 40.0 * 1.9;
        let n = a.len() as f64;
        assert!(
            (n - expected).abs() < 5.0 * expected.sqrt(),
            "{n} vs {expected}"
        );
    }

    #[test]
    fn a_rate_change_restarts_at_its_time_whatever_was_fed_before() {
        let mut early = feeder();
        early.feed(500.0);
        early.set_rate_scale("lgn", 2.0, 420.0);
        let a = early.feed(1500.0);
        let mut late = feeder();
        late.feed(1200.0);
        late.set_rate_scale("lgn", 2.0, 420.0);
        let b = late.feed(1500.0);
        assert_eq!(a, b);
        assert!(a.iter().all(|e| e.2 >= 420.0));
        assert_eq!(late.scale("lgn"), Some(2.0));
        assert_eq!(late.set_rate_scale("nope", 1.0, 0.0), None);
    }
}
