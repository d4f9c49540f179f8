//! The data layer reads what the peers read: every node attribute (bmtk's merged tables,
//! libsonata's reads), edge ids, attributes and index ranges (libsonata), spikes and report
//! frames (h5py, libsonata), for every fixture family and for BMTK-built V1-like networks
//! (gzip and uncompressed). References: tests/data/references, made by
//! scripts/references/make_references.py.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cortexview::sonata::{
    EdgePopulation, NodePopulation, TypesTable, Value,
    h5util::{self, RawValues},
    read_spikes,
    reports::read_reports,
};
use serde_json::Value as Json;

#[path = "common/fixtures.rs"]
mod fixtures;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn shared_fixtures() -> PathBuf {
    fixtures::shared_fixtures()
}

fn references() -> Vec<(String, Json)> {
    let dir = root().join("tests/data/references");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name == "index" {
            continue;
        }
        let json: Json = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        out.push((name, json));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The folder a reference was made from, or None (with the reason printed) when absent.
fn source_dir(reference: &Json) -> Option<PathBuf> {
    let source = reference["source"].as_str().unwrap();
    let base = match reference["source_root"].as_str().unwrap() {
        "fixtures" => shared_fixtures(),
        _ => root().join("tests/data"),
    };
    let path = fixtures::require(&base.join(source), "the reference's source folder")?;
    // A reference of a single file has the file as source.
    Some(if path.is_file() {
        path.parent().unwrap().to_owned()
    } else {
        path
    })
}

fn close(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-12)
}

/// Compares one of our values with a reference value; `library` maps integer codes (bmtk
/// returns `@library` codes where we and libsonata return the strings).
fn same(ours: Value<'_>, theirs: &Json, library: Option<&[String]>) -> bool {
    match (ours, theirs) {
        (Value::Missing, Json::Null) => true,
        // A NaN stored in the h5 file: pandas, and so the reference, calls it missing.
        (Value::Float(v), Json::Null) if v.is_nan() => true,
        (Value::Missing, _) | (_, Json::Null) => false,
        (Value::Text(s), Json::String(t)) => s == t,
        (Value::Text(s), Json::Number(n)) => {
            let code = n.as_f64().unwrap();
            if let Some(lib) = library {
                return lib.get(code as usize).is_some_and(|l| l == s);
            }
            s.parse::<f64>().is_ok_and(|v| close(v, code))
        }
        (v, Json::Number(n)) => close(v.as_f64().unwrap(), n.as_f64().unwrap()),
        (v, Json::String(t)) => t
            .parse::<f64>()
            .is_ok_and(|t| close(v.as_f64().unwrap(), t)),
        (v, Json::Bool(b)) => v.as_f64() == Some(if *b { 1.0 } else { 0.0 }),
        _ => false,
    }
}

fn library_of(file: &Path, population: &str, kind: &str, attr: &str) -> Option<Vec<String>> {
    let h5 = h5util::open_file(file).ok()?;
    let pop = h5.group(&format!("{kind}/{population}")).ok()?;
    for g in h5util::subgroup_names(&pop) {
        if let Ok(ds) = pop.dataset(&format!("{g}/@library/{attr}"))
            && let Ok(RawValues::Text(names)) = h5util::read_values(file, &ds)
        {
            return Some(names);
        }
    }
    None
}

fn usizes(v: &Json) -> Vec<usize> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect()
}

