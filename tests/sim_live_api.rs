//! Changes while running (the API the viewer drives live), each compared with an equivalent plain
//! run: `run_until` in pieces against one run, `take_new_spikes` streaming every spike exactly
//! once, `scale_projection`, `set_poisson_rate` and `inject_current` against networks built with
//! the change from the start (or split at the time boundary where that is equivalent).
//!
//! All weights are integers (or halves after scaling) so that the order in which inputs of one
//! step are summed cannot change a result: equality is exact.
#[path = "common/model_refs.rs"]
mod model_refs;

use cortexview::sim::inputs::Rng;
use cortexview::sim::{
    CurrentClamp, Model, Network, PoissonInput, Population, Projection, SimOptions, Simulation,
    SourcePopulation, SourceRef, Spike, SynapseKind,
};
use serde_json::{Map, Value, json};

const DT: f64 = 0.1;
const N_EXC: usize = 30;
const N_INH: usize = 10;
const N_LGN: usize = 8;

/// Knuth's MMIX LCG for deterministic test data.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn model(name: &str, params: Value) -> Model {
    let map: Map<String, Value> = params.as_object().unwrap().clone();
    let (m, unknown) = Model::from_nest(name, &map).unwrap();
    assert!(unknown.is_empty());
    m
}

/// Spike trains on the grid, about `rate` Hz, up to `tstop` ms.
fn trains(seed: u64, n: usize, rate: f64, tstop: f64) -> Vec<Vec<f64>> {
    let mut g = Lcg(seed);
    let p = (rate * DT * 1e-3 * 1e6) as u64;
    (0..n)
        .map(|_| {
            let steps = (tstop / DT) as u64;
            (1..steps)
                .filter(|_| g.below(1_000_000) < p)
                .map(|k| k as f64 * DT)
                .collect()
        })
        .collect()
}

/// Random edges with integer weights drawn from `weights` and delays from `delays`.
/// `source` and `target` come with their sizes.
fn projection(
    name: &str,
    (source, n_src): (SourceRef, usize),
    (target, n_tgt): (usize, usize),
    per_target: usize,
    weights: &[f64],
    delays: &[f64],
    seed: u64,
) -> Projection {
    let mut g = Lcg(seed);
    let mut p = Projection {
        name: name.to_string(),
        source,
        target,
        src: Vec::new(),
        tgt: Vec::new(),
        kind: Vec::new(),
        kinds: Vec::new(),
        weight: None,
        delay_ms: None,
    };
    for t in 0..n_tgt {
        for _ in 0..per_target {
            p.src.push(g.below(n_src as u64) as u32);
            p.tgt.push(t as u32);
            p.kind.push(p.kinds.len() as u32);
            p.kinds.push(SynapseKind {
                weight: weights[g.below(weights.len() as u64) as usize],
                delay_ms: delays[g.below(delays.len() as u64) as usize],
                receptor: 0,
            });
        }
    }
    p
}

