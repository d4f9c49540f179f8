//! Load benchmark: how long cortexview takes to load a V1-sized node population with
//! its types, a multi-million-spike file, and to index the spikes for playback; and libsonata on
//! the same files, in the same run (scripts/bench_libsonata_load.py).
//!
//! ```text
//! cargo run --release --example bench_load -- [--net DIR] [--spikes FILE] [--population v1]
//!     [--repeats 5] [--gzip-net DIR] [--profile] [--no-peer] [--only nodes|proto-nodes|spikes|index]
//! ```
//!
//! Defaults: `--net $HOME/.cache/cortexview-peers/nets/v1_iaf_n230924` (reads
//! `network/<population>_nodes.h5` and `network/<population>_node_types.csv`), `--spikes
//! <net>/output_nest_h5py/spikes.h5`. Every step is timed `--repeats` times; each run and the
//! best are printed. `--profile` adds a step-by-step breakdown of the nodes and spikes loads
//! (a copy of the library's logic, instrumented, next to raw HDF5 reads as the floor).
//! `--only` loops one step (for `perf record`). Peak RSS (VmHWM) is that of this process only;
//! the Python peer runs afterwards in its own process.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Parser;
use cortexview::sonata::column::{Column, ColumnBuilder};
use cortexview::sonata::h5util::{self, RawValues};
use cortexview::sonata::{NodePopulation, PopulationSpikes, SpikeIndex, TypesTable, read_spikes};

#[derive(Parser, Debug)]
#[command(about = "Times cortexview's node, spike and spike-index loads against libsonata")]
struct Args {
    /// V1-like network folder (default $HOME/.cache/cortexview-peers/nets/v1_iaf_n230924).
    #[arg(long)]
    net: Option<PathBuf>,
    /// Spikes file (default <net>/output_nest_h5py/spikes.h5).
    #[arg(long)]
    spikes: Option<PathBuf>,
    /// Node population to load.
    #[arg(long, default_value = "v1")]
    population: String,
    /// Runs per step; the best is reported.
    #[arg(long, default_value_t = 5)]
    repeats: usize,
    /// Python of the peers' venv (default $HOME/.cache/cortexview-peers/venv/bin/python).
    #[arg(long)]
    python: Option<PathBuf>,
    /// Also time the node load of this folder: a gzip-compressed build of the same nodes
    /// (default $HOME/.cache/cortexview-peers/nets/v1_iaf_n230924_nodes_gzip, when present).
    #[arg(long)]
    gzip_net: Option<PathBuf>,
    /// Print a step-by-step breakdown of the nodes and spikes loads.
    #[arg(long)]
    profile: bool,
    /// Skip libsonata.
    #[arg(long)]
    no_peer: bool,
    /// Only run one step, `--repeats` times, and print nothing else (for profilers).
    #[arg(long)]
    only: Option<String>,
}

fn peers_dir() -> PathBuf {
    std::env::var_os("PEERS_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/cortexview-peers"))
        })
        .unwrap_or_else(|| PathBuf::from(".cache/cortexview-peers"))
}

fn how_to_make(net: &Path, missing: &[PathBuf]) {
    println!("bench_load: missing input(s):");
    for m in missing {
        println!("  {}", m.display());
    }
    let peers = peers_dir();
    println!(
        "make them with (Debian 12, Python 3.11; about 3 minutes on 2 cores for the network):\n  \
         scripts/setup_peers.sh                     # venv with libsonata, bmtk, nest, h5py\n  \
         {py} /work/shared/peers/build_v1_like.py --n 230924 --edges fast --compression none --out {net}\n  \
         {py} /work/shared/peers/run_nest_sonata.py {net} --mode h5py   # writes <net>/output_nest_h5py/spikes.h5\n\
         (--compression none: libsonata's wheel cannot read gzip datasets.)",
        py = peers.join("venv/bin/python").display(),
        net = net.display(),
    );
}