fn check_nodes(name: &str, dir: &Path, pop_name: &str, r: &Json) -> usize {
    let file = dir.join(r["file"].as_str().unwrap());
    let types = r["types_file"]
        .as_str()
        .map(|t| TypesTable::read(&dir.join(t), "node_type_id").unwrap());
    let count = r["count"].as_u64().unwrap() as usize;
    if count == 0 && r["errors"].get("open_population").is_some() {
        // libsonata could not open it either (nodes-B: no node_type_id): we refuse it too.
        assert!(NodePopulation::read(&file, pop_name, types.as_ref()).is_err());
        return 0;
    }
    let pop = NodePopulation::read(&file, pop_name, types.as_ref())
        .unwrap_or_else(|e| panic!("{name}/{pop_name}: {e}"));
    assert_eq!(pop.len(), count, "{name}/{pop_name}: count");
    let rows = usizes(&r["rows"]);
    let mut checked = 0;
    for (i, &row) in rows.iter().enumerate() {
        assert_eq!(
            pop.node_ids[row],
            r["node_id"][i].as_u64().unwrap(),
            "{name}/{pop_name} node_id row {row}"
        );
        assert_eq!(
            pop.node_type_ids[row],
            r["node_type_id"][i].as_i64().unwrap(),
            "{name}/{pop_name} node_type_id row {row}"
        );
    }
    let errors = r
        .get("errors")
        .and_then(Json::as_object)
        .cloned()
        .unwrap_or_default();
    for (attr, values) in r["attributes"].as_object().unwrap() {
        if let Some(err) = errors.get(attr) {
            // libsonata refused it: an empty (null-space) dataset, an HDF5 enum of the wrong
            // length, an out-of-range enumeration. We skip those with a warning, or keep the
            // integer codes for the out-of-range enumeration.
            let ours = pop.attribute(attr);
            let err = err.as_str().unwrap();
            if err.contains("Invalid enumeration") {
                let col = ours.unwrap_or_else(|| panic!("{name}/{pop_name}: {attr} missing"));
                assert_eq!(col.dtype(), "int", "{attr} should stay integer codes");
                assert!(
                    pop.warnings
                        .iter()
                        .any(|w| w.contains(attr) && w.contains("invalid enumeration"))
                );
            } else {
                assert!(
                    ours.is_none(),
                    "{name}/{pop_name}: {attr} should be skipped ({err})"
                );
                assert!(
                    pop.warnings.iter().any(|w| w.contains(attr)),
                    "{attr}: no warning"
                );
            }
            continue;
        }
        let col = pop.attribute(attr).unwrap_or_else(|| {
            panic!(
                "{name}/{pop_name}: attribute {attr} missing; ours: {:?}",
                pop.attribute_names().collect::<Vec<_>>()
            )
        });
        let library = library_of(&file, pop_name, "nodes", attr);
        for (i, &row) in rows.iter().enumerate() {
            let theirs = &values[i];
            assert!(
                same(col.get(row), theirs, library.as_deref()),
                "{name}/{pop_name}: {attr} at row {row}: ours {:?}, theirs {theirs}",
                col.get(row)
            );
            checked += 1;
        }
    }
    if let Some(sums) = r.get("sums").and_then(Json::as_object) {
        for (attr, want) in sums {
            if errors.contains_key(attr) {
                continue;
            }
            let sum: f64 = match attr.as_str() {
                "node_id" => pop.node_ids.iter().map(|&v| v as f64).sum(),
                _ => match pop.attribute(attr) {
                    Some(col) if library_of(&file, pop_name, "nodes", attr).is_none() => (0..pop
                        .len())
                        .filter_map(|i| col.get(i).as_f64().filter(|_| col.is_present(i)))
                        .sum(),
                    _ => continue,
                },
            };
            assert!(
                close(sum, want.as_f64().unwrap()),
                "{name}/{pop_name}: sum of {attr}: ours {sum}, theirs {want}"
            );
        }
    }
    // h5 dynamics_params (not in bmtk's dataframe; libsonata's dynamics attributes).
    let dyn_names: Vec<String> = match (
        r.get("dynamics_params"),
        r.get("h5_dynamics_params_not_in_bmtk_dataframe"),
    ) {
        (Some(Json::Object(d)), _) => {
            for (param, values) in d {
                let col = &pop.dynamics_params[param];
                for (row, v) in values.as_array().unwrap().iter().enumerate() {
                    assert!(
                        same(col.get(row), v, None),
                        "{name}/{pop_name}: dynamics_params {param} row {row}"
                    );
                }
            }
            d.keys().cloned().collect()
        }
        (_, Some(Json::Object(groups))) => {
            let mut names: Vec<String> = groups.values().flat_map(usizes_or_strings).collect();
            names.sort();
            names.dedup();
            names
        }
        _ => Vec::new(),
    };
    assert_eq!(
        pop.dynamics_params.keys().cloned().collect::<Vec<_>>(),
        dyn_names,
        "{name}/{pop_name}: dynamics_params"
    );
    checked
}

fn usizes_or_strings(v: &Json) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_owned())
        .collect()
}

fn ranges(sel: &cortexview::sonata::Selection) -> Vec<[u64; 2]> {
    sel.ranges().iter().map(|r| [r.start, r.end]).collect()
}

