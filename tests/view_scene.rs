//! The scene model without a GPU: representations decide what is drawn and in which colour;
//! playback's activity updates played forward equal a seek to the same time.
#![cfg(feature = "viewer")]

use std::path::PathBuf;

use cortexview::sonata::{PopulationSpikes, SortOrder};
use cortexview::view::colors::categorical;
use cortexview::view::legend::LegendEntry;
use cortexview::view::playback::activity_between;
use cortexview::view::render::neurons::{ActivityUpdate, NEVER};
use cortexview::view::scene::{Coloring, Representation, Scene, Style};

fn fixture() -> Scene {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/v1_like_n300_none");
    Scene::open(&p, &[]).expect("fixture opens")
}

#[test]
fn representations_select_style_and_colour() {
    let scene = fixture();
    let v1 = scene
        .populations
        .iter()
        .find(|p| p.name == "v1")
        .expect("v1")
        .clone();
    let lgn = scene
        .populations
        .iter()
        .find(|p| p.name == "lgn")
        .expect("lgn")
        .clone();
    assert!(lgn.is_virtual);

    // Default: virtual populations are not drawn.
    let all = scene.style(&[Representation::default()], false);
    assert_eq!(all.visible, v1.len);
    assert!(
        all.instances[lgn.offset..lgn.offset + lgn.len]
            .iter()
            .all(|i| i.radius == 0.0)
    );
    // Unless a selection names them.
    let with_lgn = scene.style(
        &[Representation {
            selection: "population == lgn".into(),
            ..Default::default()
        }],
        false,
    );
    assert_eq!(with_lgn.visible, lgn.len);

    // Later representations win: excitatory hidden, inhibitory solid red.
    let reps = vec![
        Representation::default(),
        Representation {
            selection: "ei == e".into(),
            style: Style::Hidden,
            ..Default::default()
        },
        Representation {
            selection: "ei == i".into(),
            coloring: Coloring::Solid([1.0, 0.0, 0.0]),
            ..Default::default()
        },
    ];
    let styled = scene.style(&reps, false);
    let pop = &scene.circuit.nodes[v1.circuit_index];
    let ei = pop.attribute("ei").expect("ei");
    for (i, &row) in v1.rows.iter().enumerate() {
        let inst = styled.instances[v1.offset + i];
        match ei.str(row as usize) {
            Some("e") => assert_eq!(inst.radius, 0.0),
            _ => {
                assert!(inst.radius > 0.0);
                assert_eq!(&inst.color[..3], &[1.0, 0.0, 0.0]);
            }
        }
    }

    // A bad selection is reported, not fatal.
    let bad = scene.style(
        &[Representation {
            selection: "layer ==".into(),
            ..Default::default()
        }],
        false,
    );
    assert_eq!(bad.errors.len(), 1);
    assert_eq!(bad.visible, 0);
}

