//! Frame reports (membrane potential, ...) colouring somata at the playback time, and traces.

pub mod compartment_paint;
pub mod compartments;
pub mod frames;
pub mod plugin;
pub mod ui;
