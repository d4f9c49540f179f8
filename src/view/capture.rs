//! Pictures without a window: `cortexview render` and the rendering tests.
//!
//! A Bevy app with no winit and no window: the camera draws into an image, each frame is read
//! back with Bevy's screenshot machinery, a time stamp and a legend are burnt in with the
//! bitmap font, and the PNG is written with the image crate. Frames are stepped by hand
//! (`App::update`), so every frame shows exactly the model time asked for. Works on Mesa's
//! lavapipe (software Vulkan) with no display.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{Context, bail};
use bevy::app::{PluginsState, ScheduleRunnerPlugin};
use bevy::asset::RenderAssetUsages;
use bevy::camera::RenderTarget;
use bevy::core_pipeline::tonemapping::{DebandDither, Tonemapping};
use bevy::log::LogPlugin;
use bevy::prelude::*;
use bevy::render::RenderPlugin;
use bevy::render::pipelined_rendering::PipelinedRenderingPlugin;
use bevy::render::render_resource::{PollType, TextureFormat, TextureUsages};
use bevy::render::renderer::RenderDevice;
use bevy::render::settings::RenderCreation;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use bevy::window::ExitCondition;
use bevy::winit::WinitPlugin;
use image::RgbaImage;

use super::camera::{CameraPreset, OrbitCamera};
use super::font;
use super::morphologies::{Lod, MorphologyBuild, MorphologySettings, union_sphere};
use super::playback::{Playback, PlaybackStats, RealTimePlayback};
use super::render::meshes;
use super::render::neurons;
use super::render::render_util::DrawStatus;
use super::scene::{Coloring, LegendEntry, Representation, Scene, Style};
use super::{BACKGROUND, ViewerCorePlugins, ViewerState};

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
    /// Where PNGs go (`None`: keep frames in memory only).
    pub out: Option<PathBuf>,
    pub progress: bool,
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
        }
    }
}

impl RenderOptions {
    /// Model times of the frames.
    pub fn frame_times(&self) -> Vec<f64> {
        match self.t1 {
            None => vec![self.t0],
            Some(t1) => {
                let step = self.speed / self.fps.max(1e-6);
                let n = (((t1 - self.t0) / step).floor().max(0.0) as usize) + 1;
                (0..n).map(|k| self.t0 + k as f64 * step).collect()
            }
        }
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
            radius_scale: 1.0,
            enabled: true,
        }]
    }
}

/// One rendered frame.
pub struct Frame {
    pub time_ms: f64,
    pub image: RgbaImage,
    pub path: Option<PathBuf>,
    /// The camera of this frame, to project positions onto pixels.
    pub clip_from_world: Mat4,
}

/// Frames and what it took to make them.
pub struct RenderOutput {
    pub frames: Vec<Frame>,
    pub adapter: String,
    pub software_adapter: bool,
    /// Instances drawn / in the scene.
    pub visible: usize,
    pub total: usize,
    pub notes: Vec<String>,
}

/// Opens a circuit and renders frames.
pub fn render(path: &Path, spikes: &[&Path], opts: &RenderOptions) -> anyhow::Result<RenderOutput> {
    let scene = Scene::open(path, spikes)?;
    render_scene(scene, opts)
}

/// Projects a world position to pixel coordinates (x right, y down) of a `width` x `height`
/// frame; `None` behind the camera.
pub fn project(clip_from_world: Mat4, p: Vec3, width: u32, height: u32) -> Option<Vec2> {
    let clip = clip_from_world * p.extend(1.0);
    if clip.w <= 0.0 {
        return None;
    }
    let ndc = clip.truncate() / clip.w;
    Some(Vec2::new(
        (ndc.x * 0.5 + 0.5) * width as f32,
        (0.5 - ndc.y * 0.5) * height as f32,
    ))
}

/// Frames a headless viewer waits for its pipelines and uploads (not counting frames spent
/// building morphologies) before it says what is missing.
pub const WARM_UP_FRAMES: usize = 200;

/// A headless app: the viewer's core plugins, no window, an image as the render target.
pub struct HeadlessViewer {
    pub app: App,
    target: Handle<Image>,
    camera: Entity,
    width: u32,
    height: u32,
}

