//! The selection language and node sets, evaluated on a BMTK-built V1-like network and checked
//! against the same condition computed directly from the attribute columns.

use std::path::PathBuf;

use cortexview::sonata::{Circuit, NodeSets, Selection, selection_language};

fn circuit() -> Circuit {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/v1_like_n300_none");
    Circuit::open(&dir).expect("the V1-like test network opens")
}

fn brute_force(c: &Circuit, pop: &str, keep: impl Fn(usize) -> bool) -> Selection {
    let p = c.node_population(pop).unwrap();
    Selection::from_mask(&(0..p.len()).map(keep).collect::<Vec<_>>())
}

#[test]
fn vnd_style_conditions_equal_a_direct_computation() {
    let c = circuit();
    let v1 = c.node_population("v1").unwrap();
    let y = v1.attribute("y").unwrap();
    let ei = v1.attribute("ei").unwrap();
    let ty = &v1.node_type_ids;

    let got = selection_language::select(
        "population == v1 && soma y < -300",
        &c.nodes,
        c.node_sets.as_ref(),
    )
    .unwrap();
    let want = brute_force(&c, "v1", |i| y.f64(i).unwrap() < -300.0);
    assert!(
        !want.is_empty() && want.len() < v1.len() as u64,
        "the condition should split the column"
    );
    assert_eq!(got["v1"], want);
    assert!(got["lgn"].is_empty());

    let got = selection_language::select("ei == i || type == 100", &c.nodes, None).unwrap();
    let want = brute_force(&c, "v1", |i| ei.str(i) == Some("i") || ty[i] == 100);
    assert_eq!(got["v1"], want);

    let got = selection_language::select("!(ei eq e) && stride 3", &c.nodes, None).unwrap();
    let want = brute_force(&c, "v1", |i| ei.str(i) != Some("e") && i % 3 == 0);
    assert_eq!(got["v1"], want);

    let got = selection_language::select("node_id 1 5 7 299", &c.nodes, None).unwrap();
    assert_eq!(got["v1"].ids().collect::<Vec<_>>(), vec![1, 5, 7, 299]);
    assert_eq!(got["lgn"].ids().collect::<Vec<_>>(), vec![1, 5, 7]);

    let got = selection_language::select("model_type == virtual", &c.nodes, None).unwrap();
    assert!(got["v1"].is_empty());
    assert_eq!(
        got["lgn"].len(),
        c.node_population("lgn").unwrap().len() as u64
    );
}

#[test]
fn node_sets_basic_and_compound_and_in_selections() {
    let c = circuit();
    let sets = c
        .node_sets
        .as_ref()
        .expect("config.json names node_sets.json");
    let v1 = c.node_population("v1").unwrap();
    let ei = v1.attribute("ei").unwrap();
    let exc = sets.evaluate("v1_exc", v1).unwrap();
    assert_eq!(exc, brute_force(&c, "v1", |i| ei.str(i) == Some("e")));
    assert!(sets.evaluate("lgn", v1).unwrap().is_empty());

    // A compound set is the union of its members; it works inside a selection string too.
    let mut with_compound = sets.clone();
    with_compound
        .sets
        .insert("all_v1".into(), serde_json::json!(["v1_exc", "v1_inh"]));
    assert_eq!(
        with_compound.evaluate("all_v1", v1).unwrap(),
        Selection::all(v1.len())
    );
    let got = selection_language::select("v1_inh && soma y > -200", &c.nodes, Some(&with_compound))
        .unwrap();
    let y = v1.attribute("y").unwrap();
    assert_eq!(
        got["v1"],
        brute_force(&c, "v1", |i| ei.str(i) == Some("i")
            && y.f64(i).unwrap() > -200.0)
    );

    let err = selection_language::select("no_such_set", &c.nodes, Some(sets)).unwrap_err();
    assert!(err.to_string().contains("no_such_set"), "{err}");
}

#[test]
fn node_sets_file_with_a_bad_entry_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("node_sets.json");
    std::fs::write(&path, r#"{"a": {"population": "v1"}, "b": ["a", 3]}"#).unwrap();
    let err = NodeSets::from_file(&path).unwrap_err().to_string();
    assert!(
        err.contains("node_sets.json") && err.contains("'b'"),
        "{err}"
    );
}
