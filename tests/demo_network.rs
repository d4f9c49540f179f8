//! The built-in demo column: deterministic for a seed, and its SONATA export loads back into the
//! same network, which simulates to the same spikes.
use std::path::Path;

use cortexview::demo::{CellModel, Demo, DemoOptions};
use cortexview::sim::from_sonata::network_from_circuit;
use cortexview::sim::{Network, SimOptions, Simulation};
use cortexview::sonata::Circuit;

fn options(cells: usize, model: CellModel, seed: u64) -> DemoOptions {
    let mut o = DemoOptions::new(cells, model);
    o.seed = seed;
    o.tstop_ms = 300.0;
    o
}

fn spikes(net: &Network, tstop: f64) -> Vec<(usize, u64, u64)> {
    let mut sim = Simulation::new(net, &SimOptions { threads: 1 }).unwrap();
    sim.run_until(tstop).unwrap();
    let mut v: Vec<_> = sim
        .spikes()
        .map(|s| (s.population, s.node_id, s.step))
        .collect();
    v.sort_unstable();
    v
}

fn sorted_trains(t: &[Vec<f64>]) -> Vec<Vec<f64>> {
    t.iter()
        .map(|x| {
            let mut x = x.clone();
            x.sort_by(f64::total_cmp);
            x
        })
        .collect()
}

/// Field-by-field equality of two networks (the engine's types have no PartialEq).
fn assert_same_network(a: &Network, b: &Network) {
    assert_eq!(a.dt, b.dt);
    assert_eq!(a.precise_times, b.precise_times);
    assert_eq!(a.populations.len(), b.populations.len());
    for (p, q) in a.populations.iter().zip(&b.populations) {
        assert_eq!(p.name, q.name);
        assert_eq!(p.node_ids, q.node_ids);
        assert_eq!(p.models, q.models, "models of {}", p.name);
        assert_eq!(p.model_of, q.model_of, "model_of of {}", p.name);
    }
    assert_eq!(a.sources.len(), b.sources.len());
    for (p, q) in a.sources.iter().zip(&b.sources) {
        assert_eq!(p.name, q.name);
        assert_eq!(p.node_ids, q.node_ids);
        assert_eq!(
            sorted_trains(&p.trains),
            sorted_trains(&q.trains),
            "trains of {}",
            p.name
        );
    }
    assert_eq!(a.projections.len(), b.projections.len());
    for (p, q) in a.projections.iter().zip(&b.projections) {
        assert_eq!(p.name, q.name);
        assert_eq!(p.source, q.source, "{}", p.name);
        assert_eq!(p.target, q.target, "{}", p.name);
        assert_eq!(p.src, q.src, "{}", p.name);
        assert_eq!(p.tgt, q.tgt, "{}", p.name);
        assert_eq!(p.kinds, q.kinds, "{}", p.name);
        assert_eq!(p.kind, q.kind, "{}", p.name);
        for e in 0..p.len() {
            assert_eq!(p.weight_of(e), q.weight_of(e));
            assert_eq!(p.delay_of(e), q.delay_of(e));
        }
    }
    assert!(a.current_clamps.is_empty() && b.current_clamps.is_empty());
    assert!(a.poisson.is_empty() && b.poisson.is_empty());
}

#[test]
fn same_seed_same_column_other_seed_other_column() {
    let a = Demo::build(&options(400, CellModel::IafPscAlpha, 7)).unwrap();
    let b = Demo::build(&options(400, CellModel::IafPscAlpha, 7)).unwrap();
    assert_eq!(a, b);
    let c = Demo::build(&options(400, CellModel::IafPscAlpha, 8)).unwrap();
    assert_ne!(a.cells, c.cells);
    assert_ne!(a.edges, c.edges);
    assert_ne!(a.lgn_trains, c.lgn_trains);
    assert_eq!(
        spikes(&a.network().unwrap(), 300.0),
        spikes(&b.network().unwrap(), 300.0)
    );
}

