//! Morphologies loaded once per file and shared by every cell that names the file. A file that
//! fails to load is remembered with its error (one warning per file; those cells fall back to a
//! sphere in the viewer).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::Morphology;

#[derive(Clone, Debug)]
pub enum Entry {
    Loaded(Arc<Morphology>),
    /// The error message, already naming the file.
    Failed(String),
}

#[derive(Debug, Default)]
pub struct MorphologyLibrary {
    entries: HashMap<PathBuf, Entry>,
}

impl MorphologyLibrary {
    pub fn new() -> Self {
        Self::default()
    }

    /// The morphology of `path`, read on first use.
    pub fn get(&mut self, path: &Path) -> &Entry {
        self.entries
            .entry(path.to_owned())
            .or_insert_with(|| match Morphology::load(path) {
                Ok(m) => Entry::Loaded(Arc::new(m)),
                Err(err) => Entry::Failed(err.to_string()),
            })
    }

    /// The loaded morphology of `path`, if it loaded.
    pub fn loaded(&mut self, path: &Path) -> Option<Arc<Morphology>> {
        match self.get(path) {
            Entry::Loaded(m) => Some(Arc::clone(m)),
            Entry::Failed(_) => None,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// One message per file that failed.
    pub fn failures(&self) -> impl Iterator<Item = &str> {
        self.entries.values().filter_map(|e| match e {
            Entry::Failed(msg) => Some(msg.as_str()),
            Entry::Loaded(_) => None,
        })
    }
}
