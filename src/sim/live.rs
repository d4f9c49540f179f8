//! The engine on its own thread, for the viewer's live demo: it advances in short chunks, sends
//! the spikes of each chunk as they come, can be paused, capped to a speed (model ms per wall
//! second) and changed while running. No Bevy: the viewer drains `spikes` each frame.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
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
}

/// A simulation running on its own thread.
pub struct LiveRun {
    commands: Sender<LiveCommand>,
    spikes: Receiver<Vec<Spike>>,
    time_bits: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<SimResult<Simulation>>>,
}

impl LiveRun {
    /// Starts `sim` running in chunks of `chunk_ms` until `tstop_ms` (or until stopped), at
    /// `speed` model ms per wall second (`None`: as fast as it goes).
    pub fn start(mut sim: Simulation, chunk_ms: f64, tstop_ms: f64, speed: Option<f64>) -> Self {
        let (commands, command_rx) = channel::<LiveCommand>();
        let (spike_tx, spikes) = channel::<Vec<Spike>>();
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
                        None if paused => continue,
                        None => break,
                    }
                }
                let now = sim.time_ms();
                if now >= tstop_ms - 1e-9 {
                    return Ok(sim);
                }
                sim.run_until((now + chunk).min(tstop_ms))?;
                time_out.store(sim.time_ms().to_bits(), Ordering::Relaxed);
                let new = sim.take_new_spikes();
                if !new.is_empty() && spike_tx.send(new).is_err() {
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
            spikes,
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
        self.spikes.try_iter().flatten().collect()
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
