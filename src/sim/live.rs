//! The engine on its own thread, for the viewer's live runs: a [`ControlledRun`] advanced chunk
//! by chunk, the spikes of each chunk sent as they come (with the interventions applied before
//! it and the model time it reached); it can be paused, capped to a speed (model ms per wall
//! second) and changed while running. No Bevy: the viewer drains `spikes` each frame.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::control::ControlledRun;
pub use super::control::feeder::SourceFeeder;
use super::engine::{Simulation, Spike};
use super::error::{SimError, SimResult};
use super::interventions::{Action, Intervention};

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
    /// An intervention, applied at the next chunk boundary and logged with that model time
    /// (pause and resume are logged and also pause or resume the thread).
    Apply(Action),
}

/// Spikes recorded in the engine above which a live run drops what it already streamed.
const MAX_RECORDED: usize = 1_000_000;

/// One chunk's spikes, and the model time the simulation reached with them.
struct Chunk {
    until_ms: f64,
    spikes: Vec<Spike>,
    /// interventions applied before the chunk ran (with their model times)
    applied: Vec<Intervention>,
    /// interventions refused (why), the run going on without them
    refused: Vec<String>,
    /// resets so far: the spikes are of the run after the last one
    generation: u64,
}

/// What the thread sent since the last drain.
#[derive(Debug, Default)]
pub struct Drained {
    /// model time all spikes before which have been handed over (`None`: no chunk arrived)
    pub until_ms: Option<f64>,
    pub spikes: Vec<Spike>,
    pub applied: Vec<Intervention>,
    pub refused: Vec<String>,
    /// set when a reset happened: the spikes are of the new start only (earlier spikes of the
    /// drain were dropped)
    pub reset_to: Option<u64>,
}

