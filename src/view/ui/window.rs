//! The window: egui panels over the 3D view.
//!
//! Left: circuit tree, representations (selection + style + colouring), legend. Bottom:
//! playback and a raster of the drawn neurons (click or drag to seek). Right: the picked
//! neuron's attributes. Keys: space play/pause, F fit, S screenshot, H help.

use std::path::{Path, PathBuf};

use bevy::camera::visibility::RenderLayers;
use bevy::camera::{CameraOutputMode, Viewport};
use bevy::core_pipeline::tonemapping::{DebandDither, Tonemapping};
use bevy::prelude::*;
use bevy::render::render_resource::BlendState;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use bevy::window::{FileDragAndDrop, PrimaryWindow};
use bevy_egui::{
    EguiContexts, EguiGlobalSettings, EguiPlugin, EguiPrimaryContextPass, PrimaryEguiContext, egui,
};

use crate::view::camera::{CameraInputBlocked, CameraPreset, OrbitCamera};
use crate::view::live::{LivePlugin, LiveSession, live_ui, stimulate_instances};
use crate::view::morphologies::{self, MorphologyBuild, MorphologySettings};
use crate::view::playback::{LoopMode, Playback, PlaybackStats};
use crate::view::probe::{ProbePlugin, ProbeSession, probe_ui};
use crate::view::scene::{Coloring, LegendEntry, Representation, Style};
use crate::view::connectivity::ui::ConnectivityUiPlugin;
use crate::view::reports::ui::ReportsUiPlugin;
use crate::view::{BACKGROUND, LoadTask, ViewerCorePlugins, ViewerState};

/// Opens the viewer window, loading `path` in the background when given.
pub fn run_window(path: Option<&Path>) -> anyhow::Result<()> {
    run_window_with(path, LiveSession::default())
}

/// Opens the viewer window on `path` with a live session (the built-in demo simulated live).
pub fn run_window_with(path: Option<&Path>, live: LiveSession) -> anyhow::Result<()> {
    let mut app = App::new();
    app.add_plugins(DefaultPlugins.set(WindowPlugin {
        primary_window: Some(Window {
            title: "cortexview".into(),
            resolution: (1400u32, 860u32).into(),
            ..default()
        }),
        ..default()
    }))
    .add_plugins(EguiPlugin::default())
    .add_plugins((ViewerCorePlugins, UiPlugin, LivePlugin, ProbePlugin))
    .add_plugins((ReportsUiPlugin, ConnectivityUiPlugin))
    .insert_resource(ProbeSession::shown(live.demo.is_some()))
    .insert_resource(live)
    .insert_resource(ClearColor(BACKGROUND))
    .insert_resource(StartupPath(path.map(Path::to_path_buf)))
    .add_systems(Startup, setup_window_scene);
    app.run();
    Ok(())
}

#[derive(Resource)]
struct StartupPath(Option<PathBuf>);

/// The window's 3D camera (drawn between the panels).
#[derive(Component)]
pub struct WindowView;

/// Where the 3D view lies in egui's coordinates (the whole window before the camera has a
/// viewport): floating windows open and stay inside it.
pub fn view_rect(cameras: &Query<&Camera, With<WindowView>>, ctx: &egui::Context) -> egui::Rect {
    cameras
        .iter()
        .next()
        .and_then(Camera::logical_viewport_rect)
        .map(|r| {
            egui::Rect::from_min_max(egui::pos2(r.min.x, r.min.y), egui::pos2(r.max.x, r.max.y))
        })
        .unwrap_or(ctx.viewport_rect())
}

fn setup_window_scene(
    mut commands: Commands,
    path: Res<StartupPath>,
    mut task: ResMut<LoadTask>,
    mut state: ResMut<ViewerState>,
    mut egui_settings: ResMut<EguiGlobalSettings>,
) {
    // The 3D camera draws into the area between the panels; egui has a camera of its own
    // over the whole window.
    egui_settings.auto_create_primary_context = false;
    commands.spawn((
        Camera3d::default(),
        Msaa::Off,
        Tonemapping::None,
        DebandDither::Disabled,
        OrbitCamera::default(),
        WindowView,
    ));
    commands.spawn((
        PrimaryEguiContext,
        Camera2d,
        RenderLayers::none(),
        Camera {
            order: 1,
            output_mode: CameraOutputMode::Write {
                blend_state: Some(BlendState::ALPHA_BLENDING),
                clear_color: ClearColorConfig::None,
            },
            clear_color: ClearColorConfig::Custom(Color::NONE),
            ..default()
        },
    ));
    if let Some(p) = &path.0 {
        task.start(p, &mut state);
    }
}

/// Panels, shortcuts, picking, drag-and-drop.
pub struct UiPlugin;

impl Plugin for UiPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<UiState>()
            .init_resource::<HiResShot>()
            .add_systems(EguiPrimaryContextPass, panels_ui)
            .add_systems(Update, hires_screenshot)
            .add_systems(
                Update,
                (shortcuts, dropped_files, pick_neuron, auto_screenshot),
            );
    }
}

/// Window-only UI state.
#[derive(Resource, Default)]
pub struct UiState {
    help_open: bool,
    /// Raster time span shown around the cursor, ms (0: the whole range).
    raster_span: f64,
    /// Where the last click started (to tell a click from an orbit drag).
    press_at: Option<Vec2>,
    /// The raster as a texture, and what it shows (styling, time range, size in pixels).
    raster: Option<(RasterKey, egui::TextureHandle)>,
    /// The raster texture drawn this frame (the previous one while a new one uploads).
    raster_shown: Option<egui::TextureHandle>,
    /// The raster plot's data area on screen (points), sizing the next texture.
    raster_area: Option<egui::Vec2>,
}

type RasterKey = (u64, u64, u64, usize, usize);

fn shortcuts(
    keys: Res<ButtonInput<KeyCode>>,
    mut contexts: EguiContexts,
    mut playback: ResMut<Playback>,
    mut state: ResMut<ViewerState>,
    mut ui_state: ResMut<UiState>,
    mut commands: Commands,
) {
    if contexts
        .ctx_mut()
        .is_ok_and(|c| c.egui_wants_keyboard_input())
    {
        return;
    }
    if keys.just_pressed(KeyCode::Space) {
        playback.playing = !playback.playing;
    }
    if keys.just_pressed(KeyCode::KeyF) {
        state.fit_pending = true;
        state.restyle = true;
    }
    if keys.just_pressed(KeyCode::KeyH) {
        ui_state.help_open = !ui_state.help_open;
    }
    if keys.just_pressed(KeyCode::KeyS) {
        take_screenshot(&mut commands);
    }
}

