//! Rendering the real SONATA examples in `../shared/fixtures` (skipped, with the reason
//! printed, where that folder is absent: a fresh clone does not have it; a failure under CI).
#![cfg(feature = "viewer")]

use std::path::PathBuf;

use bevy::math::Vec3;
use cortexview::view::camera::CameraPreset;
use cortexview::view::capture::{RenderOptions, project, render_scene};
use cortexview::view::legend::LegendEntry;
use cortexview::view::scene::{Scene, Style};

#[path = "common/fixtures.rs"]
mod fixtures;

fn fixture(rel: &str) -> Option<PathBuf> {
    fixtures::shared_fixture(rel)
}

#[test]
fn bmtk_point_450cells_is_drawn_by_node_type() {
    let Some(path) = fixture("bmtk-examples/point_450cells") else {
        return;
    };
    let scene = Scene::open(&path, &[]).expect("fixture opens");
    let internal = scene
        .populations
        .iter()
        .find(|p| p.name == "internal")
        .expect("internal population")
        .clone();
    assert_eq!(internal.len, 450, "every internal node has a position");
    let positions = scene.positions[internal.offset..internal.offset + internal.len].to_vec();
    let opts = RenderOptions {
        width: 400,
        height: 400,
        camera: CameraPreset::Side,
        color_by: Some("type".into()),
        overlay: false,
        ..Default::default()
    };
    let out = render_scene(scene, &opts).expect("render");
    let frame = &out.frames[0];
    assert_eq!(
        out.visible, 450,
        "virtual nodes are not drawn unless asked for"
    );
    let lit = positions
        .iter()
        .filter_map(|p| project(frame.clip_from_world, Vec3::from(*p), 400, 400))
        .filter(|q| {
            let px = frame.image.get_pixel(q.x as u32, q.y as u32).0;
            px[0] > 20 || px[1] > 20 || px[2] > 25
        })
        .count();
    assert_eq!(lit, 450, "a sphere at every projected centre");
    // Seven node types, seven colours.
    let mut colours: Vec<[u8; 3]> = frame
        .image
        .pixels()
        .map(|p| [p.0[0], p.0[1], p.0[2]])
        .filter(|c| c.iter().map(|&v| v as u32).sum::<u32>() > 120)
        .map(|c| [c[0] / 32, c[1] / 32, c[2] / 32])
        .collect();
    colours.sort();
    colours.dedup();
    assert!(colours.len() >= 7, "distinct colours {}", colours.len());
}

/// A style and a colouring asked for are drawn as asked even when the simulation has a
/// membrane report (opening the reports adds report colouring only to the default look).
#[test]
fn nine_cells_with_a_voltage_report_render_as_asked() {
    let Some(path) = fixture("sonata-examples/9_cells/simulation_config.json") else {
        return;
    };
    let scene = Scene::open(&path, &[]).expect("fixture opens");
    assert!(
        !scene.circuit.reports.is_empty(),
        "the fixture names a membrane report"
    );
    let opts = RenderOptions {
        width: 320,
        height: 240,
        camera: CameraPreset::Front,
        style: Style::Morphology,
        color_by: Some("type".into()),
        overlay: false,
        ..Default::default()
    };
    let out = render_scene(scene, &opts).expect("render");
    assert_eq!(
        out.morphology_cells, 9,
        "every cell drawn as its morphology"
    );
    assert!(
        out.legend
            .iter()
            .all(|e| matches!(e, LegendEntry::Swatch { .. })),
        "the legend is the node types', no report ramp: {:?}",
        out.legend
    );
    let labels: Vec<&str> = out
        .legend
        .iter()
        .filter_map(|e| match e {
            LegendEntry::Swatch { label, .. } => Some(label.as_str()),
            LegendEntry::Ramp { .. } => None,
        })
        .collect();
    assert_eq!(labels, ["100", "101", "102"]);

    // Left to its defaults, the same scene is coloured by its report.
    let scene = Scene::open(&path, &[]).expect("fixture opens");
    let default = render_scene(
        scene,
        &RenderOptions {
            width: 320,
            height: 240,
            overlay: false,
            ..Default::default()
        },
    )
    .expect("render");
    assert_eq!(default.morphology_cells, 0);
    assert!(
        default.legend.iter().any(
            |e| matches!(e, LegendEntry::Ramp { label, .. } if label.starts_with("report value"))
        ),
        "{:?}",
        default.legend
    );
}
