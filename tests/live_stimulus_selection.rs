//! The live panel's stimulus selection reads what the window holds, as representations do: the
//! placed probe's sites for `within R of probe`. Such a selection goes to the engine as the node
//! ids it picks, and a volley into it fires exactly the neurons numpy finds within R of the
//! probe (`tests/data/selection_refs/`); a selection of attributes goes as typed.
#![cfg(feature = "viewer")]

#[path = "common/selection_refs.rs"]
mod selection_refs;

use std::collections::BTreeSet;

use cortexview::sim::control::{ControlledRun, LiveModel};
use cortexview::sim::interventions::{Action, StimulusKind};
use cortexview::view::live::engine_selection;
use cortexview::view::scene::Scene;
use selection_refs::{expected_ids, probe_sites, reference, repo};

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
    let r = reference("v1_iaf_n1000");
    let config = repo().join(r["circuit"].as_str().unwrap());
    let scene = Scene::open(&config, &[]).unwrap();
    let sites = probe_sites(&r);
    let model = LiveModel::open(&config, 1).unwrap();
    let simulated = &model.panel.neuron_populations;
    assert_eq!(simulated, &["v1"]);

    let expr = "within 40 of probe";
    let want: BTreeSet<u64> = expected_ids(&r, expr, "v1").into_iter().collect();
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
    let r = reference("v1_iaf_n1000");
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
