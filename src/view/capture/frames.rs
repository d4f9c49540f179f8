//! `cortexview render`: the options, the frames' model times, and the frames rendered one by
//! one (written and dropped, or kept in memory for the caller).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use bevy::prelude::*;
use image::RgbaImage;

use crate::view::camera::CameraPreset;
use crate::view::capture::HeadlessViewer;
use crate::view::capture::overlay::burn_overlay;
use crate::view::capture::png::save_png_whole;
use crate::view::legend::{self, LegendEntry, ViewExtent};
use crate::view::morphologies::{Lod, MorphologySettings};
use crate::view::probe::probe_view::ProbeView;
use crate::view::probe::{GLOW_MS, PROBE_LAYER};
use crate::view::render::meshes::{MeshLayer, MeshLayers, Topology};
use crate::view::scene::{Coloring, Representation, Scene, Style};

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
    /// Where PNGs go: each frame is written there and dropped, so memory stays flat for any
    /// number of frames (`None`: frames are kept in memory for the caller).
    pub out: Option<PathBuf>,
    pub progress: bool,
    /// More frames than this are refused before anything is rendered.
    pub max_frames: u64,
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
            camera: CameraPreset::Orbit,
            tau_ms: 8.0,
            show_virtual: false,
            overlay: true,
            style: Style::Spheres,
            lod: None,
            probe: None,
            out: None,
            progress: false,
            max_frames: MAX_FRAMES,
        }
    }
}

impl RenderOptions {
    /// The frames' model times, checked: finite times, a positive frame rate and speed, and
    /// no more frames than [`RenderOptions::max_frames`].
    pub fn frame_plan(&self) -> anyhow::Result<FramePlan> {
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
                .unwrap_or_else(|| scene.default_representation().coloring),
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
}

/// Opens a circuit and renders frames (the options are checked before anything is read).
pub fn render(path: &Path, spikes: &[&Path], opts: &RenderOptions) -> anyhow::Result<RenderOutput> {
    opts.frame_plan()?;
    let scene = Scene::open(path, spikes)?;
    render_scene(scene, opts)
}

/// Renders frames of a loaded scene, one by one: each is written to [`RenderOptions::out`] and
/// dropped, or kept in the output when there is no folder.
pub fn render_scene(scene: Scene, opts: &RenderOptions) -> anyhow::Result<RenderOutput> {
    let plan = opts.frame_plan()?;
    let notes = scene.notes.clone();
    let total = scene.len();
    let (mut viewer, adapter, software) = start_viewer(scene, opts, plan.time(0))?;
    let probe = match (opts.probe, viewer.state().scene.clone()) {
        (Some(kind), Some(scene)) => Some(ProbeView::default_for(&scene, kind)),
        _ => None,
    };
    let visible = viewer.state().styled.visible;
    if let Some(dir) = &opts.out {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let bar = opts
        .progress
        .then(|| indicatif::ProgressBar::new(plan.count));
    let mut frames = Vec::new();
    let start = Instant::now();
    for k in 0..plan.count {
        let t = plan.time(k);
        let orbit = (opts.camera == CameraPreset::Orbit && plan.count > 1)
            .then(|| std::f32::consts::TAU * k as f32 / plan.count as f32);
        let image = render_frame(&mut viewer, opts, probe.as_ref(), t, orbit)?;
        match &opts.out {
            Some(dir) => save_png_whole(&image, &dir.join(format!("frame_{k:05}.png")))?,
            None => frames.push(Frame {
                time_ms: t,
                image,
                clip_from_world: viewer.clip_from_world(),
            }),
        }
        if let Some(b) = &bar {
            b.inc(1);
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if opts.progress {
        eprintln!(
            "{} frame(s) in {:.1} s ({} of {} neurons drawn)",
            plan.count,
            start.elapsed().as_secs_f64(),
            visible,
            total
        );
    }
    let state = viewer.state();
    Ok(RenderOutput {
        frames,
        frame_count: plan.count,
        legend: state.styled.legend.clone(),
        morphology_cells: state.styled.morphology.len(),
        adapter,
        software_adapter: software,
        visible,
        total,
        notes,
    })
}

/// A headless viewer with the options' representations, camera and level of detail, its
/// pipelines compiled and morphologies built at time `t`; with its adapter's name and whether
/// that is a software one.
fn start_viewer(
    scene: Scene,
    opts: &RenderOptions,
    t: f64,
) -> anyhow::Result<(HeadlessViewer, String, bool)> {
    let reps = opts.representations(&scene);
    let mut viewer = HeadlessViewer::new(scene, reps, opts.show_virtual, opts.width, opts.height)?;
    viewer
        .app
        .world_mut()
        .resource_mut::<crate::view::ViewerState>()
        .keep_representations = opts.asks_for_representation();
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
    viewer.set_time(t, opts.tau_ms);
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

/// One frame at model time `t` (the orbit camera turned by `orbit` radians when it turns),
/// with the overlay when asked for.
fn render_frame(
    viewer: &mut HeadlessViewer,
    opts: &RenderOptions,
    probe: Option<&ProbeView>,
    t: f64,
    orbit: Option<f32>,
) -> anyhow::Result<RgbaImage> {
    if let Some(turn) = orbit {
        viewer.set_camera(CameraPreset::Orbit, turn);
    }
    viewer.set_time(t, opts.tau_ms);
    if let (Some(p), Some(scene)) = (probe, viewer.state().scene.clone()) {
        let mesh = p.mesh(&p.glow(&scene, t, GLOW_MS), &[]);
        viewer
            .app
            .world_mut()
            .resource_mut::<MeshLayers>()
            .set(PROBE_LAYER, MeshLayer::new(Topology::Triangles, vec![mesh]));
        viewer.settle()?;
    }
    viewer.wait_for_reports()?;
    let mut image = viewer.capture()?;
    if opts.overlay {
        // Read per frame: a report's legend gets its data range once that is read.
        let orbit = viewer.orbit();
        let annotations = legend::annotations(
            &viewer.state().styled.legend,
            ViewExtent {
                distance: orbit.distance,
                fov_y: orbit.fov,
                width: image.width() as f32,
                height: image.height() as f32,
            },
        );
        burn_overlay(&mut image, t, &annotations);
    }
    Ok(image)
}
