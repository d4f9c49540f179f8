//! The embedded point-neuron engine (no Bevy): NEST-exact models, delay ring buffers, spike
//! sources, current clamps and Poisson inputs, run window by window over partitions of target
//! neurons.
//!
//! | module | what |
//! |---|---|
//! | `time` | NEST's time grid and rounding rules |
//! | `params` | NEST parameter dictionaries |
//! | `models` | neuron models (`iaf_psc_alpha`, `iaf_psc_exp`, `iaf_psc_delta`, `glif_psc`, `izhikevich`) |
//! | `network` | the plain network description the engine runs |
//! | `synapses` | per-partition synapses grouped by source and delay |
//! | `prefetch` | cache prefetch hints for the irregular streams |
//! | `inputs` | spike trains, step currents, Poisson trains |
//! | `splitmix` | splitmix64, the generator of the Poisson inputs and of the demo's draws |
//! | `recorder` | V_m sampled as NEST's multimeter samples it |
//! | `reports` | the config's membrane (V_m) reports, checked and resolved to neurons |
//! | `engine` | [`Simulation`]: build (in stages), step, stream spikes, change while running |
//! | `from_sonata` | a SONATA simulation config -> [`Network`], strictly: every file the network needs |
//! | `interventions` | what is done to a running simulation, as `interventions.json` spells it |
//! | `control` | a model's live panel, endless inputs, runs changed at chunk boundaries and replayed |
//! | `live` | [`live::LiveRun`]: the engine on its own thread, paused, capped, changed while running |
pub mod control;
pub mod engine;
pub mod error;
pub mod from_sonata;
pub mod inputs;
pub mod interventions;
pub mod live;
pub mod models;
pub mod network;
pub mod params;
mod prefetch;
pub mod recorder;
pub mod reports;
pub mod splitmix;
pub mod synapses;
pub mod time;

pub use engine::{BuildStats, MAX_PARTITIONS, RunEnd, SimOptions, Simulation, Spike};
pub use error::{SimError, SimResult};
pub use models::Model;
pub use network::{
    CurrentClamp, Network, PoissonInput, Population, Projection, SourcePopulation, SourceRef,
    SynapseKind,
};
pub use recorder::{SampleGrid, VmFrames};
