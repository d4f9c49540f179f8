//! `ScenePlugin`: the [`ViewerState`] resource (the scene on screen and how it is drawn),
//! background loading, and re-applying representations when they change.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bevy::prelude::*;
use bevy::tasks::{AsyncComputeTaskPool, Task, block_on, futures_lite::future};

use super::{NeuronInstance, Rates, Representation, Scene, Styled, overlays};
use crate::sonata::LoadProgress;
use crate::view::camera::OrbitCamera;
use crate::view::connectivity::partner_view;
use crate::view::neurons::NeuronData;
use crate::view::playback::Playback;

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
    pub partners: Option<Arc<partner_view::PartnerView>>,
    /// Set to re-apply the overlays (report colours, partners, picked) without re-styling.
    pub redraw: bool,
    /// A live simulation feeds the scene (the raster scrolls with it).
    pub live: bool,
    /// Instances the probe's selected channel hears: highlighted in 3D.
    pub probe_units: Vec<u32>,
}

impl ViewerState {
    /// Puts a loaded scene on screen with default representations.
    pub fn set_scene(&mut self, scene: Scene, playback: &mut Playback) {
        let range = scene
            .tstop()
            .map(|t| (0.0, t))
            .or_else(|| scene.time_range().map(|(a, b)| (a.min(0.0), b)))
            .unwrap_or((0.0, 1000.0));
        playback.range = range;
        playback.seek(playback.time_ms);
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

/// Holds the scene, applies representations, loads in the background.
pub struct ScenePlugin;

impl Plugin for ScenePlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<ViewerState>()
            .init_resource::<LoadTask>()
            .add_systems(Update, (poll_load, restyle_scene).chain());
    }
}

/// Takes a finished background load onto the screen (live runs start after it).
pub fn poll_load(
    mut task: ResMut<LoadTask>,
    mut state: ResMut<ViewerState>,
    mut playback: ResMut<Playback>,
) {
    let Some((path, t)) = task.0.as_mut() else {
        return;
    };
    let Some(result) = block_on(future::poll_once(t)) else {
        return;
    };
    let path = path.clone();
    task.0 = None;
    state.loading = None;
    state.load_progress = None;
    match result {
        Ok(scene) => {
            info!("loaded {} ({} neurons)", path.display(), scene.len());
            state.opened = Some(path);
            state.set_scene(scene, &mut playback);
        }
        Err(e) => {
            let msg = format!("{e:#}");
            error!("{msg}");
            state.error = Some(msg);
        }
    }
}

pub fn restyle_scene(
    mut state: ResMut<ViewerState>,
    playback: Res<Playback>,
    mut data: ResMut<NeuronData>,
    mut cameras: Query<(&mut OrbitCamera, &Camera)>,
) {
    if !state.restyle {
        if std::mem::take(&mut state.redraw)
            && let Some(scene) = state.scene.clone()
        {
            data.set_instances(overlaid(&state, &state.styled.instances, &scene));
        }
        return;
    }
    state.restyle = false;
    state.redraw = false;
    let Some(scene) = state.scene.clone() else {
        return;
    };
    let styled = scene.style(&state.representations, state.show_virtual);
    data.set_instances(overlaid(&state, &styled.instances, &scene));
    if state.fit_pending {
        state.fit_pending = false;
        let (center, radius) = scene.bounds(&styled.instances);
        for (mut cam, camera) in &mut cameras {
            let aspect = camera
                .logical_viewport_size()
                .map(|s| s.x / s.y.max(1.0))
                .unwrap_or(16.0 / 9.0);
            cam.fit(Vec3::from(center), radius, aspect);
        }
    }
    // A live run: the last seconds only (the raster's window; a full-range pass would grow
    // with every second simulated).
    let rate_range = if state.live {
        let t = playback.range.1;
        ((t - 5000.0).max(0.0), t.max(1.0))
    } else {
        playback.range
    };
    state.rates = scene.rates(&styled.instances, rate_range, 400);
    state.styled = styled;
    state.styled_generation += 1;
}

/// The styled instances with report colours, raster rows, partners and the picked neuron.
fn overlaid(
    state: &ViewerState,
    styled: &[NeuronInstance],
    scene: &Scene,
) -> Vec<NeuronInstance> {
    overlays::compose(
        styled,
        &overlays::Overlays {
            value_colors: &state.value_colors,
            raster_rows: state.raster_rows.clone(),
            partners: state
                .partners
                .as_deref()
                // Dimming everything for partners that are not drawn would hide the view.
                .filter(|p| !p.pre.is_empty() || !p.post.is_empty())
                .map(|p| (p.pre.as_slice(), p.post.as_slice())),
            probe_units: &state.probe_units,
            picked: state.picked,
            base_radius: scene.base_radius,
        },
    )
}