fn check_edges(name: &str, dir: &Path, pop_name: &str, r: &Json) -> usize {
    let file = dir.join(r["file"].as_str().unwrap());
    let types = r
        .get("types_file")
        .and_then(Json::as_str)
        .map(|t| TypesTable::read(&dir.join(t), "edge_type_id").unwrap());
    if let Some(missing) = r["errors"].get("source_node_id") {
        // libsonata's edges-AC has no ids at all: we refuse it too, naming the dataset.
        let err = EdgePopulation::open(&file, pop_name, types.as_ref()).unwrap_err();
        assert!(
            err.to_string().contains("source_node_id"),
            "{err} ({missing})"
        );
        return 0;
    }
    let pop = EdgePopulation::open(&file, pop_name, types.as_ref())
        .unwrap_or_else(|e| panic!("{name}/{pop_name}: {e}"));
    assert_eq!(
        pop.len(),
        r["count"].as_u64().unwrap() as usize,
        "{name}/{pop_name}: count"
    );
    for (key, ours) in [
        ("source_population", &pop.source),
        ("target_population", &pop.target),
    ] {
        if let Some(theirs) = r.get(key).and_then(Json::as_str) {
            assert_eq!(ours, theirs, "{name}/{pop_name}: {key}");
        }
    }
    let rows = usizes(&r["rows"]);
    let src = pop.source_node_ids().unwrap();
    let trg = pop.target_node_ids().unwrap();
    let mut checked = 0;
    for (i, &row) in rows.iter().enumerate() {
        assert_eq!(
            src[row],
            r["source_node_id"][i].as_u64().unwrap(),
            "{name}/{pop_name} source row {row}"
        );
        assert_eq!(
            trg[row],
            r["target_node_id"][i].as_u64().unwrap(),
            "{name}/{pop_name} target row {row}"
        );
    }
    if let Some(types) = r.get("edge_type_id").and_then(Json::as_array) {
        let ours = pop.edge_type_ids().unwrap();
        for (i, &row) in rows.iter().enumerate() {
            assert_eq!(
                ours[row],
                types[i].as_i64().unwrap(),
                "{name}/{pop_name} edge_type_id row {row}"
            );
        }
    }
    let errors = r
        .get("errors")
        .and_then(Json::as_object)
        .cloned()
        .unwrap_or_default();
    for (attr, values) in r["attributes"].as_object().unwrap() {
        if let Some(err) = errors.get(attr) {
            // libsonata refused it (an empty dataset, an HDF5 enum, a bad enumeration): so do
            // we, with an error that names the dataset, or integer codes for the enumeration.
            match pop.attribute(attr) {
                Err(e) => assert!(e.to_string().contains(attr), "{e}"),
                Ok(Some(col)) => assert!(
                    err.as_str().unwrap().contains("enumeration") && col.dtype() == "int",
                    "{attr}: {err}"
                ),
                Ok(None) => panic!("{name}/{pop_name}: {attr} not found at all"),
            }
            continue;
        }
        let col = pop
            .attribute(attr)
            .unwrap()
            .unwrap_or_else(|| panic!("{name}/{pop_name}: edge attribute {attr} missing"));
        let library = library_of(&file, pop_name, "edges", attr);
        for (i, &row) in rows.iter().enumerate() {
            assert!(
                same(col.get(row), &values[i], library.as_deref()),
                "{name}/{pop_name}: {attr} at edge {row}: ours {:?}, theirs {}",
                col.get(row),
                values[i]
            );
            checked += 1;
        }
    }
    if let Some(sums) = r.get("sums").and_then(Json::as_object) {
        for (attr, want) in sums {
            let sum: f64 = match attr.as_str() {
                "source_node_id" => src.iter().map(|&v| v as f64).sum(),
                "target_node_id" => trg.iter().map(|&v| v as f64).sum(),
                _ if errors.contains_key(attr) => continue,
                _ => match pop.attribute(attr).unwrap() {
                    Some(col) => (0..pop.len())
                        .filter_map(|i| col.get(i).as_f64().filter(|_| col.is_present(i)))
                        .sum(),
                    None => continue,
                },
            };
            assert!(
                close(sum, want.as_f64().unwrap()),
                "{name}/{pop_name}: sum of {attr}: ours {sum}, theirs {want}"
            );
        }
    }
    for (key, efferent) in [("efferent", true), ("afferent", false)] {
        let Some(map) = r.get(key).and_then(Json::as_object) else {
            continue;
        };
        for (node, want) in map {
            let node: u64 = node.parse().unwrap();
            let sel = if efferent {
                pop.efferent_edges(node)
            } else {
                pop.afferent_edges(node)
            }
            .unwrap();
            let want: Vec<[u64; 2]> = want
                .as_array()
                .unwrap()
                .iter()
                .map(|r| [r[0].as_u64().unwrap(), r[1].as_u64().unwrap()])
                .collect();
            assert_eq!(
                ranges(&sel),
                want,
                "{name}/{pop_name}: {key} edges of node {node}"
            );
            checked += 1;
        }
    }
    checked
}

