//! Opening sessions and decks in the viewer: the session read, its circuit loaded (unless it is
//! on screen already), then its extra files and the rest applied; deck steps fly the camera.

use std::path::{Path, PathBuf};

use bevy::prelude::*;

use super::added_files::added_files;
use super::apply::{
    FrameParts, absolute, apply_frame_state, apply_session, capture_session, set_camera,
};
use super::state::{
    CameraFlight, DeckState, Flight, OpenRequests, Pending, PendingSession, SessionScene,
    StoryPreview,
};
use crate::session::interpolate::{slerp_direction, to_f32, to_f64};
use crate::session::{Deck, Session, is_deck_path, is_session_path};
use crate::sonata::circuit::{H5Kind, h5_kind};
use crate::view::{LoadTask, ViewerState};

/// How long a deck step flies the camera, s.
pub const FLIGHT_S: f64 = 1.0;

/// Says what went wrong on the viewer's error line and on stderr.
fn report(world: &mut World, message: String) {
    error!("{message}");
    eprintln!("{message}");
    world.resource_mut::<ViewerState>().error = Some(message);
}

/// Whether a path opens as a session or a deck rather than as a circuit.
pub fn opens_as_session(path: &Path) -> bool {
    is_session_path(path) || is_deck_path(path)
}

/// A load started on a session or deck (the menu's Open, a recent file, a dropped file, the
/// command line) is taken over: the session is opened instead of loaded as a circuit.
pub fn take_over_session_loads(world: &mut World) {
    let Some(loading) = world
        .resource::<LoadTask>()
        .0
        .as_ref()
        .map(|(p, _)| p.clone())
    else {
        return;
    };
    // each load is looked at once (telling a deck from a config reads the file)
    let mut scene = world.get_resource_or_init::<SessionScene>();
    if scene.load_checked.as_ref() == Some(&loading) {
        return;
    }
    if !opens_as_session(&loading) {
        scene.load_checked = Some(loading);
        return;
    }
    scene.load_checked = None;
    let Some((path, _task)) = world.resource_mut::<LoadTask>().0.take() else {
        return;
    };
    {
        let mut state = world.resource_mut::<ViewerState>();
        state.loading = None;
        state.load_progress = None;
    }
    world.get_resource_or_init::<OpenRequests>().0.push(path);
}

/// Opens the sessions and decks asked for.
pub fn handle_open_requests(world: &mut World) {
    let requests = std::mem::take(&mut world.get_resource_or_init::<OpenRequests>().0);
    for path in requests {
        // the window's recent files (tests and scripts open sessions without this)
        if let Err(e) = crate::view::ui::remember_recent(&path) {
            warn!("recent files: {e:#}");
        }
        if is_session_path(&path) || !is_deck_path(&path) {
            world.get_resource_or_init::<DeckState>().deck = None;
            open_session(world, &path, false);
            continue;
        }
        match Deck::load(&path) {
            Ok(deck) => {
                let first = deck.scenes[0].clone();
                *world.get_resource_or_init::<DeckState>() = DeckState {
                    deck: Some(deck),
                    index: 0,
                };
                open_session(world, &first, false);
            }
            Err(e) => report(world, e.to_string()),
        }
    }
}

/// Reads a session and starts putting it on screen (an unreadable session changes nothing and
/// says why). `fly`: move the camera to the session's over [`FLIGHT_S`].
pub fn open_session(world: &mut World, path: &Path, fly: bool) {
    let loaded = match Session::load(path) {
        Ok(l) => l,
        Err(e) => return report(world, e.to_string()),
    };
    info!("opening session {}", path.display());
    let mut missing = loaded.missing_files();
    let mut circuit = loaded.open.first().filter(|p| p.exists()).cloned();
    if loaded.shows_builtin_column() {
        // written by `cortexview live` (or a window opened on a deck that runs it)
        let column = crate::cli::demo::live_demo_config(&crate::demo::DemoOptions::default());
        if column.is_file() {
            circuit = Some(column);
        } else {
            missing.push(column);
        }
    }
    let extras: Vec<PathBuf> = loaded
        .open
        .iter()
        .skip(1)
        .filter(|p| p.exists())
        .cloned()
        .collect();
    let same_circuit = {
        let state = world.resource::<ViewerState>();
        circuit.is_some() && state.opened == circuit && state.scene.is_some()
    };
    if let Some(c) = &circuit
        && !same_circuit
    {
        // what was on screen stays until the new circuit has loaded
        world.resource_scope(|world, mut task: Mut<LoadTask>| {
            task.start(c, &mut world.resource_mut::<ViewerState>());
        });
    }
    world.get_resource_or_init::<PendingSession>().0 = Some(Pending {
        path: path.to_owned(),
        session: loaded.resolved(),
        circuit,
        extras,
        missing,
        fly: fly && same_circuit,
    });
}

