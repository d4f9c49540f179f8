//! V_m reports of `cortexview simulate` against NEST 3.10's multimeter: the same times, node ids
//! and membrane potentials as the references in tests/data/nest_refs/vm_reports.h5 (made by
//! scripts/nest_references/make_vm_report_refs.py from the bundled networks, and from BMTK's
//! 300_pointneurons example in ../shared/fixtures with its own report, with the report requests
//! in manifest.json), and clear errors for requests the engine cannot honour.
use std::path::{Path, PathBuf};

use cortexview::cli::simulate::simulate;
use cortexview::sim::from_sonata::network_from_circuit;
use cortexview::sim::{SimOptions, Simulation};
use cortexview::sonata::reports::read_reports;
use cortexview::sonata::{Circuit, read_spikes};
use serde_json::{Value, json};

#[path = "common/fixtures.rs"]
mod fixtures;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn cases() -> Value {
    let text = std::fs::read_to_string(repo().join("tests/data/nest_refs/manifest.json")).unwrap();
    let m: Value = serde_json::from_str(&text).unwrap();
    m["vm_reports"]["cases"].clone()
}

/// NEST's traces of one report: population, node ids, times (ms), V_m [time][node].
struct Reference {
    population: String,
    node_ids: Vec<u64>,
    times: Vec<f64>,
    v_m: Vec<Vec<f64>>,
}

fn reference(case: &str, report: &str) -> Reference {
    let f = hdf5::File::open(repo().join("tests/data/nest_refs/vm_reports.h5")).unwrap();
    let g = f.group(&format!("{case}/{report}")).unwrap();
    let node_ids = g.dataset("node_ids").unwrap().read_raw::<u64>().unwrap();
    let times = g.dataset("times").unwrap().read_raw::<f64>().unwrap();
    let data = g.dataset("V_m").unwrap().read_2d::<f64>().unwrap();
    let v_m = data.outer_iter().map(|r| r.to_vec()).collect();
    let population: hdf5::types::VarLenUnicode =
        g.attr("population").unwrap().read_scalar().unwrap();
    Reference {
        population: population.to_string(),
        node_ids,
        times,
        v_m,
    }
}

/// A simulation config for a bundled network with `reports`, writing into `out`.
fn config(net: &str, tstop: f64, reports: &Value, out: &Path) -> PathBuf {
    let dir = repo().join("tests/data/nets").join(net);
    config_in(&dir, "config.json", tstop, reports, out)
}

/// A copy of `dir/file` (a simulation config) that reads everything from `dir`, runs to
/// `tstop` with `reports` and writes into `out`.
fn config_in(dir: &Path, file: &str, tstop: f64, reports: &Value, out: &Path) -> PathBuf {
    let text = std::fs::read_to_string(dir.join(file)).unwrap();
    let mut c: Value = serde_json::from_str(&text).unwrap();
    c["manifest"]["$BASE_DIR"] = json!(dir.display().to_string());
    c["manifest"]["$OUTPUT_DIR"] = json!(out.join("output").display().to_string());
    c["run"]["tstop"] = json!(tstop);
    c["reports"] = reports.clone();
    let path = out.join("simulation_config.json");
    std::fs::write(&path, serde_json::to_string_pretty(&c).unwrap()).unwrap();
    path
}

/// The config of a case, or None (with the reason printed) when its fixture is absent.
fn case_config(case: &str, out: &Path) -> Option<PathBuf> {
    let c = &cases()[case];
    let tstop = c["tstop"].as_f64().unwrap();
    if let Some(fixture) = c["fixture"].as_str() {
        // BMTK's layout: config.json names simulation_config.json beside it
        let fixture_dir = Path::new(fixture).parent().unwrap();
        let simulation = fixtures::shared_fixture(
            &fixture_dir.join("simulation_config.json").to_string_lossy(),
        )?;
        let dir = simulation.parent().unwrap().to_owned();
        return Some(config_in(
            &dir,
            "simulation_config.json",
            tstop,
            &c["reports"],
            out,
        ));
    }
    Some(config(
        c["net"].as_str().unwrap(),
        tstop,
        &c["reports"],
        out,
    ))
}