fn check_spikes(name: &str, dir: &Path, reference: &Json) -> usize {
    let mut checked = 0;
    let mut by_file: BTreeMap<String, Vec<(&String, &Json)>> = BTreeMap::new();
    for (pop, r) in reference["spikes"].as_object().unwrap() {
        by_file
            .entry(r["file"].as_str().unwrap().to_owned())
            .or_default()
            .push((pop, r));
    }
    for (file, pops) in by_file {
        // A spikes reference's source is the file itself; `file` is relative to its network.
        let path = if dir.join(&file).is_file() {
            dir.join(&file)
        } else {
            spikes_source(reference)
        };
        let ours = read_spikes(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(ours.len(), pops.len(), "{name}: populations in {file}");
        for (pop, r) in pops {
            let s = ours
                .iter()
                .find(|p| &p.population == pop)
                .unwrap_or_else(|| panic!("{name}: population '{pop}'"));
            assert_eq!(
                s.len(),
                r["count"].as_u64().unwrap() as usize,
                "{name}/{pop}: count"
            );
            for (i, &row) in usizes(&r["rows"]).iter().enumerate() {
                assert_eq!(
                    s.node_ids[row],
                    r["node_ids"][i].as_u64().unwrap(),
                    "{name}/{pop}: node id {row}"
                );
                assert!(
                    close(s.timestamps[row], r["timestamps"][i].as_f64().unwrap()),
                    "{name}/{pop}: time {row}"
                );
                checked += 1;
            }
            let sum_ids: u64 = s.node_ids.iter().sum();
            assert_eq!(
                sum_ids,
                r["sum_node_ids"].as_u64().unwrap(),
                "{name}/{pop}: sum of ids"
            );
            let sum_t: f64 = s.timestamps.iter().sum();
            assert!(
                close(sum_t, r["sum_timestamps"].as_f64().unwrap())
                    || (sum_t - r["sum_timestamps"].as_f64().unwrap()).abs() < 1e-6
            );
            if let Some((lo, hi)) = s.time_range() {
                assert!(
                    close(lo, r["t_min"].as_f64().unwrap())
                        && close(hi, r["t_max"].as_f64().unwrap()),
                    "{name}/{pop}: range"
                );
            }
            if let Some(sorting) = r.get("sorting").and_then(Json::as_str) {
                let want = cortexview::sonata::SortOrder::parse(sorting);
                assert_eq!(s.sorting, want, "{name}/{pop}: sorting '{sorting}'");
            }
        }
    }
    checked
}

fn spikes_source(reference: &Json) -> PathBuf {
    let base = match reference["source_root"].as_str().unwrap() {
        "fixtures" => shared_fixtures(),
        _ => root().join("tests/data"),
    };
    base.join(reference["source"].as_str().unwrap())
}

fn check_reports(name: &str, dir: &Path, reports: &serde_json::Map<String, Json>) -> usize {
    let mut checked = 0;
    for (key, r) in reports {
        let file = dir.join(r["file"].as_str().unwrap());
        let (ours, warnings) = read_reports(&file).unwrap_or_else(|e| panic!("{name}/{key}: {e}"));
        if r.get("error").is_some() {
            // An empty population (libsonata's soma2): skipped with a warning.
            let pop = key.rsplit('/').next().unwrap();
            assert!(ours.iter().all(|rep| rep.population != pop));
            assert!(
                warnings.iter().any(|w| w.contains(pop)),
                "{name}/{key}: no warning"
            );
            continue;
        }
        let old_layout = r["layout"].as_str().unwrap().starts_with("old");
        let pop = key.rsplit('/').next().unwrap();
        let rep = ours
            .iter()
            .find(|rep| {
                if old_layout {
                    rep.variable.as_deref() == Some(pop)
                } else {
                    rep.population == pop
                }
            })
            .unwrap_or_else(|| panic!("{name}/{key}: not found"));
        assert_eq!(
            rep.n_nodes(),
            r["n_nodes"].as_u64().unwrap() as usize,
            "{name}/{key}: nodes"
        );
        assert_eq!(
            rep.n_elements(),
            r["n_elements"].as_u64().unwrap() as usize,
            "{name}/{key}: elements"
        );
        assert_eq!(
            rep.n_frames,
            r["n_frames"].as_u64().unwrap() as usize,
            "{name}/{key}: frames"
        );
        assert_eq!(
            rep.node_ids,
            r["node_ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap())
                .collect::<Vec<_>>()
        );
        let ptr: Vec<u64> = r["index_pointers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        assert_eq!(
            &rep.index_pointers[..ptr.len()],
            &ptr[..],
            "{name}/{key}: index pointers"
        );
        match (rep.time, r.get("t_start").and_then(Json::as_f64)) {
            (Some((t0, t1, dt)), Some(want)) => {
                assert!(close(t0, want));
                assert!(close(t1, r["t_stop"].as_f64().unwrap()));
                assert!(close(dt, r["dt"].as_f64().unwrap()));
            }
            (None, None) => {}
            (ours, theirs) => panic!("{name}/{key}: time {ours:?} vs {theirs:?}"),
        }
        for (frame, values) in r["frames"].as_object().unwrap() {
            let frame: usize = frame.parse().unwrap();
            let data = rep.read_frame(frame).unwrap();
            for (element, want) in values.as_object().unwrap() {
                let element: usize = element.parse().unwrap();
                let want = want.as_f64().unwrap();
                assert!(
                    ((data[element] as f64) - want).abs() <= 1e-6 * want.abs().max(1.0),
                    "{name}/{key}: frame {frame} element {element}"
                );
                checked += 1;
            }
        }
        let frames = rep.read_frames(0..rep.n_frames).unwrap();
        let sum: f64 = frames.iter().flatten().map(|&v| v as f64).sum();
        let want = r["sum_all"].as_f64().unwrap();
        assert!(
            (sum - want).abs() <= 1e-5 * want.abs().max(1.0),
            "{name}/{key}: sum {sum} vs {want}"
        );
        // A time window reads the frames it names, from disk.
        if let Some((t0, _, dt)) = rep.time {
            let (range, window) = rep.read_window(t0 + 2.0 * dt, t0 + 5.0 * dt).unwrap();
            assert_eq!(range, 2..5.min(rep.n_frames));
            assert_eq!(window, frames[range].to_vec());
        }
    }
    checked
}

fn run_family(prefix: &str) {
    let mut total = 0;
    let mut any = false;
    for (name, reference) in references()
        .into_iter()
        .filter(|(n, _)| n.starts_with(prefix))
    {
        let Some(dir) = source_dir(&reference) else {
            continue;
        };
        any = true;
        let mut checked = 0;
        if let Some(nodes) = reference.get("nodes").and_then(Json::as_object) {
            for (pop, r) in nodes {
                checked += check_nodes(&name, &dir, pop, r);
            }
        }
        if let Some(edges) = reference.get("edges").and_then(Json::as_object) {
            for (pop, r) in edges {
                checked += check_edges(&name, &dir, pop, r);
            }
        }
        if reference.get("spikes").is_some() {
            checked += check_spikes(&name, &dir, &reference);
        }
        if let Some(reports) = reference.get("reports").and_then(Json::as_object) {
            checked += check_reports(&name, &dir, reports);
        }
        println!("{name}: {checked} values equal the reference");
        total += checked;
    }
    if any {
        assert!(total > 0, "no value compared for {prefix}*");
    }
}

#[test]
fn sonata_examples_equal_bmtk_and_h5py() {
    run_family("sonata_");
}

#[test]
fn bmtk_examples_equal_bmtk() {
    run_family("bmtk_point");
}

#[test]
fn libsonata_test_data_equals_libsonata() {
    run_family("libsonata_");
}

#[test]
fn bmtk_quirks_equal_bmtk() {
    run_family("bmtk_quirks");
}

#[test]
fn bmtk_built_v1_like_networks_equal_bmtk_gzip_and_uncompressed() {
    run_family("v1_like_");
}

#[test]
fn spike_files_equal_h5py_and_libsonata() {
    run_family("spikes_");
}
