//! BMTK runs what `cortexview demo` exports: the export's datasets and attributes have the types
//! BMTK's own NetworkBuilder writes (tests/data/demo_ref/bmtk_builder_dtypes.json, made by
//! scripts/demo_references/bmtk_builder_dtypes.py), and BMTK PointNet 1.2.0 with NEST 3.10, run
//! on the committed export by scripts/demo_references/make_refs.sh, gives our spikes.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cortexview::demo::{CellModel, Demo, DemoOptions};
use cortexview::sim::from_sonata::network_from_circuit;
use cortexview::sim::{SimOptions, Simulation};
use cortexview::sonata::{Circuit, read_spikes};
use hdf5::types::{FloatSize, IntSize, TypeDescriptor};

fn refs() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/demo_ref")
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A type as numpy spells it (`<u4`, `<f8`), strings as `str`.
fn numpy_name(t: &TypeDescriptor) -> String {
    let size = |s: &IntSize| match s {
        IntSize::U1 => 1,
        IntSize::U2 => 2,
        IntSize::U4 => 4,
        IntSize::U8 => 8,
    };
    match t {
        TypeDescriptor::Integer(s) => format!("<i{}", size(s)),
        TypeDescriptor::Unsigned(s) => format!("<u{}", size(s)),
        TypeDescriptor::Float(FloatSize::U4) => "<f4".into(),
        TypeDescriptor::Float(FloatSize::U8) => "<f8".into(),
        TypeDescriptor::VarLenUnicode
        | TypeDescriptor::VarLenAscii
        | TypeDescriptor::FixedAscii(_)
        | TypeDescriptor::FixedUnicode(_) => "str".into(),
        other => format!("{other:?}"),
    }
}

/// Every dataset and attribute of an h5 file with its type, keyed as the reference keys them
/// (`/nodes/v1/node_id`, `/edges/v1_to_v1/source_node_id@node_population`, `/@magic`).
fn h5_types(path: &Path) -> BTreeMap<String, String> {
    fn visit(g: &hdf5::Group, out: &mut BTreeMap<String, String>) {
        for name in g.member_names().unwrap() {
            let full = format!("{}/{name}", g.name().trim_end_matches('/'));
            if let Ok(ds) = g.dataset(&name) {
                out.insert(
                    full.clone(),
                    numpy_name(&ds.dtype().unwrap().to_descriptor().unwrap()),
                );
                for a in ds.attr_names().unwrap() {
                    let t = ds
                        .attr(&a)
                        .unwrap()
                        .dtype()
                        .unwrap()
                        .to_descriptor()
                        .unwrap();
                    out.insert(format!("{full}@{a}"), numpy_name(&t));
                }
            } else if let Ok(sub) = g.group(&name) {
                visit(&sub, out);
            }
        }
    }
    let file = hdf5::File::open(path).unwrap();
    let mut out = BTreeMap::new();
    for a in file.attr_names().unwrap() {
        let t = file
            .attr(&a)
            .unwrap()
            .dtype()
            .unwrap()
            .to_descriptor()
            .unwrap();
        out.insert(format!("/@{a}"), numpy_name(&t));
    }
    visit(&file, &mut out);
    out
}

#[test]
fn export_writes_the_types_bmtk_builder_writes() {
    let reference = json(&refs().join("bmtk_builder_dtypes.json"));
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::build(&DemoOptions::new(200, CellModel::IafPscAlpha)).unwrap();
    demo.write_sonata(dir.path()).unwrap();
    // our file, its population, the builder's file and population of the same kind
    let pairs = [
        ("v1_nodes.h5", "v1", "v1_nodes.h5", "v1"),
        ("lgn_nodes.h5", "lgn", "lgn_nodes.h5", "lgn"),
        ("bkg_nodes.h5", "bkg", "lgn_nodes.h5", "lgn"),
        ("v1_v1_edges.h5", "v1_to_v1", "v1_v1_edges.h5", "v1_to_v1"),
        (
            "lgn_v1_edges.h5",
            "lgn_to_v1",
            "lgn_v1_edges.h5",
            "lgn_to_v1",
        ),
        (
            "bkg_v1_edges.h5",
            "bkg_to_v1",
            "lgn_v1_edges.h5",
            "lgn_to_v1",
        ),
    ];
    let mut compared = 0;
    for (ours, pop, theirs, their_pop) in pairs {
        let types = h5_types(&dir.path().join("network").join(ours));
        let builder = reference["files"][theirs].as_object().unwrap();
        for (key, t) in builder {
            let key_ours = key.replacen(&format!("/{their_pop}/"), &format!("/{pop}/"), 1);
            let expected = t["dtype"].as_str().unwrap();
            let got = types.get(&key_ours).unwrap_or_else(|| {
                panic!("{ours}: no {key_ours}, which BMTK's builder writes ({expected})")
            });
            assert_eq!(got, expected, "{ours}: {key_ours}");
            compared += 1;
        }
    }
    assert!(compared > 40, "{compared} types compared");
}

