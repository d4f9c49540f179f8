//! The spike writer round trip, proven with the real peers.
//!
//! `examples/write_spikes_sample.rs` wrote `tests/data/written/spikes_by_{time,id}.h5` from the
//! sample of `tests/common/spike_sample.rs`, and `scripts/references/make_written_spikes.sh` had
//! libsonata and bmtk read them back into `spikes_by_{time,id}.readback.json`. Here: (a) our writer
//! and reader round-trip the sample, (b) the committed h5 files still hold exactly the sample (so
//! the committed read-backs are about what we write now), (c) libsonata and bmtk read the sample.

use std::path::{Path, PathBuf};

use cortexview::sonata::{PopulationSpikes, SortOrder, read_spikes, write_spikes};
use serde_json::Value;

#[path = "common/spike_sample.rs"]
mod spike_sample;

const ORDERS: [(&str, SortOrder); 2] = [
    ("spikes_by_time", SortOrder::ByTime),
    ("spikes_by_id", SortOrder::ById),
];

fn written_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/written")
}

/// The sample as a file sorted `order` must hold it: each population sorted (ties by the other
/// key), `sorting` declared.
fn expected(order: SortOrder) -> Vec<PopulationSpikes> {
    spike_sample::sample_spikes()
        .into_iter()
        .map(|mut p| {
            p.sort(order);
            p
        })
        .collect()
}

fn by_name<'a>(pops: &'a [PopulationSpikes], name: &str) -> &'a PopulationSpikes {
    pops.iter()
        .find(|p| p.population == name)
        .unwrap_or_else(|| panic!("no population '{name}' read back"))
}

fn assert_same_spikes(got: &[PopulationSpikes], want: &[PopulationSpikes], what: &str) {
    let mut got_names: Vec<&str> = got.iter().map(|p| p.population.as_str()).collect();
    let mut want_names: Vec<&str> = want.iter().map(|p| p.population.as_str()).collect();
    got_names.sort();
    want_names.sort();
    assert_eq!(got_names, want_names, "{what}: populations");
    for w in want {
        assert_eq!(
            by_name(got, &w.population),
            w,
            "{what}: population '{}'",
            w.population
        );
    }
}

#[test]
fn the_sample_has_ties_and_is_not_already_sorted() {
    let sample = spike_sample::sample_spikes();
    assert_eq!(sample.len(), 2);
    assert_eq!((sample[0].population.as_str(), sample[0].len()), ("v1", 50));
    assert_eq!(
        (sample[1].population.as_str(), sample[1].len()),
        ("lgn", 30)
    );
    for pop in &sample {
        let mut times = pop.timestamps.clone();
        times.sort_by(f64::total_cmp);
        assert!(
            times.windows(2).any(|w| w[0] == w[1]),
            "{}: no tie in time",
            pop.population
        );
        assert_ne!(times, pop.timestamps, "{}: already sorted", pop.population);
        // Ties in time on different nodes, so that by_time's order within a tie matters.
        let mut sorted = pop.clone();
        sorted.sort(SortOrder::ByTime);
        assert!(
            sorted
                .timestamps
                .windows(2)
                .zip(sorted.node_ids.windows(2))
                .any(|(t, id)| t[0] == t[1] && id[0] != id[1]),
            "{}: no tie in time between different nodes",
            pop.population
        );
    }
}

#[test]
fn write_then_read_gives_the_spikes_sorted_as_asked() {
    let dir = tempfile::tempdir().unwrap();
    for (name, order) in ORDERS.into_iter().chain([("spikes_none", SortOrder::None)]) {
        let path = dir.path().join(format!("{name}.h5"));
        write_spikes(&path, &spike_sample::sample_spikes(), order).unwrap();
        let got = read_spikes(&path).unwrap();
        let want: Vec<PopulationSpikes> = if order == SortOrder::None {
            // Unsorted: written as given, declared "none".
            spike_sample::sample_spikes()
                .into_iter()
                .map(|p| PopulationSpikes {
                    sorting: Some(SortOrder::None),
                    ..p
                })
                .collect()
        } else {
            expected(order)
        };
        assert_same_spikes(&got, &want, name);
        // No temporary file is left beside it.
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(left.is_empty(), "temporary files left: {left:?}");
    }
}

