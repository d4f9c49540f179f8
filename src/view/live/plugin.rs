//! `LivePlugin`: a model simulated live in the window (the built-in column, or any point-neuron
//! SONATA config). The engine runs on its own thread ([`LiveFeed`]); each frame its spikes go
//! into the playback streams, the time cursor follows the simulation (or stays where the user
//! scrubbed it, over what was simulated), and the panel's changes go to the engine as
//! interventions, logged with the model time they were applied at.
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use bevy::prelude::*;

use crate::demo::Demo;
use crate::session::LiveSpec;
use crate::sim::control::LiveModel;
use crate::sim::interventions::{Action, Intervention};
use crate::sim::live::LiveCommand;

use super::start::{
    ModelLoad, handle_start_request, handle_stop_request, poll_model_load, start_run,
};
use crate::view::ViewerState;
use crate::view::live::feed::LiveFeed;
use crate::view::playback::{LoopMode, Playback};

/// Speed caps offered, in model ms per wall second (`None`: as fast as it goes).
pub(super) const SPEEDS: [(Option<f64>, &str); 5] = [
    (Some(250.0), "0.25x"),
    (Some(500.0), "0.5x"),
    (Some(1000.0), "1x real time"),
    (Some(2000.0), "2x"),
    (None, "as fast as possible"),
];

/// Stimuli offered for a selection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StimulusKind {
    /// A step of current for a while.
    CurrentPulse,
    /// A short strong pulse that makes each selected neuron fire once (a synchronous volley).
    SpikeVolley,
}

/// What is run live.
#[derive(Clone, Debug)]
pub enum LiveSource {
    /// The built-in column, exported to `config` (the scene shows that).
    Demo { demo: Arc<Demo>, config: PathBuf },
    /// A SONATA simulation config.
    Config(PathBuf),
}

/// The live run and its controls (main world).
#[derive(Resource)]
pub struct LiveSession {
    pub source: Option<LiveSource>,
    /// The model once built (in the background: `load`).
    pub model: Option<Arc<LiveModel>>,
    pub(super) load: Option<ModelLoad>,
    /// Why the model cannot run live (the circuit is still on screen).
    pub refusal: Option<String>,
    pub feed: Option<LiveFeed>,
    /// Start (or restart) the run once the model is built and the circuit is on screen.
    pub start_pending: bool,
    /// Interventions the next start applies as it reaches their times (a replay).
    pub replay: Vec<Intervention>,
    /// Pause right after the next start (a session saved while paused).
    pub(super) pause_on_start: bool,
    /// The time cursor follows the simulation.
    pub follow: bool,
    pub paused: bool,
    pub speed: Option<f64>,
    /// The window's frame rate at most while the run goes (`None`: no cap).
    pub frame_cap: Option<f64>,
    /// Rate factor per virtual population, weight factor per edge population or E/I class (as
    /// the sliders show them; the engine's are in the log).
    pub rates: BTreeMap<String, f64>,
    pub weights: BTreeMap<String, f64>,
    /// What the engine applied since the run started, with model times.
    pub log: Vec<Intervention>,
    pub stim_selection: String,
    pub stim_kind: StimulusKind,
    pub stim_amp_pa: f64,
    pub stim_ms: f64,
    /// The last message for the user (errors in red).
    pub message: Option<(bool, String)>,
    /// A source stopped by a scene without a live run, and its model: a later start takes it.
    pub(super) parked: Option<(LiveSource, Option<Arc<LiveModel>>)>,
    /// Engine threads.
    pub threads: usize,
    /// The time the cursor was last set to by following (a different one: the user moved it).
    pub(super) followed_to: f64,
    last_restyle: Option<Instant>,
    last_log: Option<Instant>,
    /// window frames since the last log line
    frames: u32,
}

impl Default for LiveSession {
    fn default() -> Self {
        Self {
            source: None,
            model: None,
            load: None,
            refusal: None,
            feed: None,
            start_pending: false,
            replay: Vec::new(),
            pause_on_start: false,
            follow: true,
            paused: false,
            speed: Some(1000.0),
            frame_cap: super::DEFAULT_FRAME_CAP,
            rates: BTreeMap::new(),
            weights: BTreeMap::new(),
            log: Vec::new(),
            stim_selection: String::new(),
            stim_kind: StimulusKind::SpikeVolley,
            stim_amp_pa: 400.0,
            stim_ms: 50.0,
            message: None,
            parked: None,
            threads: 1,
            followed_to: f64::NAN,
            last_restyle: None,
            last_log: None,
            frames: 0,
        }
    }
}

