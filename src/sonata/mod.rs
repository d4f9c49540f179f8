//! The SONATA data layer: configs, nodes, edges, spikes, reports, node sets and selections.
//! No Bevy here; everything above reads through this module.
//!
//! API in the spirit of libsonata: [`Circuit`] holds [`NodePopulation`]s (merged attribute
//! columns) and [`EdgePopulation`]s (read lazily, indexed); [`Selection`]s are sorted id ranges.

pub mod circuit;
pub mod column;
pub mod config;
pub mod connectivity;
pub mod ecp;
pub mod edges;
pub mod error;
pub mod h5util;
pub mod info;
pub mod manifest;
pub mod node_sets;
pub mod nodes;
pub mod progress;
pub mod report_writer;
pub mod reports;
pub mod selection;
pub mod selection_language;
pub mod spikes;
pub mod text_file;
pub mod tolerant;
pub mod types_csv;

pub use circuit::{Circuit, SkippedFile, SpikesFile};
pub use column::{Column, Value, Values};
pub use config::{CircuitConfig, SimulationConfig, SortOrder};
pub use ecp::EcpReport;
pub use edges::EdgePopulation;
pub use error::{Result, SonataError};
pub use node_sets::NodeSets;
pub use nodes::NodePopulation;
pub use progress::LoadProgress;
pub use report_writer::{FrameReportWriter, ReportPopulation, ReportTimes};
pub use reports::FrameReport;
pub use selection::Selection;
pub use spikes::{PopulationSpikes, SpikeIndex, read_spikes, write_spikes};
pub use types_csv::TypesTable;
