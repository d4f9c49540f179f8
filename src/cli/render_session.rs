//! `cortexview render SESSION.cvsession.json`: the frames of a session's story (or its single
//! frame), each drawn from the state the story gives for its movie time.

use anyhow::{Context, bail};
use bevy::math::Vec3;

use super::render::{RenderArgs, frame_range, layout_value, output_format, report};
use crate::session::{CameraSpec, Session};
use crate::view::camera::{CameraPreset, OrbitCamera};
use crate::view::capture::apply::spec_from_orbit;
use crate::view::capture::layout::Layout;
use crate::view::capture::movie::FrameSetup;
use crate::view::capture::{self, RenderOptions};
use crate::view::scene::Scene;

pub fn run(args: &RenderArgs) -> anyhow::Result<()> {
    let loaded = Session::load(&args.path)?;
    let mut session = loaded.resolved();
    if let (Some(fps), Some(story)) = (args.fps, session.story.as_mut()) {
        if !(fps.is_finite() && fps >= 1.0) {
            bail!("--fps {fps} is not a frame rate of at least 1");
        }
        story.fps = fps.round() as u32;
    }
    let Some(config) = loaded.open.first() else {
        bail!(
            "{}: the session opens nothing (\"open\" is empty)",
            args.path.display()
        );
    };
    if !config.exists() {
        bail!(
            "{}: the circuit it opens, {}, is missing",
            args.path.display(),
            config.display()
        );
    }
    let mut extra = Vec::new();
    for p in &loaded.open[1..] {
        if p.exists() {
            extra.push(p.as_path());
        } else {
            eprintln!("note: {} is missing: rendered without it", p.display());
        }
    }
    let scene = Scene::open(config, &extra)?;
    let layout_flag = args.layout.as_deref().map(layout_value).transpose()?;
    // Checked before anything is drawn: an unknown layout name is an error now, not at frame k.
    Layout::parse(layout_flag.as_ref().or(session.layout.as_ref()))?;
    let count = session.frame_count();
    let range = frame_range(args.frames.clone(), count)?;
    if range.end - range.start > args.max_frames {
        bail!(
            "{} frames asked for, over --max-frames {}",
            range.end - range.start,
            args.max_frames
        );
    }
    let fitted = fitted_camera(&scene, args.width as f32 / args.height.max(1) as f32);
    let has_camera = session.camera.is_some()
        || session
            .story
            .as_ref()
            .is_some_and(|s| s.keys.iter().any(|k| k.camera.is_some()));
    let fps = session
        .story
        .as_ref()
        .map_or(args.fps.unwrap_or(30.0), |s| f64::from(s.fps.max(1)));
    let opts = RenderOptions {
        width: args.width,
        height: args.height,
        fps,
        tau_ms: session.playback.fade_ms,
        overlay: !args.no_overlay,
        probe_spec: session.probe.clone(),
        out: Some(args.out.clone()),
        progress: !args.progress_lines,
        progress_lines: args.progress_lines,
        max_frames: args.max_frames,
        format: output_format(&args.format, range.end - range.start)?,
        ..RenderOptions::default()
    };
    let window = session
        .playback
        .range_ms
        .map_or((f64::NAN, f64::NAN), |[a, b]| (a, b));
    let setups = range.clone().map(|k| {
        let mut frame = session.frame_state(session.frame_time_s(k));
        if !has_camera {
            frame.camera = fitted;
        }
        if let Some(l) = &layout_flag {
            frame.layout = Some(l.clone());
        }
        if let Some(t) = &args.title {
            frame.title = Some(t.clone());
        }
        (k, FrameSetup::State(Box::new(frame)))
    });
    let out = capture::render_setups(scene, &opts, window, range.end - range.start, setups)
        .with_context(|| format!("rendering {}", args.path.display()))?;
    report(&out, &args.out);
    Ok(())
}

/// The three-quarter view fitted to every soma of the scene (for sessions without a camera).
fn fitted_camera(scene: &Scene, aspect: f32) -> CameraSpec {
    let (mut lo, mut hi) = (Vec3::splat(f32::INFINITY), Vec3::splat(f32::NEG_INFINITY));
    for p in &scene.positions {
        let v = Vec3::from(*p);
        if v.is_finite() {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    let (center, radius) = if lo.x <= hi.x {
        (0.5 * (lo + hi), (0.5 * (hi - lo).length()).max(1.0))
    } else {
        (Vec3::ZERO, 100.0)
    };
    let mut orbit = OrbitCamera::preset(CameraPreset::Orbit);
    orbit.fit(center, radius, aspect);
    spec_from_orbit(&orbit)
}
