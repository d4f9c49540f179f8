//! `LooksPlugin`: the viewer's `looks` resolved for the adapter and handed to the render
//! passes ([`DrawnLooks`]); the 3D cameras' clear colour, multisampling and depth texture set
//! to match.

use bevy::camera::Camera3dDepthTextureUsage;
use bevy::prelude::*;
use bevy::render::render_resource::TextureUsages;
use bevy::render::renderer::RenderAdapterInfo;

use super::model::{Antialias, ResolvedLooks};
use crate::view::ViewerState;
use crate::view::render::looks_settings::DrawnLooks;
use crate::view::render::neurons::NeuronParams;

/// The looks as resolved for this adapter (main world), for the panel and the log.
#[derive(Resource, Debug, Default)]
pub struct LooksState {
    /// A window shows the view (it must keep its frame rate; rendered frames need not).
    pub interactive: bool,
    /// Draw on a software rasteriser even what cannot keep 2 frames per second there.
    pub allow_slow: bool,
    /// Whether the adapter is a software rasteriser (known once the renderer started).
    pub software: bool,
    pub resolved: Option<ResolvedLooks>,
    /// The notes already logged (each is logged once).
    logged: Vec<String>,
}

/// Applies the viewer's looks to the render passes and the 3D cameras.
pub struct LooksPlugin;

impl Plugin for LooksPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<LooksState>()
            .add_systems(PostUpdate, (sampled_depth, apply_looks).chain());
    }
}

/// The depth effects read the depth buffer: every 3D camera's depth texture is sampled.
fn sampled_depth(mut cameras: Query<&mut Camera3d, Added<Camera3d>>) {
    for mut camera in &mut cameras {
        let usage = TextureUsages::from(camera.depth_texture_usages);
        camera.depth_texture_usages =
            Camera3dDepthTextureUsage::from(usage | TextureUsages::TEXTURE_BINDING);
    }
}

/// A bounding sphere: centre and radius, µm.
type Bounds = ([f32; 3], f32);

/// sRGB to linear, per channel.
fn linear(c: [f32; 3]) -> [f32; 3] {
    let l = |c: f32| {
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    [l(c[0]), l(c[1]), l(c[2])]
}

#[allow(clippy::too_many_arguments)]
fn apply_looks(
    state: Res<ViewerState>,
    mut looks_state: ResMut<LooksState>,
    mut drawn: ResMut<DrawnLooks>,
    mut params: ResMut<NeuronParams>,
    adapter: Option<Res<RenderAdapterInfo>>,
    mut cameras: Query<(&mut Camera, &mut Msaa), With<Camera3d>>,
    added: Query<(), Added<Camera3d>>,
    mut styled_of: Local<Option<(u64, Bounds, bool)>>,
) {
    let software = adapter
        .as_ref()
        .is_some_and(|a| a.device_type == wgpu_types::DeviceType::Cpu);
    let changed = state.is_changed()
        || looks_state.is_changed()
        || !added.is_empty()
        || adapter.as_ref().is_some_and(|a| a.is_added());
    if !changed {
        return;
    }
    let resolved = ResolvedLooks::resolve(
        &state.looks,
        software,
        looks_state.interactive,
        looks_state.allow_slow,
    );
    // The bounds of what is drawn and whether any of it is see-through, once per styling.
    let (bounds, see_through) = match (*styled_of, &state.scene) {
        (Some((generation, b, s)), _) if generation == state.styled_generation => (b, s),
        (_, Some(scene)) => {
            let b = scene.bounds(&state.styled.instances);
            let s = state.styled.instances.iter().any(|i| i.look.see_through());
            *styled_of = Some((state.styled_generation, b, s));
            (b, s)
        }
        (_, None) => (drawn.bounds, false),
    };
    // Exact sphere depth unless asked otherwise on GPUs; the nearest point's on software.
    let exact_depth = state.looks.exact_depth.unwrap_or(!software);
    if params.exact_depth != exact_depth {
        params.exact_depth = exact_depth;
    }
    let effects = resolved.reads_depth() || resolved.glow > 0.0 || see_through;
    let msaa = if resolved.antialias == Antialias::Msaa && !effects {
        Msaa::Sample4
    } else {
        Msaa::Off
    };
    let fxaa = matches!(resolved.antialias, Antialias::Fxaa | Antialias::Ssaa2)
        || (resolved.antialias == Antialias::Msaa && effects);
    let next = DrawnLooks {
        background: linear(resolved.background),
        background_top: resolved.background_top.map(linear),
        depth_shading: resolved.depth_shading,
        fog: resolved.fog,
        outline: resolved.outline,
        glow: resolved.glow,
        fxaa,
        bounds,
    };
    if *drawn != next {
        *drawn = next;
    }
    let clear = Color::srgb(
        resolved.background[0],
        resolved.background[1],
        resolved.background[2],
    );
    for (mut camera, mut camera_msaa) in &mut cameras {
        if !matches!(camera.clear_color, ClearColorConfig::Custom(c) if c == clear) {
            camera.clear_color = ClearColorConfig::Custom(clear);
        }
        if *camera_msaa != msaa {
            *camera_msaa = msaa;
        }
    }
    let looks_state = &mut *looks_state;
    looks_state.software = software;
    for note in &resolved.notes {
        if !looks_state.logged.contains(note) {
            warn!("looks: {note}");
            looks_state.logged.push(note.clone());
        }
    }
    if looks_state.resolved.as_ref() != Some(&resolved) {
        looks_state.resolved = Some(resolved);
    }
}