#[test]
fn categorical_colouring_has_a_legend_entry_per_value() {
    let scene = fixture();
    let styled = scene.style(
        &[Representation {
            coloring: Coloring::parse("layer"),
            ..Default::default()
        }],
        false,
    );
    let labels: Vec<String> = styled
        .legend
        .iter()
        .filter_map(|e| match e {
            LegendEntry::Swatch { label, .. } => Some(label.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(labels, ["L1", "L23", "L4", "L5", "L6"]);
    // Continuous attributes get a ramp.
    let styled = scene.style(
        &[Representation {
            coloring: Coloring::parse("y"),
            ..Default::default()
        }],
        false,
    );
    assert!(matches!(
        styled.legend.as_slice(),
        [LegendEntry::Ramp { .. }]
    ));
    // Distinct colours well past the 20 hand-picked ones.
    let mut cs: Vec<[u32; 3]> = (0..60)
        .map(|i| categorical(i).map(|c| (c * 255.0).round() as u32))
        .collect();
    cs.sort();
    cs.dedup();
    assert_eq!(cs.len(), 60);
}

fn apply(state: &mut [f32], update: &ActivityUpdate) {
    if update.reset {
        state.fill(NEVER);
    }
    for &(i, t) in &update.spikes {
        state[i as usize] = t;
    }
}

/// What the shader shows of a neuron: its glow at time t (0 when faded out), in f32 as there.
fn glow(last: f32, t: f64, tau: f64) -> f32 {
    let (t, tau) = (t as f32, tau as f32);
    let dt = t - last;
    if dt >= 0.0 && dt < 6.0 * tau {
        (-dt / tau).exp()
    } else {
        0.0
    }
}

#[test]
fn playing_forward_and_seeking_give_the_same_activity() {
    let mut scene = fixture();
    // Pseudo-random spikes of every v1 neuron over 1 s.
    let n = scene
        .populations
        .iter()
        .find(|p| p.name == "v1")
        .expect("v1")
        .len as u64;
    let (mut ids, mut times) = (Vec::new(), Vec::new());
    let mut x: u64 = 12345;
    for _ in 0..5000 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ids.push((x >> 33) % n);
        times.push(((x >> 11) % 1_000_000) as f64 / 1000.0);
    }
    scene.add_spikes(
        "test",
        vec![PopulationSpikes {
            population: "v1".into(),
            node_ids: ids,
            timestamps: times,
            sorting: Some(SortOrder::None),
        }],
    );
    let tau = 5.0;
    let mut state = vec![NEVER; scene.len()];
    let mut at: Option<f64> = None;
    let mut t = 0.0;
    while t < 1000.0 {
        let up = activity_between(&scene, at, t, tau);
        assert!(
            at.is_none() || !up.reset,
            "small forward steps never rebuild"
        );
        apply(&mut state, &up);
        at = Some(t);
        // A seek to t from far away shows the same glow everywhere.
        let mut fresh = vec![0.0f32; scene.len()];
        apply(
            &mut fresh,
            &activity_between(&scene, Some(t + 500.0), t, tau),
        );
        for (a, b) in state.iter().zip(&fresh) {
            assert_eq!(glow(*a, t, tau), glow(*b, t, tau), "at t = {t}");
        }
        t += 3.7;
    }
}

#[test]
fn colouring_by_activity_ranks_neurons_by_firing_rate() {
    let mut scene = fixture();
    // Node 0 fires 10 times, node 1 once, the rest never.
    let mut ids = vec![0u64; 10];
    ids.push(1);
    let times: Vec<f64> = (0..11).map(|k| 10.0 * k as f64).collect();
    scene.add_spikes(
        "test",
        vec![PopulationSpikes {
            population: "v1".into(),
            node_ids: ids,
            timestamps: times,
            sorting: Some(SortOrder::ByTime),
        }],
    );
    let rates = scene.firing_rates();
    let v1 = scene
        .populations
        .iter()
        .find(|p| p.name == "v1")
        .expect("v1");
    let (i0, i1, i2) = (v1.offset, v1.offset + 1, v1.offset + 2);
    assert!(rates[i0] > rates[i1] && rates[i1] > rates[i2] && rates[i2] == 0.0);
    let styled = scene.style(
        &[Representation {
            coloring: Coloring::parse("activity"),
            ..Default::default()
        }],
        false,
    );
    // Viridis: brighter (more green-yellow) with rate.
    let g = |i: usize| styled.instances[i].color[1];
    assert!(g(i0) > g(i1) && g(i1) > g(i2));
    assert!(matches!(
        styled.legend.as_slice(),
        [LegendEntry::Ramp { .. }]
    ));
}

/// The live loop through the viewer's driver: the demo column simulated on the engine thread
/// and pumped into the scene frame by frame holds exactly the spikes that a plain
/// `cortexview simulate` of the exported files writes, and playback finds the same activity in
/// the live stream as in the file at every time.
#[test]
fn live_loop_through_the_viewer_driver_equals_simulate() {
    use cortexview::demo::{CellModel, Demo, DemoOptions};
    use cortexview::sim::{SimOptions, Simulation};
    use cortexview::view::live::feed::{LiveFeed, live_spikes, save_live_spikes};

    let tstop = 400.0;
    let mut o = DemoOptions::new(500, CellModel::IafPscAlpha);
    o.tstop_ms = tstop;
    let demo = Demo::build(&o).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let summary = demo.write_sonata(dir.path()).unwrap();

    // the viewer opens the exported column (no output yet) and runs the live network on it
    let mut live_scene = Scene::open(&summary.config, &[]).unwrap();
    // (the inputs' spike trains play too; v1 has no output yet)
    assert!(live_scene.spikes.iter().all(|s| s.index.population != "v1"));
    let sim = Simulation::new(&demo.live_network().unwrap(), &SimOptions { threads: 2 }).unwrap();
    let mut feed = LiveFeed::start(
        &mut live_scene,
        sim,
        Some(Box::new(demo.feeder())),
        2.5,
        None,
        tstop,
    );
    let mut frames = 0;
    loop {
        let done = feed.finished();
        feed.pump(&mut live_scene).unwrap();
        frames += 1;
        if done {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    feed.pump(&mut live_scene).unwrap();
    assert_eq!(feed.until_ms(), tstop);
    assert!(frames > 3, "the spikes came in {frames} pumps");

    // the plain command on the exported files
    cortexview::cli::simulate::run(&summary.config, 1, Some(tstop), false).unwrap();
    let file_scene = Scene::open(&summary.config, &[]).unwrap();
    let key = |pops: &[PopulationSpikes]| {
        let mut v: Vec<(String, u64, u64)> = pops
            .iter()
            .flat_map(|p| {
                p.node_ids
                    .iter()
                    .zip(&p.timestamps)
                    .map(move |(&n, &t)| (p.population.clone(), n, (t * 10.0).round() as u64))
            })
            .collect();
        v.sort();
        v
    };
    let file_spikes: Vec<PopulationSpikes> = file_scene
        .spikes
        .iter()
        .filter(|s| s.index.population == "v1")
        .map(|s| PopulationSpikes {
            population: s.index.population.clone(),
            node_ids: s.index.node_ids.clone(),
            timestamps: s.index.times.clone(),
            sorting: None,
        })
        .collect();
    let want = key(&file_spikes);
    assert!(want.len() > 500, "{} spikes", want.len());
    assert_eq!(key(&live_spikes(&live_scene)), want);
    assert_eq!(feed.spike_count(), want.len());
    // (spikes of one step may come in another order: the same activity)
    let activity = |scene: &Scene, t: f64| {
        let mut a = activity_between(scene, None, t, 8.0).spikes;
        a.sort_by(|x, y| x.1.total_cmp(&y.1).then(x.0.cmp(&y.0)));
        a
    };
    for t in [5.0, 101.3, 250.0, 399.9] {
        let a = activity(&live_scene, t);
        assert!(!a.is_empty());
        assert_eq!(a, activity(&file_scene, t), "activity at {t} ms");
    }
    // saved live spikes read back equal
    let saved = dir.path().join("live.h5");
    assert_eq!(save_live_spikes(&live_scene, &saved).unwrap(), want.len());
    assert_eq!(key(&cortexview::sonata::read_spikes(&saved).unwrap()), want);
    assert!(feed.stop().is_ok());
}

/// What the viewer's probe records over a time window equals a brute-force pass over every
/// spike, channel site and distance; the links between channels and neurons agree both ways;
/// virtual inputs are not recorded.
#[test]
fn probe_view_records_what_a_brute_force_pass_finds() {
    use cortexview::probe::ProbeKind;
    use cortexview::view::probe::probe_view::{ProbeView, activity_by_depth};
    let mut scene = fixture();
    let v1 = scene
        .populations
        .iter()
        .find(|p| p.name == "v1")
        .unwrap()
        .clone();
    let node_ids: Vec<u64> = scene.circuit.nodes[v1.circuit_index].node_ids.clone();
    // every v1 neuron spikes at a few times
    let (mut ids, mut ts) = (Vec::new(), Vec::new());
    for (k, &id) in node_ids.iter().enumerate() {
        for j in 0..3 {
            ids.push(id);
            ts.push(10.0 + (k * 7 + j * 131) as f64 % 500.0);
        }
    }
    scene.add_spikes(
        "test",
        vec![PopulationSpikes {
            population: "v1".into(),
            node_ids: ids,
            timestamps: ts,
            sorting: None,
        }],
    );
    let mut probe = ProbeView::through(&scene, ProbeKind::Np1, [20.0, -10.0]);
    probe.tilt_deg = 12.0;
    probe.azimuth_deg = 30.0;
    probe.update(&scene);
    let (t0, t1) = (100.0, 400.0);
    let mut got: Vec<(u16, u64, u32, i64)> = probe
        .events(&scene, t0, t1)
        .iter()
        .map(|e| {
            (
                e.channel,
                (e.time_ms * 1e3) as u64,
                e.unit,
                (e.amplitude_uv * 1e3).round() as i64,
            )
        })
        .collect();
    got.sort();

    let sites = probe.placement().channel_positions(&probe.geometry);
    let mut want = Vec::new();
    for s in &scene.spikes {
        for k in 0..s.index.len() {
            let t = s.index.times[k];
            if !(t0..t1).contains(&t) {
                continue;
            }
            let inst = s.instance_of[s.index.node_ids[k] as usize] as usize;
            if scene.is_virtual_instance(inst) {
                continue;
            }
            let p = scene.positions[inst];
            for (c, site) in sites.iter().enumerate() {
                let d = ((p[0] as f64 - site[0]).powi(2)
                    + (p[1] as f64 - site[1]).powi(2)
                    + (p[2] as f64 - site[2]).powi(2))
                .sqrt();
                if d <= probe.params.radius_um {
                    let amp = probe.params.amplitude_uv(d) as f32;
                    want.push((
                        c as u16,
                        (t * 1e3) as u64,
                        inst as u32,
                        (amp * 1e3).round() as i64,
                    ));
                }
            }
        }
    }
    want.sort();
    assert!(want.len() > 50, "{} events", want.len());
    assert_eq!(got, want);
    // links both ways
    for c in 0..sites.len() {
        for u in probe.units_of_channel(c) {
            assert!(probe.channels_of_unit(u as usize).contains(&(c as u16)));
        }
    }
    let heard: usize = (0..scene.len())
        .filter(|&i| !probe.channels_of_unit(i).is_empty())
        .count();
    assert_eq!(heard, probe.neighbourhood.n_units_heard());
    // activity by depth counts every event once
    let events = probe.events(&scene, t0, t1);
    let counts = activity_by_depth(&events, sites.len(), t0, t1, 10);
    assert_eq!(counts.iter().sum::<u32>() as usize, events.len());
}
