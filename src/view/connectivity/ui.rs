//! `ConnectivityUiPlugin`: the "Connectivity" window (partner counts per edge population,
//! partner population and edge type; filters by edge type and an edge attribute range). The
//! partners' edges are drawn by `partners` as the "edges" mesh layer.

use std::collections::BTreeMap;

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use crate::view::ViewerState;
use crate::view::colors::{POST_COLOR, PRE_COLOR, color32};
use crate::view::connectivity::partner_view::{
    EdgeFilter, PartnerView, Side, filterable_attributes,
};
use crate::view::connectivity::plugin::Connectivity;
use crate::view::connectivity::synapse_positions::synapse_color;
use crate::view::ui::WindowView;

/// The connectivity window and edge lines (window app only).
pub struct ConnectivityUiPlugin;

impl Plugin for ConnectivityUiPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(EguiPrimaryContextPass, connectivity_window);
    }
}

fn connectivity_window(
    mut contexts: EguiContexts,
    mut conn: ResMut<Connectivity>,
    state: Res<ViewerState>,
    cameras: Query<&Camera, With<WindowView>>,
) -> Result {
    let Some(scene) = state.scene.clone() else {
        return Ok(());
    };
    if scene.circuit.edges.is_empty() || state.picked.is_none() {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?.clone();
    let view_rect = crate::view::ui::view_rect(&cameras, &ctx);
    egui::Window::new("Connectivity")
        .default_pos(egui::pos2(view_rect.left() + 8.0, view_rect.top() + 8.0))
        .default_width(300.0)
        .constrain_to(view_rect)
        .show(&ctx, |ui| connectivity_ui(ui, &mut conn, &scene));
    Ok(())
}

fn connectivity_ui(ui: &mut egui::Ui, conn: &mut Connectivity, scene: &crate::view::scene::Scene) {
    ui.horizontal(|ui| {
        ui.checkbox(&mut conn.enabled, "partners");
        ui.checkbox(&mut conn.show_lines, "edges as lines");
        ui.checkbox(&mut conn.show_synapses, "synapses");
        if conn.busy {
            ui.add(egui::Spinner::new());
        }
    });
    ui.horizontal(|ui| {
        for (c, text) in [(PRE_COLOR, "presynaptic"), (POST_COLOR, "postsynaptic")] {
            let (rect, _) = ui.allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::hover());
            ui.painter().circle_filled(rect.center(), 5.0, color32(c));
            ui.label(text);
        }
    });
    if let Some(e) = &conn.error {
        ui.colored_label(egui::Color32::LIGHT_RED, e);
    }
    synapses_ui(ui, conn, scene);
    let Some(view) = conn.view.clone() else {
        return;
    };
    ui.label(format!(
        "{} {}: {} of {} edges pass the filter; {} pre / {} post partners drawn",
        view.population,
        view.node_id,
        view.edges.len(),
        view.total_edges,
        view.pre.len(),
        view.post.len()
    ));
    egui::Grid::new("totals").striped(true).show(ui, |ui| {
        for h in ["", "edges of", "partners of", "edges", "partners"] {
            ui.strong(h);
        }
        ui.end_row();
        for ((side, epop, ppop), row) in &view.totals {
            side_label(ui, *side);
            ui.label(epop);
            ui.label(ppop);
            ui.label(row.edges.to_string());
            ui.label(row.partners.to_string());
            ui.end_row();
        }
    });
    egui::CollapsingHeader::new(format!("by edge type ({})", view.counts.len()))
        .default_open(false)
        .show(ui, |ui| {
            egui::ScrollArea::vertical()
                .max_height(160.0)
                .show(ui, |ui| {
                    egui::Grid::new("counts").striped(true).show(ui, |ui| {
                        for h in ["", "edges of", "type", "edges", "partners"] {
                            ui.strong(h);
                        }
                        ui.end_row();
                        for ((side, epop, _, t), row) in &view.counts {
                            side_label(ui, *side);
                            ui.label(epop);
                            ui.label(t.to_string());
                            ui.label(row.edges.to_string());
                            ui.label(row.partners.to_string());
                            ui.end_row();
                        }
                    });
                });
        });
    let mut filter = conn.filter.clone();
    let filtered = filter.attribute.is_some() || filter.edge_types.is_some();
    egui::CollapsingHeader::new(if filtered { "filters (on)" } else { "filters" })
        .default_open(false)
        .show(ui, |ui| filters_ui(ui, &mut filter, &view, scene));
    if filter != conn.filter {
        conn.filter = filter;
    }
}

