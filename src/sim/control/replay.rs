//! An intervention log replayed offline: the run advances chunk by chunk as the live run did,
//! applying each intervention at its model time.
use std::sync::Arc;

use super::model::LiveModel;
use super::run::ControlledRun;
use crate::sim::Simulation;
use crate::sim::error::{SimError, SimResult};
use crate::sim::interventions::{Action, Intervention};

/// What a replay did.
pub struct Replayed {
    /// The run after its last reset, at `tstop_ms`.
    pub run: ControlledRun,
    /// What was applied, with the model times it was applied at.
    pub applied: Vec<Intervention>,
    /// Entries left for after `tstop_ms` (not applied).
    pub left: Vec<Intervention>,
}

/// Where a replay is, for whoever watches the run that is kept (the one after the log's last
/// reset: its spikes are the replay's, e.g. to record its V_m).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplayStage {
    /// The kept run is at 0 ms (what is due at 0 ms applied), about to advance.
    Started,
    /// The kept run advanced one chunk.
    Advanced,
}

/// Runs `model` applying `list`: every entry up to the log's last `reset` is applied (the run
/// goes as far as they need), then the run after that reset goes to `tstop_ms`; entries after
/// it that fall beyond `tstop_ms` are left out (and returned).
pub fn replay(
    model: Arc<LiveModel>,
    list: Vec<Intervention>,
    tstop_ms: f64,
) -> SimResult<Replayed> {
    replay_watched(model, list, tstop_ms, |_, _| Ok::<(), SimError>(()))
}

/// [`replay`], calling `watch` when the kept run starts and after each of its chunks.
pub fn replay_watched<E: From<SimError>>(
    model: Arc<LiveModel>,
    list: Vec<Intervention>,
    tstop_ms: f64,
    mut watch: impl FnMut(ReplayStage, &mut Simulation) -> Result<(), E>,
) -> Result<Replayed, E> {
    let mut run = ControlledRun::start(model)?;
    run.schedule(list);
    let mut applied = Vec::new();
    let mut watching = false;
    loop {
        let reset_ahead = run.scheduled().any(|i| i.action == Action::Reset);
        if run.time_ms() >= tstop_ms && !reset_ahead {
            break;
        }
        // what is due now first: a reset among it starts the kept run
        run.apply_due()?;
        applied.extend(run.take_log());
        if !watching && !run.scheduled().any(|i| i.action == Action::Reset) {
            watching = true;
            watch(ReplayStage::Started, run.sim_mut())?;
        }
        // beyond tstop only to reach a reset
        let limit = if watching { tstop_ms } else { f64::INFINITY };
        run.advance(limit)?;
        applied.extend(run.take_log());
        if watching {
            watch(ReplayStage::Advanced, run.sim_mut())?;
        }
    }
    if !watching {
        watch(ReplayStage::Started, run.sim_mut())?;
    }
    // what is due exactly at tstop belongs to the next chunk of the live run: left out too
    let left = run.scheduled().cloned().collect();
    Ok(Replayed { run, applied, left })
}
