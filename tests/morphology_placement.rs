//! Placement of morphologies in the world against BMTK's own `move_and_rotate` (run by
//! scripts/morphology_references/make_refs.py on cells of sonata-examples/layer4_sample).

use std::path::{Path, PathBuf};

use cortexview::morphology::placement::{Rotation, euler_xyz, quaternion, world_from_local};
use cortexview::morphology::resolve::{MorphologySource, morphology_path, node_world_from_local};
use cortexview::morphology::{Morphology, MorphologyLibrary};
use cortexview::sonata::Circuit;
use serde_json::Value;

#[path = "common/fixtures.rs"]
mod fixtures;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/morphology")
}

fn bmtk() -> Value {
    let text = std::fs::read_to_string(data_dir().join("bmtk_placement.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn vec3(v: &Value) -> [f64; 3] {
    [0, 1, 2].map(|k| v[k].as_f64().unwrap())
}

fn assert_close(a: [f64; 3], b: [f64; 3], tol: f64, what: &str) {
    for k in 0..3 {
        assert!((a[k] - b[k]).abs() <= tol, "{what}: {a:?} vs {b:?}");
    }
}

#[test]
fn euler_placement_equals_bmtk_move_and_rotate() {
    let reference = bmtk();
    let cells = reference["cells"].as_array().unwrap();
    assert!(cells.len() >= 10);
    for cell in cells {
        let angles = vec3(&cell["rotation_angles_xyz"]);
        let t = world_from_local(
            vec3(&cell["soma_center"]),
            vec3(&cell["xyz"]),
            Rotation::EulerXyz(angles),
        );
        let local = cell["local_points"].as_array().unwrap();
        let world = cell["world_points"].as_array().unwrap();
        for (l, w) in local.iter().zip(world) {
            assert_close(t.apply(vec3(l)), vec3(w), 1e-9, "node");
        }
    }
}

#[test]
fn nodes_of_a_circuit_are_placed_as_bmtk_places_them() {
    let Some(config) =
        fixtures::shared_fixture("sonata-examples/layer4_sample/circuit_config.json")
    else {
        return;
    };
    let circuit = Circuit::open(&config).unwrap();
    let nodes = circuit.node_population("l4").unwrap();
    let source = MorphologySource::of(&circuit).unwrap();
    let mut library = MorphologyLibrary::new();
    for cell in bmtk()["cells"].as_array().unwrap() {
        let node_id = cell["node_id"].as_u64().unwrap();
        let row = nodes.row_of(node_id).unwrap();
        let path = source.node_path(nodes, row).unwrap();
        assert_eq!(
            path.file_name().unwrap().to_str().unwrap(),
            cell["morphology"].as_str().unwrap()
        );
        let morphology = library.loaded(&path).unwrap();
        let t = node_world_from_local(nodes, row, morphology.soma.center()).unwrap();
        // The first point of the first section, as BMTK moved it.
        let first = morphology.sections[0].points[0].map(f64::from);
        let expected = vec3(&cell["world_points"][1]);
        assert_close(t.apply(first), expected, 1e-4, "first neurite point");
        assert_close(
            t.apply(morphology.soma.center()),
            vec3(&cell["xyz"]),
            1e-9,
            "soma",
        );
    }
    // Each unique file is read once.
    assert!(library.len() <= 5);
    assert_eq!(library.failures().count(), 0);
}

#[test]
fn bmtk_order_is_z_then_y_then_x() {
    // Rotating (1, 0, 0) by 90 degrees about z gives (0, 1, 0); then 90 degrees about x sends
    // it to (0, 0, 1). The other order would leave it at (0, 1, 0)... about y first.
    let half_pi = std::f64::consts::FRAC_PI_2;
    let t = world_from_local(
        [0.0; 3],
        [0.0; 3],
        Rotation::EulerXyz([half_pi, 0.0, half_pi]),
    );
    assert_close(t.apply([1.0, 0.0, 0.0]), [0.0, 0.0, 1.0], 1e-12, "z then x");
}

#[test]
fn quaternion_equals_the_same_rotation_as_angles() {
    let angle = 0.7f64;
    let q = [(angle / 2.0).cos(), 0.0, 0.0, (angle / 2.0).sin()];
    let a = quaternion(q);
    let b = euler_xyz([0.0, 0.0, angle]);
    for i in 0..3 {
        assert_close(a[i], b[i], 1e-12, "quaternion about z");
    }
    // Not normalised: the same rotation.
    let c = quaternion(q.map(|v| 3.0 * v));
    for i in 0..3 {
        assert_close(a[i], c[i], 1e-12, "scaled quaternion");
    }
    // Rotation about the soma centre, then translation.
    let t = world_from_local([1.0, 2.0, 3.0], [10.0, 0.0, 0.0], Rotation::Quaternion(q));
    assert_close(t.apply([1.0, 2.0, 3.0]), [10.0, 0.0, 0.0], 1e-12, "soma");
}

#[test]
fn morphology_paths() {
    let dir = Path::new("/m");
    assert_eq!(morphology_path(dir, "cell_a"), Path::new("/m/cell_a.swc"));
    assert_eq!(
        morphology_path(dir, "cell_a.swc"),
        Path::new("/m/cell_a.swc")
    );
    assert_eq!(morphology_path(dir, "cell_a.h5"), Path::new("/m/cell_a.h5"));
    assert_eq!(
        morphology_path(dir, "v1.2_cell"),
        Path::new("/m/v1.2_cell.swc")
    );
    let Some(config) = fixtures::shared_fixture("sonata-examples/9_cells/circuit_config.json")
    else {
        return;
    };
    let circuit = Circuit::open(&config).unwrap();
    let nodes = circuit.node_population("cortex").unwrap();
    let source = MorphologySource::of(&circuit).unwrap();
    for row in 0..nodes.len() {
        let path = source.node_path(nodes, row).unwrap();
        assert!(path.exists(), "{}", path.display());
        Morphology::load(&path).unwrap();
    }
}
