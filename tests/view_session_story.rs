//! The window's story preview and deck steps (headless, lavapipe): the preview draws the frame
//! `frame_state(s)` gives, as a still session of that state draws it; a deck step to a scene of
//! the same circuit flies the camera there over a second.
#![cfg(feature = "viewer")]

use std::path::PathBuf;
use std::sync::Mutex;

use cortexview::session::{CameraSpec, Deck, Ease, Session, Story, StoryKey};
use cortexview::view::ViewerState;
use cortexview::view::capture::HeadlessViewer;
use cortexview::view::scene::Scene;
use cortexview::view::session::open::{FLIGHT_S, fly_camera, preview_story, step_deck};
use cortexview::view::session::state::{DeckState, PendingSession, SessionScene, StoryPreview};
use cortexview::view::session::{
    apply_pending_session, apply_session, capture_session, open_session,
};

static GPU: Mutex<()> = Mutex::new(());

const W: u32 = 320;
const H: u32 = 240;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/v1_like_n300_none")
}

fn camera(x: f32, z: f32) -> CameraSpec {
    CameraSpec {
        position: [x, -300.0, z],
        target: [0.0, -430.0, 0.0],
        fov_deg: 35.0,
        ..CameraSpec::default()
    }
}

fn viewer() -> HeadlessViewer {
    let scene = Scene::open(&fixture(), &[]).expect("fixture opens");
    let mut viewer = HeadlessViewer::new(scene, Vec::new(), false, W, H).expect("viewer");
    viewer.app.world_mut().resource_mut::<ViewerState>().opened = Some(fixture());
    viewer
}

fn two_key_story() -> Session {
    let key = |at_s: f64, cam: CameraSpec, t: f64| StoryKey {
        at_s,
        camera: Some(cam),
        time_ms: Some(t),
        ease: Ease::Linear,
        ..StoryKey::default()
    };
    Session {
        open: vec![fixture().to_string_lossy().into_owned()],
        camera: Some(camera(0.0, 1000.0)),
        story: Some(Story {
            duration_s: 2.0,
            fps: 10,
            keys: vec![
                key(0.0, camera(0.0, 1000.0), 100.0),
                key(2.0, camera(900.0, 300.0), 500.0),
            ],
        }),
        ..Session::default()
    }
}

#[test]
fn the_preview_draws_the_story_frame_as_a_still_session_of_that_state_draws_it() {
    let _gpu = GPU.lock().unwrap_or_else(|e| e.into_inner());
    let story = two_key_story();
    let mut preview = viewer();
    apply_session(preview.app.world_mut(), &story);
    {
        let world = preview.app.world_mut();
        world.insert_resource(StoryPreview {
            s: 1.0,
            playing: false,
            dirty: true,
        });
    }
    preview_story(preview.app.world_mut(), 0.0);
    preview.settle().unwrap();
    let previewed = preview.capture().unwrap();
    let shown = capture_session(preview.app.world_mut());
    let frame = story.frame_state(1.0);
    assert_eq!(shown.camera, Some(frame.camera));
    assert_eq!(shown.time_ms, Some(300.0));
    drop(preview);

    // the same state as a still session, in a fresh viewer
    let still = Session {
        camera: Some(frame.camera),
        time_ms: Some(frame.time_ms),
        ..two_key_story()
    };
    let still = Session {
        story: None,
        ..still
    };
    let mut other = viewer();
    apply_session(other.app.world_mut(), &still);
    other.settle().unwrap();
    let drawn = other.capture().unwrap();
    std::fs::create_dir_all("target/test-pictures").ok();
    previewed
        .save("target/test-pictures/story_preview_mid.png")
        .ok();
    let differing = previewed
        .pixels()
        .zip(drawn.pixels())
        .filter(|(a, b)| a != b)
        .count();
    assert_eq!(differing, 0);
    let lit = drawn
        .pixels()
        .filter(|p| p.0.iter().take(3).any(|&c| c > 80))
        .count();
    assert!(lit > 500, "neurons are drawn ({lit} pixels)");
}

#[test]
fn a_deck_step_flies_the_camera_to_the_next_scene() {
    let _gpu = GPU.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let scene_at = |name: &str, cam: CameraSpec| {
        let session = Session {
            open: vec![fixture().to_string_lossy().into_owned()],
            camera: Some(cam),
            ..Session::default()
        };
        let path = dir.path().join(name);
        session.save(&path).unwrap();
    };
    scene_at("1-front.cvsession.json", camera(0.0, 1000.0));
    scene_at("2-side.cvsession.json", camera(1000.0, 0.0));
    let deck = Deck::load(dir.path()).unwrap();
    assert_eq!(deck.scenes.len(), 2);
    let mut viewer = viewer();
    let first = deck.scenes[0].clone();
    viewer.app.world_mut().insert_resource(DeckState {
        deck: Some(deck),
        index: 0,
    });
    open_session(viewer.app.world_mut(), &first, false);
    apply_pending_session(viewer.app.world_mut());
    assert_eq!(
        capture_session(viewer.app.world_mut()).camera,
        Some(camera(0.0, 1000.0))
    );

    step_deck(viewer.app.world_mut(), 1);
    apply_pending_session(viewer.app.world_mut());
    let world = viewer.app.world_mut();
    assert!(world.resource::<PendingSession>().0.is_none());
    assert_eq!(world.resource::<DeckState>().index, 1);
    // no cut: the camera starts where it was and is halfway after half the flight
    assert_eq!(capture_session(world).camera, Some(camera(0.0, 1000.0)));
    fly_camera(world, FLIGHT_S / 2.0);
    let mid = capture_session(world).camera.unwrap();
    assert!((mid.position[0] - 500.0).abs() < 1e-3, "{mid:?}");
    assert!((mid.position[2] - 500.0).abs() < 1e-3, "{mid:?}");
    fly_camera(world, FLIGHT_S / 2.0 + 0.01);
    assert_eq!(capture_session(world).camera, Some(camera(1000.0, 0.0)));
    assert!(
        world
            .resource::<SessionScene>()
            .path
            .as_ref()
            .is_some_and(|p| p.ends_with("2-side.cvsession.json"))
    );
    // past the last scene nothing happens
    step_deck(world, 1);
    assert_eq!(world.resource::<DeckState>().index, 1);
}
