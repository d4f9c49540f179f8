//! Loading that keeps what loads: one malformed population, report or optional file becomes a
//! warning while the rest opens. A leaf module: the readers of nodes, edges and reports use it
//! and it uses none of them.

use super::error::{Result, SonataError};

/// Keeps what loads: errors become warnings while at least one item loads; with none loaded,
/// the first error is returned.
pub fn load_tolerant<T>(items: impl Iterator<Item = Result<T>>) -> Result<(Vec<T>, Vec<String>)> {
    let mut ok = Vec::new();
    let mut errors = Vec::new();
    for item in items {
        match item {
            Ok(v) => ok.push(v),
            Err(e) => errors.push(e),
        }
    }
    let warnings = errors.iter().map(|e| format!("skipped: {e}")).collect();
    match errors.into_iter().next() {
        Some(first) if ok.is_empty() => Err(first),
        _ => Ok((ok, warnings)),
    }
}

/// An optional file that could not be read: the warning that replaces its error.
pub fn skipped_optional(what: &str, err: &SonataError) -> String {
    format!("{what} skipped: {err}")
}

/// The first few of `ids`, for a warning that names examples without listing thousands.
pub fn first_ids(ids: &[u64]) -> String {
    const SHOWN: usize = 5;
    let mut text = ids
        .iter()
        .take(SHOWN)
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > SHOWN {
        text.push_str(", ...");
    }
    text
}
