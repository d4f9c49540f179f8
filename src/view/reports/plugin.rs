//! `ReportsPlugin`: frame reports (membrane potential, ...) played with the spikes.
//!
//! The reports of the open circuit (its simulation config's `reports`, or report files opened
//! or dropped) are listed; the active one colours the somata of representations that colour
//! by report value. Frames are read off the main thread, a window at a time, into a
//! [`FrameCache`] around the playback time; the picked neuron's trace over the played range is
//! read the same way.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use bevy::prelude::*;
use bevy::tasks::{AsyncComputeTaskPool, Task, block_on, futures_lite::future};

use crate::sonata::FrameReport;

use crate::view::ViewerState;
use crate::view::colors::Colormap;
use crate::view::playback::Playback;
use crate::view::reports::frames::{self, FrameCache, FrameWindow, SomaMap};
use crate::view::scene::{Coloring, Representation, Scene};

/// Memory for cached soma values of the active report.
const CACHE_BYTES: usize = 64 << 20;
/// Points of a trace at most (longer played ranges are thinned when read).
const TRACE_POINTS: usize = 4000;
/// Traces kept pinned at most.
pub const MAX_PINNED: usize = 8;

/// One report population the viewer can play.
#[derive(Clone)]
pub struct ReportEntry {
    pub report: Arc<FrameReport>,
    pub soma: Arc<SomaMap>,
    pub label: String,
}

/// A neuron's values over the played range.
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    pub instance: usize,
    pub label: String,
    /// Time of the first value and between values (ms).
    pub t0: f64,
    pub dt: f64,
    pub values: Vec<f32>,
}

type TraceKey = (usize, usize, u64, u64);
/// What colours are on screen: report, frame, styling generation, range bits.
type ShownKey = (usize, usize, u64, Option<(u64, u64)>);
type RangeTask = Task<anyhow::Result<Option<(f64, f64)>>>;

/// The reports and what is read of them (main world).
#[derive(Resource, Default)]
pub struct Reports {
    pub entries: Vec<ReportEntry>,
    pub active: Option<usize>,
    /// Soma value range of the active report (sampled frames), the default colour range.
    pub data_range: Option<(f64, f64)>,
    /// The last problem reading a report (shown in the reports window).
    pub error: Option<String>,
    /// Trace of the picked neuron, and pinned traces.
    pub trace: Option<Trace>,
    pub pinned: Vec<Trace>,
    pub cache: Option<FrameCache>,
    /// The frame on screen.
    pub frame: Option<usize>,
    scene_key: Option<(usize, usize)>,
    loading: Option<(usize, Range<usize>, Task<anyhow::Result<FrameWindow>>)>,
    range_task: Option<(usize, RangeTask)>,
    trace_task: Option<(TraceKey, Task<anyhow::Result<Trace>>)>,
    trace_key: Option<TraceKey>,
    shown: Option<ShownKey>,
}

impl Reports {
    pub fn active_entry(&self) -> Option<&ReportEntry> {
        self.entries.get(self.active?)
    }

    /// Makes entry `i` the active report: a new cache, its data range read in the background.
    pub fn activate(&mut self, i: usize) {
        let Some(entry) = self.entries.get(i) else {
            return;
        };
        self.active = Some(i);
        self.cache = Some(FrameCache::new(entry.soma.n_nodes(), CACHE_BYTES));
        self.data_range = None;
        self.loading = None;
        self.shown = None;
        self.trace_key = None;
        self.error = None;
        let (report, soma) = (entry.report.clone(), entry.soma.clone());
        let task = AsyncComputeTaskPool::get()
            .spawn(async move { Ok(frames::sampled_range(&report, &soma, 64)?) });
        self.range_task = Some((i, task));
    }
}

/// A representation that colours the active report's population by report value.
pub fn report_representation(entry: &ReportEntry) -> Representation {
    Representation {
        selection: entry
            .soma
            .population
            .as_ref()
            .map(|p| format!("population == {p}"))
            .unwrap_or_default(),
        coloring: Coloring::ByReport {
            colormap: Colormap::Viridis,
            range: None,
        },
        ..Default::default()
    }
}

/// Adds a report file to the open scene (errors go to the menu bar, the scene stays).
pub fn add_report_file(state: &mut ViewerState, path: &Path) {
    let Some(scene) = state.scene.as_mut() else {
        state.error = Some("open a circuit before its reports".into());
        return;
    };
    match crate::sonata::reports::read_reports(path) {
        Ok((reports, warnings)) => {
            for w in warnings {
                warn!("{}: {w}", path.display());
            }
            Arc::make_mut(scene).circuit.reports.extend(reports);
        }
        Err(e) => state.error = Some(format!("{}: {e}", path.display())),
    }
}

