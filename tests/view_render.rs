//! Headless rendering: neurons land where their positions project, in the colours asked for;
//! selections drive what is drawn; spikes flash; seeking reproduces frames; a failed load
//! keeps the scene. Needs a Vulkan or GL adapter (Mesa's lavapipe in CI, no GPU).
#![cfg(feature = "viewer")]

use std::path::PathBuf;
use std::sync::Mutex;

use bevy::math::{Mat4, Vec2, Vec3};
use cortexview::sonata::{PopulationSpikes, SortOrder, write_spikes};
use cortexview::view::camera::CameraPreset;
use cortexview::view::capture::{HeadlessViewer, RenderOptions, project, render_scene};
use cortexview::view::colors::categorical;
use cortexview::view::scene::{Representation, Scene};
use image::RgbaImage;

/// One GPU app at a time: lavapipe uses every core already.
static GPU: Mutex<()> = Mutex::new(());

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/v1_like_n300_none")
}

const W: u32 = 480;
const H: u32 = 360;

fn opts(select: Option<&str>) -> RenderOptions {
    RenderOptions {
        width: W,
        height: H,
        camera: CameraPreset::Front,
        select: select.map(str::to_owned),
        overlay: false,
        color_by: Some("population".into()),
        ..Default::default()
    }
}

fn background(img: &RgbaImage, x: f32, y: f32) -> bool {
    let p = img.get_pixel(x as u32, y as u32).0;
    p[0] < 20 && p[1] < 20 && p[2] < 25
}

fn centers(scene_positions: &[[f32; 3]], m: Mat4) -> Vec<Vec2> {
    scene_positions
        .iter()
        .filter_map(|p| project(m, Vec3::from(*p), W, H))
        .collect()
}

fn v1_positions(scene: &Scene) -> Vec<[f32; 3]> {
    let v1 = scene
        .populations
        .iter()
        .find(|p| p.name == "v1")
        .expect("v1");
    scene.positions[v1.offset..v1.offset + v1.len].to_vec()
}

#[test]
fn neurons_are_drawn_where_their_positions_project_in_their_population_colour() {
    let _gpu = GPU.lock().unwrap_or_else(|e| e.into_inner());
    let scene = Scene::open(&fixture(), &[]).expect("fixture opens");
    let v1 = v1_positions(&scene);
    let v1_index = scene
        .populations
        .iter()
        .position(|p| p.name == "v1")
        .expect("v1");
    let out = render_scene(scene, &opts(Some("population == v1"))).expect("render");
    let frame = &out.frames[0];
    let img = &frame.image;
    let pts = centers(&v1, frame.clip_from_world);
    assert_eq!(
        pts.len(),
        v1.len(),
        "every neuron is in front of the camera"
    );

    let want = categorical(v1_index).map(|c| c * 255.0);
    let mut drawn = 0;
    let mut in_colour = 0;
    for p in &pts {
        assert!(
            p.x >= 0.0 && p.y >= 0.0 && p.x < W as f32 && p.y < H as f32,
            "fit keeps {p} in view"
        );
        if !background(img, p.x, p.y) {
            drawn += 1;
        }
        let px = img.get_pixel(p.x as u32, p.y as u32).0;
        // The centre of an impostor faces the eye: full headlight, the palette colour itself.
        if (0..3).all(|k| (px[k] as f32 - want[k]).abs() < 40.0) {
            in_colour += 1;
        }
    }
    assert_eq!(drawn, pts.len(), "a sphere at every projected centre");
    assert!(
        in_colour * 10 >= pts.len() * 9,
        "{in_colour} of {} centres in the population colour {want:?}",
        pts.len()
    );

    // Far from every centre there is only background.
    let spacing = 14.0;
    let mut checked = 0;
    for y in (0..H).step_by(6) {
        for x in (0..W).step_by(6) {
            let q = Vec2::new(x as f32, y as f32);
            if pts.iter().all(|c| c.distance(q) > spacing * 3.0) {
                checked += 1;
                assert!(background(img, q.x, q.y), "stray pixel at {q}");
            }
        }
    }
    assert!(
        checked > 100,
        "the test looked at background pixels ({checked})"
    );
}

