//! The Story panel: a timeline of keys over movie time; add a key from the current view, move
//! (drag or number) and delete keys, duration and frame rate, scrub, and play the preview that
//! draws each frame as `render` will.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, egui};

use super::convert::{orbit_to_spec, representation_to_spec};
use super::state::{PanelsShown, SessionScene, StoryPreview};
use crate::session::{Ease, Story, StoryKey};
use crate::view::ViewerState;
use crate::view::camera::OrbitCamera;
use crate::view::playback::Playback;
use crate::view::ui::{WindowView, view_rect};

/// The key being edited, and the one being dragged on the timeline.
#[derive(Default)]
pub struct StoryUiState {
    selected: Option<usize>,
    dragging: Option<usize>,
}

#[allow(clippy::too_many_arguments)]
pub fn story_ui(
    mut contexts: EguiContexts,
    mut shown: ResMut<PanelsShown>,
    mut scene: ResMut<SessionScene>,
    mut preview: ResMut<StoryPreview>,
    state: Res<ViewerState>,
    playback: Res<Playback>,
    cameras: Query<&OrbitCamera, With<WindowView>>,
    views: Query<&Camera, With<WindowView>>,
    mut ui_state: Local<StoryUiState>,
) -> Result {
    if !shown.shows(shown.story) {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?.clone();
    let mut open = true;
    let view = view_rect(&views, &ctx);
    egui::Window::new("Story")
        .open(&mut open)
        .default_width(520.0)
        .default_pos(view.left_top() + egui::vec2(12.0, 40.0))
        .show(&ctx, |ui| {
            let Some(story) = scene.story.as_mut() else {
                if ui.button("New story (10 s, 30 fps)").clicked() {
                    scene.story = Some(Story::default());
                }
                return;
            };
            settings_ui(ui, story, &mut preview);
            timeline_ui(ui, story, &mut preview, &mut ui_state);
            let duration_s = story.duration_s;
            ui.horizontal(|ui| {
                let label = if preview.playing {
                    "Pause"
                } else {
                    "Play preview"
                };
                if ui.button(label).clicked() {
                    if !preview.playing && preview.s >= duration_s {
                        preview.s = 0.0;
                    }
                    preview.playing = !preview.playing;
                }
                if ui.button("Add key from the view").clicked() {
                    let camera = cameras.iter().next().map(|cam| {
                        scene_camera(&scene.applied_camera, cam)
                            .unwrap_or_else(|| orbit_to_spec(cam))
                    });
                    let key = StoryKey {
                        at_s: preview.s,
                        camera,
                        time_ms: Some(playback.time_ms),
                        representations: Some(
                            state
                                .representations
                                .iter()
                                .map(representation_to_spec)
                                .collect(),
                        ),
                        ..StoryKey::default()
                    };
                    if let Some(story) = scene.story.as_mut() {
                        ui_state.selected = Some(insert_key(story, key));
                    }
                }
            });
            if let Some(story) = scene.story.as_mut() {
                key_ui(ui, story, &mut preview, &mut ui_state);
            }
        });
    shown.story = open;
    Ok(())
}

/// The camera a session set, while the view has not moved from it.
fn scene_camera(
    applied: &Option<(crate::session::CameraSpec, OrbitCamera)>,
    cam: &OrbitCamera,
) -> Option<crate::session::CameraSpec> {
    applied
        .filter(|(_, orbit)| orbit == cam)
        .map(|(spec, _)| spec)
}

/// Puts `key` in time order, replacing a key at the same time; returns its index.
fn insert_key(story: &mut Story, key: StoryKey) -> usize {
    if let Some(i) = story
        .keys
        .iter()
        .position(|k| (k.at_s - key.at_s).abs() < 1e-6)
    {
        story.keys[i] = key;
        return i;
    }
    let i = story.keys.partition_point(|k| k.at_s < key.at_s);
    story.keys.insert(i, key);
    i
}

fn settings_ui(ui: &mut egui::Ui, story: &mut Story, preview: &mut StoryPreview) {
    ui.horizontal(|ui| {
        ui.label("duration");
        ui.add(
            egui::DragValue::new(&mut story.duration_s)
                .range(0.1..=3600.0)
                .speed(0.1)
                .suffix(" s"),
        );
        ui.label("fps");
        ui.add(egui::DragValue::new(&mut story.fps).range(1..=240));
        ui.label(format!(
            "{} frames",
            (story.duration_s * f64::from(story.fps)).round() as u64 + 1
        ));
    });
    let mut s = preview.s;
    if ui
        .add(egui::Slider::new(&mut s, 0.0..=story.duration_s).text("movie time (s)"))
        .changed()
    {
        preview.s = s;
        preview.dirty = true;
    }
}

/// A bar over movie time with a marker per key (drag to move it) and the preview's cursor
/// (click or drag elsewhere to scrub).
fn timeline_ui(
    ui: &mut egui::Ui,
    story: &mut Story,
    preview: &mut StoryPreview,
    ui_state: &mut StoryUiState,
) {
    let width = ui.available_width().max(200.0);
    let (rect, response) =
        ui.allocate_exact_size(egui::vec2(width, 36.0), egui::Sense::click_and_drag());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 3.0, egui::Color32::from_gray(35));
    let duration = story.duration_s.max(1e-6);
    let x_of = |s: f64| rect.left() + (s / duration) as f32 * rect.width();
    let s_of =
        |x: f32| (f64::from((x - rect.left()) / rect.width()) * duration).clamp(0.0, duration);
    for (i, key) in story.keys.iter().enumerate() {
        let x = x_of(key.at_s);
        let color = if ui_state.selected == Some(i) {
            egui::Color32::from_rgb(255, 200, 60)
        } else {
            egui::Color32::from_rgb(120, 180, 255)
        };
        let c = egui::pos2(x, rect.center().y);
        painter.add(egui::Shape::convex_polygon(
            vec![
                c + egui::vec2(0.0, -9.0),
                c + egui::vec2(7.0, 0.0),
                c + egui::vec2(0.0, 9.0),
                c + egui::vec2(-7.0, 0.0),
            ],
            color,
            egui::Stroke::NONE,
        ));
    }
    let cursor = x_of(preview.s);
    painter.line_segment(
        [
            egui::pos2(cursor, rect.top()),
            egui::pos2(cursor, rect.bottom()),
        ],
        egui::Stroke::new(2.0, egui::Color32::WHITE),
    );
    let Some(pointer) = response.interact_pointer_pos() else {
        if response.drag_stopped() {
            ui_state.dragging = None;
        }
        return;
    };
    if response.drag_started() || response.clicked() {
        ui_state.dragging = story
            .keys
            .iter()
            .position(|k| (x_of(k.at_s) - pointer.x).abs() < 8.0);
        if ui_state.dragging.is_some() {
            ui_state.selected = ui_state.dragging;
        }
    }
    match ui_state.dragging {
        Some(i) if response.dragged() => {
            if let Some(key) = story.keys.get_mut(i) {
                key.at_s = s_of(pointer.x);
            }
        }
        _ => {
            preview.s = s_of(pointer.x);
            preview.dirty = true;
        }
    }
    if response.drag_stopped() {
        ui_state.dragging = None;
        sort_keys(story, ui_state);
        preview.dirty = true;
    }
}

