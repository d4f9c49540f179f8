//! The scene: what the viewer draws, and the plugin that holds it.
//!
//! | file | what |
//! |---|---|
//! | `model.rs` | `Scene` (no Bevy): instances, representations to colours and radii, legend, rates |
//! | `overlays.rs` | what is laid over the styled instances (no Bevy) |
//! | `plugin.rs` | `ScenePlugin`: `ViewerState`, background loading, restyling |

mod model;
pub mod overlays;
pub mod plugin;

pub use model::*;
pub use plugin::{LoadTask, ScenePlugin, ViewerState, poll_load, restyle_scene};
