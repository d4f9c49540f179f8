//! The camera: orbit (left drag), pan (right or middle drag), zoom (wheel), fit, presets.
//!
//! Conventions: SONATA y is depth with the pia up, so world y is up on screen in every
//! preset; "front" looks along -z, "side" along -x, "top" down -y. A roll turns the picture
//! about the view direction (a session's `up`); mouse drags stay in screen directions.

use bevy::camera::Projection;
use bevy::input::mouse::{AccumulatedMouseMotion, AccumulatedMouseScroll};
use bevy::prelude::*;

/// Named views.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CameraPreset {
    /// A three-quarter view; in `render`, the camera also turns once around the column.
    Orbit,
    Front,
    Side,
    Top,
}

impl std::str::FromStr for CameraPreset {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "orbit" => Ok(Self::Orbit),
            "front" => Ok(Self::Front),
            "side" => Ok(Self::Side),
            "top" => Ok(Self::Top),
            _ => Err(format!("unknown camera '{s}' (orbit, front, side, top)")),
        }
    }
}

/// An orbiting camera around `target` (world units: µm).
#[derive(Component, Clone, Copy, Debug, PartialEq)]
pub struct OrbitCamera {
    pub target: Vec3,
    pub distance: f32,
    /// Radians about +y; 0 looks from +z.
    pub yaw: f32,
    /// Radians above the horizontal.
    pub pitch: f32,
    /// Radians the view is turned about its direction, right-handed about the backward axis
    /// (0: world y up on screen; positive turns the picture clockwise).
    pub roll: f32,
    /// Vertical field of view, radians.
    pub fov: f32,
    /// An orthographic projection whose view height at the target equals the perspective
    /// one's (sessions' `camera.orthographic`).
    pub orthographic: bool,
}

impl Default for OrbitCamera {
    fn default() -> Self {
        Self {
            target: Vec3::ZERO,
            distance: 1000.0,
            yaw: 0.6,
            pitch: 0.25,
            roll: 0.0,
            fov: 30f32.to_radians(),
            orthographic: false,
        }
    }
}

impl OrbitCamera {
    pub fn preset(preset: CameraPreset) -> Self {
        let (yaw, pitch) = match preset {
            CameraPreset::Orbit => (0.6, 0.25),
            CameraPreset::Front => (0.0, 0.0),
            CameraPreset::Side => (std::f32::consts::FRAC_PI_2, 0.0),
            CameraPreset::Top => (0.0, std::f32::consts::FRAC_PI_2 - 1e-4),
        };
        Self {
            yaw,
            pitch,
            ..default()
        }
    }

    /// Moves back until a sphere of `radius` around `center` fills the view of `aspect`.
    pub fn fit(&mut self, center: Vec3, radius: f32, aspect: f32) {
        self.target = center;
        let half = 0.5 * self.fov;
        let half_h = (half.tan() * aspect.min(1.0)).atan();
        self.distance = radius / half_h.sin() * 1.02;
    }

    pub fn eye(&self) -> Vec3 {
        let dir = Vec3::new(
            self.pitch.cos() * self.yaw.sin(),
            self.pitch.sin(),
            self.pitch.cos() * self.yaw.cos(),
        );
        self.target + dir * self.distance
    }

    pub fn transform(&self) -> Transform {
        let up = if self.pitch.abs() > 1.5 {
            // Looking straight down: keep +z... at the bottom of the screen, -z at the top.
            Vec3::new(-self.yaw.sin(), 0.0, -self.yaw.cos())
        } else {
            Vec3::Y
        };
        let mut transform = Transform::from_translation(self.eye()).looking_at(self.target, up);
        if self.roll != 0.0 {
            transform.rotate_local_z(self.roll);
        }
        transform
    }

    /// Sets the roll so that `up` points up on screen (its part across the view direction; an
    /// `up` along the view direction leaves the picture unrolled).
    pub fn roll_to(&mut self, up: Vec3) {
        self.roll = 0.0;
        let unrolled = self.transform();
        let back = *unrolled.back();
        let across = up - back * up.dot(back);
        if across.length_squared() < 1e-12 * up.length_squared().max(1e-30) {
            return;
        }
        let want = across.normalize();
        let have = *unrolled.up();
        let roll = have.cross(want).dot(back).atan2(have.dot(want));
        // rounding noise of an upright view is no roll (the presets draw the same picture)
        self.roll = if roll.abs() < 1e-6 { 0.0 } else { roll };
    }

