//! The orbit camera's roll (a session's `up`) and the mouse (no GPU: the camera plugin on its
//! own): a drag turns the model as it looks on screen, however the view is rolled, and the
//! roll stays.
#![cfg(feature = "viewer")]

use bevy::input::mouse::{AccumulatedMouseMotion, AccumulatedMouseScroll};
use bevy::prelude::*;
use cortexview::view::camera::{CameraPlugin, OrbitCamera};

/// The camera after a left drag of `delta` pixels on screen.
fn dragged(start: OrbitCamera, delta: Vec2) -> (OrbitCamera, Transform) {
    let mut app = App::new();
    app.add_plugins(CameraPlugin);
    let mut buttons = ButtonInput::<MouseButton>::default();
    buttons.press(MouseButton::Left);
    app.insert_resource(buttons)
        .insert_resource(AccumulatedMouseMotion { delta })
        .insert_resource(AccumulatedMouseScroll::default());
    let camera = app
        .world_mut()
        .spawn((start, Transform::default(), Projection::default()))
        .id();
    app.update();
    let world = app.world();
    (
        *world.get::<OrbitCamera>(camera).unwrap(),
        *world.get::<Transform>(camera).unwrap(),
    )
}

#[test]
fn a_drag_turns_the_model_as_it_looks_on_screen_however_the_view_is_rolled() {
    let upright = OrbitCamera {
        yaw: 0.2,
        pitch: 0.1,
        ..OrbitCamera::default()
    };
    // upright: right turns about world y (yaw), down tilts (pitch)
    let (right, _) = dragged(upright, Vec2::new(10.0, 0.0));
    assert!((right.yaw - (0.2 - 0.08)).abs() < 1e-6 && (right.pitch - 0.1).abs() < 1e-6);
    let (down, _) = dragged(upright, Vec2::new(0.0, 10.0));
    assert!((down.yaw - 0.2).abs() < 1e-6 && (down.pitch - 0.18).abs() < 1e-6);

    // rolled a quarter turn so that world y points left on screen (up along +x, looking down -z):
    // a drag to the right is a drag down the unrolled picture, so it tilts
    let mut rolled = upright;
    rolled.yaw = 0.0;
    rolled.roll_to(Vec3::X);
    assert!(
        (rolled.roll + std::f32::consts::FRAC_PI_2).abs() < 1e-5,
        "{}",
        rolled.roll
    );
    let (right, transform) = dragged(rolled, Vec2::new(10.0, 0.0));
    assert!(right.yaw.abs() < 1e-6, "{}", right.yaw);
    assert!((right.pitch - 0.18).abs() < 1e-6, "{}", right.pitch);
    assert_eq!(right.roll, rolled.roll, "the roll stays");
    // and the transform drawn with is the rolled one
    assert!((*transform.up() - *right.transform().up()).length() < 1e-6);
    assert!(transform.up().y.abs() < 0.2, "world y is not up on screen");
}
