//! `UiPlugin` and `run_window`: the window, its cameras (3D between the panels, egui over
//! all), the window-only state, and the recent files remembered as scenes open.

use std::path::{Path, PathBuf};

use bevy::camera::CameraOutputMode;
use bevy::camera::visibility::RenderLayers;
use bevy::core_pipeline::tonemapping::{DebandDither, Tonemapping};
use bevy::prelude::*;
use bevy::render::render_resource::BlendState;
use bevy::window::{MonitorSelection, WindowMode};
use bevy_egui::{EguiGlobalSettings, EguiPlugin, EguiPrimaryContextPass, PrimaryEguiContext};

use super::input::{dropped_files, pick_neuron, shortcuts};
use super::panels_ui::panels_ui;
use super::recent_files::remember_recent;
use super::screenshots::{HiResShot, ScriptedShot, hires_screenshot, scripted_screenshot};
use super::state::{UiState, WindowView};
use crate::view::camera::OrbitCamera;
use crate::view::connectivity::ui::ConnectivityUiPlugin;
use crate::view::live::{LivePlugin, LiveSession};
use crate::view::looks::looks_ui::LooksUiPlugin;
use crate::view::probe::{ProbePlugin, ProbeSession};
use crate::view::reports::ui::ReportsUiPlugin;
use crate::view::scene::poll_load;
use crate::view::session::{PanelsShown, SessionPlugin};
use crate::view::{BACKGROUND, LoadTask, ViewerCorePlugins, ViewerState};

/// How the window starts: a scripted screenshot (then exit), presenter mode.
#[derive(Clone, Debug, Default)]
pub struct WindowOptions {
    pub shot: Option<ScriptedShot>,
    /// Fullscreen, panels hidden, legend, time stamp and scale bar drawn large.
    pub presenter: bool,
}

/// Opens the viewer window, loading `path` (a circuit, session or deck) in the background when
/// given.
pub fn run_window(path: Option<&Path>) -> anyhow::Result<()> {
    run_window_with_options(path, LiveSession::default(), WindowOptions::default())
}

/// Opens the viewer window on `path` with a live session (the built-in demo simulated live).
pub fn run_window_with(path: Option<&Path>, live: LiveSession) -> anyhow::Result<()> {
    run_window_with_options(path, live, WindowOptions::default())
}

/// Opens the viewer window on `path` with a live session, as `options` say (a scripted
/// screenshot, presenter mode).
pub fn run_window_with_options(
    path: Option<&Path>,
    live: LiveSession,
    options: WindowOptions,
) -> anyhow::Result<()> {
    let mut app = App::new();
    app.add_plugins(DefaultPlugins.set(WindowPlugin {
        primary_window: Some(Window {
            title: "cortexview".into(),
            resolution: (1400u32, 860u32).into(),
            mode: if options.presenter {
                WindowMode::BorderlessFullscreen(MonitorSelection::Current)
            } else {
                WindowMode::Windowed
            },
            ..default()
        }),
        ..default()
    }))
    .add_plugins(EguiPlugin::default())
    .add_plugins((ViewerCorePlugins, UiPlugin, LivePlugin, ProbePlugin))
    .add_plugins((ReportsUiPlugin, ConnectivityUiPlugin, SessionPlugin))
    .add_plugins(crate::view::capture::export_ui::MovieExportPlugin)
    .add_plugins(crate::view::cuts::cuts_ui::CutsUiPlugin)
    .add_plugins(LooksUiPlugin)
    .insert_resource(ProbeSession::shown(live.source.is_some()))
    .insert_resource(live)
    .insert_resource(ClearColor(BACKGROUND))
    .insert_resource(StartupPath(path.map(Path::to_path_buf)))
    .add_systems(Startup, setup_window_scene);
    if let Some(shot) = options.shot {
        app.insert_resource(shot);
    }
    if options.presenter {
        app.insert_resource(PanelsShown {
            presenter: true,
            all_hidden: true,
            ..default()
        });
    }
    app.run();
    Ok(())
}

#[derive(Resource)]
struct StartupPath(Option<PathBuf>);

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
                (shortcuts, dropped_files, pick_neuron, scripted_screenshot),
            )
            .add_systems(Update, remember_opened.after(poll_load));
    }
}

/// Puts each scene that opens first in the recent files (best effort: a failure is logged).
fn remember_opened(state: Res<ViewerState>, mut last: Local<Option<PathBuf>>) {
    if !state.is_changed() || state.opened == *last {
        return;
    }
    last.clone_from(&state.opened);
    if let Some(path) = &state.opened
        && let Err(e) = remember_recent(path)
    {
        warn!("recent files: {e:#}");
    }
}
