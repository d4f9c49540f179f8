//! Connectivity queries on a large edges file (default: the 230,924-cell V1-like network's
//! 46 M recurrent edges): time per query through the file's index. Prints numbers; asserts
//! nothing.
//!
//! `cargo run --release --example bench_connectivity [EDGES_H5] [POPULATION]`

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context as _;
use cortexview::sonata::Selection;
use cortexview::sonata::connectivity::partners;
use cortexview::sonata::edges::{Direction, EdgePopulation};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let home = std::env::var("HOME").unwrap_or_default();
    let path = args.next().map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(home)
            .join(".cache/cortexview-peers/nets/v1_iaf_n230924/network/v1_v1_edges.h5")
    });
    let population = args.next().unwrap_or_else(|| "v1_to_v1".into());
    if !path.exists() {
        println!(
            "{} is absent: build it with /work/shared/peers/build_v1_like.py --n 230924 --edges fast --compression none",
            path.display()
        );
        return Ok(());
    }
    let t = Instant::now();
    let edges = EdgePopulation::open(&path, &population, None)
        .with_context(|| format!("opening {}", path.display()))?;
    println!(
        "{}: {} edges, indexed: {}, opened in {:.3} s",
        path.display(),
        edges.len(),
        edges.has_index(),
        t.elapsed().as_secs_f64()
    );
    let n_nodes = 230_924u64;
    for (label, nodes) in [
        ("one neuron", Selection::from_ids([12_345])),
        (
            "10 neurons",
            Selection::from_ids((0..10).map(|i| i * 20_011 % n_nodes)),
        ),
        (
            "1,000 neurons",
            Selection::from_ids((0..1000).map(|i| i * 229 % n_nodes)),
        ),
    ] {
        for direction in [Direction::Afferent, Direction::Efferent] {
            let t = Instant::now();
            let p = partners(&edges, &nodes, direction)?;
            println!(
                "{label:>14} {direction:?}: {:>7} edges, {:>7} partners in {:.4} s",
                p.edges.len(),
                p.counts.len(),
                t.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}
