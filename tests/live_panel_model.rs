//! The live panel's model of a BMTK PointNet fixture, built without a window: a rate slider per
//! virtual population with spike inputs (at the inputs' mean rate), a weight factor per edge
//! population and per E/I class, the classes agreeing with the nodes' `ei` attribute; and a
//! rate slider per Poisson input of the config, whose factor is the config's rate scaled.
#[path = "common/fixtures.rs"]
mod fixtures;

use std::path::{Path, PathBuf};

use cortexview::sim::control::ei_classes::split_by_class;
use cortexview::sim::control::{ControlledRun, LiveModel, RateKind};
use cortexview::sim::from_sonata::network_from_circuit;
use cortexview::sim::interventions::Action;
use cortexview::sim::network::SourceRef;
use cortexview::sonata::{Circuit, read_spikes};
use serde_json::{Value, json};

#[test]
fn the_panel_lists_virtual_populations_and_edge_populations() {
    let Some(config) =
        fixtures::shared_fixture("bmtk-examples/point_450cells/config.simulation.json")
    else {
        return;
    };
    let model = LiveModel::open(&config, 1).unwrap();
    let panel = &model.panel;
    let circuit = Circuit::open(&config).unwrap();

    // virtual populations with inputs: those with spikes in the config's input file
    let inputs = read_spikes(&config.parent().unwrap().join("inputs/external_spikes.h5")).unwrap();
    let rates: Vec<(&str, usize)> = panel
        .rate_inputs
        .iter()
        .map(|r| (r.population.as_str(), r.nodes))
        .collect();
    let external = circuit.nodes.iter().find(|p| p.name == "external").unwrap();
    assert_eq!(rates, [("external", external.len())]);
    let spikes_before_tstop: usize = inputs
        .iter()
        .map(|p| p.timestamps.iter().filter(|&&t| t < 3000.0).count())
        .sum();
    let want_hz = spikes_before_tstop as f64 / external.len() as f64 / 3.0;
    assert!((panel.rate_inputs[0].mean_rate_hz - want_hz).abs() < 1e-9 * want_hz);

    // every edge population has a weight factor, and a split one its classes
    let names: Vec<&str> = panel
        .weight_groups
        .iter()
        .map(|g| g.name.as_str())
        .collect();
    for ep in &circuit.edges {
        assert!(
            names.contains(&ep.name.as_str()),
            "{} in {names:?}",
            ep.name
        );
        let group = &panel.weight_groups[names.iter().position(|n| *n == ep.name).unwrap()];
        assert_eq!(group.edges, ep.len(), "{}", ep.name);
    }
    for class in ["E->E", "E->I", "I->E", "I->I"] {
        assert!(names.contains(&format!("internal_to_internal:{class}").as_str()));
    }
    assert!(names.contains(&"external_to_internal:E->I"));
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with("external_to_internal:I"))
    );
    assert_eq!(panel.neuron_populations, ["internal"]);
}

#[test]
fn classes_from_negative_weights_agree_with_the_ei_attribute() {
    let Some(config) =
        fixtures::shared_fixture("bmtk-examples/point_450cells/config.simulation.json")
    else {
        return;
    };
    let circuit = Circuit::open(&config).unwrap();
    let (mut net, _) = network_from_circuit(&circuit).unwrap();
    let before: usize = net.projections.iter().map(|p| p.len()).sum();
    split_by_class(&mut net);
    assert_eq!(
        net.projections.iter().map(|p| p.len()).sum::<usize>(),
        before
    );
    let internal = circuit.nodes.iter().find(|p| p.name == "internal").unwrap();
    let ei = internal.attribute("ei").unwrap();
    let letter = |row: u32| ei.str(row as usize).unwrap().to_string();
    for p in &net.projections {
        let Some((_, class)) = p.name.split_once(':') else {
            continue;
        };
        let (src, tgt) = class.split_once("->").unwrap();
        assert!(!p.is_empty());
        assert!(
            p.tgt.iter().all(|&t| letter(t) == tgt.to_lowercase()),
            "{}",
            p.name
        );
        if p.source == SourceRef::Neurons(0) {
            assert!(
                p.src.iter().all(|&s| letter(s) == src.to_lowercase()),
                "{}",
                p.name
            );
        }
    }
}

