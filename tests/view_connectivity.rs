//! The viewer's view of a picked neuron's partners (instances highlighted, edges listed and
//! counted, filters by edge type and attribute range, lines soma to soma) equals a brute-force
//! scan of every edge of the circuit, with partners mapped to instances by a scan of the scene.
#![cfg(feature = "viewer")]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use cortexview::view::connectivity::partner_view::{
    EdgeFilter, PartnerView, Side, edge_lines, partner_view,
};
use cortexview::view::connectivity::plugin::edges_mesh;
use cortexview::view::scene::Scene;

#[path = "common/fixtures.rs"]
mod fixtures;

/// (side, edge population, edge id, edge type, partner population, partner node, instance).
type Row = (Side, String, u64, i64, String, u64, Option<u32>);

fn brute(scene: &Scene, instance: usize, filter: &EdgeFilter) -> Vec<Row> {
    let (sp, row) = scene.locate(instance).unwrap();
    let node = scene.circuit.nodes[sp.circuit_index].node_ids[row];
    let mut instance_of: HashMap<(String, u64), u32> = HashMap::new();
    for p in &scene.populations {
        let pop = &scene.circuit.nodes[p.circuit_index];
        for (i, &r) in p.rows.iter().enumerate() {
            instance_of.insert(
                (p.name.clone(), pop.node_ids[r as usize]),
                (p.offset + i) as u32,
            );
        }
    }
    let mut out = Vec::new();
    for e in &scene.circuit.edges {
        let src = e.source_node_ids().unwrap();
        let trg = e.target_node_ids().unwrap();
        let types = e.edge_type_ids().unwrap();
        let values = filter
            .attribute
            .as_ref()
            .map(|(name, _, _)| e.attribute(name).unwrap());
        for k in 0..e.len() {
            let value = values
                .as_ref()
                .and_then(|c| c.as_ref().and_then(|c| c.f64(k)));
            if !filter.keeps(types[k], value) {
                continue;
            }
            for (side, own_pop, own, other_pop, other) in [
                (Side::Pre, &e.target, trg[k], &e.source, src[k]),
                (Side::Post, &e.source, src[k], &e.target, trg[k]),
            ] {
                if *own_pop == sp.name && own == node {
                    out.push((
                        side,
                        e.name.clone(),
                        k as u64,
                        types[k],
                        other_pop.clone(),
                        other,
                        instance_of.get(&(other_pop.clone(), other)).copied(),
                    ));
                }
            }
        }
    }
    out.sort();
    out
}

fn rows(view: &PartnerView) -> Vec<Row> {
    let mut v: Vec<Row> = view
        .edges
        .iter()
        .map(|e| {
            (
                e.side,
                e.edge_population.clone(),
                e.edge_id,
                e.edge_type,
                e.partner_population.clone(),
                e.partner_node,
                e.partner_instance,
            )
        })
        .collect();
    v.sort();
    v
}

/// Edges and distinct partner nodes per key.
fn tally<K: Ord>(rows: &[Row], key: impl Fn(&Row) -> K) -> BTreeMap<K, (usize, usize)> {
    let mut out: BTreeMap<K, (usize, BTreeSet<u64>)> = BTreeMap::new();
    for r in rows {
        let c = out.entry(key(r)).or_default();
        c.0 += 1;
        c.1.insert(r.5);
    }
    out.into_iter()
        .map(|(k, (n, p))| (k, (n, p.len())))
        .collect()
}

