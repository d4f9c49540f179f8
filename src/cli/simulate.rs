//! `cortexview simulate CONFIG`: run a SONATA point-neuron simulation with the embedded engine
//! and write its spikes, and the V_m reports the config asks for, where the config says.
//!
//! Strict where viewing is tolerant: a file the network needs that is missing or unreadable
//! stops the run (see `sim::from_sonata`). Bounded: reports that cannot fit on the disk are
//! refused before the run (`output_space`), threads beyond the machine's cores are clamped.
//! Whole or not at all: every output is written under a temporary name and all are renamed
//! together at the end; an interrupt (`interrupt`) or an error leaves the previous outputs as
//! they were and no temporary file behind.
use std::io::Write as _;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use anyhow::Context;

use crate::sim::from_sonata::{RunSpec, check_files_named_by, network_from_circuit};
use crate::sim::reports::ReportGrid;
use crate::sim::{Network, SimOptions, Simulation};
use crate::sonata::{Circuit, NodePopulation, NodeSets, ReportPopulation};

mod interrupt;
mod output_space;
mod outputs;
mod report_run;
mod with_interventions;

pub use with_interventions::simulate_with_interventions;

use outputs::{Ran, Timings, finish};
use report_run::{ReportPlan, Reports, RunOutcome};

/// Runs longer than this many steps are refused: step counts past 2^53 no longer map to
/// distinct times in f64 ms.
const MAX_STEPS: f64 = 9_007_199_254_740_992.0;

/// Peak resident memory of this process in bytes (Linux), if known.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct PopSummary {
    pub population: String,
    pub neurons: usize,
    pub spikes: usize,
    pub mean_rate_hz: f64,
}

/// A report file written.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReportSummary {
    pub name: String,
    pub file: String,
    pub variable: String,
    pub populations: Vec<String>,
    pub neurons: usize,
    pub frames: usize,
    /// time of the first frame and between frames (ms)
    pub start_ms: f64,
    pub dt_ms: f64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Summary {
    pub config: String,
    pub threads: usize,
    pub tstop_ms: f64,
    pub dt_ms: f64,
    pub load_s: f64,
    /// Parts of load_s: opening the files (nodes, configs), reading the edges into the
    /// network description, building the engine's synapse tables.
    pub open_s: f64,
    pub network_s: f64,
    pub build_s: f64,
    /// simulating, streaming the reports included
    pub simulate_s: f64,
    pub write_s: f64,
    pub real_time_factor: f64,
    pub spikes: usize,
    pub populations: Vec<PopSummary>,
    pub spikes_file: Option<String>,
    pub reports: Vec<ReportSummary>,
    pub peak_rss_bytes: Option<u64>,
    pub build: crate::sim::BuildStats,
    pub warnings: Vec<String>,
}

pub fn run(config: &Path, threads: usize, tstop: Option<f64>, json: bool) -> anyhow::Result<()> {
    run_with(config, threads, tstop, None, json)
}

/// `simulate CONFIG [--interventions FILE]`: a plain run, or the logged interventions applied
/// at their model times.
pub fn run_with(
    config: &Path,
    threads: usize,
    tstop: Option<f64>,
    interventions: Option<&Path>,
    json: bool,
) -> anyhow::Result<()> {
    let summary = match interventions {
        Some(file) => simulate_with_interventions(config, file, threads, tstop, json)?,
        None => simulate(config, threads, tstop, json)?,
    };
    print_summary(&summary, json)
}

/// The threads to use: at least 1, at most the machine's cores (more only share the cores and
/// the spikes do not depend on the number), with a note when clamped.
fn usable_threads(asked: usize, notes: &mut Vec<String>) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if asked > cores {
        notes.push(format!(
            "--threads {asked}: this machine has {cores} cores; using {cores} threads"
        ));
        cores
    } else {
        asked.max(1)
    }
}

/// The network, what the config asks for, and the run's duration, checked before the build.
struct Prepared {
    net: Network,
    spec: RunSpec,
    tstop: f64,
    grids: Vec<ReportGrid>,
    /// per report: its populations with the node ids of its rows
    report_pops: Vec<Vec<ReportPopulation>>,
    /// the circuit's node populations and node sets (a replay's stimulus selections read them)
    nodes: Vec<NodePopulation>,
    node_sets: Option<NodeSets>,
    open_s: f64,
    network_s: f64,
}

/// Stops between the stages of the load when an interrupt came (the run loop checks it after
/// every window).
fn stop_if_interrupted(interrupt: &AtomicBool, stage: &str) -> anyhow::Result<()> {
    if interrupt::requested(interrupt) {
        anyhow::bail!("interrupted {stage}: nothing was written");
    }
    Ok(())
}

