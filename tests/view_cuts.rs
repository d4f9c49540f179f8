//! Cutting into the column: a slab keeps only the neurons whose soma lies between its planes,
//! a clip plane only those on the side its normal points to (rendered headless, each neuron's
//! projected centre checked); the cuts change on the styled instances without restyling, and
//! a slab moved between frames (a sweep) redraws with only its neurons.
//! GPU tests need a Vulkan or GL adapter (Mesa's lavapipe in CI).
#![cfg(feature = "viewer")]

use std::path::PathBuf;
use std::sync::Mutex;

use bevy::math::{Mat4, Vec2, Vec3};
use cortexview::session::{ClipPlane, Slab};
use cortexview::view::camera::CameraPreset;
use cortexview::view::capture::{RenderOptions, project, render_scene};
use cortexview::view::scene::{Representation, Scene, bounding_sphere};
use image::RgbaImage;

/// One GPU app at a time: lavapipe uses every core already.
static GPU: Mutex<()> = Mutex::new(());

const W: u32 = 480;
const H: u32 = 360;

fn fixture() -> Scene {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/v1_like_n300_none");
    Scene::open(&p, &[]).expect("fixture opens")
}

fn opts(slab: Option<Slab>, clip: Vec<ClipPlane>) -> RenderOptions {
    RenderOptions {
        width: W,
        height: H,
        camera: CameraPreset::Front,
        overlay: false,
        select: Some("population == v1".into()),
        // Red neurons: the planes' outlines are blue and orange.
        color_by: Some("#ff0000".into()),
        slab,
        clip,
        ..Default::default()
    }
}

/// Whether a neuron's red is drawn within 2 px of `p` (an outline may cross its centre).
fn red(img: &RgbaImage, p: Vec2) -> bool {
    (-2..=2).any(|dy: i64| {
        (-2..=2).any(|dx: i64| {
            let (x, y) = (p.x as i64 + dx, p.y as i64 + dy);
            if x < 0 || y < 0 || x >= i64::from(W) || y >= i64::from(H) {
                return false;
            }
            let [r, g, b, _] = img.get_pixel(x as u32, y as u32).0;
            r > 60 && u16::from(r) > 2 * u16::from(g) && u16::from(r) > 2 * u16::from(b)
        })
    })
}

/// Checks a frame: every kept neuron is drawn at its projected centre, and no cut neuron is,
/// where no kept neuron lies within `clear` px on screen. Returns (kept, cut checked).
fn check(
    img: &RgbaImage,
    clip_from_world: Mat4,
    positions: &[[f32; 3]],
    keeps: impl Fn([f32; 3]) -> bool,
) -> (usize, usize) {
    let on_screen: Vec<(Vec2, bool)> = positions
        .iter()
        .filter_map(|&p| project(clip_from_world, Vec3::from(p), W, H).map(|q| (q, keeps(p))))
        .filter(|(q, _)| q.x >= 0.0 && q.y >= 0.0 && q.x < W as f32 && q.y < H as f32)
        .collect();
    let clear = 12.0;
    let (mut kept, mut cut) = (0, 0);
    for &(q, keep) in &on_screen {
        if keep {
            assert!(red(img, q), "a kept neuron is drawn at {q}");
            kept += 1;
        } else if on_screen.iter().all(|&(o, k)| !k || o.distance(q) > clear) {
            assert!(!red(img, q), "a cut neuron is drawn at {q}");
            cut += 1;
        }
    }
    (kept, cut)
}

fn save(img: &RgbaImage, name: &str) {
    if let Some(dir) = std::env::var_os("CORTEXVIEW_TEST_PNGS") {
        let _ = img.save(std::path::Path::new(&dir).join(name));
    }
}

fn v1(scene: &Scene) -> Vec<[f32; 3]> {
    let v1 = scene
        .populations
        .iter()
        .find(|p| p.name == "v1")
        .expect("v1");
    scene.positions[v1.offset..v1.offset + v1.len].to_vec()
}

#[test]
fn a_slab_keeps_only_the_neurons_between_its_planes() {
    let _gpu = GPU.lock().unwrap_or_else(|e| e.into_inner());
    let scene = fixture();
    let positions = v1(&scene);
    let (center, _) = bounding_sphere(&positions);
    let ys = positions.iter().map(|p| p[1]);
    let height = ys.clone().fold(f32::NEG_INFINITY, f32::max) - ys.fold(f32::INFINITY, f32::min);
    // A slab across the column's depth (seen from the front: a horizontal band), a third of
    // its height, its normal tilted a little out of the screen.
    let slab = Slab {
        normal: [0.0, 1.0, 0.2],
        center,
        thickness_um: height / 3.0,
    };
    let n = Vec3::from(slab.normal).normalize();
    let half = 0.5 * slab.thickness_um;
    let keeps = |p: [f32; 3]| n.dot(Vec3::from(p) - Vec3::from(center)).abs() <= half;
    let inside = positions.iter().filter(|p| keeps(**p)).count();
    assert!(inside > 20 && inside < positions.len() - 20, "{inside}");
    let out = render_scene(scene, &opts(Some(slab), Vec::new())).expect("render");
    assert_eq!(
        out.visible, inside,
        "the slab's neurons are drawn, no others"
    );
    let frame = &out.frames[0];
    save(&frame.image, "slab.png");
    let (kept, cut) = check(&frame.image, frame.clip_from_world, &positions, keeps);
    assert_eq!(kept, inside);
    assert!(cut > 50, "{cut} cut neurons checked");
}

