//! Frame reports (membrane potential, calcium, ...) as soma colours, without Bevy.
//!
//! Each node of a report has one soma value per frame: its first element column (the soma of
//! a compartment report, the only one of a soma report). Frames are read from disk in
//! windows aligned to `window_len` and only their soma columns are kept; a [`FrameCache`]
//! holds a few windows around the playback time, so a report larger than memory plays.

use std::collections::HashMap;
use std::ops::Range;

use crate::sonata::FrameReport;
use crate::sonata::error::Result;

use crate::view::colors::MISSING;
use crate::view::legend::{LegendEntry, REPORT_LEGEND_LABEL};
use crate::view::scene::{Coloring, Representation, Scene, Styled};

/// Where each node of a report is drawn and which element column is its soma.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SomaMap {
    /// Per report node (in the report's node order): its instance, `u32::MAX` when not drawn.
    pub instances: Vec<u32>,
    /// Per report node: its first element column (the soma).
    pub columns: Vec<usize>,
    /// The scene population the report belongs to.
    pub population: Option<String>,
    node_of_instance: HashMap<u32, usize>,
}

impl SomaMap {
    /// Maps a report onto the scene: its population by name, or for BMTK's old layout (no
    /// population in the file) the first drawn non-virtual population.
    pub fn new(scene: &Scene, report: &FrameReport) -> Self {
        let population = if report.population.is_empty() {
            scene
                .populations
                .iter()
                .find(|p| !p.is_virtual && p.len > 0)
                .map(|p| p.name.clone())
        } else {
            scene
                .populations
                .iter()
                .find(|p| p.name == report.population)
                .map(|p| p.name.clone())
        };
        let lookup = population
            .as_deref()
            .and_then(|p| scene.instance_lookup(p))
            .unwrap_or_default();
        let instances: Vec<u32> = report
            .node_ids
            .iter()
            .map(|&id| lookup.get(id as usize).copied().unwrap_or(u32::MAX))
            .collect();
        let columns = (0..report.n_nodes())
            .map(|i| report.index_pointers.get(i).copied().unwrap_or(0) as usize)
            .collect();
        let node_of_instance = instances
            .iter()
            .enumerate()
            .filter(|(_, i)| **i != u32::MAX)
            .map(|(k, &i)| (i, k))
            .collect();
        Self {
            instances,
            columns,
            population,
            node_of_instance,
        }
    }

    /// The report node (index in the report's node order) drawn as `instance`.
    pub fn node_of(&self, instance: usize) -> Option<usize> {
        self.node_of_instance.get(&(instance as u32)).copied()
    }

    pub fn n_nodes(&self) -> usize {
        self.columns.len()
    }
}

/// Soma values of consecutive frames: `values[f * n_nodes + k]` is node `k` at frame
/// `frames.start + f`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FrameWindow {
    pub frames: Range<usize>,
    pub n_nodes: usize,
    pub values: Vec<f32>,
}

impl FrameWindow {
    /// Soma values of every report node at `frame`, if this window holds it.
    pub fn frame(&self, frame: usize) -> Option<&[f32]> {
        if !self.frames.contains(&frame) {
            return None;
        }
        let a = (frame - self.frames.start) * self.n_nodes;
        self.values.get(a..a + self.n_nodes)
    }
}

/// Bytes of full frames read at once (a compartment report's frame holds every element).
const READ_CHUNK_BYTES: usize = 32 << 20;

/// Reads the soma values of `frames` from disk, in chunks of whole frames of at most
/// [`READ_CHUNK_BYTES`].
pub fn read_window(
    report: &FrameReport,
    soma: &SomaMap,
    frames: Range<usize>,
) -> Result<FrameWindow> {
    let end = frames.end.min(report.n_frames);
    let start = frames.start.min(end);
    let n_nodes = soma.n_nodes();
    let row_bytes = 4 * report.n_elements().max(1);
    let chunk = (READ_CHUNK_BYTES / row_bytes).max(1);
    let mut values = Vec::with_capacity((end - start) * n_nodes);
    let mut a = start;
    while a < end {
        let b = (a + chunk).min(end);
        for row in report.read_frames(a..b)? {
            values.extend(
                soma.columns
                    .iter()
                    .map(|&c| row.get(c).copied().unwrap_or(f32::NAN)),
            );
        }
        a = b;
    }
    Ok(FrameWindow {
        frames: start..end,
        n_nodes,
        values,
    })
}

