//! Opening what can be opened: optional files that are missing, empty or broken become
//! warnings naming them; invalid values are said (which nodes, which file, what was done);
//! declared sizes, manifest expansion, line lengths and selection nesting are bounded.
//!
//! Inputs are the `open_*` cases of the bad-input corpus (written by
//! `scripts/bad_inputs/make_open.py` with h5py) or files written here with the `hdf5` crate.

use std::path::{Path, PathBuf};

use cortexview::sonata::edges::EdgePopulation;
use cortexview::sonata::{
    Circuit, NodeSets, Selection, SonataError, info::Info, node_sets, read_spikes,
    reports::read_reports, selection_language, types_csv::TypesTable,
};

fn corpus(family: &str, case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/bad_inputs")
        .join(family)
        .join(case)
}

#[track_caller]
fn assert_contains(text: &str, phrases: &[&str]) {
    for p in phrases {
        assert!(text.contains(p), "'{p}' not in: {text}");
    }
}

#[track_caller]
fn some_warning(circuit: &Circuit, phrases: &[&str]) -> String {
    circuit
        .warnings()
        .iter()
        .find(|w| phrases.iter().all(|p| w.contains(p)))
        .unwrap_or_else(|| panic!("no warning with {phrases:?} in {:#?}", circuit.warnings()))
        .clone()
}

// ---------------------------------------------------------------------------------------------
// Optional files

#[test]
fn an_empty_lfp_report_is_a_warning_and_the_other_report_keeps_its_config_name() {
    let dir = corpus("open_tolerant", "empty_lfp_report");
    let c = Circuit::open(&dir.join("simulation_config.json")).unwrap();
    assert_eq!(c.nodes.len(), 1);
    assert_eq!(c.reports.len(), 1, "{:?}", c.warnings());
    let report = &c.reports[0];
    assert_eq!(report.name, "section_report");
    assert_eq!(report.variable_name.as_deref(), Some("v"));
    assert_eq!(report.n_frames, 10);
    some_warning(&c, &["report 'lfp'", "lfp_report.h5"]);
    assert_eq!(c.skipped.len(), 1);
    assert_eq!(c.skipped[0].role, "report 'lfp'");
    assert!(c.skipped[0].file.ends_with("output/lfp_report.h5"));
    // The output spikes opened too.
    assert_eq!(c.spikes.len(), 1);

    let info = Info::of(&c).unwrap();
    assert_eq!(info.reports[0].name, "section_report");
    assert_eq!(info.reports[0].variable_name.as_deref(), Some("v"));
    assert_contains(&info.to_text(), &["section_report (v)"]);
}

#[test]
fn broken_or_missing_input_and_output_spikes_are_warnings_naming_them() {
    for (case, phrases) in [
        (
            "input_spikes_not_hdf5",
            &[
                "input 'lgn' spikes",
                "lgn_spikes.h5",
                "not a readable HDF5 file",
            ][..],
        ),
        (
            "input_spikes_missing",
            &["input 'lgn' spikes", "absent_spikes.h5", "does not exist"][..],
        ),
        (
            "output_spikes_truncated",
            &["output spikes", "spikes.h5"][..],
        ),
    ] {
        let dir = corpus("open_tolerant", case);
        let c = Circuit::open(&dir.join("simulation_config.json"))
            .unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(c.nodes[0].len(), 40, "{case}");
        assert!(c.spikes.is_empty(), "{case}");
        some_warning(&c, phrases);
    }
}

