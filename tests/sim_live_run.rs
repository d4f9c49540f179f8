//! The engine on its own thread (the viewer's live loop): the spikes it streams equal a plain
//! run of the same network, also when paused, resumed and speed-capped on the way.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use cortexview::sim::from_sonata::network_from_circuit;
use cortexview::sim::live::{LiveCommand, LiveRun};
use cortexview::sim::{SimOptions, Simulation, Spike};
use cortexview::sonata::Circuit;

const TSTOP: f64 = 300.0;

fn simulation() -> Simulation {
    let net =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/nets/engine_ref_v1_iaf_n1000");
    let circuit = Circuit::open(&net).unwrap();
    let (network, _) = network_from_circuit(&circuit).unwrap();
    Simulation::new(&network, &SimOptions { threads: 1 }).unwrap()
}

fn key(spikes: &[Spike]) -> Vec<(usize, u64, u64)> {
    let mut k: Vec<_> = spikes
        .iter()
        .map(|s| (s.population, s.node_id, s.step))
        .collect();
    k.sort_unstable();
    k
}

fn plain() -> Vec<(usize, u64, u64)> {
    let mut sim = simulation();
    sim.run_until(TSTOP).unwrap();
    key(&sim.take_new_spikes())
}

#[test]
fn streamed_spikes_equal_a_plain_run() {
    let want = plain();
    assert!(
        want.len() > 500,
        "the network should be active ({} spikes)",
        want.len()
    );
    let live = LiveRun::start(simulation(), 5.0, TSTOP, None);
    let mut got = Vec::new();
    while !live.finished() {
        got.extend(live.drain_spikes());
        std::thread::sleep(Duration::from_millis(2));
    }
    got.extend(live.drain_spikes());
    let sim = live.wait().unwrap();
    assert!((sim.time_ms() - TSTOP).abs() < 1e-9);
    assert_eq!(key(&got), want);
}

#[test]
fn pause_resume_and_speed_cap_change_nothing_but_timing() {
    let want = plain();
    // 200 model ms per wall second: the 300 ms run takes at least 1.5 s of wall time.
    let started = Instant::now();
    let live = LiveRun::start(simulation(), 2.0, TSTOP, Some(200.0));
    std::thread::sleep(Duration::from_millis(300));
    live.send(LiveCommand::Pause).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let t_paused = live.time_ms();
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(live.time_ms(), t_paused, "a paused run does not advance");
    assert!(t_paused > 0.0 && t_paused < TSTOP);
    live.send(LiveCommand::SetSpeed(None)).unwrap();
    live.send(LiveCommand::Resume).unwrap();
    let mut got = Vec::new();
    while !live.finished() {
        got.extend(live.drain_spikes());
        std::thread::sleep(Duration::from_millis(2));
    }
    got.extend(live.drain_spikes());
    live.wait().unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(key(&got), want);
}

#[test]
fn a_change_while_running_takes_effect_and_stop_returns_the_simulation() {
    // Capped at first, so that the change is taken after at most one 5 ms chunk however late
    // this thread sends it (a loaded machine); then as fast as it goes.
    let live = LiveRun::start(simulation(), 5.0, TSTOP, Some(50.0));
    live.send(LiveCommand::ScaleProjection {
        projection: "lgn_to_v1".into(),
        factor: 0.0,
    })
    .unwrap();
    live.send(LiveCommand::SetSpeed(None)).unwrap();
    let sim = loop {
        if live.finished() {
            break live.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    // Without its input the column falls silent: far fewer spikes than the plain run.
    let silenced = sim.spike_count();
    assert!(
        silenced * 4 < plain().len(),
        "{silenced} spikes without input"
    );
    // An unknown projection ends the run with an error naming it.
    let live = LiveRun::start(simulation(), 5.0, TSTOP, Some(10.0));
    live.send(LiveCommand::ScaleProjection {
        projection: "nope".into(),
        factor: 2.0,
    })
    .unwrap();
    // (the command is taken before the next chunk: wait for the run to end on it, rather
    // than stop it, which could come first on a loaded machine)
    let t0 = std::time::Instant::now();
    while !live.finished() && t0.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(5));
    }
    let err = live.stop().err().expect("the bad command stops the run");
    assert!(err.to_string().contains("nope"), "{err}");
}
