//! `ProbePlugin`: a Neuropixels probe in the 3D view (the "probe" mesh layer, sites glowing
//! with what their channels hear), and its recording beside it: events by channel and time,
//! activity by depth, scrolling with playback. Linked both ways: clicking a channel
//! highlights the neurons it hears; picking a neuron highlights its channels.
use std::sync::Arc;

use bevy::prelude::*;
use bevy_egui::egui;

use crate::probe::ProbeKind;

use super::ViewerState;
use super::playback::Playback;
use super::probe_view::{ProbeView, activity_by_depth};
use super::render::meshes::{MeshLayer, MeshLayers, Topology};
use super::scene::{Scene, viridis};

/// Name of the probe's mesh layer.
pub const PROBE_LAYER: &str = "probe";

/// Time a site glows after its channel hears a spike (ms).
pub const GLOW_MS: f64 = 20.0;

/// The probe and its view settings (main world).
#[derive(Resource)]
pub struct ProbeSession {
    pub enabled: bool,
    pub kind: ProbeKind,
    pub view: Option<ProbeView>,
    /// The channel clicked in the recording view.
    pub selected_channel: Option<usize>,
    /// Time shown by the recording view, ms.
    pub window_ms: f64,
    /// Recompute the neighbourhood and mesh (placement edited).
    pub dirty: bool,
    pub message: Option<String>,
    /// Address of the scene the view was made for (identifies it; never dereferenced).
    scene: Option<usize>,
    textures: [LaggedTexture; 2],
    /// Bumped when the placement or the scene changes.
    generation: u64,
    /// What the probe layer shows: (time, picked, selected channel, generation).
    mesh_key: Option<(u64, Option<usize>, Option<usize>, u64)>,
}

impl Default for ProbeSession {
    fn default() -> Self {
        Self {
            // on for the live demo (see `ui::run_window_with`), off elsewhere until asked for
            enabled: false,
            kind: ProbeKind::Np1,
            view: None,
            selected_channel: None,
            window_ms: 500.0,
            dirty: false,
            message: None,
            scene: None,
            textures: Default::default(),
            generation: 0,
            mesh_key: None,
        }
    }
}

impl ProbeSession {
    /// A session whose probe is shown (or not) from the start.
    pub fn shown(enabled: bool) -> Self {
        Self {
            enabled,
            ..Self::default()
        }
    }
}

/// Places the probe, keeps its mesh current and links it to the scene.
pub struct ProbePlugin;

impl Plugin for ProbePlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<ProbeSession>().add_systems(
            Update,
            (drag_probe, update_probe.after(super::poll_load)).chain(),
        );
    }
}

fn update_probe(
    mut session: ResMut<ProbeSession>,
    mut state: ResMut<ViewerState>,
    playback: Res<Playback>,
    mut layers: ResMut<MeshLayers>,
) {
    let Some(scene) = state.scene.clone() else {
        return;
    };
    if !session.enabled {
        if layers.get(PROBE_LAYER).is_some() {
            layers.remove(PROBE_LAYER);
        }
        return;
    }
    let ptr = Arc::as_ptr(&scene) as usize;
    if session.scene != Some(ptr) || session.view.is_none() {
        let same_kind = session
            .view
            .as_ref()
            .is_some_and(|v| v.geometry.kind == session.kind);
        // a new scene (or first start): the default placement; a live run's appended spikes
        // keep the scene (the pointer changes only when another circuit is loaded)
        if session.view.is_none() || !same_kind || session.scene.is_none() {
            session.view = Some(ProbeView::default_for(&scene, session.kind));
        } else if let Some(v) = session.view.as_mut() {
            v.update(&scene);
        }
        session.scene = Some(ptr);
        session.generation += 1;
        session.selected_channel = None;
        state.probe_units.clear();
    }
    if session.dirty {
        session.dirty = false;
        session.generation += 1;
        if let Some(v) = session.view.as_mut() {
            v.update(&scene);
        }
        if let Some(c) = session.selected_channel
            && let Some(v) = &session.view
        {
            state.probe_units = v.units_of_channel(c);
            state.restyle = true;
        }
    }
    if session.view.is_none() {
        return;
    }
    // the mesh changes with the time (glow), the marked channels and the placement: paused
    // and unchanged, nothing is rebuilt or uploaded
    let t = playback.time_ms;
    let key = (
        t.to_bits(),
        state.picked,
        session.selected_channel,
        session.generation,
    );
    if session.mesh_key == Some(key) && layers.get(PROBE_LAYER).is_some() {
        return;
    }
    session.mesh_key = Some(key);
    let Some(view) = &session.view else {
        return;
    };
    // sites glow with the spikes their channels heard in the last GLOW_MS
    let glow = view.glow(&scene, t, GLOW_MS);
    let highlighted: Vec<u16> = match state.picked {
        Some(i) => view.channels_of_unit(i),
        None => session
            .selected_channel
            .map(|c| vec![c as u16])
            .unwrap_or_default(),
    };
    layers.set(
        PROBE_LAYER,
        MeshLayer::new(Topology::Triangles, vec![view.mesh(&glow, &highlighted)]),
    );
}

