//! The probe's panel in the window: kind and placement, the recording (events by channel
//! and time), activity by depth, linking channels and neurons, CSV export.

use bevy_egui::egui;

use super::lagged_texture::LaggedTexture;
use super::plugin::ProbeSession;
use super::probe_view::{ProbeView, activity_by_depth};
use crate::probe::{ProbeKind, RecordedEvent};
use crate::view::ViewerState;
use crate::view::colors::{color32, viridis};
use crate::view::playback::Playback;
use crate::view::scene::Scene;

/// Where channels lie on the drawn part of the shank: heights from the tip, and the range of
/// heights drawn (the part that hears neurons; a 10 mm shank in a 1 mm column is mostly
/// outside it; all of it when none does).
struct Shank {
    heights: Vec<f64>,
    hmin: f64,
    hspan: f64,
}

impl Shank {
    fn new(view: &ProbeView) -> Self {
        let heights = view.channel_heights();
        let hearing = |c: &usize| {
            view.neighbourhood
                .by_channel
                .get(*c)
                .is_some_and(|l| !l.is_empty())
        };
        let range = |pick: &dyn Fn(&usize) -> bool| {
            (0..heights.len())
                .filter(|c| pick(c))
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), c| {
                    (a.min(heights[c]), b.max(heights[c]))
                })
        };
        let (mut hmin, mut hmax) = range(&hearing);
        if !hmin.is_finite() {
            (hmin, hmax) = range(&|_| true);
        }
        Self {
            heights,
            hmin,
            hspan: (hmax - hmin).max(1.0),
        }
    }

    /// Channel `c`'s position down the drawn part, 0 (top) to 1 (tip end); outside: not drawn.
    fn depth_fraction(&self, c: usize) -> f64 {
        1.0 - (self.heights[c] - self.hmin) / self.hspan
    }
}

/// The events shown: `window_ms` up to the playback time.
struct Window<'a> {
    events: &'a [RecordedEvent],
    t0: f64,
    t1: f64,
    window_ms: f64,
}

impl Window<'_> {
    fn texture_key(&self, w: usize, h: usize) -> (u64, u64, usize, usize, u64) {
        (
            self.t1.to_bits(),
            self.window_ms.to_bits(),
            w,
            h,
            self.events.len() as u64,
        )
    }
}

/// The probe's controls and recording view (window UI). With a live run, returns the
/// instances to stimulate when the user asks for the neurons the probe hears.
pub fn probe_ui(
    ui: &mut egui::Ui,
    session: &mut ProbeSession,
    state: &mut ViewerState,
    playback: &mut Playback,
    live_running: bool,
) -> Vec<u32> {
    let mut stimulate = Vec::new();
    kind_ui(ui, session);
    let Some(scene) = state.scene.clone() else {
        return stimulate;
    };
    let Some(view) = session.view.as_mut() else {
        return stimulate;
    };
    if placement_ui(ui, view) {
        session.dirty = true;
    }
    let heard = view.neighbourhood.n_units_heard();
    ui.label(format!(
        "{} channels, {heard} neurons within {:.0} µm",
        view.geometry.channels.len(),
        view.params.radius_um
    ));

    let t1 = playback.time_ms;
    let t0 = t1 - session.window_ms;
    let events = view.events(&scene, t0, t1);
    let window = Window {
        events: &events,
        t0,
        t1,
        window_ms: session.window_ms,
    };
    let shank = Shank::new(view);
    let [raster, heat] = &mut session.textures;
    recording_ui(
        ui,
        raster,
        &mut session.selected_channel,
        state,
        view,
        &shank,
        &window,
    );
    activity_by_depth_ui(ui, heat, &shank, &window);
    ui.horizontal(|ui| {
        ui.label("window");
        ui.add(
            egui::DragValue::new(&mut session.window_ms)
                .range(20.0..=5000.0)
                .suffix(" ms"),
        );
        if ui.button("Export events…").clicked() {
            session.message = Some(export_events(view, &scene));
        }
    });
    if live_running
        && ui
            .button("⚡ Stimulate the neurons it hears")
            .on_hover_text(
                "the live stimulus (volley or pulse) into every neuron within the radius",
            )
            .clicked()
    {
        stimulate = (0..scene.len() as u32)
            .filter(|&i| !view.channels_of_unit(i as usize).is_empty())
            .collect();
    }
    if let Some(m) = &session.message {
        ui.label(m);
    }
    stimulate
}

