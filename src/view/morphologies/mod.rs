//! Neurons drawn as their cells: the `morphology` and `morphology_line` styles.

mod plugin;

pub use plugin::*;
