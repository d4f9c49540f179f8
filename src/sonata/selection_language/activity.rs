//! Activity terms: `rate`, `rate(T0, T1)`, `spiked`, `spiked(T0, T1)`, `silent`. Each is one
//! counting pass over the spikes of the window (two binary searches in the time-sorted index
//! find it), never a scan per neuron.

use std::rc::Rc;

use super::compare::matches_number;
use super::scope::{Counts, Masks, Scope};
use super::syntax::{Literal, Op, Window};
use crate::sonata::error::Result;
use crate::sonata::spikes::SpikeIndex;

/// Index range of the spikes with `start <= t <= end`.
fn closed_window(spikes: &SpikeIndex, w: Window) -> std::ops::Range<usize> {
    let a = spikes.times.partition_point(|&t| t < w.start_ms);
    let b = spikes.times.partition_point(|&t| t <= w.end_ms);
    a..b.max(a)
}

/// Spikes per row of every population in `window` (all loaded spikes when `None`). Spikes of
/// node ids a population does not have are not counted.
fn counts(scope: &Scope, window: Option<Window>, term: &str) -> Result<Rc<Counts>> {
    let spikes = scope.ctx.require_spikes(term)?;
    scope.counts_of(window, || Ok(count(scope, spikes, window)))
}

fn count(scope: &Scope, spikes: &[&SpikeIndex], window: Option<Window>) -> Counts {
    let mut counts: Vec<Vec<u32>> = scope.populations.iter().map(|p| vec![0; p.len()]).collect();
    for s in spikes {
        let Some(p) = scope.population_index(&s.population) else {
            continue;
        };
        let rows = scope.rows(p);
        let range = match window {
            Some(w) => closed_window(s, w),
            None => 0..s.len(),
        };
        let c = &mut counts[p];
        for &id in &s.node_ids[range] {
            if let Some(r) = rows.row(id) {
                c[r] += 1;
            }
        }
    }
    counts
}

/// `rate OP VALUES` (Hz): spikes over the run's duration, or over the window's length.
pub(super) fn rate(
    scope: &Scope,
    window: Option<Window>,
    op: Op,
    values: &[Literal],
) -> Result<Masks> {
    let counts = counts(scope, window, "rate")?;
    let duration_ms = match window {
        Some(w) => w.end_ms - w.start_ms,
        None => scope.ctx.rate_duration_ms()?,
    };
    let seconds = duration_ms / 1000.0;
    Ok(counts
        .iter()
        .map(|c| {
            c.iter()
                .map(|&n| matches_number(n as f64 / seconds, op, values))
                .collect()
        })
        .collect())
}

/// `spiked` / `spiked(T0, T1)`: at least one spike (in the window).
pub(super) fn spiked(scope: &Scope, window: Option<Window>) -> Result<Masks> {
    let counts = counts(scope, window, "spiked")?;
    Ok(counts
        .iter()
        .map(|c| c.iter().map(|&n| n > 0).collect())
        .collect())
}

/// `silent`: no spike at all in the loaded spikes.
pub(super) fn silent(scope: &Scope) -> Result<Masks> {
    let counts = counts(scope, None, "silent")?;
    Ok(counts
        .iter()
        .map(|c| c.iter().map(|&n| n == 0).collect())
        .collect())
}
