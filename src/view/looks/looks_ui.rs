//! `LooksUiPlugin`: the "Looks" window: background (flat or a gradient), depth shading,
//! depth cueing, outlines, glow, anti-aliasing and the orthographic camera; on a software
//! renderer, what is switched off there and why.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::model::{Antialias, TOO_SLOW_ON_SOFTWARE};
use super::plugin::LooksState;
use crate::session::Looks;
use crate::view::ViewerState;
use crate::view::camera::OrbitCamera;
use crate::view::colors::{parse_hex_color, srgb8};
use crate::view::ui::WindowView;

/// The Looks window (window app only).
pub struct LooksUiPlugin;

impl Plugin for LooksUiPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(EguiPrimaryContextPass, looks_window)
            .add_systems(Startup, |mut looks: ResMut<LooksState>| {
                looks.interactive = true
            });
    }
}

fn looks_window(
    mut contexts: EguiContexts,
    mut state: ResMut<ViewerState>,
    mut looks_state: ResMut<LooksState>,
    mut orbits: Query<&mut OrbitCamera, With<WindowView>>,
    cameras: Query<&Camera, With<WindowView>>,
) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    let view = crate::view::ui::view_rect(&cameras, &ctx);
    let mut looks = state.looks.clone();
    let mut orthographic = orbits.iter().next().is_some_and(|o| o.orthographic);
    let mut allow_slow = looks_state.allow_slow;
    egui::Window::new("Looks")
        .default_pos(egui::pos2(view.left() + 8.0, view.top() + 8.0))
        .default_width(260.0)
        .default_open(false)
        .constrain_to(view)
        .show(&ctx, |ui| {
            looks_ui(ui, &mut looks, &mut orthographic, looks_state.software);
            notes_ui(ui, &looks_state, &mut allow_slow);
        });
    if looks != state.looks {
        state.looks = looks;
    }
    if allow_slow != looks_state.allow_slow {
        looks_state.allow_slow = allow_slow;
    }
    for mut orbit in &mut orbits {
        if orbit.orthographic != orthographic {
            orbit.orthographic = orthographic;
        }
    }
    Ok(())
}

fn hex(c: [f32; 3]) -> String {
    let [r, g, b] = srgb8(c);
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// The controls; they edit `looks` (the session's) and the camera's projection. `software`:
/// the adapter is a software rasteriser (what the sphere depth defaults to).
pub fn looks_ui(ui: &mut egui::Ui, looks: &mut Looks, orthographic: &mut bool, software: bool) {
    egui::Grid::new("looks").num_columns(2).show(ui, |ui| {
        ui.label("background");
        let mut bottom = parse_hex_color(&looks.background).unwrap_or([0.0; 3]);
        if ui.color_edit_button_rgb(&mut bottom).changed() {
            looks.background = hex(bottom);
        }
        ui.end_row();

        let mut gradient = looks.background_top.is_some();
        ui.checkbox(&mut gradient, "gradient to");
        match (&looks.background_top, gradient) {
            (None, true) => looks.background_top = Some("#303848".to_owned()),
            (Some(_), false) => looks.background_top = None,
            _ => {}
        }
        if let Some(top) = &mut looks.background_top {
            let mut c = parse_hex_color(top).unwrap_or([0.0; 3]);
            if ui.color_edit_button_rgb(&mut c).changed() {
                *top = hex(c);
            }
        }
        ui.end_row();

        ui.label("depth shading")
            .on_hover_text("eye-dome lighting: darkens what lies behind its neighbours");
        ui.add(egui::Slider::new(&mut looks.depth_shading, 0.0..=3.0));
        ui.end_row();

        ui.label("depth cueing")
            .on_hover_text("fades the far side of the scene toward the background");
        ui.add(egui::Slider::new(&mut looks.fog, 0.0..=1.0));
        ui.end_row();

        ui.label("outline");
        ui.checkbox(&mut looks.outline, "where depth jumps");
        ui.end_row();

        ui.label("glow")
            .on_hover_text("spiking neurons and the glow material bloom");
        ui.add(egui::Slider::new(&mut looks.glow, 0.0..=3.0));
        ui.end_row();

        ui.label("anti-aliasing");
        let current = Antialias::parse(&looks.antialias).unwrap_or(Antialias::None);
        egui::ComboBox::from_id_salt("antialias")
            .selected_text(current.name())
            .show_ui(ui, |ui| {
                for a in Antialias::ALL {
                    if ui.selectable_label(current == a, a.name()).clicked() {
                        looks.antialias = a.name().to_owned();
                    }
                }
            });
        ui.end_row();

        ui.label("sphere depth").on_hover_text(
            "exact: spheres that overlap meet in their true curve; nearest point: each disc \
             at its sphere's nearest depth, the same picture where spheres do not overlap and \
             ~1.5x faster on a software renderer (its default there)",
        );
        let mut exact = looks.exact_depth.unwrap_or(!software);
        if ui.checkbox(&mut exact, "exact").changed() {
            looks.exact_depth = Some(exact);
        }
        ui.end_row();

        ui.label("camera");
        ui.checkbox(orthographic, "orthographic");
        ui.end_row();
    });
}

fn notes_ui(ui: &mut egui::Ui, looks_state: &LooksState, allow_slow: &mut bool) {
    if looks_state.software {
        ui.separator();
        ui.label("Software renderer (no GPU): every effect costs frames.");
        if !TOO_SLOW_ON_SOFTWARE.is_empty() {
            let names: Vec<&str> = TOO_SLOW_ON_SOFTWARE.iter().map(|e| e.name()).collect();
            ui.label(format!(
                "Off here (under 2 frames per second): {}",
                names.join(", ")
            ));
            ui.checkbox(allow_slow, "draw them anyway");
        }
    }
    for note in looks_state.resolved.iter().flat_map(|r| &r.notes) {
        ui.colored_label(egui::Color32::YELLOW, note);
    }
}
