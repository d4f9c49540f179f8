//! Connectivity queries through the edge indices equal a brute-force scan of all edges, for
//! files with BMTK's index, with the old `indicies` group, and with none (index built in memory).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cortexview::sonata::connectivity::{all_partners, partners};
use cortexview::sonata::edges::{Direction, EdgePopulation};
use cortexview::sonata::{Circuit, Selection};

#[path = "common/fixtures.rs"]
mod fixtures;

fn brute(e: &EdgePopulation, nodes: &Selection, direction: Direction) -> BTreeMap<u64, u32> {
    let src = e.source_node_ids().unwrap();
    let trg = e.target_node_ids().unwrap();
    let mut out = BTreeMap::new();
    for (s, t) in src.iter().zip(&trg) {
        let (key, other) = match direction {
            Direction::Efferent => (s, t),
            Direction::Afferent => (t, s),
        };
        if nodes.contains(*key) {
            *out.entry(*other).or_insert(0) += 1;
        }
    }
    out
}

fn check_all(e: &EdgePopulation, n_nodes: u64) -> usize {
    let mut checked = 0;
    let picks = [
        Selection::from_ids([0]),
        Selection::from_ids([1, 7, 9]),
        Selection::from_ids(2..n_nodes.min(40)),
        Selection::from_ids([n_nodes - 1, n_nodes + 5]),
    ];
    for nodes in &picks {
        for direction in [Direction::Efferent, Direction::Afferent] {
            let ours = partners(e, nodes, direction).unwrap();
            assert_eq!(
                ours.counts,
                brute(e, nodes, direction),
                "{} {direction:?} {nodes:?}",
                e.name
            );
            let n_edges: u32 = ours.counts.values().sum();
            assert_eq!(ours.edges.len(), u64::from(n_edges));
            checked += 1;
        }
    }
    checked
}

fn fixtures() -> Option<PathBuf> {
    fixtures::shared_fixture("")
}

#[test]
fn indexed_files_equal_a_scan() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut configs = vec![
        root.join("tests/data/v1_like_n300_none"),
        root.join("tests/data/v1_like_n300_gzip"),
    ];
    if let Some(f) = fixtures() {
        configs.push(f.join("sonata-examples/300_pointneurons"));
        configs.push(f.join("sonata-examples/sim_tests/intfire/ten_cells_spikes_nest/input"));
        configs.push(f.join("bmtk-examples/point_450glifs"));
    }
    for config in configs {
        let c = Circuit::open(&config).unwrap();
        for e in &c.edges {
            assert!(e.has_index(), "{}: expected an index in the file", e.name);
            let n = c
                .node_population(&e.source)
                .map(|p| p.len())
                .unwrap_or(1)
                .max(c.node_population(&e.target).map(|p| p.len()).unwrap_or(1));
            assert!(check_all(e, n as u64) > 0);
        }
        // Both directions over every edge population touching v1-like populations.
        let pop = &c.nodes[0].name;
        let (pre, post) = all_partners(&c.edges, pop, &Selection::from_ids([3])).unwrap();
        assert_eq!(
            pre.len(),
            c.edges.iter().filter(|e| &e.target == pop).count()
        );
        assert_eq!(
            post.len(),
            c.edges.iter().filter(|e| &e.source == pop).count()
        );
    }
}

fn write_unindexed(path: &Path) {
    let file = hdf5::File::create(path).unwrap();
    let pop = file
        .create_group("edges")
        .unwrap()
        .create_group("a_to_b")
        .unwrap();
    let mut src = Vec::new();
    let mut trg = Vec::new();
    let mut x = 12345u64;
    for _ in 0..5000 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        src.push((x >> 33) % 300);
        trg.push((x >> 13) % 200);
    }
    pop.new_dataset_builder()
        .with_data(&src)
        .create("source_node_id")
        .unwrap();
    pop.new_dataset_builder()
        .with_data(&trg)
        .create("target_node_id")
        .unwrap();
    pop.new_dataset_builder()
        .with_data(&vec![0u32; src.len()])
        .create("edge_type_id")
        .unwrap();
}

#[test]
fn unindexed_file_builds_its_index_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("edges.h5");
    write_unindexed(&path);
    let e = EdgePopulation::open(&path, "a_to_b", None).unwrap();
    assert!(!e.has_index());
    assert!(check_all(&e, 200) > 0);
}
