//! Pictures without a window: the headless viewer, `cortexview render`'s frames, the overlay
//! burnt into them, PNG files.

pub mod font;
mod frames;
mod headless;
pub mod overlay;
pub mod png;

pub use frames::*;
pub use headless::*;
pub use png::save_png_whole;
