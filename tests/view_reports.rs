//! Report colouring without a GPU: the values that colour the somata at chosen times equal
//! what h5py reads from the same report (tests/data/references), a compartment report colours
//! each soma by its first element through a cache that never holds more than a few windows,
//! and a trace equals the report column, thinned.
#![cfg(feature = "viewer")]

use std::path::{Path, PathBuf};

use cortexview::sonata::reports::read_reports;
use cortexview::view::colors::Colormap;
use cortexview::view::reports::frames::{
    FrameCache, SomaMap, read_window, report_colors, values_by_instance,
};
use cortexview::view::reports::plugin::read_trace_values;
use cortexview::view::scene::{Coloring, Representation, Scene};

#[path = "common/fixtures.rs"]
mod fixtures;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(rel: &str) -> Option<PathBuf> {
    fixtures::shared_fixture(rel)
}

/// Soma values of every report node at `frame`, through the cache as playback reads them.
fn cached_frame(
    cache: &mut FrameCache,
    report: &cortexview::sonata::FrameReport,
    soma: &SomaMap,
    frame: usize,
) -> Vec<f32> {
    let n = report.n_frames;
    // Read what playback would: the window of the frame, then the one ahead.
    while let Some(w) = cache.wanted(frame, n, true) {
        let window = read_window(report, soma, w).expect("window reads");
        cache.insert(window);
        if cache.contains(frame) {
            break;
        }
    }
    assert!(cache.held().len() <= cache.capacity);
    cache.get(frame).expect("frame cached").to_vec()
}

#[test]
fn soma_colours_follow_the_values_h5py_reads() {
    let Some(dir) = fixture("sonata-examples/9_cells") else {
        return;
    };
    let reference: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/data/references/sonata_9_cells.json"))
            .expect("reference"),
    )
    .expect("json");
    let r = &reference["reports"]["membrane_potential.h5/cortex"];
    let scene = Scene::open(&dir.join("simulation_config.json"), &[]).expect("opens");
    let report = scene
        .circuit
        .reports
        .iter()
        .find(|r| r.file.ends_with("membrane_potential.h5"))
        .expect("the config names the membrane report");
    let soma = SomaMap::new(&scene, report);
    assert_eq!(soma.population.as_deref(), Some("cortex"));
    let reps = vec![Representation {
        selection: "population == cortex".into(),
        coloring: Coloring::ByReport {
            colormap: Colormap::Viridis,
            range: Some((-80.0, -40.0)),
        },
        ..Default::default()
    }];
    let styled = scene.style(&reps, false);
    assert_eq!(styled.by_report.len(), 9);
    let mut cache = FrameCache::new(soma.n_nodes(), 4 * 9 * 3 * 1000);
    let (t_start, dt) = (r["t_start"].as_f64().unwrap(), r["dt"].as_f64().unwrap());
    let mut checked = 0;
    for (frame, columns) in r["frames"].as_object().unwrap() {
        let frame: usize = frame.parse().unwrap();
        // Playback time in the middle of the frame: the frame at or before it.
        let t = t_start + dt * (frame as f64 + 0.5);
        assert_eq!(report.frame_at(t), Some(frame));
        let values = cached_frame(&mut cache, report, &soma, frame);
        let by_instance = values_by_instance(&soma, &values, scene.len());
        let colours = report_colors(&styled, &reps, &by_instance, None);
        for (k, &node_id) in report.node_ids.iter().enumerate() {
            let column = report.index_pointers[k].to_string();
            let Some(want) = columns.get(&column).and_then(|v| v.as_f64()) else {
                continue;
            };
            let inst = soma.instances[k] as usize;
            let (sp, row) = scene.locate(inst).expect("drawn");
            assert_eq!(sp.name, "cortex");
            assert_eq!(scene.circuit.nodes[sp.circuit_index].node_ids[row], node_id);
            let got = by_instance[inst];
            assert!(
                (got as f64 - want).abs() <= 1e-5 * want.abs(),
                "frame {frame} node {node_id}: {got} vs h5py {want}"
            );
            let colour = colours.iter().find(|(i, _)| *i as usize == inst).unwrap().1;
            assert_eq!(colour, Colormap::Viridis.of(got as f64, (-80.0, -40.0)));
            checked += 1;
        }
    }
    assert!(checked >= 27, "{checked} values checked");
}

