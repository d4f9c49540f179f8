//! NEST's time grid: tics (1 us by default), steps, and the exact rounding rules NEST applies when it
//! turns milliseconds into steps (see nestkernel/nest_time.{h,cpp} in NEST 3.10).
use super::error::{SimError, SimResult};

/// NEST's default number of tics per millisecond.
pub const TICS_PER_MS: f64 = 1000.0;

/// The simulation resolution with NEST's derived constants.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Resolution {
    tics_per_step: i64,
    tics_per_step_inv: f64,
    ms_per_step: f64,
    steps_per_ms: f64,
}

impl Default for Resolution {
    /// NEST's default resolution, 0.1 ms (100 tics).
    fn default() -> Self {
        Self {
            tics_per_step: 100,
            tics_per_step_inv: 0.01,
            ms_per_step: 0.1,
            steps_per_ms: 10.0,
        }
    }
}

impl Resolution {
    /// `Time::set_resolution(ms_per_step)`.
    pub fn new(dt_ms: f64) -> SimResult<Self> {
        let tics = (TICS_PER_MS * dt_ms + 0.5).floor();
        if !dt_ms.is_finite() || tics < 1.0 {
            return Err(SimError::BadResolution(dt_ms));
        }
        let tics_per_step = tics as i64;
        let ms_per_step = tics_per_step as f64 / TICS_PER_MS;
        Ok(Self {
            tics_per_step,
            tics_per_step_inv: 1.0 / tics_per_step as f64,
            ms_per_step,
            steps_per_ms: 1.0 / ms_per_step,
        })
    }

    /// The step in ms (NEST's `MS_PER_STEP`).
    pub fn dt(&self) -> f64 {
        self.ms_per_step
    }

    /// `Time::ms(t)`: round to the nearest tic.
    fn ms_to_tics(&self, t: f64) -> i64 {
        (t * TICS_PER_MS + 0.5) as i64
    }

    /// `Time::get_steps()`: tics rounded up to whole steps.
    fn tics_to_steps(&self, tics: i64) -> i64 {
        ((tics + self.tics_per_step - 1) as f64 * self.tics_per_step_inv) as i64
    }

    /// `Time(Time::ms(t)).get_steps()`, used for t_ref and for the simulated time.
    pub fn ms_to_steps(&self, t: f64) -> i64 {
        self.tics_to_steps(self.ms_to_tics(t))
    }

    /// `Time::delay_ms_to_steps(d)`: delays are rounded to the nearest step.
    pub fn delay_steps(&self, d: f64) -> i64 {
        (d * self.steps_per_ms + 0.5).floor() as i64
    }

    /// `Time::ms_stamp(t)`: the first grid point at or after t.
    pub fn ms_stamp_steps(&self, t: f64) -> i64 {
        let mut n = (t * TICS_PER_MS) as i64;
        n -= n % self.tics_per_step;
        let ms = n as f64 * self.tics_per_step_inv * self.ms_per_step;
        if ms < t {
            n += self.tics_per_step;
        }
        self.tics_to_steps(n)
    }

    /// The step of a spike_generator spike time. `precise_times == false` (NEST's default and what
    /// `run_nest_sonata.py --mode h5py` uses, with `allow_offgrid_times`): round to the nearest tic,
    /// keep it if it is on the grid, else round up to the next step. `precise_times == true` (BMTK
    /// PointNet): always the next grid point at or after t.
    pub fn spike_stamp_steps(&self, t: f64, precise_times: bool) -> i64 {
        if precise_times {
            return self.ms_stamp_steps(t);
        }
        let tics = self.ms_to_tics(t);
        if tics % self.tics_per_step == 0 {
            self.tics_to_steps(tics)
        } else {
            self.ms_stamp_steps(t)
        }
    }

    /// The steps of `t` ms when `t` lies on the grid (NEST's `Time::is_grid_time()`, which the
    /// multimeter's interval and a device's start and stop must satisfy), else None.
    pub fn grid_steps(&self, t: f64) -> Option<i64> {
        if !t.is_finite() || t < 0.0 {
            return None;
        }
        let tics = self.ms_to_tics(t);
        (tics % self.tics_per_step == 0).then(|| tics / self.tics_per_step)
    }

    /// `Time::step(s).get_ms()`: what NEST's spike recorder reports for a spike stamped at step s.
    pub fn steps_to_ms(&self, steps: i64) -> f64 {
        (steps * self.tics_per_step) as f64 * (1.0 / TICS_PER_MS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_follows_nest() {
        let r = Resolution::new(0.1).unwrap();
        assert_eq!(r.ms_to_steps(3.0), 30);
        assert_eq!(r.ms_to_steps(3.75), 38);
        assert_eq!(r.delay_steps(1.5), 15);
        assert_eq!(r.delay_steps(0.04), 0);
        assert_eq!(r.delay_steps(0.05), 1);
        assert_eq!(r.spike_stamp_steps(12.3, false), 123);
        assert_eq!(r.spike_stamp_steps(12.31, false), 124);
        let r = Resolution::new(0.01).unwrap();
        assert_eq!(r.spike_stamp_steps(12.3456, false), 1235);
        assert_eq!(r.spike_stamp_steps(12.3401, false), 1234);
        assert_eq!(r.spike_stamp_steps(12.3401, true), 1235);
        assert!(Resolution::new(0.0).is_err());
        let r = Resolution::new(0.1).unwrap();
        assert_eq!(r.grid_steps(0.5), Some(5));
        assert_eq!(r.grid_steps(0.0), Some(0));
        assert_eq!(r.grid_steps(0.25), None);
    }
}
