//! Looks, rendered headless on tiny synthetic circuits (written into a temporary folder): a
//! see-through sphere in front lets the colour of an opaque one behind through and an opaque one
//! does not; depth shading darkens crowded spheres more than a lone one; a spiking neuron's glow
//! reaches pixels outside its sphere, a quiet one's does not. Needs a Vulkan or GL adapter
//! (Mesa's lavapipe in CI). Set `LOOKS_PNG_DIR` to keep the frames as PNGs.
#![cfg(feature = "viewer")]

#[path = "common/synthetic_nodes.rs"]
mod synthetic_nodes;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use bevy::math::{Vec2, Vec3};
use cortexview::session::{Looks, Material};
use cortexview::sonata::{PopulationSpikes, SortOrder, write_spikes};
use cortexview::view::ViewerState;
use cortexview::view::camera::CameraPreset;
use cortexview::view::capture::{HeadlessViewer, project};
use cortexview::view::scene::{Coloring, Representation, Scene};
use image::RgbaImage;

/// One GPU app at a time: lavapipe uses every core already.
static GPU: Mutex<()> = Mutex::new(());

const W: u32 = 320;
const H: u32 = 240;

fn scene(dir: &Path, positions: &[[f32; 3]], types: &[i64], spikes: &[&Path]) -> Scene {
    let nodes = synthetic_nodes::write_nodes(dir, positions, types);
    let mut scene = Scene::open(&nodes, spikes).expect("synthetic circuit opens");
    scene.base_radius = 20.0;
    scene
}

fn solid(selection: &str, rgb: [f32; 3], material: Material, opacity: f32) -> Representation {
    Representation {
        selection: selection.into(),
        coloring: Coloring::Solid(rgb),
        material,
        opacity,
        ..Default::default()
    }
}

/// Renders one frame at `t_ms` with `looks`, the camera looking along -z at what is drawn.
fn render(
    scene: Scene,
    reps: Vec<Representation>,
    looks: Looks,
    t_ms: f64,
) -> (RgbaImage, HeadlessViewer) {
    let mut v = HeadlessViewer::new(scene, reps, false, W, H).expect("viewer");
    v.app.world_mut().resource_mut::<ViewerState>().looks = looks;
    v.set_camera(CameraPreset::Front, 0.0);
    v.set_time(t_ms, 8.0);
    v.warm_up().expect("pipelines");
    let img = v.capture().expect("frame");
    (img, v)
}

fn keep(img: &RgbaImage, name: &str) {
    if let Some(dir) = std::env::var_os("LOOKS_PNG_DIR") {
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        img.save(dir.join(format!("{name}.png"))).unwrap();
    }
}

fn px(img: &RgbaImage, p: Vec2) -> [f32; 3] {
    let q = img.get_pixel(p.x as u32, p.y as u32).0;
    [q[0] as f32, q[1] as f32, q[2] as f32]
}

/// Mean of the pixels within `r` pixels of `c`.
fn mean_around(img: &RgbaImage, c: Vec2, r: f32) -> [f32; 3] {
    let mut sum = [0.0f32; 3];
    let mut n = 0.0;
    for y in (c.y - r) as i32..=(c.y + r) as i32 {
        for x in (c.x - r) as i32..=(c.x + r) as i32 {
            if x < 0 || y < 0 || x >= W as i32 || y >= H as i32 {
                continue;
            }
            if Vec2::new(x as f32, y as f32).distance(c) <= r {
                let p = px(img, Vec2::new(x as f32, y as f32));
                for k in 0..3 {
                    sum[k] += p[k];
                }
                n += 1.0;
            }
        }
    }
    sum.map(|s| s / n)
}

