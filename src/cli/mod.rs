//! Subcommands of the `cortexview` binary, one module each.
pub mod demo;
pub mod info;
pub mod live;
pub mod nodes;
pub mod record;
#[cfg(feature = "viewer")]
pub mod render;
#[cfg(feature = "viewer")]
pub mod render_session;
pub mod simulate;
pub mod window_args;
