//! Every neuron model against NEST 3.10, network by network: the references in
//! tests/data/nest_refs/models (made by scripts/nest_references/make_model_refs.py) hold a small
//! network built with nest.Create / nest.Connect (spike_generators, step currents, recurrent
//! connections, several delays and receptor ports) and NEST's spikes and V_m traces. The same
//! network is built here through `cortexview::sim::Network` and must give the same spikes (same
//! neuron, same step) and the same V_m (to 1e-9 mV).
#[path = "common/model_refs.rs"]
mod model_refs;

use cortexview::sim::{SimOptions, Simulation};
use model_refs::{f64s, load, network};
use serde_json::Value;

/// Per population: sorted (row, step) spikes.
type Spikes = Vec<Vec<(u64, u64)>>;

/// Runs the network, sampling V_m where NEST's multimeter did; returns spikes per population as
/// sorted (row, step) and the V_m traces.
fn simulate(c: &Value, threads: usize) -> (Spikes, Vec<Vec<f64>>) {
    let net = network(c);
    let dt = net.dt;
    let mut sim = Simulation::new(&net, &SimOptions { threads }).unwrap();
    let traces = c["v_m"].as_array().unwrap();
    let steps: Vec<Vec<u64>> = traces
        .iter()
        .map(|t| {
            t["steps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap())
                .collect()
        })
        .collect();
    let mut all: Vec<u64> = steps.iter().flatten().copied().collect();
    all.sort_unstable();
    all.dedup();
    let mut at = std::collections::HashMap::new();
    for &s in &all {
        sim.run_until(s as f64 * dt).unwrap();
        assert_eq!(sim.steps(), s);
        for (i, t) in traces.iter().enumerate() {
            let (p, r) = (
                t["population"].as_u64().unwrap() as usize,
                t["row"].as_u64().unwrap() as usize,
            );
            at.insert((i, s), sim.v_m(p, r).unwrap());
        }
    }
    sim.run_until(c["tstop"].as_f64().unwrap()).unwrap();
    let mut spikes = vec![Vec::new(); net.populations.len()];
    for s in sim.spikes() {
        spikes[s.population].push((s.node_id, s.step));
    }
    for v in &mut spikes {
        v.sort_unstable();
    }
    let vm = steps
        .iter()
        .enumerate()
        .map(|(i, st)| st.iter().map(|s| at[&(i, *s)]).collect())
        .collect();
    (spikes, vm)
}

fn check(case: &str) {
    check_threads(case, 1);
}

fn check_threads(case: &str, threads: usize) {
    let c = load(case);
    let (spikes, vm) = simulate(&c, threads);
    let mut failures = Vec::new();
    for (pi, p) in c["populations"].as_array().unwrap().iter().enumerate() {
        let name = p["name"].as_str().unwrap();
        let want: Vec<(u64, u64)> = c["spikes"][name]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| (x[0].as_u64().unwrap(), x[1].as_u64().unwrap()))
            .collect();
        let got = &spikes[pi];
        if *got != want {
            let first = got
                .iter()
                .zip(&want)
                .position(|(a, b)| a != b)
                .unwrap_or(got.len().min(want.len()));
            failures.push(format!(
                "{case}/{name}: {} spikes, NEST {}; first difference (row, step) at {first}: ours {:?}, NEST {:?}",
                got.len(),
                want.len(),
                got.get(first),
                want.get(first)
            ));
        } else {
            eprintln!("{case}/{name}: {} spikes identical to NEST", got.len());
        }
    }
    for (t, ours) in c["v_m"].as_array().unwrap().iter().zip(&vm) {
        let nest = f64s(&t["values"]);
        let steps = &t["steps"];
        let (mut worst, mut at) = (0.0f64, 0);
        for (k, (a, b)) in ours.iter().zip(&nest).enumerate() {
            let d = (a - b).abs();
            if d > worst || d.is_nan() {
                worst = d;
                at = k;
            }
        }
        let row = &t["row"];
        if worst > 1e-9 || worst.is_nan() {
            failures.push(format!(
                "{case}: V_m of row {row} differs by {worst:e} mV at step {} (ours {}, NEST {})",
                steps[at], ours[at], nest[at]
            ));
        } else {
            eprintln!(
                "{case}: V_m of row {row} within {worst:e} mV of NEST over {} samples",
                nest.len()
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

macro_rules! cases {
    ($($test:ident => $case:literal,)*) => {
        $(
            #[test]
            fn $test() {
                check($case);
            }
        )*
    };
}

cases! {
    iaf_psc_alpha_dt01 => "iaf_psc_alpha_dt0.1",
    iaf_psc_alpha_dt001 => "iaf_psc_alpha_dt0.01",
    iaf_psc_exp_dt01 => "iaf_psc_exp_dt0.1",
    iaf_psc_exp_dt001 => "iaf_psc_exp_dt0.01",
    iaf_psc_delta_dt01 => "iaf_psc_delta_dt0.1",
    iaf_psc_delta_dt001 => "iaf_psc_delta_dt0.01",
    izhikevich_dt01 => "izhikevich_dt0.1",
    izhikevich_dt001 => "izhikevich_dt0.01",
    glif1_lif_dt01 => "glif1_psc_dt0.1",
    glif1_lif_dt001 => "glif1_psc_dt0.01",
    glif2_lif_r_dt01 => "glif2_psc_dt0.1",
    glif2_lif_r_dt001 => "glif2_psc_dt0.01",
    glif3_lif_asc_dt01 => "glif3_psc_dt0.1",
    glif3_lif_asc_dt001 => "glif3_psc_dt0.01",
    glif4_lif_r_asc_dt01 => "glif4_psc_dt0.1",
    glif4_lif_r_asc_dt001 => "glif4_psc_dt0.01",
    glif5_lif_r_asc_a_dt01 => "glif5_psc_dt0.1",
    glif5_lif_r_asc_a_dt001 => "glif5_psc_dt0.01",
    glif_initial_state => "glif_state_init_dt0.1",
    all_models_in_one_network_dt01 => "mixed_dt0.1",
    all_models_in_one_network_dt001 => "mixed_dt0.01",
}

/// Partitions (threads) must not change anything.
#[test]
fn glif5_two_threads() {
    check_threads("glif5_psc_dt0.1", 2);
}

#[test]
fn iaf_psc_delta_three_threads() {
    check_threads("iaf_psc_delta_dt0.1", 3);
}

#[test]
fn all_models_in_one_network_two_threads() {
    check_threads("mixed_dt0.1", 2);
}

/// NEST refuses to set a threshold component that the chosen GLIF mechanisms do not have.
#[test]
fn glif_threshold_state_needs_its_mechanism() {
    use cortexview::sim::Model;
    let build = |d: Value| Model::from_nest("glif_psc", d.as_object().unwrap());
    assert!(build(serde_json::json!({"threshold_spike": 1.0})).is_err());
    assert!(
        build(
            serde_json::json!({"spike_dependent_threshold": true, "after_spike_currents": true,
                                 "threshold_voltage": 1.0})
        )
        .is_err()
    );
    assert!(
        build(
            serde_json::json!({"spike_dependent_threshold": true, "after_spike_currents": true,
                                 "adapting_threshold": true, "threshold_voltage": 1.0,
                                 "threshold_spike": 1.0})
        )
        .is_ok()
    );
}
