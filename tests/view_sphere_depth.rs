//! The two depth modes of the impostor spheres (`"looks": {"exact_depth": ...}`), rendered headless (lavapipe in CI): with exact
//! depth two overlapping spheres meet in their true curve, so near the front sphere's rim the
//! sphere behind, whose surface bulges nearer there, shows; with the nearest-point depth (the
//! default on software adapters) the front sphere's whole disc covers the overlap. Away from the
//! overlap both modes draw the same pixels. Set `DEPTH_PNG_DIR` to keep the frames.
#![cfg(feature = "viewer")]

#[path = "common/synthetic_nodes.rs"]
mod synthetic_nodes;

use std::path::PathBuf;

use bevy::math::{Vec2, Vec3};
use cortexview::session::{Looks, Material};
use cortexview::view::ViewerState;
use cortexview::view::camera::CameraPreset;
use cortexview::view::capture::{HeadlessViewer, project};
use cortexview::view::scene::{Coloring, Representation, Scene};
use image::RgbaImage;

const W: u32 = 320;
const H: u32 = 240;

fn solid(selection: &str, rgb: [f32; 3]) -> Representation {
    Representation {
        selection: selection.into(),
        coloring: Coloring::Solid(rgb),
        material: Material::Opaque,
        opacity: 1.0,
        ..Default::default()
    }
}

fn mean_around(img: &RgbaImage, c: Vec2, r: i32) -> [f32; 3] {
    let mut sum = [0.0f32; 3];
    let mut n = 0.0;
    for y in (c.y as i32 - r)..=(c.y as i32 + r) {
        for x in (c.x as i32 - r)..=(c.x as i32 + r) {
            let q = img.get_pixel(x as u32, y as u32).0;
            for k in 0..3 {
                sum[k] += f32::from(q[k]);
            }
            n += 1.0;
        }
    }
    sum.map(|s| s / n)
}

/// Red sphere A at the origin, green sphere B beside it and 4 µm farther from the camera (both
/// of radius 20 µm), seen along -z. At x = 16 µm A's surface is at z = 12 and B's at z = 15.6:
/// exact depth shows B there; A's nearest point (z = 20) is nearer than B's (z = 16), so the
/// nearest-point depth shows A.
#[test]
fn exact_depth_draws_the_curve_where_spheres_meet_and_nearest_point_depth_the_front_disc() {
    let dir = tempfile::tempdir().unwrap();
    let nodes = synthetic_nodes::write_nodes(
        dir.path(),
        // Two blue neurons far on either side widen the camera's fit.
        &[
            [0.0, 0.0, 0.0],
            [20.0, 0.0, -4.0],
            [-70.0, 0.0, 0.0],
            [90.0, 0.0, 0.0],
        ],
        &[100, 200, 300, 300],
    );
    let mut pictures = Vec::new();
    for exact in [true, false] {
        let mut scene = Scene::open(&nodes, &[]).expect("synthetic circuit opens");
        scene.base_radius = 20.0;
        let reps = vec![
            solid("type == 100", [0.9, 0.1, 0.1]),
            solid("type == 200", [0.1, 0.9, 0.1]),
            solid("type == 300", [0.1, 0.1, 0.9]),
        ];
        let mut v = HeadlessViewer::new(scene, reps, false, W, H).expect("viewer");
        v.app.world_mut().resource_mut::<ViewerState>().looks = Looks {
            exact_depth: Some(exact),
            ..Looks::default()
        };
        v.set_camera(CameraPreset::Front, 0.0);
        v.set_time(0.0, 8.0);
        v.warm_up().expect("pipelines");
        let img = v.capture().expect("frame");
        if let Some(out) = std::env::var_os("DEPTH_PNG_DIR") {
            let out = PathBuf::from(out);
            std::fs::create_dir_all(&out).unwrap();
            img.save(out.join(format!("exact_{exact}.png"))).unwrap();
        }
        let at = |p: Vec3| project(v.clip_from_world(), p, W, H).expect("in view");
        let overlap = mean_around(&img, at(Vec3::new(16.5, 0.0, 12.0)), 1);
        let a_alone = mean_around(&img, at(Vec3::new(-10.0, 0.0, 17.0)), 2);
        let b_alone = mean_around(&img, at(Vec3::new(32.0, 0.0, 10.0)), 2);
        pictures.push((exact, overlap, a_alone, b_alone));
    }
    let (_, exact_overlap, exact_a, exact_b) = pictures[0];
    let (_, flat_overlap, flat_a, flat_b) = pictures[1];
    assert!(
        exact_overlap[1] > 2.0 * exact_overlap[0],
        "exact depth: the sphere behind bulges through near the rim: {exact_overlap:?}"
    );
    assert!(
        flat_overlap[0] > 2.0 * flat_overlap[1],
        "nearest-point depth: the front disc covers the overlap: {flat_overlap:?}"
    );
    // Where the spheres do not overlap the two modes draw the same shaded colours.
    for (e, f) in [(exact_a, flat_a), (exact_b, flat_b)] {
        for k in 0..3 {
            assert!((e[k] - f[k]).abs() <= 2.0, "{e:?} vs {f:?}");
        }
    }
    assert!(
        exact_a[0] > 100.0 && exact_b[1] > 100.0,
        "{exact_a:?} {exact_b:?}"
    );
}
