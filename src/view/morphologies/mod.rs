//! Neurons drawn as their cells: the `morphology` and `morphology_line` styles. The layers are
//! built as plain arrays (`build`), kept current by the plugin, and chosen in the panel (`ui`).

pub mod build;
mod mesh_cache;
pub mod paint;
mod plugin;
pub mod ui;

pub use build::*;
pub use plugin::*;
pub use ui::morphology_ui;