/// Runs `f` `repeats` times, prints every run and the best, returns (best seconds, last result).
fn best_of<T>(label: &str, repeats: usize, mut f: impl FnMut() -> Result<T>) -> Result<(f64, T)> {
    let mut runs = Vec::with_capacity(repeats);
    let mut last = None;
    for _ in 0..repeats.max(1) {
        // Drop the previous result first (untimed), so that the peak RSS is one copy's.
        drop(last.take());
        let t0 = Instant::now();
        let value = f()?;
        runs.push(t0.elapsed().as_secs_f64());
        last = Some(value);
    }
    let best = runs.iter().copied().fold(f64::INFINITY, f64::min);
    let list: Vec<String> = runs.iter().map(|t| format!("{t:.4}")).collect();
    println!(
        "  {label:<44} best {best:>8.4} s   runs [{}]",
        list.join(", ")
    );
    Ok((best, last.context("no run")?))
}

/// VmHWM (peak resident set) and VmRSS of this process, in MiB.
fn memory_mib() -> (f64, f64) {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

fn print_memory(after: &str) {
    let (hwm, rss) = memory_mib();
    println!("  memory after {after}: peak RSS (VmHWM) {hwm:.1} MiB, RSS now {rss:.1} MiB");
}

fn load_nodes(nodes_h5: &Path, types_csv: &Path, population: &str) -> Result<NodePopulation> {
    let types = TypesTable::read(types_csv, "node_type_id")?;
    Ok(NodePopulation::read(nodes_h5, population, Some(&types))?)
}

/// Window queries a player makes: 1 ms frames over the whole run, and every node's spikes.
fn window_queries(index: &SpikeIndex, t_end: f64) -> (usize, usize, usize) {
    let mut in_frames = 0;
    let frames = t_end.ceil().max(1.0) as usize;
    for f in 0..frames {
        let w = index.window(f as f64, f as f64 + 1.0);
        in_frames += w.len();
    }
    let mut per_node = 0;
    let mut spiked_before_half = 0;
    if let Some(max_id) = index.node_ids.iter().max() {
        for id in 0..=*max_id {
            per_node += index.node_spikes(id).len();
            spiked_before_half += usize::from(index.last_spike_before(id, t_end * 0.5).is_some());
        }
    }
    (in_frames, per_node, spiked_before_half)
}

struct Row {
    step: String,
    ours: f64,
    peer: Option<f64>,
    peer_what: String,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let peers = peers_dir();
    let net = args
        .net
        .clone()
        .unwrap_or_else(|| peers.join("nets/v1_iaf_n230924"));
    let nodes_h5 = net
        .join("network")
        .join(format!("{}_nodes.h5", args.population));
    let types_csv = net
        .join("network")
        .join(format!("{}_node_types.csv", args.population));
    let spikes_h5 = args
        .spikes
        .clone()
        .unwrap_or_else(|| net.join("output_nest_h5py/spikes.h5"));
    let python = args
        .python
        .clone()
        .unwrap_or_else(|| peers.join("venv/bin/python"));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/bench_libsonata_load.py");

    let missing: Vec<PathBuf> = [&nodes_h5, &types_csv, &spikes_h5]
        .into_iter()
        .filter(|p| !p.exists())
        .cloned()
        .collect();
    if !missing.is_empty() {
        how_to_make(&net, &missing);
        return Ok(());
    }
    let repeats = args.repeats.max(1);

    if let Some(only) = args.only.as_deref() {
        return run_only(
            only,
            repeats,
            &nodes_h5,
            &types_csv,
            &args.population,
            &spikes_h5,
        );
    }

    println!(
        "bench_load: cortexview {} ({} build), {} threads, best of {repeats}",
        env!("CARGO_PKG_VERSION"),
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        rayon::current_num_threads(),
    );
    println!("  nodes  {}", nodes_h5.display());
    println!("  types  {}", types_csv.display());
    println!("  spikes {}", spikes_h5.display());
    let mut rows: Vec<Row> = Vec::new();

    // (a) nodes
    println!("(a) nodes");
    let (t_types, types) = best_of("types CSV (TypesTable::read)", repeats, || {
        Ok(TypesTable::read(&types_csv, "node_type_id")?)
    })?;
    let (t_h5_only, _) = best_of(
        "population, h5 only (NodePopulation::read, no types)",
        repeats,
        || Ok(NodePopulation::read(&nodes_h5, &args.population, None)?),
    )?;
    let (t_nodes, pop) = best_of("types + population merged", repeats, || {
        load_nodes(&nodes_h5, &types_csv, &args.population)
    })?;
    let (t_pos, positions) = best_of("positions() (Vec<[f64; 3]>)", repeats, || {
        Ok(pop.positions())
    })?;
    println!(
        "  -> {} nodes, {} attributes ({}), {} from h5, {} node types; positions: {}",
        pop.len(),
        pop.attributes.len(),
        pop.attribute_names().collect::<Vec<_>>().join(" "),
        pop.h5_attributes.len(),
        types.ids.len(),
        positions.as_ref().map_or(0, Vec::len),
    );
    print_memory("nodes");
    rows.push(Row {
        step: "nodes: h5 only (x,y,z + ids)".into(),
        ours: t_h5_only,
        peer: None,
        peer_what: "libsonata_nodes_s".into(),
    });
    rows.push(Row {
        step: "nodes: types CSV".into(),
        ours: t_types,
        peer: None,
        peer_what: "types_csv_s".into(),
    });
    rows.push(Row {
        step: "nodes: all merged (a)".into(),
        ours: t_nodes,
        peer: None,
        peer_what: "nodes+ntid+csv+merge".into(),
    });
    rows.push(Row {
        step: "nodes: positions()".into(),
        ours: t_pos,
        peer: None,
        peer_what: String::new(),
    });
    drop(positions);

    let gzip_net = args
        .gzip_net
        .clone()
        .unwrap_or_else(|| peers.join("nets/v1_iaf_n230924_nodes_gzip"));
    {
        let gz = &gzip_net;
        let gz_h5 = gz
            .join("network")
            .join(format!("{}_nodes.h5", args.population));
        let gz_csv = gz
            .join("network")
            .join(format!("{}_node_types.csv", args.population));
        if gz_h5.exists() && gz_csv.exists() {
            let (t_gz, gz_pop) = best_of("gzip build: types + population merged", repeats, || {
                load_nodes(&gz_h5, &gz_csv, &args.population)
            })?;
            println!("  -> {} nodes from {}", gz_pop.len(), gz_h5.display());
            rows.push(Row {
                step: "nodes: all merged, gzip file".into(),
                ours: t_gz,
                peer: None,
                peer_what: String::new(),
            });
        } else {
            println!(
                "  (no gzip build at {}; skipped. Make one with build_v1_like.py --n 230924 \
                 --edges fast --compression gzip --out DIR, or its nodes only, and pass --gzip-net DIR)",
                gz.display()
            );
        }
    }
    drop(pop);

    // (b) spikes
    println!("(b) spikes");
    let (t_spikes, spikes) = best_of("read_spikes", repeats, || Ok(read_spikes(&spikes_h5)?))?;
    let n_spikes: usize = spikes.iter().map(PopulationSpikes::len).sum();
    for p in &spikes {
        println!(
            "  -> population '{}': {} spikes, sorting {:?}, time range {:?}",
            p.population,
            p.len(),
            p.sorting,
            p.time_range()
        );
    }
    print_memory("spikes");
    rows.push(Row {
        step: "spikes: read (b)".into(),
        ours: t_spikes,
        peer: None,
        peer_what: "SpikeReader get()".into(),
    });
    rows.push(Row {
        step: "spikes: read (b), numpy peer".into(),
        ours: t_spikes,
        peer: None,
        peer_what: "SpikeReader get_dict()".into(),
    });

    // (c) index + queries
    println!("(c) spike index");
    let (t_index, indices) = best_of("SpikeIndex::new (all populations)", repeats, || {
        Ok(spikes.iter().map(SpikeIndex::new).collect::<Vec<_>>())
    })?;
    let t_end = spikes
        .iter()
        .filter_map(PopulationSpikes::time_range)
        .map(|(_, b)| b)
        .fold(0.0, f64::max);
    let (t_queries, counts) = best_of(
        "queries: 1 ms windows over the run + node_spikes/last_spike_before of every node",
        repeats,
        || {
            Ok(indices
                .iter()
                .map(|i| window_queries(i, t_end))
                .collect::<Vec<_>>())
        },
    )?;
    for (i, (frames, nodes, before_half)) in indices.iter().zip(&counts) {
        println!(
            "  -> '{}': {} windows hold {frames} spikes, node slices hold {nodes}; \
             {before_half} nodes spiked by t = {:.0} ms",
            i.population,
            t_end.ceil() as usize,
            t_end * 0.5,
        );
    }
    print_memory("index");
    rows.push(Row {
        step: "spikes: SpikeIndex::new (c)".into(),
        ours: t_index,
        peer: None,
        peer_what: "(none)".into(),
    });
    rows.push(Row {
        step: "spikes: window queries (c)".into(),
        ours: t_queries,
        peer: None,
        peer_what: "(none)".into(),
    });

    let (hwm, _) = memory_mib();
    println!(
        "peak RSS of cortexview's part (VmHWM, this process, before any --profile): {hwm:.1} MiB"
    );
    drop(indices);
    drop(spikes);
    if args.profile {
        profile_nodes(&nodes_h5, &types_csv, &args.population, repeats)?;
        profile_spikes(&spikes_h5, repeats)?;
    }

    // libsonata
    let mut peer_note = String::new();
    if args.no_peer {
        peer_note = "libsonata skipped (--no-peer)".into();
    } else if !python.exists() || !script.exists() {
        how_to_make(&net, std::slice::from_ref(&python));
        peer_note = "libsonata not run: no venv".into();
    } else {
        println!(
            "libsonata: {} {} ... --repeats {repeats}",
            python.display(),
            script.display()
        );
        let t0 = Instant::now();
        let out = Command::new(&python)
            .arg(&script)
            .arg(&nodes_h5)
            .arg(&args.population)
            .arg(&spikes_h5)
            .arg("--types-csv")
            .arg(&types_csv)
            .arg("--repeats")
            .arg(repeats.to_string())
            .output()
            .with_context(|| format!("running {}", python.display()))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let line = stdout
            .lines()
            .rev()
            .find(|l| l.trim_start().starts_with('{'));
        match (out.status.success(), line) {
            (true, Some(line)) => {
                let json: serde_json::Value =
                    serde_json::from_str(line).context("the peer's JSON line")?;
                let get = |k: &str| json.get(k).and_then(serde_json::Value::as_f64);
                let sum = |ks: &[&str]| ks.iter().map(|k| get(k)).sum::<Option<f64>>();
                for row in &mut rows {
                    row.peer = match row.peer_what.as_str() {
                        "libsonata_nodes_s" => get("libsonata_nodes_s"),
                        "types_csv_s" => get("types_csv_s"),
                        "nodes+ntid+csv+merge" => sum(&[
                            "libsonata_nodes_s",
                            "node_type_id_h5py_s",
                            "types_csv_s",
                            "types_merge_s",
                        ]),
                        "SpikeReader get()" => get("libsonata_spikes_s"),
                        "SpikeReader get_dict()" => get("libsonata_spikes_get_dict_s"),
                        _ => None,
                    };
                }
                println!(
                    "  peer JSON ({:.1} s in all): {line}",
                    t0.elapsed().as_secs_f64()
                );
                if let Some(note) = json.get("spikes_file_note").and_then(|v| v.as_str()) {
                    peer_note = format!("libsonata spikes: {note}");
                }
            }
            _ => {
                let stderr = String::from_utf8_lossy(&out.stderr);
                let tail: Vec<&str> = stderr.lines().rev().take(15).collect();
                println!(
                    "  the peer failed ({}); last lines of its stderr:",
                    out.status
                );
                for l in tail.into_iter().rev() {
                    println!("    {l}");
                }
                peer_note = "libsonata failed".into();
            }
        }
    }

    println!();
    println!(
        "| {:<30} | {:>13} | {:>12} | {:>24} | {:>9} |",
        "step", "cortexview s", "libsonata s", "libsonata measure", "ratio c/l"
    );
    println!(
        "|{}|{}|{}|{}|{}|",
        "-".repeat(32),
        "-".repeat(15),
        "-".repeat(14),
        "-".repeat(26),
        "-".repeat(11)
    );
    for r in &rows {
        let peer = r.peer.map_or("-".to_owned(), |p| format!("{p:.4}"));
        let ratio = r
            .peer
            .filter(|p| *p > 0.0)
            .map_or("-".to_owned(), |p| format!("{:.2}", r.ours / p));
        let what = if r.peer.is_some() {
            r.peer_what.as_str()
        } else {
            "-"
        };
        println!(
            "| {:<30} | {:>13.4} | {:>12} | {:>24} | {:>9} |",
            r.step, r.ours, peer, what, ratio
        );
    }
    println!(
        "({n_spikes} spikes; ratio = cortexview / libsonata, < 1 means cortexview is faster; \
         goals: nodes <= 0.5 s, spikes <= 0.3 s)"
    );
    if !peer_note.is_empty() {
        println!("{peer_note}");
    }
    Ok(())
}

fn run_only(
    only: &str,
    repeats: usize,
    nodes_h5: &Path,
    types_csv: &Path,
    population: &str,
    spikes_h5: &Path,
) -> Result<()> {
    match only {
        "nodes" => {
            for _ in 0..repeats {
                std::hint::black_box(load_nodes(nodes_h5, types_csv, population)?);
            }
        }
        "spikes" => {
            for _ in 0..repeats {
                std::hint::black_box(read_spikes(spikes_h5)?);
            }
        }
        "index" => {
            let spikes = read_spikes(spikes_h5)?;
            for _ in 0..repeats {
                std::hint::black_box(spikes.iter().map(SpikeIndex::new).collect::<Vec<_>>());
            }
        }
        "proto-nodes" => {
            for _ in 0..repeats {
                std::hint::black_box(prototype_nodes(nodes_h5, types_csv, population)?);
            }
        }
        other => bail!("--only takes nodes, proto-nodes, spikes or index, not '{other}'"),
    }
    Ok(())
}

/// Times `f` (best of `repeats`) and prints it as one step of a breakdown.
fn step<T>(label: &str, repeats: usize, mut f: impl FnMut() -> Result<T>) -> Result<T> {
    let mut best = f64::INFINITY;
    let mut last = None;
    for _ in 0..repeats.max(1) {
        drop(last.take());
        let t0 = Instant::now();
        let v = f()?;
        best = best.min(t0.elapsed().as_secs_f64());
        last = Some(v);
    }
    println!("    {label:<62} {:>9.2} ms", best * 1e3);
    last.context("no run")
}

/// The steps of `TypesTable::read` + `NodePopulation::read`, copied from src/sonata/nodes.rs
/// (single group, as in the V1 file), each timed, next to raw HDF5 reads.
fn profile_nodes(
    nodes_h5: &Path,
    types_csv: &Path,
    population: &str,
    repeats: usize,
) -> Result<()> {
    println!("profile: nodes (best of {repeats} per step)");
    let types = step("TypesTable::read", repeats, || {
        Ok(TypesTable::read(types_csv, "node_type_id")?)
    })?;
    let file = step("h5util::open_file", repeats, || {
        Ok(h5util::open_file(nodes_h5)?)
    })?;
    let pop = file.group(&format!("nodes/{population}"))?;
    let ints = |name: &str| -> Result<Vec<i64>> {
        match h5util::read_values(nodes_h5, &pop.dataset(name)?)? {
            RawValues::Int(v) => Ok(v),
            _ => bail!("{name} is not integer"),
        }
    };
    step("raw read_raw::<u64>(node_type_id) (floor)", repeats, || {
        Ok(pop.dataset("node_type_id")?.read_raw::<u64>()?)
    })?;
    let node_type_ids = step("read_values(node_type_id)", repeats, || {
        ints("node_type_id")
    })?;
    let n = node_type_ids.len();
    step("read_values(node_id) + to u64", repeats, || {
        Ok(ints("node_id")?
            .into_iter()
            .map(|x| x as u64)
            .collect::<Vec<u64>>())
    })?;
    let node_group_ids = step("read_values(node_group_id)", repeats, || {
        ints("node_group_id")
    })?;
    let node_group_index = step("read_values(node_group_index)", repeats, || {
        ints("node_group_index")
    })?;
    step("subgroup_names(pop)", repeats, || {
        Ok(h5util::subgroup_names(&pop))
    })?;
    let type_rows = step("type rows (HashMap cache per node)", repeats, || {
        let mut cache: std::collections::HashMap<i64, Option<usize>> = Default::default();
        let mut rows = Vec::with_capacity(n);
        for &t in &node_type_ids {
            let row = *cache.entry(t).or_insert_with(|| types.row_of(t));
            rows.push(row.context("missing type")?);
        }
        Ok(rows)
    })?;
    let csv_columns = step(
        "CSV columns: column(c).take(type_rows) + fill",
        repeats,
        || {
            let mut out = Vec::new();
            for col in 0..types.columns.len() {
                let mut b = ColumnBuilder::new(n);
                b.fill(
                    cortexview::sonata::column::Rows::All,
                    types.column(col).take(&type_rows),
                );
                out.push(b);
            }
            Ok(out)
        },
    )?;
    drop(csv_columns);
    let groups = step("rows_of_group (BTreeMap push per node)", repeats, || {
        let mut m: std::collections::BTreeMap<i64, (Vec<usize>, Vec<usize>)> = Default::default();
        for (row, (&g, &gi)) in node_group_ids.iter().zip(&node_group_index).enumerate() {
            let e = m.entry(g).or_default();
            e.0.push(row);
            e.1.push(gi.max(0) as usize);
        }
        Ok(m)
    })?;
    let group = pop.group("0")?;
    step("dataset_names(group 0)", repeats, || {
        Ok(h5util::dataset_names(&group))
    })?;
    step("raw read_raw::<f64>(x, y, z) (floor)", repeats, || {
        let mut v = Vec::new();
        for d in ["x", "y", "z"] {
            v.push(group.dataset(d)?.read_raw::<f64>()?);
        }
        Ok(v)
    })?;
    let xyz = step("read_values(x, y, z) -> Column", repeats, || {
        let mut v = Vec::new();
        for d in ["x", "y", "z"] {
            v.push(Column::from_raw(h5util::read_values(
                nodes_h5,
                &group.dataset(d)?,
            )?));
        }
        Ok(v)
    })?;
    if let Some((_, (rows, indices))) = groups.iter().next() {
        step(
            "identity checks (indices, rows) x 3 columns",
            repeats,
            || {
                let mut k = 0;
                for _ in 0..3 {
                    k += usize::from(indices.iter().enumerate().all(|(i, &g)| i == g));
                    k += usize::from(rows.iter().enumerate().all(|(i, &g)| i == g));
                }
                Ok(k)
            },
        )?;
        step("rows.clone() per attribute (10 x n usize)", repeats, || {
            Ok((0..10).map(|_| rows.clone()).collect::<Vec<_>>())
        })?;
    }
    step(
        "clone of x, y, z columns (what finish() avoids)",
        repeats,
        || Ok(xyz.clone()),
    )?;
    step("types.cloned() + node_type_ids.clone()", repeats, || {
        Ok((types.clone(), node_type_ids.clone()))
    })?;
    drop((
        xyz,
        groups,
        type_rows,
        node_group_ids,
        node_group_index,
        node_type_ids,
    ));
    drop((pop, group, file));
    let (t_lib, lib) = best_of(
        "whole load as the library does it (fresh memory)",
        repeats,
        || load_nodes(nodes_h5, types_csv, population),
    )?;
    drop(lib);
    let (t_proto, proto) = best_of(
        "prototype: same columns, no row-vector copies",
        repeats,
        || prototype_nodes(nodes_h5, types_csv, population),
    )?;
    drop(proto);
    println!(
        "    library {:.2} ms, prototype {:.2} ms",
        t_lib * 1e3,
        t_proto * 1e3
    );
    Ok(())
}

/// RSS (MiB) at the last `reset_peak`.
static BASE_RSS: std::sync::Mutex<f64> = std::sync::Mutex::new(0.0);

/// Resets VmHWM to the current RSS (Linux: `5` into /proc/self/clear_refs).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    if let Ok(mut b) = BASE_RSS.lock() {
        *b = memory_mib().1;
    }
}

