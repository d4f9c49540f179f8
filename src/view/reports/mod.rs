//! Frame reports (membrane potential, ...) colouring somata at the playback time, and traces.

pub mod frames;
pub mod plugin;
pub mod ui;
