//! Neurons drawn as their morphologies: the `morphology` and `morphology_line` styles on
//! sonata-examples/9_cells (dendrites lit where BMTK's placement puts them), a broken file
//! leaves its cells spheres with one warning, and the level of detail degrades by budget.
//! GPU tests need a Vulkan or GL adapter (Mesa's lavapipe in CI); skipped, with the reason
//! printed, where `../shared/fixtures` is absent (a failure under CI).
#![cfg(feature = "viewer")]

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use bevy::math::{Vec2, Vec3};
use cortexview::morphology::Morphology;
use cortexview::morphology::resolve::{MorphologySource, node_world_from_local};
use cortexview::view::camera::CameraPreset;
use cortexview::view::capture::{RenderOptions, project, render_scene};
use cortexview::view::morphologies::{Lod, MeshCache, MorphologySettings, build_layers};
use cortexview::view::scene::{Representation, Scene, Style};
use image::RgbaImage;

#[path = "common/fixtures.rs"]
mod fixtures;

/// One GPU app at a time: lavapipe uses every core already.
static GPU: Mutex<()> = Mutex::new(());

const W: u32 = 480;
const H: u32 = 360;

fn nine_cells() -> Option<PathBuf> {
    fixtures::shared_fixture("sonata-examples/9_cells/circuit_config.json")
}

fn opts(style: Style) -> RenderOptions {
    RenderOptions {
        width: W,
        height: H,
        camera: CameraPreset::Front,
        overlay: false,
        color_by: Some("#ffffff".into()),
        style,
        ..Default::default()
    }
}

fn soma_positions(path: &Path) -> Vec<Vec3> {
    Scene::open(path, &[])
        .expect("opens")
        .positions
        .iter()
        .map(|p| Vec3::from(*p))
        .collect()
}

fn lit(img: &RgbaImage, x: u32, y: u32) -> bool {
    let p = img.get_pixel(x, y).0;
    p[0] > 40 || p[1] > 40 || p[2] > 40
}

fn lit_count(img: &RgbaImage) -> usize {
    (0..H)
        .flat_map(|y| (0..W).map(move |x| (x, y)))
        .filter(|&(x, y)| lit(img, x, y))
        .count()
}

fn lit_near(img: &RgbaImage, p: Vec2, r: i64) -> bool {
    (-r..=r).any(|dy| {
        (-r..=r).any(|dx| {
            let (x, y) = (p.x as i64 + dx, p.y as i64 + dy);
            x >= 0 && y >= 0 && x < W as i64 && y < H as i64 && lit(img, x as u32, y as u32)
        })
    })
}

/// The world position of the highest point (largest y: the apical tuft) of each cell, placed
/// as BMTK places it.
fn apical_tips(scene: &Scene) -> Vec<Vec3> {
    let source = MorphologySource::of(&scene.circuit).expect("9_cells names morphologies_dir");
    let cortex = scene
        .populations
        .iter()
        .find(|p| p.name == "cortex")
        .expect("cortex");
    let pop = &scene.circuit.nodes[cortex.circuit_index];
    cortex
        .rows
        .iter()
        .map(|&row| {
            let path = source.node_path(pop, row as usize).expect("morphology");
            let m = Morphology::load(&path).expect("fixture morphology loads");
            let world_from_local =
                node_world_from_local(pop, row as usize, m.soma.center()).expect("placed");
            m.sections
                .iter()
                .flat_map(|s| s.points.iter())
                .map(|p| {
                    let w = world_from_local.apply(p.map(f64::from));
                    Vec3::new(w[0] as f32, w[1] as f32, w[2] as f32)
                })
                .max_by(|a, b| a.y.total_cmp(&b.y))
                .expect("points")
        })
        .collect()
}

