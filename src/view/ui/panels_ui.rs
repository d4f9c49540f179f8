//! The window's panels: menu on top, scene on the left (circuit tree, representations,
//! morphology detail, legend), details on the right (live run, probe, the picked neuron),
//! playback and raster at the bottom; the 3D view gets the rectangle they leave.

use bevy::camera::Viewport;
use bevy::prelude::*;
use bevy::window::PrimaryWindow;
use bevy_egui::{EguiContexts, egui};

use super::legend_ui::{legend_ui, scale_bar_ui};
use super::menu_ui::{SessionMenu, menu_ui};
use super::representations_ui::representations_ui;
use super::screenshots::HiResShot;
use super::state::{UiState, WindowView};
use crate::view::camera::{CameraInputBlocked, OrbitCamera};
use crate::view::live::{LiveSession, live_ui, stimulate_instances};
use crate::view::morphologies::{MorphologyBuild, MorphologySettings, morphology_ui};
use crate::view::playback::controls_ui::playback_ui;
use crate::view::playback::raster_ui::raster_ui;
use crate::view::playback::{Playback, PlaybackStats};
use crate::view::probe::{ProbeSession, probe_ui};
use crate::view::session::{PanelsShown, SaveRequest};
use crate::view::{LoadTask, ViewerState};

#[allow(clippy::too_many_arguments)]
pub fn panels_ui(
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
    (mut shown, mut save): (ResMut<PanelsShown>, ResMut<SaveRequest>),
) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    let mut root = egui::Ui::new(
        ctx.clone(),
        "viewport".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    );

    // Tab hides every panel (presenting), a session may hide some.
    let all_shown = !shown.all_hidden;
    let (show_left, show_right, show_bottom) = (
        shown.shows(shown.scene),
        shown.shows(shown.details),
        shown.shows(shown.playback),
    );
    let mut session_menu = SessionMenu {
        shown: &mut shown,
        save: &mut save,
    };
    let top = all_shown.then(|| {
        egui::Panel::top("menu").show(&mut root, |ui| {
            menu_ui(
                ui,
                &mut state,
                &mut task,
                &mut ui_state,
                &mut cameras,
                &mut commands,
                &mut hires,
                &mut session_menu,
            );
        })
    });
    let left = show_left.then(|| {
        egui::Panel::left("scene")
            .resizable(true)
            .default_size(330.0)
            .show(&mut root, |ui| {
                scene_panel_ui(ui, &mut state, &mut morphology, &build);
            })
    });
    let right = show_right.then(|| {
        egui::Panel::right("details")
            .resizable(true)
            .default_size(if live.source.is_some() { 330.0 } else { 260.0 })
            .show(&mut root, |ui| {
                details_panel_ui(ui, &mut state, &mut playback, &mut live, &mut probe);
            })
    });
    let mut rows_change = None;
    let bottom = show_bottom.then(|| {
        egui::Panel::bottom("playback")
            .resizable(true)
            .default_size(290.0)
            .show(&mut root, |ui| {
                playback_ui(ui, &mut playback, &stats);
                raster_ui(
                    ui,
                    &state,
                    &mut playback,
                    &mut ui_state.raster,
                    &mut rows_change,
                );
            })
    });
    if let Some(rows) = rows_change {
        state.raster_rows = rows;
        state.restyle = true;
    }

    // The 3D view gets the rectangle the panels leave.
    let whole = ctx.viewport_rect();
    let free = egui::Rect::from_min_max(
        egui::pos2(
            left.map_or(whole.left(), |p| p.response.rect.right()),
            top.map_or(whole.top(), |p| p.response.rect.bottom()),
        ),
        egui::pos2(
            right.map_or(whole.right(), |p| p.response.rect.left()),
            bottom.map_or(whole.bottom(), |p| p.response.rect.top()),
        ),
    );
    if let Some(cam) = cameras.iter().next()
        && !shown.presenter
    {
        scale_bar_ui(&ctx, free, cam);
    }
    fit_viewport(free, &window, &mut camera3d);

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

/// The left panel: circuit tree, representations, morphology detail, legend.
fn scene_panel_ui(
    ui: &mut egui::Ui,
    state: &mut ViewerState,
    morphology: &mut MorphologySettings,
    build: &MorphologyBuild,
) {
    egui::ScrollArea::vertical().show(ui, |ui| {
        circuit_tree_ui(ui, state);
        ui.separator();
        representations_ui(ui, state);
        if let Some(lod) = morphology_ui(ui, morphology, build) {
            morphology.lod = lod;
        }
        ui.separator();
        legend_ui(ui, state);
    });
}

/// The right panel: the live run's controls, the probe, the picked neuron.
fn details_panel_ui(
    ui: &mut egui::Ui,
    state: &mut ViewerState,
    playback: &mut Playback,
    live: &mut LiveSession,
    probe: &mut ProbeSession,
) {
    egui::ScrollArea::vertical().show(ui, |ui| {
        let live_offered = live.source.is_some()
            || state
                .scene
                .as_deref()
                .is_some_and(|s| s.circuit.simulation.is_some());
        if live_offered {
            egui::CollapsingHeader::new("Live simulation")
                .default_open(true)
                .show(ui, |ui| live_ui(ui, live, state, playback));
            ui.separator();
        }
        egui::CollapsingHeader::new("Neuropixels probe")
            .default_open(live.source.is_some())
            .show(ui, |ui| {
                let running = live.running();
                let targets = probe_ui(ui, probe, state, playback, running);
                if !targets.is_empty() {
                    stimulate_instances(live, state, &targets);
                }
            });
        ui.separator();
        details_ui(ui, state, playback);
    });
}

/// Gives the 3D camera the rectangle `free` (egui points) as its viewport, when it fits in the
/// window.
fn fit_viewport(
    free: egui::Rect,
    window: &Window,
    camera3d: &mut Query<&mut Camera, With<WindowView>>,
) {
    let scale = window.scale_factor();
    let pos = UVec2::new((free.left() * scale) as u32, (free.top() * scale) as u32);
    let size = UVec2::new(
        ((free.width() * scale) as u32).max(1),
        ((free.height() * scale) as u32).max(1),
    );
    let full = UVec2::new(window.physical_width(), window.physical_height());
    if pos.x + size.x > full.x || pos.y + size.y > full.y {
        return;
    }
    for mut cam in camera3d.iter_mut() {
        if cam
            .viewport
            .as_ref()
            .map(|v| (v.physical_position, v.physical_size))
            != Some((pos, size))
        {
            cam.viewport = Some(Viewport {
                physical_position: pos,
                physical_size: size,
                ..default()
            });
        }
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
