//! `cortexview simulate` writes its outputs whole or not at all: an interrupted run (SIGTERM)
//! leaves no temporary file and commits nothing, a run whose spikes cannot be written does not
//! commit its report either, and a corrupt output of an earlier run is replaced, not read.
//! Runs the binary on the committed demo network (tests/data/demo_ref/iaf_n500).
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cortexview::sonata::read_spikes;
use cortexview::sonata::reports::read_reports;
use serde_json::{Value, json};

fn net_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/demo_ref/iaf_n500")
}

/// The demo network's config with its files where they are, its outputs under `out`, run to
/// `tstop` with a V_m report of layer 4 sampled every `report_dt` ms.
fn config(dir: &Path, out: &Path, tstop: f64, report_dt: f64, spikes_file: &str) -> PathBuf {
    let mut cfg: Value =
        serde_json::from_str(&std::fs::read_to_string(net_dir().join("config.json")).unwrap())
            .unwrap();
    cfg["manifest"]["$BASE_DIR"] = json!(net_dir().display().to_string());
    cfg["manifest"]["$OUTPUT_DIR"] = json!(out.display().to_string());
    cfg["run"]["tstop"] = json!(tstop);
    cfg["output"]["spikes_file"] = json!(spikes_file);
    cfg["reports"] = json!({
        "membrane_potential": {
            "cells": "L4", "variable_name": "V_m", "module": "multimeter_report",
            "sections": "soma", "dt": report_dt
        }
    });
    let path = dir.join("config.json");
    std::fs::write(&path, serde_json::to_string_pretty(&cfg).unwrap()).unwrap();
    path
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// A deadline for what must happen, so that a broken build fails instead of hanging.
const FAILSAFE: Duration = Duration::from_secs(300);

#[test]
fn an_interrupted_run_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("output");
    // far longer than any machine runs it before the signal comes (10^8 steps), with a
    // report small enough for any disk
    let cfg = config(dir.path(), &out, 1e7, 1000.0, "spikes.h5");
    let mut child = Command::new(env!("CARGO_BIN_EXE_cortexview"))
        .args(["simulate", cfg.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // the run has begun once the report's temporary file exists
    let start = Instant::now();
    while !names(&out).iter().any(|n| n.ends_with(".tmp")) {
        assert!(
            child.try_wait().unwrap().is_none(),
            "simulate ended before it began to write"
        );
        assert!(start.elapsed() < FAILSAFE, "no temporary report appeared");
        std::thread::sleep(Duration::from_millis(20));
    }
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > FAILSAFE {
            child.kill().unwrap();
            panic!("simulate did not stop after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    // it ended by itself (an exit status, not the signal), saying so
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert_eq!(
        names(&out),
        Vec::<String>::new(),
        "left in {}",
        out.display()
    );
}

#[test]
fn a_failed_spikes_write_commits_no_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("output");
    std::fs::create_dir_all(&out).unwrap();
    // the report of an earlier run, and a file where the spikes' folder should be
    std::fs::write(out.join("membrane_potential.h5"), "earlier run").unwrap();
    std::fs::write(out.join("blocked"), "a file, not a folder").unwrap();
    let cfg = config(dir.path(), &out, 50.0, 1.0, "blocked/spikes.h5");
    let run = Command::new(env!("CARGO_BIN_EXE_cortexview"))
        .args(["simulate", cfg.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("blocked/spikes.h5"), "{stderr}");
    assert_eq!(names(&out), ["blocked", "membrane_potential.h5"]);
    assert_eq!(
        std::fs::read_to_string(out.join("membrane_potential.h5")).unwrap(),
        "earlier run"
    );
}

#[test]
fn corrupt_outputs_of_an_earlier_run_are_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("output");
    std::fs::create_dir_all(&out).unwrap();
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(out.join("spikes.h5"), &garbage).unwrap();
    std::fs::write(out.join("membrane_potential.h5"), &garbage).unwrap();
    let cfg = config(dir.path(), &out, 100.0, 1.0, "spikes.h5");
    let run = Command::new(env!("CARGO_BIN_EXE_cortexview"))
        .args(["simulate", cfg.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert_eq!(names(&out), ["membrane_potential.h5", "spikes.h5"]);
    let spikes = read_spikes(&out.join("spikes.h5")).unwrap();
    assert!(!spikes[0].node_ids.is_empty());
    let (reports, _) = read_reports(&out.join("membrane_potential.h5")).unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].n_frames, 100);
}
