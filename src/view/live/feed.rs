//! The viewer's driver of a live simulation (no Bevy): the engine runs on its own thread
//! ([`LiveRun`]); each frame [`LiveFeed::pump`] moves the spikes it made into the scene's
//! playback streams, the same [`SpikeIndex`](crate::sonata::SpikeIndex) that spike files play
//! from, so that the 3D view, the raster and the probe see live spikes as they see recorded
//! ones. What was simulated can be saved as a SONATA spikes file.
use std::path::Path;
use std::time::Instant;

use anyhow::Context;

use crate::sim::control::ControlledRun;
use crate::sim::interventions::Intervention;
use crate::sim::live::{LiveCommand, LiveRun, SourceFeeder};
use crate::sim::{Simulation, Spike};
use crate::sonata::{PopulationSpikes, SortOrder};

use crate::view::scene::Scene;

/// The `source` of the scene's spike streams that a live run fills.
pub const LIVE_SOURCE: &str = "live simulation";

/// Live spikes the scene keeps; beyond it the older half is dropped (about 12 bytes each).
const MAX_SCENE_SPIKES: usize = 40_000_000;

/// A live run feeding a scene.
pub struct LiveFeed {
    run: Option<LiveRun>,
    /// scene spike stream of each engine population (`None`: not in the scene)
    slots: Vec<Option<usize>>,
    until_ms: f64,
    spikes: usize,
    /// wall clock and model time when the rate was last measured, and the rate (model ms per
    /// wall second)
    rate_mark: (Instant, f64),
    rate: f64,
    pulses: u64,
    /// engine population names (the scene's live streams are made again after a reset)
    populations: Vec<String>,
    /// interventions applied and refused since the last take
    applied: Vec<Intervention>,
    refused: Vec<String>,
}

impl LiveFeed {
    /// Starts `sim` on its own thread, in chunks of `chunk_ms`, at `speed` model ms per wall
    /// second (`None`: as fast as it goes), until `tstop_ms` (may be infinite with a feeder).
    /// The scene's earlier live streams are replaced by empty ones.
    pub fn start(
        scene: &mut Scene,
        sim: Simulation,
        feeder: Option<Box<dyn SourceFeeder>>,
        chunk_ms: f64,
        speed: Option<f64>,
        tstop_ms: f64,
    ) -> Self {
        Self::start_controlled(
            scene,
            ControlledRun::from_parts(sim, feeder, chunk_ms),
            speed,
            tstop_ms,
        )
    }

    /// Starts a controlled run (its scheduled interventions applied as it reaches them) on its
    /// own thread, as [`Self::start`] does.
    pub fn start_controlled(
        scene: &mut Scene,
        run: ControlledRun,
        speed: Option<f64>,
        tstop_ms: f64,
    ) -> Self {
        let populations = run.sim().population_names().to_vec();
        let t0 = run.time_ms();
        let mut feed = Self {
            run: Some(LiveRun::start_controlled(run, tstop_ms, speed)),
            slots: Vec::new(),
            until_ms: t0,
            spikes: 0,
            rate_mark: (Instant::now(), t0),
            rate: 0.0,
            pulses: 0,
            populations,
            applied: Vec::new(),
            refused: Vec::new(),
        };
        feed.fresh_streams(scene);
        feed
    }

    /// The scene's earlier live streams replaced by empty ones.
    fn fresh_streams(&mut self, scene: &mut Scene) {
        scene.spikes.retain(|s| s.source != LIVE_SOURCE);
        self.slots = self
            .populations
            .iter()
            .map(|name| scene.add_live_spikes(LIVE_SOURCE, name))
            .collect();
    }

    /// The interventions the engine applied since the last call, with their model times.
    pub fn take_applied(&mut self) -> Vec<Intervention> {
        std::mem::take(&mut self.applied)
    }

    /// The interventions the engine refused since the last call (why).
    pub fn take_refused(&mut self) -> Vec<String> {
        std::mem::take(&mut self.refused)
    }