/// Bevy's `save_to_disk`, but the PNG is written whole or not at all.
fn save_screenshot(path: impl Into<PathBuf>) -> impl FnMut(On<ScreenshotCaptured>) {
    let path = path.into();
    move |captured| match captured.image.clone().try_into_dynamic() {
        Ok(image) => match crate::view::capture::save_png_whole(&image.to_rgb8(), &path) {
            Ok(()) => info!("Screenshot saved to {}", path.display()),
            Err(e) => error!("cannot save the screenshot: {e:#}"),
        },
        Err(e) => error!("cannot save the screenshot {}: {e}", path.display()),
    }
}

fn take_screenshot(commands: &mut Commands) {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let path = format!("cortexview-{stamp}.png");
    info!("screenshot: {path}");
    commands
        .spawn(Screenshot::primary_window())
        .observe(save_screenshot(path));
}

/// For scripted screenshots (docs, CI under Xvfb): `CORTEXVIEW_AUTOSHOT=out.png` saves the
/// window after `CORTEXVIEW_AUTOSHOT_FRAME` frames (default 90) and exits;
/// `CORTEXVIEW_AUTOPLAY=1` starts playback; `CORTEXVIEW_AUTOPICK=N` picks instance N;
/// `CORTEXVIEW_AUTOSHOT_HIRES=3840x2160` also saves an off-screen image of that size;
/// `CORTEXVIEW_AUTOROWS=A-B` selects raster rows (instances A..B) as a shift-drag would;
/// `CORTEXVIEW_AUTOSTYLE=morphology` gives the first representation that style;
/// `CORTEXVIEW_AUTOZOOM=F` moves the camera F times closer at frame 60 (after the fit), onto
/// the picked neuron when there is one.
#[allow(clippy::too_many_arguments)]
fn auto_screenshot(
    mut frame: Local<u32>,
    mut cameras: Query<&mut crate::view::camera::OrbitCamera>,
    mut since: Local<Option<(std::time::Instant, u32)>>,
    mut commands: Commands,
    mut playback: ResMut<Playback>,
    mut state: ResMut<ViewerState>,
    mut hires: ResMut<HiResShot>,
) {
    let Some(path) = std::env::var_os("CORTEXVIEW_AUTOSHOT") else {
        return;
    };
    *frame += 1;
    // CORTEXVIEW_AUTOSHOT_HIRES=WxH: also save an off-screen image of that size.
    if *frame == 20
        && let Some((w, h)) = std::env::var("CORTEXVIEW_AUTOSHOT_HIRES")
            .ok()
            .and_then(|v| {
                v.split_once('x')
                    .map(|(a, b)| (a.parse().ok(), b.parse().ok()))
            })
            .and_then(|(a, b)| Some((a?, b?)))
    {
        hires.request = Some((w, h));
    }
    if *frame == 60
        && let Some(f) = std::env::var("CORTEXVIEW_AUTOZOOM")
            .ok()
            .and_then(|v| v.parse::<f32>().ok())
            .filter(|f| *f > 0.0)
    {
        let picked = state
            .picked
            .zip(state.scene.as_deref())
            .and_then(|(i, scene)| scene.positions.get(i).copied());
        for mut c in &mut cameras {
            c.distance /= f;
            if let Some(p) = picked {
                c.target = Vec3::from(p);
            }
        }
    }
    if *frame == 1 && std::env::var_os("CORTEXVIEW_AUTOPLAY").is_some() {
        playback.playing = true;
    }
    if state.scene.is_some()
        && state.raster_rows.is_none()
        && let Some((a, b)) = std::env::var("CORTEXVIEW_AUTOROWS")
            .ok()
            .and_then(|v| {
                v.split_once('-')
                    .map(|(a, b)| (a.parse().ok(), b.parse().ok()))
            })
            .and_then(|(a, b)| Some((a?, b?)))
    {
        state.raster_rows = Some(a..b);
        state.restyle = true;
    }
    if state.scene.is_some()
        && let Some(style) = std::env::var("CORTEXVIEW_AUTOSTYLE")
            .ok()
            .and_then(|v| Style::parse(&v))
        && let Some(rep) = state.representations.first_mut()
        && rep.style != style
    {
        rep.style = style;
        state.restyle = true;
    }
    if state.scene.is_some()
        && state.picked.is_none()
        && let Some(i) = std::env::var("CORTEXVIEW_AUTOPICK")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
    {
        state.picked = Some(i);
    }
    let at = std::env::var("CORTEXVIEW_AUTOSHOT_FRAME")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(90);
    if state.scene.is_some() && since.is_none() {
        *since = Some((std::time::Instant::now(), *frame));
    }
    if *frame == at {
        if let Some((t, f)) = *since {
            let secs = t.elapsed().as_secs_f64();
            info!(
                "window: {} frames with the scene in {secs:.2} s ({:.2} fps)",
                *frame - f,
                (*frame - f) as f64 / secs.max(1e-9)
            );
        }
        commands
            .spawn(Screenshot::primary_window())
            .observe(save_screenshot(PathBuf::from(path)))
            .observe(
                |_: On<ScreenshotCaptured>, mut exit: MessageWriter<AppExit>| {
                    exit.write(AppExit::Success);
                },
            );
    }
}

/// A screenshot at a resolution of its own (up to 8K), from an off-screen camera that copies
/// the view's camera for a few frames.
#[derive(Resource, Default)]
pub struct HiResShot {
    pub request: Option<(u32, u32)>,
    camera: Option<(Entity, u32)>,
    pending: Option<(Handle<Image>, PathBuf)>,
}