/// Value of a synthetic report: node, frame and element are all visible in it.
fn synthetic(node_id: u64, frame: usize, element: usize) -> f32 {
    node_id as f32 * 0.01 + frame as f32 * 0.5 + element as f32 * 1000.0
}

fn attr_text(ds: &hdf5::Dataset, name: &str, value: &str) {
    let v: hdf5::types::VarLenUnicode = value.parse().unwrap();
    ds.new_attr::<hdf5::types::VarLenUnicode>()
        .create(name)
        .unwrap()
        .write_scalar(&v)
        .unwrap();
}

/// Writes `/report/<population>` with nodes in the given order, `elements(k)` elements for
/// the k-th node (the first one its soma), `n_frames` frames `dt` apart.
fn write_report(
    file: &hdf5::File,
    population: &str,
    node_ids: &[u64],
    elements: impl Fn(usize) -> usize,
    n_frames: usize,
    dt: f64,
    value: impl Fn(u64, usize, usize) -> f32,
) {
    let g = file.create_group(&format!("report/{population}")).unwrap();
    let m = g.create_group("mapping").unwrap();
    let mut ptr = vec![0u64];
    let mut element_ids = Vec::new();
    let mut cols = Vec::new();
    for (k, &id) in node_ids.iter().enumerate() {
        for e in 0..elements(k) {
            element_ids.push(e as u64);
            cols.push((id, e));
        }
        ptr.push(element_ids.len() as u64);
    }
    let data = ndarray::Array2::from_shape_fn((n_frames, cols.len()), |(f, c)| {
        value(cols[c].0, f, cols[c].1)
    });
    m.new_dataset_builder()
        .with_data(node_ids)
        .create("node_ids")
        .unwrap();
    m.new_dataset_builder()
        .with_data(&ptr)
        .create("index_pointers")
        .unwrap();
    m.new_dataset_builder()
        .with_data(&element_ids)
        .create("element_ids")
        .unwrap();
    m.new_dataset_builder()
        .with_data(&[0.0, n_frames as f64 * dt, dt])
        .create("time")
        .unwrap();
    let ds = g
        .new_dataset_builder()
        .with_data(&data)
        .create("data")
        .unwrap();
    attr_text(&ds, "units", "mV");
    attr_text(&ds, "variable", "v");
}

fn v1_scene() -> Scene {
    Scene::open(&root().join("tests/data/v1_like_n300_none"), &[]).expect("fixture opens")
}

fn write_compartment_report(scene: &Scene, path: &Path) -> Vec<u64> {
    let v1 = scene.circuit.node_population("v1").expect("v1");
    // Nodes in reverse order, 1 to 3 elements each: the soma is never column k.
    let ids: Vec<u64> = v1.node_ids.iter().rev().copied().collect();
    let file = hdf5::File::create(path).unwrap();
    write_report(&file, "v1", &ids, |k| 1 + k % 3, 200, 0.5, synthetic);
    write_report(&file, "lgn", &[2, 0, 1], |_| 1, 10_001, 0.1, synthetic);
    ids
}