/// Shown or not, and which probe (a new kind is placed anew).
fn kind_ui(ui: &mut egui::Ui, session: &mut ProbeSession) {
    ui.horizontal(|ui| {
        ui.checkbox(&mut session.enabled, "show");
        let mut kind = session.kind;
        egui::ComboBox::from_id_salt("probe kind")
            .selected_text(kind.name())
            .show_ui(ui, |ui| {
                for k in [ProbeKind::Np1, ProbeKind::Np2, ProbeKind::Np2FourShank] {
                    ui.selectable_value(&mut kind, k, k.name());
                }
            });
        if kind != session.kind {
            session.kind = kind;
            session.view = None;
        }
    });
}

/// Entry point, tilt, azimuth, depth and listening radius; returns whether any changed.
fn placement_ui(ui: &mut egui::Ui, view: &mut ProbeView) -> bool {
    let mut changed = false;
    let mut drag = |ui: &mut egui::Ui, value: &mut f64, speed: f64, suffix: &str| {
        changed |= ui
            .add(egui::DragValue::new(value).speed(speed).suffix(suffix))
            .changed();
    };
    ui.horizontal(|ui| {
        ui.label("entry x");
        drag(ui, &mut view.entry[0], 5.0, " µm");
        ui.label("z");
        drag(ui, &mut view.entry[2], 5.0, " µm");
    });
    let mut ranged = |ui: &mut egui::Ui,
                      value: &mut f64,
                      speed: f64,
                      range: std::ops::RangeInclusive<f64>,
                      suffix: &str| {
        changed |= ui
            .add(
                egui::DragValue::new(value)
                    .speed(speed)
                    .range(range)
                    .suffix(suffix),
            )
            .changed();
    };
    ui.horizontal(|ui| {
        ui.label("tilt");
        ranged(ui, &mut view.tilt_deg, 0.5, 0.0..=80.0, "°");
        ui.label("azimuth");
        ranged(ui, &mut view.azimuth_deg, 1.0, -180.0..=180.0, "°");
    });
    ui.horizontal(|ui| {
        ui.label("depth");
        ranged(ui, &mut view.depth_um, 5.0, 0.0..=10_000.0, " µm");
        ui.label("radius");
        ranged(ui, &mut view.params.radius_um, 1.0, 5.0..=200.0, " µm");
    });
    changed
}

/// The recording: events by channel (y: height on the shank, tip at the bottom) and time;
/// the selected channel and the picked neuron's channels marked. A click selects the channel
/// nearest to it and highlights the neurons it hears (again: clears it).
fn recording_ui(
    ui: &mut egui::Ui,
    texture: &mut LaggedTexture,
    selected_channel: &mut Option<usize>,
    state: &mut ViewerState,
    view: &ProbeView,
    shank: &Shank,
    window: &Window,
) {
    let width = ui.available_width().max(100.0);
    let (resp, painter) = ui.allocate_painter(egui::vec2(width, 220.0), egui::Sense::click());
    let rect = resp.rect;
    let ppp = ui.ctx().pixels_per_point();
    let (w, h) = (
        ((rect.width() * ppp) as usize).clamp(1, 4096),
        ((rect.height() * ppp) as usize).clamp(1, 4096),
    );
    let row_of = |c: usize| {
        let f = shank.depth_fraction(c);
        if (0.0..=1.0).contains(&f) {
            (f * (h - 1) as f64) as usize
        } else {
            usize::MAX
        }
    };
    let tex = texture.show(ui.ctx(), "probe raster", window.texture_key(w, h), || {
        let mut img = egui::ColorImage::filled([w, h], egui::Color32::from_rgb(10, 10, 16));
        for e in window.events {
            let x = (((e.time_ms - window.t0) / window.window_ms) * w as f64) as usize;
            let y = row_of(e.channel as usize);
            if x < w && y < h {
                let a = (e.amplitude_uv.abs() / 60.0).clamp(0.0, 1.0);
                img.pixels[y * w + x] = color32(viridis(0.15 + 0.85 * a));
            }
        }
        img
    });
    if let Some(id) = tex {
        painter.image(id, rect, full_uv(), egui::Color32::WHITE);
    }
    let heights = &shank.heights;
    let y_of =
        |c: usize| rect.bottom() - rect.height() * ((heights[c] - shank.hmin) / shank.hspan) as f32;
    for c in selected_channel.iter().copied().chain(
        state
            .picked
            .map(|i| view.channels_of_unit(i))
            .unwrap_or_default()
            .into_iter()
            .map(usize::from),
    ) {
        if c < heights.len() {
            let y = y_of(c);
            painter.line_segment(
                [egui::pos2(rect.left(), y), egui::pos2(rect.right(), y)],
                egui::Stroke::new(
                    1.0,
                    egui::Color32::from_rgba_unmultiplied(255, 255, 255, 120),
                ),
            );
        }
    }
    painter.text(
        rect.left_top() + egui::vec2(4.0, 2.0),
        egui::Align2::LEFT_TOP,
        format!(
            "channels by depth, last {:.0} ms (click: a channel's neurons)",
            window.window_ms
        ),
        egui::FontId::proportional(11.0),
        egui::Color32::GRAY,
    );
    if resp.clicked()
        && let Some(pos) = resp.interact_pointer_pos()
    {
        let frac = ((rect.bottom() - pos.y) / rect.height()) as f64;
        let target = shank.hmin + frac * shank.hspan;
        let c = (0..heights.len()).min_by(|&a, &b| {
            (heights[a] - target)
                .abs()
                .total_cmp(&(heights[b] - target).abs())
        });
        if *selected_channel == c {
            *selected_channel = None;
            state.probe_units.clear();
        } else {
            *selected_channel = c;
            state.probe_units = c.map(|c| view.units_of_channel(c)).unwrap_or_default();
            state.picked = None;
        }
        state.restyle = true;
    }
}

