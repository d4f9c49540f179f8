//! The simulation: neurons split into partitions of contiguous target neurons (one per thread),
//! each with its own synapses and ring buffers, advanced window by window where a window is at
//! most the minimum delay long (so no spike of a window can arrive within it), as NEST does.
//!
//! | module | what |
//! |---|---|
//! | `build` | [`Simulation::new`]: the build in named stages (order, partitions, inputs) |
//! | `synapse_build` | the partitions' synapse tables: plan, count, fill |
//! | `partition` | a partition and its window step |
//! | `recording` | V_m read, set and recorded |
//! | `live_changes` | weights, rates, source spikes and currents changed while running |
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use super::error::{SimError, SimResult};
use super::inputs::ClampSchedule;
use super::recorder::VmRecordings;
use super::time::Resolution;
use partition::{Partition, WindowInputs};

mod build;
mod live_changes;
mod partition;
mod recording;
mod shapes;
mod synapse_build;

pub use build::MAX_PARTITIONS;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunEnd {
    /// at the time asked for
    Reached,
    /// stopped early by its cancel flag
    Cancelled,
}

#[derive(Debug, Clone)]
pub struct SimOptions {
    /// worker threads (partitions); 1 runs on the calling thread
    pub threads: usize,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self { threads: 1 }
    }
}

/// One recorded spike.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spike {
    /// index of the neuron population in the network
    pub population: usize,
    pub node_id: u64,
    /// NEST's spike stamp: the spike happened in the step ending here
    pub step: u64,
    pub time_ms: f64,
}

/// Sizes of what was built (for the summary).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct BuildStats {
    pub neurons: usize,
    pub sources: usize,
    pub synapses: usize,
    pub partitions: usize,
    pub blocks: usize,
    pub min_delay_steps: u64,
    pub max_delay_steps: u64,
    pub source_spikes: usize,
    pub source_spikes_dropped: usize,
    pub synapse_bytes: usize,
    pub buffer_bytes: usize,
}

/// A running simulation.
pub struct Simulation {
    res: Resolution,
    step: u64,
    min_delay: u64,
    ring_len: usize,
    parts: Vec<Partition>,
    pool: Option<rayon::ThreadPool>,
    gen_events: Vec<(u64, u32)>,
    gen_cursor: usize,
    window_gen: Vec<(u64, u32)>,
    pending: Vec<(u64, u32)>,
    clamps: Vec<ClampSchedule>,
    poisson_names: Vec<String>,
    poisson_rates: Vec<f64>,
    lambdas: Vec<f64>,
    recorded: Vec<(u64, u32)>,
    taken: usize,
    pop_names: Vec<String>,
    pop_offset: Vec<usize>,
    node_ids: Vec<Vec<u64>>,
    proj_names: Vec<String>,
    /// internal id of the first node of each source population
    src_offset: Vec<usize>,
    src_names: Vec<String>,
    src_lens: Vec<usize>,
    precise_times: bool,
    stats: BuildStats,
    vm: VmRecordings,
}

impl Simulation {
    pub fn stats(&self) -> &BuildStats {
        &self.stats
    }

    pub fn resolution(&self) -> Resolution {
        self.res
    }

    /// Steps simulated so far.
    pub fn steps(&self) -> u64 {
        self.step
    }

    /// Simulated time in ms.
    pub fn time_ms(&self) -> f64 {
        self.res.steps_to_ms(self.step as i64)
    }

    pub fn population_names(&self) -> &[String] {
        &self.pop_names
    }

    pub fn population_len(&self, p: usize) -> usize {
        self.pop_offset[p + 1] - self.pop_offset[p]
    }

    /// Advance to `t_ms` (rounded to the grid as NEST rounds the argument of Simulate).
    pub fn run_until(&mut self, t_ms: f64) -> SimResult<()> {
        self.run_until_with(t_ms, &mut |_| {})
    }

    /// Advance to `t_ms`, calling `progress(time_ms)` after each window.
    pub fn run_until_with(
        &mut self,
        t_ms: f64,
        progress: &mut (dyn FnMut(f64) + Send),
    ) -> SimResult<()> {
        self.run_until_or_cancelled(t_ms, progress, &AtomicBool::new(false))
            .map(drop)
    }

