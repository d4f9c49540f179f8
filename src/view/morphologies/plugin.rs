//! `MorphologiesPlugin`: neurons drawn as their cells, representations with the `morphology`
//! (tubes) or `morphology_line` style, as [`crate::view::render::meshes`] layers.
//!
//! One mesh per unique morphology file (built once and cached across restyles), instanced per
//! cell by BMTK's placement (`morphology::placement::world_from_local`), in the colour of the
//! cell's representation. The soma stays the neuron's impostor sphere, at the soma's own
//! radius, so that it still flashes with spikes and can be picked. Files are read and meshes
//! built off the main thread when the representations change, never per frame; until they
//! are ready the cells are spheres. A cell with no `morphology` value, or whose file is
//! missing or broken, stays a sphere (one warning per file).
//!
//! Sections are thinned first (`morphology::simplify`, 0.5 µm for tubes, 1 µm for lines).
//! Layers: `morphologies` (tubes, triangles), `morphology_skeletons` (the tube cells' centre
//! lines: under the tubes they keep branches thinner than a pixel visible, alone when zoomed
//! out) and `morphology_lines` (cells drawn as lines, by style or by the level of detail).
//!
//! Level of detail ([`Lod::Auto`], the default):
//! - tubes while the tube cells' triangles stay within [`MorphologySettings::tube_triangles`],
//!   else those cells are drawn as lines;
//! - lines while all line segments stay within [`MorphologySettings::line_segments`], else
//!   every cell is a sphere (somata only, at the representation's size);
//! - over budget, detail follows the view: the cells nearest the camera target keep tubes,
//!   then lines, while the budgets last (shells: once a cell misses a level, farther ones
//!   do too), the rest are somata; moving the target by [`FOCUS_GRID_UM`] rebuilds (off the
//!   main thread; orbiting and zooming do not);
//! - tubes are hidden (lines remain) while one pixel spans more than
//!   [`MorphologySettings::far_um_per_px`] µm at the camera target (zoomed out).
//!
//! Budgets are smaller on software rasterisers (lavapipe: 1.5 M triangles, 1.5 M segments,
//! about 5 frames per second there) than on GPUs (60 M, 150 M). [`Lod::Tubes`],
//! [`Lod::Lines`] and [`Lod::Somata`] force one level (benchmarks, figures).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use bevy::prelude::*;
use bevy::tasks::{AsyncComputeTaskPool, Task, block_on, futures_lite::future};

use super::build::{
    Built, Lod, MeshCache, MorphologySettings, MorphologySummary, build_layers, union_sphere,
};
use super::paint::{COMPARTMENT_LINES_LAYER, COMPARTMENT_TUBES_LAYER, CompartmentCell};
use crate::view::ViewerState;
use crate::view::camera::OrbitCamera;
use crate::view::render::meshes::MeshLayers;
use crate::view::render::neurons::NeuronData;
use crate::view::scene::MorphologyCell;

/// Layer of the tubes.
pub const TUBES_LAYER: &str = "morphologies";
/// Layer of the tube cells' centre lines: under the tubes they keep branches thinner than a
/// pixel visible; alone when zoomed out.
pub const SKELETON_LAYER: &str = "morphology_skeletons";
/// Layer of the cells drawn as lines (their style, or the level of detail).
pub const LINES_LAYER: &str = "morphology_lines";

/// What a build is for: the same request reuses the last build.
#[derive(Clone, PartialEq)]
struct Request {
    scene: usize,
    cells: Vec<MorphologyCell>,
    settings: MorphologySettings,
    /// The view centre on a grid of [`FOCUS_GRID_UM`], when detail follows it.
    focus: Option<[i32; 3]>,
}

/// Detail around the view centre is rebuilt when the centre moves to another cell of a grid
/// this coarse (µm).
pub const FOCUS_GRID_UM: f32 = 100.0;

/// The build in flight and the last result (main world).
#[derive(Resource, Default)]
pub struct MorphologyBuild {
    seen_generation: u64,
    request: Option<Request>,
    task: Option<Task<Built>>,
    /// Soma radii of the last build, applied over every restyle.
    somata: Vec<(u32, f32)>,
    cache: Arc<Mutex<MeshCache>>,
    warned: HashSet<String>,
    /// The scene whose cameras were last fitted to its morphologies.
    fitted_scene: usize,
    /// What the last finished build drew.
    pub summary: MorphologySummary,
    /// Cells coloured by compartment in the last build, for the report plugin to paint.
    pub compartments: Vec<CompartmentCell>,
    /// Bumped whenever a build is taken on screen (its compartment meshes are fresh and grey).
    pub generation: u64,
}

impl MorphologyBuild {
    /// Whether meshes are being built.
    pub fn is_running(&self) -> bool {
        self.task.is_some()
    }
}

/// Morphology styles: builds layers when representations change, hides tubes when far.
pub struct MorphologiesPlugin;

impl Plugin for MorphologiesPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<MorphologySettings>()
            .init_resource::<MorphologyBuild>()
            .add_systems(
                Update,
                (update_morphologies, hide_tubes_when_far)
                    .chain()
                    .after(crate::view::scene::restyle_scene),
            );
    }

    fn finish(&self, app: &mut App) {
        let software = app
            .get_sub_app(bevy::render::RenderApp)
            .is_some_and(|r| crate::view::render::neurons::is_software_adapter(r.world()));
        if software {
            app.insert_resource(MorphologySettings::software());
        }
    }
}

