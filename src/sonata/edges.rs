//! Edge populations: `/edges/<population>`, read lazily (an edges file can hold tens of
//! millions of edges): metadata on open, columns and index rows on demand.
//!
//! Indices `source_to_target` / `target_to_source` are read under every spelling
//! (`node_id_to_ranges` of the spec and libsonata, BMTK's `node_id_to_range`, the old misspelled
//! `indicies` group), or built in memory when the file has none.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::column::{Column, ColumnBuilder, Rows};
use super::error::{Result, SonataError};
use super::h5util::{self, RawValues};
use super::selection::Selection;
use super::types_csv::TypesTable;

/// Which end of an edge an index is keyed by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Keyed by source: a node's efferent (outgoing) edges.
    Efferent,
    /// Keyed by target: a node's afferent (incoming) edges.
    Afferent,
}

/// An index held in memory: edge ids ordered by their key node, and where each node's run is.
#[derive(Clone, Debug)]
struct MemoryIndex {
    edge_ids: Vec<u64>,
    runs: KeyRuns,
}

/// Where a node's run of `edge_ids` lies.
#[derive(Clone, Debug)]
enum KeyRuns {
    /// For node `n`, `offsets[n]..offsets[n+1]` (node ids dense enough for a table).
    Dense(Vec<u64>),
    /// The key of every entry of `edge_ids`, sorted (node ids too sparse for a table: one id of
    /// 10^12 must not allocate terabytes).
    Sorted(Vec<u64>),
}

impl MemoryIndex {
    fn build(keys: &[u64]) -> Self {
        let max = keys.iter().max().map_or(0, |m| m + 1);
        let dense_limit = (keys.len() as u64).saturating_mul(4).max(1 << 20);
        if max <= dense_limit {
            let max = max as usize;
            let mut offsets = vec![0u64; max + 1];
            for &k in keys {
                offsets[k as usize + 1] += 1;
            }
            for i in 0..max {
                offsets[i + 1] += offsets[i];
            }
            let mut fill = offsets.clone();
            let mut edge_ids = vec![0u64; keys.len()];
            for (e, &k) in keys.iter().enumerate() {
                edge_ids[fill[k as usize] as usize] = e as u64;
                fill[k as usize] += 1;
            }
            return Self {
                edge_ids,
                runs: KeyRuns::Dense(offsets),
            };
        }
        let mut edge_ids: Vec<u64> = (0..keys.len() as u64).collect();
        edge_ids.sort_by_key(|&e| keys[e as usize]);
        let sorted = edge_ids.iter().map(|&e| keys[e as usize]).collect();
        Self {
            edge_ids,
            runs: KeyRuns::Sorted(sorted),
        }
    }

    fn edges_of(&self, node_id: u64) -> &[u64] {
        let range = match &self.runs {
            KeyRuns::Dense(offsets) => {
                let n = node_id as usize;
                if n + 1 >= offsets.len() {
                    return &[];
                }
                offsets[n] as usize..offsets[n + 1] as usize
            }
            KeyRuns::Sorted(keys) => {
                keys.partition_point(|&k| k < node_id)..keys.partition_point(|&k| k <= node_id)
            }
        };
        &self.edge_ids[range]
    }
}

#[derive(Clone, Debug)]
pub struct EdgePopulation {
    pub name: String,
    pub file: PathBuf,
    pub types: Option<TypesTable>,
    /// Source and target node populations (`node_population` attributes; empty when absent).
    pub source: String,
    pub target: String,
    len: usize,
    /// h5 attribute names over all groups.
    h5_attribute_names: Vec<String>,
    /// The group holding `source_to_target` / `target_to_source`, if any.
    index_group: Option<String>,
    handle: hdf5::File,
    memory_index: [OnceLock<MemoryIndex>; 2],
    /// Odd but not fatal: members of the population that cannot be opened, ...
    pub warnings: Vec<String>,
}