#[test]
fn a_see_through_sphere_in_front_lets_the_one_behind_show_and_an_opaque_one_does_not() {
    let _gpu = GPU.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    // Type 200 behind (green), type 100 in front (red), on the same line of sight.
    let positions = [[0.0, 0.0, -40.0], [0.0, 0.0, 40.0]];
    let types = [200, 100];
    let back = solid("type == 200", [0.1, 0.9, 0.1], Material::Opaque, 1.0);
    let front = |material, opacity| solid("type == 100", [0.9, 0.1, 0.1], material, opacity);

    let mut frames = Vec::new();
    for (name, material, opacity) in [
        ("opaque", Material::Opaque, 1.0),
        ("transparent", Material::Transparent, 0.5),
        ("ghost", Material::Ghost, 1.0),
    ] {
        let s = scene(dir.path(), &positions, &types, &[]);
        let (img, v) = render(
            s,
            vec![back.clone(), front(material, opacity)],
            Looks::default(),
            0.0,
        );
        keep(&img, &format!("see_through_{name}"));
        let centre = project(v.clip_from_world(), Vec3::ZERO, W, H).expect("in view");
        frames.push((name, mean_around(&img, centre, 4.0)));
    }
    let [(_, opaque), (_, transparent), (_, ghost)] = [frames[0], frames[1], frames[2]];
    // Opaque: the front colour only.
    assert!(
        opaque[0] > 150.0 && opaque[1] < 40.0,
        "opaque front: {opaque:?}"
    );
    // Half transparent: the back's green comes through, the front's red still shows.
    assert!(
        transparent[1] > opaque[1] + 60.0 && transparent[0] > 60.0,
        "transparent front over the green sphere: {transparent:?} (opaque {opaque:?})"
    );
    assert!(
        transparent[0] < opaque[0] - 30.0,
        "{transparent:?} vs {opaque:?}"
    );
    // A ghost barely hides what lies behind: mostly the back's green.
    assert!(
        ghost[1] > transparent[1] && ghost[1] > ghost[0],
        "ghost front over the green sphere: {ghost:?} (transparent {transparent:?})"
    );
}

#[test]
fn depth_shading_darkens_crowded_spheres_more_than_a_lone_one() {
    let _gpu = GPU.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    // A crowd on the left: four layers of 4x4 spheres, one behind the other and shifted, so
    // that each layer shows between and around the spheres in front of it; one sphere alone on
    // the right.
    let mut positions = Vec::new();
    for i in 0..64 {
        let (x, y, layer) = ((i % 4) as f32, ((i / 4) % 4) as f32, (i / 16) as f32);
        positions.push([
            -226.0 + x * 45.0 + layer * 11.0,
            -84.0 + y * 45.0 + layer * 11.0,
            90.0 - layer * 60.0,
        ]);
    }
    let lone = [160.0, 0.0, 0.0];
    positions.push(lone);
    let types = vec![100i64; positions.len()];
    let rep = solid("all", [0.8, 0.8, 0.8], Material::Opaque, 1.0);

    let mut shots = Vec::new();
    for (name, strength) in [("off", 0.0), ("on", 1.0)] {
        let s = scene(dir.path(), &positions, &types, &[]);
        let looks = Looks {
            depth_shading: strength,
            ..Default::default()
        };
        let (img, v) = render(s, vec![rep.clone()], looks, 0.0);
        keep(&img, &format!("depth_shading_{name}"));
        shots.push((img, v.clip_from_world()));
    }
    let m = shots[0].1;
    let crowd_c = project(m, Vec3::new(-142.0, 0.0, 0.0), W, H).unwrap();
    let lone_c = project(m, Vec3::from(lone), W, H).unwrap();
    let lone_edge = project(m, Vec3::from(lone) + Vec3::new(20.0, 0.0, 0.0), W, H).unwrap();
    let lone_r = lone_edge.distance(lone_c) * 0.9;
    let luma = |c: [f32; 3]| (c[0] + c[1] + c[2]) / 3.0;
    let crowd = |img: &RgbaImage| luma(mean_around(img, crowd_c, lone_r * 3.0));
    let alone = |img: &RgbaImage| luma(mean_around(img, lone_c, lone_r));
    let crowd_ratio = crowd(&shots[1].0) / crowd(&shots[0].0);
    let lone_ratio = alone(&shots[1].0) / alone(&shots[0].0);
    assert!(
        crowd_ratio < 0.85 && crowd_ratio < lone_ratio - 0.1,
        "crowd keeps {crowd_ratio:.3} of its brightness, the lone sphere {lone_ratio:.3}"
    );
    eprintln!("depth shading: the crowd keeps {crowd_ratio:.3}, the lone sphere {lone_ratio:.3}");
    assert!(
        lone_ratio > 0.8,
        "a lone sphere keeps most of its light: {lone_ratio:.3}"
    );
}

