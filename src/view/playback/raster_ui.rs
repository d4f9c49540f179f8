//! The raster of the drawn neurons (time across, neuron down; click or drag to seek,
//! shift-drag to select rows; a density image when rows outnumber pixels) and the population
//! rates under it.

use bevy_egui::egui;

use crate::view::ViewerState;
use crate::view::colors::color32;
use crate::view::playback::Playback;
use crate::view::scene::{NeuronInstance, Scene};

/// What the raster keeps between frames: its span, its texture and the plot's size.
#[derive(Default)]
pub struct RasterView {
    /// Time span shown around the cursor, ms (0: the whole range).
    pub span: f64,
    /// The raster as a texture, and what it shows (styling, time range, size in pixels).
    texture: Option<(RasterKey, egui::TextureHandle)>,
    /// The texture drawn this frame (the previous one while a new one uploads).
    shown: Option<egui::TextureHandle>,
    /// The plot's data area on screen (points), sizing the next texture.
    area: Option<egui::Vec2>,
}

type RasterKey = (u64, u64, u64, usize, usize);

/// Spikes of the drawn neurons as dots (time across, neuron down), coloured like the 3D view,
/// with the time cursor and the picked neuron marked. Click or drag to seek.
/// `rows_out`: set to `Some(new selection)` when raster rows are selected or cleared.
pub fn raster_ui(
    ui: &mut egui::Ui,
    state: &ViewerState,
    playback: &mut Playback,
    raster: &mut RasterView,
    rows_out: &mut Option<Option<std::ops::Range<usize>>>,
) {
    span_picker_ui(ui, &mut raster.span);
    let Some(scene) = &state.scene else {
        return;
    };
    let window = time_window(state.live, raster.span, playback);
    let shown = raster.texture_id(ui, scene, state, window);
    let response = raster_plot(ui, state, playback.time_ms, window, shown);
    raster.area = Some(response.transform.frame().size());
    raster_input(ui, state, playback, &response, window, rows_out);
    rates_ui(ui, state, window, playback.time_ms);
}

fn span_picker_ui(ui: &mut egui::Ui, span: &mut f64) {
    ui.horizontal(|ui| {
        ui.label("Raster span");
        egui::ComboBox::from_id_salt("span")
            .selected_text(if *span == 0.0 {
                "all".to_owned()
            } else {
                format!("{span} ms")
            })
            .show_ui(ui, |ui| {
                for s in [0.0, 100.0, 250.0, 500.0, 1000.0] {
                    ui.selectable_value(span, s, format!("{s}"));
                }
            });
    });
}

/// The time range the raster shows: `span` around the cursor, all of the playback range, or,
/// in a live run, the last span up to the cursor.
fn time_window(live: bool, span: f64, playback: &Playback) -> (f64, f64) {
    if live {
        // a live run: the last span up to the cursor, scrolling with it from the start (a fixed
        // window would keep its raster texture while spikes arrive)
        let span = if span > 0.0 { span } else { 2000.0 };
        (playback.time_ms - span, playback.time_ms)
    } else if span > 0.0 {
        let half = 0.5 * span;
        let a = (playback.time_ms - half).max(playback.range.0);
        (a, a + span)
    } else {
        playback.range
    }
}

impl RasterView {
    /// The texture to draw this frame, redrawn when the styling, the time range or the plot's
    /// size in pixels changed.
    ///
    /// Dots are drawn into a texture on the CPU, one pass over the spikes in view (every
    /// spike, no thinning: egui_plot's own point items would cost a shape per spike). The size
    /// is the plot area's on the previous frame.
    fn texture_id(
        &mut self,
        ui: &egui::Ui,
        scene: &Scene,
        state: &ViewerState,
        (lo, hi): (f64, f64),
    ) -> Option<egui::TextureId> {
        let ppp = ui.ctx().pixels_per_point();
        let area = self
            .area
            .unwrap_or_else(|| egui::vec2(visible_width(ui) - 60.0, 200.0));
        let (w, h) = (
            ((area.x * ppp) as usize).clamp(1, 8192),
            ((area.y * ppp) as usize).clamp(1, 8192),
        );
        let key: RasterKey = (state.styled_generation, lo.to_bits(), hi.to_bits(), w, h);
        if self.texture.as_ref().map(|(k, _)| *k) != Some(key) {
            let image = raster_image(scene, &state.styled.instances, (lo, hi), w, h);
            // Shown from the next frame on: bevy_egui 0.42 uploads a new or replaced texture a
            // frame late, and one replaced every frame (a live run's raster) never showed.
            let tex = ui
                .ctx()
                .load_texture("raster", image, egui::TextureOptions::NEAREST);
            if let Some((_, old)) = self.texture.replace((key, tex)) {
                self.shown = Some(old);
            }
        } else if let Some((_, tex)) = &self.texture {
            self.shown = Some(tex.clone());
        }
        self.shown.as_ref().map(|t| t.id())
    }
}

