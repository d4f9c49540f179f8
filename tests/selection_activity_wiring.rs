//! Selections that know activity, wiring and distance equal brute-force evaluations in Python
//! (numpy over the spikes file, h5py over the edge files, numpy distances to the somata and
//! to the Neuropixels 1.0 sites), written by
//! `scripts/selection_references/make_selection_refs.py` into `tests/data/selection_refs/`.

#[path = "common/fixtures.rs"]
mod fixtures;
#[path = "common/selection_refs.rs"]
mod selection_refs;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use cortexview::sonata::selection_language::{self, SelectionContext};
use cortexview::sonata::{Circuit, SpikeIndex, read_spikes};
use selection_refs::{probe_sites, reference, repo, vec3};
use serde_json::Value;

/// The circuit a reference names, or `None` (skipped) when its fixture is absent.
fn circuit_path(r: &Value) -> Option<PathBuf> {
    let rel = r["circuit"].as_str().unwrap();
    match r["root"].as_str().unwrap() {
        "repo" => Some(repo().join(rel)),
        _ => fixtures::shared_fixture(rel),
    }
}

fn spikes_of(r: &Value) -> Vec<SpikeIndex> {
    let path = repo().join(r["spikes"].as_str().unwrap());
    read_spikes(&path)
        .unwrap()
        .into_iter()
        .map(SpikeIndex::from_owned)
        .collect()
}

/// Node ids a selection picks in each population, sorted.
fn selected_ids(
    circuit: &Circuit,
    expr: &str,
    ctx: &SelectionContext,
) -> BTreeMap<String, Vec<u64>> {
    let masks = selection_language::masks(expr, &circuit.nodes, ctx)
        .unwrap_or_else(|e| panic!("{expr}: {e}"));
    circuit
        .nodes
        .iter()
        .zip(masks)
        .map(|(pop, mask)| {
            let mut ids: Vec<u64> = (0..pop.len())
                .filter(|&r| mask[r])
                .map(|r| pop.node_ids[r])
                .collect();
            ids.sort_unstable();
            (pop.name.clone(), ids)
        })
        .collect()
}

fn expected_ids(case: &Value) -> BTreeMap<String, Vec<u64>> {
    case["expected"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(pop, ids)| {
            let ids = ids
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i.as_u64().unwrap())
                .collect();
            (pop.clone(), ids)
        })
        .collect()
}

