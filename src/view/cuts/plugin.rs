//! `CutsPlugin`: the slab and clip planes of [`ViewerState`] (applied by the styling, see
//! [`crate::view::scene::Styled::apply_cuts`]) drawn as thin outlines (the "cuts" mesh layer),
//! and Shift+drag in the 3D view moving the slab along its normal.

use std::sync::Arc;

use bevy::input::InputSystems;
use bevy::input::mouse::AccumulatedMouseMotion;
use bevy::prelude::*;

use super::model::{Cuts, outline};
use crate::session::{ClipPlane, Slab};
use crate::view::ViewerState;
use crate::view::camera::{CameraInputBlocked, OrbitCamera};
use crate::view::render::meshes::{MeshLayer, MeshLayers, Topology};
use crate::view::scene::position_box;

/// Name of the outlines' mesh layer.
pub const CUTS_LAYER: &str = "cuts";

/// How the cuts are shown (main world).
#[derive(Resource, Clone, Debug, PartialEq)]
pub struct CutsSettings {
    /// Draw the planes' outlines.
    pub outline: bool,
}

impl Default for CutsSettings {
    fn default() -> Self {
        Self { outline: true }
    }
}

/// What the outline layer shows and the warnings already given.
#[derive(Resource, Default)]
struct CutsShown {
    key: Option<(usize, Option<Slab>, Vec<ClipPlane>, bool)>,
    /// Scene (by address) and its box of positions.
    bounds: Option<(usize, [f32; 3], [f32; 3])>,
}

/// The cuts' outlines and the slab's 3D drag.
pub struct CutsPlugin;

impl Plugin for CutsPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<CutsSettings>()
            .init_resource::<CutsShown>()
            .add_systems(PreUpdate, drag_slab.after(InputSystems))
            .add_systems(
                Update,
                update_outline.after(crate::view::scene::restyle_scene),
            );
    }
}

fn update_outline(
    state: Res<ViewerState>,
    settings: Res<CutsSettings>,
    mut shown: ResMut<CutsShown>,
    mut layers: ResMut<MeshLayers>,
) {
    let Some(scene) = state.scene.as_ref() else {
        return;
    };
    let ptr = Arc::as_ptr(scene) as usize;
    let key = (ptr, state.slab, state.clip.clone(), settings.outline);
    if shown.key.as_ref() == Some(&key) {
        return;
    }
    for problem in Cuts::new(state.slab.as_ref(), &state.clip).problems() {
        warn!("cuts: {problem}");
    }
    shown.key = Some(key);
    let bounds = match shown.bounds {
        Some((p, lo, hi)) if p == ptr => (lo, hi),
        _ => {
            let (lo, hi) = position_box(&scene.positions);
            shown.bounds = Some((ptr, lo, hi));
            (lo, hi)
        }
    };
    let mesh = settings
        .outline
        .then(|| outline(state.slab.as_ref(), &state.clip, bounds))
        .flatten();
    match mesh {
        Some(mesh) => layers.set(CUTS_LAYER, MeshLayer::new(Topology::Lines, vec![mesh])),
        None => layers.remove(CUTS_LAYER),
    }
}

/// Shift+drag in the 3D view moves the slab's centre along its normal, following the mouse
/// along the normal's direction on screen (up and down when the normal faces the camera).
/// The camera does not orbit meanwhile.
fn drag_slab(
    buttons: Option<Res<ButtonInput<MouseButton>>>,
    keys: Option<Res<ButtonInput<KeyCode>>>,
    motion: Option<Res<AccumulatedMouseMotion>>,
    mut blocked: ResMut<CameraInputBlocked>,
    cameras: Query<&OrbitCamera>,
    mut state: ResMut<ViewerState>,
) {
    let (Some(buttons), Some(keys), Some(motion)) = (buttons, keys, motion) else {
        return;
    };
    let shift = keys.any_pressed([KeyCode::ShiftLeft, KeyCode::ShiftRight]);
    if blocked.0 || !shift || !buttons.pressed(MouseButton::Left) || state.slab.is_none() {
        return;
    }
    blocked.0 = true;
    let d = motion.delta;
    let (Some(cam), Some(slab)) = (cameras.iter().next(), state.slab) else {
        return;
    };
    if d == Vec2::ZERO {
        return;
    }
    let Some(n) = super::model::unit(slab.normal) else {
        return;
    };
    let n = Vec3::from(n);
    let t = cam.transform();
    // The normal's direction on screen (pixels grow downwards).
    let on_screen = Vec2::new(n.dot(*t.right()), -n.dot(*t.up()));
    let along = if on_screen.length() > 0.2 {
        d.dot(on_screen.normalize())
    } else {
        -d.y
    };
    // µm per pixel at the camera's target, for a window about 720 px high.
    let um_per_px = cam.distance * (0.5 * cam.fov).tan() * 2.0 / 720.0;
    let center = Vec3::from(slab.center) + n * along * um_per_px;
    if let Some(s) = state.slab.as_mut() {
        s.center = center.to_array();
    }
}