impl LiveSession {
    /// A session that runs `demo` (exported to `config`) once the column is loaded.
    pub fn for_demo(demo: Demo, config: PathBuf) -> Self {
        Self {
            source: Some(LiveSource::Demo {
                demo: Arc::new(demo),
                config,
            }),
            start_pending: true,
            stim_selection: "layer == 'L4'".into(),
            ..default()
        }
    }

    /// A session that runs the simulation `config` live once it is loaded, applying `replay`
    /// as the run reaches each intervention's time.
    pub fn for_config(config: PathBuf, replay: Vec<Intervention>) -> Self {
        Self {
            source: Some(LiveSource::Config(config)),
            start_pending: true,
            replay,
            ..default()
        }
    }

    /// Whether a run feeds the scene now.
    pub fn running(&self) -> bool {
        self.feed.is_some()
    }

    /// The config run live (`None`: the built-in column, or nothing).
    pub fn config(&self) -> Option<&PathBuf> {
        match &self.source {
            Some(LiveSource::Config(p)) => Some(p),
            _ => None,
        }
    }

    pub(super) fn say(&mut self, error: bool, text: impl Into<String>) {
        let text = text.into();
        if error {
            warn!("{text}");
        }
        self.message = Some((error, text));
    }

    pub(super) fn send(&mut self, command: LiveCommand) {
        if let Some(feed) = &self.feed
            && let Err(e) = feed.send(command)
        {
            self.say(true, format!("{e:#}"));
        }
    }

    /// Sends an intervention to the engine (applied at its next chunk boundary, then logged).
    pub fn intervene(&mut self, action: Action) {
        if self.feed.is_none() {
            self.say(true, "start the simulation first");
            return;
        }
        self.send(LiveCommand::Apply(action));
    }

    /// The run's settings as a session keeps them.
    pub fn spec(&self) -> Option<LiveSpec> {
        self.source.as_ref()?;
        Some(LiveSpec {
            config: self.config().map(|p| p.display().to_string()),
            running: self.feed.is_some() && !self.paused,
            speed_cap: self.speed,
            rates: self.rates.clone(),
            weights: self.weights.clone(),
            interventions: self.log.clone(),
        })
    }
}

/// Drives the live run from the window.
pub struct LivePlugin;

impl Plugin for LivePlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<LiveSession>()
            .init_resource::<LiveStartRequest>()
            .init_resource::<LiveStopRequest>()
            .init_resource::<LiveSnapshot>()
            .add_systems(
                Update,
                (
                    handle_stop_request,
                    handle_start_request,
                    poll_model_load,
                    pump_live,
                    keep_snapshot,
                    super::frame_cap::cap_frames_while_live,
                )
                    .chain()
                    .after(crate::view::scene::poll_load),
            );
    }
}

/// A live run asked for from outside the live panel (a session or deck being opened): the live
/// plugin takes it, builds the model it names (`config`, or the built-in column) and starts it
/// with the spec's settings, then clears the request.
#[derive(Resource, Default, Debug)]
pub struct LiveStartRequest(pub Option<crate::session::LiveSpec>);

/// A scene without a live run asked for (a session or deck step without `"live"`): the live
/// plugin stops the run, if any, and the snapshot then says nothing runs live.
#[derive(Resource, Default, Debug)]
pub struct LiveStopRequest(pub bool);

/// The live run's settings as a session keeps them (`None` when nothing runs live); the live
/// plugin keeps it current so that saving a session needs no access to the run.
#[derive(Resource, Default, Debug)]
pub struct LiveSnapshot(pub Option<crate::session::LiveSpec>);

/// What the snapshot was last made from: a new one is made when it changes.
type SnapshotKey = (usize, bool, bool, Option<u64>, Option<PathBuf>, bool);