    /// Advance to `t_ms` as [`Simulation::run_until_with`] does, stopping after the window in
    /// which `cancel` was set (a signal handler's flag): returns whether `t_ms` was reached.
    pub fn run_until_or_cancelled(
        &mut self,
        t_ms: f64,
        progress: &mut (dyn FnMut(f64) + Send),
        cancel: &AtomicBool,
    ) -> SimResult<RunEnd> {
        let target = self.res.ms_to_steps(t_ms);
        if target < 0 {
            return Err(SimError::Invalid(format!("cannot run to {t_ms} ms")));
        }
        let target = target as u64;
        let cancelled = || cancel.load(Ordering::Relaxed);
        match self.pool.take() {
            Some(pool) => {
                pool.install(|| {
                    while self.step < target && !cancelled() {
                        self.window(target, true);
                        progress(self.time_ms());
                    }
                });
                self.pool = Some(pool);
            }
            None => {
                while self.step < target && !cancelled() {
                    self.window(target, false);
                    progress(self.time_ms());
                }
            }
        }
        Ok(if self.step >= target {
            RunEnd::Reached
        } else {
            RunEnd::Cancelled
        })
    }

    fn window(&mut self, target: u64, parallel: bool) {
        let t0 = self.step;
        let len = (target - t0).min(self.min_delay) as usize;
        let end = t0 + len as u64;
        // spike-generator events emitted in this window, generator by generator as NEST does
        self.window_gen.clear();
        while self.gen_cursor < self.gen_events.len() && self.gen_events[self.gen_cursor].0 < end {
            let (k, s) = self.gen_events[self.gen_cursor];
            if k >= t0 {
                self.window_gen.push((k, s));
            }
            self.gen_cursor += 1;
        }
        self.window_gen.sort_unstable_by_key(|&(k, s)| (s, k));
        let inputs = WindowInputs {
            t0,
            len,
            ring_len: self.ring_len,
            pending: &self.pending,
            generated: &self.window_gen,
            clamps: &self.clamps,
            lambdas: &self.lambdas,
        };
        if parallel {
            self.parts
                .par_iter_mut()
                .for_each(|p| p.run_window(&inputs));
        } else {
            for p in &mut self.parts {
                p.run_window(&inputs);
            }
        }
        self.vm
            .gather(t0, end, self.parts.iter().map(|p| &p.probes));
        self.pending.clear();
        for p in &self.parts {
            for &(lag, local) in &p.out {
                let k = t0 + lag as u64;
                let src = (p.n0 + local as usize) as u32;
                self.pending.push((k, src));
                self.recorded.push((k + 1, src));
            }
        }
        self.step = end;
    }

    fn spike_of(&self, stamp: u64, neuron: u32) -> Spike {
        let i = neuron as usize;
        let p = self.pop_offset.partition_point(|&o| o <= i) - 1;
        Spike {
            population: p,
            node_id: self.node_ids[p][i - self.pop_offset[p]],
            step: stamp,
            time_ms: self.res.steps_to_ms(stamp as i64),
        }
    }

    /// Number of spikes recorded so far.
    pub fn spike_count(&self) -> usize {
        self.recorded.len()
    }

