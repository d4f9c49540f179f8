//! Sessions in the viewer (headless, lavapipe): a session saved and opened again gives the same
//! state and the same pixels; a session naming a missing file opens the rest and names it; a
//! newer session is refused and the scene stays.
#![cfg(feature = "viewer")]

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use cortexview::session::{CameraSpec, PlaybackSpec, RepresentationSpec, Session};
use cortexview::view::ViewerState;
use cortexview::view::capture::HeadlessViewer;
use cortexview::view::scene::Scene;
use cortexview::view::session::{
    apply_pending_session, apply_session, capture_session, open_session,
};
use image::RgbaImage;

/// One GPU app at a time: lavapipe uses every core already.
static GPU: Mutex<()> = Mutex::new(());

const W: u32 = 400;
const H: u32 = 300;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/v1_like_n300_none")
}

/// A hand-written scene: two representations, a camera off the presets, a time with spikes.
fn scene_session() -> Session {
    Session {
        open: vec![fixture().to_string_lossy().into_owned()],
        representations: vec![
            RepresentationSpec {
                color_by: Some("population".into()),
                size: 1.6,
                ..RepresentationSpec::default()
            },
            RepresentationSpec {
                select: "population == v1 && soma y > -300".into(),
                color_by: Some("#ff8800".into()),
                size: 2.2,
                ..RepresentationSpec::default()
            },
        ],
        camera: Some(CameraSpec {
            position: [300.0, -250.0, 1000.0],
            target: [0.0, -430.0, 0.0],
            fov_deg: 35.0,
            ..CameraSpec::default()
        }),
        time_ms: Some(240.0),
        playback: PlaybackSpec {
            fade_ms: 20.0,
            mode: "rock".into(),
            ..PlaybackSpec::default()
        },
        title: Some("a column".into()),
        ..Session::default()
    }
}

/// A viewer on the fixture with `session` applied, its frame, and the screen as a session.
fn render(session: &Session) -> (RgbaImage, Session) {
    let scene = Scene::open(&fixture(), &[]).expect("fixture opens");
    let mut viewer = HeadlessViewer::new(scene, Vec::new(), false, W, H).expect("viewer");
    viewer.app.world_mut().resource_mut::<ViewerState>().opened = Some(fixture());
    apply_session(viewer.app.world_mut(), session);
    viewer.settle().expect("settles");
    let image = viewer.capture().expect("frame");
    let captured = capture_session(viewer.app.world_mut());
    (image, captured)
}

fn drawn_pixels(img: &RgbaImage) -> usize {
    img.pixels()
        .filter(|p| p.0[0] > 40 || p.0[1] > 40 || p.0[2] > 50)
        .count()
}

#[test]
fn a_saved_session_opens_to_the_same_state_and_pixels() {
    let _gpu = GPU.lock().unwrap_or_else(|e| e.into_inner());
    let (first, captured) = render(&scene_session());
    std::fs::create_dir_all("target/test-pictures").ok();
    first.save("target/test-pictures/session_first.png").ok();
    assert_eq!(captured.camera, scene_session().camera);
    assert_eq!(captured.time_ms, Some(240.0));
    assert_eq!(captured.representations.len(), 2);
    assert_eq!(
        captured.representations[1].color_by.as_deref(),
        Some("#ff8800")
    );
    let orange = first
        .pixels()
        .filter(|p| p.0[0] > 200 && (100..180).contains(&p.0[1]) && p.0[2] < 60)
        .count();
    assert!(
        orange > 50,
        "the orange representation is drawn ({orange} pixels)"
    );
    assert!(drawn_pixels(&first) > 2000, "neurons are drawn");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scene.cvsession.json");
    captured.save(&path).unwrap();
    let reopened = Session::load(&path).unwrap().resolved();
    assert_eq!(reopened, captured);
    let (second, captured_again) = render(&reopened);
    assert_eq!(captured_again, captured);
    second
        .save("target/test-pictures/session_reopened.png")
        .ok();
    let differing = first
        .pixels()
        .zip(second.pixels())
        .filter(|(a, b)| a != b)
        .count();
    assert_eq!(differing, 0, "pixels differ after saving and opening");

    // the camera really comes from the session: another camera draws another picture
    let mut moved = reopened.clone();
    moved.camera.as_mut().unwrap().position = [-700.0, -100.0, 500.0];
    let (third, _) = render(&moved);
    let changed = first
        .pixels()
        .zip(third.pixels())
        .filter(|(a, b)| a != b)
        .count();
    assert!(changed > 1000, "{changed}");
}

