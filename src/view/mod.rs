//! The Bevy viewer: one folder per feature, each with its model (plain data, no systems), its
//! plugin and its panel (`*_ui`).
//!
//! | plugin | what |
//! |---|---|
//! | [`ScenePlugin`] | the loaded [`scene::Scene`], its representations, background loading |
//! | [`render::neurons::NeuronsPlugin`] | all somata in one impostor-sphere draw (one triangle per neuron), an `Opaque3d` phase item |
//! | [`render::meshes::MeshBatchesPlugin`] | named layers of instanced meshes (morphologies, edges, probe) |
//! | [`render::looks_passes::LooksPassesPlugin`] | see-through materials, glow, depth shading, fog, outlines, FXAA |
//! | [`looks::LooksPlugin`] | the viewer's `looks` resolved for the adapter, cameras set to match |
//! | [`morphologies::MorphologiesPlugin`] | `morphology`/`morphology_line` styles: cells as tubes or lines, level of detail |
//! | [`playback::PlaybackPlugin`] | model time and the per-neuron last-spike buffer |
//! | [`camera::CameraPlugin`] | orbit, pan, zoom, fit, presets |
//! | [`reports::plugin::ReportsPlugin`] | frame reports colouring somata at the playback time, traces |
//! | [`reports::compartment_paint::CompartmentPaintPlugin`] | compartment reports along the morphologies |
//! | [`connectivity::plugin::ConnectivityPlugin`] | the picked neuron's synaptic partners, highlighted, and its synapses on the morphology |
//! | [`cuts::CutsPlugin`] | slab and clip planes: outlines, the slab dragged in 3D |
//! | [`probe::ProbePlugin`] | a Neuropixels probe in the scene, its recording (window only) |
//! | [`live::LivePlugin`] | the demo simulated live (window only) |
//! | [`ui::UiPlugin`] | egui panels (window only) |
//! | [`session::SessionPlugin`] | sessions and decks opened and saved, the Story panel, presenter mode (window only) |
//! | [`capture`] | the headless viewer and `cortexview render` |
//!
//! [`colors`] imports nothing of the viewer and [`legend`] only colours: every feature may use
//! them.

pub mod camera;
pub mod capture;
pub mod colormap_tables;
pub mod colors;
pub mod connectivity;
pub mod cuts;
pub mod legend;
pub mod live;
pub mod looks;
pub mod morphologies;
pub mod playback;
pub mod plots;
pub mod probe;
pub mod render;
pub mod reports;
pub mod scene;
pub mod session;
pub mod ui;

use bevy::prelude::*;

pub use scene::{LoadTask, ScenePlugin, ViewerState};

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
            reports::plugin::ReportsPlugin,
            reports::compartment_paint::CompartmentPaintPlugin,
            connectivity::plugin::ConnectivityPlugin,
            cuts::CutsPlugin,
            render::looks_passes::LooksPassesPlugin,
            looks::LooksPlugin,
        ));
    }
}

/// Background colour of the 3D view.
pub const BACKGROUND: Color = Color::srgb(0.02, 0.02, 0.035);
