//! The movie loop: each frame's state is set on the headless viewer, drawn once, read back
//! while the next frames draw, composed with its panels and overlay, and handed to the writer's
//! threads (or kept in memory).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bevy::prelude::*;
use image::RgbaImage;

use super::HeadlessViewer;
use super::compose::{FrameComposer, PanelData};
use super::font;
use super::layout::{Layout, view_rect};
use super::movie_writer::MovieWriter;
use super::overlay::burn_overlay;
use super::report_traces::report_traces;
use crate::session::FrameState;
use crate::view::ViewerState;
use crate::view::camera::CameraPreset;
use crate::view::legend::{self, Annotations, ViewExtent};
use crate::view::playback::Playback;
use crate::view::probe::probe_view::ProbeView;
use crate::view::probe::{GLOW_MS, PROBE_LAYER};
use crate::view::render::meshes::{MeshLayer, MeshLayers, Topology};
use crate::view::reports::plugin::Reports;
use crate::view::session::{FrameParts, apply_frame_state};

/// How one frame's state is set.
#[derive(Clone, Debug)]
pub enum FrameSetup {
    /// `render`'s flags: a preset camera (turned by this many radians when it orbits) at a time.
    Preset {
        camera: CameraPreset,
        turn: Option<f32>,
        time_ms: f64,
    },
    /// A session's frame; `own_camera: false` keeps the viewer's camera (fitted at start) for
    /// sessions that set none.
    State {
        frame: Box<FrameState>,
        own_camera: bool,
    },
}

impl FrameSetup {
    pub fn time_ms(&self) -> f64 {
        match self {
            Self::Preset { time_ms, .. } => *time_ms,
            Self::State { frame, .. } => frame.time_ms,
        }
    }
}

/// Where finished frames go.
pub enum FrameSink {
    /// Kept in memory, with the camera of each.
    Keep(Vec<super::Frame>),
    Write(MovieWriter),
    /// PNG files written on the drawing thread, one by one (how `render` wrote them before).
    WriteHere(std::path::PathBuf),
}

/// Seconds spent per stage, summed over the frames.
#[derive(Clone, Copy, Debug, Default)]
pub struct FrameTiming {
    /// Setting the state and drawing (`app.update`, CPU and GPU).
    pub draw: Duration,
    /// Waiting for read-backs that had not arrived (the GPU behind).
    pub readback: Duration,
    /// Panels, overlay and captions.
    pub compose: Duration,
    /// Waiting for the writer's threads (encoding behind).
    pub encode_wait: Duration,
}

/// The movie-wide settings of the loop.
pub struct MovieSettings<'a> {
    pub overlay: bool,
    pub tau_ms: f64,
    pub probe: Option<&'a ProbeView>,
    /// Frame size (the 3D view is the layout's cell of it).
    pub width: u32,
    pub height: u32,
    /// The plots' time window, ms.
    pub window: (f64, f64),
    /// The layout and title for preset frames (session frames carry their own).
    pub layout: &'a Layout,
    pub title: Option<&'a str>,
    /// Read each frame back with Bevy's screenshot, waiting for it (several updates per
    /// frame), as `render` did before frames were pipelined: kept to measure against.
    pub wait_for_each_frame: bool,
    /// Checked before each frame: set, the render stops with an error.
    pub cancel: Option<Arc<AtomicBool>>,
}

/// What a frame needs once its pixels are back.
struct Pending {
    time_ms: f64,
    annotations: Option<Annotations>,
    composer: Arc<FrameComposer>,
    captions: Vec<String>,
    clip_from_world: Mat4,
}

/// The 3D view's size of the movie's frames (the first frame's layout).
pub fn view_size(settings: &MovieSettings, first: Option<&FrameSetup>) -> anyhow::Result<UVec2> {
    let (layout, title) = frame_layout(settings, first)?;
    let r = view_rect(&layout, settings.width, settings.height, title.as_deref());
    Ok(UVec2::new(r.width, r.height))
}