#[test]
fn column_has_layers_classes_and_inputs() {
    let d = Demo::build(&options(2000, CellModel::IafPscAlpha, 1)).unwrap();
    assert_eq!(d.cells.len(), 2000);
    let layers: std::collections::BTreeSet<_> = d
        .cell_types
        .iter()
        .filter(|t| t.count > 0)
        .map(|t| t.layer_name())
        .collect();
    assert_eq!(layers.len(), 5);
    for i in 0..d.cells.len() {
        assert!(d.cells.y[i] <= 0.0 && d.cells.y[i] >= -850.0);
    }
    let rec = &d.edges[0];
    let per_cell = rec.len() as f64 / 2000.0;
    assert!((180.0..220.0).contains(&per_cell), "{per_cell}");
    // no autapses, sorted by target then source
    for e in 0..rec.len() {
        assert_ne!(rec.src[e], rec.tgt[e]);
        if e > 0 {
            assert!((rec.tgt[e - 1], rec.src[e - 1]) < (rec.tgt[e], rec.src[e]));
        }
    }
    // nearby pairs connect more often than distant ones
    let d2 = |e: usize| {
        let (s, t) = (rec.src[e] as usize, rec.tgt[e] as usize);
        (d.cells.x[s] - d.cells.x[t]).powi(2) + (d.cells.z[s] - d.cells.z[t]).powi(2)
    };
    let mean_d2_edges = (0..rec.len()).map(d2).sum::<f64>() / rec.len() as f64;
    let n = d.cells.len();
    let mut all = 0.0;
    for s in (0..n).step_by(7) {
        for t in (0..n).step_by(11) {
            all += (d.cells.x[s] - d.cells.x[t]).powi(2) + (d.cells.z[s] - d.cells.z[t]).powi(2);
        }
    }
    let mean_d2_all = all / (n.div_ceil(7) * n.div_ceil(11)) as f64;
    assert!(
        mean_d2_edges < mean_d2_all,
        "{mean_d2_edges} vs {mean_d2_all}"
    );
    // inhibitory weights are negative, delays on the grid and at least dt
    for set in &d.edges {
        for &dl in &set.delay_ms {
            assert!(dl >= 0.1 && ((dl / 0.1) - (dl / 0.1).round()).abs() < 1e-9);
        }
    }
    assert!(rec.types.iter().any(|t| t.syn_weight < 0.0));
    assert!(d.input_spike_count() > 0);
    // the network is active but not saturated
    let s = spikes(&d.network().unwrap(), 300.0);
    let rate = s.len() as f64 / 2000.0 / 0.3;
    assert!((0.5..50.0).contains(&rate), "{rate} Hz");
}

fn round_trip(model: CellModel, config_name: &str, gzip: u8) {
    let demo = Demo::build(&options(300, model, 3)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    demo.write_sonata_with(dir.path(), gzip).unwrap();
    let circuit = Circuit::open(&dir.path().join(config_name)).unwrap();
    let (loaded, spec) = network_from_circuit(&circuit).unwrap();
    assert!(spec.warnings.is_empty(), "{:?}", spec.warnings);
    assert_eq!(spec.tstop, 300.0);
    let net = demo.network().unwrap();
    assert_same_network(&net, &loaded);
    let a = spikes(&net, 300.0);
    assert!(!a.is_empty());
    assert_eq!(a, spikes(&loaded, 300.0));
}

#[test]
fn export_loads_back_identically_iaf() {
    round_trip(CellModel::IafPscAlpha, "config.json", 0);
}

#[test]
fn export_loads_back_identically_glif_gzip() {
    round_trip(CellModel::GlifPsc, "simulation_config.json", 4);
}

#[test]
fn export_has_the_sonata_files() {
    let demo = Demo::build(&options(100, CellModel::IafPscAlpha, 1)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let summary = demo.write_sonata(dir.path()).unwrap();
    for f in [
        "network/v1_nodes.h5",
        "network/v1_node_types.csv",
        "network/lgn_nodes.h5",
        "network/bkg_nodes.h5",
        "network/v1_v1_edges.h5",
        "network/lgn_v1_edge_types.csv",
        "inputs/lgn_spikes.h5",
        "inputs/bkg_spikes.h5",
        "components/cell_models/iaf_pvalb.json",
        "components/synaptic_models/static_exc.json",
        "node_sets.json",
        "circuit_config.json",
        "simulation_config.json",
        "config.json",
    ] {
        assert!(Path::new(&dir.path().join(f)).exists(), "{f}");
    }
    assert!(summary.files.len() >= 14);
    // node sets name layers
    let circuit = Circuit::open(&summary.config).unwrap();
    let v1 = circuit.node_population("v1").unwrap();
    let l4 = circuit
        .node_sets
        .as_ref()
        .unwrap()
        .evaluate("L4", v1)
        .unwrap();
    let n_l4: usize = l4.ranges().iter().map(|r| r.end - r.start).sum::<u64>() as usize;
    let expect: usize = demo
        .cell_types
        .iter()
        .filter(|t| t.layer_name() == "L4")
        .map(|t| t.count)
        .sum();
    assert_eq!(n_l4, expect);
}

#[test]
fn longer_runs_extend_the_input_trains() {
    let short = Demo::build(&options(200, CellModel::IafPscAlpha, 5)).unwrap();
    let mut o = options(200, CellModel::IafPscAlpha, 5);
    o.tstop_ms = 900.0;
    let long = Demo::build(&o).unwrap();
    assert_eq!(short.edges, long.edges);
    for (a, b) in short
        .lgn_trains
        .iter()
        .zip(&long.lgn_trains)
        .chain(short.bkg_trains.iter().zip(&long.bkg_trains))
    {
        assert!(b.len() >= a.len());
        assert_eq!(a[..], b[..a.len()]);
    }
    assert!(long.input_spike_count() > 2 * short.input_spike_count());
}

/// The live network (recurrent weights split by E/I class so the show can scale them apart)
/// simulates to the same spikes as the exported one, for both models; the four classes hold
/// every recurrent edge once, each with the right source and target class.
#[test]
fn live_network_splits_classes_and_changes_no_spike() {
    for model in [CellModel::IafPscAlpha, CellModel::GlifPsc] {
        let demo = Demo::build(&options(600, model, 3)).unwrap();
        let plain = demo.network().unwrap();
        let live = demo.live_network().unwrap();
        let names: Vec<&str> = live.projections.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "v1_E_to_E",
                "v1_E_to_I",
                "v1_I_to_E",
                "v1_I_to_I",
                "lgn_to_v1",
                "bkg_to_v1"
            ]
        );
        let rec = &plain.projections[0];
        let split: usize = live.projections[..4].iter().map(|p| p.src.len()).sum();
        assert_eq!(split, rec.src.len());
        let exc = |row: u32| {
            demo.cell_types[demo.cells.type_of[row as usize] as usize].class
                == cortexview::demo::CellClass::Exc
        };
        for (c, p) in live.projections[..4].iter().enumerate() {
            assert!(!p.src.is_empty(), "{}", p.name);
            assert!(p.src.iter().all(|&s| exc(s) == (c < 2)), "{}", p.name);
            assert!(p.tgt.iter().all(|&t| exc(t) == (c % 2 == 0)), "{}", p.name);
        }
        let want = spikes(&plain, 300.0);
        assert!(want.len() > 100, "{model:?}: {} spikes", want.len());
        assert_eq!(spikes(&live, 300.0), want, "{model:?}");
    }
}