#[test]
fn a_bmtk_ecp_report_reads_its_traces_and_electrode_positions() {
    let dir = corpus("open_tolerant", "ecp_report_with_electrodes");
    let c = Circuit::open(&dir.join("simulation_config.json")).unwrap();
    assert!(c.warnings().is_empty(), "{:?}", c.warnings());
    let [ecp] = c.ecp_reports.as_slice() else {
        panic!("one ecp report expected: {:?}", c.ecp_reports);
    };
    assert_eq!(ecp.name, "ecp");
    assert_eq!(ecp.time, (0.0, 10.0, 1.0));
    // Positions as the CSV states them, parsed here with plain splitting.
    let csv = std::fs::read_to_string(dir.join("linear_electrode.csv")).unwrap();
    let rows: Vec<Vec<f64>> = csv
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split_whitespace().map(|f| f.parse().unwrap()).collect())
        .collect();
    let positions = ecp.electrode_positions.as_ref().unwrap();
    assert_eq!(positions.len(), rows.len());
    for (p, row) in positions.iter().zip(&rows) {
        assert_eq!(p.to_vec(), row[1..4].to_vec());
    }
    // A trace is the data column, as the hdf5 crate reads it.
    let file = hdf5::File::open(dir.join("output/ecp.h5")).unwrap();
    let data = file.dataset("ecp/data").unwrap().read_2d::<f64>().unwrap();
    let trace = ecp.read_trace(2, 0..ecp.n_frames).unwrap();
    let want: Vec<f32> = data.column(2).iter().map(|&v| v as f32).collect();
    assert_eq!(trace, want);
    assert!(ecp.read_trace(rows.len(), 0..1).is_err());
}

#[test]
fn an_ecp_report_without_its_electrodes_opens_with_a_warning() {
    let dir = corpus("open_tolerant", "ecp_report_without_electrodes");
    let c = Circuit::open(&dir.join("simulation_config.json")).unwrap();
    assert_eq!(c.ecp_reports.len(), 1);
    assert!(c.ecp_reports[0].electrode_positions.is_none());
    some_warning(&c, &["report 'ecp'", "absent_electrodes.csv"]);

    let dir = corpus("open_tolerant", "ecp_report_with_too_few_electrodes");
    let c = Circuit::open(&dir.join("simulation_config.json")).unwrap();
    assert!(c.ecp_reports.is_empty());
    some_warning(
        &c,
        &["report 'ecp'", "electrodes.csv", "no row for channel 4"],
    );
}

#[test]
fn skipped_files_a_simulation_needs_are_refused_for_simulating() {
    for (case, config, phrases) in [
        (
            "open_tolerant/input_spikes_not_hdf5",
            "simulation_config.json",
            &[
                "lgn_spikes.h5",
                "input 'lgn' spikes file the simulation needs",
            ][..],
        ),
        (
            "open_messages/missing_nodes_file",
            "circuit_config.json",
            &[
                "absent_nodes.h5",
                "nodes file the simulation needs",
                "does not exist",
            ][..],
        ),
    ] {
        let (family, name) = case.split_once('/').unwrap();
        let c = Circuit::open(&corpus(family, name).join(config)).unwrap();
        let err = c.require_simulation_files().unwrap_err().to_string();
        assert_contains(&err, phrases);
    }
    // A skipped report does not stop a simulation (it writes reports, it does not read them).
    let c =
        Circuit::open(&corpus("open_tolerant", "empty_lfp_report").join("simulation_config.json"))
            .unwrap();
    c.require_simulation_files().unwrap();
}

#[test]
fn a_missing_nodes_file_is_named_as_such() {
    let dir = corpus("open_messages", "missing_nodes_file");
    let c = Circuit::open(&dir.join("circuit_config.json")).unwrap();
    assert_eq!(c.nodes.len(), 1);
    let w = some_warning(&c, &["absent_nodes.h5", "does not exist"]);
    assert!(w.starts_with("nodes "), "{w}");
    assert_eq!(c.skipped[0].role, "nodes");
}

// ---------------------------------------------------------------------------------------------
// Not a SONATA config

#[test]
fn a_json_that_is_no_sonata_config_is_an_error_saying_what_it_lacks() {
    let err = Circuit::open(&corpus("open_not_sonata", "package_json").join("package.json"))
        .unwrap_err()
        .to_string();
    assert_contains(
        &err,
        &[
            "package.json",
            "is not a SONATA config",
            "'networks'",
            "'run'",
        ],
    );
    let err =
        Circuit::open(&corpus("open_not_sonata", "networks_is_a_list").join("circuit_config.json"))
            .unwrap_err()
            .to_string();
    assert_contains(
        &err,
        &["circuit_config.json", "'networks' must be an object"],
    );
}