/// Compares the view for `instance` under `filter` with the scan; returns the edges seen.
fn check(scene: &Scene, instance: usize, filter: &EdgeFilter) -> usize {
    let view = partner_view(scene, instance, filter).unwrap();
    let want = brute(scene, instance, filter);
    assert_eq!(rows(&view), want, "instance {instance} {filter:?}");
    for side in [Side::Pre, Side::Post] {
        let set: BTreeSet<u32> = want
            .iter()
            .filter(|r| r.0 == side)
            .filter_map(|r| r.6)
            .collect();
        let ours = match side {
            Side::Pre => &view.pre,
            Side::Post => &view.post,
        };
        assert_eq!(
            ours,
            &set.into_iter().collect::<Vec<_>>(),
            "{side:?} highlight"
        );
    }
    let ours: BTreeMap<_, _> = view
        .counts
        .iter()
        .map(|(k, v)| (k.clone(), (v.edges, v.partners)))
        .collect();
    assert_eq!(
        ours,
        tally(&want, |r| (r.0, r.1.clone(), r.4.clone(), r.3)),
        "counts"
    );
    let ours: BTreeMap<_, _> = view
        .totals
        .iter()
        .map(|(k, v)| (k.clone(), (v.edges, v.partners)))
        .collect();
    assert_eq!(
        ours,
        tally(&want, |r| (r.0, r.1.clone(), r.4.clone())),
        "totals"
    );
    // One line per edge to a drawn partner, the picked soma at one end.
    let lines = edge_lines(scene, &view, 1.0);
    assert_eq!(lines.len(), want.iter().filter(|r| r.6.is_some()).count());
    let me = scene.positions[instance];
    for (l, r) in lines
        .iter()
        .zip(view.edges.iter().filter(|e| e.partner_instance.is_some()))
    {
        let other = scene.positions[r.partner_instance.unwrap() as usize];
        match r.side {
            Side::Pre => assert_eq!((l.0, l.1), (other, me)),
            Side::Post => assert_eq!((l.0, l.1), (me, other)),
        }
    }
    // The "edges" mesh layer: two vertices a line, in line order, one identity instance.
    let mesh = edges_mesh(&lines);
    let ends: Vec<[f32; 3]> = lines.iter().flat_map(|l| [l.0, l.1]).collect();
    assert_eq!(mesh.positions, ends);
    assert_eq!(mesh.colors.len(), ends.len());
    assert_eq!(mesh.instances.len(), 1);
    want.len()
}

fn check_circuit(path: &std::path::Path, attribute: &str) {
    let scene = Scene::open(path, &[]).unwrap();
    let drawn: Vec<usize> = scene
        .populations
        .iter()
        .filter(|p| !p.is_virtual && p.len > 0)
        .flat_map(|p| [p.offset, p.offset + p.len / 2, p.offset + p.len - 1])
        .collect();
    let mut seen = 0;
    for &i in &drawn {
        seen += check(&scene, i, &EdgeFilter::default());
        // An attribute range: the middle of the values this neuron's edges have.
        let all = partner_view(
            &scene,
            i,
            &EdgeFilter {
                attribute: Some((attribute.into(), f64::NEG_INFINITY, f64::INFINITY)),
                edge_types: None,
            },
        )
        .unwrap();
        if let Some((lo, hi)) = all.value_range {
            let (a, b) = (lo + 0.25 * (hi - lo), hi - 0.25 * (hi - lo));
            check(
                &scene,
                i,
                &EdgeFilter {
                    attribute: Some((attribute.into(), a, b)),
                    edge_types: None,
                },
            );
        }
        // Every other edge type.
        let types: BTreeSet<i64> = all.edge_types.iter().copied().step_by(2).collect();
        check(
            &scene,
            i,
            &EdgeFilter {
                attribute: None,
                edge_types: Some(types),
            },
        );
    }
    assert!(seen > 0, "{}: no edges at all", path.display());
}

#[test]
fn partners_equal_a_scan_of_all_edges() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    check_circuit(&root.join("tests/data/v1_like_n300_none"), "syn_weight");
    let Some(fixtures) = fixtures::shared_fixture("") else {
        return;
    };
    // Other layouts and attributes (per edge in the h5 file or per type), and partners
    // without positions (virtual populations of 9_cells).
    check_circuit(
        &fixtures.join("sonata-examples/300_pointneurons"),
        "syn_weight",
    );
    check_circuit(&fixtures.join("bmtk-examples/point_120cells"), "syn_weight");
    check_circuit(&fixtures.join("bmtk-examples/point_450glifs"), "nsyns");
    check_circuit(&fixtures.join("sonata-examples/9_cells"), "syn_weight");
}
