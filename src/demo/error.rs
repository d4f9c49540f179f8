//! Errors of the demo generator and its SONATA export.
use std::path::PathBuf;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum DemoError {
    #[error("demo: {0}")]
    Invalid(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {object}: {source}")]
    Hdf5 {
        path: PathBuf,
        object: String,
        source: hdf5::Error,
    },
    #[error(transparent)]
    Sim(#[from] crate::sim::SimError),
    #[error(transparent)]
    Sonata(#[from] crate::sonata::SonataError),
    #[error("{path}: {source}")]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
}

pub type DemoResult<T> = Result<T, DemoError>;