// ---------------------------------------------------------------------------------------------
// Invalid values

#[test]
fn non_finite_positions_are_named_and_left_out_of_positions_and_extents() {
    let dir = corpus("open_invalid_values", "non_finite_positions");
    let c = Circuit::open(&dir.join("circuit_config.json")).unwrap();
    let v1 = &c.nodes[0];
    let positions = v1.positions().unwrap();
    let invalid: Vec<usize> = (0..v1.len())
        .filter(|&r| positions[r].iter().any(|v| !v.is_finite()))
        .collect();
    assert_eq!(invalid, vec![3, 7, 9]);
    let w = some_warning(&c, &["v1_nodes.h5", "3 nodes of population 'v1'"]);
    assert_contains(&w, &["non-finite", "first ids 3, 7, 9", "not drawn"]);
    let bbox = Info::of(&c).unwrap().nodes[0].bbox.unwrap();
    assert!(bbox.iter().flatten().all(|v| v.is_finite()));
}

#[test]
fn absurd_positions_are_named_and_kept_out_of_the_extent() {
    let dir = corpus("open_invalid_values", "absurd_positions");
    let c = Circuit::open(&dir.join("circuit_config.json")).unwrap();
    some_warning(
        &c,
        &["2 nodes of population 'v1'", "beyond", "first ids 5, 6"],
    );
    let positions = c.nodes[0].positions().unwrap();
    assert!(positions[5][0].is_nan() && positions[6][0].is_nan());
    // The raw column keeps what the file holds.
    assert_eq!(c.nodes[0].attribute("x").unwrap().f64(5), Some(1e300));
    let [lo, hi] = Info::of(&c).unwrap().nodes[0].bbox.unwrap();
    let file = hdf5::File::open(dir.join("v1_nodes.h5")).unwrap();
    let x = file
        .dataset("nodes/v1/0/x")
        .unwrap()
        .read_raw::<f64>()
        .unwrap();
    let finite: Vec<f64> = x.iter().copied().filter(|v| v.abs() < 1e9).collect();
    assert_eq!(lo[0], finite.iter().copied().fold(f64::INFINITY, f64::min));
    assert_eq!(
        hi[0],
        finite.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    );
}

#[test]
fn broken_links_are_warnings_naming_dataset_and_file_or_errors_when_required() {
    for (case, dataset) in [
        ("broken_soft_link_attribute", "'/nodes/v1/0/x'"),
        ("broken_external_link_attribute", "'/nodes/v1/0/y'"),
    ] {
        let dir = corpus("open_invalid_values", case);
        let c = Circuit::open(&dir.join("circuit_config.json")).unwrap();
        some_warning(&c, &["v1_nodes.h5", dataset, "cannot be opened"]);
    }
    let dir = corpus("open_invalid_values", "broken_link_node_type_id");
    let err = Circuit::open(&dir.join("circuit_config.json"))
        .unwrap_err()
        .to_string();
    assert_contains(&err, &["v1_nodes.h5", "node_type_id", "cannot be read"]);
}

#[test]
fn report_time_axes_that_cannot_be_played_are_errors_naming_the_report() {
    for (case, phrase) in [
        ("report_dt_zero", "has dt <= 0"),
        ("report_dt_negative", "has dt <= 0"),
        ("report_time_reversed", "runs backwards"),
        ("report_time_nan", "is not finite"),
    ] {
        let path = corpus("open_invalid_values", case).join("membrane.h5");
        let err = read_reports(&path).unwrap_err().to_string();
        assert_contains(&err, &["membrane.h5", "/report/v1/mapping/time", phrase]);
    }
}

