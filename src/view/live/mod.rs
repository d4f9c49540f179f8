//! A model simulated live in the window: the engine's spikes fed into the scene (model), the
//! model built and started in the background, the plugin that runs it, and its panel.

pub mod feed;
mod frame_cap;
mod plugin;
mod start;
mod stimulus;
pub mod ui;

pub use frame_cap::{DEFAULT_FRAME_CAP, FRAME_CAPS};
pub use plugin::*;
pub use stimulus::{engine_selection, stimulate, stimulate_instances};
pub use ui::live_ui;