fn hires_screenshot(
    mut shot: ResMut<HiResShot>,
    mut commands: Commands,
    mut images: ResMut<Assets<Image>>,
    view: Query<&OrbitCamera, With<WindowView>>,
) {
    if let Some((entity, frames)) = shot.camera {
        // Frame 2: the camera has rendered once, capture; frame 8: done, remove it.
        if frames == 6
            && let Some((handle, path)) = shot.pending.take()
        {
            commands
                .spawn(Screenshot::image(handle))
                .observe(save_screenshot(path));
        }
        if frames == 0 {
            commands.entity(entity).despawn();
            shot.camera = None;
        } else {
            shot.camera = Some((entity, frames - 1));
        }
        return;
    }
    let Some((w, h)) = shot.request.take() else {
        return;
    };
    let Some(orbit) = view.iter().next().copied() else {
        return;
    };
    let (w, h) = (w.clamp(16, 7680), h.clamp(16, 4320));
    let mut image = Image::new_target_texture(
        w,
        h,
        bevy::render::render_resource::TextureFormat::Rgba8UnormSrgb,
        None,
    );
    image.texture_descriptor.usage |= bevy::render::render_resource::TextureUsages::COPY_SRC;
    let handle = images.add(image);
    let entity = commands
        .spawn((
            Camera3d::default(),
            Camera {
                order: -1,
                clear_color: ClearColorConfig::Custom(BACKGROUND),
                ..default()
            },
            bevy::camera::RenderTarget::Image(handle.clone().into()),
            Msaa::Off,
            Tonemapping::None,
            DebandDither::Disabled,
            orbit.transform(),
            orbit.projection(),
            orbit,
        ))
        .id();
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let path = PathBuf::from(format!("cortexview-{stamp}-{w}x{h}.png"));
    info!("screenshot: {}", path.display());
    shot.pending = Some((handle, path));
    shot.camera = Some((entity, 8));
}

fn dropped_files(
    mut events: MessageReader<FileDragAndDrop>,
    mut task: ResMut<LoadTask>,
    mut state: ResMut<ViewerState>,
) {
    for ev in events.read() {
        if let FileDragAndDrop::DroppedFile { path_buf, .. } = ev {
            // A spikes file dropped on an open circuit adds its spikes; anything else opens.
            let is_spikes = state.scene.is_some()
                && crate::sonata::circuit::h5_kind(path_buf)
                    .is_ok_and(|k| k == crate::sonata::circuit::H5Kind::Spikes);
            if is_spikes {
                add_spikes_file(&mut state, path_buf);
            } else if state.scene.is_some()
                && crate::sonata::circuit::h5_kind(path_buf)
                    .is_ok_and(|k| k == crate::sonata::circuit::H5Kind::Report)
            {
                crate::view::reports::plugin::add_report_file(&mut state, path_buf);
            } else {
                task.start(path_buf, &mut state);
            }
        }
    }
}

/// Click (press and release without moving): pick the nearest drawn neuron under the cursor.
fn pick_neuron(
    buttons: Res<ButtonInput<MouseButton>>,
    window: Single<&Window, With<PrimaryWindow>>,
    blocked: Res<CameraInputBlocked>,
    cameras: Query<(&OrbitCamera, &Camera), With<WindowView>>,
    mut ui_state: ResMut<UiState>,
    mut state: ResMut<ViewerState>,
) {
    let Some(cursor) = window.cursor_position() else {
        return;
    };
    if buttons.just_pressed(MouseButton::Left) && !blocked.0 {
        ui_state.press_at = Some(cursor);
    }
    if !buttons.just_released(MouseButton::Left) {
        return;
    }
    let Some(start) = ui_state.press_at.take() else {
        return;
    };
    if start.distance(cursor) > 4.0 {
        return;
    }
    let Some((cam, camera)) = cameras.iter().next() else {
        return;
    };
    let Some(rect) = camera.logical_viewport_rect() else {
        return;
    };
    let cursor = cursor - rect.min;
    let size = rect.size();
    let clip_from_world = cam.clip_from_world(size.x / size.y.max(1.0));
    let px_per_um = size.y / (2.0 * cam.distance * (0.5 * cam.fov).tan());
    let mut best: Option<(f32, usize)> = None;
    for (i, inst) in state.styled.instances.iter().enumerate() {
        if inst.radius <= 0.0 {
            continue;
        }
        let p = Vec3::from(inst.position);
        let clip = clip_from_world * p.extend(1.0);
        if clip.w <= 0.0 {
            continue;
        }
        let ndc = clip.truncate() / clip.w;
        let s = Vec2::new((ndc.x * 0.5 + 0.5) * size.x, (0.5 - ndc.y * 0.5) * size.y);
        let r = (inst.radius * px_per_um * cam.distance / clip.w).max(4.0);
        let d = s.distance(cursor);
        // Nearest to the eye among those under the cursor.
        if d <= r && best.is_none_or(|(w, _)| clip.w < w) {
            best = Some((clip.w, i));
        }
    }
    state.picked = best.map(|(_, i)| i);
    state.restyle = true;
}

fn color32(c: [f32; 3]) -> egui::Color32 {
    egui::Color32::from_rgb(
        (c[0].clamp(0.0, 1.0) * 255.0) as u8,
        (c[1].clamp(0.0, 1.0) * 255.0) as u8,
        (c[2].clamp(0.0, 1.0) * 255.0) as u8,
    )
}