#[test]
fn an_unknown_attribute_in_a_selection_is_an_error() {
    let dir = corpus("open_invalid_values", "select_unknown_attribute");
    let c = Circuit::open(&dir.join("circuit_config.json")).unwrap();
    let err = selection_language::parse_for("pop_nmae == e4Rorb", &c.nodes).unwrap_err();
    assert!(matches!(err, SonataError::Selection { .. }));
    assert_contains(
        &err.to_string(),
        &["pop_nmae", "no node population has an attribute"],
    );
    let err = selection_language::select("soma w2 < 0 || x > 0 && nope == 1", &c.nodes, None)
        .unwrap_err()
        .to_string();
    assert_contains(&err, &["nope"]);
    // Known attributes (and x/y/z) parse.
    selection_language::parse_for("pop_name == e4Rorb && soma x < 0", &c.nodes).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Bounded work

#[test]
fn declared_sizes_the_file_cannot_hold_are_refused_before_reading() {
    let nodes = corpus("open_bounded", "nodes_declare_1e9_rows").join("circuit_config.json");
    let err = Circuit::open(&nodes).unwrap_err().to_string();
    assert_contains(
        &err,
        &["v1_nodes.h5", "node_type_id", "declares 1000000000 rows"],
    );
    let edges = corpus("open_bounded", "edges_declare_1e9_rows").join("edges.h5");
    let err = Circuit::open(&edges).unwrap_err().to_string();
    assert_contains(&err, &["edges.h5", "declares 1000000000 rows"]);
    let spikes = corpus("open_bounded", "spikes_declare_1e9_rows").join("spikes.h5");
    let err = read_spikes(&spikes).unwrap_err().to_string();
    assert_contains(&err, &["spikes.h5", "declares 1000000000 rows"]);
    let report = corpus("open_bounded", "report_declares_1e9_frames").join("membrane.h5");
    let err = read_reports(&report).unwrap_err().to_string();
    assert_contains(&err, &["membrane.h5", "declares 1000000000 rows"]);
}

#[test]
fn manifest_variables_that_explode_are_an_error() {
    let path = corpus("open_bounded", "manifest_expands_to_1e12_chars").join("circuit_config.json");
    let err = Circuit::open(&path).unwrap_err().to_string();
    assert_contains(&err, &["circuit_config.json", "expands to more than"]);
}

#[test]
fn devices_and_endless_lines_are_refused() {
    let err = TypesTable::read(Path::new("/dev/zero"), "node_type_id")
        .unwrap_err()
        .to_string();
    assert_contains(&err, &["/dev/zero", "not a regular file"]);
    let err = NodeSets::from_file(Path::new("/dev/zero"))
        .unwrap_err()
        .to_string();
    assert_contains(&err, &["/dev/zero", "not a regular file"]);

    let dir = tempfile::tempdir().unwrap();
    let long = dir.path().join("types.csv");
    let line = "a".repeat(3 << 20);
    std::fs::write(&long, format!("node_type_id x\n100 {line}\n")).unwrap();
    let err = TypesTable::read(&long, "node_type_id")
        .unwrap_err()
        .to_string();
    assert_contains(&err, &["types.csv:2", "longer than"]);
    let spikes = dir.path().join("spikes.csv");
    std::fs::write(&spikes, format!("timestamps node_ids\n{line}")).unwrap();
    let err = read_spikes(&spikes).unwrap_err().to_string();
    assert_contains(&err, &["spikes.csv:2", "longer than"]);
}

#[test]
fn selection_nesting_is_limited_and_long_chains_stay_shallow() {
    for expr in [
        format!("{}x > 0{}", "(".repeat(10_000), ")".repeat(10_000)),
        format!("{}x > 0", "!".repeat(20_000)),
    ] {
        let err = selection_language::parse(&expr).unwrap_err();
        assert!(matches!(err, SonataError::Selection { .. }));
        let msg = err.to_string();
        assert_contains(&msg, &["deeper than"]);
        assert!(msg.len() < 400, "the error quotes a readable part: {msg}");
    }
    // Within the limit, nesting still parses.
    let nested = format!("{}x > 0{}", "(".repeat(100), ")".repeat(100));
    selection_language::parse(&nested).unwrap();

    // 20,000 terms: parsed, evaluated and dropped without deep recursion; the rows equal the
    // ids named.
    let dir = corpus("open_bounded", "selection_3000_term_chain");
    let c = Circuit::open(&dir.join("circuit_config.json")).unwrap();
    let chain = (0..20_000)
        .map(|i| format!("node_id {}", i * 2))
        .collect::<Vec<_>>()
        .join(" || ");
    let got = selection_language::select(&chain, &c.nodes, None).unwrap();
    let want: Vec<u64> = (0..40).filter(|i| i % 2 == 0).collect();
    assert_eq!(got["v1"].ids().collect::<Vec<_>>(), want);
    let all_and = vec!["x > -1e9"; 20_000].join(" && ");
    let got = selection_language::select(&all_and, &c.nodes, None).unwrap();
    assert_eq!(got["v1"].len(), 40);
}

// ---------------------------------------------------------------------------------------------
// Edges: the right cause, no silent "absent"

/// An edges file of 4 edges in one group `0` with `syn_weight`; `edit` changes it.
fn edges_file(dir: &Path, edit: impl FnOnce(&hdf5::Group)) -> PathBuf {
    let path = dir.join("edges.h5");
    let file = hdf5::File::create(&path).unwrap();
    let pop = file.create_group("edges/a_to_b").unwrap();
    let ids = |name: &str, v: &[u64]| {
        pop.new_dataset_builder().with_data(v).create(name).unwrap();
    };
    ids("source_node_id", &[0, 1, 2, 1_000_000_000_000]);
    ids("target_node_id", &[3, 3, 4, 4]);
    ids("edge_type_id", &[100, 100, 100, 100]);
    let group = pop.create_group("0").unwrap();
    group
        .new_dataset_builder()
        .with_data(&[1.0f64, 2.0, 3.0, 4.0])
        .create("syn_weight")
        .unwrap();
    edit(&pop);
    path
}

#[test]
fn a_bad_edge_group_index_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let path = edges_file(dir.path(), |pop| {
        pop.new_dataset_builder()
            .with_data(&[0u64, 1, 2, 9])
            .create("edge_group_index")
            .unwrap();
    });
    let ep = EdgePopulation::open(&path, "a_to_b", None).unwrap();
    let err = ep
        .h5_attribute_f64_range("syn_weight", 0..4)
        .unwrap_err()
        .to_string();
    assert_contains(
        &err,
        &[
            "edges.h5",
            "edge_group_index",
            "= 9",
            "is not a row of group 0",
        ],
    );
    let err = ep.attribute("syn_weight").unwrap_err().to_string();
    assert_contains(&err, &["edges.h5", "edge_group_index", "points at row 9"]);
}

