//! Partners of every node through one edge population, held in memory: a wiring term that is
//! evaluated again and again (a live view restyling twice a second) reads the edges file once.
//!
//! Kept per edges file, population and side. A file is read through its index the first time a
//! term asks for it (a single query stays cheap); the second time its partner table starts being
//! built on a thread of its own (seconds for tens of millions of edges: the window does not wait
//! for it, the file is read as before until the table is there), then it is kept. A file that
//! changed on disk (size or modification time) is read again, and the tables of files that the
//! evaluated circuit no longer has (another circuit was opened) are let go.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use super::syntax::Side;
use crate::sonata::edges::EdgePopulation;
use crate::sonata::error::{Result, SonataError};

/// Edges read at a time while a table is built.
const BUILD_CHUNK: usize = 1 << 20;

/// For each node id (the key: target for `pre of`, source for `post of`) its partners' ids.
#[derive(Debug)]
pub(super) struct PartnerTable {
    /// `partners[offsets[id]..offsets[id + 1]]` are the partners of node `id`.
    offsets: Vec<u64>,
    partners: Vec<u32>,
}

impl PartnerTable {
    /// One counting pass over the key column, one filling pass over both id columns. `None`
    /// when the ids do not suit a table: a key id far beyond the edge count (sparse ids must
    /// not allocate a table of that size), a partner id beyond 32 bits, or a negative id.
    pub(super) fn build(e: &EdgePopulation, side: Side) -> Result<Option<Self>> {
        let (key_column, partner_column) = columns(side);
        let limit = (e.len() as u64).saturating_mul(4).max(1 << 20);
        let mut counts: Vec<u64> = Vec::new();
        let mut start = 0;
        while start < e.len() {
            let end = (start + BUILD_CHUNK).min(e.len());
            for k in e.dataset_i64_range(key_column, start..end)? {
                let Some(k) = u64::try_from(k).ok().filter(|&k| k < limit) else {
                    return Ok(None);
                };
                if k as usize >= counts.len() {
                    counts.resize(k as usize + 1, 0);
                }
                counts[k as usize] += 1;
            }
            start = end;
        }
        let mut offsets = Vec::with_capacity(counts.len() + 1);
        offsets.push(0u64);
        for c in &counts {
            offsets.push(offsets[offsets.len() - 1] + c);
        }
        let mut fill = offsets.clone();
        let mut partners = vec![0u32; e.len()];
        let mut start = 0;
        while start < e.len() {
            let end = (start + BUILD_CHUNK).min(e.len());
            let keys = e.dataset_i64_range(key_column, start..end)?;
            let others = e.dataset_i64_range(partner_column, start..end)?;
            if keys.len() != end - start || others.len() != keys.len() {
                return Err(SonataError::invalid(
                    &e.file,
                    format!(
                        "edge population '{}': '{key_column}' and '{partner_column}' hold fewer than its {} edges",
                        e.name,
                        e.len()
                    ),
                ));
            }
            for (&k, &p) in keys.iter().zip(&others) {
                let Ok(p) = u32::try_from(p) else {
                    return Ok(None);
                };
                let Some(at) = usize::try_from(k).ok().and_then(|k| fill.get_mut(k)) else {
                    return Ok(None);
                };
                let Some(slot) = partners.get_mut(*at as usize) else {
                    return Err(SonataError::invalid(
                        &e.file,
                        format!("edge population '{}' changed while it was read", e.name),
                    ));
                };
                *slot = p;
                *at += 1;
            }
            start = end;
        }
        Ok(Some(Self { offsets, partners }))
    }

    /// The partners of node `id` (one per edge).
    pub(super) fn partners_of(&self, id: u64) -> &[u32] {
        let i = id as usize;
        match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(&a), Some(&b)) => &self.partners[a as usize..b as usize],
            _ => &[],
        }
    }
}

/// The key and partner id columns of a side.
pub(super) fn columns(side: Side) -> (&'static str, &'static str) {
    match side {
        Side::Pre => ("target_node_id", "source_node_id"),
        Side::Post => ("source_node_id", "target_node_id"),
    }
}