#[allow(clippy::too_many_arguments)]
fn panels_ui(
    mut contexts: EguiContexts,
    mut state: ResMut<ViewerState>,
    mut playback: ResMut<Playback>,
    stats: Res<PlaybackStats>,
    mut task: ResMut<LoadTask>,
    mut ui_state: ResMut<UiState>,
    mut blocked: ResMut<CameraInputBlocked>,
    mut cameras: Query<&mut OrbitCamera>,
    mut camera3d: Query<&mut Camera, With<WindowView>>,
    mut hires: ResMut<HiResShot>,
    window: Single<&Window, With<PrimaryWindow>>,
    mut commands: Commands,
    (mut live, mut probe): (ResMut<LiveSession>, ResMut<ProbeSession>),
    (mut morphology, build): (ResMut<MorphologySettings>, Res<MorphologyBuild>),
) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    let mut root = egui::Ui::new(
        ctx.clone(),
        "viewport".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    );

    let top = egui::Panel::top("menu").show(&mut root, |ui| {
        menu_ui(
            ui,
            &mut state,
            &mut task,
            &mut ui_state,
            &mut cameras,
            &mut commands,
            &mut hires,
        );
    });
    let left = egui::Panel::left("scene")
        .resizable(true)
        .default_size(330.0)
        .show(&mut root, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                circuit_tree_ui(ui, &state);
                ui.separator();
                representations_ui(ui, &mut state);
                if let Some(lod) = morphologies::morphology_ui(ui, &morphology, &build) {
                    morphology.lod = lod;
                }
                ui.separator();
                legend_ui(ui, &state);
            });
        });
    let right = egui::Panel::right("details")
        .resizable(true)
        .default_size(if live.demo.is_some() { 330.0 } else { 260.0 })
        .show(&mut root, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                if live.demo.is_some() {
                    egui::CollapsingHeader::new("Live simulation")
                        .default_open(true)
                        .show(ui, |ui| live_ui(ui, &mut live, &mut state, &mut playback));
                    ui.separator();
                }
                egui::CollapsingHeader::new("Neuropixels probe")
                    .default_open(live.demo.is_some())
                    .show(ui, |ui| {
                        let running = live.running();
                        let targets = probe_ui(ui, &mut probe, &mut state, &mut playback, running);
                        if !targets.is_empty() {
                            stimulate_instances(&mut live, &state, &targets);
                        }
                    });
                ui.separator();
                details_ui(ui, &state, &playback);
            });
        });
    let mut rows_change = None;
    let bottom = egui::Panel::bottom("playback")
        .resizable(true)
        .default_size(290.0)
        .show(&mut root, |ui| {
            playback_ui(ui, &mut playback, &stats);
            raster_ui(ui, &state, &mut playback, &mut ui_state, &mut rows_change);
        });
    if let Some(rows) = rows_change {
        state.raster_rows = rows;
        state.restyle = true;
    }

    // The 3D view gets the rectangle the panels leave.
    let free = egui::Rect::from_min_max(
        egui::pos2(left.response.rect.right(), top.response.rect.bottom()),
        egui::pos2(right.response.rect.left(), bottom.response.rect.top()),
    );
    let scale = window.scale_factor();
    let pos = UVec2::new((free.left() * scale) as u32, (free.top() * scale) as u32);
    let size = UVec2::new(
        ((free.width() * scale) as u32).max(1),
        ((free.height() * scale) as u32).max(1),
    );
    let full = UVec2::new(window.physical_width(), window.physical_height());
    if let Some(cam) = cameras.iter().next() {
        scale_bar_ui(&ctx, free, cam);
    }
    if pos.x + size.x <= full.x && pos.y + size.y <= full.y {
        for mut cam in &mut camera3d {
            let vp = Viewport {
                physical_position: pos,
                physical_size: size,
                ..default()
            };
            if cam
                .viewport
                .as_ref()
                .map(|v| (v.physical_position, v.physical_size))
                != Some((pos, size))
            {
                cam.viewport = Some(vp);
            }
        }
    }

    if ui_state.help_open {
        let mut open = true;
        egui::Window::new("Help").open(&mut open).show(&ctx, |ui| {
            help_ui(ui);
        });
        ui_state.help_open = open;
    }
    blocked.0 = ctx.is_pointer_over_egui() || ctx.egui_wants_pointer_input();
    Ok(())
}

fn menu_ui(
    ui: &mut egui::Ui,
    state: &mut ViewerState,
    task: &mut LoadTask,
    ui_state: &mut UiState,
    cameras: &mut Query<&mut OrbitCamera>,
    commands: &mut Commands,
    hires: &mut HiResShot,
) {
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| {
            if ui.button("Open…").clicked() {
                ui.close();
                if let Some(p) = rfd::FileDialog::new()
                    .add_filter("SONATA", &["json", "h5"])
                    .pick_file()
                {
                    task.start(&p, state);
                }
            }
            if ui.button("Open folder…").clicked() {
                ui.close();
                if let Some(p) = rfd::FileDialog::new().pick_folder() {
                    task.start(&p, state);
                }
            }
            if ui.button("Open spikes…").clicked() {
                ui.close();
                if let Some(p) = rfd::FileDialog::new()
                    .add_filter("SONATA spikes", &["h5", "csv", "txt"])
                    .pick_file()
                {
                    add_spikes_file(state, &p);
                }
            }
            if ui.button("Open report…").clicked() {
                ui.close();
                if let Some(p) = rfd::FileDialog::new()
                    .add_filter("SONATA report", &["h5"])
                    .pick_file()
                {
                    crate::view::reports::plugin::add_report_file(state, &p);
                }
            }
            ui.menu_button("Recent", |ui| {
                for p in recent_files() {
                    if ui.button(p.display().to_string()).clicked() {
                        ui.close();
                        task.start(&p, state);
                    }
                }
            });
            if ui.button("Screenshot (S)").clicked() {
                ui.close();
                take_screenshot(commands);
            }
            ui.menu_button("Save image", |ui| {
                for (w, h) in [(1920, 1080), (3840, 2160), (7680, 4320)] {
                    if ui.button(format!("{w} x {h}")).clicked() {
                        hires.request = Some((w, h));
                        ui.close();
                    }
                }
            });
        });
        ui.menu_button("View", |ui| {
            if ui.button("Fit (F)").clicked() {
                state.fit_pending = true;
                state.restyle = true;
                ui.close();
            }
            for (name, preset) in [
                ("Three-quarter", CameraPreset::Orbit),
                ("Front (pia up)", CameraPreset::Front),
                ("Side", CameraPreset::Side),
                ("Top", CameraPreset::Top),
            ] {
                if ui.button(name).clicked() {
                    for mut cam in cameras.iter_mut() {
                        let fitted = *cam;
                        *cam = OrbitCamera {
                            target: fitted.target,
                            distance: fitted.distance,
                            ..OrbitCamera::preset(preset)
                        };
                    }
                    ui.close();
                }
            }
            ui.checkbox(&mut state.show_virtual, "Show virtual populations")
                .changed()
                .then(|| state.restyle = true);
        });
        if ui.button("Help (H)").clicked() {
            ui_state.help_open = true;
        }
        if let Some(p) = &state.loading {
            let (fraction, text) = match &state.load_progress {
                Some(progress) => {
                    let (done, total) = progress.counts();
                    (
                        progress.fraction(),
                        format!("{done}/{total}: {}", progress.step()),
                    )
                }
                None => (0.0, format!("loading {}", p.display())),
            };
            ui.add(
                egui::ProgressBar::new(fraction)
                    .desired_width(360.0)
                    .animate(true)
                    .text(text),
            );
        }
        if let Some(e) = &state.error {
            ui.colored_label(egui::Color32::LIGHT_RED, format!("load failed: {e}"));
        }
    });
}

