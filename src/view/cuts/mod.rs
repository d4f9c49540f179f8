//! Cutting into the column: a slab (what lies between two parallel planes) and clip planes.
//! The model tests somata against them (`model`), the styling hides what they cut
//! ([`crate::view::scene::Styled::apply_cuts`]), the plugin draws their outlines and drags the
//! slab in 3D, the panel sets them (`cuts_ui`).

pub mod cuts_ui;
pub mod model;
pub mod plugin;

pub use plugin::{CUTS_LAYER, CutsPlugin, CutsSettings};
