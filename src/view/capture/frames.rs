//! `cortexview render`: the options, the frames' model times, and the frames rendered (written
//! by the movie writer's threads, or kept in memory for the caller).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bevy::prelude::*;
use image::RgbaImage;

use super::layout::Layout;
use super::movie::{FrameSetup, FrameSink, FrameTiming, MovieSettings, run_frames, view_size};
use super::movie_writer::{MovieFormat, MovieWriter};
use crate::view::camera::CameraPreset;
use crate::view::capture::HeadlessViewer;
use crate::view::legend::LegendEntry;
use crate::view::morphologies::{Lod, MorphologySettings};
use crate::view::playback::Playback;
use crate::view::probe::probe_view::ProbeView;
use crate::view::scene::{Coloring, Representation, Scene, Style};
use crate::view::session::convert::{probe_from_spec, representation_from_spec};

/// Frames rendered unless the caller raises the limit ([`RenderOptions::max_frames`]): at 30
/// frames per second, over nine hours of movie.
pub const MAX_FRAMES: u64 = 1_000_000;

/// What `cortexview render` draws.
#[derive(Clone, Debug)]
pub struct RenderOptions {
    pub width: u32,
    pub height: u32,
    /// First frame's model time, ms.
    pub t0: f64,
    /// Last frame's model time, ms (`None`: one frame at `t0`).
    pub t1: Option<f64>,
    /// Frames per second of the movie.
    pub fps: f64,
    /// Model ms per movie second.
    pub speed: f64,
    pub select: Option<String>,
    pub color_by: Option<String>,
    /// The colormap of a continuous colouring (`None`: viridis).
    pub colormap: Option<crate::view::colors::Colormap>,
    /// Keep only the neurons in this slab, and on the kept side of these planes.
    pub slab: Option<crate::session::Slab>,
    pub clip: Vec<crate::session::ClipPlane>,
    pub camera: CameraPreset,
    /// Fade time constant of spike flashes, ms.
    pub tau_ms: f64,
    pub show_virtual: bool,
    /// Burn in the time stamp and legend.
    pub overlay: bool,
    /// How the selected neurons are drawn: `Spheres` (`soma`), `Morphology`, `MorphologyLine`.
    pub style: Style,
    /// Level of detail of morphologies (`None`: automatic).
    pub lod: Option<Lod>,
    /// A Neuropixels probe drawn at its default placement (sites glowing with what they hear).
    pub probe: Option<crate::probe::ProbeKind>,
    /// A probe placed as a session places it (over [`RenderOptions::probe`]).
    pub probe_spec: Option<crate::session::ProbeSpec>,
    /// Where PNGs go: each frame is written there and dropped, so memory stays flat for any
    /// number of frames (`None`: frames are kept in memory for the caller).
    pub out: Option<PathBuf>,
    pub progress: bool,
    /// Print `frame K/N` lines on stdout as frames are written (for a parent process).
    pub progress_lines: bool,
    /// More frames than this are refused before anything is rendered.
    pub max_frames: u64,
    /// The frame's panels around the 3D view (`render --layout`).
    pub layout: Layout,
    /// A title band across the top.
    pub title: Option<String>,
    /// What [`RenderOptions::out`] receives: PNG frames, an mp4, a lossless movie.
    pub format: MovieFormat,
    /// The plots' time window (ms); `None`: the frames' time span, else the scene's.
    pub window: Option<(f64, f64)>,
    /// Read each frame back with Bevy's screenshot and write PNGs on the drawing thread, as
    /// before frames were pipelined (to measure against).
    pub wait_for_each_frame: bool,
    /// Set from elsewhere to stop between frames (the render ends with an error and writes no
    /// movie).
    pub cancel: Option<Arc<AtomicBool>>,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            width: 1280,
            height: 720,
            t0: 0.0,
            t1: None,
            fps: 30.0,
            speed: 100.0,
            select: None,
            color_by: None,
            colormap: None,
            slab: None,
            clip: Vec::new(),
            camera: CameraPreset::Orbit,
            tau_ms: 8.0,
            show_virtual: false,
            overlay: true,
            style: Style::Spheres,
            lod: None,
            probe: None,
            probe_spec: None,
            out: None,
            progress: false,
            progress_lines: false,
            max_frames: MAX_FRAMES,
            layout: Layout::view_only(),
            title: None,
            format: MovieFormat::Png,
            window: None,
            wait_for_each_frame: false,
            cancel: None,
        }
    }
}

