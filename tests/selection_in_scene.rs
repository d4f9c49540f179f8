//! Selections with activity and distance terms in the viewer's scene: a representation draws
//! exactly the neurons that numpy selects (`tests/data/selection_refs/`), with the scene's own
//! spikes and the run's duration; without a probe the representation says what it needs.
#![cfg(feature = "viewer")]

#[path = "common/selection_refs.rs"]
mod selection_refs;

use cortexview::view::scene::{Representation, Scene};
use selection_refs::{expected_ids, probe_sites, reference, repo};

#[test]
fn a_representation_draws_what_numpy_selects() {
    let r = reference("v1_iaf_n1000");
    let config = repo().join(r["circuit"].as_str().unwrap());
    let spikes = repo().join(r["spikes"].as_str().unwrap());
    let scene = Scene::open(&config, &[spikes.as_path()]).unwrap();
    let sites = probe_sites(&r);

    for expr in [
        "rate > 8 && within 60 of probe",
        "rate(100, 400) > 10",
        "post of (node_id 12)",
    ] {
        let rep = Representation {
            selection: expr.into(),
            ..Default::default()
        };
        let styled = scene.style_near(&[rep], false, Some(&sites));
        assert!(styled.errors.is_empty(), "{expr}: {:?}", styled.errors);
        let mut drawn: Vec<u64> = styled
            .instances
            .iter()
            .enumerate()
            .filter(|(_, inst)| inst.radius > 0.0)
            .filter_map(|(i, _)| scene.node_of_instance(i))
            .filter(|(pop, _)| pop == "v1")
            .map(|(_, id)| id)
            .collect();
        drawn.sort_unstable();
        let want = expected_ids(&r, expr, "v1");
        assert!(!want.is_empty());
        assert_eq!(drawn, want, "{expr}");

        let mut rows = scene.select_rows_near(expr, "v1", Some(&sites)).unwrap();
        rows.sort_unstable();
        let ids: Vec<u64> = rows.iter().map(|&r| r as u64).collect();
        assert_eq!(ids, want, "{expr}: rows for a stimulus");
    }

    let rep = Representation {
        selection: "within 50 of probe".into(),
        ..Default::default()
    };
    let styled = scene.style(&[rep], false);
    assert_eq!(styled.visible, 0);
    assert!(
        styled.errors[0].1.contains("needs a placed probe"),
        "{:?}",
        styled.errors
    );
}
