//! The scene: what the viewer draws, and the plugin that holds it.
//!
//! | file | what |
//! |---|---|
//! | `model.rs` | `Scene` (no Bevy): instances of all positioned nodes, spikes mapped to instances |
//! | `style.rs` | representations (selection + style + colouring) applied: colours, radii, legend |
//! | `coloring.rs` | `Coloring`: one representation's colours and the legend of what it used |
//! | `rates.rs` | firing rates per neuron and per population in time bins |
//! | `overlays.rs` | what is laid over the styled instances (no Bevy) |
//! | `state.rs` | `ViewerState`: the scene on screen and how it is drawn; `LoadTask` |
//! | `plugin.rs` | `ScenePlugin`: background loads taken on screen, restyling |

mod coloring;
mod model;
pub mod overlays;
pub mod plugin;
mod rates;
pub mod state;
mod style;

pub use coloring::Coloring;
pub use model::*;
pub use plugin::{ScenePlugin, poll_load, restyle_scene};
pub use rates::Rates;
pub use state::{LoadTask, ViewerState};
pub use style::*;
