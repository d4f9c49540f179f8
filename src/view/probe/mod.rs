//! A Neuropixels probe in the scene: its model (placement, neighbourhood, events, mesh), its
//! plugin (mesh layer, dragging, linking) and its panel.

mod lagged_texture;
mod plugin;
pub mod probe_view;
pub mod ui;

pub use plugin::*;
pub use ui::probe_ui;