#[test]
fn compartment_reports_colour_each_soma_by_its_first_element() {
    let scene = v1_scene();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.h5");
    let ids = write_compartment_report(&scene, &path);
    let (reports, _) = read_reports(&path).expect("reads");
    let report = reports.iter().find(|r| r.population == "v1").unwrap();
    let soma = SomaMap::new(&scene, report);
    // A budget of 5 frames a window: playback crosses many windows, 3 held at most.
    let mut cache = FrameCache::new(soma.n_nodes(), 4 * ids.len() * 3 * 5);
    assert_eq!(cache.window_len, 5);
    for frame in [0, 3, 4, 5, 6, 11, 12, 150, 42, 199, 43] {
        let values = cached_frame(&mut cache, report, &soma, frame);
        let by_instance = values_by_instance(&soma, &values, scene.len());
        for (k, &id) in ids.iter().enumerate() {
            let inst = soma.instances[k];
            assert_ne!(inst, u32::MAX, "v1 node {id} is drawn");
            let (sp, row) = scene.locate(inst as usize).unwrap();
            assert_eq!(
                (
                    sp.name.as_str(),
                    scene.circuit.nodes[sp.circuit_index].node_ids[row]
                ),
                ("v1", id)
            );
            assert_eq!(by_instance[inst as usize], synthetic(id, frame, 0));
            assert_eq!(soma.node_of(inst as usize), Some(k));
        }
        // Instances outside the report have no value.
        let reported = by_instance.iter().filter(|v| v.is_finite()).count();
        assert_eq!(reported, ids.len());
    }
}

#[test]
fn traces_equal_the_report_column_thinned() {
    let scene = v1_scene();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.h5");
    let ids = write_compartment_report(&scene, &path);
    let (reports, _) = read_reports(&path).expect("reads");
    // Compartment report, 200 frames: every frame of 10..=60 ms.
    let v1 = reports.iter().find(|r| r.population == "v1").unwrap();
    let k = 7;
    let column = v1.index_pointers[k] as usize;
    let t = read_trace_values(v1, column, (10.0, 60.0), 0, String::new()).unwrap();
    assert_eq!((t.t0, t.dt), (10.0, 0.5));
    let want: Vec<f32> = (20..=120).map(|f| synthetic(ids[k], f, 0)).collect();
    assert_eq!(t.values, want);
    // Soma report, 10,001 frames over the whole range: thinned to every 3rd frame.
    let lgn = reports.iter().find(|r| r.population == "lgn").unwrap();
    let t = read_trace_values(lgn, 1, (0.0, 1000.0), 0, String::new()).unwrap();
    assert!((t.dt - 0.3).abs() < 1e-12);
    assert_eq!(t.values.len(), 3334);
    for (i, v) in t.values.iter().enumerate() {
        assert_eq!(*v, synthetic(0, 3 * i, 0));
    }
}

/// Writes the synthetic v1 report (a wave across depth) for scripted screenshots:
/// `CORTEXVIEW_DEMO_REPORT=/tmp/v1/output/membrane_potential.h5 cargo test --test
/// view_reports -- --ignored`.
#[test]
#[ignore]
fn write_demo_report() {
    let Some(path) = std::env::var_os("CORTEXVIEW_DEMO_REPORT") else {
        return;
    };
    let scene = v1_scene();
    let v1 = scene.circuit.node_population("v1").expect("v1");
    let sp = scene.populations.iter().find(|p| p.name == "v1").unwrap();
    let depth: Vec<f32> = (0..v1.len())
        .map(|row| {
            sp.rows
                .iter()
                .position(|&r| r as usize == row)
                .map(|i| scene.positions[sp.offset + i][1])
                .unwrap_or(0.0)
        })
        .collect();
    let file = hdf5::File::create(PathBuf::from(path)).unwrap();
    write_report(
        &file,
        "v1",
        &v1.node_ids,
        |_| 1,
        10_000,
        0.1,
        |id, f, _| {
            let t = f as f32 * 0.1;
            let phase = std::f32::consts::TAU * (t / 250.0 + depth[id as usize] / 600.0);
            -65.0
                + 12.0 * phase.sin()
                + if (f + id as usize * 37) % 700 < 8 {
                    80.0
                } else {
                    0.0
                }
        },
    );
}

