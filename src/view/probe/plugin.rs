//! `ProbePlugin`: a Neuropixels probe in the 3D view (the "probe" mesh layer, sites glowing
//! with what their channels hear), and its recording beside it: events by channel and time,
//! activity by depth, scrolling with playback. Linked both ways: clicking a channel
//! highlights the neurons it hears; picking a neuron highlights its channels.
use std::sync::Arc;

use bevy::prelude::*;

use crate::probe::ProbeKind;

use super::lagged_texture::LaggedTexture;
use super::probe_view::ProbeView;
use crate::view::ViewerState;
use crate::view::playback::Playback;
use crate::view::render::meshes::{MeshLayer, MeshLayers, Topology};

/// Name of the probe's mesh layer.
pub const PROBE_LAYER: &str = "probe";

/// Time a site glows after its channel hears a spike (ms).
pub const GLOW_MS: f64 = 20.0;

/// The probe and its view settings (main world).
#[derive(Resource)]
pub struct ProbeSession {
    pub enabled: bool,
    pub kind: ProbeKind,
    pub view: Option<ProbeView>,
    /// The channel clicked in the recording view.
    pub selected_channel: Option<usize>,
    /// Time shown by the recording view, ms.
    pub window_ms: f64,
    /// Recompute the neighbourhood and mesh (placement edited).
    pub dirty: bool,
    pub message: Option<String>,
    /// Address of the scene the view was made for (identifies it; never dereferenced).
    scene: Option<usize>,
    pub(super) textures: [LaggedTexture; 2],
    /// Bumped when the placement or the scene changes.
    generation: u64,
    /// What the probe layer shows: (time, picked, selected channel, generation).
    mesh_key: Option<(u64, Option<usize>, Option<usize>, u64)>,
}

impl Default for ProbeSession {
    fn default() -> Self {
        Self {
            // on for the live demo (see `ui::run_window_with`), off elsewhere until asked for
            enabled: false,
            kind: ProbeKind::Np1,
            view: None,
            selected_channel: None,
            window_ms: 500.0,
            dirty: false,
            message: None,
            scene: None,
            textures: Default::default(),
            generation: 0,
            mesh_key: None,
        }
    }
}

impl ProbeSession {
    /// A session whose probe is shown (or not) from the start.
    pub fn shown(enabled: bool) -> Self {
        Self {
            enabled,
            ..Self::default()
        }
    }
}

/// Places the probe, keeps its mesh current and links it to the scene.
pub struct ProbePlugin;

impl Plugin for ProbePlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<ProbeSession>().add_systems(
            Update,
            (
                drag_probe,
                update_probe.after(crate::view::scene::poll_load),
            )
                .chain(),
        );
    }
}

fn update_probe(
    mut session: ResMut<ProbeSession>,
    mut state: ResMut<ViewerState>,
    playback: Res<Playback>,
    mut layers: ResMut<MeshLayers>,
) {
    let Some(scene) = state.scene.clone() else {
        return;
    };
    if !session.enabled {
        if layers.get(PROBE_LAYER).is_some() {
            layers.remove(PROBE_LAYER);
        }
        share_sites(None, &mut state);
        return;
    }
    let ptr = Arc::as_ptr(&scene) as usize;
    if session.scene != Some(ptr) || session.view.is_none() {
        let same_kind = session
            .view
            .as_ref()
            .is_some_and(|v| v.geometry.kind == session.kind);
        // a new scene (or first start): the default placement; a live run's appended spikes
        // keep the scene (the pointer changes only when another circuit is loaded)
        if session.view.is_none() || !same_kind || session.scene.is_none() {
            session.view = Some(ProbeView::default_for(&scene, session.kind));
        } else if let Some(v) = session.view.as_mut() {
            v.update(&scene);
        }
        session.scene = Some(ptr);
        session.generation += 1;
        session.selected_channel = None;
        state.probe_units.clear();
    }
    if session.dirty {
        session.dirty = false;
        session.generation += 1;
        if let Some(v) = session.view.as_mut() {
            v.update(&scene);
        }
        if let Some(c) = session.selected_channel
            && let Some(v) = &session.view
        {
            state.probe_units = v.units_of_channel(c);
            state.restyle = true;
        }
    }
    let Some(view) = &session.view else {
        return;
    };
    share_sites(Some(view), &mut state);
    // the mesh changes with the time (glow), the marked channels and the placement: paused
    // and unchanged, nothing is rebuilt or uploaded
    let t = playback.time_ms;
    let key = (
        t.to_bits(),
        state.picked,
        session.selected_channel,
        session.generation,
    );
    if session.mesh_key == Some(key) && layers.get(PROBE_LAYER).is_some() {
        return;
    }
    session.mesh_key = Some(key);
    let Some(view) = &session.view else {
        return;
    };
    // sites glow with the spikes their channels heard in the last GLOW_MS
    let glow = view.glow(&scene, t, GLOW_MS);
    let highlighted: Vec<u16> = match state.picked {
        Some(i) => view.channels_of_unit(i),
        None => session
            .selected_channel
            .map(|c| vec![c as u16])
            .unwrap_or_default(),
    };
    layers.set(
        PROBE_LAYER,
        MeshLayer::new(Topology::Triangles, vec![view.mesh(&glow, &highlighted)]),
    );
}

/// Keeps the viewer's probe sites (what `within R of probe` reads) equal to the shown probe's,
/// restyling when they change and a selection reads them.
fn share_sites(view: Option<&ProbeView>, state: &mut ResMut<ViewerState>) {
    let sites = view.map(|v| v.placement().channel_positions(&v.geometry));
    if state.probe_sites.as_deref() == sites.as_ref() {
        return;
    }
    state.probe_sites = sites.map(Arc::new);
    if state
        .representations
        .iter()
        .any(|r| r.selection.contains("probe"))
    {
        state.restyle = true;
    }
}

/// Ctrl+drag in the 3D view moves the probe: sideways moves its entry point along the screen's
/// horizontal (in the circuit's x/z plane), up and down changes its depth.
fn drag_probe(
    buttons: Option<Res<ButtonInput<MouseButton>>>,
    keys: Option<Res<ButtonInput<KeyCode>>>,
    motion: Option<Res<bevy::input::mouse::AccumulatedMouseMotion>>,
    blocked: Res<crate::view::camera::CameraInputBlocked>,
    cameras: Query<&crate::view::camera::OrbitCamera>,
    mut session: ResMut<ProbeSession>,
) {
    let (Some(buttons), Some(keys), Some(motion)) = (buttons, keys, motion) else {
        return;
    };
    let ctrl = keys.any_pressed([KeyCode::ControlLeft, KeyCode::ControlRight]);
    let d = motion.delta;
    if blocked.0 || !ctrl || !buttons.pressed(MouseButton::Left) || d == Vec2::ZERO {
        return;
    }
    let Some(cam) = cameras.iter().next() else {
        return;
    };
    // µm per pixel at the camera's target, for a window about 720 px high
    let scale = (cam.distance * (0.5 * cam.fov).tan() * 2.0 / 720.0) as f64;
    let right = cam.transform().right();
    let flat = Vec2::new(right.x, right.z).normalize_or_zero();
    let Some(view) = session.view.as_mut() else {
        return;
    };
    view.entry[0] += (flat.x * d.x) as f64 * scale;
    view.entry[2] += (flat.y * d.x) as f64 * scale;
    view.depth_um = (view.depth_um + d.y as f64 * scale).clamp(0.0, 10_000.0);
    session.dirty = true;
}
