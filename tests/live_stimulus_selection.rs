//! The live panel's stimulus selection reads what the window holds, as representations do: the
//! placed probe's sites for `within R of probe`. Such a selection goes to the engine as the node
//! ids it picks, and a volley into it fires exactly the neurons numpy finds within R of the
//! probe (`tests/data/selection_refs/`); a selection of attributes goes as typed.
#![cfg(feature = "viewer")]

use std::collections::BTreeSet;
use std::path::PathBuf;

use cortexview::probe::{Placement, ProbeGeometry, ProbeKind};
use cortexview::sim::control::{ControlledRun, LiveModel};
use cortexview::sim::interventions::{Action, StimulusKind};
use cortexview::view::live::engine_selection;
use cortexview::view::scene::Scene;
use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn reference() -> Value {
    let path = repo().join("tests/data/selection_refs/v1_iaf_n1000.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn vec3(v: &Value) -> [f64; 3] {
    let a: Vec<f64> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    [a[0], a[1], a[2]]
}

fn expected(r: &Value, expr: &str, population: &str) -> BTreeSet<u64> {
    let case = r["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["select"] == expr)
        .unwrap();
    case["expected"][population]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_u64().unwrap())
        .collect()
}

/// Node ids of the neurons that spiked in the first `until_ms` of a run given `actions` at 0 ms.
fn fired(model: &std::sync::Arc<LiveModel>, actions: Vec<Action>, until_ms: f64) -> BTreeSet<u64> {
    let mut run = ControlledRun::start(model.clone()).unwrap();
    for a in actions {
        run.apply(a).unwrap();
    }
    while run.time_ms() < until_ms {
        run.advance(until_ms).unwrap();
    }
    run.sim()
        .spikes()
        .filter(|s| s.time_ms <= until_ms)
        .map(|s| s.node_id)
        .collect()
}

#[test]
fn a_volley_within_r_of_the_probe_fires_the_neurons_numpy_finds() {
    let r = reference();
    let config = repo().join(r["circuit"].as_str().unwrap());
    let scene = Scene::open(&config, &[]).unwrap();
    let sites = Placement {
        tip: vec3(&r["probe"]["tip"]),
        direction: vec3(&r["probe"]["direction"]),
        roll: 0.0,
    }
    .channel_positions(&ProbeGeometry::new(ProbeKind::Np1));
    let model = LiveModel::open(&config, 1).unwrap();
    let simulated = &model.panel.neuron_populations;
    assert_eq!(simulated, &["v1"]);

    let expr = "within 40 of probe";
    let want = expected(&r, expr, "v1");
    assert!(!want.is_empty());

    let select = engine_selection(&scene, Some(&sites), expr, simulated).unwrap();
    assert!(select.contains("node_id"), "{select}");
    let engine_rows: usize = model
        .selector
        .rows(&select)
        .unwrap()
        .iter()
        .map(|(_, rows)| rows.len())
        .sum();
    assert_eq!(engine_rows, want.len());

    // nothing fires in the first 2 ms of the run alone; the volley fires what numpy selects
    assert!(fired(&model, Vec::new(), 2.0).is_empty());
    let volley = Action::Stimulate {
        select,
        kind: StimulusKind::Volley,
    };
    assert_eq!(fired(&model, vec![volley], 2.0), want);

    // virtual (LGN) nodes near the probe are no stimulus target
    let everything =
        engine_selection(&scene, Some(&sites), "within 1e6 of probe", simulated).unwrap();
    assert!(!everything.contains("lgn"), "{everything}");
    let v1 = scene.circuit.node_population("v1").unwrap();
    let rows = model.selector.rows(&everything).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].1.len(), v1.len());
}

#[test]
fn attribute_selections_go_as_typed_and_probe_terms_need_a_probe() {
    let r = reference();
    let config = repo().join(r["circuit"].as_str().unwrap());
    let scene = Scene::open(&config, &[]).unwrap();
    let simulated = ["v1".to_string()];
    let typed = "population == v1 && stride 9";
    assert_eq!(
        engine_selection(&scene, None, typed, &simulated).unwrap(),
        typed
    );
    let err = engine_selection(&scene, None, "within 40 of probe", &simulated).unwrap_err();
    assert!(
        format!("{err:#}").contains("needs a placed probe"),
        "{err:#}"
    );
    let err = engine_selection(&scene, None, "no_such_attribute > 1", &simulated).unwrap_err();
    assert!(format!("{err:#}").contains("no_such_attribute"), "{err:#}");
}