#[test]
fn edges_in_a_group_that_does_not_exist_are_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = edges_file(dir.path(), |pop| {
        pop.new_dataset_builder()
            .with_data(&[0u32, 0, 7, 7])
            .create("edge_group_id")
            .unwrap();
    });
    let ep = EdgePopulation::open(&path, "a_to_b", None).unwrap();
    let err = ep.attribute("syn_weight").unwrap_err().to_string();
    assert_contains(&err, &["edges.h5", "2 edges (first edge 2) are in group 7"]);
    let err = ep
        .h5_attribute_f64_range("syn_weight", 0..4)
        .unwrap_err()
        .to_string();
    assert_contains(&err, &["edges.h5", "edge_group_id", "= 7", "no such group"]);
}

#[test]
fn an_unreadable_optional_edge_dataset_is_an_error_not_absent() {
    let dir = tempfile::tempdir().unwrap();
    let path = edges_file(dir.path(), |pop| {
        pop.unlink("edge_type_id").unwrap();
        pop.link_soft("/nowhere/edge_type_id", "edge_type_id")
            .unwrap();
    });
    let err = EdgePopulation::open(&path, "a_to_b", None)
        .unwrap_err()
        .to_string();
    assert_contains(&err, &["edges.h5", "edge_type_id", "cannot be read"]);

    let dir = tempfile::tempdir().unwrap();
    let path = edges_file(dir.path(), |pop| {
        let group = pop.group("0").unwrap();
        group.link_soft("/nowhere/delay", "delay").unwrap();
    });
    let ep = EdgePopulation::open(&path, "a_to_b", None).unwrap();
    assert!(
        ep.warnings
            .iter()
            .any(|w| w.contains("'/edges/a_to_b/0/delay'") && w.contains("edges.h5")),
        "{:?}",
        ep.warnings
    );
    let c = Circuit::open(&path).unwrap();
    some_warning(&c, &["'/edges/a_to_b/0/delay'", "cannot be opened"]);
}