    /// Moves the spikes made since the last call into the scene; returns how many. Afterwards
    /// the scene holds every spike before [`Self::until_ms`].
    pub fn pump(&mut self, scene: &mut Scene) -> anyhow::Result<usize> {
        let Some(run) = &self.run else {
            return Ok(0);
        };
        let drained = run.drain_all();
        let (until, spikes) = (drained.until_ms, drained.spikes);
        self.applied.extend(drained.applied);
        self.refused.extend(drained.refused);
        if drained.reset_to.is_some() {
            // the model started again from 0: what was shown of the earlier start goes
            self.fresh_streams(scene);
            self.spikes = 0;
            self.rate_mark = (Instant::now(), 0.0);
            self.until_ms = 0.0;
        }
        let n = spikes.len();
        let mut per_slot: Vec<Vec<(f64, u64)>> = vec![Vec::new(); self.slots.len()];
        for Spike {
            population,
            node_id,
            time_ms,
            ..
        } in spikes
        {
            if let Some(v) = per_slot.get_mut(population) {
                v.push((time_ms, node_id));
            }
        }
        for (slot, mut v) in self.slots.iter().zip(per_slot) {
            if let Some(s) = slot.and_then(|i| scene.spikes.get_mut(i))
                && !v.is_empty()
            {
                s.index
                    .append(&mut v)
                    .map_err(|e| anyhow::anyhow!("live spikes: {e}"))?;
                if s.index.len() > MAX_SCENE_SPIKES {
                    let keep_from = s.index.times[s.index.len() / 2];
                    s.index.drop_before(keep_from);
                }
            }
        }
        self.spikes += n;
        if let Some(t) = until {
            self.until_ms = t;
        }
        let elapsed = self.rate_mark.0.elapsed().as_secs_f64();
        if elapsed >= 0.5 {
            self.rate = (self.until_ms - self.rate_mark.1) / elapsed;
            self.rate_mark = (Instant::now(), self.until_ms);
        }
        Ok(n)
    }

    /// Model time up to which the scene holds every spike.
    pub fn until_ms(&self) -> f64 {
        self.until_ms
    }

    /// Spikes streamed so far.
    pub fn spike_count(&self) -> usize {
        self.spikes
    }

    /// Model ms simulated per wall second, measured over the last half second or more.
    pub fn model_ms_per_second(&self) -> f64 {
        self.rate
    }

    /// Tells the running engine something; an error when it has stopped.
    pub fn send(&self, command: LiveCommand) -> anyhow::Result<()> {
        let run = self
            .run
            .as_ref()
            .context("the live simulation has stopped")?;
        Ok(run.send(command)?)
    }

    /// A current pulse into `rows` of engine population `population` (a fresh name each time).
    pub fn pulse(
        &mut self,
        population: usize,
        rows: Vec<u32>,
        amp_pa: f64,
        duration_ms: f64,
    ) -> anyhow::Result<()> {
        self.pulses += 1;
        self.send(LiveCommand::PulseCurrent {
            name: format!("viewer-pulse-{}", self.pulses),
            population,
            rows,
            amp_pa,
            duration_ms,
        })
    }

    /// Whether the run has ended (its tstop, or an error: see [`Self::stop`]).
    pub fn finished(&self) -> bool {
        self.run.as_ref().is_none_or(LiveRun::finished)
    }

    /// Stops the run; gives the simulation back, or the error that stopped it.
    pub fn stop(&mut self) -> anyhow::Result<Simulation> {
        let run = self.run.take().context("the live simulation has stopped")?;
        Ok(run.stop()?)
    }
}

/// The live spikes the scene holds, one population each, sorted by time.
pub fn live_spikes(scene: &Scene) -> Vec<PopulationSpikes> {
    scene
        .spikes
        .iter()
        .filter(|s| s.source == LIVE_SOURCE && !s.index.is_empty())
        .map(|s| PopulationSpikes {
            population: s.index.population.clone(),
            node_ids: s.index.node_ids.clone(),
            timestamps: s.index.times.clone(),
            sorting: Some(SortOrder::ByTime),
        })
        .collect()
}

/// Saves the live spikes as a SONATA spikes file (written whole or not at all).
pub fn save_live_spikes(scene: &Scene, path: &Path) -> anyhow::Result<usize> {
    let pops = live_spikes(scene);
    let n = pops.iter().map(PopulationSpikes::len).sum();
    crate::sonata::write_spikes(path, &pops, SortOrder::ByTime)
        .with_context(|| format!("saving the live spikes to {}", path.display()))?;
    Ok(n)
}
