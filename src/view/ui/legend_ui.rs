//! The legend panel and the scale bar over the 3D view, as [`crate::view::legend`] computes
//! them for the rendered frames too.

use bevy::prelude::*;
use bevy_egui::egui;

use crate::view::ViewerState;
use crate::view::camera::OrbitCamera;
use crate::view::colors::color32;
use crate::view::legend::{self, Swatch, ViewExtent};

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
                Swatch::Ramp(colors) => {
                    let (rect, _) =
                        ui.allocate_exact_size(egui::vec2(120.0, 14.0), egui::Sense::hover());
                    let step = rect.width() / colors.len().max(1) as f32;
                    for (k, c) in colors.iter().enumerate() {
                        let r = egui::Rect::from_min_size(
                            egui::pos2(rect.left() + step * k as f32, rect.top()),
                            egui::vec2(step + 0.5, rect.height()),
                        );
                        ui.painter().rect_filled(r, 0.0, color32(*c));
                    }
                }
            }
            ui.label(&row.text);
        });
    }
    if more > 0 {
        ui.weak(format!("+ {more} more"));
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
