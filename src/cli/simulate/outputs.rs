//! A finished run's outputs: the spikes written beside the closed report files, all committed
//! together, and the summary printed; plain and replayed runs finish alike.
use std::path::Path;
use std::time::Instant;

use anyhow::Context;

use super::{PopSummary, ReportSummary, Summary, peak_rss_bytes};
use crate::atomic_file::{PendingFile, PendingSet};
use crate::sim::Simulation;
use crate::sim::from_sonata::RunSpec;
use crate::sonata::{PopulationSpikes, write_spikes};

/// Each population's neurons, spikes and mean rate over a run of `tstop` ms.
fn population_summaries(
    sim: &Simulation,
    pops: &[PopulationSpikes],
    tstop: f64,
) -> Vec<PopSummary> {
    pops.iter()
        .enumerate()
        .map(|(i, p)| PopSummary {
            population: p.population.clone(),
            neurons: sim.population_len(i),
            spikes: p.len(),
            mean_rate_hz: p.len() as f64 / sim.population_len(i).max(1) as f64 / (tstop / 1000.0),
        })
        .collect()
}

/// The spikes per population, in the engine's order.
fn spikes_by_population(sim: &Simulation) -> Vec<PopulationSpikes> {
    let mut pops: Vec<PopulationSpikes> = sim
        .population_names()
        .iter()
        .map(|n| PopulationSpikes {
            population: n.clone(),
            ..Default::default()
        })
        .collect();
    for s in sim.spikes() {
        pops[s.population].node_ids.push(s.node_id);
        pops[s.population].timestamps.push(s.time_ms);
    }
    pops
}

/// Writes the spikes beside the closed reports and renames them all together.
fn commit_outputs(
    spec: &RunSpec,
    pops: &[PopulationSpikes],
    reports: Vec<PendingFile>,
) -> anyhow::Result<()> {
    let mut set = PendingSet::default();
    for r in reports {
        set.push(r);
    }
    if let Some(path) = &spec.spikes_file {
        let pending =
            PendingFile::new(path).with_context(|| format!("spikes file {}", path.display()))?;
        write_spikes(pending.path(), pops, spec.sort_order)
            .with_context(|| format!("spikes file {}", path.display()))?;
        set.push(pending);
    }
    set.commit()
        .map_err(|(path, e)| anyhow::anyhow!("{}: {e}", path.display()))
}
/// Seconds spent before the outputs are written.
pub(super) struct Timings {
    pub(super) load_s: f64,
    pub(super) open_s: f64,
    pub(super) network_s: f64,
    pub(super) build_s: f64,
    pub(super) simulate_s: f64,
}

/// A finished run: its config, engine, settings and duration.
pub(super) struct Ran<'a> {
    pub(super) config: &'a Path,
    pub(super) sim: &'a Simulation,
    pub(super) spec: &'a RunSpec,
    pub(super) threads: usize,
    pub(super) tstop: f64,
}

/// Writes the spikes beside the closed report files, commits them all together, and sums the
/// run up.
pub(super) fn finish(
    ran: Ran,
    report_files: Vec<PendingFile>,
    reports: Vec<ReportSummary>,
    t: Timings,
) -> anyhow::Result<Summary> {
    let Ran {
        config,
        sim,
        spec,
        threads,
        tstop,
    } = ran;
    let t2 = Instant::now();
    let pops = spikes_by_population(sim);
    commit_outputs(spec, &pops, report_files)?;
    let write_s = t2.elapsed().as_secs_f64();
    Ok(Summary {
        config: config.display().to_string(),
        threads,
        tstop_ms: tstop,
        dt_ms: spec.dt,
        load_s: t.load_s,
        open_s: t.open_s,
        network_s: t.network_s,
        build_s: t.build_s,
        simulate_s: t.simulate_s,
        write_s,
        real_time_factor: tstop / 1000.0 / t.simulate_s.max(1e-9),
        spikes: sim.spike_count(),
        populations: population_summaries(sim, &pops, tstop),
        spikes_file: spec.spikes_file.as_ref().map(|p| p.display().to_string()),
        reports,
        peak_rss_bytes: peak_rss_bytes(),
        build: sim.stats().clone(),
        warnings: spec.warnings.clone(),
    })
}
