//! An intervention log replayed offline: the run advances chunk by chunk as the live run did,
//! applying each intervention at its model time.
use std::sync::Arc;

use super::model::LiveModel;
use super::run::ControlledRun;
use crate::sim::error::SimResult;
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

/// Runs `model` applying `list`: every entry up to the log's last `reset` is applied (the run
/// goes as far as they need), then the run after that reset goes to `tstop_ms`; entries after
/// it that fall beyond `tstop_ms` are left out (and returned).
pub fn replay(
    model: Arc<LiveModel>,
    list: Vec<Intervention>,
    tstop_ms: f64,
) -> SimResult<Replayed> {
    let mut run = ControlledRun::start(model)?;
    run.schedule(list);
    let mut applied = Vec::new();
    loop {
        let reset_ahead = run.scheduled().any(|i| i.action == Action::Reset);
        if run.time_ms() >= tstop_ms && !reset_ahead {
            break;
        }
        // beyond tstop only to reach a reset
        let limit = if reset_ahead { f64::INFINITY } else { tstop_ms };
        run.advance(limit)?;
        applied.extend(run.take_log());
    }
    // what is due exactly at tstop belongs to the next chunk of the live run: left out too
    let left = run.scheduled().cloned().collect();
    Ok(Replayed { run, applied, left })
}
