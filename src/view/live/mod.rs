//! The demo simulated live in the window: the engine's spikes fed into the scene, controls.

pub mod feed;
mod plugin;

pub use plugin::*;
