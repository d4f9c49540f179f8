//! Bad input gives a clear error naming the file and what is wrong; never a panic.
//!
//! Each bad input is built in a temporary folder from the committed fixtures (or written with
//! the `hdf5` crate), read through the library and through the `cortexview` binary, and the
//! error's Display is checked for the file's name and a phrase that says what is wrong.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard};

use cortexview::sonata::{
    Circuit, NodePopulation, SonataError, TypesTable, read_spikes, selection_language,
};

/// Held while this process writes an HDF5 file and while it starts `cortexview`: HDF5 opens
/// files without `O_CLOEXEC` and `flock`s them, so a child started while a file is open for
/// writing inherits the descriptor and its lock, and opening the file again then fails with
/// "unable to lock file" until the child exits.
static H5_WRITE_OR_SPAWN: Mutex<()> = Mutex::new(());

fn h5_write_or_spawn() -> MutexGuard<'static, ()> {
    H5_WRITE_OR_SPAWN
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/v1_like_n300_none")
}

fn v1_nodes() -> PathBuf {
    fixture().join("network/v1_nodes.h5")
}

fn v1_types() -> PathBuf {
    fixture().join("network/v1_node_types.csv")
}

/// Asserts that `err`'s Display names `file` (its file name) and contains every phrase.
#[track_caller]
fn assert_names(err: &SonataError, file: &Path, phrases: &[&str]) {
    let msg = err.to_string();
    let name = file.file_name().unwrap().to_string_lossy();
    assert!(msg.contains(&*name), "error does not name {name}: {msg}");
    for p in phrases {
        assert!(msg.contains(p), "error does not say '{p}': {msg}");
    }
}

/// `src` copied into `dir`, cut to half its size.
fn truncated_copy(src: &Path, dir: &Path) -> PathBuf {
    let bytes = fs::read(src).unwrap();
    let path = dir.join(src.file_name().unwrap());
    fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    path
}

/// A circuit config in `dir` naming one nodes file and its types file.
fn write_circuit_config(dir: &Path, nodes: &Path, types: &Path) -> PathBuf {
    let config = dir.join("circuit_config.json");
    let json = serde_json::json!({
        "networks": {
            "nodes": [{"nodes_file": nodes, "node_types_file": types}],
            "edges": []
        }
    });
    fs::write(&config, serde_json::to_string_pretty(&json).unwrap()).unwrap();
    config
}

/// The node_type_id of every v1 node, read with the `hdf5` crate (not through cortexview).
fn v1_node_type_ids() -> Vec<u64> {
    let file = hdf5::File::open(v1_nodes()).unwrap();
    file.dataset("nodes/v1/node_type_id")
        .unwrap()
        .read_raw::<u64>()
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// Truncated and non-HDF5 files

#[test]
fn a_truncated_nodes_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = truncated_copy(&v1_nodes(), dir.path());
    let err = Circuit::open(&path).unwrap_err();
    assert_names(&err, &path, &["truncated"]);
    let err = NodePopulation::read(&path, "v1", None).unwrap_err();
    assert_names(&err, &path, &["truncated"]);
}

#[test]
fn truncated_files_of_every_kind_and_length_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let sources = [
        v1_nodes(),
        fixture().join("network/lgn_v1_edges.h5"),
        fixture().join("inputs/lgn_spikes.h5"),
    ];
    for src in &sources {
        let bytes = fs::read(src).unwrap();
        for cut in [0, 7, 8, 100, 512, 2048, bytes.len() / 3, bytes.len() - 1] {
            let path = dir.path().join(format!(
                "cut{cut}_{}",
                src.file_name().unwrap().to_string_lossy()
            ));
            fs::write(&path, &bytes[..cut]).unwrap();
            let err =
                Circuit::open(&path).expect_err(&format!("{} cut to {cut} bytes", src.display()));
            assert_names(&err, &path, &[]);
        }
    }
}