fn spikes(dir: &Path, node_ids: Vec<u64>, timestamps: Vec<f64>) -> PathBuf {
    let path = dir.join("spikes.h5");
    write_spikes(
        &path,
        &[PopulationSpikes {
            population: "net".into(),
            node_ids,
            timestamps,
            sorting: None,
        }],
        SortOrder::ByTime,
    )
    .expect("write spikes");
    path
}

#[test]
fn a_spiking_neuron_glows_beyond_its_sphere_and_a_quiet_one_does_not() {
    // (and a quiet neuron of the glow material does)
    let _gpu = GPU.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    // Node 0 on the left spikes at 10 ms; node 1 on the right never does; node 2 (above)
    // never spikes either but has the glow material.
    let positions = [[-120.0, 0.0, 0.0], [120.0, 0.0, 0.0], [0.0, 100.0, 0.0]];
    let spikes = spikes(dir.path(), vec![0], vec![10.0]);
    let rep = solid("all", [0.3, 0.4, 0.9], Material::Opaque, 1.0);
    let glowing = solid("node_id 2", [0.9, 0.5, 0.1], Material::Glow, 1.0);
    let mut shots = Vec::new();
    for (name, glow) in [("off", 0.0), ("on", 1.5)] {
        let s = scene(dir.path(), &positions, &[100, 100, 100], &[&spikes]);
        let looks = Looks {
            glow,
            ..Default::default()
        };
        let (img, v) = render(s, vec![rep.clone(), glowing.clone()], looks, 11.0);
        keep(&img, &format!("glow_{name}"));
        shots.push((img, v.clip_from_world()));
    }
    let m = shots[0].1;
    // The flash enlarges the spiking sphere (by 1 + 0.8 exp(-1/8) at 1 ms): a ring just
    // outside that, and the same ring around the quiet sphere.
    let grown = 20.0 * (1.0 + 0.8 * (-1.0f32 / 8.0).exp());
    let ring = |centre: [f32; 3], radius: f32| -> Vec<Vec2> {
        (0..24)
            .map(|k| {
                let a = k as f32 / 24.0 * std::f32::consts::TAU;
                let p = Vec3::from(centre) + Vec3::new(a.cos(), a.sin(), 0.0) * radius * 1.35;
                project(m, p, W, H).unwrap()
            })
            .collect()
    };
    let spiking_ring = ring(positions[0], grown);
    let quiet_ring = ring(positions[1], 20.0 * 1.35);
    let material_ring = ring(positions[2], 20.0 * 1.35);
    let brightness = |img: &RgbaImage, pts: &[Vec2]| {
        pts.iter()
            .map(|p| {
                let c = px(img, *p);
                (c[0] + c[1] + c[2]) / 3.0
            })
            .sum::<f32>()
            / pts.len() as f32
    };
    let (off, on) = (&shots[0].0, &shots[1].0);
    assert!(
        brightness(off, &spiking_ring) < 3.0,
        "without glow the ring is background: {}",
        brightness(off, &spiking_ring)
    );
    assert!(
        brightness(on, &spiking_ring) > 12.0,
        "the spiking neuron's glow reaches beyond its sphere: {}",
        brightness(on, &spiking_ring)
    );
    assert!(
        brightness(on, &quiet_ring) < 3.0,
        "a quiet neuron does not glow: {}",
        brightness(on, &quiet_ring)
    );
    assert!(
        brightness(on, &material_ring) > 12.0 && brightness(off, &material_ring) < 3.0,
        "the glow material glows when glow is on: {} (off: {})",
        brightness(on, &material_ring),
        brightness(off, &material_ring)
    );
}

/// Width in pixels of what is drawn on the row through `c` around it.
fn drawn_width(img: &RgbaImage, c: Vec2) -> u32 {
    let y = c.y as u32;
    let lit = |x: u32| img.get_pixel(x, y).0[..3].iter().any(|&v| v > 10);
    let (mut lo, mut hi) = (c.x as u32, c.x as u32);
    while lo > 0 && lit(lo - 1) {
        lo -= 1;
    }
    while hi + 1 < W && lit(hi + 1) {
        hi += 1;
    }
    hi - lo + 1
}

