//! `simulate CONFIG --interventions FILE`: the config's network run as a live run is, chunk by
//! chunk, with the logged interventions applied at their model times; the spikes are those of
//! the live run that wrote the log, spike for spike. The config's V_m reports are recorded from
//! the run after the log's last reset, as a plain run records them.
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;

use super::outputs::{Ran, Timings, finish};
use super::{Prepared, Reports, Summary, interrupt, prepare, report_plans, usable_threads};
use crate::sim::control::{LiveModel, ReplayStage, replay_watched};
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
    let interrupt = interrupt::flag().map_err(anyhow::Error::msg)?;
    let t0 = Instant::now();
    let Prepared {
        net,
        mut spec,
        tstop,
        grids,
        report_pops,
        nodes,
        node_sets,
        open_s,
        network_s,
    } = prepare(config, tstop, interrupt)
        .with_context(|| format!("opening {} to run", config.display()))?;
    let threads = usable_threads(threads, &mut spec.warnings);
    let t_build = Instant::now();
    let mut model = LiveModel::from_network(net, &nodes, node_sets, spec.tstop, threads)?;
    drop(nodes);
    let mut warnings: Vec<String> = std::mem::take(&mut model.warnings);
    model.config = Some(config.to_owned());
    let model = Arc::new(model);
    let build_s = t_build.elapsed().as_secs_f64();
    let load_s = t0.elapsed().as_secs_f64();

    let t1 = Instant::now();
    let mut plans = Some(report_plans(&spec, report_pops, &grids));
    let mut reports: Option<Reports> = None;
    let mut drained_at = 0u64;
    let mut piece = u64::MAX;
    let done = replay_watched(model, list, tstop, |stage, sim| -> anyhow::Result<()> {
        if interrupt::requested(interrupt) {
            anyhow::bail!(
                "interrupted at {} of {tstop} ms: no output was written (earlier outputs are as they were)",
                sim.time_ms()
            );
        }
        match (stage, reports.as_mut()) {
            (ReplayStage::Started, _) => {
                let started = Reports::start(sim, plans.take().unwrap_or_default())?;
                let end_step = sim.resolution().ms_to_steps(tstop).max(0) as u64;
                piece = started.piece_steps(sim.stats().min_delay_steps, end_step);
                reports = Some(started);
            }
            (ReplayStage::Advanced, Some(r)) if sim.steps() >= drained_at + piece => {
                r.drain(sim)?;
                drained_at = sim.steps();
            }
            (ReplayStage::Advanced, _) => {}
        }
        Ok(())
    })?;
    warnings.append(&mut spec.warnings);
    spec.warnings = warnings;
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
    let mut sim = done.run.into_sim();
    let (report_files, report_summaries) = match reports {
        Some(mut r) => {
            r.drain(&mut sim)?;
            r.close()?
        }
        None => (Vec::new(), Vec::new()),
    };
    let simulate_s = t1.elapsed().as_secs_f64();
    let timings = Timings {
        load_s,
        open_s,
        network_s,
        build_s,
        simulate_s,
    };
    let ran = Ran {
        config,
        sim: &sim,
        spec: &spec,
        threads,
        tstop,
    };
    finish(ran, report_files, report_summaries, timings)
}
