//! `cortexview simulate CONFIG`: run a SONATA point-neuron simulation with the embedded engine
//! and write its spikes, and the V_m reports the config asks for, where the config says.
use std::io::Write as _;
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::sim::from_sonata::network_from_circuit;
use crate::sim::reports::{ReportGrid, VmReportSpec};
use crate::sim::{SimOptions, Simulation};
use crate::sonata::{
    Circuit, FrameReportWriter, PopulationSpikes, ReportPopulation, ReportTimes, write_spikes,
};

/// Recorded V_m values held before they go to the report files: 4 M values (32 MB as f64)
/// whatever the network's size.
const REPORT_BUFFER_VALUES: u64 = 4 << 20;

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

/// A report being recorded: its recordings (one per population) and its file.
struct ActiveReport {
    recordings: Vec<usize>,
    writer: FrameReportWriter,
    summary: ReportSummary,
}

fn start_report(
    sim: &mut Simulation,
    spec: &VmReportSpec,
    grid: &ReportGrid,
    populations: Vec<ReportPopulation>,
) -> anyhow::Result<ActiveReport> {
    let writer = FrameReportWriter::create(
        &spec.file,
        &populations,
        ReportTimes {
            start: grid.first_ms,
            dt: grid.dt_ms,
            frames: grid.frames,
        },
        &spec.variable,
        "mV",
    )
    .with_context(|| format!("report '{}'", spec.name))?;
    let mut recordings = Vec::new();
    for (p, rows) in &spec.populations {
        recordings.push(sim.record_v_m(*p, rows, grid.grid)?);
    }
    Ok(ActiveReport {
        recordings,
        writer,
        summary: ReportSummary {
            name: spec.name.clone(),
            file: spec.file.display().to_string(),
            variable: spec.variable.clone(),
            populations: populations.iter().map(|p| p.name.clone()).collect(),
            neurons: spec.neurons(),
            frames: grid.frames,
            start_ms: grid.first_ms,
            dt_ms: grid.dt_ms,
        },
    })
}

/// Moves the frames recorded so far into the report files (as f32: see `FrameReportWriter`).
fn drain_reports(sim: &mut Simulation, reports: &mut [ActiveReport]) -> anyhow::Result<()> {
    for r in reports {
        for (i, &id) in r.recordings.iter().enumerate() {
            let frames = sim.take_v_m(id)?;
            if frames.values.iter().any(|v| v.is_nan()) {
                anyhow::bail!("report '{}': a neuron was not sampled", r.summary.name);
            }
            let values: Vec<f32> = frames.values.iter().map(|&v| v as f32).collect();
            r.writer
                .append(i, &values)
                .with_context(|| format!("report '{}'", r.summary.name))?;
        }
    }
    Ok(())
}

pub fn run(config: &Path, threads: usize, tstop: Option<f64>, json: bool) -> anyhow::Result<()> {
    let summary = simulate(config, threads, tstop, json)?;
    print_summary(&summary, json)
}