/// The report files, read back with our reader, hold NEST's times, node ids and V_m.
fn report_files_match_nest(case: &str) {
    let dir = tempfile::tempdir().unwrap();
    let Some(cfg) = case_config(case, dir.path()) else {
        return;
    };
    let summary = simulate(&cfg, 2, None, true).unwrap();
    let requested = cases()[case]["reports"].as_object().unwrap().clone();
    assert_eq!(summary.reports.len(), requested.len());
    for (name, req) in &requested {
        let written = summary.reports.iter().find(|r| r.name == *name).unwrap();
        let file_name = req["file_name"]
            .as_str()
            .map_or(format!("{name}.h5"), str::to_owned);
        let path = dir.path().join("output").join(&file_name);
        assert_eq!(Path::new(&written.file), path);
        let nest = reference(case, name);
        let (reports, warnings) = read_reports(&path).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(reports.len(), 1);
        let r = &reports[0];
        assert_eq!(r.population, nest.population);
        assert_eq!(r.variable.as_deref(), Some("V_m"));
        assert_eq!(r.units.as_deref(), Some("mV"));
        assert_eq!(r.node_ids, nest.node_ids, "{case}/{name}: node ids");
        assert_eq!(r.element_ids, vec![0; nest.node_ids.len()]);
        assert_eq!(r.n_frames, nest.times.len(), "{case}/{name}: frames");
        assert_eq!(written.frames, nest.times.len());
        // NEST stamps a sample with the right end of its step: the first at t = interval
        // (after start), never at t = 0.
        for (i, &t) in nest.times.iter().enumerate() {
            let ours = r.frame_time(i).unwrap();
            assert!(
                (ours - t).abs() < 1e-9,
                "{case}/{name}: frame {i} at {ours} ms, NEST {t} ms"
            );
        }
        let frames = r.read_frames(0..r.n_frames).unwrap();
        let mut worst = 0.0f64;
        for (i, (ours, theirs)) in frames.iter().zip(&nest.v_m).enumerate() {
            for (j, (&a, &b)) in ours.iter().zip(theirs).enumerate() {
                // The file holds f32 (half the size of f64, 7 significant digits, what
                // libsonata reads): rounding to it moves V_m ~ -70 mV by up to half an f32 ulp,
                // 3.8e-6 mV; one ulp of NEST's value is the bound.
                let tol = b.abs() * f64::from(f32::EPSILON);
                let d = (f64::from(a) - b).abs();
                worst = worst.max(d);
                assert!(
                    d <= tol,
                    "{case}/{name}: node {} at {} ms: {a} mV, NEST {b} mV",
                    nest.node_ids[j],
                    nest.times[i]
                );
            }
        }
        eprintln!(
            "{case}/{name}: {} nodes x {} frames, largest |ours - NEST| {worst:.2e} mV",
            nest.node_ids.len(),
            nest.times.len()
        );
    }
}

#[test]
fn iaf_report_files_match_nest() {
    report_files_match_nest("v1_iaf_n1000");
}

#[test]
fn glif_report_files_match_nest() {
    report_files_match_nest("v1_glif_n1000");
}

/// BMTK's own example, with the report its config asks for (and its `"sections":
/// "multimeter_report"`, which BMTK ignores), at dt = 0.01 ms.
#[test]
fn bmtk_300_pointneurons_report_matches_nest() {
    report_files_match_nest("300_pointneurons");
}

/// The engine's own f64 frames equal NEST's values, not only within f32.
#[test]
fn recorded_frames_equal_nest_in_f64() {
    for case in ["v1_iaf_n1000", "v1_glif_n1000", "300_pointneurons"] {
        let dir = tempfile::tempdir().unwrap();
        let Some(cfg) = case_config(case, dir.path()) else {
            continue;
        };
        let circuit = Circuit::open(&cfg).unwrap();
        let (net, spec) = network_from_circuit(&circuit).unwrap();
        let mut sim = Simulation::from_network(net, &SimOptions { threads: 1 }).unwrap();
        let res = sim.resolution();
        let mut ids = Vec::new();
        for r in &spec.reports {
            let grid = r.grid(&res, spec.tstop).unwrap();
            assert_eq!(r.populations.len(), 1);
            let (p, rows) = &r.populations[0];
            ids.push((r.name.clone(), sim.record_v_m(*p, rows, grid.grid).unwrap()));
        }
        sim.run_until(spec.tstop).unwrap();
        for (name, id) in ids {
            let frames = sim.take_v_m(id).unwrap();
            let nest = reference(case, &name);
            assert_eq!(frames.len(), nest.times.len());
            let mut worst = 0.0f64;
            for (f, theirs) in nest.v_m.iter().enumerate() {
                assert!((res.steps_to_ms(frames.steps[f] as i64) - nest.times[f]).abs() < 1e-9);
                for (&a, &b) in frames.frame(f).iter().zip(theirs) {
                    worst = worst.max((a - b).abs());
                }
            }
            eprintln!("{case}/{name}: f64 frames, largest |ours - NEST| {worst:e} mV");
            // the engine repeats NEST's arithmetic; 1e-9 mV leaves room for nothing else
            assert!(
                worst <= 1e-9,
                "{case}/{name}: |ours - NEST| up to {worst:e} mV"
            );
        }
    }
}

