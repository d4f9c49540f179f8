//! Typed errors of the SONATA layer: each names the file and what is wrong with it.

use std::path::PathBuf;

/// Everything that can go wrong while reading or writing SONATA data.
#[derive(Debug, thiserror::Error)]
pub enum SonataError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{path}: not valid JSON: {source}")]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },

    #[error("{path}: HDF5 error at '{object}': {message}")]
    Hdf5 {
        path: PathBuf,
        object: String,
        message: String,
    },

    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },

    #[error("{path}:{line}: {message}")]
    Csv {
        path: PathBuf,
        line: usize,
        message: String,
    },

    #[error("{path}: manifest variables cannot be resolved: {message}")]
    Manifest { path: PathBuf, message: String },

    #[error("selection '{expr}': {message}")]
    Selection { expr: String, message: String },

    #[error("no population named '{name}' (populations: {available})")]
    NoPopulation { name: String, available: String },

    #[error("{0}")]
    Other(String),
}

impl SonataError {
    pub fn invalid(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::Invalid {
            path: path.into(),
            message: message.into(),
        }
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    pub fn hdf5(
        path: impl Into<PathBuf>,
        object: impl Into<String>,
        err: impl std::fmt::Display,
    ) -> Self {
        Self::Hdf5 {
            path: path.into(),
            object: object.into(),
            message: err.to_string(),
        }
    }
}

pub type Result<T, E = SonataError> = std::result::Result<T, E>;