/// Runs the simulation a config describes and writes its outputs; `quiet` hides the progress
/// bar and the warnings (they are in the summary).
pub fn simulate(
    config: &Path,
    threads: usize,
    tstop: Option<f64>,
    quiet: bool,
) -> anyhow::Result<Summary> {
    let json = quiet;
    let t0 = Instant::now();
    let circuit = Circuit::open(config).with_context(|| format!("opening {}", config.display()))?;
    circuit.require_simulation_files()?;
    let open_s = t0.elapsed().as_secs_f64();
    let (net, spec) = network_from_circuit(&circuit)?;
    drop(circuit);
    let network_s = t0.elapsed().as_secs_f64() - open_s;
    // node ids of the reports' rows, before the network moves into the engine
    let report_pops: Vec<Vec<ReportPopulation>> = spec
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
    let tstop = tstop.unwrap_or(spec.tstop);
    if tstop.is_nan() || tstop < 0.0 {
        anyhow::bail!("cannot run to {tstop} ms");
    }
    // the reports' grids are checked before the (possibly long) build
    let res = crate::sim::time::Resolution::new(net.dt)?;
    let grids = spec
        .reports
        .iter()
        .map(|r| r.grid(&res, tstop))
        .collect::<Result<Vec<_>, _>>()?;
    let mut sim = Simulation::from_network(net, &SimOptions { threads })?;
    let load_s = t0.elapsed().as_secs_f64();
    let build_s = load_s - open_s - network_s;
    if !json {
        for w in &spec.warnings {
            eprintln!("warning: {w}");
        }
    }

    let t1 = Instant::now();
    let dt = spec.dt;
    let total_steps = (tstop / dt).round().max(1.0) as u64;
    let bar = if json {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(total_steps)
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let res = sim.resolution();
    let mut reports = Vec::new();
    let mut values_per_step = 0.0;
    for ((r, pops), grid) in spec.reports.iter().zip(report_pops).zip(&grids) {
        values_per_step += r.neurons() as f64 / grid.grid.interval as f64;
        reports.push(start_report(&mut sim, r, grid, pops)?);
    }
    // With reports, run in pieces that hold at most REPORT_BUFFER_VALUES values, each a whole
    // number of min-delay windows from 0 so that the windows (and so every sum in the ring
    // buffers) are those of one run to tstop.
    let min_delay = sim.stats().min_delay_steps.max(1);
    let end_step = res.ms_to_steps(tstop).max(0) as u64;
    let piece = if reports.is_empty() {
        end_step.max(1)
    } else {
        let steps = (REPORT_BUFFER_VALUES as f64 / values_per_step.max(1e-9)) as u64;
        (steps / min_delay).max(1) * min_delay
    };
    let started = Instant::now();
    let mut last = Instant::now();
    let bar2 = bar.clone();
    let mut progress = |t: f64| {
        if last.elapsed().as_millis() >= 100 {
            last = Instant::now();
            let wall = started.elapsed().as_secs_f64().max(1e-9);
            bar2.set_position((t / dt).round() as u64);
            bar2.set_message(format!(
                "{t:.1} / {tstop:.1} ms, {:.3} s simulated per s",
                t / 1000.0 / wall
            ));
        }
    };
    loop {
        let target = (sim.steps() + piece).min(end_step);
        sim.run_until_with(res.steps_to_ms(target as i64), &mut progress)?;
        drain_reports(&mut sim, &mut reports)?;
        if sim.steps() >= end_step {
            break;
        }
    }
    bar.finish_and_clear();
    let mut report_summaries = Vec::new();
    for r in reports {
        let name = r.summary.name.clone();
        r.writer
            .finish()
            .with_context(|| format!("report '{name}'"))?;
        report_summaries.push(r.summary);
    }
    let simulate_s = t1.elapsed().as_secs_f64();

    let t2 = Instant::now();
    let names = sim.population_names().to_vec();
    let mut pops: Vec<PopulationSpikes> = names
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
    if let Some(path) = &spec.spikes_file {
        write_spikes(path, &pops, spec.sort_order)?;
    }
    let write_s = t2.elapsed().as_secs_f64();

    let summary = Summary {
        config: config.display().to_string(),
        threads,
        tstop_ms: tstop,
        dt_ms: dt,
        load_s,
        open_s,
        network_s,
        build_s,
        simulate_s,
        write_s,
        real_time_factor: tstop / 1000.0 / simulate_s.max(1e-9),
        spikes: sim.spike_count(),
        populations: pops
            .iter()
            .enumerate()
            .map(|(i, p)| PopSummary {
                population: p.population.clone(),
                neurons: sim.population_len(i),
                spikes: p.len(),
                mean_rate_hz: p.len() as f64
                    / sim.population_len(i).max(1) as f64
                    / (tstop / 1000.0),
            })
            .collect(),
        spikes_file: spec.spikes_file.as_ref().map(|p| p.display().to_string()),
        reports: report_summaries,
        peak_rss_bytes: peak_rss_bytes(),
        build: sim.stats().clone(),
        warnings: spec.warnings.clone(),
    };
    Ok(summary)
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
