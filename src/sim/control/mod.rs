//! Runs that can be changed while they go and replayed: a model with its panel and inputs
//! (`model`), projections split by E/I class (`ei_classes`), endless inputs keyed by model time
//! (`feeder`), the chunked run that applies interventions (`run`) and the offline replay of a
//! log (`replay`).
pub mod ei_classes;
pub mod feeder;
pub mod model;
pub mod replay;
pub mod run;

pub use ei_classes::WeightGroup;
pub use feeder::{FedInput, TrainFeeder};
pub use model::{LiveModel, NodeSelector, PanelModel, RateInput, RateKind};
pub use replay::{ReplayStage, Replayed, replay, replay_watched};
pub use run::ControlledRun;
