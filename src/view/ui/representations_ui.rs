//! The representations panel: selection, style, colouring, size, material and opacity of each,
//! as in VND.

use bevy::prelude::default;
use bevy_egui::egui;

use crate::session::Material;
use crate::view::ViewerState;
use crate::view::scene::{Coloring, Representation, Style};

pub fn representations_ui(ui: &mut egui::Ui, state: &mut ViewerState) {
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
                let label = rep.coloring.label();
                let map = rep.coloring.colormap().unwrap_or_default();
                egui::ComboBox::from_id_salt("color")
                    .selected_text(label)
                    .show_ui(ui, |ui| {
                        let mut pick = |ui: &mut egui::Ui, c: Coloring, text: &str| {
                            let c = c.with_colormap(map);
                            if ui.selectable_label(rep.coloring == c, text).clicked() {
                                rep.coloring = c;
                                changed = true;
                            }
                        };
                        pick(ui, Coloring::Solid([0.8, 0.8, 0.8]), "solid");
                        pick(ui, Coloring::ByPopulation, "population");
                        pick(ui, Coloring::ByNodeType, "node type");
                        pick(ui, Coloring::parse("activity"), "firing rate");
                        pick(ui, Coloring::BySectionType, "section type");
                        pick(ui, Coloring::parse("report"), "report value");
                        for a in &attrs {
                            pick(
                                ui,
                                Coloring::ByAttribute {
                                    name: a.clone(),
                                    range: None,
                                    colormap: map,
                                },
                                a,
                            );
                        }
                    });
                changed |= crate::view::ui::legend_ui::colormap_ui(ui, &mut rep.coloring);
                if let Coloring::Solid(c) = &mut rep.coloring {
                    changed |= ui.color_edit_button_rgb(c).changed();
                }
                changed |= ui
                    .add(egui::Slider::new(&mut rep.radius_scale, 0.1..=5.0).text("size"))
                    .changed();
            });
            ui.horizontal(|ui| {
                let before = rep.material;
                egui::ComboBox::from_id_salt("material")
                    .selected_text(rep.material.name())
                    .show_ui(ui, |ui| {
                        for m in Material::ALL {
                            changed |= ui
                                .selectable_value(&mut rep.material, m, m.name())
                                .changed();
                        }
                    })
                    .response
                    .on_hover_text(
                        "opaque; transparent (see-through by its opacity); ghost (dim, never \
                         hides what lies behind); glow (emissive: blooms when glow is on)",
                    );
                if rep.material != before
                    && rep.material == Material::Transparent
                    && rep.opacity >= 1.0
                {
                    // Fully opaque "transparent" shows nothing new: start half way.
                    rep.opacity = 0.5;
                }
                let see_through = matches!(rep.material, Material::Transparent | Material::Ghost);
                changed |= ui
                    .add_enabled(
                        see_through,
                        egui::Slider::new(&mut rep.opacity, 0.0..=1.0).text("opacity"),
                    )
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
