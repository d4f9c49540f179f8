//! `HeadlessViewer`: the viewer's core plugins in a Bevy app with no winit and no window.
//!
//! The camera draws into an image and each frame is read back with Bevy's screenshot
//! machinery. Frames are stepped by hand (`App::update`), so every frame shows exactly the
//! model time asked for. Works on Mesa's lavapipe (software Vulkan) with no display.

use std::sync::{Arc, Mutex};

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

use super::readback::{FrameReadbackPlugin, FrameRequest};
use crate::view::camera::{CameraPreset, OrbitCamera};
use crate::view::morphologies::{MorphologyBuild, union_sphere};
use crate::view::playback::{Playback, PlaybackStats, RealTimePlayback};
use crate::view::render::meshes;
use crate::view::render::neurons;
use crate::view::render::render_util::DrawStatus;
use crate::view::scene::{Representation, Scene};
use crate::view::{BACKGROUND, ViewerCorePlugins, ViewerState};

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
    pub(super) target: Handle<Image>,
    pub(super) camera: Entity,
    pub(super) width: u32,
    pub(super) height: u32,
    /// The last fit's sphere and what it was computed from (representations, virtual nodes
    /// shown, morphology bounds): an orbiting movie re-fits every frame, and styling 230k
    /// neurons for it each time cost more than drawing them.
    fit_cache: Option<(FitKey, ([f32; 3], f32))>,
}

type FitKey = (Vec<Representation>, bool, Option<([f32; 3], f32)>);

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
            .add_plugins(FrameReadbackPlugin)
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
            world.resource_mut::<FrameRequest>().target = Some(target.clone());
            world.resource_mut::<Playback>().fit_scene(&scene);
            let mut state = world.resource_mut::<ViewerState>();
            state.representations = reps;
            state.show_virtual = show_virtual;
            state.set_scene(scene);
        }
        Ok(Self {
            app,
            target,
            camera,
            width,
            height,
            fit_cache: None,
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
            let morphology_bounds = world
                .get_resource::<MorphologyBuild>()
                .and_then(|b| b.summary.bounds);
            let key: FitKey = (
                state.representations.clone(),
                state.show_virtual,
                morphology_bounds,
            );
            match (&self.fit_cache, &state.scene) {
                (Some((k, fit)), _) if *k == key => *fit,
                (_, Some(scene)) => {
                    let styled = scene.style_near(
                        &state.representations,
                        state.show_virtual,
                        state.probe_sites.as_deref().map(Vec::as_slice),
                    );
                    let somata = scene.bounds(&styled.instances);
                    let fit = match morphology_bounds {
                        Some(m) if !styled.morphology.is_empty() => union_sphere(somata, m),
                        _ => somata,
                    };
                    self.fit_cache = Some((key, fit));
                    fit
                }
                (_, None) => ([0.0; 3], 100.0),
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
            Some(r) => DrawStatus::all([
                neurons::status(r.world()),
                meshes::status(r.world()),
                crate::view::render::looks_passes::status(r.world()),
            ]),
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
    pub fn wait_for_reports(&mut self) -> anyhow::Result<()> {
        const FRAMES: usize = 2000;
        for _ in 0..FRAMES {
            if crate::view::reports::plugin::frame_shown(self.app.world()) {
                return Ok(());
            }
            self.app.update();
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        bail!("the report's frame for the playback time was not read after {FRAMES} frames")
    }

    /// Renders the current state and reads the frame back, waiting for it (Bevy's screenshot:
    /// several updates per frame; [`HeadlessViewer::draw_tagged`] is the pipelined way).
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
