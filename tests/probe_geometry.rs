//! Neuropixels geometry against the published numbers (probeinterface's
//! neuropixels_probe_features.json, SpikeGLX's geometry tables; see
//! ../shared/docs/peers-and-probes.md) and placement as a rigid motion.

use std::collections::BTreeSet;

use cortexview::probe::{Placement, ProbeGeometry, ProbeKind};

fn xs(p: &ProbeGeometry) -> Vec<i64> {
    p.sites
        .iter()
        .map(|s| s.x as i64)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

#[test]
fn neuropixels_1_0() {
    let p = ProbeGeometry::new(ProbeKind::Np1);
    assert_eq!(p.n_sites(), 960);
    assert_eq!(p.channels.len(), 384);
    assert_eq!(xs(&p), vec![11, 27, 43, 59]);
    // SGLX np1_stag_70um = [1,70,0,27,11,32,20,480,960]: shanks, width, pitch, even-row x,
    // odd-row x, horizontal pitch, vertical pitch, rows, electrodes.
    assert_eq!((p.shanks, p.shank_width, p.shank_pitch), (1, 70.0, 0.0));
    assert_eq!(
        (p.sites[0].x, p.sites[2].x, p.sites[1].x - p.sites[0].x),
        (27.0, 11.0, 32.0)
    );
    assert_eq!((p.row_pitch, p.rows_per_shank), (20.0, 480));
    assert_eq!(
        (
            p.shank_thickness,
            p.shank_length,
            p.tip_length,
            p.electrode_size
        ),
        (24.0, 10_000.0, 209.0, 12.0)
    );
    // Default bank 0: the bottom 384 electrodes, 192 rows = 3.82 mm of shank.
    assert_eq!(p.sites[*p.channels.last().unwrap()].y, 20.0 * 191.0);
}

#[test]
fn neuropixels_2_0_single_and_four_shanks() {
    let p = ProbeGeometry::new(ProbeKind::Np2);
    assert_eq!(p.n_sites(), 1280);
    assert_eq!(xs(&p), vec![27, 59]);
    assert_eq!(
        (p.row_pitch, p.rows_per_shank, p.tip_length),
        (15.0, 640, 206.0)
    );
    let q = ProbeGeometry::new(ProbeKind::Np2FourShank);
    assert_eq!(q.n_sites(), 5120);
    assert_eq!((q.shanks, q.shank_pitch), (4, 250.0));
    assert_eq!(q.sites.iter().filter(|s| s.shank == 3).count(), 1280);
    let mut r = q.clone();
    r.select_bank(2, 1);
    assert!(r.channels.iter().all(|&c| q.sites[c].shank == 2));
    assert_eq!(q.sites[r.channels[0]].electrode, 384);
    // The last bank is partial: selecting bank 3 keeps 384 channels on the shank.
    r.select_bank(0, 3);
    assert_eq!(q.sites[*r.channels.last().unwrap()].electrode, 1279);
}

#[test]
fn outline_is_a_tapered_shank() {
    let p = ProbeGeometry::new(ProbeKind::Np1);
    let o = p.shank_outline();
    assert!(
        o.contains(&[35.0, -209.0]),
        "tip at the shank's centre line, 209 µm below the bottom row"
    );
    let top = o.iter().map(|v| v[1]).fold(f64::MIN, f64::max);
    assert_eq!(top + p.tip_length, 10_000.0);
}

fn dist(a: [f64; 3], b: [f64; 3]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

#[test]
fn placement_is_rigid_and_follows_the_direction() {
    let p = ProbeGeometry::new(ProbeKind::Np2FourShank);
    let vertical = Placement::vertical([10.0, -800.0, 5.0]);
    let bottom = vertical.world_from_local(&p, 0, 35.0, 0.0);
    assert!(
        (dist(bottom, [10.0, -800.0 + 206.0, 5.0])) < 1e-9,
        "{bottom:?}"
    );
    for placement in [
        vertical,
        Placement {
            tip: [1.0, 2.0, 3.0],
            direction: [0.3, -0.9, 0.2],
            roll: 0.7,
        },
        Placement {
            tip: [0.0, 0.0, 0.0],
            direction: [0.0, 0.0, 1.0],
            roll: -1.2,
        },
    ] {
        let (up, across, normal) = placement.frame();
        for (a, b) in [(up, across), (up, normal), (across, normal)] {
            assert!((a[0] * b[0] + a[1] * b[1] + a[2] * b[2]).abs() < 1e-12);
        }
        // Distances between sites are those of the local layout (shank pitch included).
        let sites = [
            p.sites[0],
            p.sites[5],
            p.sites[1280 + 7],
            p.sites[3 * 1280 + 600],
        ];
        for a in &sites {
            for b in &sites {
                let local = ((a.x + 250.0 * a.shank as f64 - b.x - 250.0 * b.shank as f64).powi(2)
                    + (a.y - b.y).powi(2))
                .sqrt();
                let world = dist(
                    placement.site_position(&p, a),
                    placement.site_position(&p, b),
                );
                assert!((local - world).abs() < 1e-9, "{local} vs {world}");
            }
        }
        // The bottom row lies tip_length up the shank from the tip.
        let d = placement.world_from_local(&p, 0, 35.0, 0.0);
        assert!((dist(d, placement.tip) - 206.0).abs() < 1e-9);
    }
}
