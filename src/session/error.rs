//! `SessionError`: what is wrong with a session or deck file, naming the file.

use std::path::PathBuf;

use super::format::SESSION_VERSION;

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("cannot read {}: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not a regular file or is larger than {max_mb} MB: not a session", path.display())]
    NotAFile { path: PathBuf, max_mb: u64 },
    #[error("{} is not JSON (line {line}, column {column}): {message}", path.display())]
    NotJson {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{} is not a cortexview session: it has no \"cortexview_session\" key", path.display())]
    NotASession { path: PathBuf },
    #[error(
        "{} was written by a newer cortexview (session version {found}; this build reads up to {SESSION_VERSION})",
        path.display()
    )]
    Newer { path: PathBuf, found: u64 },
    #[error("{} (line {line}, column {column}): {message}", path.display())]
    BadValue {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
    #[error("cannot write {}: {source}", path.display())]
    Unwritable {
        path: PathBuf,
        source: std::io::Error,
    },
}