#[test]
fn a_selection_that_excludes_neurons_removes_their_pixels() {
    let _gpu = GPU.lock().unwrap_or_else(|e| e.into_inner());
    let scene = Scene::open(&fixture(), &[]).expect("fixture opens");
    let v1 = scene
        .populations
        .iter()
        .find(|p| p.name == "v1")
        .expect("v1")
        .clone();
    let pop = &scene.circuit.nodes[v1.circuit_index];
    let ei = pop.attribute("ei").expect("ei attribute");
    let (mut exc, mut inh) = (Vec::new(), Vec::new());
    for (i, &row) in v1.rows.iter().enumerate() {
        let p = scene.positions[v1.offset + i];
        if ei.str(row as usize) == Some("e") {
            exc.push(p);
        } else {
            inh.push(p);
        }
    }
    assert!(!exc.is_empty() && !inh.is_empty());
    let all = render_scene(scene, &opts(Some("population == v1"))).expect("render");
    let scene = Scene::open(&fixture(), &[]).expect("fixture opens");
    let only_e = render_scene(scene, &opts(Some("population == v1 && ei == e"))).expect("render");
    // Inhibitory centres away from every excitatory sphere (in each frame's own camera, which
    // is fitted to what is drawn): drawn in `all`, gone in `only_e`.
    let lonely = |m: Mat4| -> Vec<Vec2> {
        let e_pts = centers(&exc, m);
        centers(&inh, m)
            .into_iter()
            .filter(|p| e_pts.iter().all(|q| q.distance(*p) > 30.0))
            .collect()
    };
    let in_all = lonely(all.frames[0].clip_from_world);
    let in_e = lonely(only_e.frames[0].clip_from_world);
    assert!(
        !in_all.is_empty() && !in_e.is_empty(),
        "some inhibitory neurons stand apart"
    );
    for p in &in_all {
        assert!(
            !background(&all.frames[0].image, p.x, p.y),
            "drawn with all at {p}"
        );
    }
    for p in &in_e {
        let inside = p.x >= 0.0 && p.y >= 0.0 && p.x < W as f32 && p.y < H as f32;
        assert!(
            !inside || background(&only_e.frames[0].image, p.x, p.y),
            "excluded at {p}"
        );
    }
    assert!(only_e.visible < all.visible);
}

/// A spikes file where every v1 neuron fires at 100 ms and a few fire at other times.
fn burst_spikes(dir: &std::path::Path, n: u64) -> PathBuf {
    let mut node_ids = Vec::new();
    let mut timestamps = Vec::new();
    for id in 0..n {
        node_ids.push(id);
        timestamps.push(100.0);
        if id % 7 == 0 {
            node_ids.push(id);
            timestamps.push(60.0 + id as f64 * 0.1);
        }
    }
    let path = dir.join("burst.h5");
    write_spikes(
        &path,
        &[PopulationSpikes {
            population: "v1".into(),
            node_ids,
            timestamps,
            sorting: None,
        }],
        SortOrder::ByTime,
    )
    .expect("write spikes");
    path
}

fn mean_brightness_at(img: &RgbaImage, pts: &[Vec2]) -> f64 {
    let sum: f64 = pts
        .iter()
        .map(|p| {
            let px = img.get_pixel(p.x as u32, p.y as u32).0;
            (px[0] as f64 + px[1] as f64 + px[2] as f64) / 3.0
        })
        .sum();
    sum / pts.len().max(1) as f64
}

#[test]
fn a_busy_frame_is_brighter_than_a_quiet_one() {
    let _gpu = GPU.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().expect("tempdir");
    let scene = Scene::open(&fixture(), &[]).expect("fixture opens");
    let v1 = v1_positions(&scene);
    let spikes = burst_spikes(tmp.path(), v1.len() as u64);
    let scene = Scene::open(&fixture(), &[&spikes]).expect("fixture with spikes");
    let mut o = opts(Some("population == v1"));
    o.t0 = 101.0;
    o.t1 = Some(300.0);
    o.fps = 1.0;
    o.speed = 199.0;
    let out = render_scene(scene, &o).expect("render");
    assert_eq!(out.frames.len(), 2);
    let pts = centers(&v1, out.frames[0].clip_from_world);
    let busy = mean_brightness_at(&out.frames[0].image, &pts);
    let quiet = mean_brightness_at(&out.frames[1].image, &pts);
    assert!(busy > quiet + 40.0, "busy {busy:.1} vs quiet {quiet:.1}");
}

