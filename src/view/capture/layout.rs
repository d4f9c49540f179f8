//! Movie frame layouts: the 3D view and plot panels placed on a grid (no Bevy).
//!
//! A layout is a name or a grid description, as sessions spell it in `"layout"`:
//!
//! | name | panels |
//! |---|---|
//! | `"3d"` | the 3D view alone |
//! | `"3d+raster"` | 3D left (60 %), spike raster right |
//! | `"3d+rates"` | 3D left, population rates right |
//! | `"3d+raster+rates"` | 3D left; raster over rates right (70/30) |
//! | `"3d+raster+probe"` | 3D left; raster over the probe's channels by depth right (60/40) |
//!
//! A grid: `{"grid": {"columns": [0.7, 0.3], "rows": [0.6, 0.4], "panels": [{"panel": "3d",
//! "cell": [0, 0], "span": [2, 1]}, {"panel": "raster", "cell": [0, 1]}, {"panel": "rates",
//! "cell": [1, 1]}]}}`: column widths and row heights are fractions (scaled to sum to 1),
//! `cell` is `[row, column]`, `span` `[rows, columns]` (default `[1, 1]`). Panels: `3d`,
//! `raster`, `rates`, `probe`, `traces` (the active report's values of `"neurons":
//! ["population:node_id", ...]`, default its first three). Exactly one `3d` panel. A title (the frame's `title`) takes a
//! band across the top of any layout; legend, scale bar and time stamp are drawn on the 3D view.

use anyhow::{Context, bail};
use serde::Deserialize;

/// What a panel shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
pub enum PanelKind {
    #[serde(rename = "3d")]
    View3d,
    #[serde(rename = "raster")]
    Raster,
    #[serde(rename = "rates")]
    Rates,
    #[serde(rename = "probe")]
    Probe,
    #[serde(rename = "traces")]
    Traces,
}

impl PanelKind {
    /// The heading drawn over a plot panel.
    pub fn heading(self) -> &'static str {
        match self {
            Self::View3d => "",
            Self::Raster => "spikes",
            Self::Rates => "population rates",
            Self::Probe => "probe channels by depth",
            Self::Traces => "traces",
        }
    }
}

/// A rectangle of a frame, in pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PixelRect {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

/// A panel's place on the grid.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PanelPlacement {
    pub panel: PanelKind,
    /// `[row, column]`.
    pub cell: [usize; 2],
    /// `[rows, columns]`.
    #[serde(default = "one_by_one")]
    pub span: [usize; 2],
    /// `traces`: the neurons, `"population:node_id"` (absent: the report's first three).
    #[serde(default)]
    pub neurons: Vec<String>,
}

fn one_by_one() -> [usize; 2] {
    [1, 1]
}

/// Column widths, row heights and the panels on them.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    pub columns: Vec<f64>,
    pub rows: Vec<f64>,
    pub panels: Vec<PanelPlacement>,
}