/// Recording V_m cuts the recorded blocks' windows at sample times: the spikes stay the same.
#[test]
fn reports_do_not_change_the_spikes() {
    let dir = tempfile::tempdir().unwrap();
    let with = case_config("v1_iaf_n1000", dir.path()).unwrap();
    simulate(&with, 2, None, true).unwrap();
    let with_spikes = read_spikes(&dir.path().join("output/spikes.h5")).unwrap();
    let dir2 = tempfile::tempdir().unwrap();
    let without = config("engine_ref_v1_iaf_n1000", 200.0, &json!({}), dir2.path());
    let summary = simulate(&without, 2, None, true).unwrap();
    assert!(summary.reports.is_empty());
    let without_spikes = read_spikes(&dir2.path().join("output/spikes.h5")).unwrap();
    assert_eq!(with_spikes[0].node_ids, without_spikes[0].node_ids);
    assert_eq!(with_spikes[0].timestamps, without_spikes[0].timestamps);
    assert!(!with_spikes[0].node_ids.is_empty());
}

fn error_of(report: Value) -> String {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        "engine_ref_v1_iaf_n1000",
        20.0,
        &json!({ "bad": report }),
        dir.path(),
    );
    let err = format!("{:#}", simulate(&cfg, 1, None, true).unwrap_err());
    // nothing half-written is left behind
    let left: Vec<_> = std::fs::read_dir(dir.path().join("output"))
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.iter().all(|f| f != "bad.h5"), "{left:?}");
    err
}

#[test]
fn bad_report_requests_are_clear_errors() {
    let vm = |extra: Value| {
        let mut r =
            json!({"cells": "v1_exc", "variable_name": "V_m", "module": "multimeter_report"});
        for (k, v) in extra.as_object().unwrap() {
            r[k] = v.clone();
        }
        r
    };
    let e = error_of(vm(json!({"variable_name": "v"})));
    assert!(
        e.contains("report 'bad'")
            && e.contains("variable 'v'")
            && e.contains("iaf_psc_alpha")
            && e.contains("V_m"),
        "{e}"
    );
    let e = error_of(vm(json!({"cells": "v1_nope"})));
    assert!(
        e.contains("report 'bad'") && e.contains("no node set or population named 'v1_nope'"),
        "{e}"
    );
    let e = error_of(vm(json!({"cells": "lgn"})));
    assert!(e.contains("selects no simulated neuron"), "{e}");
    let e = error_of(vm(json!({"dt": 0.25})));
    assert!(
        e.contains("dt = 0.25 ms is not a non-negative multiple of the resolution 0.1 ms"),
        "{e}"
    );
    let e = error_of(vm(json!({"variable_name": ["V_m", "I_syn_ex"]})));
    assert!(e.contains("one variable per report"), "{e}");
    let e = error_of(vm(json!({"start_time": 30.0})));
    assert!(e.contains("no sample between"), "{e}");
    let e = error_of(vm(json!({"file_name": "spikes.h5"})));
    assert!(e.contains("also the spikes file"), "{e}");
}

/// Reports the engine does not make are named in the warnings, not silently dropped; a
/// disabled report is skipped.
#[test]
fn other_reports_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        "engine_ref_v1_iaf_n1000",
        20.0,
        &json!({
            "syns": {"module": "weight_recorder", "cells": "v1"},
            "dend": {"module": "multimeter_report", "cells": "v1_inh", "variable_name": "V_m", "sections": "dend", "file_name": "dend"},
            "off": {"module": "multimeter_report", "cells": "v1", "variable_name": "V_m", "enabled": false},
            "all": {"module": "membrane_report", "variable_name": ["V_m"], "interval": 1.0, "tstart": 5.0}
        }),
        dir.path(),
    );
    let s = simulate(&cfg, 1, None, true).unwrap();
    assert!(
        s.warnings
            .iter()
            .any(|w| w.contains("report 'syns'") && w.contains("weight_recorder")),
        "{:?}",
        s.warnings
    );
    assert!(
        s.warnings
            .iter()
            .any(|w| w.contains("report 'dend': sections 'dend' ignored")),
        "{:?}",
        s.warnings
    );
    assert_eq!(s.reports.len(), 2);
    assert!(dir.path().join("output/dend.h5").exists());
    // no cells: every simulated neuron; BMTK's tstart/interval spellings
    let r = s.reports.iter().find(|r| r.name == "all").unwrap();
    assert_eq!((r.name.as_str(), r.neurons, r.frames), ("all", 1000, 15));
    assert!((r.start_ms - 6.0).abs() < 1e-12 && (r.dt_ms - 1.0).abs() < 1e-12);
    assert!(!dir.path().join("output/off.h5").exists());
}