/// Adds a spikes file to what is on screen (errors go to the menu bar, the scene stays).
pub fn add_spikes_file(state: &mut ViewerState, path: &Path) {
    let Some(scene) = state.scene.as_mut() else {
        state.error = Some("open a circuit before its spikes".into());
        return;
    };
    match crate::sonata::read_spikes(path) {
        Ok(pops) => {
            std::sync::Arc::make_mut(scene).add_spikes(&path.display().to_string(), pops);
            state.restyle = true;
        }
        Err(e) => state.error = Some(format!("{}: {e}", path.display())),
    }
}

/// A scale bar (µm) in the bottom right corner of the 3D view, and the axes' directions.
fn scale_bar_ui(ctx: &egui::Context, rect: egui::Rect, cam: &OrbitCamera) {
    let painter = ctx.layer_painter(egui::LayerId::new(
        egui::Order::Background,
        egui::Id::new("scale bar"),
    ));
    let um_per_pt = 2.0 * cam.distance * (0.5 * cam.fov).tan() / rect.height().max(1.0);
    let want = um_per_pt * rect.width() / 6.0;
    let mag = 10f32.powf(want.log10().floor());
    let len_um = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .filter(|l| *l <= want)
        .fold(mag, f32::max);
    let len = len_um / um_per_pt;
    let y = rect.bottom() - 14.0;
    let x1 = rect.right() - 16.0;
    let white = egui::Color32::from_gray(220);
    painter.line_segment(
        [egui::pos2(x1 - len, y), egui::pos2(x1, y)],
        egui::Stroke::new(2.0, white),
    );
    painter.text(
        egui::pos2(x1 - len / 2.0, y - 4.0),
        egui::Align2::CENTER_BOTTOM,
        format!("{len_um} µm"),
        egui::FontId::proportional(12.0),
        white,
    );
    // Axes: world x, y (pia up), z as seen from the camera.
    let t = cam.transform();
    let origin = egui::pos2(rect.left() + 40.0, rect.bottom() - 40.0);
    for (axis, name, color) in [
        (Vec3::X, "x", egui::Color32::from_rgb(230, 80, 80)),
        (Vec3::Y, "y", egui::Color32::from_rgb(90, 210, 90)),
        (Vec3::Z, "z", egui::Color32::from_rgb(90, 140, 240)),
    ] {
        let v = Vec2::new(axis.dot(*t.right()), axis.dot(*t.up())) * 26.0;
        let end = origin + egui::vec2(v.x, -v.y);
        painter.line_segment([origin, end], egui::Stroke::new(2.0, color));
        painter.text(
            end,
            egui::Align2::CENTER_CENTER,
            name,
            egui::FontId::monospace(11.0),
            color,
        );
    }
}

fn help_ui(ui: &mut egui::Ui) {
    egui::Grid::new("keys").show(ui, |ui| {
        for (k, what) in [
            ("Space", "play / pause"),
            ("F", "fit the view to what is drawn"),
            ("S", "screenshot (PNG in the working folder)"),
            ("H", "this help"),
            ("Left drag", "orbit"),
            ("Right/middle drag", "pan"),
            ("Wheel", "zoom"),
            (
                "Ctrl+drag",
                "move the probe: sideways its entry point, up/down its depth",
            ),
            ("Click", "pick a neuron (details on the right)"),
            ("Raster click/drag", "seek"),
            (
                "Raster shift-drag",
                "select rows: those neurons stay lit in 3D, the rest dim",
            ),
        ] {
            ui.label(k);
            ui.label(what);
            ui.end_row();
        }
    });
}

fn circuit_tree_ui(ui: &mut egui::Ui, state: &ViewerState) {
    ui.heading("Circuit");
    let Some(scene) = &state.scene else {
        ui.label("Nothing open: File > Open, or drop a config here.");
        return;
    };
    ui.label(scene.circuit.source.display().to_string());
    for sp in &scene.populations {
        let pop = &scene.circuit.nodes[sp.circuit_index];
        let title = format!(
            "{} — {} nodes{}{}",
            sp.name,
            pop.len(),
            if sp.is_virtual { " (virtual)" } else { "" },
            if sp.len == 0 { ", no positions" } else { "" }
        );
        egui::CollapsingHeader::new(title)
            .id_salt(&sp.name)
            .show(ui, |ui| {
                for (t, n, name) in &sp.node_types {
                    ui.label(format!("type {t} {name}: {n}"));
                }
            });
    }
    for s in &scene.spikes {
        ui.label(format!(
            "spikes: {} ({}), {}",
            s.index.population,
            s.index.len(),
            s.source
        ));
    }
    for n in &scene.notes {
        ui.colored_label(egui::Color32::YELLOW, n);
    }
}