/// Inputs fed on the fly continue the trains at their rates; scaling a source's rate changes
/// what it sends from then on, and silencing both inputs quiets the column.
#[test]
fn live_inputs_continue_at_their_rates_and_follow_the_sliders() {
    use cortexview::sim::live::{LiveCommand, LiveRun};
    let mut o = options(400, CellModel::IafPscAlpha, 5);
    o.tstop_ms = 200.0;
    let demo = Demo::build(&o).unwrap();
    let (lgn_rates, bkg_rates) = demo.input_rates();
    let mut feeder = demo.feeder();
    use cortexview::sim::live::SourceFeeder;
    assert_eq!(feeder.covered_until(), 200.0);
    let events = feeder.feed(2200.0);
    assert_eq!(feeder.covered_until(), 2200.0);
    assert!(events.iter().all(|e| e.2 >= 200.0 && e.2 < 2200.0));
    for (q, rates) in [(0usize, &lgn_rates), (1, &bkg_rates)] {
        let n = events.iter().filter(|e| e.0 == q).count() as f64;
        let expected: f64 = rates.iter().sum::<f64>() * 2.0;
        assert!(
            (n - expected).abs() < 5.0 * expected.sqrt(),
            "source {q}: {n} vs {expected}"
        );
    }

    // a live run: 600 ms as built, then both inputs off
    let sim = Simulation::new(&demo.live_network().unwrap(), &SimOptions { threads: 1 }).unwrap();
    let run =
        LiveRun::start_with_feeder(sim, 5.0, f64::INFINITY, None, Some(Box::new(demo.feeder())));
    while run.time_ms() < 600.0 {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    run.send(LiveCommand::Pause).unwrap();
    for source in ["lgn", "bkg"] {
        run.send(LiveCommand::SetSourceRate {
            source: source.into(),
            factor: 0.0,
        })
        .unwrap();
    }
    let t_off = run.time_ms();
    run.send(LiveCommand::Resume).unwrap();
    while run.time_ms() < t_off + 400.0 {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let sim = run.stop().unwrap();
    let spikes: Vec<_> = sim.spikes().collect();
    let rate = |a: f64, b: f64| {
        spikes
            .iter()
            .filter(|s| s.time_ms >= a && s.time_ms < b)
            .count() as f64
            / (b - a)
            * 1000.0
            / 400.0
    };
    let on = rate(300.0, 600.0);
    let off = rate(t_off + 100.0, t_off + 400.0);
    assert!(on > 2.0, "driven column fires at {on} Hz");
    assert!(off < 0.05 * on, "silenced inputs: {off} Hz vs {on} Hz");
}
