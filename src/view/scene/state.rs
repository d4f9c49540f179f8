//! `ViewerState` (main world): the scene on screen and how it is drawn, what is picked and
//! highlighted; `LoadTask`: a scene being loaded in the background.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bevy::prelude::*;
use bevy::tasks::{AsyncComputeTaskPool, Task};

use super::overlays::PartnerInstances;
use super::{Rates, Representation, Scene, Styled};
use crate::session::{ClipPlane, Looks, Slab};
use crate::sonata::LoadProgress;

/// What is on screen and how it is drawn (main world).
#[derive(Resource, Default)]
pub struct ViewerState {
    pub scene: Option<Arc<Scene>>,
    pub representations: Vec<Representation>,
    /// The representations were asked for (`render --style`, `--color-by`): opening the
    /// scene's reports does not add a report-coloured one over them.
    pub keep_representations: bool,
    /// Draw virtual (input) populations even when no selection names them.
    pub show_virtual: bool,
    /// The last styling: legend, errors, counts.
    pub styled: Styled,
    /// Set to re-apply representations.
    pub restyle: bool,
    /// Set to fit the camera to what is drawn after the next restyle.
    pub fit_pending: bool,
    /// The last load error (what was on screen stays).
    pub error: Option<String>,
    /// The picked instance.
    pub picked: Option<usize>,
    /// The path of the scene on screen, as it was opened (the window remembers it among the
    /// recent files).
    pub opened: Option<PathBuf>,
    /// The path being loaded (the UI shows a progress bar while one runs).
    pub loading: Option<PathBuf>,
    /// How far the load has come (files read out of those announced).
    pub load_progress: Option<Arc<LoadProgress>>,
    /// Population rates of the drawn neurons (for the rate plot).
    pub rates: Rates,
    /// Bumped at every restyle (caches of what is drawn compare it).
    pub styled_generation: u64,
    /// Instances selected as raster rows (shift-drag in the raster): highlighted in 3D, the
    /// rest dimmed.
    pub raster_rows: Option<std::ops::Range<usize>>,
    /// Report colours of instances at the playback time (the report plugin sets them).
    pub value_colors: Vec<(u32, [f32; 3])>,
    /// The picked neuron's synaptic partners, highlighted (the connectivity plugin sets them).
    pub partners: Option<Arc<PartnerInstances>>,
    /// Set to re-apply the overlays (report colours, partners, picked) without re-styling.
    pub redraw: bool,
    /// A live simulation feeds the scene (the raster scrolls with it).
    pub live: bool,
    /// Instances the probe's selected channel hears: highlighted in 3D.
    pub probe_units: Vec<u32>,
    /// World positions (µm) of the shown probe's recording sites, for selections
    /// `within R of probe` (the probe plugin keeps them current).
    pub probe_sites: Option<Arc<Vec<[f64; 3]>>>,
    /// Keep the neurons whose soma lies in this slab (sessions' `"slab"`).
    pub slab: Option<Slab>,
    /// Keep the neurons on the side each plane's normal points to (sessions' `"clip"`).
    pub clip: Vec<ClipPlane>,
    /// Background, depth shading, glow, anti-aliasing (sessions' `"looks"`).
    pub looks: Looks,
}

impl ViewerState {
    /// Puts a loaded scene on screen with default representations.
    /// ([`crate::view::playback::Playback::fit_scene`] sets the time range to go with it.)
    pub fn set_scene(&mut self, scene: Scene) {
        if self.representations.is_empty() {
            self.representations = vec![scene.default_representation()];
        }
        self.scene = Some(Arc::new(scene));
        self.restyle = true;
        self.fit_pending = true;
        self.error = None;
        self.picked = None;
        self.partners = None;
        self.value_colors.clear();
    }
}

/// A scene being loaded off the main thread, with how far it has come.
#[derive(Resource, Default)]
pub struct LoadTask(pub Option<(PathBuf, Task<anyhow::Result<Scene>>)>);

impl LoadTask {
    /// Starts loading `path` in the background.
    pub fn start(&mut self, path: &Path, state: &mut ViewerState) {
        let p = path.to_owned();
        let progress = Arc::new(LoadProgress::default());
        let shared = Arc::clone(&progress);
        let task = AsyncComputeTaskPool::get()
            .spawn(async move { Scene::open_with_progress(&p, &[], &shared) });
        state.loading = Some(path.to_owned());
        state.load_progress = Some(progress);
        self.0 = Some((path.to_owned(), task));
    }
}