impl RenderOptions {
    /// The frames' model times, checked: finite times, a positive frame rate and speed, and
    /// no more frames than [`RenderOptions::max_frames`].
    pub fn frame_plan(&self) -> anyhow::Result<FramePlan> {
        let (width, height) = (self.width, self.height);
        if !(1..=8192).contains(&width) || !(1..=8192).contains(&height) {
            bail!("frame size {width}x{height} is outside 1..8192");
        }
        if !self.t0.is_finite() {
            bail!("--t0 {} is not a finite time in ms", self.t0);
        }
        let Some(t1) = self.t1 else {
            return Ok(FramePlan {
                t0: self.t0,
                step: 0.0,
                count: 1,
            });
        };
        if !t1.is_finite() {
            bail!("--t1 {t1} is not a finite time in ms");
        }
        if !(self.fps.is_finite() && self.fps > 0.0) {
            bail!(
                "--fps {} is not a positive number of frames per second",
                self.fps
            );
        }
        if !(self.speed.is_finite() && self.speed > 0.0) {
            bail!(
                "--speed {} is not a positive number of model ms per second",
                self.speed
            );
        }
        let step = self.speed / self.fps.max(1e-6);
        let frames = ((t1 - self.t0) / step).floor().max(0.0) + 1.0;
        if frames > self.max_frames as f64 {
            bail!(
                "{frames:.0} frames asked for (--t0 {} to --t1 {t1} ms at {} model ms per second, \
                 {} fps), over the limit of {}: shorten the span, lower --fps or raise --speed, \
                 or pass --max-frames {frames:.0} to render them all",
                self.t0,
                self.speed,
                self.fps,
                self.max_frames
            );
        }
        Ok(FramePlan {
            t0: self.t0,
            step,
            count: frames as u64,
        })
    }

    /// Whether the options ask for a style or a colouring: then opening the scene's reports
    /// does not add a report-coloured representation over them.
    pub fn asks_for_representation(&self) -> bool {
        self.color_by.is_some() || self.style != Style::Spheres
    }

    /// The representations these options ask for (colouring: `--color-by`, else the scene's
    /// default).
    pub fn representations(&self, scene: &Scene) -> Vec<Representation> {
        vec![Representation {
            selection: self.select.clone().unwrap_or_default(),
            style: self.style,
            coloring: self
                .color_by
                .as_deref()
                .map(Coloring::parse)
                .unwrap_or_else(|| scene.default_representation().coloring)
                .with_colormap(self.colormap.unwrap_or_default()),
            ..Default::default()
        }]
    }
}

/// The model times of a render: `count` frames `step` ms apart from `t0`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FramePlan {
    pub t0: f64,
    pub step: f64,
    pub count: u64,
}

impl FramePlan {
    /// Model time of frame `k`.
    pub fn time(&self, k: u64) -> f64 {
        self.t0 + k as f64 * self.step
    }

    /// The plots' time span: first to last frame (not finite for a single frame: the scene's).
    pub fn plots_window(&self) -> (f64, f64) {
        if self.count > 1 {
            (self.t0, self.time(self.count - 1))
        } else {
            (f64::NAN, f64::NAN)
        }
    }

    /// The setups of frames `range` of a movie without a session: `camera` at each frame's
    /// model time, turning once around the whole movie when it orbits.
    pub fn preset_setups(
        self,
        camera: CameraPreset,
        range: std::ops::Range<u64>,
    ) -> impl Iterator<Item = (u64, FrameSetup)> {
        range.map(move |k| {
            let turn = (camera == CameraPreset::Orbit && self.count > 1)
                .then(|| std::f32::consts::TAU * k as f32 / self.count as f32);
            (
                k,
                FrameSetup::Preset {
                    camera,
                    turn,
                    time_ms: self.time(k),
                },
            )
        })
    }
}