/// A small recurrent network: excitatory iaf_psc_alpha and inhibitory iaf_psc_exp neurons, a
/// population of spike sources ("lgn") and a Poisson background into the excitatory cells.
fn base_network(poisson_rate: f64) -> Network {
    let mut exc = Population {
        name: "exc".into(),
        node_ids: (0..N_EXC as u64).map(|i| 1000 + i).collect(),
        ..Default::default()
    };
    for i in 0..N_EXC {
        exc.models.push(model(
            "iaf_psc_alpha",
            json!({"I_e": 300.0 + 3.0 * i as f64, "tau_syn_ex": 1.0, "tau_syn_in": 2.5}),
        ));
        exc.model_of.push(i as u32);
    }
    let inh = Population::uniform(
        "inh",
        model("iaf_psc_exp", json!({"I_e": 200.0, "tau_m": 8.0})),
        N_INH,
    );
    let lgn = SourcePopulation {
        name: "lgn".into(),
        node_ids: (0..N_LGN as u64).collect(),
        trains: trains(7, N_LGN, 40.0, 1000.0),
    };
    let projections = vec![
        projection(
            "lgn_to_exc",
            (SourceRef::Sources(0), N_LGN),
            (0, N_EXC),
            3,
            &[200.0, 300.0, 400.0],
            &[1.0, 1.5, 2.0],
            11,
        ),
        projection(
            "lgn_to_inh",
            (SourceRef::Sources(0), N_LGN),
            (1, N_INH),
            2,
            &[300.0, 500.0],
            &[1.0, 0.5],
            12,
        ),
        projection(
            "exc_to_exc",
            (SourceRef::Neurons(0), N_EXC),
            (0, N_EXC),
            4,
            &[50.0, 100.0, 150.0],
            &[1.5, 2.5, 0.8],
            13,
        ),
        projection(
            "exc_to_inh",
            (SourceRef::Neurons(0), N_EXC),
            (1, N_INH),
            5,
            &[100.0, 200.0],
            &[1.0, 2.0],
            14,
        ),
        projection(
            "inh_to_exc",
            (SourceRef::Neurons(1), N_INH),
            (0, N_EXC),
            3,
            &[-300.0, -500.0],
            &[0.5, 1.2],
            15,
        ),
    ];
    Network {
        dt: DT,
        populations: vec![exc, inh],
        sources: vec![lgn],
        projections,
        current_clamps: Vec::new(),
        poisson: vec![PoissonInput {
            name: "bkg".into(),
            population: 0,
            rows: (0..N_EXC as u32).collect(),
            rate_hz: poisson_rate,
            weight: 40.0,
            delay_ms: 1.0,
            receptor: 0,
        }],
        precise_times: false,
        seed: 1234,
    }
}

fn sim(net: &Network, threads: usize) -> Simulation {
    Simulation::new(net, &SimOptions { threads }).unwrap()
}

/// All spikes, sorted by (step, population, node id). (`Simulation::spikes` gives them window
/// by window, within a window neuron by neuron, so the raw order depends on the window length.)
fn all_spikes(sim: &Simulation) -> Vec<Spike> {
    sorted(sim.spikes().collect())
}

fn sorted(mut v: Vec<Spike>) -> Vec<Spike> {
    v.sort_by_key(|s| (s.step, s.population, s.node_id));
    v
}

/// Every V_m of the network (population by population, row by row).
fn all_v_m(sim: &Simulation) -> Vec<f64> {
    let mut v = Vec::new();
    for p in 0..sim.population_names().len() {
        for r in 0..sim.population_len(p) {
            v.push(sim.v_m(p, r).unwrap());
        }
    }
    v
}

fn one_run(net: &Network, threads: usize, tstop: f64) -> (Vec<Spike>, Vec<f64>) {
    let mut s = sim(net, threads);
    s.run_until(tstop).unwrap();
    (all_spikes(&s), all_v_m(&s))
}

/// Spikes of one population as sorted (node_id, step).
fn trains_of(spikes: &[Spike], population: usize) -> Vec<(u64, u64)> {
    let mut v: Vec<(u64, u64)> = spikes
        .iter()
        .filter(|s| s.population == population)
        .map(|s| (s.node_id, s.step))
        .collect();
    v.sort_unstable();
    v
}

fn assert_same_spikes(what: &str, got: &[Spike], want: &[Spike]) {
    assert!(!want.is_empty(), "{what}: the reference run has no spikes");
    for p in 0..2 {
        let (a, b) = (trains_of(got, p), trains_of(want, p));
        if a != b {
            let first = a.iter().zip(&b).position(|(x, y)| x != y);
            panic!(
                "{what}: population {p}: {} spikes, expected {}; first difference at {first:?}",
                a.len(),
                b.len()
            );
        }
    }
}