/// Peak RSS since the last `reset_peak`, above the RSS then, in MiB.
fn peak_above() -> f64 {
    let base = BASE_RSS.lock().map_or(0.0, |b| *b);
    memory_mib().0 - base
}

type ProtoNodes = (Vec<u64>, Vec<i64>, Vec<(String, Column)>);

/// What `NodePopulation::read` could do for the common case (one group, identity group index):
/// the same typed columns, with type rows through a dense table, no per-column copies of the
/// row vectors, and no row vectors at all for the h5 group.
fn prototype_nodes(nodes_h5: &Path, types_csv: &Path, population: &str) -> Result<ProtoNodes> {
    let types = TypesTable::read(types_csv, "node_type_id")?;
    let file = h5util::open_file(nodes_h5)?;
    let pop = file.group(&format!("nodes/{population}"))?;
    let ints = |name: &str| -> Result<Vec<i64>> {
        match h5util::read_values(nodes_h5, &pop.dataset(name)?)? {
            RawValues::Int(v) => Ok(v),
            _ => bail!("{name} is not integer"),
        }
    };
    let node_type_ids = ints("node_type_id")?;
    let node_ids: Vec<u64> = ints("node_id")?.into_iter().map(|x| x as u64).collect();
    let group_ids = ints("node_group_id")?;
    let group_index = ints("node_group_index")?;
    let g0 = group_ids.first().copied().unwrap_or(0);
    let simple = group_ids.iter().all(|&g| g == g0)
        && group_index.iter().enumerate().all(|(i, &x)| x == i as i64);
    if !simple {
        bail!("the prototype handles one group with an identity index only");
    }
    let lo = types.ids.iter().copied().min().unwrap_or(0);
    let hi = types.ids.iter().copied().max().unwrap_or(0);
    if hi - lo > 1 << 20 {
        bail!("the prototype needs node type ids in a range of at most 2^20");
    }
    let mut dense = vec![usize::MAX; (hi - lo + 1) as usize];
    for (row, &id) in types.ids.iter().enumerate() {
        dense[(id - lo) as usize] = row;
    }
    let type_rows: Vec<usize> = node_type_ids
        .iter()
        .map(|&t| {
            t.checked_sub(lo)
                .and_then(|i| dense.get(i as usize).copied())
                .filter(|&r| r != usize::MAX)
                .with_context(|| format!("node type {t} not in the CSV"))
        })
        .collect::<Result<_>>()?;
    let mut columns: Vec<(String, Column)> = types
        .columns
        .iter()
        .enumerate()
        .map(|(c, name)| (name.clone(), types.column(c).take(&type_rows)))
        .collect();
    let group = pop.group(&g0.to_string())?;
    for name in h5util::dataset_names(&group) {
        let column = Column::from_raw(h5util::read_values(nodes_h5, &group.dataset(&name)?)?);
        columns.retain(|(n, _)| *n != name);
        columns.push((name, column));
    }
    Ok((node_ids, node_type_ids, columns))
}

