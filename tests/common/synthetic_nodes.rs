//! A single-population SONATA nodes file written from positions and node types, for viewer
//! tests that need a few spheres placed exactly.

use std::path::{Path, PathBuf};

/// Writes `dir/nodes.h5` with population `net`: `node_type_id` and `0/x`, `0/y`, `0/z`.
pub fn write_nodes(dir: &Path, positions: &[[f32; 3]], types: &[i64]) -> PathBuf {
    let path = dir.join("nodes.h5");
    let file = hdf5::File::create(&path).unwrap();
    let pop = file.create_group("nodes/net").unwrap();
    pop.new_dataset_builder()
        .with_data(types)
        .create("node_type_id")
        .unwrap();
    let group = pop.create_group("0").unwrap();
    for (axis, name) in ["x", "y", "z"].iter().enumerate() {
        let v: Vec<f32> = positions.iter().map(|p| p[axis]).collect();
        group
            .new_dataset_builder()
            .with_data(&v)
            .create(*name)
            .unwrap();
    }
    path
}