fn prepare(config: &Path, tstop: Option<f64>, interrupt: &AtomicBool) -> anyhow::Result<Prepared> {
    let t0 = Instant::now();
    check_files_named_by(config)?;
    let mut circuit =
        Circuit::open(config).with_context(|| format!("opening {}", config.display()))?;
    let open_s = t0.elapsed().as_secs_f64();
    stop_if_interrupted(interrupt, "while opening the circuit")?;
    let (net, mut spec) = network_from_circuit(&circuit)?;
    // What the strict checks above name by its config key; anything else the tolerant open
    // skipped (an unreadable input file) still stops the run here.
    circuit.require_simulation_files()?;
    let nodes = std::mem::take(&mut circuit.nodes);
    let node_sets = circuit.node_sets.take();
    drop(circuit);
    stop_if_interrupted(interrupt, "while reading the network")?;
    let network_s = t0.elapsed().as_secs_f64() - open_s;
    let tstop = tstop.unwrap_or(spec.tstop);
    if !(tstop.is_finite() && tstop >= 0.0) {
        anyhow::bail!("cannot run to {tstop} ms");
    }
    if tstop / spec.dt > MAX_STEPS {
        anyhow::bail!(
            "a run to {tstop} ms at dt {} ms is {:.3e} steps, more than the engine counts exactly (2^53)",
            spec.dt,
            tstop / spec.dt
        );
    }
    // node ids of the reports' rows, before the network moves into the engine
    let report_pops = spec
        .reports
        .iter()
        .map(|r| {
            r.populations
                .iter()
                .map(|(p, rows)| {
                    let pop = &net.populations[*p];
                    ReportPopulation {
                        name: pop.name.clone(),
                        node_ids: rows.iter().map(|&r| pop.node_ids[r as usize]).collect(),
                    }
                })
                .collect()
        })
        .collect();
    // the reports' grids and sizes are checked before the (possibly long) build
    let res = crate::sim::time::Resolution::new(net.dt)?;
    let grids = spec
        .reports
        .iter()
        .map(|r| r.grid(&res, tstop))
        .collect::<Result<Vec<_>, _>>()?;
    let planned: Vec<_> = spec
        .reports
        .iter()
        .zip(&grids)
        .map(|(r, g)| output_space::report_output(r, g))
        .collect();
    output_space::check_free_space(&planned, &mut spec.warnings)?;
    Ok(Prepared {
        net,
        spec,
        tstop,
        grids,
        report_pops,
        nodes,
        node_sets,
        open_s,
        network_s,
    })
}

/// What the run needs to know of each report of `spec`.
fn report_plans<'a>(
    spec: &'a RunSpec,
    report_pops: Vec<Vec<ReportPopulation>>,
    grids: &[ReportGrid],
) -> Vec<ReportPlan<'a>> {
    spec.reports
        .iter()
        .zip(report_pops)
        .zip(grids)
        .map(|((spec, populations), &grid)| ReportPlan {
            spec,
            grid,
            populations,
        })
        .collect()
}

/// Runs the simulation a config describes and writes its outputs; `quiet` hides the progress
/// bar and the warnings (they are in the summary).
pub fn simulate(
    config: &Path,
    threads: usize,
    tstop: Option<f64>,
    quiet: bool,
) -> anyhow::Result<Summary> {
    let interrupt = interrupt::flag().map_err(anyhow::Error::msg)?;
    let t0 = Instant::now();
    let Prepared {
        net,
        mut spec,
        tstop,
        grids,
        report_pops,
        open_s,
        network_s,
        ..
    } = prepare(config, tstop, interrupt)?;
    let threads = usable_threads(threads, &mut spec.warnings);
    let mut sim = Simulation::from_network(net, &SimOptions { threads })?;
    stop_if_interrupted(interrupt, "while building the engine")?;
    let load_s = t0.elapsed().as_secs_f64();
    let build_s = load_s - open_s - network_s;
    if !quiet {
        for w in &spec.warnings {
            eprintln!("warning: {w}");
        }
    }

    let t1 = Instant::now();
    let plans = report_plans(&spec, report_pops, &grids);
    let (report_files, report_summaries) = match report_run::run_with_reports(
        &mut sim, plans, tstop, quiet, interrupt,
    )? {
        RunOutcome::Finished { files, summaries } => (files, summaries),
        RunOutcome::Interrupted { at_ms } => anyhow::bail!(
            "interrupted at {at_ms} of {tstop} ms: no output was written (earlier outputs are as they were)"
        ),
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

fn print_summary(summary: &Summary, json: bool) -> anyhow::Result<()> {
    let threads = summary.threads;
    let (load_s, simulate_s, write_s) = (summary.load_s, summary.simulate_s, summary.write_s);
    // Written, not printed: a closed pipe (`| head`) is an error, not a panic.
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&summary)?)?;
    } else {
        let b = &summary.build;
        writeln!(
            out,
            "network: {} neurons, {} sources, {} synapses ({} threads, delays {}..{} steps)",
            b.neurons, b.sources, b.synapses, threads, b.min_delay_steps, b.max_delay_steps
        )?;
        writeln!(
            out,
            "load {load_s:.2} s, simulate {simulate_s:.2} s ({:.3} s simulated per s), write {write_s:.2} s",
            summary.real_time_factor
        )?;
        for p in &summary.populations {
            writeln!(
                out,
                "  {}: {} spikes from {} neurons, {:.2} Hz",
                p.population, p.spikes, p.neurons, p.mean_rate_hz
            )?;
        }
        if let Some(f) = &summary.spikes_file {
            writeln!(out, "spikes: {f}")?;
        }
        for r in &summary.reports {
            writeln!(
                out,
                "report {}: {} ({} of {} neurons, {} frames from {} ms every {} ms)",
                r.name, r.file, r.variable, r.neurons, r.frames, r.start_ms, r.dt_ms
            )?;
        }
        if let Some(m) = summary.peak_rss_bytes {
            writeln!(out, "peak memory {:.1} MB", m as f64 / 1e6)?;
        }
    }
    Ok(())
}
