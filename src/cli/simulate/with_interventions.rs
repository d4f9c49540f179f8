//! `simulate CONFIG --interventions FILE`: the config's network run as a live run is, chunk by
//! chunk, with the logged interventions applied at their model times; the spikes are those of
//! the live run that wrote the log, spike for spike. V_m reports are not recorded on this path.
use std::path::Path;
use std::time::Instant;

use anyhow::Context;

use super::{
    Summary, commit_outputs, peak_rss_bytes, population_summaries, spikes_by_population,
    usable_threads,
};
use crate::sim::control::{LiveModel, replay};
use crate::sim::interventions;

/// Runs `config` to `tstop` (default: its run.tstop) applying the interventions of `file`.
pub fn simulate_with_interventions(
    config: &Path,
    file: &Path,
    threads: usize,
    tstop: Option<f64>,
    quiet: bool,
) -> anyhow::Result<Summary> {
    let list = interventions::read(file)?;
    let mut warnings = Vec::new();
    let threads = usable_threads(threads, &mut warnings);
    let t0 = Instant::now();
    let model = LiveModel::open(config, threads)
        .with_context(|| format!("opening {} to run", config.display()))?;
    let mut spec = model
        .run_spec
        .clone()
        .context("the config has no simulation part (run, inputs)")?;
    spec.warnings.extend(warnings);
    if !spec.reports.is_empty() {
        spec.warnings.push(format!(
            "{} V_m report(s) of the config are not recorded with --interventions",
            spec.reports.len()
        ));
        spec.reports.clear();
    }
    let tstop = tstop.unwrap_or(spec.tstop);
    if !(tstop.is_finite() && tstop >= 0.0) {
        anyhow::bail!("cannot run to {tstop} ms");
    }
    let load_s = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let done = replay(model, list, tstop)?;
    if !done.left.is_empty() {
        spec.warnings.push(format!(
            "{} intervention(s) of {} come at or after {tstop} ms and were not applied",
            done.left.len(),
            file.display()
        ));
    }
    if !quiet {
        for w in &spec.warnings {
            eprintln!("warning: {w}");
        }
        eprintln!(
            "applied {} intervention(s) from {}",
            done.applied.len(),
            file.display()
        );
    }
    let simulate_s = t1.elapsed().as_secs_f64();
    let sim = done.run.into_sim();
    let t2 = Instant::now();
    let pops = spikes_by_population(&sim);
    commit_outputs(&spec, &pops, Vec::new())?;
    let write_s = t2.elapsed().as_secs_f64();
    Ok(Summary {
        config: config.display().to_string(),
        threads,
        tstop_ms: tstop,
        dt_ms: spec.dt,
        load_s,
        open_s: load_s,
        network_s: 0.0,
        build_s: 0.0,
        simulate_s,
        write_s,
        real_time_factor: tstop / 1000.0 / simulate_s.max(1e-9),
        spikes: sim.spike_count(),
        populations: population_summaries(&sim, &pops, tstop),
        spikes_file: spec.spikes_file.as_ref().map(|p| p.display().to_string()),
        reports: Vec::new(),
        peak_rss_bytes: peak_rss_bytes(),
        build: sim.stats().clone(),
        warnings: spec.warnings.clone(),
    })
}