/// Times at which a long run is cut: single steps, pieces shorter and longer than the minimum
/// delay, times off the grid (rounded as NEST rounds Simulate's argument), repeated times.
fn cut_times(tstop: f64) -> Vec<f64> {
    let mut t = vec![0.0, 0.1, 0.2, 0.35, 0.35, 1.0, 1.05, 7.77, 12.3, 12.3];
    let mut g = Lcg(99);
    let mut x = 12.3;
    while x < tstop {
        x += match g.below(4) {
            0 => DT,
            1 => 0.3,
            2 => (g.below(200) as f64) * 0.01,
            _ => (g.below(5000) as f64) * 0.01,
        };
        t.push(x.min(tstop));
    }
    t
}

#[test]
fn run_until_in_pieces_equals_one_run() {
    let tstop = 600.0;
    let net = base_network(800.0);
    for threads in [1, 2] {
        let (want, v_want) = one_run(&net, threads, tstop);
        let mut s = sim(&net, threads);
        for t in cut_times(tstop) {
            s.run_until(t).unwrap();
            assert_eq!(s.steps(), s.resolution().ms_to_steps(t) as u64);
        }
        assert_eq!(s.steps(), 6000);
        let got = all_spikes(&s);
        // the same spikes and the same state at the end
        assert!(got == want, "{threads} threads: spikes differ");
        assert_eq!(all_v_m(&s), v_want, "{threads} threads");
        eprintln!(
            "{threads} threads: {} spikes, in pieces as in one run",
            got.len()
        );
    }
}

/// The NEST reference network with every model (dt 0.01): in pieces as in one run, and equal to
/// NEST in both.
#[test]
fn run_until_in_pieces_mixed_models() {
    let c = model_refs::load("mixed_dt0.01");
    let net = model_refs::network(&c);
    let tstop = c["tstop"].as_f64().unwrap();
    let (want, v_want) = one_run(&net, 1, tstop);
    let mut s = sim(&net, 1);
    let mut g = Lcg(5);
    let mut t = 0.0;
    while t < tstop {
        t = (t + g.below(300) as f64 * 0.01).min(tstop);
        s.run_until(t).unwrap();
    }
    assert_eq!(all_spikes(&s), want);
    assert_eq!(all_v_m(&s), v_want);
    for (p, pop) in c["populations"].as_array().unwrap().iter().enumerate() {
        let nest: Vec<(u64, u64)> = c["spikes"][pop["name"].as_str().unwrap()]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| (x[0].as_u64().unwrap(), x[1].as_u64().unwrap()))
            .collect();
        assert_eq!(trains_of(&want, p), nest);
    }
}

#[test]
fn take_new_spikes_streams_every_spike_once() {
    let tstop = 500.0;
    let net = base_network(800.0);
    let (want, _) = one_run(&net, 2, tstop);
    let mut s = sim(&net, 2);
    assert!(s.take_new_spikes().is_empty());
    let mut streamed: Vec<Spike> = Vec::new();
    let mut last_step = 0;
    for t in cut_times(tstop) {
        s.run_until(t).unwrap();
        let chunk = s.take_new_spikes();
        // only spikes of the steps just simulated, in order of their steps
        for x in &chunk {
            assert!(
                x.step > last_step && x.step <= s.steps(),
                "spike at step {} streamed after step {last_step} up to {}",
                x.step,
                s.steps()
            );
            assert_eq!(x.time_ms, s.resolution().steps_to_ms(x.step as i64));
        }
        assert!(s.take_new_spikes().is_empty(), "a spike streamed twice");
        streamed.extend(chunk);
        last_step = s.steps();
    }
    assert_eq!(sorted(streamed), want);
    assert_eq!(s.spike_count(), want.len());
    let counts = s.spike_counts();
    assert_eq!(counts.iter().sum::<usize>(), want.len());
    assert_eq!(counts[0], trains_of(&want, 0).len());

    // a viewer that only streams: clearing the record keeps the stream complete
    let mut s = sim(&net, 1);
    let mut streamed = Vec::new();
    for t in [100.0, 250.5, 250.5, 400.0, tstop] {
        s.run_until(t).unwrap();
        streamed.extend(s.take_new_spikes());
        s.clear_recorded();
        assert_eq!(s.spike_count(), 0);
    }
    assert_eq!(sorted(streamed), want);
}

