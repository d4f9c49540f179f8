//! `cortexview simulate CONFIG`: run a SONATA point-neuron simulation with the embedded engine
//! and write its spikes where the config says.
use std::io::Write as _;
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::sim::from_sonata::network_from_circuit;
use crate::sim::{SimOptions, Simulation};
use crate::sonata::{Circuit, PopulationSpikes, write_spikes};

/// Peak resident memory of this process in bytes (Linux), if known.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[derive(serde::Serialize)]
struct PopSummary {
    population: String,
    neurons: usize,
    spikes: usize,
    mean_rate_hz: f64,
}

#[derive(serde::Serialize)]
struct Summary {
    config: String,
    threads: usize,
    tstop_ms: f64,
    dt_ms: f64,
    load_s: f64,
    /// Parts of load_s: opening the files (nodes, configs), reading the edges into the
    /// network description, building the engine's synapse tables.
    open_s: f64,
    network_s: f64,
    build_s: f64,
    simulate_s: f64,
    write_s: f64,
    real_time_factor: f64,
    spikes: usize,
    populations: Vec<PopSummary>,
    spikes_file: Option<String>,
    peak_rss_bytes: Option<u64>,
    build: crate::sim::BuildStats,
    warnings: Vec<String>,
}

pub fn run(config: &Path, threads: usize, tstop: Option<f64>, json: bool) -> anyhow::Result<()> {
    let t0 = Instant::now();
    let circuit = Circuit::open(config).with_context(|| format!("opening {}", config.display()))?;
    let open_s = t0.elapsed().as_secs_f64();
    let (net, spec) = network_from_circuit(&circuit)?;
    drop(circuit);
    let network_s = t0.elapsed().as_secs_f64() - open_s;
    let mut sim = Simulation::from_network(net, &SimOptions { threads })?;
    let load_s = t0.elapsed().as_secs_f64();
    let build_s = load_s - open_s - network_s;
    let tstop = tstop.unwrap_or(spec.tstop);
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
    let started = Instant::now();
    let mut last = Instant::now();
    let bar2 = bar.clone();
    sim.run_until_with(tstop, &mut |t| {
        if last.elapsed().as_millis() >= 100 {
            last = Instant::now();
            let wall = started.elapsed().as_secs_f64().max(1e-9);
            bar2.set_position((t / dt).round() as u64);
            bar2.set_message(format!(
                "{t:.1} / {tstop:.1} ms, {:.3} s simulated per s",
                t / 1000.0 / wall
            ));
        }
    })?;
    bar.finish_and_clear();
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
        peak_rss_bytes: peak_rss_bytes(),
        build: sim.stats().clone(),
        warnings: spec.warnings.clone(),
    };
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
        if let Some(m) = summary.peak_rss_bytes {
            writeln!(out, "peak memory {:.1} MB", m as f64 / 1e6)?;
        }
    }
    Ok(())
}
