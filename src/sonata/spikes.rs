//! Spike files: SONATA `/spikes/<population>/{timestamps,node_ids}` (`sorting` as an HDF5 enum
//! or a string), the old `/spikes/{gids,timestamps}` layout, and BMTK's CSV; a writer whose files
//! libsonata and BMTK read; and an index for time-window queries.

use std::path::Path;

use hdf5::H5Type;

use super::config::SortOrder;
use super::error::{Result, SonataError};
use super::h5util;

/// The spikes of one population, in the order they were read or will be written.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PopulationSpikes {
    /// Empty for the old layout, which names no population.
    pub population: String,
    pub node_ids: Vec<u64>,
    pub timestamps: Vec<f64>,
    /// The `sorting` the file declares (None when it declares nothing).
    pub sorting: Option<SortOrder>,
}

impl PopulationSpikes {
    pub fn len(&self) -> usize {
        self.timestamps.len()
    }

    pub fn is_empty(&self) -> bool {
        self.timestamps.is_empty()
    }

    /// First and last spike time.
    pub fn time_range(&self) -> Option<(f64, f64)> {
        let first = self
            .timestamps
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min);
        let last = self
            .timestamps
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        (first <= last).then_some((first, last))
    }

    /// Reorders in place: by time (ties by id) or by id (ties by time).
    pub fn sort(&mut self, order: SortOrder) {
        let mut perm: Vec<usize> = (0..self.len()).collect();
        match order {
            SortOrder::None => return,
            SortOrder::ByTime => perm.sort_by(|&a, &b| {
                self.timestamps[a]
                    .total_cmp(&self.timestamps[b])
                    .then(self.node_ids[a].cmp(&self.node_ids[b]))
            }),
            SortOrder::ById => perm.sort_by(|&a, &b| {
                self.node_ids[a]
                    .cmp(&self.node_ids[b])
                    .then(self.timestamps[a].total_cmp(&self.timestamps[b]))
            }),
        }
        self.node_ids = perm.iter().map(|&i| self.node_ids[i]).collect();
        self.timestamps = perm.iter().map(|&i| self.timestamps[i]).collect();
        self.sorting = Some(order);
    }
}

/// Reads a spikes file: `.csv`/`.txt` as BMTK's CSV, anything else as HDF5.
pub fn read_spikes(path: &Path) -> Result<Vec<PopulationSpikes>> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if ext == "csv" || ext == "txt" {
        read_spikes_csv(path)
    } else {
        read_spikes_h5(path)
    }
}

/// `sorting` as libsonata's enum (read as its names), a string (BMTK), or the enum's plain
/// integer codes (none = 0, by_id = 1, by_time = 2), which a writer that copies attributes
/// without their enum type (h5py's `attrs[k] = v` from a read value) leaves behind.
fn parse_sorting(path: &Path, text: Option<String>) -> Result<Option<SortOrder>> {
    let Some(s) = text else {
        return Ok(None);
    };
    let by_code = match s.trim() {
        "0" => Some(SortOrder::None),
        "1" => Some(SortOrder::ById),
        "2" => Some(SortOrder::ByTime),
        _ => None,
    };
    by_code
        .or_else(|| SortOrder::parse(&s))
        .map(Some)
        .ok_or_else(|| SonataError::invalid(path, format!("unknown spike 'sorting' value '{s}'")))
}

