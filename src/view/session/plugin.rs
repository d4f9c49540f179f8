//! `SessionPlugin` (window): sessions and decks opened and saved, the story previewed, camera
//! flights, deck keys, the Story panel, the title and captions, presenter mode.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};

use super::apply::{capture_session, place_pending_probe};
use super::open::{
    apply_pending_session, fly_camera, handle_open_requests, preview_story, step_deck,
    take_over_session_loads,
};
use super::presenter::{
    hide_floating_windows, hide_idle_cursor, presenter_keys, presenter_overlay_ui,
};
use super::state::{
    CameraFlight, DeckState, OpenRequests, PanelsShown, PendingSession, SaveRequest, SessionScene,
    StoryPreview,
};
use super::story_ui::story_ui;
use crate::view::ViewerState;
use crate::view::scene::{poll_load, restyle_scene};

pub struct SessionPlugin;

impl Plugin for SessionPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<SessionScene>()
            .init_resource::<PendingSession>()
            .init_resource::<OpenRequests>()
            .init_resource::<SaveRequest>()
            .init_resource::<DeckState>()
            .init_resource::<StoryPreview>()
            .init_resource::<CameraFlight>()
            .init_resource::<PanelsShown>()
            .add_systems(Update, route_sessions.before(poll_load))
            .add_systems(
                Update,
                advance_sessions.after(poll_load).before(restyle_scene),
            )
            .add_systems(Update, (deck_keys, presenter_keys, hide_idle_cursor))
            .add_systems(
                EguiPrimaryContextPass,
                (story_ui, presenter_overlay_ui, hide_floating_windows),
            );
    }
}

/// Loads started on sessions or decks become session opens.
fn route_sessions(world: &mut World) {
    take_over_session_loads(world);
    handle_open_requests(world);
}

/// The session being opened applied once its circuit is on screen, the probe placed, the
/// camera flown, the story's frame drawn, a save asked for written.
fn advance_sessions(world: &mut World) {
    apply_pending_session(world);
    place_pending_probe(world);
    let dt = world.resource::<Time>().delta_secs_f64();
    fly_camera(world, dt);
    preview_story(world, dt);
    save_requested(world);
}

fn save_requested(world: &mut World) {
    let Some(path) = world.resource_mut::<SaveRequest>().0.take() else {
        return;
    };
    let session = capture_session(world);
    match session.save(&path) {
        Ok(()) => {
            info!("session saved to {}", path.display());
            world.resource_mut::<SessionScene>().path = Some(path.clone());
            if let Err(e) = crate::view::ui::remember_recent(&path) {
                warn!("recent files: {e:#}");
            }
        }
        Err(e) => {
            error!("{e}");
            world.resource_mut::<ViewerState>().error = Some(e.to_string());
        }
    }
}

/// A deck steps with the keys presentation clickers send: PageDown, Right, Down, Space
/// forward; PageUp, Left, Up back.
fn deck_keys(world: &mut World) {
    if world.resource::<DeckState>().deck.is_none() {
        return;
    }
    let typing = world
        .run_system_cached(|mut contexts: EguiContexts| {
            contexts
                .ctx_mut()
                .is_ok_and(|c| c.egui_wants_keyboard_input())
        })
        .unwrap_or(false);
    if typing {
        return;
    }
    let Some(keys) = world.get_resource::<ButtonInput<KeyCode>>() else {
        return;
    };
    let forward = keys.any_just_pressed([
        KeyCode::PageDown,
        KeyCode::ArrowRight,
        KeyCode::ArrowDown,
        KeyCode::Space,
    ]);
    let back = keys.any_just_pressed([KeyCode::PageUp, KeyCode::ArrowLeft, KeyCode::ArrowUp]);
    if forward {
        step_deck(world, 1);
    } else if back {
        step_deck(world, -1);
    }
}