    /// All spikes so far, window by window (a window is the minimum delay), within a window
    /// neuron by neuron: sort by `step` for time order.
    pub fn spikes(&self) -> impl Iterator<Item = Spike> + '_ {
        self.recorded.iter().map(|&(s, n)| self.spike_of(s, n))
    }

    /// The spikes since the previous call (the live stream).
    pub fn take_new_spikes(&mut self) -> Vec<Spike> {
        let out = self.recorded[self.taken..]
            .iter()
            .map(|&(s, n)| self.spike_of(s, n))
            .collect();
        self.taken = self.recorded.len();
        out
    }

    /// Spikes per population so far.
    pub fn spike_counts(&self) -> Vec<usize> {
        let mut c = vec![0; self.pop_names.len()];
        for &(_, n) in &self.recorded {
            let p = self.pop_offset.partition_point(|&o| o <= n as usize) - 1;
            c[p] += 1;
        }
        c
    }

    /// Drop the recorded spikes (a live viewer that only streams).
    pub fn clear_recorded(&mut self) {
        self.recorded.clear();
        self.taken = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{
        Model, Network, Population, Projection, SourcePopulation, SourceRef, SynapseKind,
    };

    fn model(i_e: f64) -> Model {
        let mut p = serde_json::Map::new();
        p.insert("I_e".into(), serde_json::json!(i_e));
        Model::from_nest("iaf_psc_alpha", &p).unwrap().0
    }

    /// Two populations (three models), a spike source, recurrent edges with kind weights and
    /// edges with per-edge weights and delays.
    fn network() -> Network {
        let mut a = Population::uniform("a", model(370.0), 300);
        a.models.push(model(390.0));
        for r in 100..200 {
            a.model_of[r] = 1;
        }
        let b = Population::uniform("b", model(360.0), 200);
        let trains = (0..20)
            .map(|i| {
                (0..30)
                    .map(|k| 1.0 + k as f64 * 7.3 + i as f64 * 0.4)
                    .collect()
            })
            .collect();
        let sources = SourcePopulation {
            name: "lgn".into(),
            node_ids: (0..20).collect(),
            trains,
        };
        let mut x = 7u64;
        let mut next = move |m: usize| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((x >> 33) % m as u64) as u32
        };
        let kinds = vec![
            SynapseKind {
                weight: 30.0,
                delay_ms: 1.5,
                receptor: 0,
            },
            SynapseKind {
                weight: -80.0,
                delay_ms: 0.8,
                receptor: 0,
            },
            SynapseKind {
                weight: 20.0,
                delay_ms: 2.1,
                receptor: 0,
            },
        ];
        let mut projections = Vec::new();
        for (name, source, target, ns, nt) in [
            ("a_a", SourceRef::Neurons(0), 0, 300, 300),
            ("a_b", SourceRef::Neurons(0), 1, 300, 200),
            ("b_a", SourceRef::Neurons(1), 0, 200, 300),
        ] {
            let n = 6000;
            projections.push(Projection {
                name: name.into(),
                source,
                target,
                src: (0..n).map(|_| next(ns)).collect(),
                tgt: (0..n).map(|_| next(nt)).collect(),
                kind: (0..n).map(|_| next(3)).collect(),
                kinds: kinds.clone(),
                weight: None,
                delay_ms: None,
            });
        }
        let n = 2000;
        projections.push(Projection {
            name: "lgn_a".into(),
            source: SourceRef::Sources(0),
            target: 0,
            src: (0..n).map(|_| next(20)).collect(),
            tgt: (0..n).map(|_| next(300)).collect(),
            kind: vec![0; n],
            kinds: kinds[..1].to_vec(),
            weight: Some((0..n).map(|_| 50.0 + next(40) as f64).collect()),
            delay_ms: Some((0..n).map(|_| 0.1 * (1 + next(30)) as f64).collect()),
        });
        Network {
            dt: 0.1,
            populations: vec![a, b],
            sources: vec![sources],
            projections,
            ..Default::default()
        }
    }

    fn run(mut sim: Simulation) -> Vec<(u64, u32)> {
        sim.run_until(200.0).unwrap();
        sim.recorded.clone()
    }

    #[test]
    fn threads_and_ownership_do_not_change_the_spikes() {
        let net = network();
        let one = run(Simulation::new(&net, &SimOptions { threads: 1 }).unwrap());
        assert!(one.len() > 500, "{} spikes", one.len());
        for threads in [2, 3] {
            let sim = Simulation::new(&net, &SimOptions { threads }).unwrap();
            assert_eq!(sim.stats().synapses, 20_000);
            assert_eq!(run(sim), one, "threads {threads}");
            let sim = Simulation::from_network(net.clone(), &SimOptions { threads }).unwrap();
            assert_eq!(run(sim), one, "owned, threads {threads}");
        }
    }

    fn build_error(net: &Network) -> String {
        match Simulation::new(net, &SimOptions { threads: 2 }) {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn bad_edges_are_reported_with_projection_and_edge() {
        let mut net = network();
        net.projections[1].tgt[17] = 200;
        net.projections[2].kind[3] = 9;
        assert_eq!(
            build_error(&net),
            format!(
                "projection 'a_b': edge 17: source {} or target 200 out of range",
                net.projections[1].src[17]
            )
        );
        net.projections[1].tgt[17] = 0;
        assert_eq!(
            build_error(&net),
            "projection 'b_a': edge 3: no synapse kind 9"
        );
        let mut net = network();
        net.projections[3].delay_ms.as_mut().unwrap()[5] = 0.01;
        assert!(build_error(&net).starts_with("projection 'lgn_a': edge 5: delay 0.01 ms"));
        let mut net = network();
        net.projections[0].kinds[2].receptor = 1;
        let e = build_error(&net);
        assert!(e.contains("'a_a'") && e.contains("receptor_type 0"), "{e}");
        let mut net = network();
        net.projections[0].kind.pop();
        assert_eq!(
            build_error(&net),
            "projection 'a_a': src, tgt and kind lengths differ"
        );
    }
}