/// The colour range of a report's soma values, from `samples` frames spread over the report
/// (the first, the last and evenly between): the 1st to 99th percentile, so that brief spikes
/// do not squeeze the subthreshold potential into one colour. `None` when no value is finite.
pub fn sampled_range(
    report: &FrameReport,
    soma: &SomaMap,
    samples: usize,
) -> Result<Option<(f64, f64)>> {
    let n = report.n_frames;
    if n == 0 {
        return Ok(None);
    }
    let samples = samples.clamp(2, n.max(2));
    let mut frames: Vec<usize> = (0..samples)
        .map(|k| ((n - 1) as f64 * k as f64 / (samples - 1) as f64).round() as usize)
        .collect();
    frames.dedup();
    let mut values = Vec::new();
    for f in frames {
        values.extend(
            read_window(report, soma, f..f + 1)?
                .values
                .into_iter()
                .filter(|v| v.is_finite()),
        );
    }
    Ok(percentile_range(&mut values, 0.01))
}

/// The `q` and `1 - q` quantiles of `values` (sorted in place); a flat range is widened by 1.
pub fn percentile_range(values: &mut [f32], q: f64) -> Option<(f64, f64)> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f32::total_cmp);
    let at = |p: f64| values[((values.len() - 1) as f64 * p).round() as usize] as f64;
    let (lo, hi) = (at(q), at(1.0 - q));
    Some((lo, if hi > lo { hi } else { lo + 1.0 }))
}

/// A few frame windows around the playback time. Windows are aligned to `window_len` frames;
/// when a new one comes in (the playback time's, or the next one ahead), the one farthest from
/// it goes.
#[derive(Clone, Debug)]
pub struct FrameCache {
    pub window_len: usize,
    pub capacity: usize,
    windows: Vec<FrameWindow>,
}

impl FrameCache {
    /// A cache of about `budget_bytes` of soma values for `n_nodes` nodes (3 windows).
    pub fn new(n_nodes: usize, budget_bytes: usize) -> Self {
        let capacity = 3;
        let window_len = (budget_bytes / capacity / (4 * n_nodes.max(1))).clamp(4, 4096);
        Self {
            window_len,
            capacity,
            windows: Vec::new(),
        }
    }

    /// The aligned window that holds `frame`.
    pub fn window_of(&self, frame: usize, n_frames: usize) -> Range<usize> {
        let a = frame / self.window_len * self.window_len;
        a.min(n_frames)..(a + self.window_len).min(n_frames)
    }

    /// Soma values at `frame`, if cached.
    pub fn get(&self, frame: usize) -> Option<&[f32]> {
        self.windows.iter().find_map(|w| w.frame(frame))
    }

    pub fn contains(&self, frame: usize) -> bool {
        self.windows.iter().any(|w| w.frames.contains(&frame))
    }

    /// The window to read next: the one holding `frame` when missing, else the next one in
    /// the playing direction (`forward`) once `frame` is past the middle of its window.
    pub fn wanted(&self, frame: usize, n_frames: usize, forward: bool) -> Option<Range<usize>> {
        if n_frames == 0 {
            return None;
        }
        let frame = frame.min(n_frames - 1);
        let here = self.window_of(frame, n_frames);
        if !self.contains(frame) {
            return Some(here);
        }
        let mid = here.start + self.window_len / 2;
        let next = if forward && frame >= mid && here.end < n_frames {
            Some(self.window_of(here.end, n_frames))
        } else if !forward && frame < mid && here.start > 0 {
            Some(self.window_of(here.start - 1, n_frames))
        } else {
            None
        };
        next.filter(|w| !w.is_empty() && !self.contains(w.start))
    }