/// What identifies a file's content without reading it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FileStamp {
    len: u64,
    modified: Option<SystemTime>,
}

fn stamp(path: &Path) -> Option<FileStamp> {
    let meta = std::fs::metadata(path).ok()?;
    Some(FileStamp {
        len: meta.len(),
        modified: meta.modified().ok(),
    })
}

type Build = std::thread::JoinHandle<Result<Option<PartnerTable>>>;

#[derive(Debug)]
enum State {
    /// Asked for once: read through the index.
    Seen,
    /// The table is being built; meanwhile the file is read.
    Building(Build),
    Built(Arc<PartnerTable>),
    /// Ids that do not suit a table: always read through the index.
    Unsuited,
}

#[derive(Debug)]
struct Entry {
    file: PathBuf,
    population: String,
    side: Side,
    stamp: Option<FileStamp>,
    state: State,
}

/// The tables kept (see the module).
#[derive(Debug, Default)]
pub(super) struct EdgeCache {
    entries: Vec<Entry>,
}

static CACHE: Mutex<EdgeCache> = Mutex::new(EdgeCache {
    entries: Vec::new(),
});

/// The partner table of `e` on `side` from the process's cache, when it is kept (see the
/// module); `circuit` are the edge populations of the circuit being evaluated.
pub(super) fn table(
    e: &EdgePopulation,
    side: Side,
    circuit: &[EdgePopulation],
) -> Result<Option<Arc<PartnerTable>>> {
    let mut cache = CACHE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    cache.table(e, side, circuit)
}

/// Waits until the partner tables being built are kept (a benchmark timing what a live view
/// restyles with once they are there).
pub fn wait_for_edge_tables() -> Result<()> {
    let mut cache = CACHE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    cache.wait()
}

impl EdgeCache {
    pub(super) fn table(
        &mut self,
        e: &EdgePopulation,
        side: Side,
        circuit: &[EdgePopulation],
    ) -> Result<Option<Arc<PartnerTable>>> {
        self.entries.retain(|entry| {
            circuit
                .iter()
                .any(|c| c.file == entry.file && c.name == entry.population)
        });
        let now = stamp(&e.file);
        let found = self
            .entries
            .iter_mut()
            .find(|x| x.file == e.file && x.population == e.name && x.side == side);
        let entry = match found {
            Some(entry) if entry.stamp == now && now.is_some() => entry,
            Some(entry) => {
                // changed on disk (or unreadable metadata): read again from the file
                entry.stamp = now;
                entry.state = State::Seen;
                return Ok(None);
            }
            None => {
                self.entries.push(Entry {
                    file: e.file.clone(),
                    population: e.name.clone(),
                    side,
                    stamp: now,
                    state: State::Seen,
                });
                return Ok(None);
            }
        };
        match std::mem::replace(&mut entry.state, State::Unsuited) {
            State::Built(table) => {
                entry.state = State::Built(Arc::clone(&table));
                Ok(Some(table))
            }
            State::Unsuited => Ok(None),
            State::Seen => {
                let population = e.clone();
                let spawned = std::thread::Builder::new()
                    .name("edge partner table".into())
                    .spawn(move || PartnerTable::build(&population, side));
                // no thread to build it on: the file is read every time, as before
                if let Ok(handle) = spawned {
                    entry.state = State::Building(handle);
                }
                Ok(None)
            }
            State::Building(handle) if !handle.is_finished() => {
                entry.state = State::Building(handle);
                Ok(None)
            }
            State::Building(handle) => Self::finished(entry, handle),
        }
    }

    /// Takes the result of a finished build: the table kept, or the error said once (the file
    /// is read every time after it).
    fn finished(entry: &mut Entry, handle: Build) -> Result<Option<Arc<PartnerTable>>> {
        match handle.join() {
            Ok(Ok(Some(table))) => {
                let table = Arc::new(table);
                entry.state = State::Built(Arc::clone(&table));
                Ok(Some(table))
            }
            Ok(Ok(None)) => Ok(None),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(SonataError::invalid(
                &entry.file,
                format!(
                    "building the partner table of edge population '{}' failed",
                    entry.population
                ),
            )),
        }
    }