fn keep_snapshot(
    session: Res<LiveSession>,
    mut snapshot: ResMut<LiveSnapshot>,
    mut last: Local<Option<SnapshotKey>>,
) {
    let key = (
        session.log.len(),
        session.paused,
        session.feed.is_some(),
        session.speed.map(f64::to_bits),
        session.config().cloned(),
        session.source.is_some(),
    );
    if last.as_ref() != Some(&key) {
        snapshot.0 = session.spec();
        *last = Some(key);
    }
}

fn pump_live(
    mut session: ResMut<LiveSession>,
    mut state: ResMut<ViewerState>,
    mut playback: ResMut<Playback>,
) {
    if session.start_pending
        && session.model.is_some()
        && state.scene.is_some()
        && state.loading.is_none()
    {
        session.start_pending = false;
        start_run(&mut session, &mut state, &mut playback);
    }
    let session = &mut *session;
    let Some(feed) = session.feed.as_mut() else {
        return;
    };
    state.live = true;
    // the scene is shared only while a restyle reads it: then the spikes wait a frame
    let Some(scene) = state.scene.as_mut().and_then(Arc::get_mut) else {
        return;
    };
    if let Err(e) = feed.pump(scene) {
        let msg = format!("{e:#}");
        session.feed = None;
        session.say(true, msg);
        return;
    }
    let applied = feed.take_applied();
    let refused = feed.take_refused();
    let until = feed.until_ms();
    let finished = feed.finished();
    for item in &applied {
        match &item.action {
            Action::SetRate { population, factor } => {
                session.rates.insert(population.clone(), *factor);
            }
            Action::ScaleWeights { edges, factor } => {
                session.weights.insert(edges.clone(), *factor);
            }
            Action::Pause => session.paused = true,
            Action::Resume => session.paused = false,
            Action::Reset => {
                playback.time_ms = 0.0;
                session.followed_to = 0.0;
                session.follow = true;
            }
            Action::Stimulate { .. } => {}
        }
    }
    if let Some(last) = applied.last() {
        let text = describe(last);
        session.say(false, text);
    }
    session.log.extend(applied);
    if let Some(why) = refused.last() {
        session.say(true, why.clone());
    }
    if finished {
        let result = session.feed.take().map(|mut f| f.stop());
        match result {
            Some(Err(e)) => session.say(true, format!("the live run stopped: {e:#}")),
            _ => session.say(false, format!("the run ended at {until:.0} ms")),
        }
    }
    session.frames += 1;
    let since_log = session.last_log.map(|t| t.elapsed().as_secs_f64());
    if since_log.is_none_or(|s| s >= 10.0) {
        session.last_log = Some(Instant::now());
        let fps = since_log.map_or(0.0, |s| session.frames as f64 / s);
        session.frames = 0;
        if let Some(f) = &session.feed {
            info!(
                "live: t = {:.0} ms, {:.2}x real time, {} spikes, window {:.1} fps",
                until,
                f.model_ms_per_second() / 1000.0,
                f.spike_count(),
                fps
            );
        }
    }
    playback.range = (0.0, until.max(1.0));
    playback.mode = LoopMode::Once;
    // the user moved the cursor: stop following; pressing play follows again
    if session.follow && playback.time_ms != session.followed_to {
        session.follow = false;
    }
    if playback.playing {
        playback.playing = false;
        session.follow = true;
    }
    if session.follow {
        playback.time_ms = until;
        session.followed_to = until;
    }
    // population rates (the rate plot, colouring by activity) refresh twice a second
    if session
        .last_restyle
        .is_none_or(|t| t.elapsed().as_secs_f64() > 0.5)
    {
        session.last_restyle = Some(Instant::now());
        state.restyle = true;
    }
}

/// One line saying what the engine applied.
fn describe(item: &Intervention) -> String {
    let what = match &item.action {
        Action::ScaleWeights { edges, factor } => format!("weights of {edges} x {factor:.2}"),
        Action::SetRate { population, factor } => format!("rate of {population} x {factor:.2}"),
        Action::Stimulate { select, .. } => format!("stimulated {select}"),
        Action::Pause => "paused".into(),
        Action::Resume => "running".into(),
        Action::Reset => "started again from 0 ms".into(),
    };
    format!("{what} at {:.1} ms", item.t_ms)
}