#[test]
fn a_clip_plane_keeps_the_side_its_normal_points_to() {
    let _gpu = GPU.lock().unwrap_or_else(|e| e.into_inner());
    let scene = fixture();
    let positions = v1(&scene);
    let (center, _) = bounding_sphere(&positions);
    // Keep what lies below the column's centre (pia is +y).
    let plane = ClipPlane {
        normal: [0.0, -1.0, 0.0],
        point: center,
    };
    let keeps = |p: [f32; 3]| p[1] <= center[1];
    let below = positions.iter().filter(|p| keeps(**p)).count();
    let out = render_scene(scene, &opts(None, vec![plane])).expect("render");
    assert_eq!(out.visible, below);
    let frame = &out.frames[0];
    save(&frame.image, "clip.png");
    let (kept, cut) = check(&frame.image, frame.clip_from_world, &positions, keeps);
    assert_eq!(kept, below);
    assert!(cut > 50, "{cut} cut neurons checked");
}

#[test]
fn cuts_change_without_restyling_and_bring_back_what_they_hid() {
    let scene = fixture();
    let reps = vec![Representation {
        selection: "population == v1".into(),
        ..Default::default()
    }];
    let mut styled = scene.style(&reps, false);
    let all = styled.visible;
    let positions = v1(&scene);
    let (center, radius) = bounding_sphere(&positions);
    let mut sweep = Vec::new();
    for k in -2..=2 {
        let slab = Slab {
            normal: [0.0, 0.0, 1.0],
            center: [center[0], center[1], center[2] + k as f32 * 0.3 * radius],
            thickness_um: 50.0,
        };
        styled.apply_cuts(Some(&slab), &[]);
        let inside = positions
            .iter()
            .filter(|p| (p[2] - slab.center[2]).abs() <= 25.0)
            .count();
        assert_eq!(styled.visible, inside, "slab at {:?}", slab.center);
        assert_eq!(styled.cut, all - inside);
        sweep.push(inside);
    }
    assert!(sweep.iter().any(|n| *n > 0), "{sweep:?}");
    styled.apply_cuts(None, &[]);
    assert_eq!(styled.visible, all, "no cuts: everything is back");
    assert_eq!(styled.cut, 0);
    // A plane with no direction cuts nothing, and is not taken for a new cut every frame.
    let odd = ClipPlane {
        normal: [f32::NAN, 0.0, 0.0],
        point: center,
    };
    styled.apply_cuts(None, &[odd]);
    assert_eq!(styled.visible, all);
    assert!(styled.has_cuts(None, &[odd]));
    assert!(!styled.has_cuts(None, &[]));
}

#[test]
fn a_slab_moved_between_frames_redraws_with_only_its_neurons() {
    use cortexview::view::ViewerState;
    use cortexview::view::capture::HeadlessViewer;
    use cortexview::view::scene::Coloring;
    let _gpu = GPU.lock().unwrap_or_else(|e| e.into_inner());
    let scene = fixture();
    let positions = v1(&scene);
    let (center, _) = bounding_sphere(&positions);
    let ys = positions.iter().map(|p| p[1]);
    let height = ys.clone().fold(f32::NEG_INFINITY, f32::max) - ys.fold(f32::INFINITY, f32::min);
    let reps = vec![Representation {
        selection: "population == v1".into(),
        coloring: Coloring::parse("#ff0000"),
        ..Default::default()
    }];
    let mut viewer = HeadlessViewer::new(scene, reps, false, W, H).expect("headless viewer");
    viewer.set_camera(CameraPreset::Front, 0.0);
    viewer.warm_up().expect("warm up");
    let generation = viewer.state().styled_generation;
    // The slab sweeps down the column: a third of its height, at three depths.
    for k in [-1.0f32, 0.0, 1.0] {
        let c = [center[0], center[1] + k * height / 3.0, center[2]];
        let slab = Slab {
            normal: [0.0, 1.0, 0.0],
            center: c,
            thickness_um: height / 3.0,
        };
        viewer.app.world_mut().resource_mut::<ViewerState>().slab = Some(slab);
        viewer.settle().expect("settled");
        let keeps = |p: [f32; 3]| (p[1] - c[1]).abs() <= height / 6.0;
        let inside = positions.iter().filter(|p| keeps(**p)).count();
        assert_eq!(viewer.state().styled.visible, inside, "slab at {c:?}");
        let img = viewer.capture().expect("frame");
        let (kept, cut) = check(&img, viewer.clip_from_world(), &positions, keeps);
        assert_eq!(kept, inside);
        assert!(cut > 50, "{cut} cut neurons checked");
    }
    assert!(viewer.state().styled_generation > generation);
}

