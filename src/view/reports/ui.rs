//! `ReportsUiPlugin`: the "Reports" window (active report, colormap and range of the
//! representations coloured by it) and the "Trace" window (the picked neuron's value over
//! the played range, with the time cursor; click or drag to seek), an egui_plot like the raster.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use crate::view::ViewerState;
use crate::view::colors::{Colormap, categorical, color32};
use crate::view::legend::fmt_num;
use crate::view::playback::Playback;
use crate::view::reports::plugin::{MAX_PINNED, Reports, Trace, report_representation};
use crate::view::scene::{Coloring, Representation};
use crate::view::ui::WindowView;

/// The reports and trace windows (window app only).
pub struct ReportsUiPlugin;

impl Plugin for ReportsUiPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(EguiPrimaryContextPass, reports_windows);
    }
}

fn reports_windows(
    mut contexts: EguiContexts,
    mut reports: ResMut<Reports>,
    mut state: ResMut<ViewerState>,
    mut playback: ResMut<Playback>,
    cameras: Query<&Camera, With<WindowView>>,
) -> Result {
    if reports.entries.is_empty() {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?.clone();
    let view = crate::view::ui::view_rect(&cameras, &ctx);
    egui::Window::new("Reports")
        .default_pos(egui::pos2(view.right() - 300.0, view.top() + 8.0))
        .default_width(290.0)
        .default_open(true)
        .constrain_to(view)
        .show(&ctx, |ui| reports_ui(ui, &mut reports, &mut state));
    if state.picked.is_some() || !reports.pinned.is_empty() {
        egui::Window::new("Trace")
            .default_pos(egui::pos2(view.left() + 8.0, view.bottom() - 200.0))
            .default_size(egui::vec2((view.width() - 16.0).clamp(200.0, 640.0), 130.0))
            .constrain_to(view)
            .show(&ctx, |ui| trace_ui(ui, &mut reports, &mut playback));
    }
    Ok(())
}

fn reports_ui(ui: &mut egui::Ui, reports: &mut Reports, state: &mut ViewerState) {
    let current = reports
        .active_entry()
        .map(|e| e.label.clone())
        .unwrap_or_else(|| "none".into());
    let mut choose = None;
    egui::ComboBox::from_id_salt("active report")
        .selected_text(current)
        .width(260.0)
        .show_ui(ui, |ui| {
            for (i, e) in reports.entries.iter().enumerate() {
                if ui
                    .selectable_label(reports.active == Some(i), &e.label)
                    .clicked()
                {
                    choose = Some(i);
                }
            }
        });
    if let Some(i) = choose
        && reports.active != Some(i)
    {
        reports.activate(i);
    }
    active_report_status_ui(ui, reports);
    let coloured = state
        .representations
        .iter()
        .any(|r| matches!(r.coloring, Coloring::ByReport { .. }));
    if !coloured
        && let Some(e) = reports.active_entry()
        && ui.button("Colour somata by this report").clicked()
    {
        let rep = report_representation(e);
        state.representations.push(rep);
        state.restyle = true;
    }
    if report_colorings_ui(ui, &mut state.representations, reports.data_range) {
        state.restyle = true;
    }
    if let Some(e) = &reports.error {
        ui.colored_label(egui::Color32::LIGHT_RED, e);
    }
}

/// The active report's size, time axis, the frames held in memory and its data range.
fn active_report_status_ui(ui: &mut egui::Ui, reports: &Reports) {
    let Some(e) = reports.active_entry() else {
        return;
    };
    let r = &e.report;
    let drawn = e.soma.instances.iter().filter(|i| **i != u32::MAX).count();
    ui.label(format!(
        "{} nodes ({drawn} drawn), {} elements, {} frames{}",
        r.n_nodes(),
        r.n_elements(),
        r.n_frames,
        r.time
            .map(|(a, b, dt)| format!(", {a}–{b} ms every {dt} ms"))
            .unwrap_or_default()
    ));
    let held: Vec<String> = reports
        .cache
        .as_ref()
        .map(|c| {
            c.held()
                .iter()
                .map(|w| format!("{}–{}", w.start, w.end))
                .collect()
        })
        .unwrap_or_default();
    ui.label(format!(
        "frame {} · cached frames {}",
        reports
            .frame
            .map(|f| f.to_string())
            .unwrap_or_else(|| "—".into()),
        if held.is_empty() {
            "none".into()
        } else {
            held.join(", ")
        }
    ));
    let units = r.units.clone().unwrap_or_default();
    if let Some((lo, hi)) = reports.data_range {
        ui.label(format!(
            "data range {} … {} {units}",
            fmt_num(lo),
            fmt_num(hi)
        ));
    }
}

/// Colormap and range of each representation coloured by report value; returns whether any
/// changed.
fn report_colorings_ui(
    ui: &mut egui::Ui,
    representations: &mut [Representation],
    data_range: Option<(f64, f64)>,
) -> bool {
    let mut changed = false;
    for (i, rep) in representations.iter_mut().enumerate() {
        let Coloring::ByReport { colormap, range } = &mut rep.coloring else {
            continue;
        };
        ui.push_id(i, |ui| {
            ui.separator();
            ui.label(format!(
                "representation {}: {}",
                i + 1,
                if rep.selection.is_empty() {
                    "all"
                } else {
                    rep.selection.as_str()
                }
            ));
            ui.horizontal(|ui| {
                egui::ComboBox::from_id_salt("colormap")
                    .selected_text(colormap.name())
                    .show_ui(ui, |ui| {
                        for m in Colormap::ALL {
                            ui.horizontal(|ui| {
                                crate::view::ui::ramp_ui(ui, m, 48.0);
                                changed |= ui.selectable_value(colormap, m, m.name()).changed();
                            });
                        }
                    });
                let mut custom = range.is_some();
                if ui.checkbox(&mut custom, "own range").changed() {
                    *range = if custom {
                        Some(data_range.unwrap_or((-80.0, 40.0)))
                    } else {
                        None
                    };
                    changed = true;
                }
            });
            if let Some((lo, hi)) = range.as_mut() {
                ui.horizontal(|ui| {
                    let speed = ((*hi - *lo).abs() / 200.0).max(1e-6);
                    changed |= ui
                        .add(egui::DragValue::new(lo).speed(speed).prefix("min "))
                        .changed();
                    changed |= ui
                        .add(egui::DragValue::new(hi).speed(speed).prefix("max "))
                        .changed();
                });
            }
            if let Some((lo, hi)) = range.or(data_range) {
                color_bar(ui, *colormap, lo, hi);
            }
        });
    }
    changed
}

fn color_bar(ui: &mut egui::Ui, map: Colormap, lo: f64, hi: f64) {
    ui.horizontal(|ui| {
        let (rect, _) = ui.allocate_exact_size(egui::vec2(140.0, 12.0), egui::Sense::hover());
        for k in 0..70 {
            let x0 = rect.left() + rect.width() * k as f32 / 70.0;
            let r = egui::Rect::from_min_size(
                egui::pos2(x0, rect.top()),
                egui::vec2(rect.width() / 70.0 + 0.5, rect.height()),
            );
            ui.painter()
                .rect_filled(r, 0.0, color32(map.map(k as f32 / 69.0)));
        }
        ui.label(format!("{} … {}", fmt_num(lo), fmt_num(hi)));
    });
}

/// Trace colours: the picked neuron white, pinned ones from the categorical palette.
fn trace_color(k: Option<usize>) -> egui::Color32 {
    match k {
        None => egui::Color32::WHITE,
        Some(k) => color32(categorical(k)),
    }
}

fn trace_ui(ui: &mut egui::Ui, reports: &mut Reports, playback: &mut Playback) {
    let units = reports
        .active_entry()
        .and_then(|e| e.report.units.clone().or(e.report.variable.clone()))
        .unwrap_or_default();
    ui.horizontal(|ui| {
        match &reports.trace {
            Some(t) => {
                ui.label(format!("{} ({units})", t.label));
                if reports.pinned.len() < MAX_PINNED
                    && !reports.pinned.iter().any(|p| p.instance == t.instance)
                    && ui.small_button("pin").clicked()
                {
                    let t = t.clone();
                    reports.pinned.push(t);
                }
            }
            None => {
                ui.label("the picked neuron is not in this report (or is being read)");
            }
        }
        if !reports.pinned.is_empty() && ui.small_button("clear pins").clicked() {
            reports.pinned.clear();
        }
    });
    let traces: Vec<(Option<usize>, &Trace)> = reports
        .pinned
        .iter()
        .enumerate()
        .map(|(k, t)| (Some(k), t))
        .chain(reports.trace.iter().map(|t| (None, t)))
        .collect();
    let (lo, hi) = playback.range;
    let (mut vmin, mut vmax) = (f64::INFINITY, f64::NEG_INFINITY);
    for (_, t) in &traces {
        for &v in t.values.iter().filter(|v| v.is_finite()) {
            vmin = vmin.min(v as f64);
            vmax = vmax.max(v as f64);
        }
    }
    if vmin > vmax {
        (vmin, vmax) = (0.0, 1.0);
    }
    if vmax - vmin < 1e-6 {
        vmax = vmin + 1.0;
    }
    let pad = 0.05 * (vmax - vmin);
    let response = egui_plot::Plot::new("trace")
        .width(ui.available_width().max(200.0))
        .height(ui.available_height().clamp(90.0, 400.0))
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .sense(egui::Sense::click_and_drag())
        .x_axis_label("time (ms)")
        .y_axis_label(units)
        .legend(egui_plot::Legend::default().position(egui_plot::Corner::RightTop))
        .show(ui, |plot| {
            plot.set_plot_bounds(egui_plot::PlotBounds::from_min_max(
                [lo, vmin - pad],
                [hi, vmax + pad],
            ));
            for (k, t) in &traces {
                let pts: Vec<[f64; 2]> = t
                    .values
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.is_finite())
                    .map(|(i, &v)| [t.t0 + t.dt * i as f64, v as f64])
                    .filter(|[x, _]| (lo..=hi).contains(x))
                    .collect();
                plot.add(
                    egui_plot::Line::new(t.label.clone(), pts)
                        .color(trace_color(*k))
                        .width(1.2),
                );
            }
            plot.add(
                egui_plot::VLine::new("", playback.time_ms)
                    .color(egui::Color32::from_rgb(255, 220, 90))
                    .width(1.5),
            );
        });
    let resp = &response.response;
    if (resp.clicked() || resp.dragged())
        && let Some(pos) = resp.interact_pointer_pos()
    {
        let t = response.transform.value_from_position(pos).x;
        playback.seek(t.clamp(lo, hi));
    }
}
