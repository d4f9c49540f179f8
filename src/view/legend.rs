//! The legend and the scale bar as the window and the rendered frames show them (no Bevy):
//! computed here once, drawn by the window's painter and burnt into PNG frames alike.

use crate::view::colors::Colormap;

/// One entry of a legend: a colour and what it means.
#[derive(Clone, Debug, PartialEq)]
pub enum LegendEntry {
    Swatch {
        color: [f32; 3],
        label: String,
    },
    /// A continuous colouring: `colormap` over `min .. max`.
    Ramp {
        label: String,
        min: f64,
        max: f64,
        colormap: Colormap,
    },
}

/// The legend label of report colours (the report plugin names the variable after it).
pub const REPORT_LEGEND_LABEL: &str = "report value";

/// Legend rows shown; the rest are counted ("+ N more").
pub const MAX_ROWS: usize = 24;

/// Colour steps of a ramp's swatch.
pub const RAMP_STEPS: usize = 60;

/// What one legend row shows: a swatch and its text.
#[derive(Clone, Debug, PartialEq)]
pub struct LegendRow {
    pub swatch: Swatch,
    pub text: String,
}

/// A legend row's colour: one colour, or a colormap's ramp from low to high.
#[derive(Clone, Debug, PartialEq)]
pub enum Swatch {
    Solid([f32; 3]),
    Ramp(Vec<[f32; 3]>),
}

/// A round length in µm for a scale bar and its length on screen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleBar {
    pub length_um: f32,
    /// In the unit of the view's size (pixels of a frame, points of the window).
    pub length_px: f32,
}

impl ScaleBar {
    /// The label under the bar.
    pub fn label(&self) -> String {
        format!("{} µm", self.length_um as i64)
    }
}

/// The view the scale bar measures: camera distance to its target (µm), vertical field of
/// view (radians) and the view's size.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ViewExtent {
    pub distance: f32,
    pub fov_y: f32,
    pub width: f32,
    pub height: f32,
}

/// The legend rows and the scale bar of a view.
#[derive(Clone, Debug, PartialEq)]
pub struct Annotations {
    pub rows: Vec<LegendRow>,
    /// Entries left out after [`MAX_ROWS`].
    pub more: usize,
    pub scale_bar: ScaleBar,
}

/// The legend rows (at most [`MAX_ROWS`]) and the scale bar of a view.
pub fn annotations(legend: &[LegendEntry], view: ViewExtent) -> Annotations {
    let (rows, more) = legend_rows(legend);
    Annotations {
        rows,
        more,
        scale_bar: scale_bar(view),
    }
}

/// The rows of a legend (at most [`MAX_ROWS`]) and how many entries are left out.
pub fn legend_rows(legend: &[LegendEntry]) -> (Vec<LegendRow>, usize) {
    (
        legend.iter().take(MAX_ROWS).map(legend_row).collect(),
        legend.len().saturating_sub(MAX_ROWS),
    )
}

/// One legend entry as a swatch and its text.
pub fn legend_row(entry: &LegendEntry) -> LegendRow {
    match entry {
        LegendEntry::Swatch { color, label } => LegendRow {
            swatch: Swatch::Solid(*color),
            text: label.clone(),
        },
        LegendEntry::Ramp {
            label,
            min,
            max,
            colormap,
        } => LegendRow {
            swatch: Swatch::Ramp(
                (0..RAMP_STEPS)
                    .map(|k| colormap.map(k as f32 / (RAMP_STEPS - 1) as f32))
                    .collect(),
            ),
            text: format!("{label} {} .. {}", fmt_num(*min), fmt_num(*max)),
        },
    }
}

/// A round length (1, 2 or 5 times a power of ten µm) near a fifth of the view's width at the
/// camera's target distance.
pub fn scale_bar(view: ViewExtent) -> ScaleBar {
    let um_per_px = 2.0 * view.distance * (0.5 * view.fov_y).tan() / view.height.max(1.0);
    let want = um_per_px * view.width / 5.0;
    let mag = 10f32.powf(want.log10().floor());
    let length_um = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .filter(|l| *l <= want)
        .fold(mag, f32::max);
    ScaleBar {
        length_um,
        length_px: length_um / um_per_px,
    }
}

/// A number for a legend: as many decimals as its size needs.
pub fn fmt_num(v: f64) -> String {
    match v.abs() {
        a if a >= 100.0 || a == 0.0 => format!("{v:.0}"),
        a if a >= 1.0 => format!("{v:.1}"),
        _ => format!("{v:.3}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(distance: f32, width: f32, height: f32) -> ViewExtent {
        ViewExtent {
            distance,
            fov_y: 30f32.to_radians(),
            width,
            height,
        }
    }

    #[test]
    fn scale_bar_is_a_round_length_under_a_fifth_of_the_width() {
        for (distance, width, height) in [(1000.0, 1280.0, 720.0), (37.0, 800.0, 800.0)] {
            let bar = scale_bar(view(distance, width, height));
            let mantissa = bar.length_um / 10f32.powf(bar.length_um.log10().floor());
            assert!(
                [1.0, 2.0, 5.0].iter().any(|m| (mantissa - m).abs() < 1e-3),
                "{bar:?}"
            );
            assert!(bar.length_px <= width / 5.0 + 1e-3, "{bar:?}");
            assert!(bar.length_px >= width / 5.0 / 2.5 - 1e-3, "{bar:?}");
        }
    }

    #[test]
    fn the_bar_scales_with_the_frame_as_the_view_does() {
        // Twice the pixels over the same field of view: the same length, twice the pixels.
        let small = scale_bar(view(1000.0, 640.0, 360.0));
        let big = scale_bar(view(1000.0, 1280.0, 720.0));
        assert_eq!(small.length_um, big.length_um);
        assert!((big.length_px - 2.0 * small.length_px).abs() < 1e-3);
    }

    #[test]
    fn rows_stop_at_the_limit_and_count_the_rest() {
        let legend: Vec<LegendEntry> = (0..30)
            .map(|k| LegendEntry::Swatch {
                color: [0.0; 3],
                label: format!("type {k}"),
            })
            .collect();
        let a = annotations(&legend, view(1000.0, 1280.0, 720.0));
        assert_eq!(a.rows.len(), MAX_ROWS);
        assert_eq!(a.more, 6);
        assert_eq!(a.rows[3].text, "type 3");
    }

    #[test]
    fn a_ramp_row_names_its_range() {
        let row = legend_row(&LegendEntry::Ramp {
            label: "firing rate (Hz)".into(),
            min: 0.0,
            max: 12.5,
            colormap: Colormap::Plasma,
        });
        assert_eq!(row.text, "firing rate (Hz) 0 .. 12.5");
        let Swatch::Ramp(colors) = row.swatch else {
            panic!("a ramp entry has a ramp swatch");
        };
        assert_eq!(colors.len(), RAMP_STEPS);
        assert_eq!(colors[0], Colormap::Plasma.map(0.0));
        assert_eq!(colors[RAMP_STEPS - 1], Colormap::Plasma.map(1.0));
    }
}