/// The raster plot: the spikes' texture, the picked neuron's row, selected rows, the cursor.
fn raster_plot(
    ui: &mut egui::Ui,
    state: &ViewerState,
    now: f64,
    (lo, hi): (f64, f64),
    shown: Option<egui::TextureId>,
) -> egui_plot::PlotResponse<()> {
    let span = (hi - lo).max(1e-6);
    let n = state.styled.instances.len().max(1) as f64;
    // Rows run down from the top: instance i is drawn at y = n - (i + 0.5).
    let y_of = |i: usize| n - (i as f64 + 0.5);
    let cursor = egui::Color32::from_rgb(255, 220, 90);
    let total = n as usize;
    egui_plot::Plot::new("raster")
        .width(visible_width(ui))
        .height((ui.available_height() - 110.0).max(140.0))
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .show_grid(false)
        .sense(egui::Sense::click_and_drag())
        .link_axis("raster_time", [true, false])
        .x_axis_label("time (ms)")
        .y_axis_label("neuron")
        .y_axis_min_width(RASTER_AXIS_WIDTH)
        // Ticks at round row numbers counted from the top (y itself runs up).
        .y_grid_spacer(move |_| row_ticks(total))
        .y_axis_formatter(move |mark, _| format!("{:.0}", total as f64 - mark.value))
        .label_formatter(move |pos| {
            let (egui_plot::HoverPosition::NearDataPoint { position, .. }
            | egui_plot::HoverPosition::Elsewhere { position }) = *pos;
            let row = (total as f64 - position.y).floor().max(0.0) as usize;
            Some(format!("{:.1} ms\nrow {row}", position.x))
        })
        .show(ui, |plot| {
            plot.set_plot_bounds(egui_plot::PlotBounds::from_min_max([lo, 0.0], [hi, n]));
            if let Some(id) = shown {
                plot.add(egui_plot::PlotImage::new(
                    "spikes",
                    id,
                    egui_plot::PlotPoint::new(lo + 0.5 * span, 0.5 * n),
                    egui::vec2(span as f32, n as f32),
                ));
            }
            if let Some(i) = state.picked {
                plot.add(
                    egui_plot::HLine::new("", y_of(i))
                        .color(egui::Color32::from_rgba_unmultiplied(255, 255, 255, 110)),
                );
            }
            if let Some(rows) = &state.raster_rows {
                for r in [rows.start as f64, rows.end as f64] {
                    plot.add(egui_plot::HLine::new("", n - r).color(egui::Color32::WHITE));
                }
            }
            plot.add(egui_plot::VLine::new("", now).color(cursor).width(1.5));
        })
}

/// Shift-drag selects rows (neurons; highlighted in 3D); a click or drag seeks, and a click
/// clears the selected rows.
fn raster_input(
    ui: &mut egui::Ui,
    state: &ViewerState,
    playback: &mut Playback,
    response: &egui_plot::PlotResponse<()>,
    (lo, hi): (f64, f64),
    rows_out: &mut Option<Option<std::ops::Range<usize>>>,
) {
    let n = state.styled.instances.len().max(1) as f64;
    let row_of = |y: f64| ((n - y).clamp(0.0, n - 1.0)) as usize;
    let transform = &response.transform;
    let resp = &response.response;
    let shift = ui.input(|i| i.modifiers.shift);
    if shift {
        if let (Some(a), Some(b)) = (
            resp.interact_pointer_pos()
                .and(ui.input(|i| i.pointer.press_origin())),
            resp.interact_pointer_pos(),
        ) && (resp.dragged() || resp.drag_stopped())
        {
            let frame = *transform.frame();
            ui.painter().rect_stroke(
                egui::Rect::from_two_pos(
                    egui::pos2(frame.left(), a.y),
                    egui::pos2(frame.right(), b.y),
                ),
                0.0,
                egui::Stroke::new(1.0, egui::Color32::WHITE),
                egui::StrokeKind::Inside,
            );
            if resp.drag_stopped() {
                let (ya, yb) = (
                    transform.value_from_position(a).y,
                    transform.value_from_position(b).y,
                );
                let (r0, r1) = (row_of(ya.max(yb)), row_of(ya.min(yb)) + 1);
                *rows_out = Some(Some(r0..r1));
            }
        }
    } else if (resp.clicked() || resp.dragged())
        && let Some(pos) = resp.interact_pointer_pos()
    {
        playback.seek(transform.value_from_position(pos).x.clamp(lo, hi));
        if resp.clicked() && state.raster_rows.is_some() {
            *rows_out = Some(None);
        }
    }
}

