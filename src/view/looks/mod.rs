//! Looks: materials per representation, background, depth shading, depth cueing, outlines,
//! glow, anti-aliasing and the orthographic camera, as the session's `looks` asks. The model
//! (no Bevy), the plugin that hands them to the render passes (`crate::view::render::looks_passes`)
//! and the Looks panel.

pub mod looks_ui;
pub mod material;
pub mod model;
pub mod plugin;
pub mod supersample;

pub use plugin::{LooksPlugin, LooksState};
