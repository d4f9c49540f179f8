//! The window: egui panels over the 3D view.

mod window;

pub use window::*;