pub fn read_spikes_h5(path: &Path) -> Result<Vec<PopulationSpikes>> {
    let file = h5util::open_file(path)?;
    let spikes = file
        .group("spikes")
        .map_err(|_| SonataError::invalid(path, "no '/spikes' group: not a SONATA spikes file"))?;
    if let Some(broken) = h5util::unreadable_members_text(&spikes) {
        return Err(SonataError::invalid(path, broken));
    }
    // Old layout: /spikes/gids + /spikes/timestamps, no population.
    if h5util::optional_dataset(path, &spikes, "timestamps")?.is_some() {
        let ids_ds = h5util::optional_dataset_of(path, &spikes, &["gids", "node_ids"])?
            .ok_or_else(|| {
                SonataError::invalid(path, "'/spikes/timestamps' without '/spikes/gids'")
            })?;
        let ts_ds = h5util::dataset(path, &spikes, "timestamps")?;
        let sorting = parse_sorting(path, h5util::attr_text(path, &spikes, "sorting")?)?;
        return Ok(vec![checked(path, "", &ids_ds, &ts_ds, sorting)?]);
    }
    let mut out = Vec::new();
    for name in h5util::subgroup_names(&spikes) {
        let group = spikes
            .group(&name)
            .map_err(|e| h5util::h5err(path, &format!("/spikes/{name}"), e))?;
        let ids_ds =
            h5util::optional_dataset_of(path, &group, &["node_ids", "gids"])?.ok_or_else(|| {
                SonataError::invalid(path, format!("'/spikes/{name}' has no 'node_ids'"))
            })?;
        let ts_ds = h5util::dataset(path, &group, "timestamps")?;
        let mut sorting = h5util::attr_text(path, &group, "sorting")?;
        if sorting.is_none() {
            sorting = h5util::attr_text(path, &ids_ds, "sorting")?;
        }
        let sorting = parse_sorting(path, sorting)?;
        out.push(checked(path, &name, &ids_ds, &ts_ds, sorting)?);
    }
    if out.is_empty() {
        return Err(SonataError::invalid(path, "'/spikes' holds no population"));
    }
    Ok(out)
}

fn checked(
    path: &Path,
    population: &str,
    ids_ds: &hdf5::Dataset,
    ts_ds: &hdf5::Dataset,
    sorting: Option<SortOrder>,
) -> Result<PopulationSpikes> {
    // Lengths compared before anything is read: a file that declares more rows in one of
    // the two is refused without allocating for either.
    if ids_ds.size() != ts_ds.size() {
        return Err(SonataError::invalid(
            path,
            format!(
                "spikes of '{population}': {} node ids but {} timestamps ('{}' and '{}' differ in length)",
                ids_ds.size(),
                ts_ds.size(),
                ids_ds.name(),
                ts_ds.name()
            ),
        ));
    }
    let node_ids = h5util::read_u64s(path, ids_ds)?;
    let timestamps = h5util::read_f64s(path, ts_ds)?;
    if node_ids.len() != timestamps.len() {
        return Err(SonataError::invalid(
            path,
            format!(
                "spikes of '{population}': {} node ids but {} timestamps",
                node_ids.len(),
                timestamps.len()
            ),
        ));
    }
    Ok(PopulationSpikes {
        population: population.to_owned(),
        node_ids,
        timestamps,
        sorting,
    })
}

/// BMTK's CSV: a header naming `timestamps`, `node_ids` (or `gids`) and optionally `population`,
/// separated by spaces, tabs or commas.
pub fn read_spikes_csv(path: &Path) -> Result<Vec<PopulationSpikes>> {
    let text = super::text_file::read_text(path)?;
    let split = |l: &str| -> Vec<String> {
        l.split([' ', '\t', ','])
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Err(SonataError::Csv {
            path: path.to_owned(),
            line: 1,
            message: "empty file".into(),
        });
    };
    let header = split(header);
    let find = |names: &[&str]| header.iter().position(|h| names.contains(&h.as_str()));
    let (Some(t_col), Some(id_col)) = (
        find(&["timestamps", "time", "t"]),
        find(&["node_ids", "gids", "node_id", "gid"]),
    ) else {
        return Err(SonataError::Csv {
            path: path.to_owned(),
            line: 1,
            message: format!(
                "the header must name 'timestamps' and 'node_ids' (found: {})",
                header.join(" ")
            ),
        });
    };
    let pop_col = find(&["population"]);
    let mut pops: Vec<PopulationSpikes> = Vec::new();
    for (i, line) in lines {
        let fields = split(line);
        let err = |message: String| SonataError::Csv {
            path: path.to_owned(),
            line: i + 1,
            message,
        };
        if fields.len() != header.len() {
            return Err(err(format!(
                "{} fields, but the header has {}",
                fields.len(),
                header.len()
            )));
        }
        let t: f64 = fields[t_col]
            .parse()
            .map_err(|_| err(format!("'{}' is not a time", fields[t_col])))?;
        let id: u64 = fields[id_col]
            .parse()
            .map_err(|_| err(format!("'{}' is not a node id", fields[id_col])))?;
        let pop = pop_col.map(|c| fields[c].as_str()).unwrap_or("");
        let entry = match pops.iter().position(|p| p.population == pop) {
            Some(p) => &mut pops[p],
            None => {
                pops.push(PopulationSpikes {
                    population: pop.to_owned(),
                    ..Default::default()
                });
                let last = pops.len() - 1;
                &mut pops[last]
            }
        };
        entry.node_ids.push(id);
        entry.timestamps.push(t);
    }
    Ok(pops)
}

