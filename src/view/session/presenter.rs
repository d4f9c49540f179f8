//! Presenter mode: F11 fullscreen with the legend, time stamp and scale bar drawn large for a
//! projector, Tab hides and shows every panel and floating window, the mouse cursor hides when
//! idle. The session's
//! title and captions are drawn over the 3D view in either mode.

use bevy::input::mouse::AccumulatedMouseMotion;
use bevy::prelude::*;
use bevy::window::{CursorOptions, MonitorSelection, PrimaryWindow, WindowMode};
use bevy_egui::{EguiContexts, egui};

use super::state::{PanelsShown, SessionScene};
use crate::view::ViewerState;
use crate::view::camera::OrbitCamera;
use crate::view::colors::color32;
use crate::view::legend::{self, Swatch, ViewExtent};
use crate::view::playback::Playback;
use crate::view::ui::{WindowView, view_rect};

/// Seconds without mouse motion before the cursor hides in presenter mode.
pub const CURSOR_IDLE_S: f32 = 2.0;

pub fn presenter_keys(
    keys: Res<ButtonInput<KeyCode>>,
    mut contexts: EguiContexts,
    mut shown: ResMut<PanelsShown>,
    mut windows: Query<&mut Window, With<PrimaryWindow>>,
) {
    if contexts
        .ctx_mut()
        .is_ok_and(|c| c.egui_wants_keyboard_input())
    {
        return;
    }
    if keys.just_pressed(KeyCode::Tab) {
        shown.all_hidden = !shown.all_hidden;
    }
    if keys.just_pressed(KeyCode::F11) {
        shown.presenter = !shown.presenter;
        for mut window in &mut windows {
            window.mode = if shown.presenter {
                WindowMode::BorderlessFullscreen(MonitorSelection::Current)
            } else {
                WindowMode::Windowed
            };
        }
    }
}

/// How far hidden floating windows are moved (points): off any screen.
const OFF_SCREEN: f32 = 100_000.0;

/// Floating windows (Looks, Cuts, Reports, Story, Help…) hide with the panels (Tab) and come
/// back where they were; closed ones stay closed.
pub fn hide_floating_windows(
    mut contexts: EguiContexts,
    shown: Res<PanelsShown>,
    mut moved: Local<Vec<egui::LayerId>>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    set_windows_hidden(ctx, shown.all_hidden, &mut moved);
    Ok(())
}

/// Hides the windows shown (egui's middle layers) by moving their layers far off screen, input
/// included, and remembers them in `moved`; `hidden == false` moves them back. A window that
/// opens while hidden is moved the next time this runs.
pub fn set_windows_hidden(ctx: &egui::Context, hidden: bool, moved: &mut Vec<egui::LayerId>) {
    if !hidden {
        for layer in moved.drain(..) {
            ctx.set_transform_layer(layer, egui::emath::TSTransform::IDENTITY);
        }
        return;
    }
    let windows = ctx.memory(|m| m.areas().visible_layer_ids());
    let away = egui::emath::TSTransform::from_translation(egui::vec2(OFF_SCREEN, OFF_SCREEN));
    for layer in windows {
        if layer.order == egui::Order::Middle && !moved.contains(&layer) {
            ctx.set_transform_layer(layer, away);
            moved.push(layer);
        }
    }
}

pub fn hide_idle_cursor(
    time: Res<Time>,
    motion: Option<Res<AccumulatedMouseMotion>>,
    shown: Res<PanelsShown>,
    mut idle: Local<f32>,
    mut cursors: Query<&mut CursorOptions, With<PrimaryWindow>>,
) {
    let moved = motion.is_some_and(|m| m.delta != Vec2::ZERO);
    *idle = if moved {
        0.0
    } else {
        *idle + time.delta_secs()
    };
    let visible = !shown.presenter || *idle < CURSOR_IDLE_S;
    for mut cursor in &mut cursors {
        if cursor.visible != visible {
            cursor.visible = visible;
        }
    }
}

/// Title and captions over the 3D view; in presenter mode also a large time stamp, legend and
/// scale bar.
pub fn presenter_overlay_ui(
    mut contexts: EguiContexts,
    shown: Res<PanelsShown>,
    scene: Res<SessionScene>,
    state: Res<ViewerState>,
    playback: Res<Playback>,
    cameras: Query<&Camera, With<WindowView>>,
    orbits: Query<&OrbitCamera, With<WindowView>>,
) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    let rect = view_rect(&cameras, &ctx);
    let painter = ctx.layer_painter(egui::LayerId::new(
        egui::Order::Foreground,
        egui::Id::new("session overlay"),
    ));
    // sized for a projector in presenter mode: a 1080p screen seen from the back of a room
    let big = shown.presenter;
    let size = |normal: f32| if big { normal * 2.2 } else { normal };
    let white = egui::Color32::from_gray(235);
    if let Some(title) = &scene.title {
        painter.text(
            rect.center_top() + egui::vec2(0.0, size(10.0)),
            egui::Align2::CENTER_TOP,
            title,
            egui::FontId::proportional(size(22.0)),
            white,
        );
    }
    for (i, caption) in scene.captions.iter().enumerate() {
        painter.text(
            rect.center_bottom() - egui::vec2(0.0, size(40.0) + i as f32 * size(22.0)),
            egui::Align2::CENTER_BOTTOM,
            caption,
            egui::FontId::proportional(size(18.0)),
            white,
        );
    }
    if !big {
        return Ok(());
    }
    painter.text(
        rect.right_top() + egui::vec2(-20.0, 16.0),
        egui::Align2::RIGHT_TOP,
        format!("{:.0} ms", playback.time_ms),
        egui::FontId::monospace(40.0),
        white,
    );
    // the legend in the bottom left corner, growing upward (floating windows open top left)
    let (rows, _) = legend::legend_rows(&state.styled.legend);
    let rows = &rows[..rows.len().min(12)];
    let mut y = rect.bottom() - 20.0 - rows.len() as f32 * 38.0;
    for row in rows {
        let swatch =
            egui::Rect::from_min_size(egui::pos2(rect.left() + 20.0, y), egui::vec2(28.0, 28.0));
        let color = match &row.swatch {
            Swatch::Solid(c) => *c,
            Swatch::Ramp(steps) => steps.last().copied().unwrap_or([1.0; 3]),
        };
        painter.rect_filled(swatch, 4.0, color32(color));
        painter.text(
            swatch.right_center() + egui::vec2(10.0, 0.0),
            egui::Align2::LEFT_CENTER,
            &row.text,
            egui::FontId::proportional(28.0),
            white,
        );
        y += 38.0;
    }
    if let Some(cam) = orbits.iter().next() {
        let bar = legend::scale_bar(ViewExtent {
            distance: cam.distance,
            fov_y: cam.fov,
            width: rect.width(),
            height: rect.height(),
        });
        let bottom = rect.right_bottom() + egui::vec2(-30.0, -30.0);
        painter.line_segment(
            [bottom - egui::vec2(bar.length_px, 0.0), bottom],
            egui::Stroke::new(6.0, white),
        );
        painter.text(
            bottom - egui::vec2(bar.length_px / 2.0, 10.0),
            egui::Align2::CENTER_BOTTOM,
            bar.label(),
            egui::FontId::proportional(30.0),
            white,
        );
    }
    Ok(())
}