fn representations_ui(ui: &mut egui::Ui, state: &mut ViewerState) {
    ui.heading("Representations");
    let mut changed = false;
    let mut remove = None;
    let attrs: Vec<String> = state
        .scene
        .as_ref()
        .map(|s| {
            let mut v: Vec<String> = s
                .circuit
                .nodes
                .iter()
                .flat_map(|p| p.attribute_names().map(str::to_owned))
                .collect();
            v.sort();
            v.dedup();
            v
        })
        .unwrap_or_default();
    let errors = state.styled.errors.clone();
    for (i, rep) in state.representations.iter_mut().enumerate() {
        ui.push_id(i, |ui| {
            ui.horizontal(|ui| {
                changed |= ui.checkbox(&mut rep.enabled, "").changed();
                let edit = ui.add(
                    egui::TextEdit::singleline(&mut rep.selection)
                        .hint_text("all (e.g. layer == L4 && ei == e)")
                        .desired_width(200.0),
                );
                changed |= edit.lost_focus();
                if ui.small_button("remove").clicked() {
                    remove = Some(i);
                }
            });
            ui.horizontal(|ui| {
                egui::ComboBox::from_id_salt("style")
                    .selected_text(rep.style.name())
                    .show_ui(ui, |ui| {
                        for s in Style::ALL {
                            changed |= ui.selectable_value(&mut rep.style, s, s.name()).changed();
                        }
                    });
                let label = match &rep.coloring {
                    Coloring::Solid(_) => "solid".to_owned(),
                    Coloring::ByPopulation => "population".to_owned(),
                    Coloring::ByNodeType => "node type".to_owned(),
                    Coloring::ByActivity => "firing rate".to_owned(),
                    Coloring::ByAttribute { name, .. } => name.clone(),
                    Coloring::ByReport { .. } => "report value".to_owned(),
                };
                egui::ComboBox::from_id_salt("color")
                    .selected_text(label)
                    .show_ui(ui, |ui| {
                        let mut pick = |ui: &mut egui::Ui, c: Coloring, text: &str| {
                            if ui.selectable_label(rep.coloring == c, text).clicked() {
                                rep.coloring = c;
                                changed = true;
                            }
                        };
                        pick(ui, Coloring::Solid([0.8, 0.8, 0.8]), "solid");
                        pick(ui, Coloring::ByPopulation, "population");
                        pick(ui, Coloring::ByNodeType, "node type");
                        pick(ui, Coloring::ByActivity, "firing rate");
                        pick(ui, Coloring::parse("report"), "report value");
                        for a in &attrs {
                            pick(
                                ui,
                                Coloring::ByAttribute {
                                    name: a.clone(),
                                    range: None,
                                },
                                a,
                            );
                        }
                    });
                if let Coloring::Solid(c) = &mut rep.coloring {
                    changed |= ui.color_edit_button_rgb(c).changed();
                }
                changed |= ui
                    .add(egui::Slider::new(&mut rep.radius_scale, 0.1..=5.0).text("size"))
                    .changed();
            });
            for (_, e) in errors.iter().filter(|(k, _)| *k == i) {
                ui.colored_label(egui::Color32::LIGHT_RED, e);
            }
        });
        ui.separator();
    }
    if let Some(i) = remove {
        state.representations.remove(i);
        changed = true;
    }
    if ui.button("+ Add representation").clicked() {
        state.representations.push(Representation {
            selection: "layer == L4".into(),
            coloring: Coloring::ByNodeType,
            ..default()
        });
        changed = true;
    }
    ui.label(format!(
        "{} of {} neurons drawn",
        state.styled.visible,
        state.styled.instances.len()
    ));
    if changed {
        state.restyle = true;
    }
}

fn legend_ui(ui: &mut egui::Ui, state: &ViewerState) {
    ui.heading("Legend");
    for entry in &state.styled.legend {
        match entry {
            LegendEntry::Swatch { color, label } => {
                ui.horizontal(|ui| {
                    let (rect, _) =
                        ui.allocate_exact_size(egui::vec2(14.0, 14.0), egui::Sense::hover());
                    ui.painter().rect_filled(rect, 2.0, color32(*color));
                    ui.label(label);
                });
            }
            LegendEntry::Ramp { label, min, max } => {
                ui.horizontal(|ui| {
                    let (rect, _) =
                        ui.allocate_exact_size(egui::vec2(120.0, 14.0), egui::Sense::hover());
                    for k in 0..60 {
                        let x0 = rect.left() + rect.width() * k as f32 / 60.0;
                        let r = egui::Rect::from_min_size(
                            egui::pos2(x0, rect.top()),
                            egui::vec2(rect.width() / 60.0 + 0.5, rect.height()),
                        );
                        ui.painter().rect_filled(
                            r,
                            0.0,
                            color32(crate::view::scene::viridis(k as f32 / 59.0)),
                        );
                    }
                    ui.label(format!(
                        "{label}: {} … {}",
                        crate::view::scene::fmt_num(*min),
                        crate::view::scene::fmt_num(*max)
                    ));
                });
            }
        }
    }
}

fn details_ui(ui: &mut egui::Ui, state: &ViewerState, playback: &Playback) {
    ui.heading("Details");
    let (Some(scene), Some(i)) = (&state.scene, state.picked) else {
        ui.label("Click a neuron.");
        return;
    };
    let Some((sp, row)) = scene.locate(i) else {
        return;
    };
    let pop = &scene.circuit.nodes[sp.circuit_index];
    egui::ScrollArea::vertical().show(ui, |ui| {
        egui::Grid::new("attrs").striped(true).show(ui, |ui| {
            let node_id = pop.node_ids.get(row).copied().unwrap_or(row as u64);
            ui.label("population");
            ui.label(&sp.name);
            ui.end_row();
            ui.label("node_id");
            ui.label(node_id.to_string());
            ui.end_row();
            ui.label("node_type_id");
            ui.label(
                pop.node_type_ids
                    .get(row)
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
            );
            ui.end_row();
            for name in pop.attribute_names() {
                if let Some(col) = pop.attribute(name) {
                    ui.label(name);
                    ui.label(col.get(row).to_string());
                    ui.end_row();
                }
            }
            for s in scene
                .spikes
                .iter()
                .filter(|s| s.index.population == sp.name)
            {
                let spikes = s.index.node_spike_times(node_id);
                ui.label("spikes");
                ui.label(spikes.len().to_string());
                ui.end_row();
                ui.label("last spike");
                ui.label(
                    s.index
                        .last_spike_before(node_id, playback.time_ms)
                        .map(|t| format!("{t:.2} ms"))
                        .unwrap_or_else(|| "—".into()),
                );
                ui.end_row();
            }
        });
    });
}

fn playback_ui(ui: &mut egui::Ui, playback: &mut Playback, stats: &PlaybackStats) {
    // Wrapped, so that a narrow window does not widen the panel past the raster.
    ui.horizontal_wrapped(|ui| {
        if ui
            .button(if playback.playing {
                "⏸ Pause"
            } else {
                "▶ Play"
            })
            .clicked()
        {
            playback.playing = !playback.playing;
        }
        if ui.button("⏮").clicked() {
            let lo = playback.range.0;
            playback.seek(lo);
        }
        if ui.button("-1 ms").clicked() {
            let t = playback.time_ms - 1.0;
            playback.seek(t);
        }
        if ui.button("+1 ms").clicked() {
            let t = playback.time_ms + 1.0;
            playback.seek(t);
        }
        let (lo, hi) = playback.range;
        let mut t = playback.time_ms;
        if ui
            .add(
                egui::Slider::new(&mut t, lo..=hi)
                    .text("ms")
                    .fixed_decimals(1),
            )
            .changed()
        {
            playback.seek(t);
        }
        ui.add(
            egui::Slider::new(&mut playback.speed, 1.0..=2000.0)
                .logarithmic(true)
                .text("ms/s"),
        );
        ui.add(
            egui::Slider::new(&mut playback.tau_ms, 0.5..=100.0)
                .logarithmic(true)
                .text("fade ms"),
        );
        egui::ComboBox::from_id_salt("loop")
            .selected_text(format!("{:?}", playback.mode))
            .show_ui(ui, |ui| {
                for m in [LoopMode::Loop, LoopMode::Once, LoopMode::Rock] {
                    ui.selectable_value(&mut playback.mode, m, format!("{m:?}"));
                }
            });
        ui.label(format!(
            "{} spikes this frame, {:.0} µs",
            stats.spikes, stats.cpu_us
        ));
    });
}