    pub fn projection(&self) -> Projection {
        if self.orthographic {
            // Everything within twice the distance behind the target is kept.
            return Projection::Orthographic(OrthographicProjection {
                scaling_mode: bevy::camera::ScalingMode::FixedVertical {
                    viewport_height: 2.0 * self.distance * (0.5 * self.fov).tan(),
                },
                near: 0.0,
                far: self.distance * 3.0,
                ..OrthographicProjection::default_3d()
            });
        }
        Projection::Perspective(PerspectiveProjection {
            fov: self.fov,
            near: (self.distance * 1e-3).max(0.01),
            ..default()
        })
    }

    /// `clip_from_world` for a view of `aspect` (width / height).
    pub fn clip_from_world(&self, aspect: f32) -> Mat4 {
        let mut projection = self.projection();
        projection.update(aspect, 1.0);
        let clip_from_view = projection.get_clip_from_view();
        clip_from_view * self.transform().to_matrix().inverse()
    }
}

/// Mouse orbit/pan/zoom of [`OrbitCamera`]s, and keeping their transforms in step.
pub struct CameraPlugin;

impl Plugin for CameraPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<CameraInputBlocked>()
            .add_systems(Update, (orbit_input, apply_orbit).chain());
    }
}

/// Set while the pointer is over a UI panel, so that drags there do not move the camera.
#[derive(Resource, Default)]
pub struct CameraInputBlocked(pub bool);

fn orbit_input(
    buttons: Option<Res<ButtonInput<MouseButton>>>,
    motion: Option<Res<AccumulatedMouseMotion>>,
    scroll: Option<Res<AccumulatedMouseScroll>>,
    blocked: Res<CameraInputBlocked>,
    keys: Option<Res<ButtonInput<KeyCode>>>,
    mut cameras: Query<&mut OrbitCamera>,
) {
    let (Some(buttons), Some(motion), Some(scroll)) = (buttons, motion, scroll) else {
        return;
    };
    // Ctrl+drag moves the probe (see `probe::drag_probe`), not the camera.
    let ctrl = keys.is_some_and(|k| k.any_pressed([KeyCode::ControlLeft, KeyCode::ControlRight]));
    if blocked.0 || ctrl {
        return;
    }
    for mut cam in &mut cameras {
        let d = motion.delta;
        if buttons.pressed(MouseButton::Left) && d != Vec2::ZERO {
            // a drag turns the model as it looks on screen, however the view is rolled
            let d = Vec2::from_angle(-cam.roll).rotate(d);
            cam.yaw -= d.x * 0.008;
            cam.pitch = (cam.pitch + d.y * 0.008).clamp(-1.55, 1.55);
        }
        if (buttons.pressed(MouseButton::Right) || buttons.pressed(MouseButton::Middle))
            && d != Vec2::ZERO
        {
            let t = cam.transform();
            let scale = cam.distance * (0.5 * cam.fov).tan() * 2.0 / 720.0;
            let offset = (-t.right() * d.x + t.up() * d.y) * scale;
            cam.target += offset;
        }
        if scroll.delta.y != 0.0 {
            cam.distance *= (1.0 - 0.1 * scroll.delta.y.clamp(-5.0, 5.0)).max(0.05);
        }
    }
}

fn apply_orbit(
    mut cameras: Query<(&OrbitCamera, &mut Transform, &mut Projection), Changed<OrbitCamera>>,
) {
    for (cam, mut transform, mut projection) in &mut cameras {
        *transform = cam.transform();
        match &mut *projection {
            Projection::Perspective(p) if !cam.orthographic => {
                p.fov = cam.fov;
                p.near = (cam.distance * 1e-3).max(0.01);
            }
            _ => *projection = cam.projection(),
        }
    }
}
