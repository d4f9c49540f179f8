//! `simulate --interventions` records the config's V_m reports as a plain `simulate` does: with
//! an empty log (or one that only starts the run again) the report equals the plain run's value
//! for value; with a stimulus it equals it up to the stimulus and differs after. On the
//! committed demo network (tests/data/demo_ref/iaf_n500).
use std::path::{Path, PathBuf};

use cortexview::cli::simulate::{simulate, simulate_with_interventions};
use cortexview::sim::interventions::{self, Action, Intervention, StimulusKind};
use cortexview::sonata::read_spikes;
use cortexview::sonata::reports::read_reports;
use serde_json::{Value, json};

const TSTOP: f64 = 120.0;

fn net_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/demo_ref/iaf_n500")
}

/// The demo network's config writing into `out`, with a V_m report of layer 4 every 0.5 ms.
fn config(out: &Path) -> PathBuf {
    let mut cfg: Value =
        serde_json::from_str(&std::fs::read_to_string(net_dir().join("config.json")).unwrap())
            .unwrap();
    cfg["manifest"]["$BASE_DIR"] = json!(net_dir().display().to_string());
    cfg["manifest"]["$OUTPUT_DIR"] = json!(out.join("output").display().to_string());
    cfg["run"]["tstop"] = json!(TSTOP);
    cfg["reports"] = json!({
        "membrane_potential": {
            "cells": "L4", "variable_name": "V_m", "module": "multimeter_report",
            "sections": "soma", "dt": 0.5
        }
    });
    std::fs::create_dir_all(out).unwrap();
    let path = out.join("config.json");
    std::fs::write(&path, serde_json::to_string_pretty(&cfg).unwrap()).unwrap();
    path
}

/// The report's node ids, time axis and frames.
type Report = (Vec<u64>, Option<(f64, f64, f64)>, Vec<Vec<f32>>);

fn report(out: &Path) -> Report {
    let (reports, warnings) = read_reports(&out.join("output/membrane_potential.h5")).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(reports.len(), 1);
    let r = &reports[0];
    (
        r.node_ids.clone(),
        r.time,
        r.read_frames(0..r.n_frames).unwrap(),
    )
}

fn spikes(out: &Path) -> Vec<(u64, u64)> {
    let mut v: Vec<(u64, u64)> = read_spikes(&out.join("output/spikes.h5"))
        .unwrap()
        .iter()
        .flat_map(|p| {
            p.node_ids
                .iter()
                .zip(&p.timestamps)
                .map(|(&n, &t)| (n, (t * 10.0).round() as u64))
                .collect::<Vec<_>>()
        })
        .collect();
    v.sort_unstable();
    v
}

/// A plain run's report and spikes.
fn plain(root: &Path) -> (Report, Vec<(u64, u64)>) {
    let out = root.join("plain");
    let summary = simulate(&config(&out), 1, None, true).unwrap();
    assert_eq!(summary.reports.len(), 1);
    (report(&out), spikes(&out))
}

/// A run of `log`'s interventions: its report, spikes and warnings.
fn with_log(
    root: &Path,
    name: &str,
    log: &[Intervention],
) -> (Report, Vec<(u64, u64)>, Vec<String>) {
    let out = root.join(name);
    let cfg = config(&out);
    let file = out.join("interventions.json");
    interventions::write(&file, log).unwrap();
    let summary = simulate_with_interventions(&cfg, &file, 1, None, true).unwrap();
    assert_eq!(summary.reports.len(), 1);
    (report(&out), spikes(&out), summary.warnings)
}

#[test]
fn an_empty_log_records_the_reports_of_a_plain_run() {
    let root = tempfile::tempdir().unwrap();
    let (want, want_spikes) = plain(root.path());
    assert!(
        !want.0.is_empty() && want.2.len() == 240,
        "{} frames",
        want.2.len()
    );
    assert!(!want_spikes.is_empty());

    let (got, got_spikes, warnings) = with_log(root.path(), "empty", &[]);
    assert!(
        !warnings.iter().any(|w| w.contains("report")),
        "{warnings:?}"
    );
    assert_eq!(got_spikes, want_spikes);
    assert_eq!(got.0, want.0, "node ids");
    assert_eq!(got.1, want.1, "time axis");
    assert_eq!(got.2, want.2, "V_m, frame by frame");

    // started again at 30 ms: the kept run is a fresh one, recorded from its 0 ms
    let reset = [Intervention {
        t_ms: 30.0,
        action: Action::Reset,
    }];
    let (got, got_spikes, _) = with_log(root.path(), "reset", &reset);
    assert_eq!(got_spikes, want_spikes);
    assert_eq!(got.2, want.2, "V_m after a reset");
}

#[test]
fn a_stimulus_shows_in_the_report_from_its_time_on() {
    let root = tempfile::tempdir().unwrap();
    let (want, _) = plain(root.path());
    let volley = [Intervention {
        t_ms: 60.0,
        action: Action::Stimulate {
            select: "layer == 'L4'".into(),
            kind: StimulusKind::Volley,
        },
    }];
    let (got, _, _) = with_log(root.path(), "volley", &volley);
    assert_eq!(got.0, want.0);
    // frames at 0.5, 1.0, ... ms: up to 60 ms (frames 0..=119) the runs are one
    let before = 120;
    assert_eq!(got.2[..before], want.2[..before]);
    let changed = (before..want.2.len())
        .filter(|&f| got.2[f] != want.2[f])
        .count();
    assert!(changed > 100, "{changed} frames changed after the volley");
}