#[test]
fn a_config_naming_a_nodes_file_that_is_not_hdf5_names_that_file() {
    let dir = tempfile::tempdir().unwrap();
    let nodes = dir.path().join("v1_nodes.h5");
    fs::write(&nodes, "this is text, not HDF5\n").unwrap();
    let config = write_circuit_config(dir.path(), &nodes, &v1_types());
    let err = Circuit::open(&config).unwrap_err();
    assert_names(&err, &nodes, &["not a readable HDF5 file"]);
}

#[test]
fn an_h5_file_that_is_not_sonata_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.h5");
    let guard = h5_write_or_spawn();
    hdf5::File::create(&path)
        .unwrap()
        .create_group("something")
        .unwrap();
    drop(guard);
    let err = Circuit::open(&path).unwrap_err();
    assert_names(&err, &path, &["not a SONATA file"]);
}

// ---------------------------------------------------------------------------------------------
// Populations

#[test]
fn a_missing_population_lists_the_available_ones() {
    let err = NodePopulation::read(&v1_nodes(), "nope", None).unwrap_err();
    match &err {
        SonataError::NoPopulation {
            name, available, ..
        } => {
            assert_eq!(name, "nope");
            assert_eq!(available, "v1");
        }
        other => panic!("expected NoPopulation, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("'nope'") && msg.contains("v1"), "{msg}");

    let circuit = Circuit::open(&fixture()).unwrap();
    let err = circuit.node_population("nope").unwrap_err();
    match &err {
        SonataError::NoPopulation {
            name, available, ..
        } => {
            assert_eq!(name, "nope");
            let mut pops: Vec<&str> = available.split(", ").collect();
            pops.sort();
            assert_eq!(pops, ["lgn", "v1"]);
        }
        other => panic!("expected NoPopulation, got {other:?}"),
    }
    let err = circuit.edge_population("nope").unwrap_err();
    assert!(matches!(err, SonataError::NoPopulation { .. }), "{err:?}");
}

/// Every error names the file. `NoPopulation` carries no path, so
/// `NodePopulation::read(path, "nope", None)` says which populations exist but not in which file.
#[test]
fn a_missing_population_names_the_file() {
    let err = NodePopulation::read(&v1_nodes(), "nope", None).unwrap_err();
    assert_names(&err, &v1_nodes(), &["nope"]);
}

// ---------------------------------------------------------------------------------------------
// node_types.csv

/// v1_node_types.csv without the row of `drop_id`.
fn types_without(dir: &Path, drop_id: u64) -> PathBuf {
    let text = fs::read_to_string(v1_types()).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| l.split_whitespace().next() != Some(&drop_id.to_string()))
        .collect();
    assert_eq!(
        kept.len() + 1,
        text.lines().count(),
        "row {drop_id} not found"
    );
    let path = dir.join("v1_node_types.csv");
    fs::write(&path, kept.join("\n") + "\n").unwrap();
    path
}

#[test]
fn a_node_type_id_without_a_csv_row_names_the_csv_and_the_id() {
    let ids = v1_node_type_ids();
    let drop_id = ids[ids.len() / 2];
    let used_by = ids.iter().filter(|&&t| t == drop_id).count();
    let dir = tempfile::tempdir().unwrap();
    let types_path = types_without(dir.path(), drop_id);
    let types = TypesTable::read(&types_path, "node_type_id").unwrap();
    let err = NodePopulation::read(&v1_nodes(), "v1", Some(&types)).unwrap_err();
    let expected = format!("node_type_id {drop_id} (used by {used_by} nodes");
    assert_names(&err, &types_path, &[&expected, "has no row", "v1_nodes.h5"]);
    // The same through a config.
    let config = write_circuit_config(dir.path(), &v1_nodes(), &types_path);
    let err = Circuit::open(&config).unwrap_err();
    assert_names(&err, &types_path, &[&format!("node_type_id {drop_id}")]);
}

#[test]
fn a_types_row_with_a_missing_field_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let text = fs::read_to_string(v1_types()).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let n_columns = lines[0].split_whitespace().count();
    // Drop the last field of the 4th line.
    let fields: Vec<&str> = lines[3].split_whitespace().collect();
    lines[3] = fields[..fields.len() - 1].join(" ");
    let path = dir.path().join("v1_node_types.csv");
    fs::write(&path, lines.join("\n") + "\n").unwrap();
    let err = TypesTable::read(&path, "node_type_id").unwrap_err();
    assert!(matches!(err, SonataError::Csv { line: 4, .. }), "{err:?}");
    let phrase = format!("{} fields, but the header has {n_columns}", n_columns - 1);
    assert_names(&err, &path, &["v1_node_types.csv:4", &phrase]);
    let config = write_circuit_config(dir.path(), &v1_nodes(), &path);
    let err = Circuit::open(&config).unwrap_err();
    assert_names(&err, &path, &["v1_node_types.csv:4"]);
}