/// One rendered frame.
pub struct Frame {
    pub time_ms: f64,
    pub image: RgbaImage,
    /// The camera of this frame, to project positions onto pixels.
    pub clip_from_world: Mat4,
}

/// Frames and what it took to make them.
pub struct RenderOutput {
    /// The frames, when they are kept in memory ([`RenderOptions::out`] is `None`).
    pub frames: Vec<Frame>,
    /// Frames rendered (written or kept).
    pub frame_count: u64,
    /// The legend of the last frame.
    pub legend: Vec<LegendEntry>,
    /// Neurons drawn as their morphology.
    pub morphology_cells: usize,
    pub adapter: String,
    pub software_adapter: bool,
    /// Instances drawn / in the scene.
    pub visible: usize,
    pub total: usize,
    pub notes: Vec<String>,
    /// The movie file written, if any.
    pub movie: Option<PathBuf>,
    /// Time per stage, summed over the frames.
    pub timing: FrameTiming,
    /// Wall-clock time of the frames (after the viewer started).
    pub frames_time: Duration,
}

/// Opens a circuit and renders frames (the options are checked before anything is read).
pub fn render(path: &Path, spikes: &[&Path], opts: &RenderOptions) -> anyhow::Result<RenderOutput> {
    opts.frame_plan()?;
    let scene = Scene::open(path, spikes)?;
    render_scene(scene, opts)
}

/// Renders the frames of `render`'s flags of a loaded scene: each is written to
/// [`RenderOptions::out`], or kept in the output when there is no folder.
pub fn render_scene(scene: Scene, opts: &RenderOptions) -> anyhow::Result<RenderOutput> {
    let plan = opts.frame_plan()?;
    let setups = plan.preset_setups(opts.camera, 0..plan.count);
    let window = opts.window.unwrap_or(plan.plots_window());
    render_setups(scene, opts, window, plan.count, setups)
}

/// Renders `count` frames set up by `setups` (index, setup) of a loaded scene; `window` is the
/// plots' time span (not finite: the scene's).
pub fn render_setups(
    scene: Scene,
    opts: &RenderOptions,
    window: (f64, f64),
    count: u64,
    setups: impl Iterator<Item = (u64, FrameSetup)>,
) -> anyhow::Result<RenderOutput> {
    let mut setups = setups.peekable();
    let Some((first_index, first)) = setups.peek().cloned() else {
        bail!("no frames to render");
    };
    let notes = scene.notes.clone();
    let total = scene.len();
    let placeholder = MovieSettings {
        overlay: opts.overlay,
        tau_ms: opts.tau_ms,
        probe: None,
        width: opts.width,
        height: opts.height,
        window,
        layout: &opts.layout,
        title: opts.title.as_deref(),
        wait_for_each_frame: opts.wait_for_each_frame,
        cancel: opts.cancel.clone(),
    };
    let view = view_size(&placeholder, Some(&first))?;
    let (mut viewer, adapter, software) = start_viewer(scene, opts, view, &first)?;
    let probe = match (&opts.probe_spec, opts.probe, viewer.state().scene.clone()) {
        (Some(spec), _, Some(scene)) => Some(
            probe_from_spec(spec, &scene)
                .map_err(|e| anyhow::anyhow!("probe: {e}"))?
                .1,
        ),
        (None, Some(kind), Some(scene)) => Some(ProbeView::default_for(&scene, kind)),
        _ => None,
    };
    let window = if window.0.is_finite() && window.1.is_finite() && window.1 > window.0 {
        window
    } else {
        viewer.app.world().resource::<Playback>().range
    };
    let settings = MovieSettings {
        probe: probe.as_ref(),
        window,
        ..placeholder
    };
    let visible = viewer.state().styled.visible;
    let mut sink = match (&opts.out, opts.wait_for_each_frame) {
        (None, _) => FrameSink::Keep(Vec::new()),
        (Some(dir), true) => {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            FrameSink::WriteHere(dir.clone())
        }
        (Some(dir), false) => FrameSink::Write(MovieWriter::start(
            first_index,
            dir,
            opts.format,
            opts.width,
            opts.height,
            opts.fps,
        )?),
    };
    let bar = opts.progress.then(|| indicatif::ProgressBar::new(count));
    let start = Instant::now();
    let timing = run_frames(&mut viewer, &settings, setups, &mut sink, |done| {
        if let Some(b) = &bar {
            b.set_position(done);
        }
        if opts.progress_lines {
            println!("frame {done}/{count}");
        }
    })?;
    let (frames, movie) = match sink {
        FrameSink::Keep(frames) => (frames, None),
        FrameSink::Write(w) => (Vec::new(), w.finish()?),
        FrameSink::WriteHere(_) => (Vec::new(), None),
    };
    let frames_time = start.elapsed();
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if opts.progress {
        eprintln!(
            "{count} frame(s) in {:.1} s ({visible} of {total} neurons drawn)",
            frames_time.as_secs_f64(),
        );
    }
    let state = viewer.state();
    Ok(RenderOutput {
        frames,
        frame_count: count,
        legend: state.styled.legend.clone(),
        morphology_cells: state.styled.morphology.len(),
        adapter,
        software_adapter: software,
        visible,
        total,
        notes,
        movie,
        timing,
        frames_time,
    })
}

