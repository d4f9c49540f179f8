//! The window's menu bar: open, add spikes or reports, recent files, camera presets,
//! screenshots, help.

use std::path::Path;

use bevy::prelude::*;
use bevy_egui::egui;

use super::recent_files::recent_files;
use super::screenshots::{HiResShot, take_screenshot};
use super::state::UiState;
use crate::view::camera::{CameraPreset, OrbitCamera};
use crate::view::session::{PanelsShown, SaveRequest};
use crate::view::{LoadTask, ViewerState};

#[allow(clippy::too_many_arguments)]
pub fn menu_ui(
    ui: &mut egui::Ui,
    state: &mut ViewerState,
    task: &mut LoadTask,
    ui_state: &mut UiState,
    cameras: &mut Query<&mut OrbitCamera>,
    commands: &mut Commands,
    hires: &mut HiResShot,
    session: &mut SessionMenu,
) {
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| {
            file_menu_ui(ui, state, task, commands, hires);
            ui.separator();
            session_menu_ui(ui, state, task, session);
        });
        ui.menu_button("View", |ui| {
            view_menu_ui(ui, state, cameras);
            presenter_menu_ui(ui, session.shown);
        });
        if ui.button("Help (H)").clicked() {
            ui_state.help_open = true;
        }
        load_status_ui(ui, state);
    });
}

/// Open a circuit, folder, spikes or report; recent files; screenshots and large images.
fn file_menu_ui(
    ui: &mut egui::Ui,
    state: &mut ViewerState,
    task: &mut LoadTask,
    commands: &mut Commands,
    hires: &mut HiResShot,
) {
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
    if ui.button("Export movie…").clicked() {
        ui.close();
        crate::view::capture::export_ui::open_export_dialog(commands);
    }
    ui.menu_button("Save image", |ui| {
        for (w, h) in [(1920, 1080), (3840, 2160), (7680, 4320)] {
            if ui.button(format!("{w} x {h}")).clicked() {
                hires.request = Some((w, h));
                ui.close();
            }
        }
    });
}

/// Fit, camera presets (keeping what the camera looks at), virtual populations.
fn view_menu_ui(ui: &mut egui::Ui, state: &mut ViewerState, cameras: &mut Query<&mut OrbitCamera>) {
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
}

/// The load in progress (a progress bar) or the last load error.
fn load_status_ui(ui: &mut egui::Ui, state: &ViewerState) {
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

/// What the menu changes of the session layer.
pub struct SessionMenu<'a> {
    pub shown: &'a mut PanelsShown,
    pub save: &'a mut SaveRequest,
}

/// Open and save sessions (a session or deck opened through the load path is opened as one).
fn session_menu_ui(
    ui: &mut egui::Ui,
    state: &mut ViewerState,
    task: &mut LoadTask,
    session: &mut SessionMenu,
) {
    if ui.button("Open session or deck…").clicked() {
        ui.close();
        if let Some(p) = rfd::FileDialog::new()
            .add_filter("cortexview session or deck", &["json"])
            .pick_file()
        {
            task.start(&p, state);
        }
    }
    if ui.button("Save session…").clicked() {
        ui.close();
        if let Some(mut p) = rfd::FileDialog::new()
            .add_filter("cortexview session", &["json"])
            .set_file_name("scene.cvsession.json")
            .save_file()
        {
            if !crate::session::is_session_path(&p) {
                let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
                let stem = name.as_deref().unwrap_or("scene").trim_end_matches(".json");
                p.set_file_name(format!("{stem}{}", crate::session::SESSION_SUFFIX));
            }
            session.save.0 = Some(p);
        }
    }
}

/// The Story panel, panels hidden (Tab) and presenter mode (F11).
fn presenter_menu_ui(ui: &mut egui::Ui, shown: &mut PanelsShown) {
    ui.separator();
    ui.checkbox(&mut shown.story, "Story panel");
    ui.checkbox(&mut shown.all_hidden, "Hide panels (Tab)");
    ui.label("Presenter mode: F11");
}
