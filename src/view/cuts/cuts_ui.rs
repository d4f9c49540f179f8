//! `CutsUiPlugin`: the "Cuts" window over the 3D view: the slab (normal presets or custom,
//! centre, thickness, a slider along the normal) and clip planes (added, flipped, removed).

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::model::unit;
use super::plugin::CutsSettings;
use crate::session::{ClipPlane, Slab};
use crate::view::ViewerState;
use crate::view::camera::OrbitCamera;
use crate::view::scene::bounding_sphere;
use crate::view::ui::WindowView;

/// The cuts window (window app only).
pub struct CutsUiPlugin;

impl Plugin for CutsUiPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(EguiPrimaryContextPass, cuts_window);
    }
}

fn cuts_window(
    mut contexts: EguiContexts,
    mut state: ResMut<ViewerState>,
    mut settings: ResMut<CutsSettings>,
    cameras: Query<&Camera, With<WindowView>>,
    orbits: Query<&OrbitCamera, With<WindowView>>,
) -> Result {
    let Some(scene) = state.scene.clone() else {
        return Ok(());
    };
    let ctx = contexts.ctx_mut()?.clone();
    let view_rect = crate::view::ui::view_rect(&cameras, &ctx);
    let view_dir = orbits
        .iter()
        .next()
        .map(|o| (-*o.transform().forward()).to_array());
    let bounds = bounding_sphere(&scene.positions);
    egui::Window::new("Cuts")
        .default_open(false)
        .default_pos(egui::pos2(view_rect.right() - 280.0, view_rect.top() + 8.0))
        .default_width(260.0)
        .constrain_to(view_rect)
        .show(&ctx, |ui| {
            cuts_ui(ui, &mut state, &mut settings, bounds, view_dir);
        });
    Ok(())
}

/// The window's contents: edits `state.slab` and `state.clip` in place (the styling picks the
/// change up without restyling).
pub fn cuts_ui(
    ui: &mut egui::Ui,
    state: &mut ViewerState,
    settings: &mut CutsSettings,
    (center, radius): ([f32; 3], f32),
    view_dir: Option<[f32; 3]>,
) {
    let mut slab_on = state.slab.is_some();
    if ui.checkbox(&mut slab_on, "slab").changed() {
        state.slab = slab_on.then_some(Slab {
            normal: [0.0, 0.0, 1.0],
            center,
            thickness_um: 50.0,
        });
    }
    if let Some(slab) = state.slab.as_mut() {
        normal_ui(ui, "slab normal", &mut slab.normal, view_dir);
        ui.horizontal(|ui| {
            ui.label("thickness");
            ui.add(
                egui::DragValue::new(&mut slab.thickness_um)
                    .range(0.0..=1e5)
                    .speed(1.0)
                    .suffix(" µm"),
            );
        });
        if let Some(n) = unit(slab.normal) {
            // The centre's offset along the normal from the scene's centre.
            let along = (0..3)
                .map(|k| (slab.center[k] - center[k]) * n[k])
                .sum::<f32>();
            let mut offset = along;
            let slider = egui::Slider::new(&mut offset, -radius..=radius)
                .text("along normal (µm)")
                .clamping(egui::SliderClamping::Never);
            if ui.add(slider).changed() {
                for (c, nk) in slab.center.iter_mut().zip(n) {
                    *c += (offset - along) * nk;
                }
            }
        }
        point_ui(ui, "centre", &mut slab.center);
        ui.weak("Shift+drag in the 3D view moves the slab along its normal");
    }
    ui.separator();
    let mut remove = None;
    for (i, plane) in state.clip.iter_mut().enumerate() {
        ui.push_id(i, |ui| {
            ui.horizontal(|ui| {
                ui.label(format!("clip plane {}", i + 1));
                if ui.small_button("flip").clicked() {
                    plane.normal = plane.normal.map(|c| -c);
                }
                if ui.small_button("✖").on_hover_text("remove").clicked() {
                    remove = Some(i);
                }
            });
            normal_ui(ui, "keeps the side of", &mut plane.normal, view_dir);
            point_ui(ui, "through", &mut plane.point);
        });
    }
    if let Some(i) = remove {
        state.clip.remove(i);
    }
    if ui.button("+ clip plane").clicked() {
        state.clip.push(ClipPlane {
            normal: [1.0, 0.0, 0.0],
            point: center,
        });
    }
    ui.separator();
    ui.checkbox(&mut settings.outline, "outline the planes");
    if state.styled.cut > 0 {
        ui.label(format!("{} neurons cut away", state.styled.cut));
    }
    for problem in super::model::Cuts::new(state.slab.as_ref(), &state.clip).problems() {
        ui.colored_label(egui::Color32::LIGHT_RED, problem);
    }
}

/// A normal: presets x, y, z, the view direction, or its three numbers.
fn normal_ui(ui: &mut egui::Ui, label: &str, normal: &mut [f32; 3], view_dir: Option<[f32; 3]>) {
    ui.horizontal(|ui| {
        ui.label(label);
        for (name, n) in [
            ("x", [1.0, 0.0, 0.0]),
            ("y", [0.0, 1.0, 0.0]),
            ("z", [0.0, 0.0, 1.0]),
        ] {
            if ui.selectable_label(*normal == n, name).clicked() {
                *normal = n;
            }
        }
        if let Some(v) = view_dir
            && ui
                .small_button("view")
                .on_hover_text("toward the camera")
                .clicked()
        {
            *normal = v;
        }
    });
    ui.horizontal(|ui| {
        for c in normal.iter_mut() {
            ui.add(egui::DragValue::new(c).speed(0.01).range(-1.0..=1.0));
        }
    });
}

fn point_ui(ui: &mut egui::Ui, label: &str, p: &mut [f32; 3]) {
    ui.horizontal(|ui| {
        ui.label(label);
        for c in p.iter_mut() {
            ui.add(egui::DragValue::new(c).speed(1.0).suffix(" µm"));
        }
    });
}