/// Spikes of the drawn neurons as dots (time across, neuron down), coloured like the 3D view,
/// with the time cursor and the picked neuron marked. Click or drag to seek.
/// `rows_out`: set to `Some(new selection)` when raster rows are selected or cleared.
fn raster_ui(
    ui: &mut egui::Ui,
    state: &ViewerState,
    playback: &mut Playback,
    ui_state: &mut UiState,
    rows_out: &mut Option<Option<std::ops::Range<usize>>>,
) {
    ui.horizontal(|ui| {
        ui.label("Raster span");
        egui::ComboBox::from_id_salt("span")
            .selected_text(if ui_state.raster_span == 0.0 {
                "all".to_owned()
            } else {
                format!("{} ms", ui_state.raster_span)
            })
            .show_ui(ui, |ui| {
                for s in [0.0, 100.0, 250.0, 500.0, 1000.0] {
                    ui.selectable_value(&mut ui_state.raster_span, s, format!("{s}"));
                }
            });
    });
    let Some(scene) = &state.scene else {
        return;
    };
    let (lo, hi) = if state.live {
        // a live run: the last span up to the cursor, scrolling with it from the start (a fixed
        // window would keep its raster texture while spikes arrive)
        let span = if ui_state.raster_span > 0.0 {
            ui_state.raster_span
        } else {
            2000.0
        };
        (playback.time_ms - span, playback.time_ms)
    } else if ui_state.raster_span > 0.0 {
        let half = 0.5 * ui_state.raster_span;
        let a = (playback.time_ms - half).max(playback.range.0);
        (a, a + ui_state.raster_span)
    } else {
        playback.range
    };
    let span = (hi - lo).max(1e-6);
    let n = state.styled.instances.len().max(1) as f64;
    // Rows run down from the top: instance i is drawn at y = n - (i + 0.5).
    let y_of = |i: usize| n - (i as f64 + 0.5);
    let row_of = |y: f64| ((n - y).clamp(0.0, n - 1.0)) as usize;
    // Dots are drawn into a texture on the CPU, one pass over the spikes in view, and only
    // when the styling, the time range or the plot's size in pixels changes (every spike, no
    // thinning: egui_plot's own point items would cost a shape per spike). The size is the
    // plot area's on the previous frame.
    let ppp = ui.ctx().pixels_per_point();
    let area = ui_state
        .raster_area
        .unwrap_or_else(|| egui::vec2(visible_width(ui) - 60.0, 200.0));
    let (w, h) = (
        ((area.x * ppp) as usize).clamp(1, 8192),
        ((area.y * ppp) as usize).clamp(1, 8192),
    );
    let key: RasterKey = (state.styled_generation, lo.to_bits(), hi.to_bits(), w, h);
    if ui_state.raster.as_ref().map(|(k, _)| *k) != Some(key) {
        let image = raster_image(scene, &state.styled.instances, (lo, hi), w, h);
        // Shown from the next frame on: bevy_egui 0.42 uploads a new or replaced texture a
        // frame late, and one replaced every frame (a live run's raster) never showed.
        let tex = ui
            .ctx()
            .load_texture("raster", image, egui::TextureOptions::NEAREST);
        if let Some((_, old)) = ui_state.raster.replace((key, tex)) {
            ui_state.raster_shown = Some(old);
        }
    } else if let Some((_, tex)) = &ui_state.raster {
        ui_state.raster_shown = Some(tex.clone());
    }
    let shown = ui_state.raster_shown.as_ref().map(|t| t.id());
    let cursor = egui::Color32::from_rgb(255, 220, 90);
    let total = n as usize;
    let response = egui_plot::Plot::new("raster")
        .width(visible_width(ui))
        .height((ui.available_height() - 110.0).max(140.0))
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .show_grid(false)
        .sense(egui::Sense::click_and_drag())
        .link_axis("raster_time", [true, false])
        .x_axis_label("time (ms)")
        .y_axis_label("neuron")
        .y_axis_min_width(RASTER_AXIS_WIDTH)
        // Ticks at round row numbers counted from the top (y itself runs up).
        .y_grid_spacer(move |_| row_ticks(total))
        .y_axis_formatter(move |mark, _| format!("{:.0}", total as f64 - mark.value))
        .label_formatter(move |pos| {
            let (egui_plot::HoverPosition::NearDataPoint { position, .. }
            | egui_plot::HoverPosition::Elsewhere { position }) = *pos;
            let row = (total as f64 - position.y).floor().max(0.0) as usize;
            Some(format!("{:.1} ms\nrow {row}", position.x))
        })
        .show(ui, |plot| {
            plot.set_plot_bounds(egui_plot::PlotBounds::from_min_max([lo, 0.0], [hi, n]));
            if let Some(id) = shown {
                plot.add(egui_plot::PlotImage::new(
                    "spikes",
                    id,
                    egui_plot::PlotPoint::new(lo + 0.5 * span, 0.5 * n),
                    egui::vec2(span as f32, n as f32),
                ));
            }
            if let Some(i) = state.picked {
                plot.add(
                    egui_plot::HLine::new("", y_of(i))
                        .color(egui::Color32::from_rgba_unmultiplied(255, 255, 255, 110)),
                );
            }
            if let Some(rows) = &state.raster_rows {
                for r in [rows.start as f64, rows.end as f64] {
                    plot.add(egui_plot::HLine::new("", n - r).color(egui::Color32::WHITE));
                }
            }
            plot.add(
                egui_plot::VLine::new("", playback.time_ms)
                    .color(cursor)
                    .width(1.5),
            );
        });
    let transform = response.transform;
    ui_state.raster_area = Some(transform.frame().size());
    let resp = response.response;
    let shift = ui.input(|i| i.modifiers.shift);
    if shift {
        // Shift-drag: select rows (neurons); they are highlighted in 3D.
        if let (Some(a), Some(b)) = (
            resp.interact_pointer_pos()
                .and(ui.input(|i| i.pointer.press_origin())),
            resp.interact_pointer_pos(),
        ) && (resp.dragged() || resp.drag_stopped())
        {
            let frame = *transform.frame();
            ui.painter().rect_stroke(
                egui::Rect::from_two_pos(
                    egui::pos2(frame.left(), a.y),
                    egui::pos2(frame.right(), b.y),
                ),
                0.0,
                egui::Stroke::new(1.0, egui::Color32::WHITE),
                egui::StrokeKind::Inside,
            );
            if resp.drag_stopped() {
                let (ya, yb) = (
                    transform.value_from_position(a).y,
                    transform.value_from_position(b).y,
                );
                let (r0, r1) = (row_of(ya.max(yb)), row_of(ya.min(yb)) + 1);
                *rows_out = Some(Some(r0..r1));
            }
        }
    } else if (resp.clicked() || resp.dragged())
        && let Some(pos) = resp.interact_pointer_pos()
    {
        playback.seek(transform.value_from_position(pos).x.clamp(lo, hi));
        if resp.clicked() && state.raster_rows.is_some() {
            *rows_out = Some(None);
        }
    }
    rates_ui(ui, state, (lo, hi), playback.time_ms);
}