fn frame_layout(
    settings: &MovieSettings,
    setup: Option<&FrameSetup>,
) -> anyhow::Result<(Layout, Option<String>)> {
    Ok(match setup {
        Some(FrameSetup::State { frame, .. }) => {
            (Layout::parse(frame.layout.as_ref())?, frame.title.clone())
        }
        _ => (settings.layout.clone(), settings.title.map(str::to_owned)),
    })
}

/// Renders `frames` (index, setup) in order into `sink`.
pub fn run_frames(
    viewer: &mut HeadlessViewer,
    settings: &MovieSettings,
    frames: impl Iterator<Item = (u64, FrameSetup)>,
    sink: &mut FrameSink,
    mut progress: impl FnMut(u64),
) -> anyhow::Result<FrameTiming> {
    let mut timing = FrameTiming::default();
    let mut pending: HashMap<u64, Pending> = HashMap::new();
    let mut composer: Option<(Layout, Option<String>, u64, Arc<FrameComposer>)> = None;
    let mut done = 0u64;
    for (k, setup) in frames {
        if settings
            .cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed))
        {
            bail!("cancelled at frame {k}");
        }
        let start = Instant::now();
        prepare(viewer, settings, &setup)?;
        let (layout, title) = frame_layout(settings, Some(&setup))?;
        let generation = viewer.state().styled_generation;
        let current = match &composer {
            Some((l, t, g, c)) if *l == layout && *t == title && *g == generation => c.clone(),
            _ => {
                let c = Arc::new(new_composer(viewer, settings, &layout, title.as_deref()));
                let r = c.view_rect();
                if (r.width, r.height) != viewer.size() {
                    bail!(
                        "frame {k}: its layout puts the 3D view in {}x{} pixels, the movie's \
                         first frame in {}x{}: keep one layout and title band through a story",
                        r.width,
                        r.height,
                        viewer.size().0,
                        viewer.size().1
                    );
                }
                composer = Some((layout, title, generation, c.clone()));
                c
            }
        };
        let orbit = viewer.orbit();
        let (w, h) = viewer.size();
        let annotations = settings.overlay.then(|| {
            legend::annotations(
                &viewer.state().styled.legend,
                ViewExtent {
                    distance: orbit.distance,
                    fov_y: orbit.fov,
                    width: w as f32,
                    height: h as f32,
                },
            )
        });
        let captions = match &setup {
            FrameSetup::State { frame, .. } => frame.captions.clone(),
            FrameSetup::Preset { .. } => Vec::new(),
        };
        pending.insert(
            k,
            Pending {
                time_ms: setup.time_ms(),
                annotations,
                composer: current,
                captions,
                clip_from_world: viewer.clip_from_world(),
            },
        );
        if settings.wait_for_each_frame {
            let image = viewer.capture()?;
            timing.draw += start.elapsed();
            finish(k, image, &mut pending, sink, &mut timing)?;
            done += 1;
            progress(done);
            continue;
        }
        let arrived = viewer.draw_tagged(k)?;
        timing.draw += start.elapsed();
        for f in arrived {
            finish(f.tag, f.image, &mut pending, sink, &mut timing)?;
            done += 1;
            progress(done);
        }
    }
    let wait = Instant::now();
    let rest = viewer.finish_reads()?;
    timing.readback += wait.elapsed();
    for f in rest {
        finish(f.tag, f.image, &mut pending, sink, &mut timing)?;
        done += 1;
        progress(done);
    }
    if let Some(k) = pending.keys().min() {
        bail!("frame {k} never came back from the GPU");
    }
    Ok(timing)
}

fn new_composer(
    viewer: &HeadlessViewer,
    settings: &MovieSettings,
    layout: &Layout,
    title: Option<&str>,
) -> FrameComposer {
    let world = viewer.app.world();
    let state = viewer.state();
    let Some(scene) = &state.scene else {
        return FrameComposer::view_only(settings.width, settings.height);
    };
    let reports = world.get_resource::<Reports>();
    let traces =
        |names: &[String], window: (f64, f64)| report_traces(scene, reports, names, window);
    FrameComposer::new(
        layout,
        settings.width,
        settings.height,
        title,
        &PanelData {
            scene,
            instances: &state.styled.instances,
            rates: &state.rates,
            probe: settings.probe,
            window: settings.window,
            traces: Some(&traces),
        },
    )
}