#[test]
fn nine_cells_as_morphologies_light_their_dendrites_where_bmtk_places_them() {
    let Some(path) = nine_cells() else {
        return;
    };
    let _gpu = GPU.lock().unwrap_or_else(|e| e.into_inner());
    let somata = render_scene(
        Scene::open(&path, &[]).expect("opens"),
        &opts(Style::Spheres),
    )
    .expect("render somata");
    let scene = Scene::open(&path, &[]).expect("opens");
    let tips = apical_tips(&scene);
    assert_eq!(tips.len(), 9);
    let tubes = render_scene(scene, &opts(Style::Morphology)).expect("render morphologies");
    let frame = &tubes.frames[0];
    let (n_somata, n_tubes) = (lit_count(&somata.frames[0].image), lit_count(&frame.image));
    assert!(
        n_tubes > 2 * n_somata && n_tubes > 3000,
        "dendrites light more pixels than the somata: {n_tubes} vs {n_somata}"
    );
    // Most lit pixels are away from the somata: dendrites, not spheres.
    let soma_px: Vec<Vec2> = soma_positions(&path)
        .iter()
        .filter_map(|p| project(frame.clip_from_world, *p, W, H))
        .collect();
    let away = (0..H)
        .flat_map(|y| (0..W).map(move |x| (x, y)))
        .filter(|&(x, y)| lit(&frame.image, x, y))
        .filter(|&(x, y)| {
            let q = Vec2::new(x as f32, y as f32);
            soma_px.iter().all(|c| c.distance(q) > 15.0)
        })
        .count();
    assert!(
        away * 10 > n_tubes * 7 && away > 2500,
        "{away} of {n_tubes} lit pixels are more than 15 px from every soma"
    );
    for tip in &tips {
        let p = project(frame.clip_from_world, *tip, W, H).expect("in front");
        assert!(
            p.x >= 0.0 && p.y >= 0.0 && p.x < W as f32 && p.y < H as f32,
            "the view is fitted to the dendrites: the apical tip {tip} is at {p}"
        );
        assert!(
            lit_near(&frame.image, p, 2),
            "the apical tip {tip} is drawn at {p}"
        );
    }
    // Well above the somata (y = 0), where only apical dendrites reach, pixels are lit.
    let above = project(frame.clip_from_world, Vec3::new(30.0, 0.0, 0.0), W, H).expect("soma");
    let tip = project(frame.clip_from_world, tips[3], W, H).expect("tip");
    assert!(
        tip.y < above.y - 50.0,
        "apical dendrites point up (pia is +y)"
    );

    let scene = Scene::open(&path, &[]).expect("opens");
    let lines = render_scene(scene, &opts(Style::MorphologyLine)).expect("render lines");
    let n_lines = lit_count(&lines.frames[0].image);
    assert!(
        n_lines > 2 * n_somata,
        "lines light the dendrites too: {n_lines} vs {n_somata}"
    );
}

/// 9_cells with its morphologies copied into `dir`, one of the three files broken.
fn nine_cells_with_a_broken_file(dir: &Path) -> PathBuf {
    let base = fixtures::shared_fixtures()
        .join("sonata-examples")
        .canonicalize()
        .expect("fixtures");
    let morph = dir.join("morphologies");
    std::fs::create_dir_all(&morph).expect("dir");
    for name in ["Rorb_325404214_m.swc", "Nr5a1_471087815_m.swc"] {
        std::fs::copy(
            base.join("shared_components/morphologies").join(name),
            morph.join(name),
        )
        .expect("copy");
    }
    std::fs::write(
        morph.join("Scnn1a_473845048_m.swc"),
        "1 1 0 0 0 5 -1\n2 3 oops\n",
    )
    .expect("broken file");
    let net = base.join("9_cells/network");
    let config = serde_json::json!({
        "components": { "morphologies_dir": morph },
        "networks": { "nodes": [{
            "nodes_file": net.join("cortex_nodes.h5"),
            "node_types_file": net.join("cortex_node_types.csv"),
        }], "edges": [] }
    });
    let path = dir.join("circuit_config.json");
    std::fs::write(&path, config.to_string()).expect("config");
    path
}

fn morphology_reps(style: Style) -> Vec<Representation> {
    vec![Representation {
        style,
        ..Default::default()
    }]
}

#[test]
fn a_broken_morphology_file_leaves_its_cells_spheres_with_one_message() {
    if nine_cells().is_none() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let scene = Scene::open(&nine_cells_with_a_broken_file(dir.path()), &[]).expect("opens");
    let styled = scene.style(&morphology_reps(Style::Morphology), false);
    assert_eq!(
        styled.morphology.len(),
        9,
        "all nine cells ask for morphologies"
    );
    let mut cache = MeshCache::default();
    let built = build_layers(
        &scene,
        &styled.morphology,
        &MorphologySettings::gpu(),
        None,
        &mut cache,
    );
    let s = &built.summary;
    assert_eq!((s.tubes, s.without, s.unique), (6, 3, 2), "{s:?}");
    assert_eq!(s.failures.len(), 1, "one message for the one broken file");
    assert!(s.failures[0].contains("Scnn1a_473845048_m.swc"), "{s:?}");
    assert_eq!(built.somata.len(), 6, "drawn cells get their soma radius");
    assert!(built.tubes.is_some() && built.far.is_some() && built.lines.is_none());
    // The three Scnn1a cells (instances 0..3) keep their spheres.
    assert!(built.somata.iter().all(|(i, _)| *i >= 3));
    assert!(built.somata.iter().all(|(_, r)| *r > 1.0 && *r < 30.0));
}

