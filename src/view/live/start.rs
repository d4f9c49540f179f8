//! Building a live model in the background (a config's network can take seconds) and starting
//! its run: from the command line, the panel's "Run live", or a session's start request.
use std::sync::mpsc::{Receiver, TryRecvError, channel};
use std::sync::{Arc, Mutex};

use bevy::prelude::*;

use super::plugin::{LiveSession, LiveSource, LiveStartRequest, LiveStopRequest};
use crate::sim::control::{ControlledRun, LiveModel};
use crate::sim::interventions::{Action, Intervention};
use crate::sim::live::LiveCommand;
use crate::sonata::Circuit;
use crate::view::ViewerState;
use crate::view::live::feed::LiveFeed;
use crate::view::playback::{LoopMode, Playback};

/// A model being built on another thread: the model, or why it cannot run live.
pub struct ModelLoad(Mutex<Receiver<Result<Arc<LiveModel>, String>>>);

/// Builds the model of `source` on its own thread.
fn load_model(source: LiveSource, threads: usize) -> ModelLoad {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let result = match source {
            LiveSource::Config(path) => LiveModel::open(&path, threads)
                .map_err(|e| format!("{} cannot run live: {e}", path.display())),
            LiveSource::Demo { demo, config } => Circuit::open(&config)
                .map_err(|e| format!("{e}"))
                .and_then(|c| {
                    demo.live_model(&c.nodes, c.node_sets.clone(), threads)
                        .map_err(|e| format!("building the live column: {e}"))
                })
                .map(Arc::new),
        };
        let _ = tx.send(result);
    });
    ModelLoad(Mutex::new(rx))
}

/// Takes a session's start request: the model it names (loaded anew when it is another), its
/// settings, and its interventions replayed (or, without any, its factors applied at 0 ms).
pub(super) fn handle_start_request(
    mut request: ResMut<LiveStartRequest>,
    mut session: ResMut<LiveSession>,
) {
    let Some(spec) = request.0.take() else {
        return;
    };
    // a parked run comes back; the built-in column also over a config run from the panel since
    let demo = |s: Option<&LiveSource>| matches!(s, Some(LiveSource::Demo { .. }));
    let column_parked = spec.config.is_none()
        && demo(session.parked.as_ref().map(|p| &p.0))
        && !demo(session.source.as_ref());
    if (session.source.is_none() || column_parked)
        && let Some((source, model)) = session.parked.take()
    {
        (session.source, session.model) = (Some(source), model);
        (session.load, session.refusal) = (None, None);
    }
    let source = match (&spec.config, &session.source) {
        (Some(path), _) => LiveSource::Config(path.into()),
        (None, Some(demo @ LiveSource::Demo { .. })) => demo.clone(),
        (None, _) => {
            session.say(
                true,
                "the session runs the built-in column live: open it with cortexview live",
            );
            return;
        }
    };
    let same = matches!((&source, &session.source),
        (LiveSource::Config(a), Some(LiveSource::Config(b))) if a == b)
        || matches!(
            (&source, &session.source),
            (LiveSource::Demo { .. }, Some(LiveSource::Demo { .. }))
        );
    if !same {
        session.model = None;
        session.load = None;
        session.refusal = None;
    }
    if let Some(mut old) = session.feed.take() {
        let _ = old.stop();
    }
    session.source = Some(source);
    session.speed = spec.speed_cap;
    session.replay = if spec.interventions.is_empty() {
        let rates = spec.rates.iter().map(|(p, f)| Action::SetRate {
            population: p.clone(),
            factor: *f,
        });
        let weights = spec.weights.iter().map(|(e, f)| Action::ScaleWeights {
            edges: e.clone(),
            factor: *f,
        });
        rates
            .chain(weights)
            .map(|action| Intervention { t_ms: 0.0, action })
            .collect()
    } else {
        spec.interventions
    };
    session.pause_on_start = !spec.running;
    session.start_pending = true;
}