impl HeadlessViewer {
    pub fn new(
        scene: Scene,
        reps: Vec<Representation>,
        show_virtual: bool,
        width: u32,
        height: u32,
    ) -> anyhow::Result<Self> {
        if width == 0 || height == 0 || width > 8192 || height > 8192 {
            bail!("frame size {width}x{height} is outside 1..8192");
        }
        // Bevy panics when no adapter exists; say what to install instead.
        let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut app = App::new();
            app.add_plugins(
                DefaultPlugins
                    .set(WindowPlugin {
                        primary_window: None,
                        exit_condition: ExitCondition::DontExit,
                        close_when_requested: false,
                        ..default()
                    })
                    .set(RenderPlugin {
                        render_creation: RenderCreation::Automatic(Box::default()),
                        synchronous_pipeline_compilation: true,
                        ..default()
                    })
                    .disable::<WinitPlugin>()
                    .disable::<LogPlugin>()
                    .disable::<PipelinedRenderingPlugin>(),
            )
            .add_plugins(ScheduleRunnerPlugin::run_once())
            .add_plugins(ViewerCorePlugins)
            .insert_resource(RealTimePlayback(false));

            while app.plugins_state() == PluginsState::Adding {
                bevy::tasks::tick_global_task_pools_on_main_thread();
                std::thread::yield_now();
            }
            app.finish();
            app.cleanup();
            app
        }));
        let Ok(mut app) = built else {
            bail!(
                "no graphics adapter: install Mesa's software Vulkan driver (Debian/Ubuntu: \
                 mesa-vulkan-drivers libvulkan1) or a GPU driver"
            );
        };

        let mut image =
            Image::new_target_texture(width, height, TextureFormat::Rgba8UnormSrgb, None);
        image.texture_descriptor.usage |= TextureUsages::COPY_SRC;
        image.asset_usage = RenderAssetUsages::RENDER_WORLD;
        let target = app.world_mut().resource_mut::<Assets<Image>>().add(image);
        let camera = app
            .world_mut()
            .spawn((
                Camera3d::default(),
                Camera {
                    clear_color: ClearColorConfig::Custom(BACKGROUND),
                    ..default()
                },
                RenderTarget::Image(target.clone().into()),
                Msaa::Off,
                Tonemapping::None,
                DebandDither::Disabled,
                OrbitCamera::default(),
            ))
            .id();
        {
            let world = app.world_mut();
            let mut playback = std::mem::take(&mut *world.resource_mut::<Playback>());
            let mut state = world.resource_mut::<ViewerState>();
            state.representations = reps;
            state.show_virtual = show_virtual;
            state.set_scene(scene, &mut playback);
            *world.resource_mut::<Playback>() = playback;
        }
        Ok(Self {
            app,
            target,
            camera,
            width,
            height,
        })
    }

    pub fn state(&self) -> &ViewerState {
        self.app.world().resource::<ViewerState>()
    }

    /// Sets the camera (a preset fitted to what is drawn, turned by `turn` radians).
    pub fn set_camera(&mut self, preset: CameraPreset, turn: f32) {
        let aspect = self.width as f32 / self.height as f32;
        let world = self.app.world_mut();
        let (center, radius) = {
            let state = world.resource::<ViewerState>();
            match &state.scene {
                Some(scene) => {
                    let styled = scene.style(&state.representations, state.show_virtual);
                    let somata = scene.bounds(&styled.instances);
                    match world.get_resource::<MorphologyBuild>() {
                        Some(b) if !styled.morphology.is_empty() => {
                            b.summary.bounds.map_or(somata, |m| union_sphere(somata, m))
                        }
                        _ => somata,
                    }
                }
                None => ([0.0; 3], 100.0),
            }
        };
        let mut cam = OrbitCamera::preset(preset);
        cam.yaw += turn;
        cam.fit(Vec3::from(center), radius, aspect);
        world.resource_mut::<ViewerState>().fit_pending = false;
        if let Some(mut c) = world.get_mut::<OrbitCamera>(self.camera) {
            *c = cam;
        }
    }

    pub fn orbit(&self) -> OrbitCamera {
        self.app
            .world()
            .get::<OrbitCamera>(self.camera)
            .copied()
            .unwrap_or_default()
    }

    /// Sets model time and fade constant for the next frame.
    pub fn set_time(&mut self, t: f64, tau_ms: f64) {
        let mut playback = self.app.world_mut().resource_mut::<Playback>();
        playback.range = (playback.range.0.min(t), playback.range.1.max(t));
        playback.tau_ms = tau_ms;
        playback.seek(t);
    }

    /// Runs frames until the pipelines have compiled and the morphologies are built and uploaded
    /// (the first frames would be blank). A pipeline that fails is an error naming it and the
    /// cause; morphologies are waited for as long as they are being built (a cell of a million
    /// points takes seconds), anything else for at most [`WARM_UP_FRAMES`] frames.
    pub fn warm_up(&mut self) -> anyhow::Result<()> {
        let mut idle_frames = 0;
        loop {
            self.app.update();
            match self.status() {
                DrawStatus::Ready => return Ok(()),
                DrawStatus::Failed(why) => bail!("{why}"),
                DrawStatus::Waiting(what) => {
                    if !self.building_morphologies() {
                        idle_frames += 1;
                    }
                    if idle_frames > WARM_UP_FRAMES {
                        bail!("nothing drawn after {WARM_UP_FRAMES} frames: {what}");
                    }
                }
            }
        }
    }

    fn building_morphologies(&self) -> bool {
        self.app
            .world()
            .get_resource::<MorphologyBuild>()
            .is_some_and(MorphologyBuild::is_running)
    }

    /// Whether the pipelines have compiled and every mesh layer is built and on the GPU, and
    /// if not, what is waited for or what failed.
    pub fn status(&self) -> DrawStatus {
        if self.building_morphologies() {
            return DrawStatus::Waiting("the morphology meshes are being built".into());
        }
        match self.app.get_sub_app(bevy::render::RenderApp) {
            Some(r) => DrawStatus::all([neurons::status(r.world()), meshes::status(r.world())]),
            None => DrawStatus::Failed("the viewer has no renderer".into()),
        }
    }

    /// Whether the pipelines have compiled and every mesh layer is built and on the GPU.
    pub fn ready(&self) -> bool {
        self.status() == DrawStatus::Ready
    }

    /// Runs frames until every mesh layer is on the GPU (after a change of layers).
    pub fn settle(&mut self) -> anyhow::Result<()> {
        // One frame extracts the change, the next has it uploaded and the pipelines queued.
        for _ in 0..2 {
            self.app.update();
        }
        self.warm_up()
    }

    /// Renders one frame and waits for the GPU (for timing).
    pub fn step(&mut self) {
        self.app.update();
        self.step_wait();
    }

    /// Waits until the GPU has finished the submitted work.
    pub fn step_wait(&mut self) {
        if let Some(r) = self.app.get_sub_app(bevy::render::RenderApp)
            && let Some(device) = r.world().get_resource::<RenderDevice>()
        {
            let _ = device.poll(PollType::wait_indefinitely());
        }
    }

    /// Runs frames until the report colours are those of the playback time (their frames are
    /// read off the main thread); at most a few seconds.
    pub fn wait_for_reports(&mut self) {
        for _ in 0..2000 {
            if super::report_playback::frame_shown(self.app.world()) {
                return;
            }
            self.app.update();
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }

    /// Renders the current state and reads the frame back.
    pub fn capture(&mut self) -> anyhow::Result<RgbaImage> {
        let sink: Arc<Mutex<Option<Image>>> = Arc::default();
        let s = sink.clone();
        self.app
            .world_mut()
            .spawn(Screenshot::image(self.target.clone()))
            .observe(move |ev: On<ScreenshotCaptured>| {
                if let Ok(mut slot) = s.lock() {
                    *slot = Some(ev.image.clone());
                }
            });
        for _ in 0..100 {
            self.app.update();
            let got = sink.lock().ok().and_then(|mut s| s.take());
            if let Some(img) = got {
                return to_rgba(img, self.width, self.height);
            }
        }
        bail!("no frame came back from the GPU")
    }

    pub fn clip_from_world(&self) -> Mat4 {
        self.orbit()
            .clip_from_world(self.width as f32 / self.height as f32)
    }

    pub fn stats(&self) -> PlaybackStats {
        self.app.world().resource::<PlaybackStats>().clone()
    }

    pub fn adapter(&self) -> (String, bool) {
        let Some(r) = self.app.get_sub_app(bevy::render::RenderApp) else {
            return (String::new(), false);
        };
        let name = r
            .world()
            .get_resource::<bevy::render::renderer::RenderAdapterInfo>()
            .map(|i| format!("{} ({:?}, {:?})", i.name, i.device_type, i.backend))
            .unwrap_or_default();
        (name, neurons::is_software_adapter(r.world()))
    }
}