#[test]
fn level_of_detail_turns_tubes_to_lines_then_to_somata_by_budget() {
    let Some(path) = nine_cells() else {
        return;
    };
    let scene = Scene::open(&path, &[]).expect("opens");
    let cells = scene
        .style(&morphology_reps(Style::Morphology), false)
        .morphology;
    let mut cache = MeshCache::default();
    let mut settings = MorphologySettings::gpu();
    let full = build_layers(&scene, &cells, &settings, None, &mut cache).summary;
    assert_eq!((full.tubes, full.lines, full.somata_only), (9, 0, 0));
    // Tubes of `sides` quads per segment, over centre lines of the same segments.
    let sides = settings.tube.sides as usize;
    assert_eq!(full.triangles, 2 * sides * full.segments, "{full:?}");
    assert!(full.degraded.is_none());

    settings.tube_triangles = full.triangles - 1;
    let lines = build_layers(&scene, &cells, &settings, None, &mut cache).summary;
    assert_eq!((lines.tubes, lines.lines, lines.triangles), (0, 9, 0));
    assert!(
        lines.segments > 0 && lines.segments <= full.segments,
        "lines are thinned at least as much as tubes: {lines:?}"
    );
    assert!(lines.degraded.is_some());

    settings.line_segments = lines.segments - 1;
    let somata = build_layers(&scene, &cells, &settings, None, &mut cache).summary;
    assert_eq!((somata.tubes, somata.lines, somata.somata_only), (0, 0, 9));
    assert_eq!(somata.gpu_bytes, 0);

    // Over budget with a view centre: the cells nearest it keep their detail. 9_cells has
    // Scnn1a at x = 0..2, Rorb at 30..32, Nr5a1 at 60..62 (layer meshes in file-name order).
    let mut settings = MorphologySettings::gpu();
    settings.tube_triangles = full.triangles / 2;
    let near = build_layers(
        &scene,
        &cells,
        &settings,
        Some(bevy::math::Vec3::new(61.0, 0.0, 0.0)),
        &mut cache,
    );
    let s = &near.summary;
    assert!(s.over_budget && s.tubes >= 3 && s.tubes < 9, "{s:?}");
    assert_eq!(s.tubes + s.lines, 9, "the rest fit as lines: {s:?}");
    assert!(s.triangles <= settings.tube_triangles);
    let tubes = near.tubes.expect("tubes");
    let per_file: Vec<usize> = tubes.meshes.iter().map(|m| m.instances.len()).collect();
    assert_eq!(
        per_file[0], 3,
        "the three Nr5a1 cells at the centre are tubes: {per_file:?}"
    );
    assert!(
        per_file.len() < 3,
        "the far Scnn1a cells are not: {per_file:?}"
    );
    let far = build_layers(
        &scene,
        &cells,
        &settings,
        Some(bevy::math::Vec3::new(-100.0, 0.0, 0.0)),
        &mut cache,
    );
    let far_tubes = far.tubes.expect("tubes");
    assert_eq!(
        far_tubes.meshes.len(),
        1,
        "moving the centre moves the detail to the Scnn1a cells, nearest first"
    );
    assert!(far.summary.tubes >= 1 && far.summary.tubes + far.summary.lines == 9);

    // Forced levels ignore the budgets.
    settings.lod = Lod::Tubes;
    settings.tube_triangles = 1;
    let forced = build_layers(&scene, &cells, &settings, None, &mut cache).summary;
    assert_eq!(forced.tubes, 9);
}

/// An SWC of a soma, a straight dendrite of `chain` points and an axon of `nested` branch
/// points, each the child of the one before (a tree `nested` sections deep), each with a
/// short leaf.
fn big_swc(chain: usize, nested: usize) -> String {
    use std::fmt::Write;
    let mut swc = String::with_capacity((chain + 2 * nested) * 40);
    swc.push_str("1 1 0 0 0 5 -1\n");
    let mut id = 1;
    let mut parent = 1;
    for k in 0..chain {
        id += 1;
        let _ = writeln!(swc, "{id} 3 {:.3} 0 0 0.5 {parent}", 5.0 + k as f64 * 0.05);
        parent = id;
    }
    parent = 1;
    for k in 0..nested {
        let y = -5.0 - k as f64 * 0.5;
        id += 1;
        let branch = id;
        let _ = writeln!(swc, "{branch} 2 0 {y:.1} 0 0.3 {parent}");
        id += 1;
        let _ = writeln!(swc, "{id} 2 0.5 {y:.1} 0.5 0.3 {branch}");
        parent = branch;
    }
    swc
}

#[test]
fn a_cell_of_a_million_points_and_deeply_nested_branches_is_drawn() {
    if nine_cells().is_none() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let config = nine_cells_with_a_broken_file(dir.path());
    std::fs::write(
        dir.path().join("morphologies/Scnn1a_473845048_m.swc"),
        big_swc(1_000_000, 200_000),
    )
    .expect("big swc");
    let _gpu = GPU.lock().unwrap_or_else(|e| e.into_inner());
    let cells = render_scene(
        Scene::open(&config, &[]).expect("opens"),
        &opts(Style::Morphology),
    )
    .expect("a big valid cell is drawn, not an error");
    let img = &cells.frames[0].image;
    let lit_pixels: Vec<(u32, u32)> = (0..H)
        .flat_map(|y| (0..W).map(move |x| (x, y)))
        .filter(|&(x, y)| lit(img, x, y))
        .collect();
    let extent = |coord: fn(&(u32, u32)) -> u32| {
        let values = lit_pixels.iter().map(coord);
        values.clone().max().unwrap_or(0) - values.min().unwrap_or(0)
    };
    let (wide, high) = (extent(|p| p.0), extent(|p| p.1));
    // The view fits the big cells, whose dendrite (50 mm) and axon (100 mm) run across it.
    assert!(
        wide > W / 2 || high > H / 2,
        "the big cells are drawn: lit pixels span {wide} x {high} of {W} x {H}"
    );
}
