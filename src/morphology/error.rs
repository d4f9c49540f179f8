//! Errors of the morphology readers: each names the file, and the line for SWC.

use std::path::{Path, PathBuf};

pub type Result<T, E = MorphologyError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum MorphologyError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A malformed SWC line (`line` is 1-based).
    #[error("{}:{line}: {message}", path.display())]
    Swc {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// A file that parses but does not describe a valid morphology.
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
    #[error("{}: HDF5 error reading '{object}': {message}", path.display())]
    Hdf5 {
        path: PathBuf,
        object: String,
        message: String,
    },
    #[error(
        "{}: unsupported morphology format (cortexview reads .swc and MorphIO .h5)",
        path.display()
    )]
    UnsupportedFormat { path: PathBuf },
}

impl MorphologyError {
    pub fn swc(path: &Path, line: usize, message: impl Into<String>) -> Self {
        Self::Swc {
            path: path.to_owned(),
            line,
            message: message.into(),
        }
    }

    pub fn invalid(path: &Path, message: impl Into<String>) -> Self {
        Self::Invalid {
            path: path.to_owned(),
            message: message.into(),
        }
    }

    pub fn hdf5(path: &Path, object: &str, err: impl std::fmt::Display) -> Self {
        Self::Hdf5 {
            path: path.to_owned(),
            object: object.to_owned(),
            message: err
                .to_string()
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned(),
        }
    }
}