#[test]
fn seeking_back_reproduces_the_frame_played_forward() {
    let _gpu = GPU.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().expect("tempdir");
    let n = Scene::open(&fixture(), &[]).expect("fixture opens").len() as u64;
    let spikes = burst_spikes(tmp.path(), n);
    let scene = Scene::open(&fixture(), &[&spikes]).expect("fixture with spikes");
    let reps = vec![Representation {
        selection: "population == v1".into(),
        ..Default::default()
    }];
    let mut v = HeadlessViewer::new(scene, reps, false, W, H).expect("viewer");
    v.set_camera(CameraPreset::Front, 0.0);
    v.set_time(50.0, 8.0);
    v.warm_up().expect("pipeline");
    let mut forward = None;
    let mut t = 50.0;
    while t <= 110.0 {
        v.set_time(t, 8.0);
        if (t - 103.0f64).abs() < 1e-9 {
            forward = Some(v.capture().expect("frame"));
            assert!(
                !v.stats().reset,
                "playing forward adds spikes, it does not rebuild"
            );
        } else {
            v.step();
        }
        t += 1.0;
    }
    v.set_time(103.0, 8.0);
    let back = v.capture().expect("frame");
    assert!(
        v.stats().reset,
        "seeking back rebuilds from the spike index"
    );
    let forward = forward.expect("captured at 103 ms");
    let differing = forward
        .pixels()
        .zip(back.pixels())
        .filter(|(a, b)| a != b)
        .count();
    assert_eq!(differing, 0, "pixels differ between forward and seek");
    // And the frame does show the flash of the 100 ms burst.
    let quiet = {
        v.set_time(400.0, 8.0);
        v.capture().expect("frame")
    };
    assert_ne!(forward, quiet);
}

