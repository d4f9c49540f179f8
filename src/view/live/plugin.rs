//! `LivePlugin`: the built-in column simulated live in the window. The engine runs on its own
//! thread ([`LiveFeed`]); each frame its spikes go into the playback streams, the time cursor
//! follows the simulation (or stays where the user scrubbed it, over what was simulated), and
//! the controls change the running network: speed cap, input rates, E/I weight classes, and
//! current pulses or spike volleys into a selection.
use std::sync::Arc;
use std::time::Instant;

use bevy::prelude::*;

use crate::demo::Demo;
use crate::demo::live::CLASS_PROJECTIONS;
use crate::sim::live::LiveCommand;
use crate::sim::{SimOptions, Simulation};

use crate::view::ViewerState;
use crate::view::live::feed::LiveFeed;
use crate::view::playback::{LoopMode, Playback};

/// Model ms each chunk of the engine thread advances (spikes reach the screen per chunk).
const CHUNK_MS: f64 = 2.0;

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

/// A volley: 10 nA for 0.5 ms lifts any demo cell (C_m 250 pF) by 20 mV, past threshold.
const VOLLEY: (f64, f64) = (10_000.0, 0.5);

/// The live run and its controls (main world).
#[derive(Resource)]
pub struct LiveSession {
    pub demo: Option<Arc<Demo>>,
    pub feed: Option<LiveFeed>,
    /// Start (or restart) the run once the column is on screen.
    pub start_pending: bool,
    /// The time cursor follows the simulation.
    pub follow: bool,
    pub paused: bool,
    pub speed: Option<f64>,
    /// Rate factors of the `lgn` and `bkg` inputs.
    pub input_scale: [f64; 2],
    /// Weight factors of E->E, E->I, I->E, I->I.
    pub weight_scale: [f64; 4],
    pub stim_selection: String,
    pub stim_kind: StimulusKind,
    pub stim_amp_pa: f64,
    pub stim_ms: f64,
    /// The last message for the user (errors in red).
    pub message: Option<(bool, String)>,
    /// Engine threads.
    pub threads: usize,
    /// The time the cursor was last set to by following (a different one: the user moved it).
    followed_to: f64,
    last_restyle: Option<Instant>,
    last_log: Option<Instant>,
}

impl Default for LiveSession {
    fn default() -> Self {
        Self {
            demo: None,
            feed: None,
            start_pending: false,
            follow: true,
            paused: false,
            speed: Some(1000.0),
            input_scale: [1.0, 1.0],
            weight_scale: [1.0; 4],
            stim_selection: "layer == 'L4'".into(),
            stim_kind: StimulusKind::SpikeVolley,
            stim_amp_pa: 400.0,
            stim_ms: 50.0,
            message: None,
            threads: 1,
            followed_to: f64::NAN,
            last_restyle: None,
            last_log: None,
        }
    }
}

impl LiveSession {
    /// A session that runs `demo` once its SONATA export is loaded.
    pub fn for_demo(demo: Demo) -> Self {
        Self {
            demo: Some(Arc::new(demo)),
            start_pending: true,
            ..default()
        }
    }

    /// Whether a run feeds the scene now.
    pub fn running(&self) -> bool {
        self.feed.is_some()
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
}

/// Drives the live run from the window.
pub struct LivePlugin;

impl Plugin for LivePlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<LiveSession>()
            .init_resource::<LiveStartRequest>()
            .init_resource::<LiveSnapshot>()
            .add_systems(Update, pump_live.after(crate::view::scene::poll_load));
    }
}

/// A live run asked for from outside the live panel (a session or deck being opened): the live
/// plugin takes it, builds the model it names (`config`, or the built-in column) and starts it
/// with the spec's settings, then clears the request.
#[derive(Resource, Default, Debug)]
pub struct LiveStartRequest(pub Option<crate::session::LiveSpec>);

/// The live run's settings as a session keeps them (`None` when nothing runs live); the live
/// plugin keeps it current so that saving a session needs no access to the run.
#[derive(Resource, Default, Debug)]
pub struct LiveSnapshot(pub Option<crate::session::LiveSpec>);

