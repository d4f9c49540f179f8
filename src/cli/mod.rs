//! Subcommands of the `cortexview` binary, one module each.
pub mod demo;
pub mod info;
pub mod nodes;
pub mod record;
pub mod simulate;