/// Sets one frame's camera, time and scene, and waits for what takes more than one update
/// (a restyle, the probe's mesh, report frames).
fn prepare(
    viewer: &mut HeadlessViewer,
    settings: &MovieSettings,
    setup: &FrameSetup,
) -> anyhow::Result<()> {
    match setup {
        FrameSetup::Preset {
            camera,
            turn,
            time_ms,
        } => {
            if let Some(turn) = turn {
                viewer.set_camera(*camera, *turn);
            }
            viewer.set_time(*time_ms, settings.tau_ms);
        }
        FrameSetup::State { frame, own_camera } => {
            let world = viewer.app.world_mut();
            {
                let t = frame.time_ms;
                let mut playback = world.resource_mut::<Playback>();
                playback.tau_ms = settings.tau_ms;
                playback.range = (playback.range.0.min(t), playback.range.1.max(t));
            }
            world.resource_mut::<ViewerState>().error = None;
            // The window's own function: the preview and the movie apply a frame alike.
            apply_frame_state(
                world,
                frame,
                FrameParts {
                    camera: *own_camera,
                    time: true,
                },
            );
            let mut state = world.resource_mut::<ViewerState>();
            if let Some(e) = state.error.take() {
                bail!("{e}");
            }
            if state.restyle {
                viewer.settle()?;
                let errors = &viewer.state().styled.errors;
                if !errors.is_empty() {
                    let msgs: Vec<&str> = errors.iter().map(|(_, e)| e.as_str()).collect();
                    bail!("selection: {}", msgs.join("; "));
                }
            }
        }
    }
    let t = setup.time_ms();
    if let (Some(p), Some(scene)) = (settings.probe, viewer.state().scene.clone()) {
        let mesh = p.mesh(&p.glow(&scene, t, GLOW_MS), &[]);
        viewer
            .app
            .world_mut()
            .resource_mut::<MeshLayers>()
            .set(PROBE_LAYER, MeshLayer::new(Topology::Triangles, vec![mesh]));
        viewer.settle()?;
    }
    viewer.wait_for_reports()
}

/// Composes a read-back frame and hands it on.
fn finish(
    tag: u64,
    mut view: RgbaImage,
    pending: &mut HashMap<u64, Pending>,
    sink: &mut FrameSink,
    timing: &mut FrameTiming,
) -> anyhow::Result<()> {
    let start = Instant::now();
    let meta = pending
        .remove(&tag)
        .with_context(|| format!("frame {tag} came back twice or was never asked for"))?;
    if let Some(a) = &meta.annotations {
        burn_overlay(&mut view, meta.time_ms, a);
    }
    burn_captions(&mut view, &meta.captions);
    let image = meta.composer.compose(&view, meta.time_ms);
    timing.compose += start.elapsed();
    let start = Instant::now();
    match sink {
        FrameSink::Keep(frames) => frames.push(super::Frame {
            time_ms: meta.time_ms,
            image,
            clip_from_world: meta.clip_from_world,
        }),
        FrameSink::Write(w) => w.push(tag, image)?,
        FrameSink::WriteHere(dir) => {
            super::png::save_png_whole(&image, &dir.join(format!("frame_{tag:05}.png")))?
        }
    }
    timing.encode_wait += start.elapsed();
    Ok(())
}

/// Captions centred near the bottom of the 3D view, one line each.
fn burn_captions(img: &mut RgbaImage, captions: &[String]) {
    let scale = (img.height() / 240).max(1);
    let line = 11 * scale as i64;
    let mut y = img.height() as i64 - 4 * line - line * captions.len() as i64;
    for c in captions {
        let w = font::text_width(c, scale + 1) as i64;
        let pad = 3 * scale as i64;
        font::shade_rect(
            img,
            (img.width() as i64 - w) / 2 - pad,
            y - pad,
            w + 2 * pad,
            7 * (scale as i64 + 1) + 2 * pad,
            0.6,
        );
        font::draw_text(
            img,
            (img.width() as i64 - w) / 2,
            y,
            c,
            scale + 1,
            [250, 250, 250],
        );
        y += line + 4;
    }
}
