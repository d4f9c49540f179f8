//! Colormaps equal matplotlib's: the colour of every map at several points, against the values
//! matplotlib itself gives (`scripts/colormap_references/make_colormap_refs.py` writes them to
//! `tests/data/colormaps/matplotlib_refs.json`).
#![cfg(feature = "viewer")]

use std::path::PathBuf;

use cortexview::view::colors::Colormap;
use cortexview::view::legend::{LegendEntry, Swatch, legend_row};

fn references() -> serde_json::Value {
    let p =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/colormaps/matplotlib_refs.json");
    let text = std::fs::read_to_string(&p).expect("reference file reads");
    serde_json::from_str(&text).expect("reference file is JSON")
}

fn floats(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|x| x.as_f64().expect("a number"))
        .collect()
}

#[test]
fn every_colormap_equals_matplotlib_within_one_level() {
    let refs = references();
    let points = floats(&refs["points"]);
    let maps = refs["maps"].as_object().expect("maps");
    for map in Colormap::ALL {
        let expected = maps
            .get(map.name())
            .unwrap_or_else(|| panic!("matplotlib reference for {}", map.name()));
        let expected = expected.as_array().expect("colours");
        assert_eq!(expected.len(), points.len());
        for (t, want) in points.iter().zip(expected) {
            let want = floats(want);
            let got = map.map(*t as f32);
            for k in 0..3 {
                assert!(
                    (f64::from(got[k]) - want[k]).abs() <= 1.0 / 255.0,
                    "{} at {t}: ours {got:?}, matplotlib {want:?}",
                    map.name()
                );
            }
        }
    }
}

#[test]
fn the_middle_of_viridis_is_matplotlibs_middle() {
    // A table of few stops placed evenly but taken at uneven points showed viridis(0.4) here.
    let refs = references();
    let points = floats(&refs["points"]);
    let at = points
        .iter()
        .position(|t| *t == 0.5)
        .expect("0.5 is a point");
    let want = floats(&refs["maps"]["viridis"][at]);
    let got = Colormap::Viridis.map(0.5);
    for k in 0..3 {
        assert!(
            (f64::from(got[k]) - want[k]).abs() <= 1.0 / 255.0,
            "{got:?} vs {want:?}"
        );
    }
}

#[test]
fn a_legend_ramp_draws_the_colormap_in_use() {
    for map in [Colormap::Magma, Colormap::Coolwarm, Colormap::Turbo] {
        let row = legend_row(&LegendEntry::Ramp {
            label: "v".into(),
            min: -70.0,
            max: 20.0,
            colormap: map,
        });
        let Swatch::Ramp(colors) = row.swatch else {
            panic!("a ramp entry has a ramp swatch");
        };
        assert_eq!(colors[0], map.map(0.0), "{}", map.name());
        assert_eq!(colors[colors.len() - 1], map.map(1.0), "{}", map.name());
        assert_ne!(colors[0], Colormap::Viridis.map(0.0), "{}", map.name());
        assert_eq!(row.text, "v -70.0 .. 20.0");
    }
}

#[test]
fn a_representation_colours_and_labels_with_its_colormap() {
    use cortexview::session::RepresentationSpec;
    use cortexview::view::scene::{Coloring, Representation, Scene};
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/v1_like_n300_none");
    let scene = Scene::open(&p, &[]).expect("fixture opens");
    let spec = RepresentationSpec {
        color_by: Some("y".into()),
        colormap: Some("magma".into()),
        range: Some([-500.0, 500.0]),
        ..Default::default()
    };
    let coloring = Coloring::from_spec(&spec).expect("a known colormap");
    let styled = scene.style(
        &[Representation {
            coloring,
            ..Default::default()
        }],
        false,
    );
    let [
        LegendEntry::Ramp {
            min, max, colormap, ..
        },
    ] = styled.legend.as_slice()
    else {
        panic!("one ramp: {:?}", styled.legend);
    };
    assert_eq!((*min, *max, *colormap), (-500.0, 500.0, Colormap::Magma));
    // Each neuron's colour is magma at its y over the range.
    let mut checked = 0;
    for (i, inst) in styled.instances.iter().enumerate() {
        if inst.radius <= 0.0 {
            continue;
        }
        let y = f64::from(scene.positions[i][1]);
        let want = Colormap::Magma.of(y, (-500.0, 500.0));
        assert_eq!(
            [inst.color[0], inst.color[1], inst.color[2]],
            want,
            "instance {i}"
        );
        checked += 1;
    }
    assert!(checked > 100, "{checked} neurons checked");
    let bad = RepresentationSpec {
        colormap: Some("jet".into()),
        ..Default::default()
    };
    let err = Coloring::from_spec(&bad).expect_err("jet is not offered");
    assert!(err.contains("viridis") && err.contains("jet"), "{err}");
}