/// The `sorting` attribute as libsonata writes it: an HDF5 enum over uint8.
#[derive(H5Type, Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
#[allow(non_camel_case_types)]
enum SortingEnum {
    none = 0,
    by_id = 1,
    by_time = 2,
}

/// Writes a SONATA spikes file (sorted as asked), whole or not at all: the data goes to a
/// temporary file beside `path`, which is renamed over it at the end.
pub fn write_spikes(path: &Path, populations: &[PopulationSpikes], order: SortOrder) -> Result<()> {
    crate::atomic_file::write_atomically(
        path,
        |tmp: &Path| write_spikes_to(tmp, populations, order),
        |p: &Path, e| SonataError::io(p, e),
    )
}

fn write_spikes_to(path: &Path, populations: &[PopulationSpikes], order: SortOrder) -> Result<()> {
    let err = |object: &str, e: hdf5::Error| h5util::h5err(path, object, e);
    let file = hdf5::File::create(path).map_err(|e| err("/", e))?;
    file.new_attr::<u32>()
        .create("magic")
        .and_then(|a| a.write_scalar(&0x0A7Au32))
        .map_err(|e| err("/magic", e))?;
    file.new_attr::<u32>()
        .shape(2)
        .create("version")
        .and_then(|a| a.write_raw(&[0u32, 1]))
        .map_err(|e| err("/version", e))?;
    let spikes = file.create_group("spikes").map_err(|e| err("/spikes", e))?;
    for pop in populations {
        if pop.population.is_empty() {
            return Err(SonataError::invalid(
                path,
                "every population written needs a name",
            ));
        }
        if pop.node_ids.len() != pop.timestamps.len() {
            return Err(SonataError::invalid(
                path,
                format!(
                    "population '{}': node ids and timestamps differ in length",
                    pop.population
                ),
            ));
        }
        let mut sorted = pop.clone();
        sorted.sort(order);
        let object = format!("/spikes/{}", pop.population);
        let group = spikes
            .create_group(&pop.population)
            .map_err(|e| err(&object, e))?;
        let sorting = match order {
            SortOrder::None => SortingEnum::none,
            SortOrder::ById => SortingEnum::by_id,
            SortOrder::ByTime => SortingEnum::by_time,
        };
        group
            .new_attr::<SortingEnum>()
            .create("sorting")
            .and_then(|a| a.write_scalar(&sorting))
            .map_err(|e| err(&object, e))?;
        group
            .new_dataset_builder()
            .with_data(&sorted.timestamps)
            .create("timestamps")
            .and_then(|ds| {
                ds.new_attr::<hdf5::types::VarLenUnicode>()
                    .create("units")
                    .and_then(|a| {
                        let ms: hdf5::types::VarLenUnicode =
                            "ms".parse().map_err(|_| hdf5::Error::from("units"))?;
                        a.write_scalar(&ms)
                    })
            })
            .map_err(|e| err(&format!("{object}/timestamps"), e))?;
        group
            .new_dataset_builder()
            .with_data(&sorted.node_ids)
            .create("node_ids")
            .map_err(|e| err(&format!("{object}/node_ids"), e))?;
    }
    file.flush().map_err(|e| err("/", e))?;
    Ok(())
}