/// A simulation running on its own thread.
pub struct LiveRun {
    commands: Sender<LiveCommand>,
    /// (in a mutex so that a `LiveRun` can be shared: the viewer keeps it in a resource)
    spikes: Mutex<Receiver<Chunk>>,
    time_bits: Arc<AtomicU64>,
    /// the resets seen in the chunks drained so far
    generation: AtomicU64,
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
        sim: Simulation,
        chunk_ms: f64,
        tstop_ms: f64,
        speed: Option<f64>,
        feeder: Option<Box<dyn SourceFeeder>>,
    ) -> Self {
        Self::start_controlled(
            ControlledRun::from_parts(sim, feeder, chunk_ms),
            tstop_ms,
            speed,
        )
    }

    /// Runs `run` on its own thread until `tstop_ms` (or until stopped) at `speed` model ms per
    /// wall second (`None`: as fast as it goes); its scheduled interventions are applied as the
    /// run reaches them, those sent are applied at the next chunk boundary.
    pub fn start_controlled(run: ControlledRun, tstop_ms: f64, speed: Option<f64>) -> Self {
        let (commands, command_rx) = channel::<LiveCommand>();
        let (spike_tx, spikes) = channel::<Chunk>();
        let time_bits = Arc::new(AtomicU64::new(run.time_ms().to_bits()));
        let generation = AtomicU64::new(run.generation());
        let stop = Arc::new(AtomicBool::new(false));
        let (time_out, stop_in) = (time_bits.clone(), stop.clone());
        let handle = std::thread::spawn(move || {
            run_thread(
                run, tstop_ms, speed, command_rx, spike_tx, time_out, stop_in,
            )
        });
        Self {
            commands,
            spikes: Mutex::new(spikes),
            time_bits,
            generation,
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
        let d = self.drain_all();
        (d.until_ms, d.spikes)
    }

    /// Everything the thread sent since the last call (never blocks).
    pub fn drain_all(&self) -> Drained {
        let mut out = Drained::default();
        let rx = match self.spikes.lock() {
            Ok(rx) => rx,
            Err(poisoned) => poisoned.into_inner(),
        };
        for c in rx.try_iter() {
            if self.generation.swap(c.generation, Ordering::Relaxed) != c.generation {
                out.spikes.clear();
                out.reset_to = Some(c.generation);
            }
            out.until_ms = Some(c.until_ms);
            out.spikes.extend(c.spikes);
            out.applied.extend(c.applied);
            out.refused.extend(c.refused);
        }
        out
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

/// Applies one command to the run (what the thread does itself, pausing and pacing, is done by
/// the caller).
fn handle(
    run: &mut ControlledRun,
    command: LiveCommand,
    refused: &mut Vec<String>,
) -> SimResult<()> {
    match command {
        LiveCommand::Pause | LiveCommand::Resume | LiveCommand::SetSpeed(_) => {}
        LiveCommand::ScaleProjection { projection, factor } => {
            run.sim_mut().scale_projection(&projection, factor)?;
        }
        LiveCommand::SetPoissonRate { input, rate_hz } => {
            run.sim_mut().set_poisson_rate(&input, rate_hz)?;
        }
        LiveCommand::InjectCurrent {
            name,
            population,
            rows,
            amp_pa,
        } => {
            run.sim_mut()
                .inject_current(&name, population, &rows, amp_pa)?;
        }
        LiveCommand::PulseCurrent {
            name,
            population,
            rows,
            amp_pa,
            duration_ms,
        } => {
            run.sim_mut()
                .pulse_current(&name, population, &rows, amp_pa, duration_ms)?;
        }
        LiveCommand::SetSourceRate { source, factor } => {
            let t = run.time_ms();
            let q = run
                .feeder_mut()
                .and_then(|f| f.set_rate_scale(&source, factor, t));
            if let Some(q) = q {
                run.sim_mut().remove_source_spikes_from(q, t)?;
            }
        }
        LiveCommand::Apply(action) => {
            // a refused intervention (a selection that picks nobody) leaves the run going
            if let Err(e) = run.apply(action) {
                refused.push(e.to_string());
            }
        }
    }
    Ok(())
}

/// The thread: commands between chunks (waiting for them while paused), a chunk, its spikes
/// sent, the speed cap kept.
fn run_thread(
    mut run: ControlledRun,
    tstop_ms: f64,
    mut speed: Option<f64>,
    command_rx: Receiver<LiveCommand>,
    spike_tx: Sender<Chunk>,
    time_out: Arc<AtomicU64>,
    stop_in: Arc<AtomicBool>,
) -> SimResult<Simulation> {
    let mut paused = false;
    let mut wall_start = Instant::now();
    let mut model_start = run.time_ms();
    let mut refused = Vec::new();
    loop {
        // Commands first: while paused, wait for one (or for stop).
        loop {
            let next = if paused {
                match command_rx.recv_timeout(Duration::from_millis(20)) {
                    Ok(c) => Some(c),
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => None,
                    Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                        return Ok(run.into_sim());
                    }
                }
            } else {
                match command_rx.try_recv() {
                    Ok(c) => Some(c),
                    Err(TryRecvError::Empty) => None,
                    Err(TryRecvError::Disconnected) => return Ok(run.into_sim()),
                }
            };
            if stop_in.load(Ordering::Relaxed) {
                return Ok(run.into_sim());
            }
            let Some(command) = next else {
                if paused {
                    continue;
                }
                break;
            };
            match &command {
                LiveCommand::Pause | LiveCommand::Apply(Action::Pause) => paused = true,
                LiveCommand::Resume | LiveCommand::Apply(Action::Resume) => {
                    paused = false;
                    wall_start = Instant::now();
                    model_start = run.time_ms();
                }
                LiveCommand::SetSpeed(s) => {
                    speed = *s;
                    wall_start = Instant::now();
                    model_start = run.time_ms();
                }
                LiveCommand::Apply(Action::Reset) => {
                    wall_start = Instant::now();
                    model_start = 0.0;
                }
                _ => {}
            }
            handle(&mut run, command, &mut refused)?;
        }
        // a scheduled reset starts the clock again too
        let generation = run.generation();
        run.apply_due()?;
        if run.generation() != generation {
            wall_start = Instant::now();
            model_start = 0.0;
        }
        let now = run.time_ms();
        if now >= tstop_ms - 1e-9 {
            return Ok(run.into_sim());
        }
        run.advance(tstop_ms)?;
        time_out.store(run.time_ms().to_bits(), Ordering::Relaxed);
        let new = run.sim_mut().take_new_spikes();
        if run.sim().spike_count() > MAX_RECORDED {
            run.sim_mut().clear_recorded();
        }
        let msg = Chunk {
            until_ms: run.time_ms(),
            spikes: new,
            applied: run.take_log(),
            refused: std::mem::take(&mut refused),
            generation: run.generation(),
        };
        if spike_tx.send(msg).is_err() {
            return Ok(run.into_sim());
        }
        if let Some(ms_per_s) = speed.filter(|s| *s > 0.0) {
            let due = Duration::from_secs_f64((run.time_ms() - model_start) / ms_per_s);
            if let Some(wait) = due.checked_sub(wall_start.elapsed()) {
                std::thread::sleep(wait);
            }
        }
    }
}
