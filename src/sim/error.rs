//! Typed errors of the engine.
use std::path::PathBuf;

use thiserror::Error;

/// Everything that can go wrong while building or running a simulation.
#[derive(Debug, Error)]
pub enum SimError {
    #[error(
        "unknown neuron model '{model}' (population '{population}', {what}); supported: iaf_psc_alpha, iaf_psc_exp, iaf_psc_delta, glif_psc, izhikevich"
    )]
    UnknownModel {
        model: String,
        population: String,
        what: String,
    },
    /// Cells with morphologies and ion channels: a point-neuron engine cannot run them.
    #[error(
        "population '{population}' ({what}) is biophysical (model_template '{model}'): the embedded engine runs point neurons only. BMTK BioNet (NEURON, with MPI across machines) runs biophysical cells; cortexview opens its output (spikes, reports) to view them"
    )]
    Biophysical {
        model: String,
        population: String,
        what: String,
    },
    #[error("bad parameter for {model}: {message}")]
    BadParameter { model: String, message: String },
    #[error("bad resolution dt = {0} ms (must be a positive multiple of 0.001 ms)")]
    BadResolution(f64),
    #[error("projection '{projection}': {message}")]
    BadProjection { projection: String, message: String },
    #[error("input '{input}': {message}")]
    BadInput { input: String, message: String },
    #[error("report '{report}': {message}")]
    BadReport { report: String, message: String },
    #[error("no {what} named '{name}'")]
    NotFound { what: &'static str, name: String },
    /// A file the network needs (a `nodes_file`, an `edges_file`, a types table, a node-set or
    /// input spikes file) is missing or cannot be read: simulating without it would simulate
    /// another network.
    #[error("{what} {} (named by {}) cannot be read: {source}", path.display(), named_by.display())]
    MissingFile {
        /// the config key that names it (`nodes_file`, `edges_file`, ...)
        what: String,
        path: PathBuf,
        /// the config that names it
        named_by: PathBuf,
        source: std::io::Error,
    },
    /// A file was read but some of what the network needs from it did not load.
    #[error("{}: {message}; a simulation needs all of it", path.display())]
    NotLoaded { path: PathBuf, message: String },
    /// Values in a file that no simulator could use (NaN delays, unknown edge types, ...).
    #[error("{}: {message}", path.display())]
    BadData { path: PathBuf, message: String },
    #[error("{0}")]
    Invalid(String),
    #[error("live run: {0}")]
    Live(String),
    #[error(transparent)]
    Sonata(#[from] crate::sonata::SonataError),
}

pub type SimResult<T> = Result<T, SimError>;

/// How many values of a column were wrong, and the first few ids (edges, nodes) where: enough
/// to find them in the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Offenders {
    pub count: usize,
    pub first: Vec<u64>,
}

impl Offenders {
    const SHOWN: usize = 5;

    pub fn add(&mut self, id: u64) {
        self.count += 1;
        if self.first.len() < Self::SHOWN {
            self.first.push(id);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// "2 edges (2, 5)", "1 spike (nodes 7)", "9 edges (0, 1, 2, 3, 4, ...)": the count, the
    /// noun in its number, and the first ids after `label`.
    pub fn summary(&self, one: &str, many: &str, label: &str) -> String {
        let ids: Vec<String> = self.first.iter().map(u64::to_string).collect();
        let more = if self.count > self.first.len() {
            ", ..."
        } else {
            ""
        };
        let noun = if self.count == 1 { one } else { many };
        format!("{} {noun} ({label}{}{more})", self.count, ids.join(", "))
    }
}
