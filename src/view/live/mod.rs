//! The demo simulated live in the window: the engine's spikes fed into the scene (model), the
//! plugin that runs it, and its panel.

pub mod feed;
mod plugin;
pub mod ui;

pub use plugin::*;
pub use ui::live_ui;
