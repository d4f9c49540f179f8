//! SWC and MorphIO-H5 readers against MorphIO's and NeuroM's numbers (made by
//! scripts/morphology_references/make_refs.py, committed in tests/data/morphology/).

use std::path::{Path, PathBuf};

use cortexview::morphology::{Morphology, MorphologyError, SomaKind, swc};
use serde_json::Value;

#[path = "common/fixtures.rs"]
mod fixtures;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/morphology")
}

fn reference() -> Value {
    let text = std::fs::read_to_string(data_dir().join("neurom_reference.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The SWC files of the reference that are present (the shared fixtures may be absent).
fn reference_files() -> Vec<(PathBuf, Value)> {
    let reference = reference();
    let mut out = Vec::new();
    for (name, entry) in reference["files"].as_object().unwrap() {
        let path = if let Some(rest) = name.strip_prefix("fixtures/") {
            fixtures::shared_fixture(rest)
        } else {
            Some(data_dir().join(name.strip_prefix("data/").unwrap()))
        };
        if let Some(path) = path {
            out.push((path, entry.clone()));
        }
    }
    out
}

fn soma_kind_name(kind: SomaKind) -> &'static str {
    match kind {
        SomaKind::Undefined => "SomaType.SOMA_UNDEFINED",
        SomaKind::SinglePoint => "SomaType.SOMA_SINGLE_POINT",
        SomaKind::NeuroMorphoThreePoint => "SomaType.SOMA_NEUROMORPHO_THREE_POINT_CYLINDERS",
        SomaKind::Cylinders => "SomaType.SOMA_CYLINDERS",
        SomaKind::SimpleContour => "SomaType.SOMA_SIMPLE_CONTOUR",
    }
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

/// Sections equal MorphIO's: order, type, parent, point counts, first and last points.
fn assert_sections_like_morphio(name: &str, m: &Morphology, morphio: &Value) {
    let sections = morphio["sections"].as_array().unwrap();
    assert_eq!(m.sections.len(), sections.len(), "{name}: section count");
    for (i, (s, r)) in m.sections.iter().zip(sections).enumerate() {
        assert_eq!(
            i64::from(s.section_type.0),
            r["type"].as_i64().unwrap(),
            "{name} section {i} type"
        );
        let parent = s.parent.map_or(-1, |p| p as i64);
        assert_eq!(
            parent,
            r["parent"].as_i64().unwrap(),
            "{name} section {i} parent"
        );
        assert_eq!(
            s.points.len() as u64,
            r["n_points"].as_u64().unwrap(),
            "{name} section {i} points"
        );
        for (ours, key) in [
            (s.points[0], "first"),
            (s.points[s.points.len() - 1], "last"),
        ] {
            for k in 0..3 {
                assert!(
                    close(f64::from(ours[k]), f(&r[key][k]), 1e-4),
                    "{name} section {i} {key} point: {ours:?} vs {}",
                    r[key]
                );
            }
        }
    }
}

#[test]
fn swc_files_match_morphio_and_neurom() {
    for (path, entry) in reference_files() {
        let name = path.display().to_string();
        let m = Morphology::load(&path).unwrap();
        let morphio = &entry["morphio"];
        let neurom = &entry["neurom"];
        assert_eq!(
            soma_kind_name(m.soma.kind),
            morphio["soma_type"],
            "{name}: soma kind"
        );
        assert_eq!(
            m.soma.points.len() as u64,
            morphio["soma_points"].as_u64().unwrap()
        );
        for k in 0..3 {
            assert!(close(
                m.soma.center()[k],
                f(&morphio["soma_center"][k]),
                1e-4
            ));
        }
        let stats = m.stats();
        assert_eq!(
            stats.points as u64,
            morphio["n_points"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(
            stats.sections as u64,
            neurom["number_of_sections"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(
            stats.neurites as u64,
            neurom["number_of_neurites"].as_u64().unwrap(),
            "{name}"
        );
        let expected = f(&neurom["total_length"]);
        assert!(
            (stats.total_length - expected).abs() <= 1e-3 * expected,
            "{name}: total length {} vs NeuroM {expected}",
            stats.total_length
        );
        for (type_name, value) in neurom["total_length_by_type"].as_object().unwrap() {
            let expected = f(value);
            let ours = stats.length_of(type_name);
            assert!(
                (ours - expected).abs() <= 1e-3 * expected.max(1e-9),
                "{name}: {type_name} length {ours} vs NeuroM {expected}"
            );
        }
        assert_sections_like_morphio(&name, &m, morphio);
        println!(
            "{name}: {:.3} um (NeuroM {expected:.3})",
            stats.total_length
        );
    }
}

#[test]
fn h5_written_by_morphio_equals_the_swc() {
    for (path, entry) in reference_files() {
        let h5_path = data_dir().join(entry["h5"].as_str().unwrap());
        let swc = Morphology::load(&path).unwrap();
        let h5 = Morphology::load(&h5_path).unwrap();
        let name = h5_path.display().to_string();
        // MorphIO H5 somata are contours (single-point somata were written as 12-point circles).
        assert_eq!(h5.soma.kind, SomaKind::SimpleContour, "{name}");
        for k in 0..3 {
            assert!(
                close(h5.soma.center()[k], swc.soma.center()[k], 1e-3),
                "{name}"
            );
        }
        assert_eq!(h5.sections.len(), swc.sections.len(), "{name}");
        for (i, (a, b)) in h5.sections.iter().zip(&swc.sections).enumerate() {
            assert_eq!(a.section_type, b.section_type, "{name} section {i}");
            assert_eq!(a.parent, b.parent, "{name} section {i}");
            assert_eq!(a.points, b.points, "{name} section {i}");
            for (ra, rb) in a.radii.iter().zip(&b.radii) {
                assert!((ra - rb).abs() <= 1e-5, "{name} section {i} radius");
            }
        }
        assert_sections_like_morphio(&name, &h5, &entry["morphio"]);
        let (sa, sb) = (h5.stats(), swc.stats());
        assert!((sa.total_length - sb.total_length).abs() < 1e-9 * sb.total_length.max(1.0));
    }
}

#[test]
fn soma_handling() {
    let three = Morphology::load(&data_dir().join("three_point_soma.swc")).unwrap();
    assert_eq!(three.soma.kind, SomaKind::NeuroMorphoThreePoint);
    assert_eq!(three.soma.center(), [10.0, 20.0, 30.0]);
    assert_eq!(three.soma.display_radius(), 2.0);
    assert!(three.warnings.is_empty(), "{:?}", three.warnings);
    // Root sections start at their first sample, not at the soma.
    assert_eq!(three.sections[0].points[0], [12.0, 20.0, 30.0]);

    let cylinders = Morphology::load(&data_dir().join("cylinder_soma.swc")).unwrap();
    assert_eq!(cylinders.soma.kind, SomaKind::Cylinders);
    assert_eq!(cylinders.soma.points.len(), 4);

    // A three-point soma that is not NeuroMorpho's layout warns but still reads.
    let text = "1 1 0 0 0 2 -1\n2 1 0 -2 1 2 1\n3 1 0 2 0 2 1\n4 3 0 0 5 1 1\n5 3 0 0 9 1 4\n";
    let m = swc::parse(Path::new("odd.swc"), text).unwrap();
    assert_eq!(m.soma.kind, SomaKind::NeuroMorphoThreePoint);
    assert_eq!(m.warnings.len(), 1, "{:?}", m.warnings);

    // No soma: a warning, sections still read.
    let m = swc::parse(Path::new("nosoma.swc"), "1 3 0 0 0 1 -1\n2 3 0 0 5 1 1\n").unwrap();
    assert_eq!(m.soma.kind, SomaKind::Undefined);
    assert_eq!(m.sections.len(), 1);
    assert!(m.warnings.iter().any(|w| w.contains("no soma")));
}

#[test]
fn custom_types_and_unsorted_ids() {
    let m = Morphology::load(&data_dir().join("custom_types_unsorted.swc")).unwrap();
    let types: Vec<u8> = m.sections.iter().map(|s| s.section_type.0).collect();
    assert_eq!(types, vec![7, 5, 5, 5, 19]);
    let stats = m.stats();
    assert_eq!(stats.by_type["custom7"].sections, 1);
    assert_eq!(stats.by_type["custom5"].sections, 3);
    assert_eq!(stats.by_type["custom19"].total_length, 8.0);
}

fn parse_err(text: &str) -> String {
    match swc::parse(Path::new("bad.swc"), text) {
        Ok(_) => panic!("expected an error for {text:?}"),
        Err(err) => {
            assert!(matches!(err, MorphologyError::Swc { .. }), "{err}");
            err.to_string()
        }
    }
}

#[test]
fn malformed_swc_errors_name_file_and_line() {
    let cases = [
        ("# c\n1 1 0 0 0 1 -1\n2 3 0 0\n", "bad.swc:3:", "7 columns"),
        (
            "1 1 0 0 0 1 -1\n2 3 0 x 0 1 1\n",
            "bad.swc:2:",
            "(y) is not a number",
        ),
        (
            "1 1 0 0 0 1 -1\n2 20 0 0 0 1 1\n",
            "bad.swc:2:",
            "section type 20",
        ),
        (
            "1 1 0 0 0 1 -1\n2 0 0 0 0 1 1\n",
            "bad.swc:2:",
            "section type 0",
        ),
        (
            "1 1 0 0 0 1 -1\n2 3 0 0 1 1 1\n2 3 0 0 2 1 1\n",
            "bad.swc:3:",
            "repeated id 2 (first on line 2)",
        ),
        (
            "1 1 0 0 0 1 -1\n\n2 3 0 0 0 1 7\n",
            "bad.swc:3:",
            "parent 7",
        ),
        (
            "1 1 0 0 0 1 -1\n2 3 0 0 0 1 2\n",
            "bad.swc:2:",
            "own parent",
        ),
        ("-3 1 0 0 0 1 -1\n", "bad.swc:1:", "negative id"),
        (
            "1 1 0 0 0 1 -1\n2 3 0 0 1 1 1\n3 2 0 0 2 1 2\n",
            "bad.swc:2:",
            "type changes",
        ),
        (
            "1 1 0 0 0 1 -1\n2 3 0 0 1 1 1\n3 1 0 0 2 1 2\n",
            "bad.swc:3:",
            "neurite parent",
        ),
        (
            "1 1 0 0 0 1 -1\n2 1 0 1 0 1 1\n3 1 5 0 0 1 -1\n4 1 5 1 0 1 3\n",
            "bad.swc:3:",
            "multiple somata",
        ),
    ];
    for (text, place, what) in cases {
        let msg = parse_err(text);
        assert!(
            msg.starts_with(place),
            "{msg:?} should start with {place:?}"
        );
        assert!(msg.contains(what), "{msg:?} should say {what:?}");
    }
}

#[test]
fn windows_line_endings_and_extra_columns() {
    let text = "# header\r\n1 1 0 0 0 2 -1 extra\r\n2 3 0 0 3 1 1\r\n3 3 0 0 7 1 2 9 9\r\n";
    let m = swc::parse(Path::new("crlf.swc"), text).unwrap();
    assert_eq!(m.sections.len(), 1);
    assert_eq!(m.stats().total_length, 4.0);
}

#[test]
fn h5_errors() {
    let missing = Morphology::load(Path::new("/nonexistent/cell.h5")).unwrap_err();
    assert!(missing.to_string().contains("/nonexistent/cell.h5"));
    let unsupported = Morphology::load(Path::new("cell.asc")).unwrap_err();
    assert!(matches!(
        unsupported,
        MorphologyError::UnsupportedFormat { .. }
    ));
    // A SONATA nodes file is not a morphology.
    if let Some(nodes) = fixtures::shared_fixture("sonata-examples/9_cells/network/cortex_nodes.h5")
    {
        let err = Morphology::load(&nodes).unwrap_err();
        assert!(
            err.to_string().contains("not a MorphIO H5 v1 morphology"),
            "{err}"
        );
    }
}
