//! Changes while running (a live viewer's controls): projection weights, Poisson rates, spikes
//! of sources, current pulses and steps.
use super::Simulation;
use crate::sim::error::{SimError, SimResult};
use crate::sim::inputs::ClampSchedule;

impl Simulation {
    /// Multiply the weights of a projection (edge population) by `factor` >= 0 from now on.
    pub fn scale_projection(&mut self, projection: &str, factor: f64) -> SimResult<usize> {
        let pi = self
            .proj_names
            .iter()
            .position(|n| n == projection)
            .ok_or_else(|| SimError::NotFound {
                what: "projection",
                name: projection.to_string(),
            })?;
        if !(factor.is_finite() && factor >= 0.0) {
            return Err(SimError::Invalid(format!(
                "weight factor must be finite and >= 0, got {factor}"
            )));
        }
        Ok(self
            .parts
            .iter_mut()
            .map(|p| p.syn.scale_projection(pi as u32, factor))
            .sum())
    }

    /// Change the rate (Hz) of a Poisson input from the next window on (every part of it: an
    /// input of a config that reaches several populations is one part per population).
    pub fn set_poisson_rate(&mut self, input: &str, rate_hz: f64) -> SimResult<()> {
        if !(rate_hz.is_finite() && rate_hz >= 0.0) {
            return Err(SimError::Invalid(format!("bad rate {rate_hz} Hz")));
        }
        let parts: Vec<usize> = (0..self.poisson_names.len())
            .filter(|&i| self.poisson_names[i] == input)
            .collect();
        if parts.is_empty() {
            return Err(SimError::NotFound {
                what: "Poisson input",
                name: input.to_string(),
            });
        }
        for i in parts {
            self.poisson_rates[i] = rate_hz;
            self.lambdas[i] = rate_hz * self.res.dt() * 1e-3;
        }
        Ok(())
    }

    /// Names of the source (virtual) populations, in network order.
    pub fn source_names(&self) -> &[String] {
        &self.src_names
    }

    /// Adds spikes of source (virtual) nodes while running: `(source population, row, time
    /// ms)`, rounded to the grid as the spike trains given at build time are. Spikes that would
    /// have been emitted before the current time are dropped; returns how many were added.
    pub fn add_source_spikes(&mut self, events: &[(usize, u32, f64)]) -> SimResult<usize> {
        let mut added = Vec::with_capacity(events.len());
        for &(q, r, t) in events {
            if q >= self.src_offset.len() || r as usize >= self.src_lens[q] {
                return Err(SimError::NotFound {
                    what: "source node",
                    name: format!("{q}:{r}"),
                });
            }
            let stamp = self.res.spike_stamp_steps(t, self.precise_times);
            if !t.is_finite() || stamp < 1 || ((stamp - 1) as u64) < self.step {
                continue;
            }
            added.push(((stamp - 1) as u64, (self.src_offset[q] + r as usize) as u32));
        }
        let n = added.len();
        // what was delivered is dropped; what is pending is merged with the new spikes
        self.gen_events.drain(..self.gen_cursor);
        self.gen_cursor = 0;
        self.gen_events.extend(added);
        self.gen_events.sort_unstable();
        Ok(n)
    }

    /// Drops the not yet emitted spikes of source population `source` at or after `t_ms` (a
    /// live input whose rate changes is regenerated from then on).
    pub fn remove_source_spikes_from(&mut self, source: usize, t_ms: f64) -> SimResult<usize> {
        if source >= self.src_offset.len() {
            return Err(SimError::NotFound {
                what: "source population",
                name: source.to_string(),
            });
        }
        let lo = self.src_offset[source] as u32;
        let hi = lo + self.src_lens[source] as u32;
        let from = self.res.spike_stamp_steps(t_ms, true).max(1) as u64 - 1;
        let before = self.gen_events.len();
        let cursor = self.gen_cursor;
        let mut i = 0;
        self.gen_events.retain(|&(k, s)| {
            let keep = i < cursor || k < from || s < lo || s >= hi;
            i += 1;
            keep
        });
        Ok(before - self.gen_events.len())
    }

    /// A current pulse: `amp_pa` into neurons of a population from the next step on for
    /// `duration_ms`, under a new `name` (a name used before is an error).
    pub fn pulse_current(
        &mut self,
        name: &str,
        population: usize,
        rows: &[u32],
        amp_pa: f64,
        duration_ms: f64,
    ) -> SimResult<()> {
        if self.clamps.iter().any(|c| c.name == name) {
            return Err(SimError::Invalid(format!(
                "a current named '{name}' exists already"
            )));
        }
        if !(duration_ms.is_finite() && duration_ms > 0.0 && amp_pa.is_finite()) {
            return Err(SimError::Invalid(format!(
                "bad pulse: {amp_pa} pA for {duration_ms} ms"
            )));
        }
        self.inject_current(name, population, rows, amp_pa)?;
        let steps = self.res.ms_to_steps(duration_ms).max(1);
        if let Some(c) = self.clamps.iter_mut().find(|c| c.name == name)
            && let Some(&(start, _)) = c.changes.first()
        {
            c.changes.push((start + steps, 0.0));
        }
        Ok(())
    }

    /// Inject a constant current (pA) into neurons of a population from the next step on, under
    /// `name`; calling again with the same name changes its amplitude (0 switches it off).
    pub fn inject_current(
        &mut self,
        name: &str,
        population: usize,
        rows: &[u32],
        amp_pa: f64,
    ) -> SimResult<()> {
        let stamp = self.step as i64 + 1;
        let mut targets = Vec::with_capacity(rows.len());
        for &r in rows {
            self.locate(population, r as usize)?;
            targets.push((self.pop_offset[population] + r as usize) as u32);
        }
        if let Some(c) = self.clamps.iter_mut().find(|c| c.name == name) {
            if c.targets != targets {
                return Err(SimError::Invalid(format!(
                    "the current '{name}' goes into other neurons: give new targets a new name"
                )));
            }
            c.changes.retain(|&(s, _)| s <= stamp);
            c.changes.push((stamp, amp_pa));
            return Ok(());
        }
        for p in &mut self.parts {
            p.clamp_targets.push(
                targets
                    .iter()
                    .filter(|&&t| (t as usize) >= p.n0 && (t as usize) < p.n1)
                    .map(|&t| (t as usize - p.n0) as u32)
                    .collect(),
            );
        }
        self.clamps.push(ClampSchedule {
            name: name.to_string(),
            changes: vec![(stamp, amp_pa)],
            delay: 1,
            targets,
        });
        Ok(())
    }
}
