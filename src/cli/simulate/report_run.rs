//! The run itself: V_m reports started, the engine advanced in pieces that bound the memory the
//! reports hold, each piece's frames streamed to the (still temporary) report files, a progress
//! bar, and a stop after the window in which an interrupt came.
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use super::ReportSummary;
use crate::atomic_file::PendingFile;
use crate::sim::reports::{ReportGrid, VmReportSpec};
use crate::sim::{RunEnd, Simulation};
use crate::sonata::{FrameReportWriter, ReportPopulation, ReportTimes};

/// Recorded V_m values held before they go to the report files: 4 M values (32 MB as f64)
/// whatever the network's size.
const REPORT_BUFFER_VALUES: u64 = 4 << 20;

/// A report being recorded: its recordings (one per population) and its file.
struct ActiveReport {
    recordings: Vec<usize>,
    writer: FrameReportWriter,
    summary: ReportSummary,
}

/// What the run needs to know of one report.
pub(super) struct ReportPlan<'a> {
    pub spec: &'a VmReportSpec,
    pub grid: ReportGrid,
    /// its populations with the node ids of the recorded rows
    pub populations: Vec<ReportPopulation>,
}

/// How the run ended: the report files (closed, not yet committed) and their summaries, or the
/// time at which an interrupt stopped it.
pub(super) enum RunOutcome {
    Finished {
        files: Vec<PendingFile>,
        summaries: Vec<ReportSummary>,
    },
    Interrupted {
        at_ms: f64,
    },
}

fn start_report(sim: &mut Simulation, plan: ReportPlan) -> anyhow::Result<ActiveReport> {
    let ReportPlan {
        spec,
        grid,
        populations,
    } = plan;
    let writer = FrameReportWriter::create(
        &spec.file,
        &populations,
        ReportTimes {
            start: grid.first_ms,
            dt: grid.dt_ms,
            frames: grid.frames,
        },
        &spec.variable,
        "mV",
    )
    .with_context(|| format!("report '{}'", spec.name))?;
    let mut recordings = Vec::new();
    for (p, rows) in &spec.populations {
        recordings.push(sim.record_v_m(*p, rows, grid.grid)?);
    }
    Ok(ActiveReport {
        recordings,
        writer,
        summary: ReportSummary {
            name: spec.name.clone(),
            file: spec.file.display().to_string(),
            variable: spec.variable.clone(),
            populations: populations.iter().map(|p| p.name.clone()).collect(),
            neurons: spec.neurons(),
            frames: grid.frames,
            start_ms: grid.first_ms,
            dt_ms: grid.dt_ms,
        },
    })
}

/// Moves the frames recorded so far into the report files (as f32: see `FrameReportWriter`).
fn drain_reports(sim: &mut Simulation, reports: &mut [ActiveReport]) -> anyhow::Result<()> {
    for r in reports {
        for (i, &id) in r.recordings.iter().enumerate() {
            let frames = sim.take_v_m(id)?;
            if frames.values.iter().any(|v| v.is_nan()) {
                anyhow::bail!("report '{}': a neuron was not sampled", r.summary.name);
            }
            let values: Vec<f32> = frames.values.iter().map(|&v| v as f32).collect();
            r.writer
                .append(i, &values)
                .with_context(|| format!("report '{}'", r.summary.name))?;
        }
    }
    Ok(())
}

fn progress_bar(total_steps: u64, hidden: bool) -> ProgressBar {
    let bar = if hidden {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(total_steps)
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// The reports being recorded while a run goes.
pub(super) struct Reports {
    active: Vec<ActiveReport>,
    /// values recorded per step, all reports together
    values_per_step: f64,
}

impl Reports {
    /// Starts recording every report of `plans` (at the simulation's current time, 0 ms).
    pub(super) fn start(sim: &mut Simulation, plans: Vec<ReportPlan>) -> anyhow::Result<Self> {
        let mut active = Vec::with_capacity(plans.len());
        let mut values_per_step = 0.0;
        for plan in plans {
            values_per_step += plan.spec.neurons() as f64 / plan.grid.grid.interval as f64;
            active.push(start_report(sim, plan)?);
        }
        Ok(Self {
            active,
            values_per_step,
        })
    }

    /// Steps the run may go between drains: at most REPORT_BUFFER_VALUES values held, a whole
    /// number of `window_steps`.
    pub(super) fn piece_steps(&self, window_steps: u64, end_step: u64) -> u64 {
        if self.active.is_empty() {
            return end_step.max(1);
        }
        let steps = (REPORT_BUFFER_VALUES as f64 / self.values_per_step.max(1e-9)) as u64;
        (steps / window_steps.max(1)).max(1) * window_steps.max(1)
    }

    /// Moves the frames recorded so far into the report files.
    pub(super) fn drain(&mut self, sim: &mut Simulation) -> anyhow::Result<()> {
        drain_reports(sim, &mut self.active)
    }

    /// Closes the report files (not yet committed) with their summaries.
    pub(super) fn close(self) -> anyhow::Result<(Vec<PendingFile>, Vec<ReportSummary>)> {
        let mut files = Vec::with_capacity(self.active.len());
        let mut summaries = Vec::with_capacity(self.active.len());
        for r in self.active {
            let name = r.summary.name.clone();
            files.push(
                r.writer
                    .close()
                    .with_context(|| format!("report '{name}'"))?,
            );
            summaries.push(r.summary);
        }
        Ok((files, summaries))
    }
}

/// Runs to `tstop` recording the reports. With reports, the run goes in pieces that hold at
/// most REPORT_BUFFER_VALUES values, each a whole number of min-delay windows from 0 so that the
/// windows (and so every sum in the ring buffers) are those of one run to tstop.
pub(super) fn run_with_reports(
    sim: &mut Simulation,
    plans: Vec<ReportPlan>,
    tstop: f64,
    quiet: bool,
    interrupt: &AtomicBool,
) -> anyhow::Result<RunOutcome> {
    let res = sim.resolution();
    let dt = res.dt();
    let end_step = res.ms_to_steps(tstop).max(0) as u64;
    let bar = progress_bar(end_step.max(1), quiet);
    let mut reports = Reports::start(sim, plans)?;
    let piece = reports.piece_steps(sim.stats().min_delay_steps.max(1), end_step);
    let started = Instant::now();
    let mut last = Instant::now();
    let bar2 = bar.clone();
    let mut progress = |t: f64| {
        if last.elapsed().as_millis() >= 100 {
            last = Instant::now();
            let wall = started.elapsed().as_secs_f64().max(1e-9);
            bar2.set_position((t / dt).round() as u64);
            bar2.set_message(format!(
                "{t:.1} / {tstop:.1} ms, {:.3} s simulated per s",
                t / 1000.0 / wall
            ));
        }
    };
    loop {
        let target = (sim.steps() + piece).min(end_step);
        let end =
            sim.run_until_or_cancelled(res.steps_to_ms(target as i64), &mut progress, interrupt)?;
        if end == RunEnd::Cancelled {
            bar.finish_and_clear();
            // the writers are dropped here: their temporary files are removed
            return Ok(RunOutcome::Interrupted {
                at_ms: sim.time_ms(),
            });
        }
        reports.drain(sim)?;
        if sim.steps() >= end_step {
            break;
        }
    }
    bar.finish_and_clear();
    let (files, summaries) = reports.close()?;
    Ok(RunOutcome::Finished { files, summaries })
}