/// Width of the raster's and the rate plot's y axes, so their time axes line up.
const RASTER_AXIS_WIDTH: f32 = 44.0;

/// Raster ticks: about five round row numbers (1, 2 or 5 x 10^k apart) from the top row.
fn row_ticks(total: usize) -> Vec<egui_plot::GridMark> {
    let rough = (total as f64 / 5.0).max(1.0);
    let decade = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * decade)
        .find(|s| *s >= rough)
        .unwrap_or(rough);
    (0..)
        .map(|k| k as f64 * step)
        .take_while(|r| *r <= total as f64)
        .map(|r| egui_plot::GridMark {
            value: total as f64 - r,
            step_size: step,
        })
        .collect()
}

/// Population rates (Hz) of the drawn neurons under the raster, on the raster's time axis.
fn rates_ui(ui: &mut egui::Ui, state: &ViewerState, (lo, hi): (f64, f64), now: f64) {
    let rates = &state.rates;
    let max = rates
        .series
        .iter()
        .flat_map(|(_, _, v)| v.iter().copied())
        .fold(1.0f32, f32::max) as f64;
    egui_plot::Plot::new("rates")
        .width(visible_width(ui))
        .height(90.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .link_axis("raster_time", [true, false])
        .y_axis_label("Hz")
        .y_axis_min_width(RASTER_AXIS_WIDTH)
        .legend(egui_plot::Legend::default().position(egui_plot::Corner::LeftTop))
        .show(ui, |plot| {
            plot.set_plot_bounds(egui_plot::PlotBounds::from_min_max(
                [lo, 0.0],
                [hi, max * 1.1],
            ));
            for (name, color, values) in &rates.series {
                let pts: Vec<[f64; 2]> = values
                    .iter()
                    .enumerate()
                    .map(|(b, &hz)| (rates.t0 + (b as f64 + 0.5) * rates.bin_ms, hz as f64))
                    .filter(|(t, _)| *t >= lo && *t <= hi)
                    .map(|(t, hz)| [t, hz])
                    .collect();
                plot.add(
                    egui_plot::Line::new(name.clone(), pts)
                        .color(color32(*color))
                        .width(1.2),
                );
            }
            plot.add(
                egui_plot::VLine::new("", now)
                    .color(egui::Color32::from_rgb(255, 220, 90))
                    .width(1.5),
            );
        });
}

/// Width from the cursor to the visible right edge of the panel (a wide row of controls
/// can make `available_width` reach under the next panel).
fn visible_width(ui: &egui::Ui) -> f32 {
    let right = ui.clip_rect().right().min(ui.max_rect().right());
    (right - ui.cursor().left() - 4.0).max(10.0)
}

/// The raster of the drawn neurons as the movie panels draw it: rows one by one when they fit
/// the texture, a density image when they outnumber its pixels.
fn raster_image(
    scene: &Scene,
    instances: &[NeuronInstance],
    window: (f64, f64),
    w: usize,
    h: usize,
) -> egui::ColorImage {
    let image = crate::view::plots::raster::scene_raster(
        scene,
        instances,
        window,
        w as u32,
        h as u32,
        crate::view::plots::raster::RasterMode::Auto,
    );
    let size = [image.width() as usize, image.height() as usize];
    egui::ColorImage::from_rgba_unmultiplied(size, image.as_raw())
}