/// Ctrl+drag in the 3D view moves the probe: sideways moves its entry point along the screen's
/// horizontal (in the circuit's x/z plane), up and down changes its depth.
fn drag_probe(
    buttons: Option<Res<ButtonInput<MouseButton>>>,
    keys: Option<Res<ButtonInput<KeyCode>>>,
    motion: Option<Res<bevy::input::mouse::AccumulatedMouseMotion>>,
    blocked: Res<super::camera::CameraInputBlocked>,
    cameras: Query<&super::camera::OrbitCamera>,
    mut session: ResMut<ProbeSession>,
) {
    let (Some(buttons), Some(keys), Some(motion)) = (buttons, keys, motion) else {
        return;
    };
    let ctrl = keys.any_pressed([KeyCode::ControlLeft, KeyCode::ControlRight]);
    let d = motion.delta;
    if blocked.0 || !ctrl || !buttons.pressed(MouseButton::Left) || d == Vec2::ZERO {
        return;
    }
    let Some(cam) = cameras.iter().next() else {
        return;
    };
    // µm per pixel at the camera's target, for a window about 720 px high
    let scale = (cam.distance * (0.5 * cam.fov).tan() * 2.0 / 720.0) as f64;
    let right = cam.transform().right();
    let flat = Vec2::new(right.x, right.z).normalize_or_zero();
    let Some(view) = session.view.as_mut() else {
        return;
    };
    view.entry[0] += (flat.x * d.x) as f64 * scale;
    view.entry[2] += (flat.y * d.x) as f64 * scale;
    view.depth_um = (view.depth_um + d.y as f64 * scale).clamp(0.0, 10_000.0);
    session.dirty = true;
}

/// A texture shown from the frame after it was made: bevy_egui uploads new textures a frame
/// late, so one replaced every frame would never show.
#[derive(Default)]
struct LaggedTexture {
    key: Option<(u64, u64, usize, usize, u64)>,
    newest: Option<egui::TextureHandle>,
    shown: Option<egui::TextureHandle>,
}

impl LaggedTexture {
    fn show(
        &mut self,
        ctx: &egui::Context,
        name: &str,
        key: (u64, u64, usize, usize, u64),
        make: impl FnOnce() -> egui::ColorImage,
    ) -> Option<egui::TextureId> {
        if self.key != Some(key) {
            let tex = ctx.load_texture(name, make(), egui::TextureOptions::NEAREST);
            self.shown = self.newest.replace(tex).or(self.shown.take());
            self.key = Some(key);
        } else if let Some(t) = &self.newest {
            self.shown = Some(t.clone());
        }
        self.shown.as_ref().map(egui::TextureHandle::id)
    }
}

