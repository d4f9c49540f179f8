//! A Neuropixels probe in the scene: its mesh, its recording view, linking to neurons.

mod plugin;
pub mod probe_view;

pub use plugin::*;