/// The systems that list reports, read their frames and colour the somata.
#[derive(SystemSet, Clone, Debug, PartialEq, Eq, Hash)]
pub struct ReportSystems;

/// Reports listed, frames cached and coloured, traces read.
pub struct ReportsPlugin;

impl Plugin for ReportsPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<Reports>().add_systems(
            Update,
            (sync_reports, color_frame, read_trace)
                .chain()
                .in_set(ReportSystems),
        );
    }
}

fn label_of(r: &FrameReport) -> String {
    let file = r
        .file
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut label = file;
    if !r.population.is_empty() {
        label.push_str(&format!(" / {}", r.population));
    }
    if let Some(v) = &r.variable {
        label.push_str(&format!(" ({v})"));
    }
    label
}

/// Lists the scene's reports when the scene or its reports change; on a new scene the first
/// membrane potential report (else the first report) becomes active and colours its somata,
/// unless the representations were asked for ([`ViewerState::keep_representations`]).
fn sync_reports(mut reports: ResMut<Reports>, mut state: ResMut<ViewerState>) {
    let Some(scene) = state.scene.clone() else {
        if reports.scene_key.is_some() {
            *reports = Reports::default();
        }
        return;
    };
    let key = (Arc::as_ptr(&scene) as usize, scene.circuit.reports.len());
    if reports.scene_key == Some(key) {
        return;
    }
    let new_scene = reports.scene_key.map(|k| k.0) != Some(key.0);
    let before = reports.entries.len();
    reports.scene_key = Some(key);
    reports.entries = scene
        .circuit
        .reports
        .iter()
        .map(|r| ReportEntry {
            soma: Arc::new(SomaMap::new(&scene, r)),
            label: label_of(r),
            report: Arc::new(r.clone()),
        })
        .collect();
    let preferred = reports
        .entries
        .iter()
        .position(|e| {
            e.report.variable.as_deref() == Some("v") || e.label.contains("membrane_potential")
        })
        .or((!reports.entries.is_empty()).then_some(0));
    if new_scene {
        reports.pinned.clear();
        reports.trace = None;
        reports.active = None;
    }
    match (reports.active, preferred) {
        (Some(a), _) if a < reports.entries.len() && !new_scene => {}
        (_, Some(p)) => {
            reports.activate(p);
            let colours = state
                .representations
                .iter()
                .any(|r| matches!(r.coloring, Coloring::ByReport { .. }));
            if !colours && !state.keep_representations && (new_scene || before == 0) {
                let rep = report_representation(&reports.entries[p]);
                state.representations.push(rep);
                state.restyle = true;
            }
        }
        _ => reports.active = None,
    }
}

/// Reads frame windows around the playback time and colours the report-coloured somata.
fn color_frame(
    mut reports: ResMut<Reports>,
    mut state: ResMut<ViewerState>,
    playback: Res<Playback>,
) {
    if let Some((i, t)) = reports.range_task.as_mut()
        && let Some(result) = block_on(future::poll_once(t))
    {
        let i = *i;
        reports.range_task = None;
        match result {
            Ok(range) if reports.active == Some(i) => {
                reports.data_range = range;
                reports.shown = None;
            }
            Ok(_) => {}
            Err(e) => reports.error = Some(format!("{e:#}")),
        }
    }
    let Some(active) = reports.active else {
        if !state.value_colors.is_empty() {
            state.value_colors.clear();
            state.redraw = true;
        }
        return;
    };
    let Some(entry) = reports.entries.get(active).cloned() else {
        return;
    };
    if let Some((i, _, t)) = reports.loading.as_mut()
        && let Some(result) = block_on(future::poll_once(t))
    {
        let i = *i;
        reports.loading = None;
        match result {
            Ok(window) if i == active => {
                if let Some(c) = reports.cache.as_mut() {
                    c.insert(window);
                }
            }
            Ok(_) => {}
            Err(e) => reports.error = Some(format!("{e:#}")),
        }
    }
    let report = &entry.report;
    let Some(frame) = report.frame_at(playback.time_ms) else {
        reports.error = Some(format!(
            "{}: no time axis (mapping/time), cannot follow playback",
            entry.label
        ));
        return;
    };
    if reports.loading.is_none()
        && let Some(want) = reports
            .cache
            .as_ref()
            .and_then(|c| c.wanted(frame, report.n_frames, playback.direction >= 0.0))
    {
        let (r, soma, frames) = (entry.report.clone(), entry.soma.clone(), want.clone());
        let task = AsyncComputeTaskPool::get()
            .spawn(async move { Ok(frames::read_window(&r, &soma, frames)?) });
        reports.loading = Some((active, want, task));
    }
    if state.styled.by_report.is_empty() {
        if !state.value_colors.is_empty() {
            state.value_colors.clear();
            state.redraw = true;
        }
        reports.shown = None;
        return;
    }
    let range_key = reports.data_range.map(|(a, b)| (a.to_bits(), b.to_bits()));
    let key = (active, frame, state.styled_generation, range_key);
    if reports.shown == Some(key) {
        return;
    }
    let data_range = reports.data_range;
    let n = state.styled.instances.len();
    let Some(values) = reports.cache.as_ref().and_then(|c| c.get(frame)) else {
        return;
    };
    let by_instance = frames::values_by_instance(&entry.soma, values, n);
    state.value_colors = frames::report_colors(
        &state.styled,
        &state.representations,
        &by_instance,
        data_range,
    );
    let variable = match (&report.variable, &report.units) {
        (Some(v), Some(u)) => format!("{v} ({u})"),
        (Some(v), None) => v.clone(),
        (None, Some(u)) => u.clone(),
        (None, None) => String::new(),
    };
    frames::fill_legend(&mut state.styled.legend, data_range, &variable);
    state.redraw = true;
    reports.frame = Some(frame);
    reports.shown = Some(key);
}

