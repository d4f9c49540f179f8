//! Morphologies in colour: section types (soma, axon, basal, apical dendrites) and a
//! compartment report along the dendrites of sonata-examples/9_cells. The report
//! (tests/data/compartment_report, written by scripts/compartment_reports/) holds a wave that
//! travels out from each soma; its expected values per section come from the script.
//! GPU tests need a Vulkan or GL adapter (Mesa's lavapipe in CI); skipped, with the reason
//! printed, where `../shared/fixtures` is absent (a failure under CI).
#![cfg(feature = "viewer")]

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use bevy::math::Vec3;
use cortexview::morphology::Morphology;
use cortexview::morphology::mesh::line_mesh;
use cortexview::morphology::neuron_order::neuron_section_ids;
use cortexview::morphology::resolve::{MorphologySource, node_world_from_local};
use cortexview::sonata::reports::read_reports;
use cortexview::view::camera::CameraPreset;
use cortexview::view::capture::{HeadlessViewer, project};
use cortexview::view::colors::{Colormap, SECTION_TYPE_COLORS};
use cortexview::view::morphologies::{Lod, MorphologySettings};
use cortexview::view::reports::compartments::{NodeElements, vertex_columns};
use cortexview::view::scene::{Coloring, Representation, Scene, Style};
use image::RgbaImage;

#[path = "common/fixtures.rs"]
mod fixtures;

/// One GPU app at a time: lavapipe uses every core already.
static GPU: Mutex<()> = Mutex::new(());

const W: u32 = 640;
const H: u32 = 480;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn nine_cells() -> Option<PathBuf> {
    fixtures::shared_fixture("sonata-examples/9_cells/circuit_config.json")
}

fn report_file() -> PathBuf {
    root().join("tests/data/compartment_report/v_compartments.h5")
}

fn expected() -> serde_json::Value {
    let text = std::fs::read_to_string(root().join("tests/data/compartment_report/expected.json"))
        .expect("expected.json reads");
    serde_json::from_str(&text).expect("expected.json is JSON")
}

/// The morphology of a cortex node and where BMTK places it.
fn placed(scene: &Scene, node_row: usize) -> (Morphology, cortexview::morphology::Transform) {
    let source = MorphologySource::of(&scene.circuit).expect("9_cells names morphologies_dir");
    let pop = scene
        .circuit
        .nodes
        .iter()
        .find(|p| p.name == "cortex")
        .expect("cortex");
    let path = source.node_path(pop, node_row).expect("morphology");
    let m = Morphology::load(&path).expect("fixture morphology loads");
    let t = node_world_from_local(pop, node_row, m.soma.center()).expect("placed");
    (m, t)
}

fn world(t: &cortexview::morphology::Transform, p: [f32; 3]) -> Vec3 {
    let w = t.apply(p.map(f64::from));
    Vec3::new(w[0] as f32, w[1] as f32, w[2] as f32)
}

