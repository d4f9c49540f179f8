//! The built-in demo column against NEST 3.10: the exported network (tests/data/demo_ref, made by
//! scripts/demo_references/make_refs.sh) and the same column generated in memory both simulate
//! to NEST's spikes, spike for spike.
use std::path::PathBuf;

use cortexview::demo::{CellModel, Demo, DemoOptions};
use cortexview::sim::from_sonata::network_from_circuit;
use cortexview::sim::{Network, SimOptions, Simulation};
use cortexview::sonata::{Circuit, read_spikes};

fn refs() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/demo_ref")
}

fn manifest() -> serde_json::Value {
    let text = std::fs::read_to_string(refs().join("manifest.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// (node id, step) pairs, sorted.
type Train = Vec<(u64, u64)>;

fn nest_spikes(case: &str, dt: f64) -> Train {
    let file = manifest()["cases"][case]["spikes"]
        .as_str()
        .unwrap()
        .to_string();
    let pops = read_spikes(&refs().join(file)).unwrap();
    assert_eq!(pops.len(), 1);
    assert_eq!(pops[0].population, "v1");
    let mut v: Train = pops[0]
        .node_ids
        .iter()
        .zip(&pops[0].timestamps)
        .map(|(&n, &t)| (n, (t / dt).round() as u64))
        .collect();
    v.sort_unstable();
    v
}

fn ours(net: &Network, tstop: f64, threads: usize) -> Train {
    let mut sim = Simulation::new(net, &SimOptions { threads }).unwrap();
    sim.run_until(tstop).unwrap();
    let mut v: Train = sim
        .spikes()
        .map(|s| (s.node_id, (s.time_ms / net.dt).round() as u64))
        .collect();
    v.sort_unstable();
    v
}

fn assert_same(case: &str, what: &str, a: &Train, nest: &Train) {
    if a != nest {
        let first = a.iter().zip(nest).position(|(x, y)| x != y);
        panic!(
            "{case} ({what}): {} spikes, NEST {}; first difference at sorted index {first:?}",
            a.len(),
            nest.len()
        );
    }
    eprintln!("{case} ({what}): {} spikes, identical to NEST", a.len());
}

fn check(case: &str, model: CellModel) {
    let m = manifest();
    let tstop = m["tstop_ms"].as_f64().unwrap();
    let net_dir = refs().join(m["cases"][case]["net"].as_str().unwrap());
    // the committed files
    let circuit = Circuit::open(&net_dir.join("config.json")).unwrap();
    let (net, spec) = network_from_circuit(&circuit).unwrap();
    assert_eq!(spec.tstop, tstop);
    let nest = nest_spikes(case, spec.dt);
    assert!(nest.len() > 100, "{case}: a quiet reference proves little");
    assert_same(case, "files, 1 thread", &ours(&net, tstop, 1), &nest);
    assert_same(case, "files, 2 threads", &ours(&net, tstop, 2), &nest);
    // the same column generated in memory: the generator itself matches NEST
    let mut o = DemoOptions::new(m["cells"].as_u64().unwrap() as usize, model);
    o.seed = m["seed"].as_u64().unwrap();
    o.tstop_ms = tstop;
    let demo = Demo::build(&o).unwrap();
    assert_same(
        case,
        "in memory",
        &ours(&demo.network().unwrap(), tstop, 1),
        &nest,
    );
}

#[test]
fn demo_iaf_equals_nest() {
    check("iaf", CellModel::IafPscAlpha);
}

#[test]
fn demo_glif_equals_nest() {
    check("glif", CellModel::GlifPsc);
}
