//! What the window's systems share: its state, the 3D view's camera marker and rectangle.

use bevy::prelude::*;
use bevy_egui::egui;

use crate::view::playback::raster_ui::RasterView;

/// The window's 3D camera (drawn between the panels).
#[derive(Component)]
pub struct WindowView;

/// Where the 3D view lies in egui's coordinates (the whole window before the camera has a
/// viewport): floating windows open and stay inside it.
pub fn view_rect(cameras: &Query<&Camera, With<WindowView>>, ctx: &egui::Context) -> egui::Rect {
    cameras
        .iter()
        .next()
        .and_then(Camera::logical_viewport_rect)
        .map(|r| {
            egui::Rect::from_min_max(egui::pos2(r.min.x, r.min.y), egui::pos2(r.max.x, r.max.y))
        })
        .unwrap_or(ctx.viewport_rect())
}

/// Window-only UI state.
#[derive(Resource, Default)]
pub struct UiState {
    pub help_open: bool,
    /// Where the last click started (to tell a click from an orbit drag).
    pub press_at: Option<Vec2>,
    pub raster: RasterView,
}