fn c32(c: [f32; 3]) -> egui::Color32 {
    egui::Color32::from_rgb(
        (c[0].clamp(0.0, 1.0) * 255.0) as u8,
        (c[1].clamp(0.0, 1.0) * 255.0) as u8,
        (c[2].clamp(0.0, 1.0) * 255.0) as u8,
    )
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
    let Some(scene) = state.scene.clone() else {
        return stimulate;
    };
    let Some(view) = session.view.as_mut() else {
        return stimulate;
    };
    let mut changed = false;
    ui.horizontal(|ui| {
        ui.label("entry x");
        changed |= ui
            .add(
                egui::DragValue::new(&mut view.entry[0])
                    .speed(5.0)
                    .suffix(" µm"),
            )
            .changed();
        ui.label("z");
        changed |= ui
            .add(
                egui::DragValue::new(&mut view.entry[2])
                    .speed(5.0)
                    .suffix(" µm"),
            )
            .changed();
    });
    ui.horizontal(|ui| {
        ui.label("tilt");
        changed |= ui
            .add(
                egui::DragValue::new(&mut view.tilt_deg)
                    .speed(0.5)
                    .range(0.0..=80.0)
                    .suffix("°"),
            )
            .changed();
        ui.label("azimuth");
        changed |= ui
            .add(
                egui::DragValue::new(&mut view.azimuth_deg)
                    .speed(1.0)
                    .range(-180.0..=180.0)
                    .suffix("°"),
            )
            .changed();
    });
    ui.horizontal(|ui| {
        ui.label("depth");
        changed |= ui
            .add(
                egui::DragValue::new(&mut view.depth_um)
                    .speed(5.0)
                    .range(0.0..=10_000.0)
                    .suffix(" µm"),
            )
            .changed();
        ui.label("radius");
        changed |= ui
            .add(
                egui::DragValue::new(&mut view.params.radius_um)
                    .speed(1.0)
                    .range(5.0..=200.0)
                    .suffix(" µm"),
            )
            .changed();
    });
    if changed {
        session.dirty = true;
    }
    let heard = view.neighbourhood.n_units_heard();
    ui.label(format!(
        "{} channels, {heard} neurons within {:.0} µm",
        view.geometry.channels.len(),
        view.params.radius_um
    ));

    // the recording: events by channel (y: height on the shank, tip at the bottom) and time
    let t1 = playback.time_ms;
    let t0 = t1 - session.window_ms;
    let events = view.events(&scene, t0, t1);
    let heights = view.channel_heights();
    // the part of the shank that hears neurons (a 10 mm shank in a 1 mm column is mostly
    // outside it), all of it when none
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
    let hspan = (hmax - hmin).max(1.0);
    let width = ui.available_width().max(100.0);
    let size = egui::vec2(width, 220.0);
    let (resp, painter) = ui.allocate_painter(size, egui::Sense::click());
    let rect = resp.rect;
    let ppp = ui.ctx().pixels_per_point();
    let (w, h) = (
        ((rect.width() * ppp) as usize).clamp(1, 4096),
        ((rect.height() * ppp) as usize).clamp(1, 4096),
    );
    let key = (
        t1.to_bits(),
        session.window_ms.to_bits(),
        w,
        h,
        events.len() as u64,
    );
    let row_of = |c: usize| {
        let f = 1.0 - (heights[c] - hmin) / hspan;
        if (0.0..=1.0).contains(&f) {
            (f * (h - 1) as f64) as usize
        } else {
            usize::MAX
        }
    };
    let tex = session.textures[0].show(ui.ctx(), "probe raster", key, || {
        let mut img = egui::ColorImage::filled([w, h], egui::Color32::from_rgb(10, 10, 16));
        for e in &events {
            let x = (((e.time_ms - t0) / session.window_ms) * w as f64) as usize;
            let y = row_of(e.channel as usize);
            if x < w && y < h {
                let a = (e.amplitude_uv.abs() / 60.0).clamp(0.0, 1.0);
                img.pixels[y * w + x] = c32(viridis(0.15 + 0.85 * a));
            }
        }
        img
    });
    if let Some(id) = tex {
        painter.image(
            id,
            rect,
            egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0)),
            egui::Color32::WHITE,
        );
    }
    let y_of = |c: usize| rect.bottom() - rect.height() * ((heights[c] - hmin) / hspan) as f32;
    for c in session.selected_channel.into_iter().chain(
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
            session.window_ms
        ),
        egui::FontId::proportional(11.0),
        egui::Color32::GRAY,
    );
    if resp.clicked()
        && let Some(pos) = resp.interact_pointer_pos()
    {
        let frac = ((rect.bottom() - pos.y) / rect.height()) as f64;
        let target = hmin + frac * hspan;
        let c = (0..heights.len()).min_by(|&a, &b| {
            (heights[a] - target)
                .abs()
                .total_cmp(&(heights[b] - target).abs())
        });
        if session.selected_channel == c {
            session.selected_channel = None;
            state.probe_units.clear();
        } else {
            session.selected_channel = c;
            state.probe_units = c.map(|c| view.units_of_channel(c)).unwrap_or_default();
            state.picked = None;
        }
        state.restyle = true;
    }

    // activity by depth: events per channel row in 25 bins
    let bins = 25;
    let counts = activity_by_depth(&events, heights.len(), t0, t1, bins);
    let max = counts.iter().copied().max().unwrap_or(0).max(1) as f32;
    let size = egui::vec2(width, 90.0);
    let (resp2, painter2) = ui.allocate_painter(size, egui::Sense::hover());
    let rect2 = resp2.rect;
    let (w2, h2) = (bins, 96usize);
    let key2 = (
        t1.to_bits(),
        session.window_ms.to_bits(),
        w2,
        h2,
        events.len() as u64,
    );
    let tex2 = session.textures[1].show(ui.ctx(), "probe heat", key2, || {
        let mut img = egui::ColorImage::filled([w2, h2], egui::Color32::from_rgb(10, 10, 16));
        let mut acc = vec![0u32; w2 * h2];
        for c in 0..heights.len() {
            let f = 1.0 - (heights[c] - hmin) / hspan;
            if !(0.0..=1.0).contains(&f) {
                continue;
            }
            let y = ((f * (h2 - 1) as f64) as usize).min(h2 - 1);
            for b in 0..bins {
                acc[y * w2 + b] += counts[c * bins + b];
            }
        }
        let amax = acc.iter().copied().max().unwrap_or(0).max(1) as f32;
        for (p, &a) in img.pixels.iter_mut().zip(&acc) {
            if a > 0 {
                *p = c32(viridis((a as f32 / amax).sqrt()));
            }
        }
        img
    });
    if let Some(id) = tex2 {
        painter2.image(
            id,
            rect2,
            egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0)),
            egui::Color32::WHITE,
        );
    }
    painter2.text(
        rect2.left_top() + egui::vec2(4.0, 2.0),
        egui::Align2::LEFT_TOP,
        format!("activity by depth (max {max:.0} events/bin/channel)"),
        egui::FontId::proportional(11.0),
        egui::Color32::GRAY,
    );
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