/// Starts the run: a fresh simulation of the demo's live network, with the sliders' settings.
pub(super) fn start_run(
    session: &mut LiveSession,
    state: &mut ViewerState,
    playback: &mut Playback,
) {
    let Some(demo) = session.demo.clone() else {
        return;
    };
    let Some(scene) = state.scene.as_mut().and_then(Arc::get_mut) else {
        return;
    };
    if let Some(mut old) = session.feed.take() {
        let _ = old.stop();
    }
    let built = demo
        .live_network()
        .map_err(anyhow::Error::from)
        .and_then(|net| {
            Simulation::from_network(
                net,
                &SimOptions {
                    threads: session.threads,
                },
            )
            .map_err(anyhow::Error::from)
        });
    let sim = match built {
        Ok(s) => s,
        Err(e) => {
            session.say(true, format!("building the live network: {e:#}"));
            return;
        }
    };
    let feed = LiveFeed::start(
        scene,
        sim,
        Some(Box::new(demo.feeder())),
        CHUNK_MS,
        session.speed,
        f64::INFINITY,
    );
    session.feed = Some(feed);
    session.follow = true;
    session.paused = false;
    // sliders keep their settings over a reset
    for (i, source) in ["lgn", "bkg"].iter().enumerate() {
        if session.input_scale[i] != 1.0 {
            let factor = session.input_scale[i];
            session.send(LiveCommand::SetSourceRate {
                source: (*source).into(),
                factor,
            });
        }
    }
    for (i, projection) in CLASS_PROJECTIONS.iter().enumerate() {
        if session.weight_scale[i] != 1.0 {
            let factor = session.weight_scale[i].max(WEIGHT_FLOOR);
            session.send(LiveCommand::ScaleProjection {
                projection: (*projection).into(),
                factor,
            });
        }
    }
    playback.mode = LoopMode::Once;
    playback.range = (0.0, 1.0);
    playback.time_ms = 0.0;
    session.followed_to = 0.0;
    state.restyle = true;
    session.say(false, "simulating the column live");
}

/// Weights are scaled relative to their current value, so a slider at 0 keeps a trace.
pub(super) const WEIGHT_FLOOR: f64 = 1e-6;

fn pump_live(
    mut session: ResMut<LiveSession>,
    mut state: ResMut<ViewerState>,
    mut playback: ResMut<Playback>,
    mut frame: Local<u32>,
) {
    // scripted screenshots: `CORTEXVIEW_AUTOSTIM=N` stimulates (the panel's stimulus and
    // selection) at frame N
    *frame += 1;
    if session.feed.is_some()
        && std::env::var("CORTEXVIEW_AUTOSTIM")
            .ok()
            .and_then(|v| v.parse::<u32>().ok())
            == Some(*frame)
    {
        stimulate(&mut session, &state);
    }
    if session.start_pending && state.scene.is_some() && state.loading.is_none() {
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
    let until = feed.until_ms();
    if feed.finished() {
        let result = feed.stop();
        session.feed = None;
        match result {
            Ok(_) => session.say(false, format!("the run ended at {until:.0} ms")),
            Err(e) => session.say(true, format!("the live run stopped: {e:#}")),
        }
    }
    if session
        .last_log
        .is_none_or(|t| t.elapsed().as_secs_f64() >= 10.0)
    {
        session.last_log = Some(Instant::now());
        if let Some(f) = &session.feed {
            info!(
                "live: t = {:.0} ms, {:.2}x real time, {} spikes",
                until,
                f.model_ms_per_second() / 1000.0,
                f.spike_count()
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

/// A pulse or volley into the rows of `v1` that the stimulus selection picks.
pub fn stimulate(session: &mut LiveSession, state: &ViewerState) {
    let Some(scene) = state.scene.as_deref() else {
        return;
    };
    let sites = state.probe_sites.as_deref().map(Vec::as_slice);
    let rows = match scene.select_rows_near(&session.stim_selection, "v1", sites) {
        Ok(r) => r,
        Err(e) => {
            session.say(true, format!("stimulus selection: {e:#}"));
            return;
        }
    };
    stimulate_rows(session, rows);
}

/// A pulse or volley (the session's stimulus) into the `v1` neurons among `instances` (e.g.
/// the neurons the probe hears).
pub fn stimulate_instances(session: &mut LiveSession, state: &ViewerState, instances: &[u32]) {
    let Some(scene) = state.scene.as_deref() else {
        return;
    };
    let rows = instances
        .iter()
        .filter_map(|&i| scene.locate(i as usize))
        .filter(|(p, _)| p.name == "v1")
        .map(|(_, r)| r as u32)
        .collect();
    stimulate_rows(session, rows);
}

fn stimulate_rows(session: &mut LiveSession, rows: Vec<u32>) {
    if rows.is_empty() {
        session.say(true, "the stimulus selection picks no neuron of v1");
        return;
    }
    let (amp, ms) = match session.stim_kind {
        StimulusKind::SpikeVolley => VOLLEY,
        StimulusKind::CurrentPulse => (session.stim_amp_pa, session.stim_ms),
    };
    let n = rows.len();
    let Some(feed) = session.feed.as_mut() else {
        session.say(true, "start the simulation first");
        return;
    };
    let result = feed.pulse(0, rows, amp, ms);
    match result {
        Ok(()) => session.say(false, format!("{amp:.0} pA for {ms} ms into {n} neurons")),
        Err(e) => session.say(true, format!("{e:#}")),
    }
}