/// The steps of `read_spikes` (SONATA layout), copied from src/sonata/spikes.rs, each timed,
/// next to raw HDF5 reads.
fn profile_spikes(spikes_h5: &Path, repeats: usize) -> Result<()> {
    println!("profile: spikes (best of {repeats} per step)");
    let file = step("h5util::open_file", repeats, || {
        Ok(h5util::open_file(spikes_h5)?)
    })?;
    let spikes = file.group("spikes")?;
    let names = step("subgroup_names(/spikes)", repeats, || {
        Ok(h5util::subgroup_names(&spikes))
    })?;
    let Some(name) = names.first() else {
        bail!("no population in {}", spikes_h5.display())
    };
    let group = spikes.group(name)?;
    step("attr_text(sorting)", repeats, || {
        Ok(h5util::attr_text(spikes_h5, &group, "sorting")?)
    })?;
    let ids_ds = group.dataset("node_ids")?;
    let ts_ds = group.dataset("timestamps")?;
    step("raw read_raw::<u64>(node_ids) (floor)", repeats, || {
        Ok(ids_ds.read_raw::<u64>()?)
    })?;
    step(
        "read_values(node_ids) (u64 -> i64 check + map)",
        repeats,
        || Ok(h5util::read_values(spikes_h5, &ids_ds)?),
    )?;
    let ids = step(
        "h5util::read_u64s(node_ids) (as read_spikes)",
        repeats,
        || Ok(h5util::read_u64s(spikes_h5, &ids_ds)?),
    )?;
    step("raw read_raw::<f64>(timestamps) (floor)", repeats, || {
        Ok(ts_ds.read_raw::<f64>()?)
    })?;
    let ts = step(
        "h5util::read_f64s(timestamps) (as read_spikes)",
        repeats,
        || Ok(h5util::read_f64s(spikes_h5, &ts_ds)?),
    )?;
    let pop = PopulationSpikes {
        population: name.clone(),
        node_ids: ids,
        timestamps: ts,
        sorting: None,
    };
    println!("profile: SpikeIndex::new steps");
    step(
        "clone of the spikes (SpikeIndex::new clones its input)",
        repeats,
        || Ok(pop.clone()),
    )?;
    step("is-sorted check (windows(2))", repeats, || {
        Ok(pop.timestamps.windows(2).all(|w| w[0] <= w[1]))
    })?;
    step("max node id + counts + prefix sum", repeats, || {
        let n_nodes = pop.node_ids.iter().max().map_or(0, |m| m + 1) as usize;
        let mut off = vec![0u32; n_nodes + 1];
        for &id in &pop.node_ids {
            off[id as usize + 1] += 1;
        }
        for i in 0..n_nodes {
            off[i + 1] += off[i];
        }
        Ok(off)
    })?;
    step(
        "clone + sort(ByTime) (what an unsorted file costs)",
        repeats,
        || {
            let mut s = pop.clone();
            s.sort(cortexview::sonata::SortOrder::ByTime);
            Ok(s)
        },
    )?;
    reset_peak();
    let (t_new, index) = best_of("SpikeIndex::new(&spikes) (fresh memory)", repeats, || {
        Ok(SpikeIndex::new(&pop))
    })?;
    let peak_new = peak_above();
    drop(index);
    // The owned build needs its own input per run: cloned untimed, before its clock starts.
    let mut runs = Vec::new();
    let mut peak_owned = 0.0;
    for _ in 0..repeats {
        let input = pop.clone();
        reset_peak();
        let t0 = Instant::now();
        let out = index_from_owned(input);
        runs.push(t0.elapsed().as_secs_f64());
        peak_owned = peak_above();
        drop(out);
    }
    let t_owned = runs.iter().copied().fold(f64::INFINITY, f64::min);
    let list: Vec<String> = runs.iter().map(|t| format!("{t:.4}")).collect();
    println!(
        "  {:<44} best {t_owned:>8.4} s   runs [{}]",
        "prototype: index from owned spikes (no clone)",
        list.join(", ")
    );
    println!(
        "    SpikeIndex::new {:.2} ms (peak {peak_new:.1} MiB above the spikes), \
         owned build {:.2} ms (peak {peak_owned:.1} MiB above the spikes + the moved-in copy)",
        t_new * 1e3,
        t_owned * 1e3
    );
    Ok(())
}

/// `SpikeIndex::new` for sorted input, without its clone: (times, ids, offsets, times by node).
fn index_from_owned(sorted: PopulationSpikes) -> (Vec<f64>, Vec<u64>, Vec<u32>, Vec<f64>) {
    let n_nodes = sorted.node_ids.iter().max().map_or(0, |m| m + 1) as usize;
    let mut node_offsets = vec![0u32; n_nodes + 1];
    for &id in &sorted.node_ids {
        node_offsets[id as usize + 1] += 1;
    }
    for i in 0..n_nodes {
        node_offsets[i + 1] += node_offsets[i];
    }
    let mut fill = node_offsets.clone();
    let mut by_node = vec![0.0; sorted.len()];
    for (&id, &t) in sorted.node_ids.iter().zip(&sorted.timestamps) {
        by_node[fill[id as usize] as usize] = t;
        fill[id as usize] += 1;
    }
    (sorted.timestamps, sorted.node_ids, node_offsets, by_node)
}