fn demo_net() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/demo_ref/iaf_n500")
}

/// The committed demo network's config with a Poisson drive of `rate_hz` Hz into layer 4,
/// written into `dir`.
fn with_poisson_drive(dir: &Path, rate_hz: f64) -> PathBuf {
    let mut cfg: Value =
        serde_json::from_str(&std::fs::read_to_string(demo_net().join("config.json")).unwrap())
            .unwrap();
    cfg["manifest"]["$BASE_DIR"] = json!(demo_net().display().to_string());
    cfg["manifest"]["$OUTPUT_DIR"] = json!(dir.join("output").display().to_string());
    cfg["run"]["tstop"] = json!(100.0);
    cfg["inputs"]["drive"] = json!({
        "input_type": "poisson", "module": "poisson", "node_set": "L4",
        "rate": rate_hz, "weight": 40.0, "delay": 1.0
    });
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("config.json");
    std::fs::write(&path, serde_json::to_string_pretty(&cfg).unwrap()).unwrap();
    path
}

/// (node id, step) of every spike of `model` run to `until_ms` after `actions` at 0 ms.
fn spikes(
    model: std::sync::Arc<LiveModel>,
    actions: Vec<Action>,
    until_ms: f64,
) -> Vec<(u64, u64)> {
    let mut run = ControlledRun::start(model).unwrap();
    for a in actions {
        run.apply(a).unwrap();
    }
    while run.time_ms() < until_ms {
        run.advance(until_ms).unwrap();
    }
    let mut v: Vec<(u64, u64)> = run.sim().spikes().map(|s| (s.node_id, s.step)).collect();
    v.sort_unstable();
    v
}

#[test]
fn a_poisson_input_of_the_config_has_a_rate_slider() {
    let dir = tempfile::tempdir().unwrap();
    let config = with_poisson_drive(dir.path(), 400.0);
    let model = LiveModel::open(&config, 1).unwrap();
    let circuit = Circuit::open(&config).unwrap();
    let v1 = circuit.node_population("v1").unwrap();
    let layer = v1.attribute("layer").unwrap();
    let l4 = (0..v1.len())
        .filter(|&r| layer.str(r) == Some("L4"))
        .count();
    assert!(l4 > 0);

    let drive = model
        .panel
        .rate_inputs
        .iter()
        .find(|r| r.population == "drive")
        .unwrap();
    assert_eq!(drive.kind, RateKind::Poisson);
    assert_eq!(drive.nodes, l4);
    assert_eq!(drive.mean_rate_hz, 400.0);
    // the spike-file inputs keep theirs
    let trains: Vec<&str> = model
        .panel
        .rate_inputs
        .iter()
        .filter(|r| matches!(r.kind, RateKind::Trains { .. }))
        .map(|r| r.population.as_str())
        .collect();
    assert_eq!(trains, ["lgn", "bkg"]);

    // the slider at 2 is the config at twice the rate, spike for spike; at 1 it changes nothing
    let doubled = LiveModel::open(&with_poisson_drive(&dir.path().join("x2"), 800.0), 1).unwrap();
    let set = |factor: f64| Action::SetRate {
        population: "drive".into(),
        factor,
    };
    let at_two = spikes(model.clone(), vec![set(2.0)], 100.0);
    assert!(!at_two.is_empty());
    assert_eq!(at_two, spikes(doubled, Vec::new(), 100.0));
    let plain = spikes(model.clone(), Vec::new(), 100.0);
    assert_ne!(plain, at_two);
    assert_eq!(spikes(model, vec![set(1.0)], 100.0), plain);
}