/// Spikes of one population held for playback: sorted by time, with a per-node index.
///
/// A time window is two binary searches; a node's spikes are a slice.
#[derive(Clone, Debug, Default)]
pub struct SpikeIndex {
    pub population: String,
    /// Times, ascending.
    pub times: Vec<f64>,
    /// Node id of each spike in `times` order.
    pub node_ids: Vec<u64>,
    /// `by_node[node_offsets[n]..node_offsets[n+1]]` are node n's spike times, ascending,
    /// for the first `indexed` spikes; later ones (appended live) are found by a scan until the
    /// next re-index.
    node_offsets: Vec<u32>,
    /// `None`: `node_offsets` is indexed by node id (ids are compact). Otherwise the sorted ids
    /// that have spikes, and `node_offsets` is indexed by position in this list.
    sparse_ids: Option<Vec<u64>>,
    by_node: Vec<f64>,
    indexed: usize,
}

/// Whether a table indexed by node id up to `max_id` is reasonable for `spikes` spikes: ids
/// far beyond the spike count (a file naming node 2^40) would make it absurdly large.
fn dense_ids(max_id: u64, spikes: usize) -> bool {
    max_id < (spikes as u64).saturating_mul(8).max(1 << 22)
}

impl SpikeIndex {
    /// Builds from borrowed spikes (a copy is made; see `from_owned` to avoid it).
    pub fn new(spikes: &PopulationSpikes) -> Self {
        Self::from_owned(spikes.clone())
    }

    /// Builds from spikes it may reorder in place: no copy of millions of spikes.
    pub fn from_owned(spikes: PopulationSpikes) -> Self {
        let mut sorted = spikes;
        if sorted.sorting != Some(SortOrder::ByTime)
            || !sorted.timestamps.windows(2).all(|w| w[0] <= w[1])
        {
            sorted.sort(SortOrder::ByTime);
        }
        let max_id = sorted.node_ids.iter().max().copied();
        let sparse_ids = match max_id {
            Some(max_id) if !dense_ids(max_id, sorted.len()) => {
                let mut ids = sorted.node_ids.clone();
                ids.sort_unstable();
                ids.dedup();
                Some(ids)
            }
            _ => None,
        };
        // Every id is in `sparse_ids`, so the search always finds it.
        let key = |id: u64| match &sparse_ids {
            None => id as usize,
            Some(ids) => ids.binary_search(&id).unwrap_or_default(),
        };
        let n_keys = match (&sparse_ids, max_id) {
            (Some(ids), _) => ids.len(),
            (None, Some(max_id)) => max_id as usize + 1,
            (None, None) => 0,
        };
        let mut node_offsets = vec![0u32; n_keys + 1];
        for &id in &sorted.node_ids {
            node_offsets[key(id) + 1] += 1;
        }
        for i in 0..n_keys {
            node_offsets[i + 1] += node_offsets[i];
        }
        let mut fill = node_offsets.clone();
        let mut by_node = vec![0.0; sorted.len()];
        for (&id, &t) in sorted.node_ids.iter().zip(&sorted.timestamps) {
            let k = key(id);
            by_node[fill[k] as usize] = t;
            fill[k] += 1;
        }
        let indexed = sorted.timestamps.len();
        Self {
            population: sorted.population,
            times: sorted.timestamps,
            node_ids: sorted.node_ids,
            node_offsets,
            sparse_ids,
            by_node,
            indexed,
        }
    }

    /// An empty index that spikes are appended to as a live simulation makes them.
    pub fn empty(population: &str) -> Self {
        Self {
            population: population.to_string(),
            ..Self::default()
        }
    }

