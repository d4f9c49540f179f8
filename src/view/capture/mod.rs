//! Pictures without a window: the headless viewer, `cortexview render`, the PNG overlay.

pub mod font;
mod headless;

pub use headless::*;
