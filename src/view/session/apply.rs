//! A session or one frame of its story put on screen, and the screen captured as a session:
//! plain functions over the Bevy world, so the window, the headless viewer and tests share them.

use std::path::PathBuf;

use bevy::prelude::*;

use super::added_files::added_files;
use super::convert::{
    apply_playback, orbit_from_spec, orbit_to_spec, playback_to_spec, probe_from_spec,
    probe_to_spec, representation_from_spec, representation_to_spec,
};
use super::state::{PanelsShown, SessionScene};
use crate::session::{CameraSpec, FrameState, SESSION_VERSION, Session};
use crate::view::ViewerState;
use crate::view::camera::OrbitCamera;
use crate::view::live::{LiveSnapshot, LiveStartRequest, LiveStopRequest};
use crate::view::playback::Playback;
use crate::view::probe::ProbeSession;

/// Whether a session places the camera (itself or in a story key); if not, the view is fitted.
pub fn places_camera(session: &Session) -> bool {
    session.camera.is_some()
        || session
            .story
            .as_ref()
            .is_some_and(|s| s.keys.iter().any(|k| k.camera.is_some()))
}

/// Whether a session sets model time (itself or in a story key).
pub fn sets_time(session: &Session) -> bool {
    session.time_ms.is_some()
        || session
            .story
            .as_ref()
            .is_some_and(|s| s.keys.iter().any(|k| k.time_ms.is_some()))
}

/// What [`apply_frame_state`] sets: the camera and model time only where the session gives
/// them (otherwise the fitted view and the playback time stay).
#[derive(Clone, Copy, Debug)]
pub struct FrameParts {
    pub camera: bool,
    pub time: bool,
}

impl FrameParts {
    pub fn of(session: &Session) -> Self {
        Self {
            camera: places_camera(session),
            time: sets_time(session),
        }
    }
}

/// Puts one frame's state on screen: camera, model time, representations, cuts, looks, title,
/// captions and layout. Representations are re-applied only when they changed (a story's
/// preview calls this every frame). Problems (a bad colouring) go to the viewer's error line.
pub fn apply_frame_state(world: &mut World, frame: &FrameState, parts: FrameParts) {
    if parts.camera {
        set_camera(world, &frame.camera);
    }
    if parts.time {
        world.resource_mut::<Playback>().seek(frame.time_ms);
    }
    let mut errors = Vec::new();
    let reps: Vec<_> = frame
        .representations
        .iter()
        .enumerate()
        .filter_map(|(i, spec)| match representation_from_spec(spec) {
            Ok(rep) => Some(rep),
            Err(e) => {
                errors.push(format!("representation {}: {e}", i + 1));
                None
            }
        })
        .collect();
    {
        let mut state = world.resource_mut::<ViewerState>();
        if !reps.is_empty() && state.representations != reps {
            state.representations = reps;
            state.keep_representations = true;
            state.restyle = true;
        }
        if state.slab != frame.slab || state.clip != frame.clip {
            state.slab = frame.slab;
            state.clip = frame.clip.clone();
            state.restyle = true;
        }
        if state.looks != frame.looks {
            state.looks = frame.looks.clone();
        }
        if !errors.is_empty() {
            let message = errors.join("; ");
            error!("{message}");
            state.error = Some(message);
        }
    }
    let mut scene = world.get_resource_or_init::<SessionScene>();
    scene.title.clone_from(&frame.title);
    scene.captions.clone_from(&frame.captions);
    scene.layout.clone_from(&frame.layout);
}

/// Sets every orbit camera to `spec`, remembering it so that capturing the unmoved camera gives
/// `spec` back exactly.
pub fn set_camera(world: &mut World, spec: &CameraSpec) {
    let orbit = orbit_from_spec(spec);
    let mut cameras = world.query::<&mut OrbitCamera>();
    for mut cam in cameras.iter_mut(world) {
        *cam = orbit;
    }
    world.resource_mut::<ViewerState>().fit_pending = false;
    world.get_resource_or_init::<SessionScene>().applied_camera = Some((*spec, orbit));
}

/// Puts a session on screen over the scene already loaded: its still frame, playback, panels,
/// probe (once the probe is placed), story and live run (started, or stopped when the session has
/// none). The extra files are the caller's.
pub fn apply_session(world: &mut World, session: &Session) {
    {
        let mut playback = world.resource_mut::<Playback>();
        if let Err(e) = apply_playback(&session.playback, &mut playback) {
            world.resource_mut::<ViewerState>().error = Some(e);
        }
    }
    let parts = FrameParts::of(session);
    if !parts.camera {
        let mut state = world.resource_mut::<ViewerState>();
        state.fit_pending = true;
        state.restyle = true;
    }
    let frame = session.frame_state(0.0);
    apply_frame_state(world, &frame, parts);
    {
        let mut state = world.resource_mut::<ViewerState>();
        let count = state.scene.as_ref().map_or(0, |s| s.positions.len());
        state.picked = session.picked.filter(|&i| i < count);
        state.raster_rows = session.raster_rows.map(|[a, b]| a.min(count)..b.min(count));
        state.restyle = true;
    }
    if let Some(mut shown) = world.get_resource_mut::<PanelsShown>() {
        shown.set_from(&session.panels);
    }
    {
        let mut scene = world.get_resource_or_init::<SessionScene>();
        scene.story.clone_from(&session.story);
        scene.still_title.clone_from(&session.title);
        scene.pending_probe.clone_from(&session.probe);
        scene.applied_probe = None;
    }
    if session.probe.is_none()
        && let Some(mut probe) = world.get_resource_mut::<ProbeSession>()
    {
        probe.enabled = false;
    }
    // a scene without a live run stops the one going (a deck stepping off a live scene)
    if session.live.is_some() {
        if let Some(mut request) = world.get_resource_mut::<LiveStartRequest>() {
            request.0.clone_from(&session.live);
        }
    } else if let Some(mut request) = world.get_resource_mut::<LiveStopRequest>() {
        request.0 = true;
    }
}