    /// Waits for the tables being built and keeps them.
    fn wait(&mut self) -> Result<()> {
        for entry in &mut self.entries {
            if let State::Building(handle) = std::mem::replace(&mut entry.state, State::Unsuited) {
                Self::finished(entry, handle)?;
            }
        }
        Ok(())
    }

    #[cfg(test)]
    fn kept(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| matches!(e.state, State::Built(_)))
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sonata::circuit::Circuit;

    fn n1000() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/nets/engine_ref_v1_iaf_n1000")
    }

    /// The table lists, for every key node, the partners the id columns give.
    #[test]
    fn the_table_holds_the_partners_of_the_id_columns() {
        let circuit = Circuit::open(&n1000().join("config.json")).unwrap();
        for e in &circuit.edges {
            for side in [Side::Pre, Side::Post] {
                let table = PartnerTable::build(e, side).unwrap().unwrap();
                let (key, other) = columns(side);
                let keys = e.dataset_i64_range(key, 0..e.len()).unwrap();
                let others = e.dataset_i64_range(other, 0..e.len()).unwrap();
                let max = *keys.iter().max().unwrap() as u64;
                let mut want: Vec<Vec<u32>> = vec![Vec::new(); max as usize + 1];
                for (&k, &p) in keys.iter().zip(&others) {
                    want[k as usize].push(p as u32);
                }
                for (id, w) in want.iter_mut().enumerate() {
                    let mut got = table.partners_of(id as u64).to_vec();
                    got.sort_unstable();
                    w.sort_unstable();
                    assert_eq!(&got, w, "{} {side:?} of {id}", e.name);
                }
                assert!(table.partners_of(max + 1).is_empty());
            }
        }
    }

    /// Kept from the second request; read again when the file changes; let go when another
    /// circuit is evaluated.
    #[test]
    fn kept_from_the_second_request_until_the_file_or_the_circuit_changes() {
        let dir = tempfile::tempdir().unwrap();
        let net = n1000();
        copy_dir(&net, dir.path());
        let config = dir.path().join("config.json");
        let circuit = Circuit::open(&config).unwrap();
        let e = &circuit.edges[0];
        let mut cache = EdgeCache::default();
        assert!(cache.table(e, Side::Pre, &circuit.edges).unwrap().is_none());
        // the second request starts the build; the file is read until it is done
        assert!(cache.table(e, Side::Pre, &circuit.edges).unwrap().is_none());
        cache.wait().unwrap();
        assert_eq!(cache.kept(), 1);
        assert!(cache.table(e, Side::Pre, &circuit.edges).unwrap().is_some());

        // the file changes on disk: read through the index again, then kept again
        let later = SystemTime::now() + std::time::Duration::from_secs(60);
        std::fs::File::options()
            .write(true)
            .open(&e.file)
            .unwrap()
            .set_modified(later)
            .unwrap();
        assert!(cache.table(e, Side::Pre, &circuit.edges).unwrap().is_none());
        assert_eq!(cache.kept(), 0);
        assert!(cache.table(e, Side::Pre, &circuit.edges).unwrap().is_none());
        cache.wait().unwrap();
        assert!(cache.table(e, Side::Pre, &circuit.edges).unwrap().is_some());

        // another circuit: the first one's tables are let go
        let other = Circuit::open(&net.join("config.json")).unwrap();
        let o = &other.edges[0];
        assert!(cache.table(o, Side::Pre, &other.edges).unwrap().is_none());
        assert_eq!(cache.kept(), 0);
    }

    fn copy_dir(from: &Path, to: &Path) {
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                std::fs::create_dir_all(&target).unwrap();
                copy_dir(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), &target).unwrap();
            }
        }
    }
}