#[test]
fn a_compartment_value_lands_on_its_section_and_segment() {
    let Some(path) = nine_cells() else {
        return;
    };
    let scene = Scene::open(&path, &[]).expect("opens");
    let (reports, _) = read_reports(&report_file()).expect("the report reads");
    let report = &reports[0];
    let want = expected();
    let frame = want["frame"].as_u64().expect("frame") as usize;
    let row = report.read_frame(frame).expect("frame reads");
    let mut checked = 0;
    for (node, cell) in want["nodes"].as_object().expect("nodes") {
        let node: u64 = node.parse().expect("node id");
        let k = report
            .node_ids
            .iter()
            .position(|&n| n == node)
            .expect("node in report");
        let (m, _) = placed(&scene, node as usize);
        assert_eq!(
            m.sections.len() + 1,
            {
                let mut ids: Vec<u64> = report.element_ids
                    [report.index_pointers[k] as usize..report.index_pointers[k + 1] as usize]
                    .to_vec();
                ids.dedup();
                ids.len()
            },
            "node {node}: one element group per section and the soma"
        );
        let ids = neuron_section_ids(&m);
        let mesh = line_mesh(&m);
        let columns = vertex_columns(&mesh.along, &ids, &NodeElements::of(report, k));
        for (index, section) in cell["sections"].as_object().expect("sections") {
            let index: usize = index.parse().expect("section index");
            assert_eq!(
                u64::from(ids[index]),
                section["element_id"].as_u64().expect("id"),
                "node {node} section {index}: NEURON's number"
            );
            let nseg = section["nseg"].as_u64().expect("nseg") as usize;
            let values: Vec<f64> = section["values"]
                .as_array()
                .expect("values")
                .iter()
                .map(|v| v.as_f64().expect("value"))
                .collect();
            assert_eq!(values.len(), nseg);
            for (v, a) in mesh.along.iter().enumerate() {
                if a.section as usize != index {
                    continue;
                }
                let got = f64::from(row[columns[v] as usize]);
                // The segment that holds the vertex; on a boundary either neighbour.
                let s = f64::from(a.x) * nseg as f64;
                let segs = if (s - s.round()).abs() < 1e-4 {
                    vec![(s.round() as usize).saturating_sub(1), s.round() as usize]
                } else {
                    vec![s.floor() as usize]
                };
                assert!(
                    segs.iter()
                        .any(|&g| (values[g.min(nseg - 1)] - got).abs() < 1e-3),
                    "node {node} section {index} at x = {}: {got} not among {:?}",
                    a.x,
                    segs.iter()
                        .map(|&g| values[g.min(nseg - 1)])
                        .collect::<Vec<_>>()
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "{checked} vertices checked");
}

/// The section type whose palette colour has the hue of pixel `p` (brightness divided out),
/// `None` for background.
fn classify(p: [u8; 4]) -> Option<u8> {
    let max = p[0].max(p[1]).max(p[2]);
    if max < 40 {
        return None;
    }
    let n = [p[0], p[1], p[2]].map(|c| f32::from(c) / f32::from(max));
    SECTION_TYPE_COLORS
        .iter()
        .map(|(t, _, c)| {
            let cm = c[0].max(c[1]).max(c[2]);
            let d: f32 = (0..3).map(|k| (c[k] / cm - n[k]).powi(2)).sum();
            (*t, d)
        })
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(t, _)| t)
}

fn viewer(scene: Scene, reps: Vec<Representation>, t: f64) -> HeadlessViewer {
    let mut v = HeadlessViewer::new(scene, reps, false, W, H).expect("headless viewer");
    v.app.world_mut().resource_mut::<MorphologySettings>().lod = Lod::Tubes;
    v.set_camera(CameraPreset::Front, 0.0);
    v.set_time(t, 8.0);
    v.warm_up().expect("warm up");
    v.set_camera(CameraPreset::Front, 0.0);
    v.warm_up().expect("warm up");
    v
}

fn save(img: &RgbaImage, name: &str) {
    if let Some(dir) = std::env::var_os("CORTEXVIEW_TEST_PNGS") {
        let _ = img.save(Path::new(&dir).join(name));
    }
}

#[test]
fn section_types_colour_axon_and_dendrites_apart() {
    let Some(path) = nine_cells() else {
        return;
    };
    let _gpu = GPU.lock().unwrap_or_else(|e| e.into_inner());
    let scene = Scene::open(&path, &[]).expect("opens");
    let cells: Vec<_> = (0..9).map(|row| placed(&scene, row)).collect();
    let mut v = viewer(
        scene,
        vec![Representation {
            selection: "population == cortex".into(),
            style: Style::Morphology,
            coloring: Coloring::parse("section_type"),
            ..Default::default()
        }],
        0.0,
    );
    let legend: Vec<String> = v
        .state()
        .styled
        .legend
        .iter()
        .map(|e| format!("{e:?}"))
        .collect();
    assert!(
        legend.iter().any(|e| e.contains("axon")) && legend.iter().any(|e| e.contains("apical")),
        "{legend:?}"
    );
    let img = v.capture().expect("frame");
    save(&img, "section_types.png");
    let clip = v.clip_from_world();
    // Every drawn point on screen with its type.
    let mut points: Vec<(u8, bevy::math::Vec2)> = Vec::new();
    for (m, t) in &cells {
        for s in &m.sections {
            for p in &s.points {
                if let Some(q) = project(clip, world(t, *p), W, H)
                    && q.x >= 0.0
                    && q.y >= 0.0
                    && q.x < W as f32
                    && q.y < H as f32
                {
                    points.push((s.section_type.0, q));
                }
            }
        }
    }
    for ty in [2u8, 3, 4] {
        let (mut lit, mut right) = (0, 0);
        for &(_, q) in points.iter().filter(|(t, _)| *t == ty).step_by(2) {
            // Only where no section of another type passes within 3 px (in front or behind).
            if points.iter().any(|&(t, o)| t != ty && o.distance(q) < 3.0) {
                continue;
            }
            if let Some(c) = classify(img.get_pixel(q.x as u32, q.y as u32).0) {
                lit += 1;
                right += usize::from(c == ty);
            }
        }
        assert!(lit >= 10, "type {ty}: only {lit} of its points drawn");
        assert!(
            right * 10 >= lit * 8,
            "type {ty}: {right} of {lit} drawn points have its colour"
        );
    }
}

/// Path distance from the soma of each point of each section (parents come first).
fn path_distances(m: &Morphology) -> Vec<Vec<f32>> {
    let mut out: Vec<Vec<f32>> = Vec::with_capacity(m.sections.len());
    for s in &m.sections {
        let start = s
            .parent
            .and_then(|p| out.get(p))
            .and_then(|d| d.last().copied())
            .unwrap_or(0.0);
        let mut d = vec![start];
        for w in s.points.windows(2) {
            let step = Vec3::from(w[1]).distance(Vec3::from(w[0]));
            d.push(d[d.len() - 1] + step);
        }
        out.push(d);
    }
    out
}

#[test]
fn a_compartment_report_colours_the_dendrites_not_only_the_soma() {
    let Some(path) = nine_cells() else {
        return;
    };
    let _gpu = GPU.lock().unwrap_or_else(|e| e.into_inner());
    let mut scene = Scene::open(&path, &[]).expect("opens");
    let (reports, _) = read_reports(&report_file()).expect("the report reads");
    scene.circuit.reports.extend(reports);
    let cells: Vec<_> = (0..9).map(|row| placed(&scene, row)).collect();
    // At 40 ms the wave is 160 µm from each soma (4 µm/ms).
    let t = 40.5;
    let mut v = viewer(
        scene,
        vec![Representation {
            selection: "population == cortex".into(),
            style: Style::Morphology,
            coloring: Coloring::ByReport {
                colormap: Colormap::Viridis,
                range: Some((-70.0, 10.0)),
            },
            ..Default::default()
        }],
        t,
    );
    v.wait_for_reports().expect("report frame");
    v.settle().expect("painted meshes uploaded");
    let img = v.capture().expect("frame");
    save(&img, "compartments.png");
    let clip = v.clip_from_world();
    let (mut wave, mut rest) = (Vec::new(), Vec::new());
    for (m, tr) in &cells {
        for (s, d) in m.sections.iter().zip(path_distances(m)) {
            for (p, d) in s.points.iter().zip(d).step_by(2) {
                let Some(q) = project(clip, world(tr, *p), W, H) else {
                    continue;
                };
                if q.x < 0.0 || q.y < 0.0 || q.x >= W as f32 || q.y >= H as f32 {
                    continue;
                }
                let px = img.get_pixel(q.x as u32, q.y as u32).0;
                if px[0].max(px[1]).max(px[2]) < 30 {
                    continue;
                }
                if (d - 160.0).abs() < 15.0 {
                    wave.push(px);
                } else if d > 280.0 {
                    rest.push(px);
                }
            }
        }
    }
    assert!(
        wave.len() >= 20 && rest.len() >= 20,
        "{} wave, {} rest",
        wave.len(),
        rest.len()
    );
    let green = |px: &[[u8; 4]]| px.iter().map(|p| f64::from(p[1])).sum::<f64>() / px.len() as f64;
    let (g_wave, g_rest) = (green(&wave), green(&rest));
    // Viridis: yellow-green at the wave's crest, dark purple at rest (-70 mV).
    assert!(
        g_wave > 2.5 * g_rest && g_wave > 80.0,
        "green at the wave {g_wave:.0}, at rest {g_rest:.0}"
    );
}