/// Scaling a projection from spike sources at time T is the network whose sources are split at
/// T: spikes up to T with the old weights, later spikes with the scaled ones.
#[test]
fn scale_projection_from_sources_at_a_time() {
    let (t_switch, tstop, factor) = (200.0, 500.0, 1.5);
    let net = base_network(800.0);
    let mut s = sim(&net, 1);
    s.run_until(t_switch).unwrap();
    let before = all_spikes(&s);
    let n = s.scale_projection("lgn_to_exc", factor).unwrap();
    assert!(n > 0);
    s.run_until(tstop).unwrap();
    let got = all_spikes(&s);

    let mut plain = net.clone();
    let lgn = plain.sources[0].clone();
    let split = |keep: &dyn Fn(f64) -> bool| SourcePopulation {
        name: lgn.name.clone(),
        node_ids: lgn.node_ids.clone(),
        trains: lgn
            .trains
            .iter()
            .map(|tr| tr.iter().copied().filter(|&t| keep(t)).collect())
            .collect(),
    };
    plain.sources = vec![split(&|t| t <= t_switch), split(&|t| t > t_switch)];
    let mut late = plain.projections[0].clone();
    late.name = "lgn_late_to_exc".into();
    late.source = SourceRef::Sources(1);
    for k in &mut late.kinds {
        k.weight *= factor;
    }
    plain.projections.push(late);
    // the unscaled projection from the same sources sees both halves
    let mut late_inh = plain.projections[1].clone();
    late_inh.name = "lgn_late_to_inh".into();
    late_inh.source = SourceRef::Sources(1);
    plain.projections.push(late_inh);
    let (want, _) = one_run(&plain, 1, tstop);
    assert_same_spikes("scaled at 200 ms", &got, &want);
    // the change acts only from the switch on
    let (unscaled, _) = one_run(&net, 1, tstop);
    assert_eq!(
        before,
        unscaled
            .iter()
            .copied()
            .filter(|x| x.step <= 2000)
            .collect::<Vec<_>>()
    );
    assert_ne!(trains_of(&got, 0), trains_of(&unscaled, 0));
}

/// Scaling recurrent projections before the run is the network built with scaled weights;
/// scaling by 2 and back by 0.5 changes nothing.
#[test]
fn scale_projection_recurrent() {
    let tstop = 400.0;
    let net = base_network(800.0);
    let mut scaled = net.clone();
    for k in &mut scaled.projections[2].kinds {
        k.weight *= 0.5;
    }
    for k in &mut scaled.projections[4].kinds {
        k.weight *= 2.0;
    }
    let (want, v_want) = one_run(&scaled, 2, tstop);
    let mut s = sim(&net, 2);
    s.scale_projection("exc_to_exc", 0.5).unwrap();
    s.scale_projection("inh_to_exc", 2.0).unwrap();
    s.run_until(tstop).unwrap();
    assert_same_spikes("recurrent scaled from the start", &all_spikes(&s), &want);
    assert_eq!(all_v_m(&s), v_want);

    let (plain, _) = one_run(&net, 1, tstop);
    let mut s = sim(&net, 1);
    s.run_until(150.0).unwrap();
    s.scale_projection("exc_to_exc", 2.0).unwrap();
    s.scale_projection("exc_to_exc", 0.5).unwrap();
    s.scale_projection("inh_to_exc", 1.0).unwrap();
    s.run_until(tstop).unwrap();
    assert_eq!(all_spikes(&s), plain);

    // silencing the recurrent excitation from some time on changes the future only
    let mut s = sim(&net, 1);
    s.run_until(150.0).unwrap();
    s.scale_projection("exc_to_exc", 0.0).unwrap();
    s.run_until(tstop).unwrap();
    let got = all_spikes(&s);
    let prefix = |v: &[Spike]| {
        v.iter()
            .copied()
            .filter(|x| x.step <= 1500)
            .collect::<Vec<_>>()
    };
    assert_eq!(prefix(&got), prefix(&plain));
    assert_ne!(got, plain);

    assert!(s.scale_projection("no_such_projection", 1.0).is_err());
    assert!(s.scale_projection("exc_to_exc", -1.0).is_err());
    assert!(s.scale_projection("exc_to_exc", f64::NAN).is_err());
}