pub fn population_names(path: &Path) -> Result<Vec<String>> {
    h5util::population_names(path, "edges")
}

/// Opens every population of an edges file (malformed ones skipped with a warning while
/// another one opens, as for nodes).
pub fn read_edges_file(
    path: &Path,
    types: Option<&TypesTable>,
) -> Result<(Vec<EdgePopulation>, Vec<String>)> {
    let names = population_names(path)?;
    super::tolerant::load_tolerant(
        names
            .iter()
            .map(|name| EdgePopulation::open(path, name, types)),
    )
}

const INDEX_GROUPS: [&str; 2] = ["indices", "indicies"];

/// The edges of one group: their rows in the population and their indices into the group.
type GroupRows = (Vec<usize>, Vec<usize>);

impl EdgePopulation {
    pub fn open(path: &Path, name: &str, types: Option<&TypesTable>) -> Result<Self> {
        let handle = h5util::open_file(path)?;
        let pop = h5util::population_group(&handle, path, "edges", name)?;
        let src = h5util::dataset(path, &pop, "source_node_id")?;
        let trg = h5util::dataset(path, &pop, "target_node_id")?;
        h5util::check_declared_size(path, &src)?;
        h5util::check_declared_size(path, &trg)?;
        let len = src.size();
        if trg.size() != len {
            return Err(SonataError::invalid(
                path,
                format!(
                    "edge population '{name}': {len} source_node_id but {} target_node_id",
                    trg.size()
                ),
            ));
        }
        for ds_name in ["edge_type_id", "edge_group_id", "edge_group_index"] {
            if let Some(ds) = h5util::optional_dataset(path, &pop, ds_name)?
                && ds.size() != len
            {
                return Err(SonataError::invalid(
                    path,
                    format!(
                        "'/edges/{name}/{ds_name}' has {} entries, expected {len}",
                        ds.size()
                    ),
                ));
            }
        }
        let source = h5util::attr_text(path, &src, "node_population")?.unwrap_or_default();
        let target = h5util::attr_text(path, &trg, "node_population")?.unwrap_or_default();
        let mut h5_attribute_names = Vec::new();
        let mut warnings: Vec<String> = h5util::unreadable_members_warning(path, &pop)
            .into_iter()
            .collect();
        for g in h5util::subgroup_names(&pop) {
            if INDEX_GROUPS.contains(&g.as_str()) {
                continue;
            }
            if let Ok(group) = pop.group(&g) {
                warnings.extend(h5util::unreadable_members_warning(path, &group));
                for a in h5util::dataset_names(&group) {
                    if !h5_attribute_names.contains(&a) {
                        h5_attribute_names.push(a);
                    }
                }
            }
        }
        h5_attribute_names.sort();
        let index_group = INDEX_GROUPS
            .iter()
            .find(|g| pop.group(&format!("{g}/source_to_target")).is_ok())
            .map(|g| g.to_string());
        Ok(Self {
            name: name.to_owned(),
            file: path.to_owned(),
            types: types.cloned(),
            source,
            target,
            len,
            h5_attribute_names,
            index_group,
            handle,
            memory_index: [OnceLock::new(), OnceLock::new()],
            warnings,
        })
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn group(&self) -> Result<hdf5::Group> {
        self.handle
            .group(&format!("edges/{}", self.name))
            .map_err(|e| h5util::h5err(&self.file, &format!("/edges/{}", self.name), e))
    }

    fn ids(&self, ds_name: &str) -> Result<Vec<u64>> {
        let ds = h5util::dataset(&self.file, &self.group()?, ds_name)?;
        h5util::read_u64s(&self.file, &ds)
    }

    pub fn source_node_ids(&self) -> Result<Vec<u64>> {
        self.ids("source_node_id")
    }

    pub fn target_node_ids(&self) -> Result<Vec<u64>> {
        self.ids("target_node_id")
    }

    pub fn edge_type_ids(&self) -> Result<Vec<i64>> {
        match h5util::optional_dataset(&self.file, &self.group()?, "edge_type_id")? {
            Some(ds) => match h5util::read_values(&self.file, &ds)? {
                RawValues::Int(v) => Ok(v),
                _ => Err(SonataError::invalid(
                    &self.file,
                    format!("'/edges/{}/edge_type_id' must hold integers", self.name),
                )),
            },
            None => Ok(Vec::new()),
        }
    }

    /// Whether an attribute is stored per edge in the h5 groups (else it comes from
    /// edge_types.csv, one value per type, and can be read per type).
    pub fn has_h5_attribute(&self, name: &str) -> bool {
        self.h5_attribute_names.iter().any(|a| a == name)
    }

    /// Streams an integer dataset of the population (`source_node_id`, `target_node_id`,
    /// `edge_type_id`, ...) in chunks of at most `chunk` values: `f(offset, values)`. Tens of
    /// millions of edges then never sit in memory at full 8-byte width.
    pub fn for_each_chunk(
        &self,
        dataset: &str,
        chunk: usize,
        mut f: impl FnMut(usize, &[i64]) -> Result<()>,
    ) -> Result<()> {
        let pop = self.group()?;
        let ds = h5util::dataset(&self.file, &pop, dataset)?;
        let object = ds.name();
        let n = ds.size();
        let chunk = chunk.max(1);
        let mut start = 0;
        while start < n {
            let end = (start + chunk).min(n);
            let values = ds
                .read_slice_1d::<i64, _>(ndarray::s![start..end])
                .map_err(|e| h5util::h5err(&self.file, &object, e))?;
            let slice = values.as_slice().ok_or_else(|| {
                SonataError::invalid(&self.file, format!("'{object}' did not read contiguously"))
            })?;
            f(start, slice)?;
            start = end;
        }
        Ok(())
    }

    /// Values `range` of an integer dataset of the population (`edge_type_id`, ...).
    pub fn dataset_i64_range(
        &self,
        dataset: &str,
        range: std::ops::Range<usize>,
    ) -> Result<Vec<i64>> {
        let pop = self.group()?;
        let ds = h5util::dataset(&self.file, &pop, dataset)?;
        let object = ds.name();
        let end = range.end.min(ds.size());
        let start = range.start.min(end);
        ds.read_slice_1d::<i64, _>(ndarray::s![start..end])
            .map(|a| a.to_vec())
            .map_err(|e| h5util::h5err(&self.file, &object, e))
    }

    /// Values of an integer dataset at the edges of `selection` (in edge order): contiguous
    /// runs are read as ranges, scattered edges as one point selection per million, so a
    /// query touching many small ranges costs a few HDF5 calls, not one per range.
    pub fn dataset_i64_at(&self, dataset: &str, selection: &Selection) -> Result<Vec<i64>> {
        let pop = self.group()?;
        let ds = h5util::dataset(&self.file, &pop, dataset)?;
        let object = ds.name();
        let err = |e: hdf5::Error| h5util::h5err(&self.file, &object, e);
        let ranges = selection.ranges();
        if ranges.len() <= 8 {
            let mut out = Vec::with_capacity(selection.len() as usize);
            for r in ranges {
                let v = ds
                    .read_slice_1d::<i64, _>(ndarray::s![r.start as usize..r.end as usize])
                    .map_err(err)?;
                out.extend(v.iter());
            }
            return Ok(out);
        }
        let ids: Vec<usize> = selection.ids().map(|i| i as usize).collect();
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(1 << 20) {
            let points = ndarray::Array2::from_shape_vec((chunk.len(), 1), chunk.to_vec())
                .map_err(|e| SonataError::invalid(&self.file, e.to_string()))?;
            let v = ds
                .read_slice_1d::<i64, _>(hdf5::Selection::Points(points))
                .map_err(err)?;
            out.extend(v.iter());
        }
        Ok(out)
    }

    /// Edges `range` of a per-edge h5 attribute as f64, read straight from its dataset, when
    /// the population has one group holding every edge in order (the usual layout). `None`
    /// when the layout is another: then read the merged `attribute`.
    pub fn h5_attribute_f64_range(
        &self,
        name: &str,
        range: std::ops::Range<usize>,
    ) -> Result<Option<Vec<f64>>> {
        if !self.has_h5_attribute(name) {
            return Ok(None);
        }
        let pop = self.group()?;
        let groups: Vec<String> = h5util::subgroup_names(&pop)
            .into_iter()
            .filter(|g| !INDEX_GROUPS.contains(&g.as_str()))
            .collect();
        let [group] = groups.as_slice() else {
            return Ok(None);
        };
        let end = range.end.min(self.len);
        let start = range.start.min(end);
        let ds = h5util::dataset(&self.file, &pop, &format!("{group}/{name}"))?;
        if let Some(ids) = h5util::optional_dataset(&self.file, &pop, "edge_group_id")? {
            let object = ids.name();
            let ids = ids
                .read_slice_1d::<i64, _>(ndarray::s![start..end])
                .map_err(|e| h5util::h5err(&self.file, &object, e))?;
            if let Some((i, bad)) = ids
                .iter()
                .enumerate()
                .find(|(_, g)| g.to_string() != *group)
            {
                return Err(SonataError::invalid(
                    &self.file,
                    format!(
                        "'{object}'[{}] = {bad}: no such group (the population has group {group} only)",
                        start + i
                    ),
                ));
            }
        }
        if let Some(index) = h5util::optional_dataset(&self.file, &pop, "edge_group_index")? {
            let object = index.name();
            let idx = index
                .read_slice_1d::<i64, _>(ndarray::s![start..end])
                .map_err(|e| h5util::h5err(&self.file, &object, e))?;
            // An index outside the group's rows is the index's fault, said here rather than
            // left to look like a missing attribute.
            if let Some((i, bad)) = idx
                .iter()
                .enumerate()
                .find(|(_, g)| **g < 0 || **g as usize >= ds.size())
            {
                return Err(SonataError::invalid(
                    &self.file,
                    format!(
                        "'{object}'[{}] = {bad} is not a row of group {group} ('{}' has {} rows)",
                        start + i,
                        ds.name(),
                        ds.size()
                    ),
                ));
            }
            if idx
                .iter()
                .enumerate()
                .any(|(i, &g)| g != (start + i) as i64)
            {
                return Ok(None);
            }
        }
        if ds.size() != self.len {
            return Ok(None);
        }
        let object = ds.name();
        ds.read_slice_1d::<f64, _>(ndarray::s![start..end])
            .map(|a| Some(a.to_vec()))
            .map_err(|e| h5util::h5err(&self.file, &object, e))
    }

    /// Source or target node ids as `u32` (every SONATA population so far fits), read in chunks.
    pub fn node_ids_u32(&self, direction: Direction) -> Result<Vec<u32>> {
        let name = match direction {
            Direction::Efferent => "source_node_id",
            Direction::Afferent => "target_node_id",
        };
        let mut out = Vec::with_capacity(self.len);
        self.for_each_chunk(name, 1 << 20, |offset, ids| {
            for (i, &id) in ids.iter().enumerate() {
                let id = u32::try_from(id).map_err(|_| {
                    SonataError::invalid(
                        &self.file,
                        format!(
                            "'/edges/{}/{name}'[{}] = {id} is not a node id that fits 32 bits",
                            self.name,
                            offset + i
                        ),
                    )
                })?;
                out.push(id);
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// Whether the file carries its own index (else one is built in memory on first use).
    pub fn has_index(&self) -> bool {
        self.index_group.is_some()
    }

    /// Attribute names: h5 group datasets and edge_types.csv columns.
    pub fn attribute_names(&self) -> Vec<String> {
        let mut names = self.h5_attribute_names.clone();
        if let Some(types) = &self.types {
            names.extend(types.columns.iter().cloned());
        }
        names.push("edge_type_id".to_owned());
        names.sort();
        names.dedup();
        names
    }

    /// The distinct edge types used, with their counts.
    pub fn edge_type_counts(&self) -> Result<BTreeMap<i64, usize>> {
        let mut counts = BTreeMap::new();
        for t in self.edge_type_ids()? {
            *counts.entry(t).or_default() += 1;
        }
        Ok(counts)
    }

    /// One merged attribute over all edges (h5 groups over edge_types.csv), or `None` when no
    /// group and no type has it.
    pub fn attribute(&self, name: &str) -> Result<Option<Column>> {
        let n = self.len;
        if name == "edge_type_id" {
            let ids = self.edge_type_ids()?;
            return Ok(Some(Column::from_raw(RawValues::Int(ids))));
        }
        let csv_col = self
            .types
            .as_ref()
            .and_then(|t| t.columns.iter().position(|c| c == name));
        let in_h5 = self.h5_attribute_names.iter().any(|a| a == name);
        if csv_col.is_none() && !in_h5 {
            return Ok(None);
        }
        let mut builder = ColumnBuilder::new(n);
        let pop = self.group()?;
        if let (Some(col), Some(types)) = (csv_col, &self.types) {
            let type_ids = self.edge_type_ids()?;
            let by_type = types.column(col);
            let mut rows = Vec::with_capacity(n);
            let mut type_rows = Vec::with_capacity(n);
            for (i, t) in type_ids.iter().enumerate() {
                if let Some(r) = types.row_of(*t) {
                    rows.push(i);
                    type_rows.push(r);
                }
            }
            builder.fill(Rows::List(rows.into()), by_type.take(&type_rows));
        }
        if in_h5 {
            for (g, (rows, indices)) in self.rows_of_groups(&pop)? {
                let Some(ds) = h5util::optional_dataset(&self.file, &pop, &format!("{g}/{name}"))?
                else {
                    continue;
                };
                let raw = h5util::read_values(&self.file, &ds)?;
                let needed = indices.iter().max().map_or(0, |m| m + 1);
                if raw.len() < needed {
                    return Err(SonataError::invalid(
                        &self.file,
                        format!(
                            "'/edges/{}/edge_group_index' points at row {} of group {g}, but '/edges/{}/{g}/{name}' has {} values",
                            self.name,
                            needed - 1,
                            self.name,
                            raw.len()
                        ),
                    ));
                }
                let mut column = Column::from_raw(raw);
                if let Some(library) =
                    h5util::optional_dataset(&self.file, &pop, &format!("{g}/@library/{name}"))?
                {
                    // Out-of-range codes stay integers (as for nodes); edges have no warning list.
                    let mut ignored = Vec::new();
                    column = super::nodes::apply_library(
                        &self.file,
                        &ds.name(),
                        column,
                        &library,
                        &mut ignored,
                    )?;
                }
                let identity =
                    indices.iter().enumerate().all(|(i, &x)| i == x) && column.len() == rows.len();
                builder.fill(
                    Rows::List(rows.into()),
                    if identity {
                        column
                    } else {
                        column.take(&indices)
                    },
                );
            }
        }
        Ok(Some(builder.finish()))
    }

    /// Edge rows and group indices of each group, checked: every group named by
    /// `edge_group_id` exists (else the edges in it would lose all their h5 attributes).
    fn rows_of_groups(&self, pop: &hdf5::Group) -> Result<BTreeMap<u64, GroupRows>> {
        let n = self.len;
        let groups = h5util::subgroup_names(pop);
        let group_ids: Vec<u64> = match h5util::optional_dataset(&self.file, pop, "edge_group_id")?
        {
            Some(ds) => h5util::read_u64s(&self.file, &ds)?,
            None => vec![0; n],
        };
        let group_index: Vec<u64> =
            match h5util::optional_dataset(&self.file, pop, "edge_group_index")? {
                Some(ds) => h5util::read_u64s(&self.file, &ds)?,
                None => (0..n as u64).collect(),
            };
        let mut by_group: BTreeMap<u64, GroupRows> = BTreeMap::new();
        for (i, (&g, &gi)) in group_ids.iter().zip(&group_index).enumerate() {
            let e = by_group.entry(g).or_default();
            e.0.push(i);
            e.1.push(gi as usize);
        }
        if let Some((g, (rows, _))) = by_group
            .iter()
            .find(|(g, _)| !groups.contains(&g.to_string()))
        {
            return Err(SonataError::invalid(
                &self.file,
                format!(
                    "'/edges/{}/edge_group_id': {} edges (first edge {}) are in group {g}, which does not exist (groups: {})",
                    self.name,
                    rows.len(),
                    rows[0],
                    groups.join(", ")
                ),
            ));
        }
        Ok(by_group)
    }

    fn index_datasets(
        &self,
        direction: Direction,
    ) -> Result<Option<(hdf5::Dataset, hdf5::Dataset)>> {
        let Some(index_group) = &self.index_group else {
            return Ok(None);
        };
        let sub = match direction {
            Direction::Efferent => "source_to_target",
            Direction::Afferent => "target_to_source",
        };
        let Ok(group) = self.group()?.group(&format!("{index_group}/{sub}")) else {
            return Ok(None);
        };
        let node_to_range = h5util::optional_dataset_of(
            &self.file,
            &group,
            &["node_id_to_ranges", "node_id_to_range"],
        )?;
        let range_to_edge = h5util::optional_dataset(&self.file, &group, "range_to_edge_id")?;
        for ds in node_to_range.iter().chain(&range_to_edge) {
            h5util::check_declared_size(&self.file, ds)?;
        }
        Ok(node_to_range.zip(range_to_edge))
    }

    fn memory_index(&self, direction: Direction) -> Result<&MemoryIndex> {
        let slot = &self.memory_index[direction as usize];
        if let Some(index) = slot.get() {
            return Ok(index);
        }
        let keys = match direction {
            Direction::Efferent => self.source_node_ids()?,
            Direction::Afferent => self.target_node_ids()?,
        };
        let index = MemoryIndex::build(&keys);
        Ok(slot.get_or_init(|| index))
    }

    /// The edges leaving (`Efferent`) or entering (`Afferent`) `node_id`, as edge-id ranges.
    pub fn edges_of(&self, node_id: u64, direction: Direction) -> Result<Selection> {
        if let Some((node_to_range, range_to_edge)) = self.index_datasets(direction)? {
            let rows = node_to_range.shape().first().copied().unwrap_or(0);
            if node_id as usize >= rows {
                return Ok(Selection::empty());
            }
            let object = node_to_range.name();
            let r = node_to_range
                .read_slice_2d::<i64, _>(ndarray::s![node_id as usize..node_id as usize + 1, ..])
                .map_err(|e| h5util::h5err(&self.file, &object, e))?;
            let (r0, r1) = (r[[0, 0]], r[[0, 1]]);
            if r0 < 0 || r1 <= r0 {
                return Ok(Selection::empty());
            }
            let object = range_to_edge.name();
            let ranges = range_to_edge
                .read_slice_2d::<u64, _>(ndarray::s![r0 as usize..r1 as usize, ..])
                .map_err(|e| h5util::h5err(&self.file, &object, e))?;
            return Ok(Selection::from_ranges(
                ranges.outer_iter().map(|row| row[0]..row[1]),
            ));
        }
        let ids = self.memory_index(direction)?.edges_of(node_id);
        Ok(Selection::from_ids(ids.iter().copied()))
    }

    pub fn efferent_edges(&self, node_id: u64) -> Result<Selection> {
        self.edges_of(node_id, Direction::Efferent)
    }

    pub fn afferent_edges(&self, node_id: u64) -> Result<Selection> {
        self.edges_of(node_id, Direction::Afferent)
    }
}