#[test]
fn other_bad_types_files_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &str, &str); 5] = [
        ("", "v1_node_types.csv:1", "empty"),
        (
            "a b c\n1 2 3\n",
            "v1_node_types.csv:1",
            "no 'node_type_id' column",
        ),
        (
            "node_type_id ei\n100 e\nabc i\n",
            "v1_node_types.csv:3",
            "'abc' is not an integer",
        ),
        (
            "node_type_id ei\n100 e\n100 i\n",
            "v1_node_types.csv:3",
            "appears twice",
        ),
        (
            "node_type_id ei\n100 \"e\n",
            "v1_node_types.csv:2",
            "not closed",
        ),
    ];
    let path = dir.path().join("v1_node_types.csv");
    for (text, place, phrase) in cases {
        fs::write(&path, text).unwrap();
        let err = TypesTable::read(&path, "node_type_id").unwrap_err();
        assert_names(&err, &path, &[place, phrase]);
    }
    let missing = dir.path().join("absent_node_types.csv");
    let err = TypesTable::read(&missing, "node_type_id").unwrap_err();
    assert_names(&err, &missing, &[]);
}

// ---------------------------------------------------------------------------------------------
// Wrong dtypes

/// A one-population nodes file whose node_type_id is written by `write_type_ids`.
fn nodes_file_with(
    dir: &Path,
    name: &str,
    write_type_ids: impl FnOnce(&hdf5::Group) -> hdf5::Result<hdf5::Dataset>,
) -> PathBuf {
    let path = dir.join(name);
    let _guard = h5_write_or_spawn();
    let file = hdf5::File::create(&path).unwrap();
    let pop = file.create_group("nodes/v1").unwrap();
    write_type_ids(&pop).unwrap();
    pop.new_dataset_builder()
        .with_data(&[0u32; 3])
        .create("node_group_id")
        .unwrap();
    pop.new_dataset_builder()
        .with_data(&[0u64, 1, 2])
        .create("node_group_index")
        .unwrap();
    let group = pop.create_group("0").unwrap();
    group
        .new_dataset_builder()
        .with_data(&[1.0f64, 2.0, 3.0])
        .create("x")
        .unwrap();
    path
}

fn vlen(items: &[&str]) -> Vec<hdf5::types::VarLenUnicode> {
    items.iter().map(|s| s.parse().unwrap()).collect()
}