#[test]
fn an_orthographic_camera_draws_equal_spheres_equally_large_at_any_depth() {
    let _gpu = GPU.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    // Two equal spheres, one near the camera, one far.
    let positions = [[-80.0, 0.0, 150.0], [80.0, 0.0, -150.0]];
    let rep = solid("all", [0.9, 0.9, 0.9], Material::Opaque, 1.0);
    let mut widths = Vec::new();
    for orthographic in [false, true] {
        let s = scene(dir.path(), &positions, &[100, 100], &[]);
        let mut v = HeadlessViewer::new(s, vec![rep.clone()], false, W, H).expect("viewer");
        v.set_camera(CameraPreset::Front, 0.0);
        let world = v.app.world_mut();
        let mut cams = world.query::<&mut cortexview::view::camera::OrbitCamera>();
        for mut cam in cams.iter_mut(world) {
            cam.orthographic = orthographic;
        }
        v.warm_up().expect("pipelines");
        let img = v.capture().expect("frame");
        keep(&img, &format!("orthographic_{orthographic}"));
        let m = v.clip_from_world();
        let near = project(m, Vec3::from(positions[0]), W, H).unwrap();
        let far = project(m, Vec3::from(positions[1]), W, H).unwrap();
        widths.push((drawn_width(&img, near), drawn_width(&img, far)));
    }
    let (persp, ortho) = (widths[0], widths[1]);
    assert!(
        persp.0 > persp.1 + 4,
        "perspective: the near sphere is larger: {persp:?}"
    );
    assert!(
        ortho.0.abs_diff(ortho.1) <= 1 && ortho.0 > 10,
        "orthographic: both the same size: {ortho:?}"
    );
}

#[test]
fn a_see_through_mesh_in_front_lets_the_sphere_behind_show() {
    use cortexview::view::render::meshes::{
        LayerMesh, MeshInstance, MeshLayer, MeshLayers, Topology,
    };
    let _gpu = GPU.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    // A green sphere behind, a red square in front of it (a mesh layer, as a morphology is).
    let positions = [[0.0, 0.0, -40.0], [0.0, 0.0, 60.0]];
    let back = solid("type == 200", [0.1, 0.9, 0.1], Material::Opaque, 1.0);
    let hidden = Representation {
        selection: "type == 100".into(),
        style: cortexview::view::scene::Style::Hidden,
        ..Default::default()
    };
    let mut centres = Vec::new();
    for (name, alpha) in [("opaque", 1.0), ("see_through", 0.4)] {
        let s = scene(dir.path(), &positions, &[200, 100], &[]);
        let mut v = HeadlessViewer::new(s, vec![back.clone(), hidden.clone()], false, W, H)
            .expect("viewer");
        let square = LayerMesh {
            positions: vec![
                [-50.0, -50.0, 60.0],
                [50.0, -50.0, 60.0],
                [50.0, 50.0, 60.0],
                [-50.0, 50.0, 60.0],
            ],
            normals: vec![[0.0, 0.0, 1.0]; 4],
            indices: vec![0, 1, 2, 0, 2, 3],
            instances: vec![MeshInstance {
                transform: bevy::math::Mat4::IDENTITY,
                color: [0.9, 0.1, 0.1, alpha],
            }],
            ..Default::default()
        };
        v.app
            .world_mut()
            .resource_mut::<MeshLayers>()
            .set("square", MeshLayer::new(Topology::Triangles, vec![square]));
        v.set_camera(CameraPreset::Front, 0.0);
        // One sphere is drawn: fit by hand to it and the square.
        let world = v.app.world_mut();
        let mut cams = world.query::<&mut cortexview::view::camera::OrbitCamera>();
        for mut cam in cams.iter_mut(world) {
            cam.target = Vec3::ZERO;
            cam.distance = 400.0;
        }
        v.settle().expect("pipelines");
        let img = v.capture().expect("frame");
        keep(&img, &format!("mesh_{name}"));
        let c = project(v.clip_from_world(), Vec3::new(0.0, 0.0, -40.0), W, H).unwrap();
        centres.push(mean_around(&img, c, 3.0));
    }
    let (opaque, see_through) = (centres[0], centres[1]);
    assert!(
        opaque[0] > 150.0 && opaque[1] < 40.0,
        "opaque square: {opaque:?}"
    );
    assert!(
        see_through[1] > opaque[1] + 60.0 && see_through[0] > 60.0,
        "see-through square over the green sphere: {see_through:?}"
    );
}
