//! Pictures without a window: the headless viewer, frames read back without stalling the GPU,
//! movie frames laid out with plot panels, `cortexview render`'s frames, the overlay burnt into
//! them, PNG files and movies.

pub mod compose;
mod export_job;
pub mod export_ui;
pub mod font;
mod frames;
mod headless;
pub mod layout;
pub mod movie;
pub mod movie_writer;
pub mod overlay;
mod pipelined;
pub mod png;
mod readback;
mod report_traces;

pub use frames::*;
pub use headless::*;
pub use pipelined::{MAX_IN_FLIGHT, TaggedFrame};
pub use png::save_png_whole;