#[test]
fn an_in_memory_index_over_sparse_ids_stays_small_and_right() {
    let dir = tempfile::tempdir().unwrap();
    let path = edges_file(dir.path(), |_| {});
    let ep = EdgePopulation::open(&path, "a_to_b", None).unwrap();
    assert!(!ep.has_index());
    let out: Vec<u64> = ep
        .efferent_edges(1_000_000_000_000)
        .unwrap()
        .ids()
        .collect();
    assert_eq!(out, vec![3]);
    let out: Vec<u64> = ep.efferent_edges(1).unwrap().ids().collect();
    assert_eq!(out, vec![1]);
    assert!(ep.efferent_edges(5).unwrap().is_empty());
    let into: Vec<u64> = ep.afferent_edges(4).unwrap().ids().collect();
    assert_eq!(into, vec![2, 3]);
}

// ---------------------------------------------------------------------------------------------
// Node sets

#[test]
fn compound_node_sets_naming_each_other_twice_are_evaluated_once_each() {
    let dir = corpus("open_bounded", "node_sets_doubling_40_levels");
    let c = Circuit::open(&dir.join("circuit_config.json")).unwrap();
    let sets = c.node_sets.as_ref().unwrap();
    assert_eq!(
        sets.evaluate("s0", &c.nodes[0]).unwrap(),
        Selection::all(40)
    );
    let mut cyclic = sets.clone();
    cyclic.sets.insert("s40".into(), serde_json::json!(["s0"]));
    let err = cyclic.evaluate("s0", &c.nodes[0]).unwrap_err().to_string();
    assert_contains(&err, &["node_sets.json", "refers to itself"]);
}

#[test]
fn node_set_rows_take_a_circuit_or_node_sets() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/v1_like_n300_none");
    let c = Circuit::open(&dir).unwrap();
    let v1 = c.node_population("v1").unwrap();
    let name = serde_json::json!("v1_exc");
    let via_circuit = node_sets::node_set_rows(&c, &name, v1).unwrap();
    let via_sets = node_sets::node_set_rows(c.node_sets.as_ref(), &name, v1).unwrap();
    assert_eq!(via_circuit, via_sets);
    let ei = v1.attribute("ei").unwrap();
    let want: Vec<u32> = (0..v1.len() as u32)
        .filter(|&r| ei.str(r as usize) == Some("e"))
        .collect();
    assert_eq!(via_circuit, want);
    let all = node_sets::node_set_rows(None, &serde_json::json!("v1"), v1).unwrap();
    assert_eq!(all.len(), v1.len());
    let inline = serde_json::json!({"ei": "i"});
    let rows = node_sets::node_set_rows(None, &inline, v1).unwrap();
    assert_eq!(rows.len() + want.len(), v1.len());
}

#[test]
fn broken_links_in_spike_and_report_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let spikes = dir.path().join("spikes.h5");
    {
        let file = hdf5::File::create(&spikes).unwrap();
        let pop = file.create_group("spikes/v1").unwrap();
        pop.new_dataset_builder()
            .with_data(&[1.0f64, 2.0])
            .create("timestamps")
            .unwrap();
        pop.link_external("absent.h5", "/ids", "node_ids").unwrap();
    }
    let err = read_spikes(&spikes).unwrap_err().to_string();
    assert_contains(
        &err,
        &["spikes.h5", "'/spikes/v1/node_ids'", "cannot be read"],
    );

    let report = corpus("open_tolerant", "empty_lfp_report").join("output/section_report.h5");
    let copy = dir.path().join("membrane.h5");
    std::fs::copy(&report, &copy).unwrap();
    {
        let file = hdf5::File::open_rw(&copy).unwrap();
        file.group("report")
            .unwrap()
            .link_soft("/nowhere", "lgn")
            .unwrap();
    }
    let (reports, warnings) = read_reports(&copy).unwrap();
    assert_eq!(reports.len(), 1);
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("membrane.h5") && w.contains("'/report/lgn'")),
        "{warnings:?}"
    );
}
