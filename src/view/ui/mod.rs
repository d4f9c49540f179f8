//! The window: egui panels over the 3D view.
//!
//! Left: circuit tree, representations (selection + style + colouring), legend. Bottom:
//! playback and a raster of the drawn neurons (click or drag to seek). Right: the picked
//! neuron's attributes. Keys: space play/pause, F fit, S screenshot, H help.

mod input;
mod legend_ui;
mod menu_ui;
mod panels_ui;
mod plugin;
pub mod recent_files;
mod representations_ui;
pub mod screenshots;
mod state;

pub use legend_ui::{colormap_ui, ramp_ui};
pub use menu_ui::add_spikes_file;
pub use plugin::{UiPlugin, WindowOptions, run_window, run_window_with, run_window_with_options};
pub use recent_files::{recent_files, recent_files_path, remember_recent};
pub use screenshots::{ScriptedShot, parse_size};
pub use state::{UiState, WindowView, view_rect};
