//! Poisson spike trains of the virtual populations, on the dt grid (k * dt, 1 <= k < steps),
//! at most one spike per node and step, so that every simulator sees the same input.
use super::rng::Key;
use crate::sim::inputs::poisson_grid_steps;

/// Spike times (ms, ascending) of one node firing at `rate_hz` on the grid steps k with
/// `t0 <= k dt < t1` (k >= 1): a whole run's train is the segment [0, tstop), a live run's next
/// piece the segment after the last.
pub fn poisson_segment(key: Key, rate_hz: f64, t0_ms: f64, t1_ms: f64, dt: f64) -> Vec<f64> {
    let k0 = (t0_ms / dt).round() as u64;
    let k1 = (t1_ms / dt).round() as u64;
    poisson_grid_steps(rate_hz, dt, k0, k1, |j| key.uniform_open0(j))
        .into_iter()
        .map(|k| (k as f64 * dt * 1e6).round() / 1e6)
        .collect()
}

/// Per-node rates: lognormal around `mean_hz` (sigma of the log `spread`), mean preserved.
pub fn lognormal_rates(n: usize, mean_hz: f64, spread: f64, key: Key) -> Vec<f64> {
    (0..n)
        .map(|i| mean_hz * (spread * key.normal(i as u64) - 0.5 * spread * spread).exp())
        .collect()
}

/// Trains of `rates.len()` nodes, node i with key `key.with(i)`.
pub fn trains(rates: &[f64], tstop_ms: f64, dt: f64, key: Key) -> Vec<Vec<f64>> {
    rates
        .iter()
        .enumerate()
        .map(|(i, &r)| poisson_segment(key.with(i as u64), r, 0.0, tstop_ms, dt))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_have_the_rate_and_stay_inside() {
        let dt = 0.1;
        let mut n = 0;
        for s in 0..100u64 {
            let t0 = 1000.0 + s as f64 * 100.0;
            let seg = poisson_segment(Key::new(3, s), 40.0, t0, t0 + 100.0, dt);
            assert!(
                seg.iter().all(|&t| t >= t0 - 1e-9 && t < t0 + 100.0),
                "{seg:?}"
            );
            assert!(seg.windows(2).all(|w| w[1] > w[0]));
            n += seg.len();
        }
        let rate = n as f64 / 10.0;
        assert!((rate - 40.0).abs() < 3.0, "{rate}");
        assert!(poisson_segment(Key::new(3, 1), 0.0, 0.0, 100.0, dt).is_empty());
        assert!(poisson_segment(Key::new(3, 1), 50.0, 100.0, 100.0, dt).is_empty());
    }

    #[test]
    fn rate_and_grid() {
        let dt = 0.1;
        let t = poisson_segment(Key::new(1, 2), 50.0, 0.0, 100_000.0, dt);
        let rate = t.len() as f64 / 100.0;
        assert!((rate - 50.0).abs() < 2.0, "{rate}");
        for w in t.windows(2) {
            assert!(w[1] > w[0]);
        }
        for &x in &t {
            assert!(x > 0.0 && x < 100_000.0);
            assert!(((x / dt) - (x / dt).round()).abs() < 1e-6);
        }
    }
}
