//! Selections with activity, wiring and distance terms on the 230,924-cell V1-like network:
//! milliseconds per selection (best and median of 5), on NEST's spikes of the network and on
//! those spikes repeated in time to 1 s (3.1 million spikes; 1 s of the network fires 3.2
//! million). Then wiring terms as a live view restyles with them: the first evaluation reads
//! the edges file (as every restyle once did), the second builds the partner table that is kept,
//! the later ones use it. Prints numbers; asserts nothing.
//!
//! `cargo run --release --no-default-features --example bench_selection [NETWORK_DIR]`

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context as _;
use cortexview::probe::{Placement, ProbeGeometry, ProbeKind};
use cortexview::sonata::selection_language::{self, SelectionContext};
use cortexview::sonata::{Circuit, PopulationSpikes, SortOrder, SpikeIndex, read_spikes};

const TERMS: [&str; 9] = [
    "rate > 10",
    "rate(100, 400) > 10",
    "spiked(100, 150)",
    "silent",
    "rate >= 5 && rate < 20 && population == v1",
    "!silent && rate(0, 500) < 5",
    "within 100 of probe",
    "rate > 20 && within 100 of probe",
    "pre of (node_id 12)",
];

/// The spikes repeated every `period` ms up to `until` ms (a longer run's worth of spikes
/// with the same per-neuron statistics).
fn repeated(spikes: &PopulationSpikes, period: f64, until: f64) -> PopulationSpikes {
    let mut out = PopulationSpikes {
        population: spikes.population.clone(),
        ..Default::default()
    };
    let mut shift = 0.0;
    while shift < until {
        for (&id, &t) in spikes.node_ids.iter().zip(&spikes.timestamps) {
            if t + shift <= until {
                out.node_ids.push(id);
                out.timestamps.push(t + shift);
            }
        }
        shift += period;
    }
    out.sort(SortOrder::ByTime);
    out
}

fn millis(f: impl Fn()) -> (f64, f64) {
    let mut ms: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    (ms[0], ms[2])
}

fn bench(circuit: &Circuit, spikes: &[SpikeIndex], sites: &[[f64; 3]]) -> anyhow::Result<()> {
    let ctx = SelectionContext::for_circuit(circuit)
        .with_spikes(spikes)
        .with_probe_sites(Some(sites));
    for term in TERMS {
        let masks = selection_language::masks(term, &circuit.nodes, &ctx)?;
        let selected: usize = masks.iter().flatten().filter(|m| **m).count();
        let (best, median) = millis(|| {
            let _ = selection_language::masks(term, &circuit.nodes, &ctx);
        });
        println!(
            "  {term:<45} {selected:>7} selected  {best:>8.1} ms best  {median:>8.1} ms median"
        );
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let home = std::env::var("HOME").unwrap_or_default();
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(home).join(".cache/cortexview-peers/nets/v1_iaf_n230924"));
    let spikes_file = dir.join("output_nest_h5py/spikes.h5");
    if !spikes_file.exists() {
        println!(
            "{} is absent: build the network with scripts/build_peer_nets.py and run NEST on it",
            spikes_file.display()
        );
        return Ok(());
    }
    let t = Instant::now();
    let circuit = Circuit::open(&dir.join("config.json"))
        .with_context(|| format!("opening {}", dir.display()))?;
    let cells: usize = circuit.nodes.iter().map(|p| p.len()).sum();
    println!(
        "{}: {cells} nodes, opened in {:.2} s",
        dir.display(),
        t.elapsed().as_secs_f64()
    );
    positions_ms(&circuit);
    let nest = read_spikes(&spikes_file)?;
    let tip = [0.0, -900.0, 0.0];
    let sites = Placement::vertical(tip).channel_positions(&ProbeGeometry::new(ProbeKind::Np1));

    let t = Instant::now();
    let index: Vec<SpikeIndex> = nest.iter().map(SpikeIndex::new).collect();
    let n: usize = index.iter().map(|s| s.len()).sum();
    println!(
        "NEST's spikes ({n} spikes, 400 ms), indexed in {:.0} ms:",
        t.elapsed().as_secs_f64() * 1000.0
    );
    restyles(&circuit, &index)?;
    bench(&circuit, &index, &sites)?;

    let long: Vec<PopulationSpikes> = nest.iter().map(|s| repeated(s, 400.0, 1000.0)).collect();
    let t = Instant::now();
    let index: Vec<SpikeIndex> = long.into_iter().map(SpikeIndex::from_owned).collect();
    let n: usize = index.iter().map(|s| s.len()).sum();
    println!(
        "NEST's spikes repeated to 1 s ({n} spikes), indexed in {:.0} ms:",
        t.elapsed().as_secs_f64() * 1000.0
    );
    bench(&circuit, &index, &sites)
}

/// Wiring terms evaluated again and again, as a live view restyles with them: ms of the first
/// evaluation (through the edge index or one pass over the id columns, as every restyle once
/// read the file), the second (the file read again while the partner table is built in the
/// background), how long the build took, and the median of five evaluations once it is kept.
fn restyles(circuit: &Circuit, spikes: &[SpikeIndex]) -> anyhow::Result<()> {
    let ctx = SelectionContext::for_circuit(circuit).with_spikes(spikes);
    println!("wiring terms restyled (from the file; again while the table is built; kept):");
    // each side of each edge file is first asked for here
    for term in ["pre of (node_id 12)", "post of (rate > 5)"] {
        let eval = || -> anyhow::Result<(f64, usize)> {
            let t = Instant::now();
            let masks = selection_language::masks(term, &circuit.nodes, &ctx)?;
            let selected = masks.iter().flatten().filter(|m| **m).count();
            Ok((t.elapsed().as_secs_f64() * 1000.0, selected))
        };
        let (first, selected) = eval()?;
        let t = Instant::now();
        let (second, _) = eval()?;
        selection_language::wait_for_edge_tables()?;
        let built = t.elapsed().as_secs_f64();
        let mut kept = (0..5)
            .map(|_| eval().map(|(ms, _)| ms))
            .collect::<anyhow::Result<Vec<f64>>>()?;
        kept.sort_by(f64::total_cmp);
        println!(
            "  {term:<22} {selected:>7} selected  {first:>8.1} ms first  {second:>8.1} ms second  table kept after {built:.1} s  {:>6.2} ms then",
            kept[2]
        );
    }
    Ok(())
}

/// What reading every soma position costs (distance terms do it once per selection).
fn positions_ms(circuit: &Circuit) {
    let t = Instant::now();
    let n: usize = circuit
        .nodes
        .iter()
        .filter_map(|p| p.positions())
        .map(|p| p.len())
        .sum();
    println!(
        "positions of {n} nodes in {:.1} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
}
