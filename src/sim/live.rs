//! The engine on its own thread, for the viewer's live demo: it advances in short chunks, sends
//! the spikes of each chunk as they come, can be paused, capped to a speed (model ms per wall
//! second) and changed while running. No Bevy: the viewer drains `spikes` each frame.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::engine::{Simulation, Spike};
use super::error::{SimError, SimResult};

/// What the running engine can be told.
#[derive(Clone, Debug, PartialEq)]
pub enum LiveCommand {
    Pause,
    Resume,
    /// Model milliseconds per wall-clock second; `None`: as fast as possible.
    SetSpeed(Option<f64>),
    ScaleProjection {
        projection: String,
        factor: f64,
    },
    SetPoissonRate {
        input: String,
        rate_hz: f64,
    },
    InjectCurrent {
        name: String,
        population: usize,
        rows: Vec<u32>,
        amp_pa: f64,
    },
    /// A current pulse of `duration_ms` from the next step on (a new name each time).
    PulseCurrent {
        name: String,
        population: usize,
        rows: Vec<u32>,
        amp_pa: f64,
        duration_ms: f64,
    },
    /// Scale the rate of a source population fed by the run's [`SourceFeeder`] from now on.
    SetSourceRate {
        source: String,
        factor: f64,
    },
}

/// Makes the spikes of source (virtual) populations while a run goes on, so that a live run
/// needs no trains made in advance for all time, and input rates can change.
pub trait SourceFeeder: Send {
    /// Model time (ms) up to which the simulation holds the sources' spikes.
    fn covered_until(&self) -> f64;
    /// The spikes of `[covered_until, t1)` as (source population, row, time ms); afterwards
    /// `covered_until() == t1`.
    fn feed(&mut self, t1: f64) -> Vec<(usize, u32, f64)>;
    /// Scales the rate of the source population named `source` by `factor` from `t_ms` on
    /// (`covered_until` becomes `t_ms`). Returns its index, whose spikes from `t_ms` on the run
    /// then drops, or `None` for a name it does not feed.
    fn set_rate_scale(&mut self, source: &str, factor: f64, t_ms: f64) -> Option<usize>;
}

/// How far ahead of the simulation a feeder's spikes are made (ms).
const FEED_AHEAD_MS: f64 = 200.0;

/// Spikes recorded in the engine above which a live run drops what it already streamed.
const MAX_RECORDED: usize = 1_000_000;

/// One chunk's spikes, and the model time the simulation reached with them.
struct Chunk {
    until_ms: f64,
    spikes: Vec<Spike>,
}

/// A simulation running on its own thread.
pub struct LiveRun {
    commands: Sender<LiveCommand>,
    /// (in a mutex so that a `LiveRun` can be shared: the viewer keeps it in a resource)
    spikes: Mutex<Receiver<Chunk>>,
    time_bits: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<SimResult<Simulation>>>,
}

impl LiveRun {
    /// Starts `sim` running in chunks of `chunk_ms` until `tstop_ms` (or until stopped), at
    /// `speed` model ms per wall second (`None`: as fast as it goes).
    pub fn start(sim: Simulation, chunk_ms: f64, tstop_ms: f64, speed: Option<f64>) -> Self {
        Self::start_with_feeder(sim, chunk_ms, tstop_ms, speed, None)
    }