/// Takes a stop request: the run ends and nothing runs live (the snapshot says so); its source
/// and model are parked so that a later live scene of the same model starts without a rebuild.
pub(super) fn handle_stop_request(
    mut request: ResMut<LiveStopRequest>,
    mut session: ResMut<LiveSession>,
    mut state: ResMut<ViewerState>,
) {
    if !std::mem::take(&mut request.0) {
        return;
    }
    if let Some(mut feed) = session.feed.take()
        && let Err(e) = feed.stop()
    {
        warn!("stopping the live run: {e:#}");
    }
    if let Some(source) = session.source.take() {
        let model = session.model.take();
        session.parked = Some((source, model));
    }
    session.load = None;
    session.start_pending = false;
    session.replay.clear();
    session.log.clear();
    session.paused = false;
    state.live = false;
}

/// Starts building the model a pending start needs, and takes it (or its refusal) when built.
pub(super) fn poll_model_load(mut session: ResMut<LiveSession>) {
    if session.start_pending
        && session.model.is_none()
        && session.load.is_none()
        && session.refusal.is_none()
        && let Some(source) = session.source.clone()
    {
        let threads = session.threads;
        session.load = Some(load_model(source, threads));
        session.say(false, "building the network to run live…");
    }
    let Some(load) = &session.load else {
        return;
    };
    let received = match load.0.lock() {
        Ok(rx) => rx.try_recv(),
        Err(poisoned) => poisoned.into_inner().try_recv(),
    };
    let result = match received {
        Ok(r) => r,
        Err(TryRecvError::Empty) => return,
        Err(TryRecvError::Disconnected) => Err("building the live model failed".into()),
    };
    session.load = None;
    match result {
        Ok(model) => {
            for w in &model.warnings {
                warn!("live model: {w}");
            }
            session.model = Some(model);
        }
        Err(why) => {
            session.start_pending = false;
            session.refusal = Some(why.clone());
            session.say(true, why);
        }
    }
}

/// Starts the run: a fresh simulation of the model from 0 ms, the pending replay scheduled.
pub(super) fn start_run(
    session: &mut LiveSession,
    state: &mut ViewerState,
    playback: &mut Playback,
) {
    let Some(model) = session.model.clone() else {
        return;
    };
    let Some(scene) = state.scene.as_mut().and_then(Arc::get_mut) else {
        session.start_pending = true;
        return;
    };
    if let Some(mut old) = session.feed.take() {
        let _ = old.stop();
    }
    let mut run = match ControlledRun::start(model.clone()) {
        Ok(r) => r,
        Err(e) => {
            session.say(true, format!("building the live network: {e:#}"));
            return;
        }
    };
    let replay = std::mem::take(&mut session.replay);
    let replaying = !replay.is_empty();
    run.schedule(replay);
    session.feed = Some(LiveFeed::start_controlled(
        scene,
        run,
        session.speed,
        f64::INFINITY,
    ));
    session.log.clear();
    session.rates = model
        .panel
        .rate_inputs
        .iter()
        .map(|r| (r.population.clone(), 1.0))
        .collect();
    session.weights = model
        .panel
        .weight_groups
        .iter()
        .map(|g| (g.name.clone(), 1.0))
        .collect();
    session.follow = true;
    session.paused = false;
    if std::mem::take(&mut session.pause_on_start) {
        session.intervene(Action::Pause);
    }
    if session.stim_selection.is_empty()
        && let Some(p) = model.panel.neuron_populations.first()
    {
        session.stim_selection = format!("population == '{p}' && stride 10");
    }
    session.send(LiveCommand::SetSpeed(session.speed));
    playback.mode = LoopMode::Once;
    playback.range = (0.0, 1.0);
    playback.time_ms = 0.0;
    session.followed_to = 0.0;
    state.restyle = true;
    session.say(
        false,
        if replaying {
            "replaying the interventions live"
        } else {
            "simulating live"
        },
    );
}