/// Applies the session being opened once its circuit is on screen; a failed load keeps what
/// was on screen and its error.
pub fn apply_pending_session(world: &mut World) {
    let waiting = world
        .get_resource::<PendingSession>()
        .is_some_and(|p| p.0.is_some());
    if !waiting || world.resource::<LoadTask>().0.is_some() {
        return;
    }
    let Some(pending) = world.resource_mut::<PendingSession>().0.take() else {
        return;
    };
    let on_screen = {
        let state = world.resource::<ViewerState>();
        pending.circuit.is_none() || (state.opened == pending.circuit && state.scene.is_some())
    };
    if !on_screen {
        let why = world
            .resource::<ViewerState>()
            .error
            .clone()
            .unwrap_or_default();
        return report(
            world,
            format!(
                "session {}: its circuit did not open: {why}",
                pending.path.display()
            ),
        );
    }
    let from = pending.fly.then(|| capture_session(world).camera).flatten();
    // files the scene on screen has already (a deck step on the same circuit) are not read again
    let already: Vec<String> = world
        .resource::<ViewerState>()
        .scene
        .as_ref()
        .map(|scene| added_files(scene).iter().map(|p| absolute(p)).collect())
        .unwrap_or_default();
    for file in pending
        .extras
        .iter()
        .filter(|f| !already.contains(&absolute(f)))
    {
        add_extra_file(world, file);
    }
    apply_session(world, &pending.session);
    world.get_resource_or_init::<SessionScene>().path = Some(pending.path.clone());
    if let Some(from) = from
        && super::apply::places_camera(&pending.session)
    {
        let to = pending.session.frame_state(0.0).camera;
        set_camera(world, &from);
        world.get_resource_or_init::<CameraFlight>().0 = Some(Flight {
            from,
            to,
            elapsed_s: 0.0,
            duration_s: FLIGHT_S,
        });
    }
    let has_story = pending
        .session
        .story
        .as_ref()
        .is_some_and(|s| !s.keys.is_empty());
    let in_deck = world
        .get_resource::<DeckState>()
        .is_some_and(|d| d.deck.is_some());
    *world.get_resource_or_init::<StoryPreview>() = StoryPreview {
        s: 0.0,
        playing: has_story && in_deck,
        dirty: false,
    };
    if !pending.missing.is_empty() {
        let names: Vec<String> = pending
            .missing
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        report(
            world,
            format!(
                "session {}: missing {}; opened the rest",
                pending.path.display(),
                names.join(", ")
            ),
        );
    }
}

/// A spikes or report file added to the scene on screen.
fn add_extra_file(world: &mut World, file: &Path) {
    let mut state = world.resource_mut::<ViewerState>();
    if h5_kind(file).is_ok_and(|k| k == H5Kind::Report) {
        crate::view::reports::plugin::add_report_file(&mut state, file);
    } else {
        crate::view::ui::add_spikes_file(&mut state, file);
    }
}

/// Steps a deck forward (+1) or back (-1); nothing past either end.
pub fn step_deck(world: &mut World, step: isize) {
    let next = {
        let mut deck = world.get_resource_or_init::<DeckState>();
        let Some(len) = deck.deck.as_ref().map(|d| d.scenes.len()) else {
            return;
        };
        let i = deck.index as isize + step;
        if i < 0 || i >= len as isize {
            return;
        }
        deck.index = i as usize;
        deck.deck.as_ref().map(|d| d.scenes[i as usize].clone())
    };
    if let Some(path) = next {
        open_session(world, &path, true);
    }
}

/// Moves the camera along a flight (smoothstep over its duration; `up` turns, never flips).
pub fn fly_camera(world: &mut World, dt: f64) {
    let Some(mut flight) = world
        .get_resource::<CameraFlight>()
        .and_then(|f| f.0.clone())
    else {
        return;
    };
    flight.elapsed_s += dt;
    let u = crate::session::ease_fraction(
        crate::session::Ease::Smooth,
        flight.elapsed_s / flight.duration_s.max(1e-6),
    );
    let lerp = |a: [f32; 3], b: [f32; 3]| -> [f32; 3] {
        std::array::from_fn(|k| a[k] + (b[k] - a[k]) * u as f32)
    };
    let mut camera = flight.to;
    camera.position = lerp(flight.from.position, flight.to.position);
    camera.target = lerp(flight.from.target, flight.to.target);
    camera.fov_deg = flight.from.fov_deg + (flight.to.fov_deg - flight.from.fov_deg) * u as f32;
    let view: [f64; 3] = std::array::from_fn(|k| f64::from(camera.target[k] - camera.position[k]));
    camera.up = to_f32(slerp_direction(
        to_f64(flight.from.up),
        to_f64(flight.to.up),
        u,
        view,
    ));
    let done = flight.elapsed_s >= flight.duration_s;
    // at the end exactly the scene's camera (a saved session gives it back as written)
    set_camera(world, if done { &flight.to } else { &camera });
    world.resource_mut::<CameraFlight>().0 = if done { None } else { Some(flight) };
}

/// Draws the story's frame at the preview's movie time while it plays or after a change.
pub fn preview_story(world: &mut World, dt: f64) {
    let Some(story) = world
        .get_resource::<SessionScene>()
        .and_then(|s| s.story.clone())
    else {
        return;
    };
    let (s, draw) = {
        let mut preview = world.get_resource_or_init::<StoryPreview>();
        if preview.playing {
            preview.s += dt;
            if preview.s >= story.duration_s {
                preview.s = story.duration_s;
                preview.playing = false;
            }
        }
        let draw = preview.playing || std::mem::take(&mut preview.dirty);
        (preview.s, draw)
    };
    if !draw
        || world
            .get_resource::<CameraFlight>()
            .is_some_and(|f| f.0.is_some())
    {
        return;
    }
    let mut session = capture_session(world);
    session.story = Some(story);
    let parts = FrameParts::of(&session);
    let frame = session.frame_state(s);
    if parts.time {
        world
            .resource_mut::<crate::view::playback::Playback>()
            .playing = false;
    }
    apply_frame_state(world, &frame, parts);
}