    /// Adds a window read from disk, dropping the ones farthest from it when over capacity
    /// (never the new one).
    pub fn insert(&mut self, window: FrameWindow) {
        self.windows.retain(|w| w.frames != window.frames);
        let here = window.frames.start;
        self.windows.push(window);
        while self.windows.len() > self.capacity {
            let newest = self.windows.len() - 1;
            let far = self.windows[..newest]
                .iter()
                .enumerate()
                .max_by_key(|(_, w)| w.frames.start.abs_diff(here))
                .map(|(i, _)| i);
            match far {
                Some(i) => {
                    self.windows.remove(i);
                }
                None => break,
            }
        }
    }

    /// Frames held, in memory order (for tests and the status line).
    pub fn held(&self) -> Vec<Range<usize>> {
        self.windows.iter().map(|w| w.frames.clone()).collect()
    }

    pub fn clear(&mut self) {
        self.windows.clear();
    }
}

/// Fills the bounds a report-value legend entry left open with the report's data range (and
/// names the variable); returns whether anything changed.
pub fn fill_legend(
    legend: &mut [LegendEntry],
    data_range: Option<(f64, f64)>,
    variable: &str,
) -> bool {
    let mut changed = false;
    for entry in legend {
        if let LegendEntry::Ramp {
            label, min, max, ..
        } = entry
            && label.as_str() == REPORT_LEGEND_LABEL
        {
            if min.is_nan()
                && let Some((lo, hi)) = data_range
            {
                (*min, *max) = (lo, hi);
                changed = true;
            }
            if !variable.is_empty() {
                *label = format!("{REPORT_LEGEND_LABEL}: {variable}");
                changed = true;
            }
        }
    }
    changed
}

/// The report value of each instance at one frame (`NaN` where the report has none).
pub fn values_by_instance(soma: &SomaMap, frame: &[f32], n_instances: usize) -> Vec<f32> {
    let mut out = vec![f32::NAN; n_instances];
    for (&inst, &v) in soma.instances.iter().zip(frame) {
        if let Some(slot) = out.get_mut(inst as usize) {
            *slot = v;
        }
    }
    out
}