/// A rate set before the first step is the rate built in.
#[test]
fn set_poisson_rate_before_the_run() {
    let tstop = 300.0;
    let (want, v_want) = one_run(&base_network(800.0), 1, tstop);
    let mut s = sim(&base_network(0.0), 1);
    s.set_poisson_rate("bkg", 800.0).unwrap();
    s.run_until(tstop).unwrap();
    assert_eq!(all_spikes(&s), want);
    assert_eq!(all_v_m(&s), v_want);
    assert!(s.set_poisson_rate("nope", 1.0).is_err());
    assert!(s.set_poisson_rate("bkg", -1.0).is_err());
}

/// Rates changed at several times are the same Poisson draws replayed as spike trains. The
/// replay mirrors the engine's Poisson inputs: one splitmix64 stream per (input, target neuron)
/// (`Rng::new(seed, input << 40 ^ neuron)`), one Poisson count per step with mean
/// rate x dt x 1e-3, the count's spikes emitted at that step (stamp step + 1).
#[test]
fn set_poisson_rate_while_running() {
    let tstop = 400.0;
    let schedule = [(0.0, 800.0), (100.0, 2000.0), (180.0, 0.0), (250.0, 300.0)];
    let net = base_network(schedule[0].1);
    let mut s = sim(&net, 2);
    for w in schedule.windows(2) {
        s.run_until(w[1].0).unwrap();
        s.set_poisson_rate("bkg", w[1].1).unwrap();
    }
    s.run_until(tstop).unwrap();
    let got = all_spikes(&s);

    let res = s.resolution();
    let pin = net.poisson[0].clone();
    let mut trains = Vec::new();
    for &row in &pin.rows {
        // exc is the first population: its rows are the internal neuron ids
        let mut rng = Rng::new(net.seed, row as u64);
        let mut tr = Vec::new();
        for k in 0..res.ms_to_steps(tstop) {
            let rate = schedule
                .iter()
                .rev()
                .find(|(t, _)| res.ms_to_steps(*t) <= k)
                .unwrap()
                .1;
            let n = rng.poisson(rate * res.dt() * 1e-3);
            for _ in 0..n {
                tr.push(res.steps_to_ms(k + 1));
            }
        }
        trains.push(tr);
    }
    let mut plain = net.clone();
    plain.poisson.clear();
    plain.sources.push(SourcePopulation {
        name: "bkg_replay".into(),
        node_ids: (0..trains.len() as u64).collect(),
        trains,
    });
    let n = pin.rows.len();
    plain.projections.push(Projection {
        name: "bkg_replay_to_exc".into(),
        source: SourceRef::Sources(1),
        target: 0,
        src: (0..n as u32).collect(),
        tgt: pin.rows.clone(),
        kind: vec![0; n],
        kinds: vec![SynapseKind {
            weight: pin.weight,
            delay_ms: pin.delay_ms,
            receptor: 0,
        }],
        weight: None,
        delay_ms: None,
    });
    let (want, _) = one_run(&plain, 1, tstop);
    assert_same_spikes("Poisson rates changed while running", &got, &want);
}