#[test]
fn node_type_id_of_the_wrong_dtype_names_the_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let floats = nodes_file_with(dir.path(), "float_types.h5", |g| {
        g.new_dataset_builder()
            .with_data(&[100.0f64, 101.5, 102.0])
            .create("node_type_id")
    });
    let strings = nodes_file_with(dir.path(), "string_types.h5", |g| {
        g.new_dataset_builder()
            .with_data(&vlen(&["100", "101", "e4a"]))
            .create("node_type_id")
    });
    for path in [&floats, &strings] {
        let err = NodePopulation::read(path, "v1", None).unwrap_err();
        assert_names(&err, path, &["/nodes/v1/node_type_id", "integers"]);
        let err = Circuit::open(path).unwrap_err();
        assert_names(&err, path, &["/nodes/v1/node_type_id"]);
    }
    // The same file with integer ids loads (so the errors above are about the dtype).
    let ints = nodes_file_with(dir.path(), "int_types.h5", |g| {
        g.new_dataset_builder()
            .with_data(&[100u16, 101, 102])
            .create("node_type_id")
    });
    let pop = NodePopulation::read(&ints, "v1", None).unwrap();
    assert_eq!(pop.node_type_ids, [100, 101, 102]);
}

#[test]
fn node_type_id_of_two_dimensions_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = nodes_file_with(dir.path(), "two_d.h5", |g| {
        g.new_dataset_builder()
            .with_data(&ndarray::arr2(&[[100i64, 101, 102], [1, 2, 3]]))
            .create("node_type_id")
    });
    let err = NodePopulation::read(&path, "v1", None).unwrap_err();
    assert_names(&err, &path, &["node_type_id", "2 dimensions"]);
}

fn spikes_file_with(
    dir: &Path,
    name: &str,
    write: impl FnOnce(&hdf5::Group) -> hdf5::Result<()>,
) -> PathBuf {
    let path = dir.join(name);
    let _guard = h5_write_or_spawn();
    {
        let file = hdf5::File::create(&path).unwrap();
        let pop = file.create_group("spikes/v1").unwrap();
        write(&pop).unwrap();
    }
    path
}

#[test]
fn spikes_of_the_wrong_dtype_or_shape_name_the_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let string_times = spikes_file_with(dir.path(), "string_times.h5", |g| {
        g.new_dataset_builder()
            .with_data(&[0u64, 1])
            .create("node_ids")?;
        g.new_dataset_builder()
            .with_data(&vlen(&["1.5", "2.5"]))
            .create("timestamps")?;
        Ok(())
    });
    let err = read_spikes(&string_times).unwrap_err();
    assert_names(&err, &string_times, &["/spikes/v1/timestamps", "strings"]);
    let err = Circuit::open(&string_times).unwrap_err();
    assert_names(&err, &string_times, &["/spikes/v1/timestamps"]);

    let float_ids = spikes_file_with(dir.path(), "float_ids.h5", |g| {
        g.new_dataset_builder()
            .with_data(&[0.5f64, 1.0])
            .create("node_ids")?;
        g.new_dataset_builder()
            .with_data(&[1.5f64, 2.5])
            .create("timestamps")?;
        Ok(())
    });
    let err = read_spikes(&float_ids).unwrap_err();
    assert_names(&err, &float_ids, &["/spikes/v1/node_ids", "integers"]);

    let negative_ids = spikes_file_with(dir.path(), "negative_ids.h5", |g| {
        g.new_dataset_builder()
            .with_data(&[0i32, -3])
            .create("node_ids")?;
        g.new_dataset_builder()
            .with_data(&[1.5f64, 2.5])
            .create("timestamps")?;
        Ok(())
    });
    let err = read_spikes(&negative_ids).unwrap_err();
    assert_names(
        &err,
        &negative_ids,
        &["/spikes/v1/node_ids", "negative value -3"],
    );

    let uneven = spikes_file_with(dir.path(), "uneven.h5", |g| {
        g.new_dataset_builder()
            .with_data(&[0u64, 1, 2])
            .create("node_ids")?;
        g.new_dataset_builder()
            .with_data(&[1.5f64, 2.5])
            .create("timestamps")?;
        Ok(())
    });
    let err = read_spikes(&uneven).unwrap_err();
    assert_names(&err, &uneven, &["3 node ids but 2 timestamps"]);

    let bad_sorting = spikes_file_with(dir.path(), "bad_sorting.h5", |g| {
        g.new_dataset_builder()
            .with_data(&[0u64])
            .create("node_ids")?;
        g.new_dataset_builder()
            .with_data(&[1.5f64])
            .create("timestamps")?;
        g.new_attr::<hdf5::types::VarLenUnicode>()
            .create("sorting")?
            .write_scalar(&"sideways".parse::<hdf5::types::VarLenUnicode>().unwrap())?;
        Ok(())
    });
    let err = read_spikes(&bad_sorting).unwrap_err();
    assert_names(&err, &bad_sorting, &["'sideways'"]);

    let no_ids = spikes_file_with(dir.path(), "no_ids.h5", |g| {
        g.new_dataset_builder()
            .with_data(&[1.5f64])
            .create("timestamps")?;
        Ok(())
    });
    let err = read_spikes(&no_ids).unwrap_err();
    assert_names(&err, &no_ids, &["'/spikes/v1' has no 'node_ids'"]);
}