fn to_rgba(img: Image, width: u32, height: u32) -> anyhow::Result<RgbaImage> {
    let format = img.texture_descriptor.format;
    let mut data = img.data.context("the captured frame has no data")?;
    match format {
        TextureFormat::Rgba8UnormSrgb | TextureFormat::Rgba8Unorm => {}
        TextureFormat::Bgra8UnormSrgb | TextureFormat::Bgra8Unorm => {
            for px in data.chunks_exact_mut(4) {
                px.swap(0, 2);
            }
        }
        other => bail!("captured frame in {other:?}, expected 8-bit RGBA"),
    }
    RgbaImage::from_raw(width, height, data).context("captured frame has the wrong size")
}

/// Renders frames of a loaded scene.
pub fn render_scene(scene: Scene, opts: &RenderOptions) -> anyhow::Result<RenderOutput> {
    let notes = scene.notes.clone();
    let total = scene.len();
    let times = opts.frame_times();
    let reps = opts.representations(&scene);
    let mut viewer = HeadlessViewer::new(scene, reps, opts.show_virtual, opts.width, opts.height)?;
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
    viewer.set_time(times.first().copied().unwrap_or(0.0), opts.tau_ms);
    viewer.warm_up()?;
    if !viewer.state().styled.morphology.is_empty() {
        // Fitted again now that the morphologies (and their extent) are known.
        viewer.set_camera(opts.camera, 0.0);
        viewer.warm_up()?;
    }
    if let Some(errs) =
        (!viewer.state().styled.errors.is_empty()).then(|| viewer.state().styled.errors.clone())
    {
        let msgs: Vec<String> = errs.into_iter().map(|(_, e)| e).collect();
        bail!("selection: {}", msgs.join("; "));
    }
    let probe = match (opts.probe, viewer.state().scene.clone()) {
        (Some(kind), Some(scene)) => Some(super::probe_view::ProbeView::default_for(&scene, kind)),
        _ => None,
    };
    let visible = viewer.state().styled.visible;
    if let Some(dir) = &opts.out {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let bar = opts
        .progress
        .then(|| indicatif::ProgressBar::new(times.len() as u64));
    let mut frames = Vec::with_capacity(times.len());
    let n = times.len();
    let start = Instant::now();
    for (k, &t) in times.iter().enumerate() {
        if opts.camera == CameraPreset::Orbit && n > 1 {
            viewer.set_camera(
                CameraPreset::Orbit,
                std::f32::consts::TAU * k as f32 / n as f32,
            );
        }
        viewer.set_time(t, opts.tau_ms);
        if let (Some(p), Some(scene)) = (&probe, viewer.state().scene.clone()) {
            let mesh = p.mesh(&p.glow(&scene, t, super::probe::GLOW_MS), &[]);
            viewer
                .app
                .world_mut()
                .resource_mut::<meshes::MeshLayers>()
                .set(
                    super::probe::PROBE_LAYER,
                    meshes::MeshLayer::new(meshes::Topology::Triangles, vec![mesh]),
                );
            viewer.settle()?;
        }
        viewer.wait_for_reports();
        let mut image = viewer.capture()?;
        if opts.overlay {
            // Read per frame: a report's legend gets its data range once that is read.
            let legend = viewer.state().styled.legend.clone();
            burn_overlay(&mut image, t, &legend, viewer.orbit().distance, opts.height);
        }
        let path = match &opts.out {
            Some(dir) => {
                let p = dir.join(format!("frame_{k:05}.png"));
                save_png_whole(&image, &p)?;
                Some(p)
            }
            None => None,
        };
        frames.push(Frame {
            time_ms: t,
            image,
            path,
            clip_from_world: viewer.clip_from_world(),
        });
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
            n,
            start.elapsed().as_secs_f64(),
            visible,
            total
        );
    }
    Ok(RenderOutput {
        frames,
        adapter,
        software_adapter: software,
        visible,
        total,
        notes,
    })
}

