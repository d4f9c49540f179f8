//! What a simulation config's `run` block and `inputs` give the engine: the random seed of
//! `run.random_seed` (1234 without one), Poisson inputs that follow it, and inputs whose node
//! set selects nothing refused. On the committed demo network (tests/data/demo_ref/iaf_n500).
use std::path::{Path, PathBuf};

use cortexview::sim::from_sonata::{DEFAULT_SEED, network_from_circuit};
use cortexview::sim::{Network, SimOptions, Simulation};
use cortexview::sonata::Circuit;
use serde_json::{Value, json};

fn net_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/demo_ref/iaf_n500")
}

/// The demo network's config, changed by `edit`, written into `dir`.
fn config(dir: &Path, edit: impl FnOnce(&mut Value)) -> PathBuf {
    let mut cfg: Value =
        serde_json::from_str(&std::fs::read_to_string(net_dir().join("config.json")).unwrap())
            .unwrap();
    cfg["manifest"]["$BASE_DIR"] = json!(net_dir().display().to_string());
    cfg["manifest"]["$OUTPUT_DIR"] = json!(dir.join("output").display().to_string());
    cfg["run"]["tstop"] = json!(200.0);
    edit(&mut cfg);
    let path = dir.join("config.json");
    std::fs::write(&path, serde_json::to_string_pretty(&cfg).unwrap()).unwrap();
    path
}

fn network(edit: impl FnOnce(&mut Value)) -> Result<Network, String> {
    let dir = tempfile::tempdir().unwrap();
    let circuit = Circuit::open(&config(dir.path(), edit)).unwrap();
    network_from_circuit(&circuit)
        .map(|(net, _)| net)
        .map_err(|e| e.to_string())
}

/// A Poisson drive into layer 4 on top of the network's own inputs.
fn with_poisson(cfg: &mut Value, seed: Option<u64>) {
    cfg["inputs"]["drive"] = json!({
        "input_type": "poisson", "module": "poisson", "node_set": "L4",
        "rate": 800.0, "weight": 40.0, "delay": 1.0
    });
    if let Some(s) = seed {
        cfg["run"]["random_seed"] = json!(s);
    }
}

fn spikes(net: &Network) -> Vec<(u64, u64)> {
    let mut sim = Simulation::new(net, &SimOptions { threads: 1 }).unwrap();
    sim.run_until(200.0).unwrap();
    let mut v: Vec<(u64, u64)> = sim.spikes().map(|s| (s.node_id, s.step)).collect();
    v.sort_unstable();
    v
}

#[test]
fn the_seed_comes_from_run_random_seed() {
    assert_eq!(
        network(|c| with_poisson(c, None)).unwrap().seed,
        DEFAULT_SEED
    );
    let seven = network(|c| with_poisson(c, Some(7))).unwrap();
    assert_eq!(seven.seed, 7);
    let again = network(|c| with_poisson(c, Some(7))).unwrap();
    let other = network(|c| with_poisson(c, Some(8))).unwrap();
    let a = spikes(&seven);
    assert!(a.len() > 100, "{} spikes", a.len());
    assert_eq!(a, spikes(&again), "one seed, one result");
    assert_ne!(a, spikes(&other), "another seed draws other Poisson inputs");
}

#[test]
fn inputs_that_reach_no_node_are_refused() {
    let e = network(|c| {
        c["inputs"]["lgn_spikes"]["node_set"] = json!({"population": "lgn", "node_id": [100000]})
    })
    .unwrap_err();
    assert!(e.contains("lgn_spikes") && e.contains("selects no"), "{e}");
    let e = network(|c| {
        with_poisson(c, None);
        c["inputs"]["drive"]["node_set"] = json!("no_such_set");
    })
    .unwrap_err();
    assert!(
        e.contains("drive") && e.contains("selects no simulated neuron"),
        "{e}"
    );
    let e = network(|c| {
        with_poisson(c, None);
        c["inputs"]["drive"]["rate"] = json!("fast");
    })
    .unwrap_err();
    assert!(e.contains("drive") && e.contains("rate"), "{e}");
}
