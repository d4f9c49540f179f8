//! A live run of a BMTK PointNet fixture pumped through the viewer's feed (no GPU), changed on
//! the way, equals `cortexview simulate --interventions` of the log it wrote, spike for spike;
//! a log given to the live run as a replay gives the same spikes as the offline run of it.
#![cfg(feature = "viewer")]

#[path = "common/fixtures.rs"]
mod fixtures;

use std::path::{Path, PathBuf};
use std::time::Duration;

use cortexview::sim::control::{ControlledRun, LiveModel, replay};
use cortexview::sim::interventions::{self, Action, Intervention, StimulusKind};
use cortexview::sim::live::LiveCommand;
use cortexview::sonata::{PopulationSpikes, read_spikes};
use cortexview::view::live::feed::{LiveFeed, live_spikes};
use cortexview::view::scene::Scene;

const TSTOP: f64 = 150.0;

/// The fixture copied (with the models it names) where its output may be written.
fn fixture_copy(dir: &Path) -> Option<PathBuf> {
    let root = fixtures::shared_fixture("bmtk-examples")?;
    for sub in ["point_450cells", "point_components"] {
        copy_dir(&root.join(sub), &dir.join(sub));
    }
    Some(dir.join("point_450cells/config.simulation.json"))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

type Key = Vec<(String, u64, u64)>;

/// Spikes as (population, node id, time in ns), sorted, up to TSTOP.
fn key(pops: &[PopulationSpikes]) -> Key {
    let mut v: Key = pops
        .iter()
        .flat_map(|p| {
            p.node_ids
                .iter()
                .zip(&p.timestamps)
                .filter(|(_, t)| **t <= TSTOP + 1e-9)
                .map(|(&id, &t)| (p.population.clone(), id, (t * 1e6).round() as u64))
        })
        .collect();
    v.sort_unstable();
    v
}

/// The live run: `commands` sent once the feed has passed each time (ms), or `schedule`d.
fn live_run(
    config: &Path,
    commands: &[(f64, Action)],
    schedule: Vec<Intervention>,
) -> (Key, Vec<Intervention>) {
    let mut scene = Scene::open(config, &[]).unwrap();
    let model = LiveModel::open(config, 1).unwrap();
    let mut run = ControlledRun::start(model).unwrap();
    run.schedule(schedule);
    let mut feed = LiveFeed::start_controlled(&mut scene, run, None, TSTOP);
    let mut next = 0;
    let mut log = Vec::new();
    loop {
        let done = feed.finished();
        feed.pump(&mut scene).unwrap();
        log.extend(feed.take_applied());
        assert!(feed.take_refused().is_empty());
        while next < commands.len() && feed.until_ms() >= commands[next].0 {
            feed.send(LiveCommand::Apply(commands[next].1.clone()))
                .unwrap();
            next += 1;
        }
        if done {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    feed.pump(&mut scene).unwrap();
    log.extend(feed.take_applied());
    assert!((feed.until_ms() - TSTOP).abs() < 1e-9);
    (key(&live_spikes(&scene)), log)
}

/// `cortexview simulate CONFIG --interventions FILE --tstop TSTOP`, its spikes file read back.
fn simulate(config: &Path, file: &Path) -> Key {
    cortexview::cli::simulate::simulate_with_interventions(config, file, 1, Some(TSTOP), true)
        .unwrap();
    let out = config.parent().unwrap().join("output/spikes.h5");
    key(&read_spikes(&out).unwrap())
}

fn actions() -> Vec<(f64, Action)> {
    vec![
        (
            30.0,
            Action::SetRate {
                population: "external".into(),
                factor: 2.5,
            },
        ),
        (40.0, Action::Pause),
        (40.0, Action::Resume),
        (
            60.0,
            Action::ScaleWeights {
                edges: "internal_to_internal:I->E".into(),
                factor: 0.2,
            },
        ),
        (
            80.0,
            Action::Stimulate {
                select: "ei == 'i'".into(),
                kind: StimulusKind::Volley,
            },
        ),
        (
            100.0,
            Action::Stimulate {
                select: "node_id < 40".into(),
                kind: StimulusKind::Pulse {
                    amp_pa: 400.0,
                    duration_ms: 20.0,
                },
            },
        ),
        (
            120.0,
            Action::ScaleWeights {
                edges: "external_to_internal".into(),
                factor: 0.0,
            },
        ),
    ]
}

#[test]
fn a_live_run_with_interventions_equals_simulate_of_its_log() {
    let dir = tempfile::tempdir().unwrap();
    let Some(config) = fixture_copy(dir.path()) else {
        return;
    };
    let script = actions();
    let (live, log) = live_run(&config, &script, Vec::new());
    assert!(
        live.len() > 500,
        "the network fires ({} spikes)",
        live.len()
    );
    // every command was applied, in order, at a chunk boundary at or after it was sent
    assert_eq!(log.len(), script.len());
    for (item, (t, action)) in log.iter().zip(&script) {
        assert_eq!(&item.action, action);
        assert!(item.t_ms >= *t, "{item:?} applied before {t} ms");
        let chunks = item.t_ms / 2.0;
        assert!((chunks - chunks.round()).abs() < 1e-9, "{item:?}");
    }
    // the log as the window saves it, read back by simulate
    let file = dir.path().join(interventions::FILE_NAME);
    interventions::write(&file, &log).unwrap();
    assert_eq!(interventions::read(&file).unwrap(), log);
    let offline = simulate(&config, &file);
    assert_eq!(offline.len(), live.len());
    assert!(
        offline == live,
        "the offline replay differs from the live run"
    );

    // the interventions changed the run: without them the spikes differ
    let model = LiveModel::open(&config, 1).unwrap();
    let plain = replay(model, Vec::new(), TSTOP).unwrap().run.into_sim();
    let mut plain_key: Key = plain
        .spikes()
        .filter(|s| s.time_ms <= TSTOP + 1e-9)
        .map(|s| {
            (
                plain.population_names()[s.population].clone(),
                s.node_id,
                (s.time_ms * 1e6).round() as u64,
            )
        })
        .collect();
    plain_key.sort_unstable();
    let before = |k: &Key, t: f64| k.iter().filter(|s| (s.2 as f64) < t * 1e6).count();
    // identical before the first intervention, different after
    assert_eq!(before(&plain_key, 30.0), before(&live, 30.0));
    assert_ne!(plain_key, live);
}

#[test]
fn a_replayed_log_in_the_window_equals_simulate_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let Some(config) = fixture_copy(dir.path()) else {
        return;
    };
    // times off the chunk grid: each applied at the next boundary, in both runs
    let log: Vec<Intervention> = actions()
        .into_iter()
        .map(|(t, action)| Intervention {
            t_ms: t + 0.7,
            action,
        })
        .chain([
            Intervention {
                t_ms: 131.3,
                action: Action::Reset,
            },
            Intervention {
                t_ms: 10.0,
                action: Action::Stimulate {
                    select: "ei == 'e'".into(),
                    kind: StimulusKind::Volley,
                },
            },
        ])
        .collect();
    let (live, applied) = live_run(&config, &[], log.clone());
    assert_eq!(applied.len(), log.len());
    assert_eq!(applied[0].t_ms, 32.0);
    let file = dir.path().join("replay.json");
    interventions::write(&file, &log).unwrap();
    let offline = simulate(&config, &file);
    assert!(
        offline == live,
        "the offline run of the log differs from its live replay"
    );
    // after the reset: the volley at 10 ms, the inputs cut off since 120.7 ms (the factors
    // carry over a reset)
    let volley = live
        .iter()
        .filter(|s| s.2 > 10_000_000 && s.2 < 16_000_000)
        .count();
    assert!(volley > 300, "{volley} spikes in the volley");
}