/// How many afferent synapses are drawn, per presynaptic population in its marker colour.
fn synapses_ui(ui: &mut egui::Ui, conn: &Connectivity, scene: &crate::view::scene::Scene) {
    if let Some(e) = &conn.synapse_error {
        ui.colored_label(egui::Color32::LIGHT_RED, format!("synapses: {e}"));
    }
    let synapses = &conn.synapses.synapses;
    if synapses.is_empty() {
        return;
    }
    let mut per: BTreeMap<&str, usize> = BTreeMap::new();
    for s in synapses {
        *per.entry(s.source_population.as_str()).or_default() += 1;
    }
    ui.horizontal_wrapped(|ui| {
        ui.label(format!("{} synapses on the morphology:", synapses.len()));
        for (pop, n) in per {
            let c = synapse_color(scene, pop);
            let (rect, _) = ui.allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::hover());
            ui.painter().circle_filled(rect.center(), 5.0, color32(c));
            ui.label(format!("{pop} {n}"));
        }
    });
}

fn side_label(ui: &mut egui::Ui, side: Side) {
    let (text, c) = match side {
        Side::Pre => ("pre", PRE_COLOR),
        Side::Post => ("post", POST_COLOR),
    };
    ui.colored_label(color32(c), text);
}

fn filters_ui(
    ui: &mut egui::Ui,
    filter: &mut EdgeFilter,
    view: &PartnerView,
    scene: &crate::view::scene::Scene,
) {
    // Filter by an edge attribute range.
    let attrs = filterable_attributes(scene, &view.population);
    let current = filter
        .attribute
        .as_ref()
        .map(|a| a.0.clone())
        .unwrap_or_else(|| "no attribute filter".into());
    egui::ComboBox::from_id_salt("edge attribute")
        .selected_text(current)
        .show_ui(ui, |ui| {
            if ui
                .selectable_label(filter.attribute.is_none(), "no attribute filter")
                .clicked()
            {
                filter.attribute = None;
            }
            for a in &attrs {
                if ui.selectable_label(false, a).clicked() {
                    filter.attribute = Some((a.clone(), f64::NEG_INFINITY, f64::INFINITY));
                }
            }
        });
    if let Some((_, lo, hi)) = filter.attribute.as_mut() {
        match view.value_range {
            Some((a, b)) => {
                if !lo.is_finite() {
                    *lo = a;
                }
                if !hi.is_finite() {
                    *hi = b;
                }
                let span = (b - a).abs().max(1e-9);
                ui.add(
                    egui::Slider::new(lo, (a - 0.01 * span)..=b)
                        .text("min")
                        .clamping(egui::SliderClamping::Never),
                );
                ui.add(
                    egui::Slider::new(hi, a..=(b + 0.01 * span))
                        .text("max")
                        .clamping(egui::SliderClamping::Never),
                );
            }
            None => {
                ui.label("no edge of this neuron has a value");
            }
        }
    }
    // Filter by edge type.
    if view.edge_types.len() > 1 || filter.edge_types.is_some() {
        ui.label("edge types");
        ui.horizontal_wrapped(|ui| {
            for &t in &view.edge_types {
                let mut on = filter.edge_types.as_ref().is_none_or(|s| s.contains(&t));
                if ui.checkbox(&mut on, t.to_string()).changed() {
                    let set = filter
                        .edge_types
                        .get_or_insert_with(|| view.edge_types.clone());
                    if on {
                        set.insert(t);
                    } else {
                        set.remove(&t);
                    }
                }
            }
            if filter.edge_types.is_some() && ui.small_button("all").clicked() {
                filter.edge_types = None;
            }
        });
    }
}
