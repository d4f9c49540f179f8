//! The per-model NEST references of tests/data/nest_refs/models (made by
//! scripts/nest_references/make_model_refs.py): loading a case and building its network through
//! `cortexview::sim::Network`, exactly as NEST built it. Shared through `#[path]` by
//! tests/sim_models_vs_nest.rs and tests/sim_live_api.rs.
#![allow(dead_code)]

use std::path::PathBuf;

use cortexview::sim::{
    CurrentClamp, Model, Network, Population, Projection, SourcePopulation, SourceRef, SynapseKind,
};
use serde_json::Value;

pub fn load(case: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/nest_refs/models")
        .join(format!("{case}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (made by make_model_refs.py)", path.display()));
    serde_json::from_str(&text).unwrap()
}

pub fn f64s(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

pub fn u32s(v: &Value) -> Vec<u32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as u32)
        .collect()
}

/// The network of a reference, as NEST built it.
pub fn network(c: &Value) -> Network {
    let dt = c["dt"].as_f64().unwrap();
    let populations = c["populations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let model = p["model"].as_str().unwrap();
            let models: Vec<Model> = p["params"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| {
                    let (m, unknown) = Model::from_nest(model, d.as_object().unwrap()).unwrap();
                    assert!(unknown.is_empty(), "unknown parameters {unknown:?}");
                    m
                })
                .collect();
            let n = models.len();
            Population {
                name: p["name"].as_str().unwrap().to_string(),
                node_ids: (0..n as u64).collect(),
                models,
                model_of: (0..n as u32).collect(),
            }
        })
        .collect();
    let sources = c["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let trains: Vec<Vec<f64>> = s["trains"].as_array().unwrap().iter().map(f64s).collect();
            SourcePopulation {
                name: s["name"].as_str().unwrap().to_string(),
                node_ids: (0..trains.len() as u64).collect(),
                trains,
            }
        })
        .collect();
    let projections = c["projections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let idx = p["source"][1].as_u64().unwrap() as usize;
            let source = match p["source"][0].as_str().unwrap() {
                "sources" => SourceRef::Sources(idx),
                _ => SourceRef::Neurons(idx),
            };
            let (w, d, r) = (f64s(&p["weight"]), f64s(&p["delay"]), u32s(&p["receptor"]));
            let kinds: Vec<SynapseKind> = (0..w.len())
                .map(|e| SynapseKind {
                    weight: w[e],
                    delay_ms: d[e],
                    receptor: r[e],
                })
                .collect();
            Projection {
                name: p["name"].as_str().unwrap().to_string(),
                source,
                target: p["target"].as_u64().unwrap() as usize,
                src: u32s(&p["src"]),
                tgt: u32s(&p["tgt"]),
                kind: (0..kinds.len() as u32).collect(),
                kinds,
                weight: None,
                delay_ms: None,
            }
        })
        .collect();
    let current_clamps = c["clamps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| CurrentClamp {
            name: k["name"].as_str().unwrap().to_string(),
            population: k["population"].as_u64().unwrap() as usize,
            rows: u32s(&k["rows"]),
            times_ms: f64s(&k["times"]),
            amps_pa: f64s(&k["amps"]),
            delay_ms: k["delay"].as_f64().unwrap(),
        })
        .collect();
    Network {
        dt,
        populations,
        sources,
        projections,
        current_clamps,
        poisson: Vec::new(),
        precise_times: false,
        seed: 0,
    }
}