/// Colours of the instances that representations colour by report value: each through its
/// representation's colormap and range (`data_range` when the representation has none);
/// grey where the report has no value for the instance.
pub fn report_colors(
    styled: &Styled,
    reps: &[Representation],
    values: &[f32],
    data_range: Option<(f64, f64)>,
) -> Vec<(u32, [f32; 3])> {
    styled
        .by_report
        .iter()
        .map(|&(inst, r)| {
            let v = values.get(inst as usize).copied().unwrap_or(f32::NAN);
            let color = match reps.get(r).map(|rep| &rep.coloring) {
                Some(Coloring::ByReport { colormap, range }) if v.is_finite() => {
                    match range.or(data_range) {
                        Some(range) => colormap.of(v as f64, range),
                        None => MISSING,
                    }
                }
                _ => MISSING,
            };
            (inst, color)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::colors::{Colormap, viridis};

    fn window(frames: Range<usize>, n_nodes: usize) -> FrameWindow {
        let values = frames
            .clone()
            .flat_map(|f| (0..n_nodes).map(move |k| (f * 10 + k) as f32))
            .collect();
        FrameWindow {
            frames,
            n_nodes,
            values,
        }
    }

    #[test]
    fn windows_hold_their_frames_only() {
        let w = window(10..20, 3);
        assert_eq!(w.frame(9), None);
        assert_eq!(w.frame(10), Some(&[100.0, 101.0, 102.0][..]));
        assert_eq!(w.frame(19), Some(&[190.0, 191.0, 192.0][..]));
        assert_eq!(w.frame(20), None);
    }

    #[test]
    fn cache_reads_the_current_window_then_prefetches_ahead() {
        let mut c = FrameCache::new(1, 4 * 3 * 100);
        assert_eq!(c.window_len, 100);
        let n = 1000;
        assert_eq!(c.wanted(250, n, true), Some(200..300));
        c.insert(window(200..300, 1));
        // Before the middle of the window: nothing to read.
        assert_eq!(c.wanted(240, n, true), None);
        // Past it: the next window, or the previous one when playing backwards.
        assert_eq!(c.wanted(260, n, true), Some(300..400));
        assert_eq!(c.wanted(240, n, false), Some(100..200));
        // The last window is short; nothing beyond it.
        assert_eq!(c.window_of(999, n), 900..1000);
        c.insert(window(900..1000, 1));
        assert_eq!(c.wanted(990, n, true), None);
        assert_eq!(c.get(250), Some(&[2500.0][..]));
    }

    #[test]
    fn cache_drops_the_window_farthest_from_the_new_one() {
        let mut c = FrameCache::new(1, 4 * 3 * 10);
        for a in [0, 10, 20] {
            c.insert(window(a..a + 10, 1));
        }
        c.insert(window(30..40, 1));
        assert_eq!(c.held(), vec![10..20, 20..30, 30..40]);
        assert!(c.get(5).is_none());
        // A seek far away: its window stays, the farthest old one goes.
        c.insert(window(500..510, 1));
        assert_eq!(c.held(), vec![20..30, 30..40, 500..510]);
        assert!(c.get(505).is_some());
    }

    #[test]
    fn colour_range_leaves_out_brief_extremes() {
        let mut v: Vec<f32> = (0..1000).map(|i| -70.0 + (i % 10) as f32).collect();
        v[3] = 30.0;
        v[500] = -120.0;
        assert_eq!(percentile_range(&mut v, 0.01), Some((-70.0, -61.0)));
        assert_eq!(percentile_range(&mut [5.0], 0.01), Some((5.0, 6.0)));
        assert_eq!(percentile_range(&mut [], 0.01), None);
    }

    #[test]
    fn legend_gets_the_data_range_and_variable() {
        let mut legend = vec![
            LegendEntry::Ramp {
                label: REPORT_LEGEND_LABEL.into(),
                min: f64::NAN,
                max: f64::NAN,
                colormap: Colormap::Coolwarm,
            },
            LegendEntry::Ramp {
                label: "layer".into(),
                min: f64::NAN,
                max: f64::NAN,
                colormap: Colormap::Coolwarm,
            },
        ];
        assert!(fill_legend(&mut legend, Some((-80.0, -50.0)), "v (mV)"));
        assert_eq!(
            legend[0],
            LegendEntry::Ramp {
                label: "report value: v (mV)".into(),
                min: -80.0,
                max: -50.0,
                colormap: Colormap::Coolwarm,
            }
        );
        assert!(matches!(&legend[1], LegendEntry::Ramp { min, .. } if min.is_nan()));
        assert!(!fill_legend(&mut legend, Some((0.0, 1.0)), "v (mV)"));
    }

    #[test]
    fn report_colours_follow_each_representation() {
        let styled = Styled {
            by_report: vec![(0, 0), (1, 0), (3, 1)],
            ..Default::default()
        };
        let reps = vec![
            Representation {
                coloring: Coloring::ByReport {
                    colormap: Colormap::Viridis,
                    range: None,
                },
                ..Default::default()
            },
            Representation {
                coloring: Coloring::ByReport {
                    colormap: Colormap::Grays,
                    range: Some((0.0, 1.0)),
                },
                ..Default::default()
            },
        ];
        let values = [-70.0, f32::NAN, 0.0, 2.0];
        let colors = report_colors(&styled, &reps, &values, Some((-80.0, -60.0)));
        assert_eq!(
            colors,
            vec![
                (0, viridis(0.5)),
                (1, MISSING),
                (3, Colormap::Grays.map(1.0)),
            ]
        );
    }
}
