//! Live runs in decks (headless, lavapipe): a deck step to a scene without `"live"` stops the
//! run going and the snapshot a saved session reads says nothing runs live; a step back to the
//! live scene starts the built-in column again.
#![cfg(feature = "viewer")]

use std::path::{Path, PathBuf};

use bevy::app::Plugin;
use cortexview::demo::{CellModel, Demo, DemoOptions};
use cortexview::session::{CameraSpec, Deck, LiveSpec, Session};
use cortexview::view::ViewerState;
use cortexview::view::capture::HeadlessViewer;
use cortexview::view::live::{LivePlugin, LiveSession, LiveSnapshot, LiveSource};
use cortexview::view::scene::Scene;
use cortexview::view::session::open::{FLIGHT_S, fly_camera, step_deck};
use cortexview::view::session::state::{DeckState, PendingSession};
use cortexview::view::session::{apply_pending_session, capture_session, open_session};

/// The demo column written as SONATA into `dir`, and the column to simulate.
fn demo_column(dir: &Path) -> (PathBuf, Demo) {
    let mut options = DemoOptions::new(300, CellModel::IafPscAlpha);
    options.tstop_ms = 400.0;
    let demo = Demo::build(&options).expect("the demo builds");
    demo.write_sonata(dir).expect("the demo is written");
    (dir.join("config.json"), demo)
}

/// A scene of the column; `live`: the built-in column running.
fn scene(config: &Path, live: bool, x: f32) -> Session {
    Session {
        open: vec![config.to_string_lossy().into_owned()],
        camera: Some(CameraSpec {
            position: [x, 0.0, 1200.0],
            target: [0.0, -400.0, 0.0],
            ..CameraSpec::default()
        }),
        live: live.then(LiveSpec::default),
        ..Session::default()
    }
}

/// Runs frames (applying the session being opened) until `done` holds; false if it never does.
fn run_until(viewer: &mut HeadlessViewer, done: impl Fn(&mut HeadlessViewer) -> bool) -> bool {
    for _ in 0..3000 {
        viewer.app.update();
        apply_pending_session(viewer.app.world_mut());
        let pending = viewer.app.world().resource::<PendingSession>().0.is_some();
        if !pending && done(viewer) {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    false
}

fn running(viewer: &HeadlessViewer) -> bool {
    viewer.app.world().resource::<LiveSession>().running()
}

fn simulated_ms(viewer: &HeadlessViewer) -> f64 {
    viewer
        .app
        .world()
        .resource::<LiveSession>()
        .feed
        .as_ref()
        .map_or(0.0, |f| f.until_ms())
}

#[test]
fn a_deck_step_off_a_live_scene_stops_the_run_and_back_starts_it() {
    let dir = tempfile::tempdir().unwrap();
    let (config, demo) = demo_column(&dir.path().join("column"));
    let first = dir.path().join("1_live.cvsession.json");
    let second = dir.path().join("2_still.cvsession.json");
    scene(&config, true, 0.0).save(&first).unwrap();
    scene(&config, false, 800.0).save(&second).unwrap();
    let deck = Deck::load(dir.path()).unwrap();
    assert_eq!(deck.scenes, vec![first.clone(), second.clone()]);

    let mut viewer = HeadlessViewer::new(
        Scene::open(&config, &[]).unwrap(),
        Vec::new(),
        false,
        320,
        240,
    )
    .expect("viewer");
    // the window's live plugin on the headless viewer, with the column it can run
    LivePlugin.build(&mut viewer.app);
    {
        let world = viewer.app.world_mut();
        let mut live = LiveSession::for_demo(demo, config.clone());
        live.start_pending = false;
        world.insert_resource(live);
        world.resource_mut::<ViewerState>().opened = Some(config.clone());
        world.init_resource::<PendingSession>();
        *world.get_resource_or_init::<DeckState>() = DeckState {
            deck: Some(deck),
            index: 0,
        };
    }
    assert!(!running(&viewer), "nothing runs before the deck opens");

    // the first scene is live: the column runs and a saved session says so
    open_session(viewer.app.world_mut(), &first, false);
    assert!(
        run_until(&mut viewer, |v| running(v) && simulated_ms(v) > 20.0),
        "the live scene starts the column"
    );
    let snapshot = viewer.app.world().resource::<LiveSnapshot>().0.clone();
    assert!(snapshot.is_some_and(|s| s.running && s.config.is_none()));
    assert!(viewer.app.world().resource::<ViewerState>().live);

    // a step to the still scene stops it
    step_deck(viewer.app.world_mut(), 1);
    assert!(
        run_until(&mut viewer, |v| !running(v)),
        "a scene without live stops the run"
    );
    for _ in 0..3 {
        viewer.app.update();
    }
    assert!(!running(&viewer), "the run stays stopped");
    assert_eq!(viewer.app.world().resource::<LiveSnapshot>().0, None);
    assert!(!viewer.app.world().resource::<ViewerState>().live);
    // the step flies the camera (the window's session plugin moves it each frame)
    fly_camera(viewer.app.world_mut(), FLIGHT_S + 0.1);
    let saved = capture_session(viewer.app.world_mut());
    assert_eq!(saved.live, None, "a saved still scene has no live run");
    assert_eq!(saved.camera.map(|c| c.position), Some([800.0, 0.0, 1200.0]));

    // "Run live" pressed in the panel on the still scene's config meanwhile
    {
        let mut live = viewer.app.world_mut().resource_mut::<LiveSession>();
        live.source = Some(LiveSource::Config(config.clone()));
        live.start_pending = true;
    }
    for _ in 0..3 {
        viewer.app.update();
    }

    // and a step back runs the built-in column again
    step_deck(viewer.app.world_mut(), -1);
    assert!(
        run_until(&mut viewer, |v| running(v) && simulated_ms(v) > 5.0),
        "the live scene starts the column again"
    );
    assert!(
        viewer
            .app
            .world()
            .resource::<LiveSnapshot>()
            .0
            .as_ref()
            .is_some_and(|s| s.running && s.config.is_none())
    );
    assert!(matches!(
        viewer.app.world().resource::<LiveSession>().source,
        Some(LiveSource::Demo { .. })
    ));
}
