//! The engine against NEST 3.10: the same spikes (same node, same step) as the references in
//! tests/data/nest_refs (made by scripts/nest_references/make_refs.py).
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cortexview::sim::from_sonata::network_from_circuit;
use cortexview::sim::{SimOptions, Simulation};
use cortexview::sonata::{Circuit, read_spikes};

#[path = "common/fixtures.rs"]
mod fixtures;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn manifest() -> serde_json::Value {
    let text = std::fs::read_to_string(repo().join("tests/data/nest_refs/manifest.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The config of a case, or None (with the reason printed) when its files are absent.
fn config_of(case: &str) -> Option<PathBuf> {
    let m = manifest();
    let c = &m["cases"][case];
    let path = match c["kind"].as_str().unwrap() {
        "fixture" => return fixtures::shared_fixture(c["config"].as_str().unwrap()),
        _ => {
            // The 1,000-cell networks are bundled (tests/data/nets); larger ones are built by
            // the peers' script into $PEERS_DIR/nets.
            let name = c["netdir_name"].as_str().unwrap();
            let bundled = repo()
                .join("tests/data/nets")
                .join(name)
                .join("config.json");
            if bundled.exists() {
                bundled
            } else {
                fixtures::peers_dir()
                    .join("nets")
                    .join(name)
                    .join("config.json")
            }
        }
    };
    let how = c["build"].as_str().unwrap_or("the peers' scripts");
    fixtures::require(&path, &format!("{how}, in $PEERS_DIR"))
}

type Trains = BTreeMap<String, Vec<(u64, u64)>>;

fn reference(case: &str, dt: f64) -> Trains {
    let path = repo().join(format!("tests/data/nest_refs/{case}.h5"));
    let mut out = Trains::new();
    for p in read_spikes(&path).unwrap() {
        let mut v: Vec<(u64, u64)> = p
            .node_ids
            .iter()
            .zip(&p.timestamps)
            .map(|(&n, &t)| (n, (t / dt).round() as u64))
            .collect();
        v.sort_unstable();
        out.insert(p.population.clone(), v);
    }
    out
}

fn simulate(config: &Path, threads: usize) -> (Trains, f64, f64) {
    let circuit = Circuit::open(config).unwrap();
    let (net, spec) = network_from_circuit(&circuit).unwrap();
    let mut sim = Simulation::new(&net, &SimOptions { threads }).unwrap();
    sim.run_until(spec.tstop).unwrap();
    let mut out = Trains::new();
    for name in sim.population_names() {
        out.insert(name.clone(), Vec::new());
    }
    let names = sim.population_names().to_vec();
    for s in sim.spikes() {
        out.get_mut(&names[s.population])
            .unwrap()
            .push((s.node_id, s.step));
    }
    for v in out.values_mut() {
        v.sort_unstable();
    }
    (out, spec.dt, spec.tstop)
}

fn assert_same(case: &str, ours: &Trains, nest: &Trains) {
    for (pop, want) in nest {
        let got = ours
            .get(pop)
            .unwrap_or_else(|| panic!("{case}: no population {pop}"));
        if got != want {
            let first = got
                .iter()
                .zip(want)
                .position(|(a, b)| a != b)
                .unwrap_or(got.len().min(want.len()));
            panic!(
                "{case}/{pop}: {} spikes, NEST {}; first difference at sorted index {first}: ours {:?}, NEST {:?}",
                got.len(),
                want.len(),
                got.get(first),
                want.get(first)
            );
        }
        eprintln!("{case}/{pop}: {} spikes identical to NEST", got.len());
    }
}

fn check_exact(case: &str, threads: usize) {
    let Some(config) = config_of(case) else {
        return;
    };
    let (ours, dt, _) = simulate(&config, threads);
    let nest = reference(case, dt);
    assert_same(case, &ours, &nest);
}

#[test]
fn pointneurons_300_iaf_psc_alpha() {
    check_exact("300_pointneurons", 1);
}

#[test]
fn pointneurons_300_two_threads() {
    check_exact("300_pointneurons", 2);
}

#[test]
fn intfire_one_cell_iclamp() {
    check_exact("intfire_one_cell_iclamp_nest", 1);
}

#[test]
fn intfire_ten_cells_iclamp() {
    check_exact("intfire_ten_cells_iclamp_nest", 1);
}

#[test]
fn intfire_ten_cells_spikes() {
    check_exact("intfire_ten_cells_spikes_nest", 1);
}

#[test]
fn v1_like_iaf_1000() {
    check_exact("v1_iaf_n1000", 1);
}

#[test]
fn v1_like_iaf_10000() {
    check_exact("v1_iaf_n10000", 2);
}

/// glif_psc: spike-for-spike where the arithmetic is the same; otherwise per-population rates
/// within 2 % and per-neuron rate correlation >= 0.99.
fn check_glif(case: &str, threads: usize) {
    let Some(config) = config_of(case) else {
        return;
    };
    let (ours, dt, tstop) = simulate(&config, threads);
    let nest = reference(case, dt);
    let (got, want) = (&ours["v1"], &nest["v1"]);
    if got == want {
        eprintln!("{case}: {} spikes identical to NEST", got.len());
        return;
    }
    let rel = (got.len() as f64 - want.len() as f64).abs() / want.len() as f64;
    let n = 1 + got.iter().chain(want).map(|x| x.0).max().unwrap_or(0) as usize;
    let mut a = vec![0f64; n];
    let mut b = vec![0f64; n];
    for x in got {
        a[x.0 as usize] += 1.0;
    }
    for x in want {
        b[x.0 as usize] += 1.0;
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (ma, mb) = (mean(&a), mean(&b));
    let cov: f64 = a.iter().zip(&b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    let r = cov / (va * vb).sqrt();
    eprintln!(
        "{case}: {} spikes vs NEST {} ({:.2} % apart, {tstop} ms), per-neuron rate correlation {r:.4}",
        got.len(),
        want.len(),
        rel * 100.0
    );
    assert!(rel <= 0.02 && r >= 0.99);
}

#[test]
fn v1_like_glif_1000() {
    check_glif("v1_glif_n1000", 1);
}

#[test]
fn v1_like_glif_10000() {
    check_glif("v1_glif_n10000", 2);
}
