//! The selection references that `scripts/selection_references/make_selection_refs.py` writes
//! into `tests/data/selection_refs/`: read, with the probe they place and the ids they expect.
#![allow(dead_code)]

use std::path::PathBuf;

use cortexview::probe::{Placement, ProbeGeometry, ProbeKind};
use serde_json::Value;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The reference `name` (`v1_iaf_n1000`, `300_pointneurons`, ...).
pub fn reference(name: &str) -> Value {
    let path = repo()
        .join("tests/data/selection_refs")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap()
}

pub fn vec3(v: &Value) -> [f64; 3] {
    let a: Vec<f64> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    [a[0], a[1], a[2]]
}

/// The recording sites of the Neuropixels 1.0 probe the reference places.
pub fn probe_sites(r: &Value) -> Vec<[f64; 3]> {
    let probe = &r["probe"];
    assert_eq!(probe["kind"], "np1");
    Placement {
        tip: vec3(&probe["tip"]),
        direction: vec3(&probe["direction"]),
        roll: 0.0,
    }
    .channel_positions(&ProbeGeometry::new(ProbeKind::Np1))
}

/// The node ids of `population` that numpy selected for `expr`, sorted.
pub fn expected_ids(r: &Value, expr: &str, population: &str) -> Vec<u64> {
    let case = r["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["select"] == expr)
        .unwrap_or_else(|| panic!("no reference case '{expr}'"));
    let mut ids: Vec<u64> = case["expected"][population]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_u64().unwrap())
        .collect();
    ids.sort_unstable();
    ids
}