/// Width of the raster's and the rate plot's y axes, so their time axes line up.
const RASTER_AXIS_WIDTH: f32 = 44.0;

/// Raster ticks: about five round row numbers (1, 2 or 5 x 10^k apart) from the top row.
fn row_ticks(total: usize) -> Vec<egui_plot::GridMark> {
    let rough = (total as f64 / 5.0).max(1.0);
    let decade = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * decade)
        .find(|s| *s >= rough)
        .unwrap_or(rough);
    (0..)
        .map(|k| k as f64 * step)
        .take_while(|r| *r <= total as f64)
        .map(|r| egui_plot::GridMark {
            value: total as f64 - r,
            step_size: step,
        })
        .collect()
}

/// Population rates (Hz) of the drawn neurons under the raster, on the raster's time axis.
fn rates_ui(ui: &mut egui::Ui, state: &ViewerState, (lo, hi): (f64, f64), now: f64) {
    let rates = &state.rates;
    let max = rates
        .series
        .iter()
        .flat_map(|(_, _, v)| v.iter().copied())
        .fold(1.0f32, f32::max) as f64;
    egui_plot::Plot::new("rates")
        .width(visible_width(ui))
        .height(90.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .link_axis("raster_time", [true, false])
        .y_axis_label("Hz")
        .y_axis_min_width(RASTER_AXIS_WIDTH)
        .legend(egui_plot::Legend::default().position(egui_plot::Corner::LeftTop))
        .show(ui, |plot| {
            plot.set_plot_bounds(egui_plot::PlotBounds::from_min_max(
                [lo, 0.0],
                [hi, max * 1.1],
            ));
            for (name, color, values) in &rates.series {
                let pts: Vec<[f64; 2]> = values
                    .iter()
                    .enumerate()
                    .map(|(b, &hz)| (rates.t0 + (b as f64 + 0.5) * rates.bin_ms, hz as f64))
                    .filter(|(t, _)| *t >= lo && *t <= hi)
                    .map(|(t, hz)| [t, hz])
                    .collect();
                plot.add(
                    egui_plot::Line::new(name.clone(), pts)
                        .color(color32(*color))
                        .width(1.2),
                );
            }
            plot.add(
                egui_plot::VLine::new("", now)
                    .color(egui::Color32::from_rgb(255, 220, 90))
                    .width(1.5),
            );
        });
}

/// Width from the cursor to the visible right edge of the panel (a wide row of controls
/// can make `available_width` reach under the next panel).
fn visible_width(ui: &egui::Ui) -> f32 {
    let right = ui.clip_rect().right().min(ui.max_rect().right());
    (right - ui.cursor().left() - 4.0).max(10.0)
}

/// Spikes of drawn neurons as pixels: time across, instance down, the instance's colour.
fn raster_image(
    scene: &crate::view::scene::Scene,
    instances: &[crate::view::scene::NeuronInstance],
    (lo, hi): (f64, f64),
    w: usize,
    h: usize,
) -> egui::ColorImage {
    let mut image = egui::ColorImage::filled([w, h], egui::Color32::from_rgb(10, 10, 16));
    let span = (hi - lo).max(1e-6);
    let n = instances.len().max(1) as f64;
    for s in &scene.spikes {
        for k in s.index.window(lo, hi) {
            let Some(&inst) = s.instance_of.get(s.index.node_ids[k] as usize) else {
                continue;
            };
            let Some(d) = instances.get(inst as usize).filter(|d| d.radius > 0.0) else {
                continue;
            };
            let x = (((s.index.times[k] - lo) / span) * w as f64) as usize;
            let y = ((inst as f64 + 0.5) / n * h as f64) as usize;
            if x < w && y < h {
                image.pixels[y * w + x] = color32([d.color[0], d.color[1], d.color[2]]);
            }
        }
    }
    image
}

fn recent_path() -> Option<PathBuf> {
    let home = std::env::var_os("HOME")?;
    Some(PathBuf::from(home).join(".config/cortexview/recent.txt"))
}

/// Recently opened paths, newest first.
pub fn recent_files() -> Vec<PathBuf> {
    recent_path()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .map(|s| {
            s.lines()
                .filter(|l| !l.is_empty())
                .map(PathBuf::from)
                .collect()
        })
        .unwrap_or_default()
}

/// Adds `path` to the recent files list (best effort: a failure is logged, not fatal).
pub fn remember_recent(path: &Path) {
    let Some(file) = recent_path() else {
        return;
    };
    let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    let mut list = recent_files();
    list.retain(|p| p != &abs);
    list.insert(0, abs);
    list.truncate(10);
    let text: String = list.iter().map(|p| format!("{}\n", p.display())).collect();
    let result = file
        .parent()
        .map(std::fs::create_dir_all)
        .transpose()
        .and_then(|_| std::fs::write(&file, text));
    if let Err(e) = result {
        warn!("could not write {}: {e}", file.display());
    }
}