/// Switching the background off silences neurons that only it drives (after the delay and the
/// synaptic decay), and leaves the past alone.
#[test]
fn set_poisson_rate_to_zero_silences() {
    let mut net = base_network(3000.0);
    net.populations.truncate(1);
    net.projections.retain(|p| p.name == "exc_to_exc");
    net.sources.clear();
    for m in &mut net.populations[0].models {
        *m = model("iaf_psc_alpha", json!({"tau_syn_ex": 1.0}));
    }
    let (plain, _) = one_run(&net, 1, 400.0);
    let mut s = sim(&net, 1);
    s.run_until(200.0).unwrap();
    s.set_poisson_rate("bkg", 0.0).unwrap();
    s.run_until(400.0).unwrap();
    let got = all_spikes(&s);
    let before: Vec<Spike> = plain.iter().copied().filter(|x| x.step <= 2000).collect();
    assert!(!before.is_empty());
    assert_eq!(
        got.iter()
            .copied()
            .filter(|x| x.step <= 2000)
            .collect::<Vec<_>>(),
        before
    );
    let late = got.iter().filter(|x| x.time_ms > 230.0).count();
    assert_eq!(late, 0, "spikes 30 ms after the background stopped");
    assert!(plain.iter().filter(|x| x.time_ms > 230.0).count() > 0);
}

/// `inject_current(name, ..)` at step S (and calls with the same name later) is a step current
/// generator whose amplitude changes at (S + 1) x dt, connected with delay dt: the current enters
/// the neuron's input at step S + 1.
#[test]
fn inject_current_equals_step_current() {
    let tstop = 400.0;
    let net = base_network(800.0);
    let exc_rows: Vec<u32> = (0..N_EXC as u32).step_by(3).collect();
    let inh_rows: Vec<u32> = vec![0, 4, 9];
    let mut s = sim(&net, 2);
    let plan = [(50.0, 150.0), (120.3, -80.0), (200.0, 400.0), (300.0, 0.0)];
    for &(t, amp) in &plan {
        if t == 300.0 {
            s.run_until(220.0).unwrap();
            s.inject_current("inh_drive", 1, &inh_rows, 250.0).unwrap();
        }
        s.run_until(t).unwrap();
        s.inject_current("probe", 0, &exc_rows, amp).unwrap();
    }
    s.run_until(tstop).unwrap();
    let got = all_spikes(&s);
    assert!(s.inject_current("bad", 0, &[N_EXC as u32], 1.0).is_err());
    // a name already used keeps its neurons: other ones are an error, not silently ignored
    assert!(s.inject_current("probe", 0, &[0, 1], 5.0).is_err());
    assert!(s.inject_current("probe", 1, &exc_rows, 5.0).is_err());

    let res = s.resolution();
    let next = |t: f64| res.steps_to_ms(res.ms_to_steps(t) + 1);
    let mut plain = net.clone();
    plain.current_clamps.push(CurrentClamp {
        name: "probe".into(),
        population: 0,
        rows: exc_rows.clone(),
        times_ms: plan.iter().map(|p| next(p.0)).collect(),
        amps_pa: plan.iter().map(|p| p.1).collect(),
        delay_ms: DT,
    });
    plain.current_clamps.push(CurrentClamp {
        name: "inh_drive".into(),
        population: 1,
        rows: inh_rows,
        times_ms: vec![next(220.0)],
        amps_pa: vec![250.0],
        delay_ms: DT,
    });
    let (want, _) = one_run(&plain, 1, tstop);
    assert_same_spikes("injected currents", &got, &want);
    let (without, _) = one_run(&net, 1, tstop);
    assert_ne!(trains_of(&got, 0), trains_of(&without, 0));
    assert_ne!(trains_of(&got, 1), trains_of(&without, 1));
}

