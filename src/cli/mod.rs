//! Subcommands of the `cortexview` binary, one module each.
pub mod info;
pub mod nodes;
#[cfg(feature = "viewer")]
pub mod render;
pub mod simulate;
