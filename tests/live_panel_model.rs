//! The live panel's model of a BMTK PointNet fixture, built without a window: a rate slider per
//! virtual population with spike inputs (at the inputs' mean rate), a weight factor per edge
//! population and per E/I class, the classes agreeing with the nodes' `ei` attribute.
#[path = "common/fixtures.rs"]
mod fixtures;

use cortexview::sim::control::LiveModel;
use cortexview::sim::control::ei_classes::split_by_class;
use cortexview::sim::from_sonata::network_from_circuit;
use cortexview::sim::network::SourceRef;
use cortexview::sonata::{Circuit, read_spikes};

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