    /// As [`Self::start`], with the spikes of source populations made as the run goes by
    /// `feeder` (`tstop_ms` may then be infinite: the run goes on until stopped).
    ///
    /// The engine keeps at most about a million streamed spikes; beyond that what was already
    /// sent is dropped there (the receiver holds it).
    pub fn start_with_feeder(
        mut sim: Simulation,
        chunk_ms: f64,
        tstop_ms: f64,
        speed: Option<f64>,
        mut feeder: Option<Box<dyn SourceFeeder>>,
    ) -> Self {
        let (commands, command_rx) = channel::<LiveCommand>();
        let (spike_tx, spikes) = channel::<Chunk>();
        let time_bits = Arc::new(AtomicU64::new(sim.time_ms().to_bits()));
        let stop = Arc::new(AtomicBool::new(false));
        let (time_out, stop_in) = (time_bits.clone(), stop.clone());
        let handle = std::thread::spawn(move || -> SimResult<Simulation> {
            let mut paused = false;
            let mut speed = speed;
            let chunk = chunk_ms.max(sim.resolution().dt());
            let mut wall_start = Instant::now();
            let mut model_start = sim.time_ms();
            loop {
                // Commands first: while paused, wait for one (or for stop).
                loop {
                    let next = if paused {
                        match command_rx.recv_timeout(Duration::from_millis(20)) {
                            Ok(c) => Some(c),
                            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => None,
                            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return Ok(sim),
                        }
                    } else {
                        match command_rx.try_recv() {
                            Ok(c) => Some(c),
                            Err(TryRecvError::Empty) => None,
                            Err(TryRecvError::Disconnected) => return Ok(sim),
                        }
                    };
                    if stop_in.load(Ordering::Relaxed) {
                        return Ok(sim);
                    }
                    match next {
                        Some(LiveCommand::Pause) => paused = true,
                        Some(LiveCommand::Resume) => {
                            paused = false;
                            wall_start = Instant::now();
                            model_start = sim.time_ms();
                        }
                        Some(LiveCommand::SetSpeed(s)) => {
                            speed = s;
                            wall_start = Instant::now();
                            model_start = sim.time_ms();
                        }
                        Some(LiveCommand::ScaleProjection { projection, factor }) => {
                            sim.scale_projection(&projection, factor)?;
                        }
                        Some(LiveCommand::SetPoissonRate { input, rate_hz }) => {
                            sim.set_poisson_rate(&input, rate_hz)?;
                        }
                        Some(LiveCommand::InjectCurrent {
                            name,
                            population,
                            rows,
                            amp_pa,
                        }) => {
                            sim.inject_current(&name, population, &rows, amp_pa)?;
                        }
                        Some(LiveCommand::PulseCurrent {
                            name,
                            population,
                            rows,
                            amp_pa,
                            duration_ms,
                        }) => {
                            sim.pulse_current(&name, population, &rows, amp_pa, duration_ms)?;
                        }
                        Some(LiveCommand::SetSourceRate { source, factor }) => {
                            let t = sim.time_ms();
                            if let Some(q) = feeder
                                .as_mut()
                                .and_then(|f| f.set_rate_scale(&source, factor, t))
                            {
                                sim.remove_source_spikes_from(q, t)?;
                            }
                        }
                        None if paused => continue,
                        None => break,
                    }
                }
                let now = sim.time_ms();
                if now >= tstop_ms - 1e-9 {
                    return Ok(sim);
                }
                let until = (now + chunk).min(tstop_ms);
                if let Some(f) = feeder.as_mut()
                    && f.covered_until() < until + FEED_AHEAD_MS / 2.0
                {
                    let events = f.feed(until + FEED_AHEAD_MS);
                    sim.add_source_spikes(&events)?;
                }
                sim.run_until(until)?;
                time_out.store(sim.time_ms().to_bits(), Ordering::Relaxed);
                let new = sim.take_new_spikes();
                if sim.spike_count() > MAX_RECORDED {
                    sim.clear_recorded();
                }
                let msg = Chunk {
                    until_ms: sim.time_ms(),
                    spikes: new,
                };
                if spike_tx.send(msg).is_err() {
                    return Ok(sim);
                }
                if let Some(ms_per_s) = speed.filter(|s| *s > 0.0) {
                    let due = Duration::from_secs_f64((sim.time_ms() - model_start) / ms_per_s);
                    if let Some(wait) = due.checked_sub(wall_start.elapsed()) {
                        std::thread::sleep(wait);
                    }
                }
            }
        });
        Self {
            commands,
            spikes: Mutex::new(spikes),
            time_bits,
            stop,
            handle: Some(handle),
        }
    }

    /// Sends a command; an error when the run has ended.
    pub fn send(&self, command: LiveCommand) -> SimResult<()> {
        self.commands
            .send(command)
            .map_err(|_| SimError::Live("the live simulation has ended".into()))
    }

    /// Every spike sent since the last call (never blocks).
    pub fn drain_spikes(&self) -> Vec<Spike> {
        self.drain().1
    }

    /// Every spike sent since the last call, and the model time they are complete up to
    /// (`None` when no chunk arrived): all spikes before that time have been handed over.
    pub fn drain(&self) -> (Option<f64>, Vec<Spike>) {
        let mut until = None;
        let mut spikes = Vec::new();
        let rx = match self.spikes.lock() {
            Ok(rx) => rx,
            Err(poisoned) => poisoned.into_inner(),
        };
        for c in rx.try_iter() {
            until = Some(c.until_ms);
            spikes.extend(c.spikes);
        }
        (until, spikes)
    }

    /// Model time the engine has reached, ms.
    pub fn time_ms(&self) -> f64 {
        f64::from_bits(self.time_bits.load(Ordering::Relaxed))
    }

    /// Whether the run has ended (reached tstop, or failed).
    pub fn finished(&self) -> bool {
        self.handle.as_ref().is_none_or(|h| h.is_finished())
    }

    /// Stops the run and gives the simulation back (with its error, if one stopped it).
    pub fn stop(mut self) -> SimResult<Simulation> {
        self.stop.store(true, Ordering::Relaxed);
        self.join()
    }

    /// Waits for the run to reach its end.
    pub fn wait(mut self) -> SimResult<Simulation> {
        self.join()
    }

    fn join(&mut self) -> SimResult<Simulation> {
        match self.handle.take() {
            Some(h) => h
                .join()
                .map_err(|_| SimError::Live("the simulation thread panicked".into()))?,
            None => Err(SimError::Live(
                "the live simulation was already joined".into(),
            )),
        }
    }
}