/// A headless viewer of `view` pixels with the options' (or the first frame's)
/// representations, camera and level of detail, its pipelines compiled and morphologies built
/// at the first frame's time; with its adapter's name and whether that is a software one.
fn start_viewer(
    scene: Scene,
    opts: &RenderOptions,
    view: UVec2,
    first: &FrameSetup,
) -> anyhow::Result<(HeadlessViewer, String, bool)> {
    let mut reps = opts.representations(&scene);
    let mut keep = opts.asks_for_representation();
    if let FrameSetup::State { frame, .. } = first
        && !frame.representations.is_empty()
    {
        reps = frame
            .representations
            .iter()
            .enumerate()
            .map(|(i, spec)| {
                representation_from_spec(spec)
                    .map_err(|e| anyhow::anyhow!("representation {}: {e}", i + 1))
            })
            .collect::<anyhow::Result<_>>()?;
        keep = true;
    }
    let mut viewer = HeadlessViewer::new(scene, reps, opts.show_virtual, view.x, view.y)?;
    viewer
        .app
        .world_mut()
        .resource_mut::<crate::view::ViewerState>()
        .keep_representations = keep;
    {
        let mut state = viewer
            .app
            .world_mut()
            .resource_mut::<crate::view::ViewerState>();
        (state.slab, state.clip) = (opts.slab, opts.clip.clone());
    }
    if let Some(kind) = opts.probe {
        // `within R of probe` selects around the probe this render draws
        let mut state = viewer
            .app
            .world_mut()
            .resource_mut::<crate::view::ViewerState>();
        if let Some(scene) = state.scene.clone() {
            let view = ProbeView::default_for(&scene, kind);
            let sites = view.placement().channel_positions(&view.geometry);
            state.probe_sites = Some(std::sync::Arc::new(sites));
            state.restyle = true;
        }
    }
    let (adapter, software) = viewer.adapter();
    if software {
        eprintln!(
            "software adapter {adapter}: impostor spheres, no Bevy meshes (GPU mesh preprocessing \
             is never used), MSAA off"
        );
    }
    if let Some(lod) = opts.lod {
        viewer
            .app
            .world_mut()
            .resource_mut::<MorphologySettings>()
            .lod = lod;
    }
    viewer.set_camera(opts.camera, 0.0);
    viewer.set_time(first.time_ms(), opts.tau_ms);
    viewer.warm_up()?;
    if !viewer.state().styled.morphology.is_empty() {
        // Fitted again now that the morphologies (and their extent) are known.
        viewer.set_camera(opts.camera, 0.0);
        viewer.warm_up()?;
    }
    let errors = &viewer.state().styled.errors;
    if !errors.is_empty() {
        let msgs: Vec<&str> = errors.iter().map(|(_, e)| e.as_str()).collect();
        bail!("selection: {}", msgs.join("; "));
    }
    Ok((viewer, adapter, software))
}