    /// Appends spikes no earlier than the last one held (a live stream, chunk by chunk).
    ///
    /// `spikes` is sorted by time here; a spike earlier than the last one held is an error
    /// (time windows would miss it). The per-node index is rebuilt when the unindexed tail
    /// outgrows half the index, so appending costs O(1) per spike amortised.
    pub fn append(&mut self, spikes: &mut [(f64, u64)]) -> Result<(), String> {
        spikes.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        if let (Some(&last), Some(first)) = (self.times.last(), spikes.first())
            && first.0 < last
        {
            return Err(format!(
                "spike at {} ms appended after one at {last} ms",
                first.0
            ));
        }
        self.times.extend(spikes.iter().map(|s| s.0));
        self.node_ids.extend(spikes.iter().map(|s| s.1));
        let tail = self.times.len() - self.indexed;
        if tail > 100_000.max(self.indexed / 2) {
            self.reindex();
        }
        Ok(())
    }

    /// Drops the spikes before `t` (a live run that has to bound its memory).
    pub fn drop_before(&mut self, t: f64) {
        let k = self.times.partition_point(|&x| x < t);
        if k == 0 {
            return;
        }
        self.times.drain(..k);
        self.node_ids.drain(..k);
        self.indexed = 0;
        self.reindex();
    }

    fn reindex(&mut self) {
        let spikes = PopulationSpikes {
            population: std::mem::take(&mut self.population),
            node_ids: std::mem::take(&mut self.node_ids),
            timestamps: std::mem::take(&mut self.times),
            sorting: Some(SortOrder::ByTime),
        };
        *self = Self::from_owned(spikes);
    }