/// Every case of a reference file evaluated and compared; all differences reported at once.
fn check_reference(name: &str) {
    let r = reference(name);
    let Some(path) = circuit_path(&r) else {
        return;
    };
    let circuit = Circuit::open(&path).unwrap();
    let spikes = spikes_of(&r);
    let sites = probe_sites(&r);
    let ctx = SelectionContext::for_circuit(&circuit)
        .with_spikes(&spikes)
        .with_probe_sites(Some(&sites));
    let duration = r["duration_ms"].as_f64().unwrap();
    match ctx.run_duration_ms {
        Some(d) => assert_eq!(d, duration, "the run's duration from the config"),
        None => {
            let first = spikes
                .iter()
                .map(|s| s.times[0])
                .fold(f64::INFINITY, f64::min);
            let last = spikes
                .iter()
                .map(|s| s.times[s.times.len() - 1])
                .fold(f64::NEG_INFINITY, f64::max);
            assert_eq!(last - first, duration, "no run section: the spikes' span");
        }
    }
    let cases = r["cases"].as_array().unwrap();
    assert!(cases.len() >= 3, "{name}: too few cases");
    let mut failures = Vec::new();
    for case in cases {
        let expr = case["select"].as_str().unwrap();
        let want = expected_ids(case);
        let got = selected_ids(&circuit, expr, &ctx);
        if got != want {
            let diff: Vec<String> = want
                .iter()
                .map(|(pop, ids)| {
                    let ours = got.get(pop).cloned().unwrap_or_default();
                    format!("{pop}: numpy {} ids, ours {}", ids.len(), ours.len())
                })
                .collect();
            failures.push(format!("{name}: '{expr}': {}", diff.join("; ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn v1_like_network_with_nest_spikes_equals_numpy() {
    check_reference("v1_iaf_n1000");
}

#[test]
fn pointneurons_example_with_nest_spikes_equals_numpy() {
    check_reference("300_pointneurons");
}

#[test]
fn without_a_run_section_rates_divide_by_the_spikes_span() {
    check_reference("300_pointneurons_no_run");
}

#[test]
fn references_split_the_networks() {
    // A reference that selects nothing (or everything) everywhere would pass for a broken
    // evaluator too: most cases must split at least one population.
    let r = reference("v1_iaf_n1000");
    let splitting = r["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|case| {
            expected_ids(case).iter().any(|(pop, ids)| {
                !ids.is_empty() && ids.len() < if pop == "v1" { 1000 } else { 100 }
            })
        })
        .count();
    assert!(splitting >= 18, "only {splitting} cases split a population");
}

fn v1_net() -> (Circuit, Vec<SpikeIndex>) {
    let r = reference("v1_iaf_n1000");
    let circuit = Circuit::open(&circuit_path(&r).unwrap()).unwrap();
    (circuit, spikes_of(&r))
}

fn error_of(circuit: &Circuit, expr: &str, ctx: &SelectionContext) -> String {
    match selection_language::masks(expr, &circuit.nodes, ctx) {
        Ok(_) => panic!("'{expr}' should be an error here"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_term_without_what_it_reads_is_an_error_not_an_empty_selection() {
    let (circuit, spikes) = v1_net();
    let bare = SelectionContext::new(None);
    for term in ["rate > 10", "spiked(100, 150)", "silent", "rate(1, 2) > 0"] {
        let e = error_of(&circuit, term, &bare);
        assert!(
            e.contains("needs spikes: open a spikes file or pass --spikes"),
            "{e}"
        );
        assert!(e.contains(term), "the selection is quoted: {e}");
    }
    let e = error_of(&circuit, "pre of (node_id 1)", &bare);
    assert!(e.contains("`pre of` needs the circuit's edges"), "{e}");
    let e = error_of(
        &circuit,
        "rate > 1 && within 50 of probe",
        &bare.clone().with_spikes(&spikes),
    );
    assert!(e.contains("needs a placed probe"), "{e}");
    let ctx = SelectionContext::for_circuit(&circuit);
    let e = error_of(&circuit, "post of (node_id 1) via v1_to_lgn", &ctx);
    assert!(
        e.contains("no edge population 'v1_to_lgn'") && e.contains("v1_to_v1, lgn_to_v1"),
        "{e}"
    );
}

#[test]
fn distance_to_nodes_without_positions_is_an_error() {
    let Some(config) = fixtures::shared_fixture("sonata-examples/300_pointneurons/config.json")
    else {
        return;
    };
    let circuit = Circuit::open(&config).unwrap();
    let ctx = SelectionContext::for_circuit(&circuit);
    // the external (virtual) population has no x, y, z
    let e = error_of(&circuit, "within 50 of (population == external)", &ctx);
    assert!(e.contains("none of the 100 nodes"), "{e}");
    // an empty selection in the parentheses is no error: nothing is near nothing
    let masks =
        selection_language::masks("within 50 of (node_id 100000)", &circuit.nodes, &ctx).unwrap();
    assert!(masks.iter().flatten().all(|m| !m));
}

#[test]
fn malformed_activity_and_wiring_terms_say_what_is_wrong() {
    for (bad, says) in [
        ("rate > fast", "rate compares with a number"),
        ("rate(400, 100) > 1", "must end after"),
        ("rate(100, 100) > 1", "must end after"),
        ("spiked(5)", "spiked(T0, T1) needs a number"),
        ("pre of node_id 12", "needs a selection in parentheses"),
        ("post of (node_id 1) via", "'via' needs an edge population"),
        ("within of probe", "needs a number"),
        ("within -5 of probe", "must not be negative"),
        ("within 5 probe", "needs 'of probe' or 'of (selection)'"),
        ("within 5 of (node_id 1", "is not closed"),
    ] {
        let e = selection_language::parse(bad).expect_err(bad).to_string();
        assert!(e.contains(says) && e.contains(bad), "{bad}: {e}");
    }
}

/// `cortexview nodes CONFIG --spikes FILE --select EXPR` prints what the library selects.
#[test]
fn nodes_command_reads_activity_from_the_spikes_file() {
    let r = reference("v1_iaf_n1000");
    let config = circuit_path(&r).unwrap();
    let spikes = repo().join(r["spikes"].as_str().unwrap());
    let case = r["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["select"] == "rate > 8 && within 60 of probe")
        .unwrap();
    let probe = &r["probe"];
    let csv3 = |v: &Value| {
        vec3(v)
            .iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    let out = Command::new(env!("CARGO_BIN_EXE_cortexview"))
        .arg("nodes")
        .arg(&config)
        .args(["--population", "v1", "--attributes", "node_id", "--spikes"])
        .arg(&spikes)
        .args(["--probe", "np1", "--tip", &csv3(&probe["tip"])])
        .args(["--direction", &csv3(&probe["direction"])])
        .args(["--select", case["select"].as_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ids: Vec<u64> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.trim().parse().unwrap())
        .collect();
    assert!(!ids.is_empty());
    assert_eq!(ids, expected_ids(case)["v1"]);

    let no_spikes = Command::new(env!("CARGO_BIN_EXE_cortexview"))
        .arg("nodes")
        .arg(&config)
        .args(["--population", "v1", "--select", "rate > 8"])
        .output()
        .unwrap();
    assert!(!no_spikes.status.success());
    let err = String::from_utf8_lossy(&no_spikes.stderr);
    assert!(err.contains("`rate` needs spikes"), "{err}");
}
