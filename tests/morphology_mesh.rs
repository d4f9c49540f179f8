//! Tube and line meshes of a morphology: plain arrays, consistent sizes, indices in range.

use std::path::{Path, PathBuf};

use cortexview::morphology::mesh::{TubeOptions, line_mesh, tube_mesh};
use cortexview::morphology::{Morphology, MorphologyLibrary, library::Entry};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/morphology")
}

#[test]
fn tube_mesh_follows_the_sections() {
    let m = Morphology::load(&data_dir().join("Scnn1a_473845048_m.h5")).unwrap();
    let options = TubeOptions::default();
    let mesh = tube_mesh(&m, options);
    let sides = options.sides as usize;
    let rings = options.soma_rings as usize;
    let sphere = (rings + 1) * (sides + 1);
    assert_eq!(mesh.positions.len(), sphere + m.point_count() * sides);
    assert_eq!(mesh.normals.len(), mesh.positions.len());
    assert_eq!(mesh.section_types.len(), mesh.positions.len());
    let segments: usize = m.sections.iter().map(|s| s.points.len() - 1).sum();
    assert_eq!(mesh.indices.len(), rings * sides * 6 + segments * sides * 6);
    assert!(
        mesh.indices
            .iter()
            .all(|&i| (i as usize) < mesh.positions.len())
    );
    for n in &mesh.normals {
        let len = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
        assert!((len - 1.0).abs() < 1e-3, "normal {n:?}");
    }
    // Every ring vertex lies at the point's radius (or the minimum) from its point.
    let section = &m.sections[0];
    let first = sphere;
    let r = section.radii[0].max(options.min_radius);
    for k in 0..sides {
        let v = mesh.positions[first + k];
        let p = section.points[0];
        let d = ((v[0] - p[0]).powi(2) + (v[1] - p[1]).powi(2) + (v[2] - p[2]).powi(2)).sqrt();
        assert!((d - r).abs() < 1e-4);
    }
}

#[test]
fn line_mesh_has_one_segment_per_step() {
    let m = Morphology::load(&data_dir().join("three_point_soma.swc")).unwrap();
    let lines = line_mesh(&m);
    let segments: usize = m.sections.iter().map(|s| s.points.len() - 1).sum();
    assert_eq!(lines.indices.len(), 2 * segments);
    assert_eq!(lines.positions.len(), m.point_count());
    assert_eq!(lines.soma_center, [10.0, 20.0, 30.0]);
    assert_eq!(lines.soma_radius, 2.0);
}

#[test]
fn library_reads_each_file_once_and_remembers_failures() {
    let mut library = MorphologyLibrary::new();
    let path = data_dir().join("cylinder_soma.swc");
    let a = library.loaded(&path).unwrap();
    let b = library.loaded(&path).unwrap();
    assert!(std::sync::Arc::ptr_eq(&a, &b));
    let missing = data_dir().join("no_such_cell.swc");
    assert!(library.loaded(&missing).is_none());
    assert!(matches!(library.get(&missing), Entry::Failed(msg) if msg.contains("no_such_cell")));
    assert_eq!(library.len(), 2);
    assert_eq!(library.failures().count(), 1);
}

/// Distance from `p` to the polyline `line`.
fn distance_to_polyline(p: [f32; 3], line: &[[f32; 3]]) -> f32 {
    line.windows(2)
        .map(|w| {
            let (a, b) = (w[0], w[1]);
            let ab = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
            let ap = [p[0] - a[0], p[1] - a[1], p[2] - a[2]];
            let len2 = ab.iter().map(|v| v * v).sum::<f32>();
            let t = if len2 > 0.0 {
                ((0..3).map(|k| ap[k] * ab[k]).sum::<f32>() / len2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            (0..3)
                .map(|k| (ap[k] - t * ab[k]).powi(2))
                .sum::<f32>()
                .sqrt()
        })
        .fold(f32::INFINITY, f32::min)
}

#[test]
fn simplified_sections_keep_their_ends_and_stay_within_the_tolerance() {
    use cortexview::morphology::simplify::simplified;
    let m = Morphology::load(&data_dir().join("Scnn1a_473845048_m.h5")).unwrap();
    let tol = 1.0;
    let s = simplified(&m, tol);
    assert_eq!(s.sections.len(), m.sections.len(), "the tree is unchanged");
    for (a, b) in m.sections.iter().zip(&s.sections) {
        assert_eq!(a.parent, b.parent);
        assert_eq!(a.points.first(), b.points.first(), "section start kept");
        assert_eq!(a.points.last(), b.points.last(), "branch point kept");
        assert_eq!(b.points.len(), b.radii.len());
        for p in &a.points {
            let d = distance_to_polyline(*p, &b.points);
            assert!(
                d <= tol + 1e-3,
                "a dropped point is {d} µm from the thinned line"
            );
        }
    }
    assert!(
        s.point_count() * 2 < m.point_count(),
        "at 1 µm most points go: {} of {}",
        s.point_count(),
        m.point_count()
    );
    assert_eq!(simplified(&m, 0.0), m, "tolerance 0 keeps every point");
}