#[test]
fn a_load_error_leaves_the_previous_scene() {
    let _gpu = GPU.lock().unwrap_or_else(|e| e.into_inner());
    let scene = Scene::open(&fixture(), &[]).expect("fixture opens");
    let n = scene.len();
    let mut v =
        HeadlessViewer::new(scene, vec![Representation::default()], false, 64, 64).expect("viewer");
    v.warm_up().expect("pipeline");
    {
        let world = v.app.world_mut();
        world.resource_scope(
            |world, mut task: bevy::prelude::Mut<cortexview::view::LoadTask>| {
                let mut state = world.resource_mut::<cortexview::view::ViewerState>();
                task.start(
                    std::path::Path::new("/no/such/circuit_config.json"),
                    &mut state,
                );
            },
        );
    }
    for _ in 0..200 {
        v.step();
        if v.state().loading.is_none() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let state = v.state();
    assert!(state.loading.is_none(), "the load finished");
    assert!(
        state
            .error
            .as_deref()
            .is_some_and(|e| e.contains("no such")),
        "{:?}",
        state.error
    );
    assert_eq!(
        state.scene.as_ref().map(|s| s.len()),
        Some(n),
        "the old scene stays"
    );
}

/// A camera-facing triangle and a line near the eye, in clip coordinates of `m`.
fn near_eye(m: Mat4, ndc: [f32; 2]) -> [f32; 3] {
    // Reversed z: a small NDC depth is far from the near plane, still in front of the circuit.
    let p = m.inverse() * bevy::math::Vec4::new(ndc[0], ndc[1], 0.5, 1.0);
    (p.truncate() / p.w).to_array()
}

#[test]
fn mesh_layers_draw_triangles_and_lines_hide_on_request_and_upload_only_on_change() {
    use cortexview::view::render::meshes::{
        LayerMesh, MeshInstance, MeshLayer, MeshLayers, MeshUploads, Topology,
    };
    let _gpu = GPU.lock().unwrap_or_else(|e| e.into_inner());
    let scene = Scene::open(&fixture(), &[]).expect("fixture opens");
    let reps = vec![Representation::default()];
    let mut v = HeadlessViewer::new(scene, reps, false, W, H).expect("viewer");
    v.set_camera(CameraPreset::Front, 0.0);
    v.warm_up().expect("pipeline");
    let before = v.capture().expect("frame");
    let m = v.clip_from_world();
    let eye = v.orbit().transform().translation;
    let corners = [[-0.5, -0.4], [0.5, -0.4], [0.0, 0.6]].map(|c| near_eye(m, c));
    // Normals towards the eye: full headlight.
    let centre = (Vec3::from(corners[0]) + Vec3::from(corners[1]) + Vec3::from(corners[2])) / 3.0;
    let normal = (eye - centre).normalize().to_array();
    let orange = [1.0, 0.5, 0.0, 1.0];
    let triangle = LayerMesh {
        positions: corners.to_vec(),
        normals: vec![normal; 3],
        instances: vec![MeshInstance {
            transform: Mat4::IDENTITY,
            color: orange,
        }],
        ..Default::default()
    };
    let line = LayerMesh {
        positions: vec![near_eye(m, [-0.9, -0.8]), near_eye(m, [0.9, -0.8])],
        colors: vec![[0.0, 1.0, 0.0, 1.0]; 2],
        indices: vec![0, 1],
        instances: vec![MeshInstance {
            transform: Mat4::IDENTITY,
            color: [1.0; 4],
        }],
        ..Default::default()
    };
    {
        let mut layers = v.app.world_mut().resource_mut::<MeshLayers>();
        layers.set(
            "test triangles",
            MeshLayer::new(Topology::Triangles, vec![triangle]),
        );
        layers.set("test lines", MeshLayer::new(Topology::Lines, vec![line]));
    }
    v.settle().expect("layers uploaded");
    let uploads = |v: &HeadlessViewer| {
        *v.app
            .get_sub_app(bevy::render::RenderApp)
            .expect("render app")
            .world()
            .resource::<MeshUploads>()
    };
    let after_set = uploads(&v);
    assert_eq!(after_set.layers, 2, "each layer uploaded once");
    let img = v.capture().expect("frame");
    let c = img.get_pixel(W / 2, H / 2).0;
    assert!(
        (c[0] as i32 - 255).abs() < 30 && (c[1] as i32 - 128).abs() < 30 && c[2] < 30,
        "the triangle in its instance colour, lit by the headlight: {c:?}"
    );
    let row = (0.9 * H as f32) as u32;
    let green = (0..W)
        .filter(|&x| (row - 1..=row + 1).any(|y| img.get_pixel(x, y).0[1] > 200))
        .count();
    assert!(
        green as f32 > 0.8 * 0.9 * W as f32,
        "the line spans the frame ({green} px)"
    );

    v.app
        .world_mut()
        .resource_mut::<MeshLayers>()
        .set_visible("test triangles", false);
    v.settle().expect("hidden");
    let img = v.capture().expect("frame");
    assert_eq!(
        uploads(&v),
        after_set,
        "drawing frames and hiding a layer upload nothing"
    );
    for (x, y) in [
        (W / 2, H / 2),
        (W / 2 + 20, H / 2 - 30),
        (W / 2 - 25, H / 2 + 15),
    ] {
        assert_eq!(
            img.get_pixel(x, y),
            before.get_pixel(x, y),
            "a hidden layer leaves what was there before at ({x}, {y})"
        );
    }
    if let Some(layer) = v
        .app
        .world_mut()
        .resource_mut::<MeshLayers>()
        .get_mut("test lines")
    {
        layer.meshes[0].instances[0].color = [1.0, 0.0, 0.0, 1.0];
    }
    v.settle().expect("changed");
    assert_eq!(uploads(&v).layers, 3, "a change uploads that layer again");
}

/// The Neuropixels probe is drawn where it is placed: along the projected shank the frame is
/// the probe's steel grey, in front of the neurons (placed at the front of the column), and
/// nowhere else; moving it moves the grey.
#[test]
fn probe_is_drawn_where_it_is_placed() {
    use cortexview::probe::ProbeKind;
    use cortexview::view::probe::probe_view::ProbeView;
    use cortexview::view::render::meshes::{MeshLayer, MeshLayers, Topology};
    let _gpu = GPU.lock().unwrap_or_else(|e| e.into_inner());
    let scene = Scene::open(&fixture(), &[]).expect("fixture opens");
    let mut probe = ProbeView::through(&scene, ProbeKind::Np1, [0.0, 0.0]);
    // in front of the column (toward the front camera, +z), so nothing hides it
    let zmax = v1_positions(&scene)
        .iter()
        .map(|p| p[2])
        .fold(f32::NEG_INFINITY, f32::max);
    probe.entry[2] = zmax as f64 + 40.0;
    probe.update(&scene);
    let mut v =
        HeadlessViewer::new(scene, vec![Representation::default()], false, W, H).expect("viewer");
    v.set_camera(CameraPreset::Front, 0.0);
    v.warm_up().expect("pipeline");
    let before = v.capture().expect("frame");
    let set = |v: &mut HeadlessViewer, probe: &ProbeView| {
        v.app.world_mut().resource_mut::<MeshLayers>().set(
            "probe",
            MeshLayer::new(Topology::Triangles, vec![probe.mesh(&[], &[])]),
        );
        v.settle().expect("probe uploaded");
        v.capture().expect("frame")
    };
    let img = set(&mut v, &probe);
    let m = v.clip_from_world();
    let pl = probe.placement();
    let steel = |img: &RgbaImage, p: Vec2| {
        let c = img.get_pixel(p.x as u32, p.y as u32).0;
        let (r, g, b) = (c[0] as i32, c[1] as i32, c[2] as i32);
        (r - g).abs() < 25 && (g - b).abs() < 30 && (60..230).contains(&g)
    };
    // points on the shank's axis, 0.1 to 0.9 of the way from the entry to the tip
    let mut on_shank = 0;
    let mut changed = 0;
    for k in 1..10 {
        let f = k as f64 / 10.0;
        let p = [
            probe.entry[0] + (pl.tip[0] - probe.entry[0]) * f,
            probe.entry[1] + (pl.tip[1] - probe.entry[1]) * f,
            probe.entry[2] + (pl.tip[2] - probe.entry[2]) * f,
        ];
        let Some(px) = project(m, Vec3::new(p[0] as f32, p[1] as f32, p[2] as f32), W, H) else {
            continue;
        };
        if px.x < 0.0 || px.y < 0.0 || px.x >= W as f32 || px.y >= H as f32 {
            continue;
        }
        on_shank += usize::from(steel(&img, px));
        changed += usize::from(
            img.get_pixel(px.x as u32, px.y as u32) != before.get_pixel(px.x as u32, px.y as u32),
        );
    }
    assert!(
        on_shank >= 8,
        "steel grey along the projected shank: {on_shank} of 9"
    );
    assert!(
        changed >= 8,
        "the probe changed those pixels: {changed} of 9"
    );
    // 150 µm to the side of the shank: not the probe
    let side = project(
        m,
        Vec3::new(
            (pl.tip[0] + 150.0) as f32,
            (0.5 * (pl.tip[1] + probe.entry[1])) as f32,
            pl.tip[2] as f32,
        ),
        W,
        H,
    )
    .expect("in front of the camera");
    assert!(!steel(&img, side), "no probe beside the shank");
    // moved 150 µm along x: the grey follows
    probe.entry[0] += 150.0;
    probe.update(&Scene::open(&fixture(), &[]).expect("fixture"));
    let moved = set(&mut v, &probe);
    assert!(steel(&moved, side), "the moved probe is where it was moved");
}

/// `render --probe np1`: the probe is in the frames (a vertical band of steel grey through the
/// column that the render without it does not have).
#[test]
fn render_with_a_probe_draws_it() {
    let _gpu = GPU.lock().unwrap_or_else(|e| e.into_inner());
    let count_steel = |img: &RgbaImage| {
        img.pixels()
            .filter(|p| {
                let (r, g, b) = (p.0[0] as i32, p.0[1] as i32, p.0[2] as i32);
                (r - g).abs() < 12 && (g - b).abs() < 16 && (120..200).contains(&g) && b > g
            })
            .count()
    };
    let mut o = opts(None);
    o.overlay = false;
    let without = render_scene(Scene::open(&fixture(), &[]).expect("fixture"), &o).expect("render");
    o.probe = Some(cortexview::probe::ProbeKind::Np1);
    let with = render_scene(Scene::open(&fixture(), &[]).expect("fixture"), &o).expect("render");
    let (a, b) = (
        count_steel(&without.frames[0].image),
        count_steel(&with.frames[0].image),
    );
    assert!(
        b > a + 2000,
        "steel pixels without the probe {a}, with it {b}"
    );
}

/// `cortexview render --format png` writes one whole PNG per frame; by default, where ffmpeg
/// is on the PATH, it streams the same frames into a movie (counted back with ffprobe) and
/// writes nothing else; without ffmpeg it says so and writes the PNGs.
#[test]
fn render_command_writes_frames_and_a_movie_of_them_when_ffmpeg_is_there() {
    let _gpu = GPU.lock().unwrap_or_else(|e| e.into_inner());
    let render = |dir: &std::path::Path, format: Option<&str>| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_cortexview"));
        cmd.arg("render")
            .arg(fixture())
            .args(["--t0", "0", "--t1", "20", "--fps", "30", "--width", "160"])
            .args(["--height", "120", "--out"])
            .arg(dir);
        if let Some(f) = format {
            cmd.args(["--format", f]);
        }
        let run = cmd.output().expect("run cortexview render");
        let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
        assert!(run.status.success(), "{stderr}");
        let names: Vec<String> = std::fs::read_dir(dir)
            .expect("out dir")
            .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect();
        // nothing half-written is left beside what was written
        assert!(!names.iter().any(|n| n.starts_with('.')), "{names:?}");
        (names, stderr)
    };
    let pngs = tempfile::tempdir().expect("tempdir");
    let (mut frames, _) = render(pngs.path(), Some("png"));
    frames.sort();
    assert!(frames.len() >= 2, "{frames:?}");
    assert!(
        frames
            .iter()
            .all(|n| n.starts_with("frame_") && n.ends_with(".png"))
    );
    assert_eq!(frames[0], "frame_00000.png");
    for f in &frames {
        let img = image::open(pngs.path().join(f)).expect("a whole PNG");
        assert_eq!((img.width(), img.height()), (160, 120));
    }
    let out = tempfile::tempdir().expect("tempdir");
    let (written, stderr) = render(out.path(), None);
    let movie = out.path().join("movie.mp4");
    let have_ffmpeg = std::process::Command::new("ffmpeg")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_ffmpeg {
        assert!(stderr.contains("ffmpeg is not on the PATH"), "{stderr}");
        assert!(!movie.exists());
        assert_eq!(written.len(), frames.len());
        println!("ffmpeg absent: checked the frames and the message only");
        return;
    }
    assert_eq!(written, vec!["movie.mp4".to_owned()]);
    let probe = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-count_frames", "-select_streams", "v:0"])
        .args(["-show_entries", "stream=nb_read_frames,width,height"])
        .args(["-of", "csv=p=0"])
        .arg(&movie)
        .output()
        .expect("ffprobe comes with ffmpeg");
    let text = String::from_utf8_lossy(&probe.stdout);
    assert_eq!(text.trim(), format!("160,120,{}", frames.len()));
}

