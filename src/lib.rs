//! cortexview: SONATA network models of the brain in 3D, with an embedded point-neuron engine.
//!
//! Layers (data flows down): `sonata`, `morphology`, `sim`, `probe`, `demo` (pure data, no Bevy)
//! -> `view` (Bevy viewer, feature `viewer`) -> `cli` (commands). See ARCHITECTURE.md.
pub mod atomic_file;
pub mod cli;
pub mod demo;
pub mod morphology;
pub mod probe;
pub mod session;
pub mod sim;
pub mod sonata;
#[cfg(feature = "viewer")]
pub mod view;