    pub fn len(&self) -> usize {
        self.times.len()
    }

    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }

    /// Index range of the spikes with `t0 <= t < t1`.
    pub fn window(&self, t0: f64, t1: f64) -> std::ops::Range<usize> {
        let a = self.times.partition_point(|&t| t < t0);
        let b = self.times.partition_point(|&t| t < t1);
        a..b.max(a)
    }

    /// The spike times of one node that the per-node index holds, ascending (all of them,
    /// unless spikes were appended since the last re-index: see [`Self::node_spike_times`]).
    pub fn node_spikes(&self, node_id: u64) -> &[f64] {
        let key = match &self.sparse_ids {
            None => usize::try_from(node_id).ok(),
            Some(ids) => ids.binary_search(&node_id).ok(),
        };
        match key {
            Some(n) if n < self.node_offsets.len().saturating_sub(1) => {
                &self.by_node[self.node_offsets[n] as usize..self.node_offsets[n + 1] as usize]
            }
            _ => &[],
        }
    }

    /// Every spike time of one node, ascending, appended ones included.
    pub fn node_spike_times(&self, node_id: u64) -> Vec<f64> {
        let mut out = self.node_spikes(node_id).to_vec();
        out.extend(
            self.times[self.indexed..]
                .iter()
                .zip(&self.node_ids[self.indexed..])
                .filter(|(_, id)| **id == node_id)
                .map(|(t, _)| *t),
        );
        out
    }

    /// The last spike of `node_id` at or before `t` (for scrubbing).
    pub fn last_spike_before(&self, node_id: u64, t: f64) -> Option<f64> {
        let tail = self.times[self.indexed..]
            .iter()
            .zip(&self.node_ids[self.indexed..])
            .filter(|(x, id)| **id == node_id && **x <= t)
            .map(|(x, _)| *x)
            .next_back();
        if tail.is_some() {
            return tail;
        }
        let s = self.node_spikes(node_id);
        let i = s.partition_point(|&x| x <= t);
        (i > 0).then(|| s[i - 1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute_last(spikes: &[(f64, u64)], id: u64, t: f64) -> Option<f64> {
        spikes
            .iter()
            .filter(|s| s.1 == id && s.0 <= t)
            .map(|s| s.0)
            .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))))
    }

    #[test]
    fn appended_chunks_equal_one_index_of_everything() {
        // 300 chunks of pseudo-random spikes over 40 nodes, appended one after the other
        let mut all = Vec::new();
        let mut live = SpikeIndex::empty("v1");
        let mut x = 12345u64;
        for chunk in 0..300 {
            let mut spikes = Vec::new();
            for _ in 0..(chunk % 7) * 100 {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let t = chunk as f64 * 2.0 + (x >> 40) as f64 / (1u64 << 24) as f64 * 2.0;
                spikes.push((t, (x >> 20) % 40));
            }
            all.extend(spikes.iter().copied());
            live.append(&mut spikes).unwrap();
        }
        let whole = SpikeIndex::from_owned(PopulationSpikes {
            population: "v1".into(),
            node_ids: all.iter().map(|s| s.1).collect(),
            timestamps: all.iter().map(|s| s.0).collect(),
            sorting: None,
        });
        assert!(
            live.indexed < live.len(),
            "the test must cover an unindexed tail"
        );
        assert_eq!(live.times, whole.times);
        for id in 0..40 {
            assert_eq!(live.node_spike_times(id), whole.node_spikes(id));
            for t in [0.5, 100.0, 333.3, 599.9, 1e9] {
                assert_eq!(live.last_spike_before(id, t), brute_last(&all, id, t));
            }
        }
        assert_eq!(live.window(100.0, 200.0), whole.window(100.0, 200.0));
        live.drop_before(300.0);
        assert!(live.times.iter().all(|&t| t >= 300.0));
        assert_eq!(live.node_spike_times(3), {
            let mut v: Vec<f64> = whole
                .node_spikes(3)
                .iter()
                .copied()
                .filter(|&t| t >= 300.0)
                .collect();
            v.sort_by(f64::total_cmp);
            v
        });
    }

    #[test]
    fn sorting_reads_names_strings_and_the_enum_codes() {
        let p = Path::new("s.h5");
        let read = |s: &str| parse_sorting(p, Some(s.to_owned())).unwrap();
        assert_eq!(read("by_time"), Some(SortOrder::ByTime));
        assert_eq!(read("time"), Some(SortOrder::ByTime));
        assert_eq!(read("2"), Some(SortOrder::ByTime));
        assert_eq!(read("1"), Some(SortOrder::ById));
        assert_eq!(read("0"), Some(SortOrder::None));
        assert_eq!(parse_sorting(p, None).unwrap(), None);
        let err = parse_sorting(p, Some("3".into())).unwrap_err().to_string();
        assert!(err.contains("s.h5") && err.contains("'3'"), "{err}");
    }

    #[test]
    fn far_apart_node_ids_are_indexed_without_a_table_up_to_the_largest() {
        let ids = [3, u64::MAX, 1 << 40, 3, 0];
        let spikes = PopulationSpikes {
            population: "v1".into(),
            node_ids: ids.to_vec(),
            timestamps: vec![1.0, 2.0, 3.0, 4.0, 5.0],
            sorting: Some(SortOrder::ByTime),
        };
        let index = SpikeIndex::from_owned(spikes);
        assert!(index.node_offsets.len() <= ids.len() + 1);
        assert_eq!(index.node_spikes(3), &[1.0, 4.0]);
        assert_eq!(index.node_spikes(u64::MAX), &[2.0]);
        assert_eq!(index.node_spikes(1 << 40), &[3.0]);
        assert_eq!(index.node_spikes(0), &[5.0]);
        assert_eq!(index.node_spikes(7), &[] as &[f64]);
        assert_eq!(index.last_spike_before(3, 4.5), Some(4.0));
    }

    #[test]
    fn an_earlier_spike_is_refused() {
        let mut live = SpikeIndex::empty("v1");
        live.append(&mut [(5.0, 1)]).unwrap();
        let e = live.append(&mut [(4.0, 2)]).unwrap_err();
        assert!(e.contains("4 ms"), "{e}");
        assert_eq!(live.len(), 1);
    }
}
