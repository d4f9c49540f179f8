//! The virtual recording: neighbourhoods and events equal a brute-force computation; the
//! `record` command writes what the point-source model says for a NEST run of a V1-like network.

use std::path::PathBuf;

use cortexview::probe::{
    Neighbourhood, Placement, ProbeGeometry, ProbeKind, RecordingParams, record_events,
};
use cortexview::sonata::{Circuit, read_spikes};

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn dist(a: [f64; 3], b: [f64; 3]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

#[test]
fn point_source_amplitude() {
    let p = RecordingParams::default();
    // V = -I / (4 pi sigma r): 10 nA, 0.3 S/m, 20 µm -> -132.6 µV.
    assert!(
        (p.amplitude_uv(20.0) + 132.629).abs() < 1e-3,
        "{}",
        p.amplitude_uv(20.0)
    );
    assert!((p.amplitude_uv(40.0) * 2.0 - p.amplitude_uv(20.0)).abs() < 1e-9);
    assert_eq!(
        p.amplitude_uv(0.0),
        p.amplitude_uv(0.5),
        "distance clamped at 0.5 µm"
    );
}

#[test]
fn neighbourhood_equals_brute_force() {
    let mut rng = Lcg(7);
    let units: Vec<[f64; 3]> = (0..20_000)
        .map(|_| {
            [
                rng.next() * 400.0 - 200.0,
                -rng.next() * 1000.0,
                rng.next() * 400.0 - 200.0,
            ]
        })
        .collect();
    for kind in [ProbeKind::Np1, ProbeKind::Np2, ProbeKind::Np2FourShank] {
        let geometry = ProbeGeometry::new(kind);
        let placement = Placement {
            tip: [-30.0, -990.0, 10.0],
            direction: [0.1, -1.0, 0.05],
            roll: 0.4,
        };
        let sites = placement.channel_positions(&geometry);
        let params = RecordingParams {
            radius_um: 45.0,
            ..Default::default()
        };
        let n = Neighbourhood::new(&sites, &units, &params);
        let mut total = 0;
        for (c, site) in sites.iter().enumerate() {
            let mut brute: Vec<(u32, f64)> = units
                .iter()
                .enumerate()
                .filter_map(|(u, p)| {
                    let d = dist(*site, *p);
                    (d <= 45.0).then_some((u as u32, d))
                })
                .collect();
            brute.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
            let ours = &n.by_channel[c];
            assert_eq!(
                ours.iter().map(|x| x.0).collect::<Vec<_>>(),
                brute.iter().map(|x| x.0).collect::<Vec<_>>(),
                "{kind:?} channel {c}"
            );
            for (a, b) in ours.iter().zip(&brute) {
                assert!((a.1 - b.1).abs() < 1e-9);
            }
            total += brute.len();
        }
        assert!(
            total > 100,
            "the placement should hear neurons ({kind:?}: {total})"
        );
        // The inverse map holds the same pairs, with point-source amplitudes.
        let pairs: usize = n.by_unit.iter().map(Vec::len).sum();
        assert_eq!(pairs, total);
        for (u, heard) in n.by_unit.iter().enumerate() {
            for &(c, amp) in heard {
                let d = dist(sites[c as usize], units[u]);
                assert!(
                    (f64::from(amp) - params.amplitude_uv(d)).abs()
                        < 1e-3 * params.amplitude_uv(d).abs()
                );
            }
        }
        // Events: one per (spike, channel that hears the unit), in time order.
        let spikes: Vec<(u32, f64)> = (0..5000)
            .map(|i| ((i * 37 % 20_000) as u32, (i % 997) as f64 * 0.5))
            .collect();
        let events = record_events(&n, spikes.iter().copied());
        let expected: usize = spikes
            .iter()
            .map(|(u, _)| n.by_unit[*u as usize].len())
            .sum();
        assert_eq!(events.len(), expected);
        assert!(events.windows(2).all(|w| w[0].time_ms <= w[1].time_ms));
    }
}

#[test]
fn record_command_writes_the_point_source_events_of_a_nest_run() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let net = root.join("tests/data/nets/engine_ref_v1_iaf_n1000");
    let spikes = root.join("tests/data/nest_refs/v1_iaf_n1000.h5");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("events.csv");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_cortexview"))
        .args([
            "record",
            net.to_str().unwrap(),
            "--spikes",
            spikes.to_str().unwrap(),
            "--probe",
            "np1",
            "--tip",
            "5,-840,-3",
            "--direction",
            "0,-1,0",
            "--radius",
            "40",
            "--out",
            out.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file left"
    );

    // Recompute every row from the circuit's positions and the probe's geometry.
    let circuit = Circuit::open(&net).unwrap();
    let v1 = circuit.node_population("v1").unwrap();
    let pos = v1.positions().unwrap();
    let geometry = ProbeGeometry::new(ProbeKind::Np1);
    let placement = Placement {
        tip: [5.0, -840.0, -3.0],
        direction: [0.0, -1.0, 0.0],
        roll: 0.0,
    };
    let sites = placement.channel_positions(&geometry);
    let params = RecordingParams {
        radius_um: 40.0,
        ..Default::default()
    };
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("channel,time_ms,node_id,population,amplitude_uv")
    );
    let mut rows = 0;
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        let (c, node, amp): (usize, usize, f64) = (
            f[0].parse().unwrap(),
            f[2].parse().unwrap(),
            f[4].parse().unwrap(),
        );
        assert_eq!(f[3], "v1");
        let d = dist(sites[c], pos[node]);
        assert!(d <= 40.0 + 1e-9, "row {line}: {d} µm");
        assert!((amp - params.amplitude_uv(d)).abs() < 2e-3, "row {line}");
        rows += 1;
    }
    // As many rows as spikes times the channels hearing each spiking neuron.
    let nest = read_spikes(&spikes).unwrap();
    let mut expected = 0;
    for p in &nest {
        for &id in &p.node_ids {
            expected += sites
                .iter()
                .filter(|s| dist(**s, pos[id as usize]) <= 40.0)
                .count();
        }
    }
    assert_eq!(rows, expected);
    assert!(rows > 1000, "the probe should record plenty ({rows})");
}