#[test]
fn bad_spike_csv_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spikes.csv");
    fs::write(
        &path,
        "timestamps population node_ids\n1.5 v1 0\nabc v1 1\n",
    )
    .unwrap();
    let err = read_spikes(&path).unwrap_err();
    assert_names(&err, &path, &["spikes.csv:3", "'abc' is not a time"]);
    fs::write(&path, "timestamps node_ids\n1.5 0 7\n").unwrap();
    let err = read_spikes(&path).unwrap_err();
    assert_names(&err, &path, &["spikes.csv:2", "3 fields"]);
    fs::write(&path, "t_ms id\n1.5 0\n").unwrap();
    let err = read_spikes(&path).unwrap_err();
    assert_names(&err, &path, &["spikes.csv:1", "timestamps"]);
}

// ---------------------------------------------------------------------------------------------
// Configs

#[test]
fn cyclic_manifest_variables_name_the_config_and_the_variables() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("circuit_config.json");
    let json = serde_json::json!({
        "manifest": {
            "$BASE_DIR": ".",
            "$NETWORK_DIR": "$LOOP_A/network",
            "$LOOP_A": "${LOOP_B}/a",
            "$LOOP_B": "$NETWORK_DIR/b"
        },
        "networks": {
            "nodes": [{"nodes_file": "$NETWORK_DIR/v1_nodes.h5"}],
            "edges": []
        }
    });
    fs::write(&config, serde_json::to_string_pretty(&json).unwrap()).unwrap();
    let err = Circuit::open(&config).unwrap_err();
    assert!(matches!(err, SonataError::Manifest { .. }), "{err:?}");
    assert_names(
        &err,
        &config,
        &["cyclic", "$NETWORK_DIR", "$LOOP_A", "$LOOP_B"],
    );
    assert!(!err.to_string().contains("$BASE_DIR"), "{err}");
    // Through the folder too.
    let err = Circuit::open(dir.path()).unwrap_err();
    assert_names(&err, &config, &["cyclic"]);

    // A variable that names itself.
    let json = serde_json::json!({"manifest": {"$SELF": "$SELF/x"}, "networks": {"nodes": []}});
    fs::write(&config, json.to_string()).unwrap();
    let err = Circuit::open(&config).unwrap_err();
    assert_names(&err, &config, &["cyclic", "$SELF"]);
}