/// Keys back in time order, the selection following its key.
fn sort_keys(story: &mut Story, ui_state: &mut StoryUiState) {
    let selected_at = ui_state
        .selected
        .and_then(|i| story.keys.get(i))
        .map(|k| k.at_s);
    story.keys.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
    ui_state.selected = selected_at.and_then(|t| story.keys.iter().position(|k| k.at_s == t));
}

/// The selected key: its time, ease, caption and title; delete it.
fn key_ui(
    ui: &mut egui::Ui,
    story: &mut Story,
    preview: &mut StoryPreview,
    ui_state: &mut StoryUiState,
) {
    let Some(i) = ui_state.selected.filter(|&i| i < story.keys.len()) else {
        ui.weak("Click a key on the timeline to edit it.");
        return;
    };
    let duration = story.duration_s;
    let mut delete = false;
    let mut moved = false;
    {
        let key = &mut story.keys[i];
        ui.separator();
        ui.horizontal(|ui| {
            ui.label(format!("key {}", i + 1));
            moved |= ui
                .add(
                    egui::DragValue::new(&mut key.at_s)
                        .range(0.0..=duration)
                        .speed(0.05)
                        .suffix(" s"),
                )
                .changed();
            egui::ComboBox::from_id_salt("ease")
                .selected_text(match key.ease {
                    Ease::Linear => "linear",
                    Ease::Smooth => "smooth",
                })
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut key.ease, Ease::Linear, "linear");
                    ui.selectable_value(&mut key.ease, Ease::Smooth, "smooth");
                });
            delete = ui.button("Delete").clicked();
        });
        ui.horizontal(|ui| {
            ui.label("model time");
            let mut has = key.time_ms.is_some();
            if ui.checkbox(&mut has, "").changed() {
                key.time_ms = has.then_some(0.0);
            }
            if let Some(t) = key.time_ms.as_mut() {
                ui.add(egui::DragValue::new(t).speed(1.0).suffix(" ms"));
            }
            ui.label("orbit");
            let mut deg = key.orbit_deg.unwrap_or(0.0);
            if ui
                .add(egui::DragValue::new(&mut deg).speed(1.0).suffix("°"))
                .changed()
            {
                key.orbit_deg = (deg != 0.0).then_some(deg);
            }
        });
        ui.horizontal(|ui| {
            ui.label("title");
            let mut title = key.title.clone().unwrap_or_default();
            if ui.text_edit_singleline(&mut title).changed() {
                key.title = (!title.is_empty()).then_some(title);
            }
        });
        ui.horizontal(|ui| {
            ui.label("caption");
            let mut text = key
                .caption
                .as_ref()
                .map(|c| c.text.clone())
                .unwrap_or_default();
            if ui.text_edit_singleline(&mut text).changed() {
                key.caption = (!text.is_empty()).then(|| crate::session::Caption {
                    text,
                    duration_s: key.caption.as_ref().map_or(3.0, |c| c.duration_s),
                });
            }
        });
    }
    if delete {
        story.keys.remove(i);
        ui_state.selected = None;
        preview.dirty = true;
    } else if moved {
        sort_keys(story, ui_state);
        preview.dirty = true;
    }
}
