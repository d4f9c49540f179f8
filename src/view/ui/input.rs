//! The window's input: keyboard shortcuts, dropped files, picking a neuron with a click.

use bevy::prelude::*;
use bevy::window::{FileDragAndDrop, PrimaryWindow};
use bevy_egui::EguiContexts;

use super::menu_ui::add_spikes_file;
use super::screenshots::take_screenshot;
use super::state::{UiState, WindowView};
use crate::view::camera::{CameraInputBlocked, OrbitCamera};
use crate::view::playback::Playback;
use crate::view::session::state::DeckState;
use crate::view::{LoadTask, ViewerState};

pub fn shortcuts(
    keys: Res<ButtonInput<KeyCode>>,
    mut contexts: EguiContexts,
    mut playback: ResMut<Playback>,
    mut state: ResMut<ViewerState>,
    mut ui_state: ResMut<UiState>,
    mut commands: Commands,
    deck: Option<Res<DeckState>>,
) {
    if contexts
        .ctx_mut()
        .is_ok_and(|c| c.egui_wants_keyboard_input())
    {
        return;
    }
    // in a deck, Space steps to the next scene (what clickers send)
    let presenting_deck = deck.is_some_and(|d| d.deck.is_some());
    if keys.just_pressed(KeyCode::Space) && !presenting_deck {
        playback.playing = !playback.playing;
    }
    if keys.just_pressed(KeyCode::KeyF) {
        state.fit_pending = true;
        state.restyle = true;
    }
    if keys.just_pressed(KeyCode::KeyH) {
        ui_state.help_open = !ui_state.help_open;
    }
    if keys.just_pressed(KeyCode::KeyS) {
        take_screenshot(&mut commands);
    }
}

pub fn dropped_files(
    mut events: MessageReader<FileDragAndDrop>,
    mut task: ResMut<LoadTask>,
    mut state: ResMut<ViewerState>,
) {
    for ev in events.read() {
        if let FileDragAndDrop::DroppedFile { path_buf, .. } = ev {
            // A spikes file dropped on an open circuit adds its spikes; anything else opens.
            let is_spikes = state.scene.is_some()
                && crate::sonata::circuit::h5_kind(path_buf)
                    .is_ok_and(|k| k == crate::sonata::circuit::H5Kind::Spikes);
            if is_spikes {
                add_spikes_file(&mut state, path_buf);
            } else if state.scene.is_some()
                && crate::sonata::circuit::h5_kind(path_buf)
                    .is_ok_and(|k| k == crate::sonata::circuit::H5Kind::Report)
            {
                crate::view::reports::plugin::add_report_file(&mut state, path_buf);
            } else {
                task.start(path_buf, &mut state);
            }
        }
    }
}

/// Click (press and release without moving): pick the nearest drawn neuron under the cursor.
pub fn pick_neuron(
    buttons: Res<ButtonInput<MouseButton>>,
    window: Single<&Window, With<PrimaryWindow>>,
    blocked: Res<CameraInputBlocked>,
    cameras: Query<(&OrbitCamera, &Camera), With<WindowView>>,
    mut ui_state: ResMut<UiState>,
    mut state: ResMut<ViewerState>,
) {
    let Some(cursor) = window.cursor_position() else {
        return;
    };
    if buttons.just_pressed(MouseButton::Left) && !blocked.0 {
        ui_state.press_at = Some(cursor);
    }
    if !buttons.just_released(MouseButton::Left) {
        return;
    }
    let Some(start) = ui_state.press_at.take() else {
        return;
    };
    if start.distance(cursor) > 4.0 {
        return;
    }
    let Some((cam, camera)) = cameras.iter().next() else {
        return;
    };
    let Some(rect) = camera.logical_viewport_rect() else {
        return;
    };
    let cursor = cursor - rect.min;
    let size = rect.size();
    let clip_from_world = cam.clip_from_world(size.x / size.y.max(1.0));
    let px_per_um = size.y / (2.0 * cam.distance * (0.5 * cam.fov).tan());
    let mut best: Option<(f32, usize)> = None;
    for (i, inst) in state.styled.instances.iter().enumerate() {
        if inst.radius <= 0.0 {
            continue;
        }
        let p = Vec3::from(inst.position);
        let clip = clip_from_world * p.extend(1.0);
        if clip.w <= 0.0 {
            continue;
        }
        let ndc = clip.truncate() / clip.w;
        let s = Vec2::new((ndc.x * 0.5 + 0.5) * size.x, (0.5 - ndc.y * 0.5) * size.y);
        let r = (inst.radius * px_per_um * cam.distance / clip.w).max(4.0);
        let d = s.distance(cursor);
        // Nearest to the eye among those under the cursor.
        if d <= r && best.is_none_or(|(w, _)| clip.w < w) {
            best = Some((clip.w, i));
        }
    }
    state.picked = best.map(|(_, i)| i);
    state.restyle = true;
}