/// A time span that would make an absurd number of frames is refused before anything is
/// opened or drawn, with the count and how to go on; the frame times themselves are spaced
/// by speed / fps from `t0`.
#[test]
fn absurd_frame_counts_are_refused_before_rendering() {
    let o = RenderOptions {
        t1: Some(1e9),
        fps: 30.0,
        ..Default::default()
    };
    let err = o.frame_plan().expect_err("3e8 frames").to_string();
    assert!(err.contains("300000001 frames"), "{err}");
    assert!(err.contains("--max-frames"), "{err}");
    let raised = RenderOptions {
        max_frames: 400_000_000,
        ..o.clone()
    };
    assert_eq!(raised.frame_plan().expect("allowed").count, 300_000_001);
    // Nothing is read: a missing path still gives the frame-count error.
    let missing = std::path::Path::new("/nonexistent/circuit_config.json");
    let err = cortexview::view::capture::render(missing, &[], &o)
        .err()
        .expect("refused")
        .to_string();
    assert!(err.contains("frames"), "{err}");

    let plan = RenderOptions {
        t0: 10.0,
        t1: Some(20.0),
        fps: 20.0,
        speed: 100.0,
        ..Default::default()
    }
    .frame_plan()
    .expect("plan");
    assert_eq!(plan.count, 3);
    assert_eq!(
        [plan.time(0), plan.time(1), plan.time(2)],
        [10.0, 15.0, 20.0]
    );
    for bad in [
        RenderOptions {
            t1: Some(f64::NAN),
            ..Default::default()
        },
        RenderOptions {
            t1: Some(100.0),
            fps: 0.0,
            ..Default::default()
        },
        RenderOptions {
            t1: Some(100.0),
            speed: -1.0,
            ..Default::default()
        },
    ] {
        assert!(bad.frame_plan().is_err(), "{bad:?}");
    }
}