/// Activity by depth: events per channel row in 25 time bins, as a heat map.
fn activity_by_depth_ui(
    ui: &mut egui::Ui,
    texture: &mut LaggedTexture,
    shank: &Shank,
    window: &Window,
) {
    let bins = 25;
    let n_channels = shank.heights.len();
    let counts = activity_by_depth(window.events, n_channels, window.t0, window.t1, bins);
    let max = counts.iter().copied().max().unwrap_or(0).max(1) as f32;
    let width = ui.available_width().max(100.0);
    let (resp, painter) = ui.allocate_painter(egui::vec2(width, 90.0), egui::Sense::hover());
    let rect = resp.rect;
    let (w, h) = (bins, 96usize);
    let tex = texture.show(ui.ctx(), "probe heat", window.texture_key(w, h), || {
        let mut img = egui::ColorImage::filled([w, h], egui::Color32::from_rgb(10, 10, 16));
        let mut acc = vec![0u32; w * h];
        for c in 0..n_channels {
            let f = shank.depth_fraction(c);
            if !(0.0..=1.0).contains(&f) {
                continue;
            }
            let y = ((f * (h - 1) as f64) as usize).min(h - 1);
            for b in 0..bins {
                acc[y * w + b] += counts[c * bins + b];
            }
        }
        let amax = acc.iter().copied().max().unwrap_or(0).max(1) as f32;
        for (p, &a) in img.pixels.iter_mut().zip(&acc) {
            if a > 0 {
                *p = color32(viridis((a as f32 / amax).sqrt()));
            }
        }
        img
    });
    if let Some(id) = tex {
        painter.image(id, rect, full_uv(), egui::Color32::WHITE);
    }
    painter.text(
        rect.left_top() + egui::vec2(4.0, 2.0),
        egui::Align2::LEFT_TOP,
        format!("activity by depth (max {max:.0} events/bin/channel)"),
        egui::FontId::proportional(11.0),
        egui::Color32::GRAY,
    );
}

/// The whole of a texture.
fn full_uv() -> egui::Rect {
    egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0))
}

/// Writes every event of the scene's spikes as CSV (channel, time_ms, node_id, population,
/// amplitude_uv) through a save dialog.
fn export_events(view: &ProbeView, scene: &Scene) -> String {
    let Some(path) = rfd::FileDialog::new()
        .set_file_name("probe_events.csv")
        .add_filter("CSV", &["csv"])
        .save_file()
    else {
        return "export cancelled".into();
    };
    let events = view.events(scene, f64::NEG_INFINITY, f64::INFINITY);
    let names: Vec<(String, u64)> = (0..scene.len())
        .map(|i| scene.node_of_instance(i).unwrap_or_default())
        .collect();
    match crate::probe::write_events_csv(&path, &events, &names) {
        Ok(()) => format!("{} events written to {}", events.len(), path.display()),
        Err(e) => format!("export failed: {e:#}"),
    }
}
