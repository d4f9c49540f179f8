//! Spike playback: model time, play/pause, speed, loop/once/rock, seeking.
//!
//! Each frame the neurons' last-spike-time buffer changes only where neurons spiked between the
//! previous frame's time and this one (a window of the time-sorted spikes: two binary
//! searches). A seek backwards, or a jump longer than the visible fade, rebuilds the buffer
//! from the spikes of the last 6 fade time constants, so a frame reached by seeking equals the
//! frame reached by playing.

use std::time::Instant;

use bevy::prelude::*;

use crate::view::ViewerState;
use crate::view::render::neurons::{ActivityUpdate, NeuronData, NeuronParams};
use crate::view::scene::Scene;

/// What happens at the end of the time range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoopMode {
    Loop,
    Once,
    Rock,
}

/// The playback state (main world).
#[derive(Resource, Clone, Debug)]
pub struct Playback {
    pub time_ms: f64,
    pub playing: bool,
    /// Model milliseconds per wall-clock second.
    pub speed: f64,
    pub mode: LoopMode,
    /// Time range played.
    pub range: (f64, f64),
    /// +1 forwards, -1 backwards (rock).
    pub direction: f64,
    /// Fade time constant of a flash, ms.
    pub tau_ms: f64,
    /// The time the GPU activity buffer reflects (`None`: nothing applied yet).
    applied: Option<f64>,
    /// The scene generation `applied` refers to.
    applied_generation: u64,
}

impl Default for Playback {
    fn default() -> Self {
        Self {
            time_ms: 0.0,
            playing: false,
            speed: 100.0,
            mode: LoopMode::Loop,
            range: (0.0, 1000.0),
            direction: 1.0,
            tau_ms: 8.0,
            applied: None,
            applied_generation: 0,
        }
    }
}

impl Playback {
    /// The time range of a scene put on screen: the simulation's (`run.tstop`), else its
    /// spikes' (from 0 at most), else a second; the time stays, clamped to it.
    pub fn fit_scene(&mut self, scene: &Scene) {
        self.range = scene
            .tstop()
            .map(|t| (0.0, t))
            .or_else(|| scene.time_range().map(|(a, b)| (a.min(0.0), b)))
            .unwrap_or((0.0, 1000.0));
        self.seek(self.time_ms);
    }

    /// Jumps to `t` (clamped to the range).
    pub fn seek(&mut self, t: f64) {
        self.time_ms = t.clamp(self.range.0, self.range.1);
    }

    /// Advances by `dt` seconds of wall time.
    pub fn advance(&mut self, dt: f64) {
        if !self.playing {
            return;
        }
        let (lo, hi) = self.range;
        let mut t = self.time_ms + self.direction * self.speed * dt;
        match self.mode {
            LoopMode::Loop => {
                if t > hi {
                    t = lo + (t - hi) % (hi - lo).max(1e-9);
                }
            }
            LoopMode::Once => {
                if t >= hi {
                    t = hi;
                    self.playing = false;
                }
            }
            LoopMode::Rock => {
                if t > hi {
                    t = hi - (t - hi);
                    self.direction = -1.0;
                } else if t < lo {
                    t = lo + (lo - t);
                    self.direction = 1.0;
                }
            }
        }
        self.time_ms = t.clamp(lo, hi);
    }
}

/// CPU cost of the last activity update (for the benchmark and the UI).
#[derive(Resource, Clone, Debug, Default)]
pub struct PlaybackStats {
    /// Spikes written this frame.
    pub spikes: usize,
    /// Whether this frame rebuilt the whole buffer (a seek).
    pub reset: bool,
    /// Microseconds spent finding and mapping this frame's spikes.
    pub cpu_us: f64,
}

/// The activity change that takes the buffer from its state at `from` to its state at `to`.
///
/// The state at time t: each neuron's last spike in `[t - 6 tau, t)`, or "never". Playing
/// forward by less than 6 tau only adds the spikes in `[from, to)`; anything else rebuilds.
pub fn activity_between(scene: &Scene, from: Option<f64>, to: f64, tau_ms: f64) -> ActivityUpdate {
    let horizon = 6.0 * tau_ms;
    // The shader cuts the glow at 6 tau in f32; a rebuild looks a little further back, so that
    // a spike right at the cut-off, rounded to f32, is in both states or glows in neither.
    let reach = horizon * 1.01 + 1e-3;
    let (reset, t0) = match from {
        Some(f) if to >= f && to - f <= horizon => (false, f),
        _ => (true, to - reach),
    };
    let mut spikes = Vec::new();
    for s in &scene.spikes {
        let range = s.index.window(t0, to);
        spikes.reserve(range.len());
        for k in range {
            let id = s.index.node_ids[k] as usize;
            if let Some(&inst) = s.instance_of.get(id)
                && inst != u32::MAX
            {
                spikes.push((inst, s.index.times[k] as f32));
            }
        }
    }
    if scene.spikes.len() > 1 {
        spikes.sort_by(|a, b| a.1.total_cmp(&b.1));
    }
    ActivityUpdate { reset, spikes }
}

/// Plays model time and feeds the neurons' activity buffer.
pub struct PlaybackPlugin;

impl Plugin for PlaybackPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<Playback>()
            .init_resource::<PlaybackStats>()
            .add_systems(PostUpdate, (advance_playback, sync_activity).chain());
    }
}

/// Wall-clock driving of playback; off in headless rendering, which sets times itself.
#[derive(Resource, Clone, Copy, Debug)]
pub struct RealTimePlayback(pub bool);

fn advance_playback(
    time: Res<Time>,
    realtime: Option<Res<RealTimePlayback>>,
    mut playback: ResMut<Playback>,
) {
    if realtime.is_some_and(|r| !r.0) {
        return;
    }
    playback.advance(time.delta_secs_f64());
}

fn sync_activity(
    state: Res<ViewerState>,
    mut playback: ResMut<Playback>,
    mut data: ResMut<NeuronData>,
    mut params: ResMut<NeuronParams>,
    mut stats: ResMut<PlaybackStats>,
) {
    let Some(scene) = state.scene.as_deref() else {
        return;
    };
    let t = playback.time_ms;
    let tau = playback.tau_ms;
    if params.tau_ms != tau as f32 {
        params.tau_ms = tau as f32;
    }
    params.time_ms = t as f32;
    let from = if playback.applied_generation == data.generation {
        playback.applied
    } else {
        None
    };
    if from == Some(t) {
        return;
    }
    let start = Instant::now();
    let update = activity_between(scene, from, t, tau);
    *stats = PlaybackStats {
        spikes: update.spikes.len(),
        reset: update.reset,
        cpu_us: start.elapsed().as_secs_f64() * 1e6,
    };
    data.set_activity(update);
    playback.applied = Some(t);
    playback.applied_generation = data.generation;
}
