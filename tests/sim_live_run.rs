//! The engine on its own thread (the viewer's live loop): the spikes it streams equal a plain
//! run of the same network, also when paused, resumed and speed-capped on the way.

use std::path::PathBuf;
use std::time::Duration;

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

/// The spikes of a plain run up to `t_ms`.
fn plain_until(t_ms: f64) -> Vec<(usize, u64, u64)> {
    let mut sim = simulation();
    sim.run_until(t_ms).unwrap();
    key(&sim.take_new_spikes())
}

/// Model time once it has stopped moving (a paused run takes the pause between two chunks).
fn settled_time(live: &LiveRun) -> f64 {
    let mut last = live.time_ms();
    for _ in 0..500 {
        std::thread::sleep(Duration::from_millis(50));
        let now = live.time_ms();
        if now == last {
            return now;
        }
        last = now;
    }
    panic!("the model time never stopped moving after a pause (last {last} ms)");
}

#[test]
fn pause_resume_and_speed_cap_change_nothing_but_timing() {
    let want = plain();
    // 200 model ms per wall second: the 300 ms run is still going when it is paused.
    let live = LiveRun::start(simulation(), 2.0, TSTOP, Some(200.0));
    std::thread::sleep(Duration::from_millis(300));
    live.send(LiveCommand::Pause).unwrap();
    let t_paused = settled_time(&live);
    assert!(
        !live.finished(),
        "a paused run does not end (it reached {t_paused} ms)"
    );
    assert!(
        t_paused > 0.0 && t_paused < TSTOP,
        "paused at {t_paused} ms"
    );
    // What was streamed before the pause is complete up to the paused time and equals a plain
    // run up to that time.
    let mut before = Vec::new();
    for _ in 0..200 {
        let (until, spikes) = live.drain();
        before.extend(spikes);
        if until == Some(t_paused) {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(key(&before), plain_until(t_paused));
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(live.time_ms(), t_paused, "a paused run does not advance");
    live.send(LiveCommand::SetSpeed(None)).unwrap();
    live.send(LiveCommand::Resume).unwrap();
    let mut got = before;
    while !live.finished() {
        got.extend(live.drain_spikes());
        std::thread::sleep(Duration::from_millis(2));
    }
    got.extend(live.drain_spikes());
    let sim = live.wait().unwrap();
    assert!((sim.time_ms() - TSTOP).abs() < 1e-9, "{} ms", sim.time_ms());
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