/// Runs frames until the session being opened is applied.
fn open_and_wait(viewer: &mut HeadlessViewer, path: &Path) {
    open_session(viewer.app.world_mut(), path, false);
    for _ in 0..5000 {
        viewer.app.update();
        apply_pending_session(viewer.app.world_mut());
        let pending = viewer
            .app
            .world()
            .get_resource::<cortexview::view::session::state::PendingSession>()
            .is_some_and(|p| p.0.is_some());
        if !pending {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    panic!("the session was not applied");
}

#[test]
fn a_session_naming_a_missing_file_opens_the_rest_and_names_it() {
    let _gpu = GPU.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("gone/spikes.h5");
    let mut session = scene_session();
    session.open.push(missing.to_string_lossy().into_owned());
    let path = dir.path().join("missing.cvsession.json");
    session.save(&path).unwrap();

    // the viewer starts on another picture: one representation, nothing opened from a session
    let scene = Scene::open(&fixture(), &[]).expect("fixture opens");
    let mut viewer = HeadlessViewer::new(scene, Vec::new(), false, W, H).expect("viewer");
    open_and_wait(&mut viewer, &path);
    let state = viewer.app.world().resource::<ViewerState>();
    let error = state.error.clone().unwrap_or_default();
    assert!(error.contains(&missing.display().to_string()), "{error}");
    assert!(error.contains("missing"), "{error}");
    assert_eq!(state.opened.as_deref(), Some(fixture().as_path()));
    assert!(state.scene.is_some());
    assert_eq!(
        state.representations.len(),
        2,
        "the representations were applied"
    );
    let captured = capture_session(viewer.app.world_mut());
    assert_eq!(captured.camera, session.camera);
}

#[test]
fn a_newer_session_is_refused_and_the_scene_stays() {
    let _gpu = GPU.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.cvsession.json");
    std::fs::write(&path, r#"{"cortexview_session": 2, "open": ["x"]}"#).unwrap();
    let scene = Scene::open(&fixture(), &[]).expect("fixture opens");
    let mut viewer = HeadlessViewer::new(scene, Vec::new(), false, W, H).expect("viewer");
    open_session(viewer.app.world_mut(), &path, false);
    let state = viewer.app.world().resource::<ViewerState>();
    let error = state.error.clone().unwrap_or_default();
    assert!(
        error.contains(
            "written by a newer cortexview (session version 2; this build reads up to 1)"
        ),
        "{error}"
    );
    assert!(state.scene.is_some());
    assert_eq!(state.representations.len(), 1);
}

#[test]
fn a_live_session_asks_for_its_run_and_a_running_one_is_saved() {
    use cortexview::session::LiveSpec;
    use cortexview::view::live::{LiveSnapshot, LiveStartRequest};
    let _gpu = GPU.lock().unwrap_or_else(|e| e.into_inner());
    let scene = Scene::open(&fixture(), &[]).expect("fixture opens");
    let mut viewer = HeadlessViewer::new(scene, Vec::new(), false, W, H).expect("viewer");
    let world = viewer.app.world_mut();
    world.init_resource::<LiveStartRequest>();
    world.init_resource::<LiveSnapshot>();
    let live = LiveSpec {
        speed_cap: Some(500.0),
        rates: [("lgn".to_owned(), 1.5)].into(),
        ..LiveSpec::default()
    };
    let session = Session {
        live: Some(live.clone()),
        ..scene_session()
    };
    apply_session(world, &session);
    assert_eq!(world.resource::<LiveStartRequest>().0, Some(live.clone()));
    // what the live run reports is what a saved session keeps
    let running = LiveSpec {
        running: false,
        ..live
    };
    world.resource_mut::<LiveSnapshot>().0 = Some(running.clone());
    world.resource_mut::<ViewerState>().opened = Some(fixture());
    let captured = capture_session(world);
    assert_eq!(captured.live, Some(running.clone()));
    assert_eq!(captured.open.len(), 1, "a circuit of its own is named");

    // the built-in column is named by `live` alone: its files lie in the user's cache
    let column = cortexview::cli::demo::live_demo_config(&Default::default());
    world.resource_mut::<ViewerState>().opened = Some(column);
    let captured = capture_session(world);
    assert!(captured.open.is_empty(), "{:?}", captured.open);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("column.cvsession.json");
    captured.save(&path).unwrap();
    assert!(Session::load(&path).unwrap().shows_builtin_column());
}

/// The centre of the orange pixels, if any.
fn orange_centre(img: &RgbaImage) -> Option<(f32, f32)> {
    let (mut sx, mut sy, mut n) = (0.0, 0.0, 0.0);
    for (x, y, p) in img.enumerate_pixels() {
        if p.0[0] > 200 && (100..180).contains(&p.0[1]) && p.0[2] < 60 {
            sx += x as f32;
            sy += y as f32;
            n += 1.0;
        }
    }
    (n > 0.0).then(|| (sx / n, sy / n))
}

#[test]
fn a_session_up_rolls_the_picture_and_is_kept() {
    let _gpu = GPU.lock().unwrap_or_else(|e| e.into_inner());
    // V1's node 0, drawn alone in orange, 150 µm above the target of a camera looking along -z
    let scene = Scene::open(&fixture(), &[]).expect("fixture opens");
    let v1 = scene.populations.iter().find(|p| p.name == "v1").unwrap();
    let row = v1.rows.iter().position(|&r| r == 0).unwrap();
    let neuron = scene.positions[v1.offset + row];
    let target = [neuron[0], neuron[1] - 150.0, neuron[2]];
    let session = |up: [f32; 3]| Session {
        open: vec![fixture().to_string_lossy().into_owned()],
        representations: vec![RepresentationSpec {
            select: "population == v1 && node_id 0".into(),
            color_by: Some("#ff8800".into()),
            size: 3.0,
            ..RepresentationSpec::default()
        }],
        camera: Some(CameraSpec {
            position: [target[0], target[1], target[2] + 800.0],
            target,
            up,
            fov_deg: 40.0,
            ..CameraSpec::default()
        }),
        time_ms: Some(0.0),
        ..Session::default()
    };
    let (upright, _) = render(&session([0.0, 1.0, 0.0]));
    // a quarter turn about the view direction: world +x is up on screen, world +y on the left
    let rolled_session = session([1.0, 0.0, 0.0]);
    let (rolled, captured) = render(&rolled_session);
    std::fs::create_dir_all("target/test-pictures").ok();
    upright.save("target/test-pictures/session_up_y.png").ok();
    rolled.save("target/test-pictures/session_up_x.png").ok();
    let (cx, cy) = (W as f32 / 2.0, H as f32 / 2.0);
    let (ux, uy) = orange_centre(&upright).expect("the neuron is drawn upright");
    assert!((ux - cx).abs() < 4.0, "upright: centred across ({ux})");
    assert!(cy - uy > 30.0, "upright: above the centre ({uy})");
    let (rx, ry) = orange_centre(&rolled).expect("the neuron is drawn rolled");
    assert!(
        (ry - cy).abs() < 4.0,
        "rolled: level with the centre ({ry})"
    );
    assert!(
        ((cx - rx) - (cy - uy)).abs() < 4.0,
        "rolled: as far left of the centre as it was above it ({rx} vs {uy})"
    );
    // the up is kept through save and open, and draws the same picture
    assert_eq!(captured.camera.map(|c| c.up), Some([1.0, 0.0, 0.0]));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rolled.cvsession.json");
    captured.save(&path).unwrap();
    let reopened = Session::load(&path).unwrap().resolved();
    assert_eq!(reopened.camera, rolled_session.camera);
    let (again, _) = render(&reopened);
    assert!(rolled.pixels().zip(again.pixels()).all(|(a, b)| a == b));

    // a camera moved since (zoomed, turned by the mouse) saves the up it draws with
    let mut viewer = HeadlessViewer::new(scene, Vec::new(), false, W, H).expect("viewer");
    let world = viewer.app.world_mut();
    apply_session(world, &rolled_session);
    let mut cameras = world.query::<&mut cortexview::view::camera::OrbitCamera>();
    for mut cam in cameras.iter_mut(world) {
        cam.distance *= 1.5;
        cam.yaw += 0.3;
    }
    let moved = capture_session(world).camera.unwrap();
    assert_ne!(moved.position, rolled_session.camera.unwrap().position);
    let view = std::array::from_fn::<f32, 3, _>(|k| moved.target[k] - moved.position[k]);
    let along: f32 = (0..3).map(|k| moved.up[k] * view[k]).sum();
    assert!(along.abs() < 1e-2, "up across the view: {moved:?}");
    assert!(moved.up[0] > 0.9, "still rolled a quarter turn: {moved:?}");
}

#[test]
fn spike_and_report_files_added_from_the_menu_are_saved_and_reopen() {
    let _gpu = GPU.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let spikes = dir.path().join("more_spikes.h5");
    let report = dir.path().join("membrane.h5");
    std::fs::copy(fixture().join("inputs/lgn_spikes.h5"), &spikes).unwrap();
    let compartments = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/compartment_report/v_compartments.h5");
    std::fs::copy(compartments, &report).unwrap();

    let mut viewer = HeadlessViewer::new(
        Scene::open(&fixture(), &[]).expect("fixture opens"),
        Vec::new(),
        false,
        W,
        H,
    )
    .expect("viewer");
    let world = viewer.app.world_mut();
    world.resource_mut::<ViewerState>().opened = Some(fixture());
    let before = capture_session(world);
    assert_eq!(
        before.open,
        vec![fixture().to_string_lossy().into_owned()],
        "the circuit's own input spikes are not listed"
    );
    // what File > Open spikes… and Open report… (and dropping the files) call
    {
        let mut state = world.resource_mut::<ViewerState>();
        cortexview::view::ui::add_spikes_file(&mut state, &spikes);
        cortexview::view::reports::plugin::add_report_file(&mut state, &report);
        assert_eq!(state.error, None);
    }
    let captured = capture_session(world);
    let expected: Vec<String> = [fixture(), spikes.clone(), report.clone()]
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    assert_eq!(captured.open, expected);

    let path = dir.path().join("with_files.cvsession.json");
    captured.save(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("more_spikes.h5") && text.contains("membrane.h5"),
        "{text}"
    );
    // a fresh viewer opens the session with both files
    let mut fresh = HeadlessViewer::new(
        Scene::open(&fixture(), &[]).expect("fixture opens"),
        Vec::new(),
        false,
        W,
        H,
    )
    .expect("viewer");
    fresh.app.world_mut().resource_mut::<ViewerState>().opened = Some(fixture());
    open_and_wait(&mut fresh, &path);
    let state = fresh.app.world().resource::<ViewerState>();
    let scene = state.scene.as_ref().unwrap();
    let spikes_name = spikes.display().to_string();
    assert!(scene.spikes.iter().any(|s| s.source == spikes_name));
    assert!(scene.circuit.reports.iter().any(|r| r.file == report));
    assert_eq!(capture_session(fresh.app.world_mut()).open, expected);
}
