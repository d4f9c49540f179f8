//! Model time: play, loop, seek, and the per-neuron last-spike times it drives.

mod plugin;

pub use plugin::*;