#[test]
fn a_picked_neuron_and_its_partners_stay_hidden_when_the_cuts_hide_them() {
    use std::sync::Arc;

    use cortexview::view::ViewerState;
    use cortexview::view::capture::HeadlessViewer;
    use cortexview::view::colors::PRE_COLOR;
    use cortexview::view::connectivity::plugin::Connectivity;
    use cortexview::view::scene::Coloring;
    use cortexview::view::scene::overlays::PartnerInstances;
    let _gpu = GPU.lock().unwrap_or_else(|e| e.into_inner());
    let scene = fixture();
    let offset = scene
        .populations
        .iter()
        .find(|p| p.name == "v1")
        .expect("v1")
        .offset;
    let positions = v1(&scene);
    let (center, _) = bounding_sphere(&positions);
    let ys = positions.iter().map(|p| p[1]);
    let height = ys.clone().fold(f32::NEG_INFINITY, f32::max) - ys.fold(f32::INFINITY, f32::min);
    // The lower third of the column is kept.
    let c = [center[0], center[1] - height / 3.0, center[2]];
    let slab = Slab {
        normal: [0.0, 1.0, 0.0],
        center: c,
        thickness_um: height / 3.0,
    };
    let keeps = |p: [f32; 3]| (p[1] - c[1]).abs() <= height / 6.0;
    let reps = vec![Representation {
        selection: "population == v1".into(),
        coloring: Coloring::parse("#ff0000"),
        ..Default::default()
    }];
    let mut viewer = HeadlessViewer::new(scene, reps, false, W, H).expect("headless viewer");
    viewer.set_camera(CameraPreset::Front, 0.0);
    viewer.warm_up().expect("warm up");
    let m = viewer.clip_from_world();
    let on_screen = |p: [f32; 3]| {
        project(m, Vec3::from(p), W, H)
            .filter(|q| q.x >= 8.0 && q.y >= 8.0 && q.x < W as f32 - 8.0 && q.y < H as f32 - 8.0)
    };
    // Cut neurons far (on screen) from every kept one, and one kept neuron.
    let kept: Vec<Vec2> = positions
        .iter()
        .filter(|p| keeps(**p))
        .filter_map(|p| on_screen(*p))
        .collect();
    let lonely_cut: Vec<u32> = (0..positions.len())
        .filter(|&k| !keeps(positions[k]))
        .filter(|&k| {
            on_screen(positions[k]).is_some_and(|q| kept.iter().all(|o| o.distance(q) > 30.0))
        })
        .map(|k| (offset + k) as u32)
        .take(3)
        .collect();
    assert_eq!(lonely_cut.len(), 3, "cut neurons apart from the kept ones");
    // The kept neuron farthest on screen from the other kept ones (nothing in front of it).
    let apart = |q: Vec2| {
        kept.iter()
            .map(|o| o.distance(q))
            .filter(|d| *d > 0.0)
            .fold(f32::INFINITY, f32::min)
    };
    let kept_partner = (0..positions.len())
        .filter(|&k| keeps(positions[k]))
        .filter_map(|k| on_screen(positions[k]).map(|q| (k, apart(q))))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(k, _)| (offset + k) as u32)
        .expect("a kept neuron on screen");
    {
        let world = viewer.app.world_mut();
        // Partners as the connectivity part would set them, without its query replacing them.
        world.resource_mut::<Connectivity>().enabled = false;
        let mut state = world.resource_mut::<ViewerState>();
        state.slab = Some(slab);
        state.picked = Some(lonely_cut[0] as usize);
        let mut pre = vec![lonely_cut[1], kept_partner];
        pre.sort_unstable();
        state.partners = Some(Arc::new(PartnerInstances {
            pre,
            post: vec![lonely_cut[2]],
        }));
        state.redraw = true;
    }
    viewer.settle().expect("settled");
    let img = viewer.capture().expect("frame");
    save(&img, "cut_highlights.png");
    // Nothing is drawn within 4 px of a cut neuron's centre: neither the picked neuron's
    // white nor a partner's colour.
    for &i in &lonely_cut {
        let q = on_screen(scene_position(&viewer, i)).expect("on screen");
        for dy in -4..=4 {
            for dx in -4..=4 {
                let p = img
                    .get_pixel((q.x as i32 + dx) as u32, (q.y as i32 + dy) as u32)
                    .0;
                assert!(
                    p[..3].iter().all(|&v| v < 40),
                    "something is drawn at the cut neuron {i} ({q}): {p:?}"
                );
            }
        }
    }
    // The kept partner is drawn in the presynaptic colour (the overlays were applied).
    let q = on_screen(scene_position(&viewer, kept_partner)).expect("on screen");
    let p = img.get_pixel(q.x as u32, q.y as u32).0;
    let pre = PRE_COLOR.map(|v| v * 255.0);
    assert!(
        f32::from(p[2]) > f32::from(p[0]) + 40.0 && pre[2] > pre[0],
        "the kept partner shows the presynaptic colour: {p:?}"
    );
}

fn scene_position(viewer: &cortexview::view::capture::HeadlessViewer, instance: u32) -> [f32; 3] {
    viewer.state().scene.as_ref().expect("scene").positions[instance as usize]
}
