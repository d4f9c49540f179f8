//! What the viewer's own instanced draws (neurons, mesh layers) share: an opaque colour target,
//! Bevy's reversed-z depth test, the view's axes for their uniforms, and the camera's viewport.

use bevy::core_pipeline::core_3d::CORE_3D_DEPTH_FORMAT;
use bevy::prelude::*;
use bevy::render::camera::ExtractedCamera;
use bevy::render::render_resource::{
    ColorTargetState, ColorWrites, CompareFunction, DepthStencilState, TextureFormat,
};
use bevy::render::view::ExtractedView;

/// One opaque colour target of `format` (no blending).
pub fn opaque_target(format: TextureFormat) -> Vec<Option<ColorTargetState>> {
    vec![Some(ColorTargetState {
        format,
        blend: None,
        write_mask: ColorWrites::ALL,
    })]
}

/// Depth written and tested against the 3D pass's depth buffer, so spheres and meshes hide each
/// other correctly.
pub fn depth_test() -> Option<DepthStencilState> {
    Some(DepthStencilState {
        format: CORE_3D_DEPTH_FORMAT,
        depth_write_enabled: Some(true),
        // Bevy uses reversed z: nearer is greater.
        depth_compare: Some(CompareFunction::GreaterEqual),
        stencil: default(),
        bias: default(),
    })
}

/// A view's matrices and axes as the shaders' uniforms take them.
pub struct ViewAxes {
    pub clip_from_world: [[f32; 4]; 4],
    /// Camera position, and 1 in `w` for an orthographic projection.
    pub camera: [f32; 4],
    pub right: [f32; 4],
    pub up: [f32; 4],
    pub forward: [f32; 4],
}

impl ViewAxes {
    pub fn of(view: &ExtractedView) -> Self {
        let world_from_view = view.world_from_view.to_matrix();
        let clip_from_world = view.clip_from_view * world_from_view.inverse();
        let ortho = view.clip_from_view.w_axis.w == 1.0;
        let t = view.world_from_view.translation();
        let axis = |v: Vec4| v.truncate().normalize_or_zero().extend(0.0).to_array();
        Self {
            clip_from_world: clip_from_world.to_cols_array_2d(),
            camera: [t.x, t.y, t.z, if ortho { 1.0 } else { 0.0 }],
            right: axis(world_from_view.x_axis),
            up: axis(world_from_view.y_axis),
            forward: axis(-world_from_view.z_axis),
        }
    }
}

/// The part of the target a camera draws into (the window's 3D area between the panels), as
/// `set_viewport`'s arguments: x, y, width, height, min depth, max depth.
pub fn viewport(camera: Option<&ExtractedCamera>) -> Option<[f32; 6]> {
    let vp = camera?.viewport.as_ref()?;
    Some([
        vp.physical_position.x as f32,
        vp.physical_position.y as f32,
        vp.physical_size.x as f32,
        vp.physical_size.y as f32,
        vp.depth.start,
        vp.depth.end,
    ])
}