/// Source spikes handed over while running (the live demo's endless inputs) equal the same
/// spikes given at build time, and removing them from a time on equals trains cut there.
#[test]
fn source_spikes_added_while_running_equal_trains_given_at_build() {
    let tstop = 600.0;
    let net = base_network(800.0);
    let (want, want_v) = one_run(&net, 2, tstop);

    // the same trains, but only those before 150 ms at build time; the rest arrive in pieces
    let mut cut = net.clone();
    let all = net.sources[0].trains.clone();
    for tr in &mut cut.sources[0].trains {
        tr.retain(|&t| t < 150.0);
    }
    // the build-time trains' spikes in [a, b) as (source population, row, time)
    let segment = |a: f64, b: f64| -> Vec<(usize, u32, f64)> {
        all.iter()
            .enumerate()
            .flat_map(|(r, tr)| {
                tr.iter()
                    .filter(move |&&t| t >= a && t < b)
                    .map(move |&t| (0usize, r as u32, t))
            })
            .collect()
    };
    let mut s = sim(&cut, 2);
    let mut from = 150.0;
    for until in [150.0, 151.3, 222.0, 400.0, 600.0] {
        // spikes of [from, from + 120) handed over before the run reaches them
        let next = (from + 120.0_f64).min(tstop);
        let events = segment(from, next);
        let n = events.len();
        assert_eq!(s.add_source_spikes(&events).unwrap(), n);
        from = next;
        s.run_until(until).unwrap();
    }
    while from < tstop {
        let next = (from + 120.0_f64).min(tstop);
        let events = segment(from, next);
        s.add_source_spikes(&events).unwrap();
        from = next;
    }
    s.run_until(tstop).unwrap();
    assert_same_spikes("source spikes added live", &all_spikes(&s), &want);
    assert_eq!(all_v_m(&s), want_v);
    // a spike in the past is dropped, a bad row is an error
    assert_eq!(s.add_source_spikes(&[(0, 0, 10.0)]).unwrap(), 0);
    assert!(s.add_source_spikes(&[(0, N_LGN as u32, 700.0)]).is_err());
    assert!(s.add_source_spikes(&[(1, 0, 700.0)]).is_err());
}

#[test]
fn source_spikes_removed_from_a_time_equal_trains_cut_there() {
    let tstop = 500.0;
    let net = base_network(800.0);
    let mut s = sim(&net, 1);
    s.run_until(200.0).unwrap();
    let removed = s.remove_source_spikes_from(0, 250.0).unwrap();
    s.run_until(tstop).unwrap();
    let mut cut = net.clone();
    let mut expected_removed = 0;
    for tr in &mut cut.sources[0].trains {
        let before = tr.len();
        tr.retain(|&t| t < 250.0);
        expected_removed += before - tr.len();
    }
    assert!(expected_removed > 0);
    assert_eq!(removed, expected_removed);
    let (want, _) = one_run(&cut, 1, tstop);
    assert_same_spikes("source spikes removed", &all_spikes(&s), &want);
}

/// A pulse equals a step current switched on and off at the same steps.
#[test]
fn pulse_current_equals_a_step_current_on_and_off() {
    let tstop = 300.0;
    let net = base_network(800.0);
    let rows: Vec<u32> = (0..N_EXC as u32).step_by(2).collect();
    let mut s = sim(&net, 2);
    s.run_until(100.0).unwrap();
    s.pulse_current("volley", 0, &rows, 2000.0, 2.0).unwrap();
    assert!(s.pulse_current("volley", 0, &rows, 1.0, 1.0).is_err());
    assert!(s.pulse_current("bad", 0, &rows, 1.0, -1.0).is_err());
    s.run_until(tstop).unwrap();
    let got = all_spikes(&s);

    let res = s.resolution();
    let on = res.steps_to_ms(res.ms_to_steps(100.0) + 1);
    let mut plain = net.clone();
    plain.current_clamps.push(CurrentClamp {
        name: "volley".into(),
        population: 0,
        rows: rows.clone(),
        times_ms: vec![on, on + 2.0],
        amps_pa: vec![2000.0, 0.0],
        delay_ms: DT,
    });
    let (want, _) = one_run(&plain, 1, tstop);
    assert_same_spikes("pulse", &got, &want);
    let (without, _) = one_run(&net, 1, tstop);
    assert_ne!(trains_of(&got, 0), trains_of(&without, 0));
}
