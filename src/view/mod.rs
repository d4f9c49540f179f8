//! The Bevy viewer: one plugin per feature.
//!
//! | plugin | what |
//! |---|---|
//! | [`ScenePlugin`] | the loaded [`scene::Scene`], its representations, background loading |
//! | [`render::neurons::NeuronsPlugin`] | all somata in one instanced impostor-sphere draw |
//! | [`render::meshes::MeshBatchesPlugin`] | named layers of instanced meshes (morphologies, edges, probe) |
//! | [`morphologies::MorphologiesPlugin`] | `morphology`/`morphology_line` styles: cells as tubes or lines, level of detail |
//! | [`playback::PlaybackPlugin`] | model time and the per-neuron last-spike buffer |
//! | [`camera::CameraPlugin`] | orbit, pan, zoom, fit, presets |
//! | [`report_playback::ReportPlugin`] | frame reports colouring somata at the playback time, traces |
//! | [`partners::ConnectivityPlugin`] | the picked neuron's synaptic partners, highlighted, and its synapses on the morphology |
//! | [`ui::UiPlugin`] | egui panels (window only) |
//! | [`capture`] | screenshots and headless `render` |

pub mod camera;
pub mod capture;
pub mod connectivity_view;
pub mod font;
pub mod live;
pub mod live_feed;
pub mod morphologies;
pub mod overlays;
pub mod partners;
pub mod playback;
pub mod probe;
pub mod probe_view;
pub mod render;
pub mod report_colors;
pub mod report_playback;
pub mod scene;
pub mod synapse_positions;
pub mod ui;
pub mod ui_connectivity;
pub mod ui_reports;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bevy::prelude::*;
use bevy::tasks::{AsyncComputeTaskPool, Task, block_on, futures_lite::future};

use crate::sonata::LoadProgress;
use camera::OrbitCamera;
use playback::Playback;
use render::neurons::NeuronData;
use scene::{Representation, Scene, Styled};

/// What is on screen and how it is drawn (main world).
#[derive(Resource, Default)]
pub struct ViewerState {
    pub scene: Option<Arc<Scene>>,
    pub representations: Vec<Representation>,
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
    /// The path being loaded (the UI shows a progress bar while one runs).
    pub loading: Option<PathBuf>,
    /// How far the load has come (files read out of those announced).
    pub load_progress: Option<Arc<LoadProgress>>,
    /// Population rates of the drawn neurons (for the rate plot).
    pub rates: scene::Rates,
    /// Bumped at every restyle (caches of what is drawn compare it).
    pub styled_generation: u64,
    /// Instances selected as raster rows (shift-drag in the raster): highlighted in 3D, the
    /// rest dimmed.
    pub raster_rows: Option<std::ops::Range<usize>>,
    /// Report colours of instances at the playback time (the report plugin sets them).
    pub value_colors: Vec<(u32, [f32; 3])>,
    /// The picked neuron's synaptic partners, highlighted (the connectivity plugin sets them).
    pub partners: Option<Arc<connectivity_view::PartnerView>>,
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
            ui::remember_recent(&path);
            state.set_scene(scene, &mut playback);
        }
        Err(e) => {
            let msg = format!("{e:#}");
            error!("{msg}");
            state.error = Some(msg);
        }
    }
}

pub(crate) fn restyle_scene(
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
    styled: &[scene::NeuronInstance],
    scene: &Scene,
) -> Vec<scene::NeuronInstance> {
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

/// The plugins every viewer app has (window or headless).
pub struct ViewerCorePlugins;

impl Plugin for ViewerCorePlugins {
    fn build(&self, app: &mut App) {
        app.add_plugins((
            ScenePlugin,
            render::neurons::NeuronsPlugin,
            render::meshes::MeshBatchesPlugin,
            morphologies::MorphologiesPlugin,
            playback::PlaybackPlugin,
            camera::CameraPlugin,
            report_playback::ReportPlugin,
            partners::ConnectivityPlugin,
        ));
    }
}

/// Background colour of the 3D view.
pub const BACKGROUND: Color = Color::srgb(0.02, 0.02, 0.035);