/// pandas reads a column as float64 only when a value has a decimal point or exponent: BMTK
/// PointNet multiplies syn_weight by the uint32 nsyns, which numpy 2 refuses for int64.
#[test]
fn edge_types_give_syn_weight_as_floats_as_the_builder_does() {
    let reference = json(&refs().join("bmtk_builder_dtypes.json"));
    let column = |lines: &[String]| -> Vec<String> {
        let header: Vec<&str> = lines[0].split_whitespace().collect();
        let i = header.iter().position(|c| *c == "syn_weight").unwrap();
        lines[1..]
            .iter()
            .map(|l| l.split_whitespace().nth(i).unwrap().to_string())
            .collect()
    };
    let builder_lines: Vec<String> = reference["files"]["v1_v1_edge_types.csv"]["text"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let is_float_text = |s: &str| s.parse::<i64>().is_err() && s.parse::<f64>().is_ok();
    assert!(column(&builder_lines).iter().all(|s| is_float_text(s)));
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::build(&DemoOptions::new(200, CellModel::IafPscAlpha)).unwrap();
    demo.write_sonata(dir.path()).unwrap();
    for stem in ["v1_v1", "lgn_v1", "bkg_v1"] {
        let text =
            std::fs::read_to_string(dir.path().join(format!("network/{stem}_edge_types.csv")))
                .unwrap();
        let lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let weights = column(&lines);
        assert!(!weights.is_empty());
        for w in &weights {
            assert!(is_float_text(w), "{stem}: syn_weight {w}");
        }
    }
}

/// (node id, step) pairs, sorted.
fn train(path: &Path, dt: f64) -> Vec<(u64, u64)> {
    let pops = read_spikes(path).unwrap();
    assert_eq!(pops.len(), 1);
    let mut v: Vec<(u64, u64)> = pops[0]
        .node_ids
        .iter()
        .zip(&pops[0].timestamps)
        .map(|(&n, &t)| (n, (t / dt).round() as u64))
        .collect();
    v.sort_unstable();
    v
}

fn same_spikes_as_bmtk(case: &str) {
    let manifest = json(&refs().join("manifest.json"));
    let c = &manifest["cases"][case];
    let circuit =
        Circuit::open(&refs().join(c["net"].as_str().unwrap()).join("config.json")).unwrap();
    let (net, spec) = network_from_circuit(&circuit).unwrap();
    let bmtk = train(&refs().join(c["bmtk_spikes"].as_str().unwrap()), spec.dt);
    assert!(bmtk.len() > 100, "{case}: a quiet reference proves little");
    let mut sim = Simulation::new(&net, &SimOptions { threads: 2 }).unwrap();
    sim.run_until(spec.tstop).unwrap();
    let mut ours: Vec<(u64, u64)> = sim
        .spikes()
        .map(|s| (s.node_id, (s.time_ms / spec.dt).round() as u64))
        .collect();
    ours.sort_unstable();
    assert_eq!(ours.len(), bmtk.len(), "{case}: spike counts");
    assert!(ours == bmtk, "{case}: spikes differ from BMTK PointNet's");
}

#[test]
fn bmtk_pointnet_runs_the_iaf_export_to_our_spikes() {
    same_spikes_as_bmtk("iaf");
}

#[test]
fn bmtk_pointnet_runs_the_glif_export_to_our_spikes() {
    same_spikes_as_bmtk("glif");
}
