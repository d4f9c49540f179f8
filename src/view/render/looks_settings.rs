//! `DrawnLooks`: the looks as the render world applies them (set by the looks plugin from the
//! viewer's `looks`, copied to the render world each frame), and the depth range of the scene
//! along a view that the see-through weights and the depth cueing use.

use bevy::prelude::*;
use bevy::render::extract_resource::ExtractResource;

/// What the looks passes draw (linear colours, strengths already resolved for the adapter).
#[derive(Resource, Clone, Debug, PartialEq, ExtractResource)]
pub struct DrawnLooks {
    /// Linear RGB: the clear colour, and the bottom of the gradient.
    pub background: [f32; 3],
    /// Linear RGB at the top of a vertical gradient.
    pub background_top: Option<[f32; 3]>,
    /// Eye-dome lighting strength (0: off).
    pub depth_shading: f32,
    /// Depth cueing toward the background (0: off, 1: the far side fully faded).
    pub fog: f32,
    pub outline: bool,
    /// Bloom strength of what emits light (0: no glow pass).
    pub glow: f32,
    pub fxaa: bool,
    /// Bounding sphere (centre, radius) of what is drawn, µm.
    pub bounds: ([f32; 3], f32),
}

impl Default for DrawnLooks {
    fn default() -> Self {
        Self {
            background: [0.0; 3],
            background_top: None,
            depth_shading: 0.0,
            fog: 0.0,
            outline: false,
            glow: 0.0,
            fxaa: false,
            bounds: ([0.0; 3], 1000.0),
        }
    }
}

impl DrawnLooks {
    /// The nearest and farthest depth of the scene along `forward` from `camera` (never
    /// behind the camera, never an empty range).
    pub fn depth_range(&self, camera: Vec3, forward: Vec3) -> (f32, f32) {
        let (center, radius) = self.bounds;
        let d = (Vec3::from(center) - camera).dot(forward.normalize_or_zero());
        let radius = radius.max(1e-3);
        let near = (d - radius).max(0.0);
        (near, (d + radius).max(near + 1e-3))
    }

    /// Whether a full-screen pass is needed for the background, depth effects or FXAA alone
    /// (the see-through and glow passes need it too, when they draw).
    pub fn needs_post(&self) -> bool {
        self.background_top.is_some()
            || self.depth_shading > 0.0
            || self.fog > 0.0
            || self.outline
            || self.fxaa
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_range_spans_the_bounds_in_front_of_the_camera() {
        let looks = DrawnLooks {
            bounds: ([0.0, 0.0, -100.0], 10.0),
            ..Default::default()
        };
        assert_eq!(looks.depth_range(Vec3::ZERO, Vec3::NEG_Z), (90.0, 110.0));
        // Inside the bounds: from the camera on.
        assert_eq!(
            looks.depth_range(Vec3::new(0.0, 0.0, -95.0), Vec3::NEG_Z),
            (0.0, 15.0)
        );
    }
}