/// Through the Bevy systems on lavapipe: somata are drawn in their report colour at the
/// playback time, and change colour when playback moves to a frame where the values differ.
#[test]
fn somata_are_drawn_in_their_report_colour_at_the_playback_time() {
    use cortexview::view::camera::CameraPreset;
    use cortexview::view::capture::{HeadlessViewer, project};
    use cortexview::view::reports::plugin::Reports;

    let mut scene = v1_scene();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("parity.h5");
    let v1 = scene.circuit.node_population("v1").unwrap();
    let ids = v1.node_ids.clone();
    // Odd nodes high before frame 100 (t = 50 ms) and low after; even ones the other way.
    let file = hdf5::File::create(&path).unwrap();
    write_report(
        &file,
        "v1",
        &ids,
        |_| 1,
        200,
        0.5,
        |id, f, _| {
            if (id % 2 == 1) == (f < 100) {
                -40.0
            } else {
                -80.0
            }
        },
    );
    drop(file);
    scene
        .circuit
        .reports
        .extend(read_reports(&path).expect("reads").0);
    let reps = vec![Representation {
        selection: "population == v1".into(),
        coloring: Coloring::ByReport {
            colormap: Colormap::Grays,
            range: Some((-80.0, -40.0)),
        },
        ..Default::default()
    }];
    let (w, h) = (480u32, 360u32);
    let mut viewer = match HeadlessViewer::new(scene, reps, false, w, h) {
        Ok(v) => v,
        Err(e) => {
            fixtures::absent(&format!("no GPU adapter ({e})"));
            return;
        }
    };
    viewer.set_camera(CameraPreset::Front, 0.0);
    viewer.warm_up().expect("pipelines");
    for (t, odd_bright) in [(10.0, true), (80.0, false)] {
        viewer.set_time(t, 8.0);
        let want = (t / 0.5) as usize;
        viewer.wait_for_reports().unwrap();
        assert_eq!(viewer.app.world().resource::<Reports>().frame, Some(want));
        let img = viewer.capture().expect("frame");
        let m = viewer.clip_from_world();
        let scene = viewer.state().scene.clone().unwrap();
        let sp = scene.populations.iter().find(|p| p.name == "v1").unwrap();
        let pop = &scene.circuit.nodes[sp.circuit_index];
        // Each soma's centre on screen, its depth and its radius in pixels.
        let right_dir = *viewer.orbit().transform().right();
        let eye = viewer.orbit().eye();
        let centres: Vec<(u64, bevy::math::Vec2, f32, f32)> = sp
            .rows
            .iter()
            .enumerate()
            .filter_map(|(i, &row)| {
                let c = bevy::math::Vec3::from(scene.positions[sp.offset + i]);
                let p = project(m, c, w, h)?;
                let edge = project(m, c + right_dir * scene.base_radius, w, h)?;
                Some((
                    pop.node_ids[row as usize],
                    p,
                    c.distance(eye),
                    p.distance(edge),
                ))
            })
            .collect();
        let (mut right, mut total) = (0, 0);
        for &(id, p, depth, _) in &centres {
            // Only centres no nearer sphere covers.
            if centres
                .iter()
                .any(|&(other, q, d, r)| other != id && d < depth && q.distance(p) < 1.2 * r + 1.0)
            {
                continue;
            }
            let px = img.get_pixel(p.x as u32, p.y as u32).0;
            let bright = px[0] > 160 && px[1] > 160 && px[2] > 160;
            let dark = px[0] < 90 && px[1] < 90 && px[2] < 90;
            let want_bright = (id % 2 == 1) == odd_bright;
            total += 1;
            if (want_bright && bright) || (!want_bright && dark) {
                right += 1;
            }
        }
        assert!(total > 30, "{total} isolated somata");
        assert!(
            right * 100 >= total * 97,
            "t = {t}: {right} of {total} somata in their report colour"
        );
    }
}
