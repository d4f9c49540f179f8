//! The legend panel and the scale bar over the 3D view, as [`crate::view::legend`] computes
//! them for the rendered frames too.

use bevy::prelude::*;
use bevy_egui::egui;

use crate::view::ViewerState;
use crate::view::camera::OrbitCamera;
use crate::view::colors::{Colormap, color32};
use crate::view::legend::{self, Swatch, ViewExtent};
use crate::view::scene::Coloring;

pub fn legend_ui(ui: &mut egui::Ui, state: &ViewerState) {
    ui.heading("Legend");
    let (rows, more) = legend::legend_rows(&state.styled.legend);
    for row in &rows {
        ui.horizontal(|ui| {
            match &row.swatch {
                Swatch::Solid(color) => {
                    let (rect, _) =
                        ui.allocate_exact_size(egui::vec2(14.0, 14.0), egui::Sense::hover());
                    ui.painter().rect_filled(rect, 2.0, color32(*color));
                }
                Swatch::Ramp(colors) => paint_ramp(ui, colors, 120.0),
            }
            ui.label(&row.text);
        });
    }
    if more > 0 {
        ui.weak(format!("+ {more} more"));
    }
}

/// A colormap combo for a continuous colouring, each entry drawn as its ramp (nothing for the
/// other colourings); returns whether the colormap changed.
pub fn colormap_ui(ui: &mut egui::Ui, coloring: &mut Coloring) -> bool {
    let Some(current) = coloring.colormap() else {
        return false;
    };
    let mut chosen = current;
    egui::ComboBox::from_id_salt("colormap")
        .selected_text(current.name())
        .show_ui(ui, |ui| {
            for map in Colormap::ALL {
                ui.horizontal(|ui| {
                    ramp_ui(ui, map, 48.0);
                    ui.selectable_value(&mut chosen, map, map.name());
                });
            }
        });
    if chosen == current {
        return false;
    }
    *coloring = coloring.clone().with_colormap(chosen);
    true
}

/// A small ramp of `map`, `width` points wide.
pub fn ramp_ui(ui: &mut egui::Ui, map: Colormap, width: f32) {
    let colors: Vec<[f32; 3]> = (0..legend::RAMP_STEPS)
        .map(|k| map.map(k as f32 / (legend::RAMP_STEPS - 1) as f32))
        .collect();
    paint_ramp(ui, &colors, width);
}

fn paint_ramp(ui: &mut egui::Ui, colors: &[[f32; 3]], width: f32) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(width, 14.0), egui::Sense::hover());
    let step = rect.width() / colors.len().max(1) as f32;
    for (k, c) in colors.iter().enumerate() {
        let r = egui::Rect::from_min_size(
            egui::pos2(rect.left() + step * k as f32, rect.top()),
            egui::vec2(step + 0.5, rect.height()),
        );
        ui.painter().rect_filled(r, 0.0, color32(*c));
    }
}

/// A scale bar (µm) in the bottom right corner of the 3D view, and the axes' directions.
pub fn scale_bar_ui(ctx: &egui::Context, rect: egui::Rect, cam: &OrbitCamera) {
    let painter = ctx.layer_painter(egui::LayerId::new(
        egui::Order::Background,
        egui::Id::new("scale bar"),
    ));
    let bar = legend::scale_bar(ViewExtent {
        distance: cam.distance,
        fov_y: cam.fov,
        width: rect.width(),
        height: rect.height(),
    });
    let len = bar.length_px;
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
        bar.label(),
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