/// Reads the picked neuron's trace over the played range when the pick, the report or the
/// range changes.
fn read_trace(mut reports: ResMut<Reports>, state: Res<ViewerState>, playback: Res<Playback>) {
    if let Some((k, t)) = reports.trace_task.as_mut()
        && let Some(result) = block_on(future::poll_once(t))
    {
        let k = *k;
        reports.trace_task = None;
        match result {
            Ok(trace) if reports.trace_key == Some(k) => reports.trace = Some(trace),
            Ok(_) => {}
            Err(e) => reports.error = Some(format!("{e:#}")),
        }
    }
    let (Some(active), Some(picked)) = (reports.active, state.picked) else {
        reports.trace = None;
        reports.trace_key = None;
        return;
    };
    let key = (
        active,
        picked,
        playback.range.0.to_bits(),
        playback.range.1.to_bits(),
    );
    if reports.trace_key == Some(key) {
        return;
    }
    reports.trace_key = Some(key);
    reports.trace = None;
    let Some(entry) = reports.entries.get(active).cloned() else {
        return;
    };
    let Some(node) = entry.soma.node_of(picked) else {
        return;
    };
    let label = match (state.scene.as_deref(), entry.report.node_ids.get(node)) {
        (Some(scene), Some(id)) => trace_label(scene, picked, *id),
        _ => format!("instance {picked}"),
    };
    let column = entry.soma.columns[node];
    let range = playback.range;
    let task = AsyncComputeTaskPool::get()
        .spawn(async move { read_trace_values(&entry.report, column, range, picked, label) });
    reports.trace_task = Some((key, task));
}

fn trace_label(scene: &Scene, instance: usize, node_id: u64) -> String {
    match scene.locate(instance) {
        Some((sp, _)) => format!("{} {node_id}", sp.name),
        None => format!("node {node_id}"),
    }
}

/// The values of one element column over the frames of `range` (ms), thinned to at most
/// [`TRACE_POINTS`].
pub fn read_trace_values(
    report: &FrameReport,
    column: usize,
    (lo, hi): (f64, f64),
    instance: usize,
    label: String,
) -> anyhow::Result<Trace> {
    let (Some(a), Some(b)) = (report.frame_at(lo), report.frame_at(hi)) else {
        anyhow::bail!(
            "{}: no time axis (mapping/time) for a trace",
            report.file.display()
        );
    };
    let frames = a..b + 1;
    let step = frames.len().div_ceil(TRACE_POINTS).max(1);
    let values = report.read_column(frames, step, column)?;
    let (_, _, dt) = report.time.unwrap_or((0.0, 0.0, 1.0));
    Ok(Trace {
        instance,
        label,
        t0: report.frame_time(a).unwrap_or(lo),
        dt: dt * step as f64,
        values,
    })
}

/// Whether the report colours on screen are those of the playback time (or there are none to
/// show): headless rendering waits for this, as frames are read off the main thread.
pub fn frame_shown(world: &World) -> bool {
    let (Some(reports), Some(state), Some(playback)) = (
        world.get_resource::<Reports>(),
        world.get_resource::<ViewerState>(),
        world.get_resource::<Playback>(),
    ) else {
        return true;
    };
    if state.styled.by_report.is_empty() {
        return true;
    }
    let Some(entry) = reports.active_entry() else {
        return true;
    };
    let Some(frame) = entry.report.frame_at(playback.time_ms) else {
        return true;
    };
    reports.range_task.is_none()
        && !state.redraw
        && reports
            .shown
            .is_some_and(|k| k.1 == frame && k.2 == state.styled_generation)
}