#[test]
fn the_committed_files_hold_the_sample() {
    for (name, order) in ORDERS {
        let path = written_dir().join(format!("{name}.h5"));
        let got = read_spikes(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_same_spikes(
            &got,
            &expected(order),
            &format!(
                "{} (regenerate with scripts/references/make_written_spikes.sh)",
                path.display()
            ),
        );
    }
}

fn readback(name: &str) -> Value {
    let path = written_dir().join(format!("{name}.readback.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn ids_and_times(entry: &Value, what: &str) -> (Vec<u64>, Vec<f64>) {
    assert!(entry.get("error").is_none(), "{what}: {}", entry["error"]);
    let ids = entry["node_ids"]
        .as_array()
        .unwrap_or_else(|| panic!("{what}: no node_ids"))
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let times = entry["timestamps"]
        .as_array()
        .unwrap_or_else(|| panic!("{what}: no timestamps"))
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    (ids, times)
}

#[test]
fn libsonata_and_bmtk_read_the_committed_files_as_written() {
    for (name, order) in ORDERS {
        let json = readback(name);
        let want = expected(order);
        let mut want_names: Vec<&str> = want.iter().map(|p| p.population.as_str()).collect();
        want_names.sort();
        for tool in ["libsonata", "bmtk"] {
            let t = &json[tool];
            assert_eq!(
                t["ok"], true,
                "{name}: {tool} refused the file: {}",
                t["error"]
            );
            let pops = t["populations"].as_object().unwrap();
            let mut names: Vec<&str> = pops.keys().map(String::as_str).collect();
            names.sort();
            assert_eq!(names, want_names, "{name}: {tool}'s populations");
            for w in &want {
                let what = format!("{name}: {tool}, population '{}'", w.population);
                let entry = &pops[&w.population];
                assert_eq!(entry["count"], w.len(), "{what}: count");
                let (ids, times) = ids_and_times(entry, &what);
                assert_eq!(ids, w.node_ids, "{what}: node ids, in order");
                assert_eq!(times, w.timestamps, "{what}: timestamps, in order");
                match tool {
                    "libsonata" => {
                        assert_eq!(entry["sorting"], order.as_str(), "{what}: sorting");
                        assert_eq!(entry["time_units"], "ms", "{what}: units");
                        let (t0, t1) = w.time_range().unwrap();
                        assert_eq!(entry["times"], serde_json::json!([t0, t1]), "{what}: times");
                    }
                    _ => {
                        // bmtk 1.2.0 maps only a *string* `sorting` attribute (`sorting_attrs` in
                        // bmtk/utils/reports/spike_trains/spike_train_readers.py); the uint8 enum
                        // that libsonata writes (and so do we) reads as "unknown". It reads
                        // libsonata's own files the same way.
                        assert_eq!(entry["sorting"], "unknown", "{what}: sorting");
                        assert_eq!(entry["units"], "ms", "{what}: units");
                    }
                }
            }
        }
        // The layout h5py saw: the enum libsonata writes, root magic and version.
        let h5 = &json["h5py"];
        assert_eq!(h5["root_attrs"]["magic"], 0x0A7A, "{name}: magic");
        assert_eq!(
            h5["root_attrs"]["version"],
            serde_json::json!([0, 1]),
            "{name}"
        );
        for w in &want {
            let p = &h5["populations"][&w.population];
            assert_eq!(
                p["sorting_attr_type"], "enum {none:0, by_id:1, by_time:2}",
                "{name}: '{}'",
                w.population
            );
            let code = match order {
                SortOrder::None => 0,
                SortOrder::ById => 1,
                SortOrder::ByTime => 2,
            };
            assert_eq!(p["sorting_attr"], code, "{name}: '{}'", w.population);
        }
        for agree in json["agree"].as_object().unwrap().values() {
            assert_eq!(agree["libsonata_vs_bmtk_same_sequence"], true, "{name}");
        }
    }
}
