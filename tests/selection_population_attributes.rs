//! `nodes --select` asks for the rows of one population: an attribute that only other
//! populations have is an error naming the attribute and the populations that have it, not an
//! empty answer; an attribute inside a wiring term is evaluated where the partners are, so
//! `pre of (layer == 'L4')` still selects LGN cells (checked against the edges read directly).
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, Output};

use cortexview::sonata::Circuit;

fn config() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/nets/engine_ref_v1_iaf_n1000/config.json")
}

fn nodes(population: &str, select: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cortexview"))
        .arg("nodes")
        .arg(config())
        .args(["--population", population, "--attributes", "node_id"])
        .args(["--select", select])
        .output()
        .unwrap()
}

fn ids(out: &Output) -> BTreeSet<u64> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(1)
        .map(|l| l.trim().parse().unwrap())
        .collect()
}

#[test]
fn an_attribute_only_another_population_has_is_an_error_naming_them() {
    let out = nodes("lgn", "layer == 'L4'");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("'lgn' has no attribute 'layer'") && err.contains("that have it: v1"),
        "{err}"
    );
    // also under a negation or beside other terms
    let out = nodes("lgn", "population == lgn && !(cclass == 'PV')");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("'cclass'") && err.contains("v1"), "{err}");
}

#[test]
fn the_population_that_has_it_and_wiring_terms_still_select() {
    let circuit = Circuit::open(&config()).unwrap();
    let v1 = circuit.node_population("v1").unwrap();
    let layer = v1.attribute("layer").unwrap();
    let l4: BTreeSet<u64> = (0..v1.len())
        .filter(|&r| layer.str(r) == Some("L4"))
        .map(|r| v1.node_ids[r])
        .collect();
    assert!(!l4.is_empty());
    assert_eq!(ids(&nodes("v1", "layer == 'L4'")), l4);

    // the LGN cells with an edge onto an L4 cell, from the id columns
    let e = circuit
        .edges
        .iter()
        .find(|e| e.name == "lgn_to_v1")
        .unwrap();
    let src = e.dataset_i64_range("source_node_id", 0..e.len()).unwrap();
    let tgt = e.dataset_i64_range("target_node_id", 0..e.len()).unwrap();
    let want: BTreeSet<u64> = src
        .iter()
        .zip(&tgt)
        .filter(|(_, t)| l4.contains(&(**t as u64)))
        .map(|(s, _)| *s as u64)
        .collect();
    assert!(!want.is_empty());
    assert_eq!(ids(&nodes("lgn", "pre of (layer == 'L4')")), want);
}
