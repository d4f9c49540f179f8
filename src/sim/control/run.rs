//! `ControlledRun`: a simulation advanced in fixed chunks of model time from 0, changed only at
//! chunk boundaries. An intervention is applied at the first boundary at or after the time it
//! asks for (a live one at the boundary after it arrived) and logged with the model time it was
//! applied at. The live thread and the offline replay both drive this one type, so they make the
//! same calls in the same order and give the same spikes.
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use super::feeder::SourceFeeder;
use super::model::LiveModel;
use crate::sim::Simulation;
use crate::sim::error::{SimError, SimResult};
use crate::sim::interventions::{Action, Intervention, StimulusKind};

/// A volley: 20 nA for 0.5 ms (10 pC) lifts a 250 pF membrane by 40 mV, past any threshold of
/// the engine's point models, and ends within their refractory time: one spike each.
pub const VOLLEY: (f64, f64) = (20_000.0, 0.5);

/// Weights are scaled relative to what is applied, so a factor of 0 keeps a trace of them.
pub const WEIGHT_FLOOR: f64 = 1e-6;

/// How far ahead of the simulation the feeder's spikes are made (ms).
const FEED_AHEAD_MS: f64 = 200.0;

/// A simulation with its inputs, settings and log (see the module).
pub struct ControlledRun {
    model: Option<Arc<LiveModel>>,
    sim: Simulation,
    feeder: Option<Box<dyn SourceFeeder>>,
    chunk_steps: u64,
    /// rate factor per virtual population, weight factor per weight group
    rates: BTreeMap<String, f64>,
    weights: BTreeMap<String, f64>,
    /// factor applied to each engine projection
    applied: HashMap<String, f64>,
    schedule: VecDeque<Intervention>,
    log: Vec<Intervention>,
    generation: u64,
    stimuli: u64,
}

impl ControlledRun {
    /// A fresh run of `model` at t = 0.
    pub fn start(model: Arc<LiveModel>) -> SimResult<Self> {
        let (sim, feeder) = model.build()?;
        let chunk = model.chunk_ms;
        let mut run = Self::from_parts(sim, Some(feeder), chunk);
        run.model = Some(model);
        Ok(run)
    }

    /// A run of a simulation built elsewhere (no model: it cannot be reset or stimulated by
    /// selection), advancing `chunk_ms` at a time.
    pub fn from_parts(
        sim: Simulation,
        feeder: Option<Box<dyn SourceFeeder>>,
        chunk_ms: f64,
    ) -> Self {
        let dt = sim.resolution().dt();
        let chunk_steps = ((chunk_ms / dt).round() as u64).max(1);
        Self {
            model: None,
            sim,
            feeder,
            chunk_steps,
            rates: BTreeMap::new(),
            weights: BTreeMap::new(),
            applied: HashMap::new(),
            schedule: VecDeque::new(),
            log: Vec::new(),
            generation: 0,
            stimuli: 0,
        }
    }

    pub fn model(&self) -> Option<&Arc<LiveModel>> {
        self.model.as_ref()
    }

    pub fn sim(&self) -> &Simulation {
        &self.sim
    }

    pub fn sim_mut(&mut self) -> &mut Simulation {
        &mut self.sim
    }

    pub fn feeder_mut(&mut self) -> Option<&mut Box<dyn SourceFeeder>> {
        self.feeder.as_mut()
    }

    pub fn into_sim(self) -> Simulation {
        self.sim
    }

    pub fn time_ms(&self) -> f64 {
        self.sim.time_ms()
    }

    /// How many resets happened (the model time started again from 0 that often).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The rate factors and weight factors in force.
    pub fn settings(&self) -> (&BTreeMap<String, f64>, &BTreeMap<String, f64>) {
        (&self.rates, &self.weights)
    }

    /// Interventions to apply when the run reaches their times, in order.
    pub fn schedule(&mut self, list: impl IntoIterator<Item = Intervention>) {
        self.schedule.extend(list);
    }

    /// Scheduled interventions not applied yet.
    pub fn scheduled(&self) -> impl Iterator<Item = &Intervention> {
        self.schedule.iter()
    }

    /// What was applied since the last call, with the model time of each.
    pub fn take_log(&mut self) -> Vec<Intervention> {
        std::mem::take(&mut self.log)
    }

    /// Applies `action` now (at the current chunk boundary) and logs it.
    pub fn apply(&mut self, action: Action) -> SimResult<()> {
        let t_ms = self.sim.time_ms();
        match &action {
            Action::Pause | Action::Resume => {}
            Action::Reset => self.reset()?,
            Action::SetRate { population, factor } => self.set_rate(population, *factor)?,
            Action::ScaleWeights { edges, factor } => self.scale_weights(edges, *factor)?,
            Action::Stimulate { select, kind } => self.stimulate(select, kind)?,
        }
        self.log.push(Intervention { t_ms, action });
        Ok(())
    }