fn update_morphologies(
    state: Res<ViewerState>,
    settings: Res<MorphologySettings>,
    mut build: ResMut<MorphologyBuild>,
    mut layers: ResMut<MeshLayers>,
    mut data: ResMut<NeuronData>,
    mut cameras: Query<(&mut OrbitCamera, &Camera)>,
) {
    let build = &mut *build;
    let mut patch = false;
    if let Some(task) = build.task.as_mut()
        && let Some(built) = block_on(future::poll_once(task))
    {
        build.task = None;
        for failure in &built.summary.failures {
            if build.warned.insert(failure.clone()) {
                warn!("morphology: {failure} (those cells stay spheres)");
            }
        }
        if let Some(d) = &built.summary.degraded {
            info!("morphologies: {d}");
        }
        match built.tubes {
            Some(layer) => layers.set(TUBES_LAYER, layer),
            None => layers.remove(TUBES_LAYER),
        }
        match built.far {
            Some(layer) => layers.set(SKELETON_LAYER, layer),
            None => layers.remove(SKELETON_LAYER),
        }
        match built.lines {
            Some(layer) => layers.set(LINES_LAYER, layer),
            None => layers.remove(LINES_LAYER),
        }
        match built.compartment_tubes {
            Some(layer) => layers.set(COMPARTMENT_TUBES_LAYER, layer),
            None => layers.remove(COMPARTMENT_TUBES_LAYER),
        }
        match built.compartment_lines {
            Some(layer) => layers.set(COMPARTMENT_LINES_LAYER, layer),
            None => layers.remove(COMPARTMENT_LINES_LAYER),
        }
        build.compartments = built.compartments;
        build.generation += 1;
        build.somata = built.somata;
        build.summary = built.summary;
        patch = true;
        // A newly opened circuit: fit the view to its cells, dendrites included.
        let scene_id = build.request.as_ref().map_or(0, |r| r.scene);
        if build.fitted_scene != scene_id
            && let (Some(bounds), Some(scene)) = (build.summary.bounds, &state.scene)
        {
            build.fitted_scene = scene_id;
            let bounds = union_sphere(scene.bounds(&state.styled.instances), bounds);
            for (mut cam, camera) in &mut cameras {
                let aspect = camera
                    .logical_viewport_size()
                    .map(|s| s.x / s.y.max(1.0))
                    .unwrap_or(16.0 / 9.0);
                cam.fit(Vec3::from(bounds.0), bounds.1, aspect);
            }
        }
    }
    let restyled = state.styled_generation != build.seen_generation;
    // Over budget: detail follows the view centre (on a coarse grid, so panning rebuilds now
    // and then, orbiting and zooming never).
    let focus = (settings.lod == Lod::Auto && build.summary.over_budget)
        .then(|| cameras.iter().next().map(|(orbit, _)| orbit.target))
        .flatten()
        .map(|t| (t / FOCUS_GRID_UM).round().as_ivec3().to_array());
    let refocus = build.request.as_ref().is_some_and(|r| r.focus != focus);
    if restyled || settings.is_changed() || refocus {
        build.seen_generation = state.styled_generation;
        let request = state.scene.as_ref().map(|scene| Request {
            scene: Arc::as_ptr(scene) as usize,
            cells: state.styled.morphology.clone(),
            settings: settings.clone(),
            focus,
        });
        match (request, &state.scene) {
            (Some(request), Some(scene)) if !request.cells.is_empty() => {
                if build.request.as_ref() == Some(&request) {
                    // Same cells (a pick, a raster selection): the fresh instances need the
                    // soma radii again.
                    patch |= restyled && build.task.is_none();
                } else {
                    let scene = scene.clone();
                    let cache = build.cache.clone();
                    let (cells, settings) = (request.cells.clone(), request.settings.clone());
                    let focus = focus.map(|f| IVec3::from_array(f).as_vec3() * FOCUS_GRID_UM);
                    build.task = Some(AsyncComputeTaskPool::get().spawn(async move {
                        let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
                        build_layers(&scene, &cells, &settings, focus, &mut cache)
                    }));
                    build.request = Some(request);
                }
            }
            _ => {
                build.task = None;
                build.request = None;
                build.somata.clear();
                build.summary = MorphologySummary::default();
                build.compartments.clear();
                build.generation += 1;
                for name in [
                    TUBES_LAYER,
                    SKELETON_LAYER,
                    LINES_LAYER,
                    COMPARTMENT_TUBES_LAYER,
                    COMPARTMENT_LINES_LAYER,
                ] {
                    layers.remove(name);
                }
            }
        }
    }
    if patch && !build.somata.is_empty() {
        let mut instances = data.instances.as_ref().clone();
        for &(i, radius) in &build.somata {
            if state.picked == Some(i as usize) {
                continue;
            }
            if let Some(inst) = instances.get_mut(i as usize)
                && inst.radius > 0.0
            {
                inst.radius = radius.max(0.5);
            }
        }
        data.set_instances(instances);
    }
}

fn hide_tubes_when_far(
    settings: Res<MorphologySettings>,
    cameras: Query<(&OrbitCamera, &Camera)>,
    mut layers: ResMut<MeshLayers>,
) {
    if layers.get(TUBES_LAYER).is_none() {
        return;
    }
    let near = match settings.lod {
        Lod::Auto => cameras.iter().next().is_none_or(|(orbit, camera)| {
            let height = camera
                .physical_viewport_size()
                .map_or(720.0, |s| s.y.max(1) as f32);
            let um_per_px = 2.0 * orbit.distance * (0.5 * orbit.fov).tan() / height;
            um_per_px <= settings.far_um_per_px
        }),
        _ => true,
    };
    layers.set_visible(TUBES_LAYER, near);
}
