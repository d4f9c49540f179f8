//! `cortexview render SESSION.cvsession.json`: the frames of a session's story (or its single
//! frame), each drawn from the state the story gives for its movie time.

use std::ops::Range;

use anyhow::{Context, bail};

use super::render::{RenderArgs, frame_range, layout_value, output_format, report};
use crate::session::{LoadedSession, Session};
use crate::view::capture::layout::Layout;
use crate::view::capture::movie::FrameSetup;
use crate::view::capture::{self, RenderOptions, RenderOutput};
use crate::view::scene::Scene;

/// What a session render changes of the session.
#[derive(Clone, Debug, Default)]
pub struct SessionOverrides {
    /// Only these frames (they keep their numbers).
    pub frames: Option<Range<u64>>,
    /// A layout for every frame.
    pub layout: Option<serde_json::Value>,
    /// A title for every frame.
    pub title: Option<String>,
    /// The story's frame rate.
    pub fps: Option<f64>,
}

pub fn run(args: &RenderArgs) -> anyhow::Result<()> {
    let loaded = Session::load(&args.path)?;
    let overrides = SessionOverrides {
        frames: args.frames.clone(),
        layout: args.layout.as_deref().map(layout_value).transpose()?,
        title: args.title.clone(),
        fps: args.fps,
    };
    let count = frames_of(&loaded.session, &overrides)?;
    let opts = RenderOptions {
        width: args.width,
        height: args.height,
        overlay: !args.no_overlay,
        camera: args.camera,
        out: Some(args.out.clone()),
        progress: !args.progress_lines,
        progress_lines: args.progress_lines,
        max_frames: args.max_frames,
        format: output_format(&args.format, count)?,
        cancel: super::render::cancel_on_stdin(args.progress_lines),
        ..RenderOptions::default()
    };
    let out = render_session(&loaded, &opts, &overrides)?;
    report(&out, &args.out);
    Ok(())
}

/// How many frames a render of `session` with `overrides` makes.
pub fn frames_of(session: &Session, overrides: &SessionOverrides) -> anyhow::Result<u64> {
    let session = with_fps(session.clone(), overrides.fps)?;
    let range = frame_range(overrides.frames.clone(), session.frame_count())?;
    Ok(range.end - range.start)
}

fn with_fps(mut session: Session, fps: Option<f64>) -> anyhow::Result<Session> {
    if let (Some(fps), Some(story)) = (fps, session.story.as_mut()) {
        if !(fps.is_finite() && fps >= 1.0) {
            bail!("--fps {fps} is not a frame rate of at least 1");
        }
        story.fps = fps.round() as u32;
    }
    Ok(session)
}

/// Renders a loaded session's frames with `opts`' size, output and overlay (its frame rate,
/// fade, probe and camera preset for camera-less sessions come from the session and
/// `opts.camera`).
pub fn render_session(
    loaded: &LoadedSession,
    opts: &RenderOptions,
    overrides: &SessionOverrides,
) -> anyhow::Result<RenderOutput> {
    let session = with_fps(loaded.resolved(), overrides.fps)?;
    let path = &loaded.path;
    let Some(config) = loaded.open.first() else {
        bail!(
            "{}: the session opens nothing (\"open\" is empty)",
            path.display()
        );
    };
    if !config.exists() {
        bail!(
            "{}: the circuit it opens, {}, is missing",
            path.display(),
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
    // Checked before anything is read or drawn: a wrong layout is an error now, not at frame k.
    Layout::parse(overrides.layout.as_ref().or(session.layout.as_ref()))?;
    let range = frame_range(overrides.frames.clone(), session.frame_count())?;
    let count = range.end - range.start;
    if count > opts.max_frames {
        bail!(
            "{count} frames asked for, over --max-frames {}",
            opts.max_frames
        );
    }
    let scene = Scene::open(config, &extra)?;
    let own_camera = session.camera.is_some()
        || session
            .story
            .as_ref()
            .is_some_and(|s| s.keys.iter().any(|k| k.camera.is_some()));
    let fps = session
        .story
        .as_ref()
        .map_or(opts.fps, |s| f64::from(s.fps.max(1)));
    let opts = RenderOptions {
        fps,
        tau_ms: session.playback.fade_ms,
        probe_spec: session.probe.clone(),
        ..opts.clone()
    };
    let window = session
        .playback
        .range_ms
        .map_or((f64::NAN, f64::NAN), |[a, b]| (a, b));
    let setups = range.map(|k| {
        let mut frame = session.frame_state(session.frame_time_s(k));
        if let Some(l) = &overrides.layout {
            frame.layout = Some(l.clone());
        }
        if let Some(t) = &overrides.title {
            frame.title = Some(t.clone());
        }
        (
            k,
            FrameSetup::State {
                frame: Box::new(frame),
                own_camera,
            },
        )
    });
    capture::render_setups(scene, &opts, window, count, setups)
        .with_context(|| format!("rendering {}", path.display()))
}