/// Places the probe a session asked for once the probe plugin has placed its own (it places a
/// default when it first sees a scene).
pub fn place_pending_probe(world: &mut World) {
    let Some(spec) = world
        .get_resource::<SessionScene>()
        .and_then(|s| s.pending_probe.clone())
    else {
        return;
    };
    let Some(scene) = world.resource::<ViewerState>().scene.clone() else {
        return;
    };
    let Some(mut probe) = world.get_resource_mut::<ProbeSession>() else {
        return;
    };
    if !probe.enabled {
        probe.enabled = true;
        return;
    }
    if probe.view.is_none() {
        return;
    }
    let result = probe_from_spec(&spec, &scene);
    match result {
        Ok((kind, view)) => {
            probe.kind = kind;
            probe.view = Some(view);
            probe.dirty = true;
            let mut s = world.resource_mut::<SessionScene>();
            s.pending_probe = None;
            s.applied_probe = Some(spec);
        }
        Err(e) => {
            world.resource_mut::<SessionScene>().pending_probe = None;
            world.resource_mut::<ViewerState>().error = Some(format!("probe: {e}"));
        }
    }
}

/// What is on screen as a session (paths absolute; [`Session::save`] makes those below the
/// session's folder relative).
pub fn capture_session(world: &mut World) -> Session {
    let camera = {
        let mut cameras = world.query::<&OrbitCamera>();
        cameras.iter(world).next().copied()
    };
    let scene_state = world.get_resource::<SessionScene>();
    let camera = camera.map(|cam| match scene_state.and_then(|s| s.applied_camera) {
        Some((spec, orbit)) if orbit == cam => spec,
        _ => orbit_to_spec(&cam),
    });
    let state = world.resource::<ViewerState>();
    let playback = world.resource::<Playback>();
    let live = world
        .get_resource::<LiveSnapshot>()
        .and_then(|l| l.0.clone());
    let mut open: Vec<String> = Vec::new();
    // the built-in column running live is named by `live` alone (its files are in a cache)
    let builtin_column = live.as_ref().is_some_and(|l| l.config.is_none())
        && state.opened.as_ref().is_some_and(|p| {
            *p == crate::cli::demo::live_demo_config(&crate::demo::DemoOptions::default())
        });
    if let Some(p) = state.opened.as_ref().filter(|_| !builtin_column) {
        open.push(absolute(p));
    }
    if let Some(scene) = &state.scene {
        open.extend(added_files(scene).iter().map(|p| absolute(p)));
    }
    let probe = world
        .get_resource::<ProbeSession>()
        .filter(|p| p.enabled)
        .and_then(|p| {
            let view = p.view.as_ref()?;
            let captured = probe_to_spec(p.kind, view);
            // the probe as the session placed it, unless it was moved since
            Some(match scene_state.and_then(|s| s.applied_probe.clone()) {
                Some(applied)
                    if probe_from_spec(&applied, state.scene.as_deref()?)
                        .is_ok_and(|(k, v)| k == p.kind && probe_to_spec(k, &v) == captured) =>
                {
                    applied
                }
                _ => captured,
            })
        })
        .or_else(|| scene_state.and_then(|s| s.pending_probe.clone()));
    Session {
        cortexview_session: SESSION_VERSION,
        open,
        representations: state
            .representations
            .iter()
            .map(representation_to_spec)
            .collect(),
        layout: scene_state.and_then(|s| s.layout.clone()),
        camera,
        time_ms: Some(playback.time_ms),
        playback: playback_to_spec(playback),
        probe,
        panels: world
            .get_resource::<PanelsShown>()
            .map(PanelsShown::to_map)
            .unwrap_or_default(),
        slab: state.slab,
        clip: state.clip.clone(),
        looks: state.looks.clone(),
        live,
        story: scene_state.and_then(|s| s.story.clone()),
        title: scene_state.and_then(|s| s.still_title.clone()),
        picked: state.picked,
        raster_rows: state.raster_rows.clone().map(|r| [r.start, r.end]),
    }
}

pub(super) fn absolute(p: &std::path::Path) -> String {
    std::path::absolute(p)
        .unwrap_or_else(|_| PathBuf::from(p))
        .to_string_lossy()
        .into_owned()
}