    /// Applies the scheduled interventions due now, then advances one chunk (at most to
    /// `tstop_ms`).
    pub fn advance(&mut self, tstop_ms: f64) -> SimResult<()> {
        self.apply_due()?;
        let res = self.sim.resolution();
        let step = self.sim.steps();
        let boundary = (step / self.chunk_steps + 1) * self.chunk_steps;
        let stop = if tstop_ms.is_finite() {
            res.ms_to_steps(tstop_ms).max(0) as u64
        } else {
            u64::MAX
        };
        let target = boundary.min(stop.max(step));
        if target <= step {
            return Ok(());
        }
        let until = res.steps_to_ms(target as i64);
        if let Some(f) = self.feeder.as_mut()
            && f.covered_until() < until + FEED_AHEAD_MS / 2.0
        {
            let events = f.feed(until + FEED_AHEAD_MS);
            self.sim.add_source_spikes(&events)?;
        }
        self.sim.run_until(until)
    }

    /// Applies every scheduled intervention whose time has come (at or before the current
    /// step).
    pub fn apply_due(&mut self) -> SimResult<()> {
        let res = self.sim.resolution();
        while let Some(next) = self.schedule.front() {
            if res.ms_stamp_steps(next.t_ms) > self.sim.steps() as i64 {
                break;
            }
            if let Some(item) = self.schedule.pop_front() {
                self.apply(item.action)?;
            }
        }
        Ok(())
    }

    fn reset(&mut self) -> SimResult<()> {
        let model = self
            .model
            .clone()
            .ok_or_else(|| SimError::Live("this run has no model to start again".into()))?;
        let (sim, feeder) = model.build()?;
        self.sim = sim;
        self.feeder = Some(feeder);
        self.applied.clear();
        self.generation += 1;
        // the settings in force carry over to the new start
        for (population, factor) in self.rates.clone() {
            self.set_rate(&population, factor)?;
        }
        let groups: Vec<String> = self.weights.keys().cloned().collect();
        self.reapply_weights(&groups)
    }

    fn set_rate(&mut self, population: &str, factor: f64) -> SimResult<()> {
        if let Some(rate_hz) = self
            .model
            .as_ref()
            .and_then(|m| m.poisson_rate_hz(population))
        {
            if !(factor.is_finite() && factor >= 0.0) {
                return Err(SimError::Invalid(format!(
                    "rate factor must be finite and >= 0, got {factor}"
                )));
            }
            self.sim.set_poisson_rate(population, rate_hz * factor)?;
            self.rates.insert(population.to_string(), factor);
            return Ok(());
        }
        let t = self.sim.time_ms();
        let q = self
            .feeder
            .as_mut()
            .and_then(|f| f.set_rate_scale(population, factor, t))
            .ok_or_else(|| SimError::NotFound {
                what: "virtual population with spike inputs or Poisson input",
                name: population.to_string(),
            })?;
        self.sim.remove_source_spikes_from(q, t)?;
        self.rates.insert(population.to_string(), factor);
        Ok(())
    }

    fn scale_weights(&mut self, edges: &str, factor: f64) -> SimResult<()> {
        if !(factor.is_finite() && factor >= 0.0) {
            return Err(SimError::Invalid(format!(
                "weight factor must be finite and >= 0, got {factor}"
            )));
        }
        let known = self
            .model
            .as_ref()
            .is_some_and(|m| m.panel.weight_groups.iter().any(|g| g.name == edges));
        if !known {
            return Err(SimError::NotFound {
                what: "edge population or E/I class",
                name: edges.to_string(),
            });
        }
        self.weights.insert(edges.to_string(), factor);
        self.reapply_weights(&[edges.to_string()])
    }

    /// Brings the engine's projections reached by `groups` to the product of the factors of
    /// every group holding them.
    fn reapply_weights(&mut self, groups: &[String]) -> SimResult<()> {
        let Some(model) = self.model.clone() else {
            return Ok(());
        };
        let all = &model.panel.weight_groups;
        let mut projections: Vec<&String> = all
            .iter()
            .filter(|g| groups.contains(&g.name))
            .flat_map(|g| &g.projections)
            .collect();
        projections.dedup();
        for p in projections {
            let wanted: f64 = all
                .iter()
                .filter(|g| g.projections.contains(p))
                .map(|g| self.weights.get(&g.name).copied().unwrap_or(1.0))
                .product::<f64>()
                .max(WEIGHT_FLOOR);
            let now = self.applied.get(p).copied().unwrap_or(1.0);
            if wanted != now {
                self.sim.scale_projection(p, wanted / now)?;
                self.applied.insert(p.clone(), wanted);
            }
        }
        Ok(())
    }

    fn stimulate(&mut self, select: &str, kind: &StimulusKind) -> SimResult<()> {
        let model = self
            .model
            .clone()
            .ok_or_else(|| SimError::Live("this run has no model to select from".into()))?;
        let targets = model.selector.rows(select)?;
        if targets.is_empty() {
            return Err(SimError::Invalid(format!(
                "the selection '{select}' picks no simulated neuron"
            )));
        }
        let (amp, ms) = match kind {
            StimulusKind::Volley => VOLLEY,
            StimulusKind::Pulse {
                amp_pa,
                duration_ms,
            } => (*amp_pa, *duration_ms),
        };
        self.stimuli += 1;
        for (population, rows) in targets {
            let name = format!("stimulus {} into {population}", self.stimuli);
            self.sim.pulse_current(&name, population, &rows, amp, ms)?;
        }
        Ok(())
    }
}
