//! From a node to its morphology file and its placement.
//!
//! Path: `components.morphologies_dir` + the node's `morphology` attribute, with `.swc` added
//! when the attribute names no known extension. When the config names
//! `components.alternate_morphologies` (`h5v1`, `neurolucida-asc`) and there is no
//! `morphologies_dir`, the `h5v1` folder with `.h5` is used.

use std::path::{Path, PathBuf};

use crate::sonata::config::resolve_path;
use crate::sonata::{Circuit, NodePopulation};

use super::placement::{Rotation, Transform, world_from_local};

const KNOWN_EXTENSIONS: [&str; 3] = ["swc", "h5", "asc"];

/// The file of a morphology named `name` in `dir` (`.swc` added without a known extension).
pub fn morphology_path(dir: &Path, name: &str) -> PathBuf {
    let has_extension = Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| KNOWN_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()));
    if has_extension {
        dir.join(name)
    } else {
        dir.join(format!("{name}.swc"))
    }
}

/// Where a circuit keeps its morphologies, and with which extension.
#[derive(Clone, Debug, PartialEq)]
pub struct MorphologySource {
    pub dir: PathBuf,
    /// `"swc"` or `"h5"`.
    pub extension: &'static str,
}

impl MorphologySource {
    /// `morphologies_dir`, else `alternate_morphologies.h5v1`, from the circuit config.
    pub fn of(circuit: &Circuit) -> Option<Self> {
        if let Some(dir) = circuit.component_dir("morphologies_dir") {
            return Some(Self {
                dir: dir.to_owned(),
                extension: "swc",
            });
        }
        let config = circuit.circuit_config.as_ref()?;
        let h5 = config
            .raw
            .get("components")?
            .get("alternate_morphologies")?
            .get("h5v1")?
            .as_str()?;
        let base = config.path.parent().unwrap_or(Path::new("."));
        Some(Self {
            dir: resolve_path(base, h5),
            extension: "h5",
        })
    }

    /// The file for a `morphology` attribute value.
    pub fn path_for(&self, name: &str) -> PathBuf {
        if self.extension == "swc" {
            return morphology_path(&self.dir, name);
        }
        let has_extension = Path::new(name).extension().is_some_and(|e| {
            e.to_str()
                .is_some_and(|e| KNOWN_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        });
        if has_extension {
            self.dir.join(name)
        } else {
            self.dir.join(format!("{name}.{}", self.extension))
        }
    }

    /// The morphology file of one node, when it has a `morphology` value (not empty, `NULL`,
    /// `NONE`).
    pub fn node_path(&self, nodes: &NodePopulation, row: usize) -> Option<PathBuf> {
        let name = nodes.attribute("morphology")?.str(row)?.trim();
        if name.is_empty() || name.eq_ignore_ascii_case("null") || name.eq_ignore_ascii_case("none")
        {
            return None;
        }
        Some(self.path_for(name))
    }
}

/// How a node is rotated: its orientation quaternion when it has one, else its Euler angles
/// (missing ones 0), else none.
pub fn node_rotation(nodes: &NodePopulation, row: usize) -> Rotation {
    if let Some(q) = nodes.orientation(row) {
        return Rotation::Quaternion(q);
    }
    Rotation::EulerXyz(nodes.rotation_angles(row).unwrap_or([0.0; 3]))
}

/// `world_from_local` of a node's morphology whose soma centre (file coordinates) is
/// `soma_center`; `None` when the node has no x, y, z.
pub fn node_world_from_local(
    nodes: &NodePopulation,
    row: usize,
    soma_center: [f64; 3],
) -> Option<Transform> {
    let get = |n: &str| nodes.attribute(n).and_then(|c| c.f64(row));
    let position = [get("x")?, get("y")?, get("z")?];
    Some(world_from_local(
        soma_center,
        position,
        node_rotation(nodes, row),
    ))
}
