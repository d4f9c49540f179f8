//! The scene: what the viewer draws, and the plugin that holds it.
//!
//! | file | what |
//! |---|---|
//! | `model.rs` | `Scene` (no Bevy): instances of all positioned nodes, spikes mapped to instances |
//! | `style.rs` | representations (selection + style + colouring) applied: colours, radii, legend |
//! | `coloring.rs` | one representation's colours and the legend of what it used |
//! | `rates.rs` | firing rates per neuron and per population in time bins |
//! | `overlays.rs` | what is laid over the styled instances (no Bevy) |
//! | `plugin.rs` | `ScenePlugin`: `ViewerState`, background loading, restyling |

mod coloring;
mod model;
pub mod overlays;
pub mod plugin;
mod rates;
mod style;

pub use model::*;
pub use plugin::{LoadTask, ScenePlugin, ViewerState, poll_load, restyle_scene};
pub use rates::Rates;
pub use style::*;