#[test]
fn malformed_configs_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("circuit_config.json");
    let cases = [
        ("{\"networks\": {\"nodes\": [", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        (
            "{\"manifest\": {\"$A\": [1]}, \"networks\": {}}",
            "'$A' must be a string",
        ),
        (
            "{\"manifest\": {\"$A B\": \"x\"}, \"networks\": {}}",
            "not a valid variable name",
        ),
    ];
    for (text, phrase) in cases {
        fs::write(&config, text).unwrap();
        let err = Circuit::open(&config).unwrap_err();
        assert_names(&err, &config, &[phrase]);
    }
    let empty = tempfile::tempdir().unwrap();
    let err = Circuit::open(empty.path()).unwrap_err();
    assert!(
        err.to_string().contains("no SONATA config in this folder"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// Selections

#[test]
fn malformed_selections_are_selection_errors_quoting_the_expression() {
    let bad = [
        "(",
        ")",
        "(model_type == virtual",
        "model_type == virtual)",
        "soma x <",
        "soma x < 1 2",
        "ei ==",
        "&& ei == e",
        "ei == e &&",
        "ei == e ||| ei == i",
        "ei == e & ei == i",
        "ei == e | ei == i",
        "pop_name == 'e4a",
        "pop_name == \"e4a",
        "!",
        "node_id <",
        "== 3",
        "ei == e ei == i)",
        "stride",
        "stride x",
        "stride -1",
        "((((((",
    ];
    for expr in bad {
        match selection_language::parse(expr) {
            Err(SonataError::Selection { expr: e, message }) => {
                assert_eq!(e, expr);
                assert!(!message.is_empty(), "{expr}");
                let msg = selection_language::parse(expr).unwrap_err().to_string();
                assert!(msg.contains(expr), "{msg}");
            }
            Err(other) => panic!("'{expr}': expected a Selection error, got {other:?}"),
            Ok(parsed) => panic!("'{expr}' parsed as {parsed:?}"),
        }
    }
}

#[test]
fn odd_selection_text_never_panics() {
    // Every string made of up to 3 of these pieces: parse returns, whatever it returns.
    let pieces = [
        "(", ")", "!", "&&", "||", "==", "<", ">=", "'", "\"", "soma", "x", "ü", "1e9", "-", "and",
        "not", "stride", "node_id", " ",
    ];
    let mut n = 0;
    for a in pieces {
        for b in pieces {
            for c in pieces {
                let expr = format!("{a}{b} {c}");
                if let Err(err) = selection_language::parse(&expr) {
                    n += 1;
                    assert!(
                        matches!(err, SonataError::Selection { .. }),
                        "{expr}: {err:?}"
                    );
                }
            }
        }
    }
    assert!(n > 0);
}

// ---------------------------------------------------------------------------------------------
// The binary

fn cortexview(args: &[&std::ffi::OsStr]) -> Output {
    let guard = h5_write_or_spawn();
    let child = Command::new(env!("CARGO_BIN_EXE_cortexview"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(guard);
    child.wait_with_output().unwrap()
}

#[track_caller]
fn assert_fails_naming(out: &Output, file: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "exit status {:?}; stderr: {stderr}",
        out.status
    );
    assert!(stderr.starts_with("error:"), "{stderr}");
    assert!(
        stderr.contains(file),
        "stderr does not name {file}: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn the_binary_reports_bad_paths_without_panicking() {
    let dir = tempfile::tempdir().unwrap();
    let truncated = truncated_copy(&v1_nodes(), dir.path());
    for args in [vec!["info"], vec!["info", "--json"], vec!["nodes"]] {
        let mut argv: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
        argv.push(truncated.as_os_str());
        let out = cortexview(&argv);
        assert_fails_naming(&out, "v1_nodes.h5");
        assert!(String::from_utf8_lossy(&out.stderr).contains("truncated"));
    }
    let absent = dir.path().join("absent_circuit.json");
    let out = cortexview(&["info".as_ref(), absent.as_os_str()]);
    assert_fails_naming(&out, "absent_circuit.json");

    // Several populations and none chosen; an unknown one; a bad selection.
    let fx = fixture();
    let out = cortexview(&["nodes".as_ref(), fx.as_os_str()]);
    assert_fails_naming(&out, "v1_like_n300_none");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--population"));
    let out = cortexview(&[
        "nodes".as_ref(),
        fx.as_os_str(),
        "--population".as_ref(),
        "nope".as_ref(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.starts_with("error:") && stderr.contains("nope"),
        "{stderr}"
    );
    let out = cortexview(&[
        "nodes".as_ref(),
        fx.as_os_str(),
        "--population".as_ref(),
        "v1".as_ref(),
        "--select".as_ref(),
        "ei == e &&".as_ref(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.starts_with("error:") && stderr.contains("ei == e &&"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// `cortexview nodes`, the happy path

/// The rows of `cortexview nodes` output: header and records.
fn nodes_csv(extra: &[&str]) -> (Vec<String>, Vec<Vec<String>>) {
    let fx = fixture();
    let mut argv: Vec<&std::ffi::OsStr> = vec!["nodes".as_ref(), fx.as_os_str()];
    argv.extend(["--population", "v1"].iter().map(std::ffi::OsStr::new));
    argv.extend(extra.iter().map(std::ffi::OsStr::new));
    let out = cortexview(&argv);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

/// `column` of v1_node_types.csv by node_type_id, read by hand (whitespace-separated; the
/// fixture has no quoted fields).
fn type_column(column: &str) -> std::collections::HashMap<u64, String> {
    let text = fs::read_to_string(v1_types()).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    let col = header.iter().position(|h| *h == column).unwrap();
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f[0].parse().unwrap(), f[col].to_owned())
        })
        .collect()
}

#[test]
fn nodes_prints_one_row_per_node_with_node_id_first() {
    let (header, rows) = nodes_csv(&[]);
    assert_eq!(header[0], "node_id");
    for attr in ["node_type_id", "ei", "pop_name", "x", "y", "z"] {
        assert!(
            header.iter().any(|h| h == attr),
            "no column {attr}: {header:?}"
        );
    }
    let ids = v1_node_type_ids();
    assert_eq!(rows.len(), 300);
    assert_eq!(rows.len(), ids.len());
    let ei = type_column("ei");
    let ei_col = header.iter().position(|h| h == "ei").unwrap();
    let type_col = header.iter().position(|h| h == "node_type_id").unwrap();
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.len(), header.len());
        assert_eq!(row[0], i.to_string());
        assert_eq!(row[type_col], ids[i].to_string());
        assert_eq!(row[ei_col], ei[&ids[i]], "node {i}");
    }
}

#[test]
fn nodes_select_restricts_the_rows() {
    let ids = v1_node_type_ids();
    let ei = type_column("ei");
    let layer = type_column("layer");
    let want_e: Vec<String> = (0..ids.len())
        .filter(|&i| ei[&ids[i]] == "e")
        .map(|i| i.to_string())
        .collect();
    let want_l4_i: Vec<String> = (0..ids.len())
        .filter(|&i| ei[&ids[i]] == "i" && layer[&ids[i]] == "L4")
        .map(|i| i.to_string())
        .collect();
    assert!(!want_e.is_empty() && want_e.len() < ids.len());
    assert!(!want_l4_i.is_empty());
    let node_ids = |rows: Vec<Vec<String>>| -> Vec<String> {
        rows.into_iter().map(|r| r[0].clone()).collect()
    };
    let (_, rows) = nodes_csv(&["--select", "ei == e"]);
    assert_eq!(node_ids(rows), want_e);
    let (_, rows) = nodes_csv(&["--select", "layer == L4 && !(ei == e)"]);
    assert_eq!(node_ids(rows), want_l4_i);
    let (header, rows) = nodes_csv(&["--select", "node_id 3 5 7", "--attributes", "ei,layer"]);
    assert_eq!(header, ["node_id", "ei", "layer"]);
    assert_eq!(
        rows,
        [3usize, 5, 7]
            .iter()
            .map(|&i| vec![i.to_string(), ei[&ids[i]].clone(), layer[&ids[i]].clone()])
            .collect::<Vec<_>>()
    );
    let (_, rows) = nodes_csv(&["--select", "none"]);
    assert!(rows.is_empty());
}
