//! Model time: play, loop, seek, the per-neuron last-spike times it drives, and the window's
//! playback bar and raster.

pub mod controls_ui;
mod plugin;
pub mod raster_ui;

pub use plugin::*;