/// The names of the built-in layouts.
pub const LAYOUT_NAMES: [&str; 5] = [
    "3d",
    "3d+raster",
    "3d+rates",
    "3d+raster+rates",
    "3d+raster+probe",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GridWrapper {
    grid: Layout,
}

impl Layout {
    /// The 3D view alone.
    pub fn view_only() -> Self {
        Self::named("3d").unwrap_or(Self {
            columns: vec![1.0],
            rows: vec![1.0],
            panels: Vec::new(),
        })
    }

    /// A built-in layout by name.
    pub fn named(name: &str) -> Option<Self> {
        let place = |panel, row, col, rows| PanelPlacement {
            panel,
            cell: [row, col],
            span: [rows, 1],
            neurons: Vec::new(),
        };
        use PanelKind::*;
        let (columns, rows, panels) = match name {
            "3d" => (vec![1.0], vec![1.0], vec![place(View3d, 0, 0, 1)]),
            "3d+raster" | "3d+rates" => {
                let plot = if name == "3d+raster" { Raster } else { Rates };
                (
                    vec![0.6, 0.4],
                    vec![1.0],
                    vec![place(View3d, 0, 0, 1), place(plot, 0, 1, 1)],
                )
            }
            "3d+raster+rates" | "3d+raster+probe" => {
                let (second, split) = if name == "3d+raster+rates" {
                    (Rates, vec![0.7, 0.3])
                } else {
                    (Probe, vec![0.6, 0.4])
                };
                (
                    vec![0.6, 0.4],
                    split,
                    vec![
                        place(View3d, 0, 0, 2),
                        place(Raster, 0, 1, 1),
                        place(second, 1, 1, 1),
                    ],
                )
            }
            _ => return None,
        };
        Some(Self {
            columns,
            rows,
            panels,
        })
    }

    /// A layout as sessions write it: absent is `"3d"`, a string names a built-in layout, an
    /// object is a grid.
    pub fn parse(value: Option<&serde_json::Value>) -> anyhow::Result<Self> {
        let layout = match value {
            None | Some(serde_json::Value::Null) => Self::view_only(),
            Some(serde_json::Value::String(name)) => Self::named(name).with_context(|| {
                format!(
                    "layout \"{name}\" is not one of {} (or a {{\"grid\": ...}} description)",
                    LAYOUT_NAMES.join(", ")
                )
            })?,
            Some(v @ serde_json::Value::Object(_)) => {
                serde_json::from_value::<GridWrapper>(v.clone())
                    .context("layout: a grid is {\"grid\": {\"columns\": [...], \"rows\": [...], \"panels\": [{ \"panel\": \"3d\"|\"raster\"|\"rates\"|\"probe\"|\"traces\", \"cell\": [row, column], \"span\": [rows, columns]}]}}")?
                    .grid
            }
            Some(other) => bail!("layout {other} is neither a name nor a grid description"),
        };
        layout.check()?;
        Ok(layout)
    }

    fn check(&self) -> anyhow::Result<()> {
        for (what, v) in [("columns", &self.columns), ("rows", &self.rows)] {
            if v.is_empty() || v.iter().any(|f| !(f.is_finite() && *f > 0.0)) {
                bail!("layout: {what} must be positive fractions, not {v:?}");
            }
        }
        let views = self
            .panels
            .iter()
            .filter(|p| p.panel == PanelKind::View3d)
            .count();
        if views != 1 {
            bail!("layout: exactly one \"3d\" panel is needed, found {views}");
        }
        for p in &self.panels {
            let [r, c] = p.cell;
            let [rs, cs] = p.span;
            if rs == 0 || cs == 0 || r + rs > self.rows.len() || c + cs > self.columns.len() {
                bail!(
                    "layout: panel {:?} at cell [{r}, {c}] spanning [{rs}, {cs}] does not fit a \
                     grid of {} rows and {} columns",
                    p.panel,
                    self.rows.len(),
                    self.columns.len()
                );
            }
        }
        Ok(())
    }

    /// Whether the layout has a panel of this kind.
    pub fn has(&self, kind: PanelKind) -> bool {
        self.panels.iter().any(|p| p.panel == kind)
    }

    /// Each panel's rectangle in a `width` x `height` area starting at row `top`.
    pub fn rects(&self, width: u32, height: u32, top: u32) -> Vec<(PanelKind, PixelRect)> {
        let xs = edges(&self.columns, width);
        let ys = edges(&self.rows, height);
        self.panels
            .iter()
            .map(|p| {
                let [r, c] = p.cell;
                let [rs, cs] = p.span;
                let (x0, x1) = (xs[c], xs[(c + cs).min(xs.len() - 1)]);
                let (y0, y1) = (ys[r], ys[(r + rs).min(ys.len() - 1)]);
                (
                    p.panel,
                    PixelRect {
                        x: x0,
                        y: top + y0,
                        width: (x1 - x0).max(1),
                        height: (y1 - y0).max(1),
                    },
                )
            })
            .collect()
    }
}

/// Pixel edges of cells whose sizes are the fractions `f` of `total` (rounded, summing to it).
fn edges(f: &[f64], total: u32) -> Vec<u32> {
    let sum: f64 = f.iter().sum();
    let mut acc = 0.0;
    let mut out = vec![0];
    for v in f {
        acc += v;
        out.push(((acc / sum) * total as f64).round() as u32);
    }
    out
}

/// Height of the title band of a frame `height` pixels high (0 without a title).
pub fn title_band(height: u32, title: Option<&str>) -> u32 {
    match title {
        Some(t) if !t.trim().is_empty() => (height / 14).max(12),
        _ => 0,
    }
}

/// Where each panel goes in a `width` x `height` frame with an optional title band.
pub fn frame_rects(
    layout: &Layout,
    width: u32,
    height: u32,
    title: Option<&str>,
) -> Vec<(PanelKind, PixelRect)> {
    let band = title_band(height, title);
    layout.rects(width, height.saturating_sub(band).max(1), band)
}

/// The 3D view's rectangle in a frame.
pub fn view_rect(layout: &Layout, width: u32, height: u32, title: Option<&str>) -> PixelRect {
    frame_rects(layout, width, height, title)
        .into_iter()
        .find(|(k, _)| *k == PanelKind::View3d)
        .map(|(_, r)| r)
        .unwrap_or(PixelRect {
            x: 0,
            y: 0,
            width,
            height,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_layouts_tile_the_frame() {
        for name in LAYOUT_NAMES {
            let layout = Layout::named(name).unwrap_or_else(|| panic!("{name}"));
            let rects = layout.rects(1280, 720, 0);
            let area: u64 = rects
                .iter()
                .map(|(_, r)| r.width as u64 * r.height as u64)
                .sum();
            assert_eq!(area, 1280 * 720, "{name}");
        }
        let r = Layout::named("3d+raster").map(|l| l.rects(1280, 720, 0));
        assert_eq!(
            r.as_deref().map(|r| r[0].1),
            Some(PixelRect {
                x: 0,
                y: 0,
                width: 768,
                height: 720
            })
        );
    }

    #[test]
    fn grids_parse_and_mistakes_are_named() {
        let v: serde_json::Value = serde_json::from_str(
            r#"{"grid": {"columns": [3, 1], "rows": [1, 1], "panels": [
                {"panel": "3d", "cell": [0, 0], "span": [2, 1]},
                {"panel": "raster", "cell": [0, 1]}, {"panel": "probe", "cell": [1, 1]}]}}"#,
        )
        .unwrap_or_default();
        let layout = Layout::parse(Some(&v)).unwrap_or_else(|e| panic!("{e:#}"));
        let rects = layout.rects(400, 200, 0);
        assert_eq!(rects[0].1.width, 300);
        assert_eq!(rects[2].1.y, 100);
        let bad = serde_json::json!("3d+movie");
        let err = format!(
            "{:#}",
            Layout::parse(Some(&bad))
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        );
        assert!(
            err.contains("3d+movie") && err.contains("3d+raster"),
            "{err}"
        );
        let unknown = serde_json::json!({"grid": {"columns": [1], "rows": [1],
            "panels": [{"panel": "3d", "cell": [0, 0]}, {"panel": "volts", "cell": [0, 0]}]}});
        assert!(Layout::parse(Some(&unknown)).is_err());
        let outside = serde_json::json!({"grid": {"columns": [1], "rows": [1],
            "panels": [{"panel": "3d", "cell": [0, 1]}]}});
        assert!(Layout::parse(Some(&outside)).is_err());
    }
}
