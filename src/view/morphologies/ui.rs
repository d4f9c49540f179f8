//! The morphology detail control of the window's scene panel.

use bevy_egui::egui;

use super::build::{Lod, MorphologySettings};
use super::plugin::MorphologyBuild;

/// The level-of-detail choice and what is drawn, under the representations; returns the level
/// picked.
pub fn morphology_ui(
    ui: &mut egui::Ui,
    settings: &MorphologySettings,
    build: &MorphologyBuild,
) -> Option<Lod> {
    let mut picked = None;
    if build.summary.cells == 0 && !build.is_running() {
        return None;
    }
    ui.horizontal(|ui| {
        ui.label("Morphology detail");
        egui::ComboBox::from_id_salt("morphology lod")
            .selected_text(settings.lod.name())
            .show_ui(ui, |ui| {
                for lod in Lod::ALL {
                    if ui
                        .selectable_label(settings.lod == lod, lod.name())
                        .clicked()
                    {
                        picked = Some(lod);
                    }
                }
            });
        if build.is_running() {
            ui.spinner();
        }
    });
    ui.small(format!("auto: {}", settings.describe()));
    ui.small(build.summary.describe());
    picked
}