/// Time stamp (bottom left), legend (top left) and a scale bar (bottom right).
fn burn_overlay(img: &mut RgbaImage, t: f64, legend: &[LegendEntry], distance: f32, height: u32) {
    let scale = (height / 360).max(1);
    let line = 10 * scale as i64;
    let h = img.height() as i64;
    let w = img.width() as i64;
    font::draw_text(
        img,
        line,
        h - 2 * line,
        &format!("t = {t:.1} ms"),
        scale + 1,
        [255, 255, 255],
    );
    let mut y = line;
    for entry in legend.iter().take(24) {
        match entry {
            LegendEntry::Swatch { color, label } => {
                let c = [
                    (color[0] * 255.0) as u8,
                    (color[1] * 255.0) as u8,
                    (color[2] * 255.0) as u8,
                ];
                font::fill_rect(img, line, y, 7 * scale as i64, 7 * scale as i64, c);
                font::draw_text(
                    img,
                    line + 10 * scale as i64,
                    y,
                    label,
                    scale,
                    [230, 230, 230],
                );
            }
            LegendEntry::Ramp { label, min, max } => {
                for k in 0..60 {
                    let c = super::scene::viridis(k as f32 / 59.0);
                    let c = [
                        (c[0] * 255.0) as u8,
                        (c[1] * 255.0) as u8,
                        (c[2] * 255.0) as u8,
                    ];
                    font::fill_rect(
                        img,
                        line + k * scale as i64,
                        y,
                        scale as i64,
                        7 * scale as i64,
                        c,
                    );
                }
                font::draw_text(
                    img,
                    line + 64 * scale as i64,
                    y,
                    &format!(
                        "{label} {} .. {}",
                        super::scene::fmt_num(*min),
                        super::scene::fmt_num(*max)
                    ),
                    scale,
                    [230, 230, 230],
                );
            }
        }
        y += line;
    }
    if legend.len() > 24 {
        let more = format!("+ {} more", legend.len() - 24);
        font::draw_text(img, line, y, &more, scale, [200, 200, 200]);
    }
    // Scale bar: a round length near a fifth of the view width at the target distance.
    let fov = 30f32.to_radians();
    let um_per_px = 2.0 * distance * (0.5 * fov).tan() / h as f32;
    let want = um_per_px * w as f32 / 5.0;
    let mag = 10f32.powf(want.log10().floor());
    let len_um = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .filter(|l| *l <= want)
        .fold(mag, f32::max);
    let px = (len_um / um_per_px) as i64;
    font::fill_rect(
        img,
        w - line - px,
        h - 2 * line + 3 * scale as i64,
        px,
        2 * scale as i64,
        [230, 230, 230],
    );
    let label = format!("{} µm", len_um as i64);
    let tw = font::text_width(&label, scale) as i64;
    font::draw_text(
        img,
        w - line - px / 2 - tw / 2,
        h - 3 * line,
        &label,
        scale,
        [230, 230, 230],
    );
}

/// Saves `image` as a PNG at `path`, whole or not at all (a temporary file renamed over it).
pub fn save_png_whole<P, C>(image: &image::ImageBuffer<P, C>, path: &Path) -> anyhow::Result<()>
where
    P: image::PixelWithColorType,
    [P::Subpixel]: image::EncodableLayout,
    C: std::ops::Deref<Target = [P::Subpixel]>,
{
    crate::atomic_file::write_atomically(
        path,
        |tmp| {
            image
                .save_with_format(tmp, image::ImageFormat::Png)
                .with_context(|| format!("writing {}", path.display()))
        },
        |p, e| anyhow::Error::new(e).context(format!("writing {}", p.display())),
    )
}
