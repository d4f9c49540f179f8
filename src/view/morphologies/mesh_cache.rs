//! Morphology files read once and the meshes built from them, kept across restyles: thinned
//! morphologies, tube and line meshes, where their vertices lie on the morphology, and NEURON's
//! section ids of each file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::morphology::mesh::{TubeOptions, line_mesh, tube_mesh};
use crate::morphology::neuron_order::neuron_section_ids;
use crate::morphology::simplify::simplified;
use crate::morphology::{LineMesh, Morphology, MorphologyLibrary, TriangleMesh};

/// Files read and meshes built, kept across restyles.
#[derive(Default)]
pub struct MeshCache {
    pub(super) library: MorphologyLibrary,
    simplified: HashMap<(PathBuf, u32), Arc<Morphology>>,
    tubes: HashMap<(PathBuf, TubeKey, u32), Arc<TriangleMesh>>,
    lines: HashMap<(PathBuf, u32), Arc<LineMesh>>,
    /// NEURON's section ids of each file (the same sections at every tolerance).
    section_ids: HashMap<PathBuf, Arc<Vec<u32>>>,
    /// Where the vertices of each tube and line mesh lie on the morphology.
    tube_along: HashMap<(PathBuf, TubeKey, u32), Arc<Vec<crate::morphology::Along>>>,
    line_along: HashMap<(PathBuf, u32), Arc<Vec<crate::morphology::Along>>>,
}

/// `TubeOptions` as a hash key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct TubeKey(u32, u32, u32);

impl From<TubeOptions> for TubeKey {
    fn from(o: TubeOptions) -> Self {
        Self(o.sides, o.min_radius.to_bits(), o.soma_rings)
    }
}

impl MeshCache {
    /// The morphology of `path` thinned to `tolerance` µm.
    fn simplified(&mut self, path: &Path, tolerance: f32) -> Option<Arc<Morphology>> {
        let key = (path.to_path_buf(), tolerance.to_bits());
        if let Some(m) = self.simplified.get(&key) {
            return Some(m.clone());
        }
        let morphology = self.library.loaded(path)?;
        let thinned = Arc::new(simplified(&morphology, tolerance));
        self.simplified.insert(key, thinned.clone());
        Some(thinned)
    }

    pub(super) fn tube(
        &mut self,
        path: &Path,
        options: TubeOptions,
        tolerance: f32,
    ) -> Option<Arc<TriangleMesh>> {
        let key = (
            path.to_path_buf(),
            TubeKey::from(options),
            tolerance.to_bits(),
        );
        if let Some(m) = self.tubes.get(&key) {
            return Some(m.clone());
        }
        let morphology = self.simplified(path, tolerance)?;
        let mesh = Arc::new(tube_mesh(&morphology, options));
        self.tubes.insert(key, mesh.clone());
        Some(mesh)
    }

    pub(super) fn section_ids(&mut self, path: &Path, tolerance: f32) -> Option<Arc<Vec<u32>>> {
        if let Some(ids) = self.section_ids.get(path) {
            return Some(ids.clone());
        }
        let ids = Arc::new(neuron_section_ids(&*self.simplified(path, tolerance)?));
        self.section_ids.insert(path.to_path_buf(), ids.clone());
        Some(ids)
    }

    pub(super) fn tube_along(
        &mut self,
        path: &Path,
        options: TubeOptions,
        tolerance: f32,
    ) -> Option<Arc<Vec<crate::morphology::Along>>> {
        let key = (
            path.to_path_buf(),
            TubeKey::from(options),
            tolerance.to_bits(),
        );
        if let Some(a) = self.tube_along.get(&key) {
            return Some(a.clone());
        }
        let along = Arc::new(self.tube(path, options, tolerance)?.along.clone());
        self.tube_along.insert(key, along.clone());
        Some(along)
    }

    pub(super) fn line_along(
        &mut self,
        path: &Path,
        tolerance: f32,
    ) -> Option<Arc<Vec<crate::morphology::Along>>> {
        let key = (path.to_path_buf(), tolerance.to_bits());
        if let Some(a) = self.line_along.get(&key) {
            return Some(a.clone());
        }
        let along = Arc::new(self.line(path, tolerance)?.along.clone());
        self.line_along.insert(key, along.clone());
        Some(along)
    }

    pub(super) fn line(&mut self, path: &Path, tolerance: f32) -> Option<Arc<LineMesh>> {
        let key = (path.to_path_buf(), tolerance.to_bits());
        if let Some(m) = self.lines.get(&key) {
            return Some(m.clone());
        }
        let morphology = self.simplified(path, tolerance)?;
        let mesh = Arc::new(line_mesh(&morphology));
        self.lines.insert(key, mesh.clone());
        Some(mesh)
    }
}
