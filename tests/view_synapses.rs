//! Synapse positions of a picked neuron's afferent edges: (a) on 9_cells they equal what h5py
//! reads (`scripts/references/make_synapse_refs.py`), and (b) every one lies on the target's
//! placed morphology (9_cells unrotated, layer4_sample rotated), which the stored values read
//! as world coordinates or as cell-local coordinates do not: that is how the frame of BMTK's
//! `pos_x/y/z` was established (node position + offset from the soma in the unrotated file,
//! `pos_z` holding x's offset).
#![cfg(feature = "viewer")]

use std::collections::BTreeMap;
use std::path::PathBuf;

use cortexview::view::connectivity::partner_view::{EdgeFilter, partner_view};
use cortexview::view::connectivity::plugin::synapses_mesh;
use cortexview::view::connectivity::synapse_positions::{
    PositionSource, afferent_synapses, distance_to_segments, placed_cell, segments,
};
use cortexview::view::scene::Scene;

#[path = "common/fixtures.rs"]
mod fixtures;

fn fixtures() -> Option<PathBuf> {
    fixtures::shared_fixture("")
}

fn instance_of(scene: &Scene, population: &str, node: u64) -> usize {
    let p = scene
        .populations
        .iter()
        .find(|p| p.name == population)
        .unwrap();
    let ids = &scene.circuit.nodes[p.circuit_index].node_ids;
    let i = p
        .rows
        .iter()
        .position(|&r| ids[r as usize] == node)
        .unwrap();
    p.offset + i
}

#[test]
fn synapses_equal_h5py_on_9_cells() {
    let Some(fixtures) = fixtures() else { return };
    let scene = Scene::open(&fixtures.join("sonata-examples/9_cells"), &[]).unwrap();
    let refs: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data/references/synapses_9_cells.json"),
        )
        .unwrap(),
    )
    .unwrap();
    for target in refs["targets"].as_array().unwrap() {
        let node = target["node_id"].as_u64().unwrap();
        let instance = instance_of(&scene, "cortex", node);
        let view = partner_view(&scene, instance, &EdgeFilter::default()).unwrap();
        let syn = afferent_synapses(&scene, &view).unwrap();
        for source in syn.sources.values() {
            assert_eq!(*source, PositionSource::BmtkPos { z_recovered: true });
        }
        let ours: BTreeMap<(String, u64), _> = syn
            .synapses
            .iter()
            .map(|s| ((s.edge_population.clone(), s.edge_id), s))
            .collect();
        // The "synapses" layer: one octahedron (8 triangles) per synapse, at its position.
        let mesh = synapses_mesh(&scene, &syn.synapses);
        assert_eq!(mesh.positions.len(), 24);
        assert_eq!(mesh.instances.len(), syn.synapses.len());
        for (m, s) in mesh.instances.iter().zip(&syn.synapses) {
            let t = m.transform.w_axis;
            for k in 0..3 {
                assert!((f64::from(t[k]) - s.position[k]).abs() < 1e-3);
            }
        }
        let want = target["synapses"].as_array().unwrap();
        assert_eq!(ours.len(), want.len(), "node {node}");
        for w in want {
            let key = (
                w["edge_population"].as_str().unwrap().to_owned(),
                w["edge_id"].as_u64().unwrap(),
            );
            let s = ours.get(&key).unwrap_or_else(|| panic!("{key:?} missing"));
            assert_eq!(
                s.source_population,
                w["source_population"].as_str().unwrap()
            );
            assert_eq!(s.source_node, w["source_node"].as_u64().unwrap());
            for k in 0..3 {
                let expected = w["world"][k].as_f64().unwrap();
                assert!(
                    (s.position[k] - expected).abs() < 1e-3,
                    "{key:?} axis {k}: {:?} vs {}",
                    s.position,
                    w["world"]
                );
            }
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Checks every target of `population` that has synapses; returns how many synapses.
fn on_the_morphology(scene: &Scene, population: &str, max_targets: usize) -> usize {
    let p = scene
        .populations
        .iter()
        .find(|p| p.name == population)
        .unwrap();
    let mut seen = 0;
    let mut targets = 0;
    for i in 0..p.len {
        if targets == max_targets {
            break;
        }
        let instance = p.offset + i;
        let view = partner_view(scene, instance, &EdgeFilter::default()).unwrap();
        let syn = afferent_synapses(scene, &view).unwrap();
        if syn.synapses.is_empty() {
            continue;
        }
        targets += 1;
        let placed = placed_cell(scene, p, p.rows[i] as usize).unwrap().unwrap();
        let world: Vec<_> = segments(&placed.morphology)
            .into_iter()
            .map(|(a, b)| (placed.apply(a), placed.apply(b)))
            .collect();
        let soma = placed.morphology.soma.center();
        let ours: Vec<f64> = syn
            .synapses
            .iter()
            .map(|s| distance_to_segments(&world, s.position))
            .collect();
        let worst = ours.iter().copied().fold(0.0, f64::max);
        assert!(
            worst < 1.0,
            "{population} instance {instance}: {worst} µm off"
        );
        // The stored pos_x/y/z as world coordinates, and as cell-local coordinates placed
        // like the cell: neither lies on the morphology.
        let e = scene
            .circuit
            .edges
            .iter()
            .find(|e| e.name == syn.synapses[0].edge_population)
            .unwrap();
        let columns = ["pos_x", "pos_y", "pos_z"].map(|n| e.attribute(n).unwrap().unwrap());
        let stored: Vec<[f64; 3]> = syn
            .synapses
            .iter()
            .filter(|s| s.edge_population == e.name)
            .map(|s| [0, 1, 2].map(|k| columns[k].f64(s.edge_id as usize).unwrap()))
            .collect();
        let as_world = median(
            stored
                .iter()
                .map(|&p| distance_to_segments(&world, p))
                .collect(),
        );
        let as_local = median(
            stored
                .iter()
                .map(|&p| {
                    let local = [0, 1, 2].map(|k| p[k] + soma[k]);
                    distance_to_segments(&world, placed.apply(local))
                })
                .collect(),
        );
        assert!(
            as_world > 3.0 && as_local > 3.0,
            "{population} instance {instance}: stored as world {as_world} µm, as local {as_local} µm"
        );
        seen += ours.len();
    }
    seen
}

#[test]
fn synapses_lie_on_the_placed_morphology() {
    let Some(fixtures) = fixtures() else { return };
    let scene = Scene::open(&fixtures.join("sonata-examples/9_cells"), &[]).unwrap();
    assert!(on_the_morphology(&scene, "cortex", 9) > 500);
    // Rotated cells (y from the h5 file, z from the types).
    let scene = Scene::open(&fixtures.join("sonata-examples/layer4_sample"), &[]).unwrap();
    assert!(on_the_morphology(&scene, "l4", 6) > 500);
}
