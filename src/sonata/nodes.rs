//! Node populations: `/nodes/<population>` with its groups, merged with `node_types.csv`.
//!
//! Merge rule (SONATA, BMTK): a node inherits every column of its node-type row; an attribute
//! present in the node's h5 group overrides the CSV value. `@library/<attr>` turns integer codes
//! into strings. `dynamics_params/<param>` datasets are kept apart, per node.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::column::{Column, ColumnBuilder, Rows, Values, text_values};
use super::error::{Result, SonataError};
use super::h5util::{self, RawValues};
use super::types_csv::TypesTable;

/// Names that are structure, not attributes of a group.
const GROUP_SPECIAL: [&str; 2] = ["@library", "dynamics_params"];

#[derive(Clone, Debug)]
pub struct NodePopulation {
    pub name: String,
    pub file: PathBuf,
    pub types_file: Option<PathBuf>,
    pub node_ids: Vec<u64>,
    pub node_type_ids: Vec<i64>,
    pub node_group_ids: Vec<i64>,
    pub node_group_index: Vec<i64>,
    /// Merged attributes (CSV + h5), by name; `node_type_id` included.
    pub attributes: BTreeMap<String, Column>,
    /// Per-node `dynamics_params/<param>` datasets of the h5 groups.
    pub dynamics_params: BTreeMap<String, Column>,
    /// Attributes that came from the h5 groups (the rest came from the CSV).
    pub h5_attributes: Vec<String>,
    pub types: Option<TypesTable>,
    /// Things that were odd but did not stop the load (e.g. an out-of-range enumeration).
    pub warnings: Vec<String>,
}

/// Populations in a nodes file, in file order (sorted by name).
pub fn population_names(path: &Path) -> Result<Vec<String>> {
    h5util::population_names(path, "nodes")
}

/// Reads every population of a nodes file. A malformed population is skipped with a warning
/// as long as another one loads (the libsonata test file has such); if none loads, the first
/// error is returned.
pub fn read_nodes_file(
    path: &Path,
    types: Option<&TypesTable>,
) -> Result<(Vec<NodePopulation>, Vec<String>)> {
    let names = population_names(path)?;
    super::tolerant::load_tolerant(
        names
            .iter()
            .map(|name| NodePopulation::read(path, name, types)),
    )
}

/// The per-node datasets at the top of a population: which type and group each node is in.
struct NodeIndex {
    node_ids: Vec<u64>,
    node_type_ids: Vec<i64>,
    node_group_ids: Vec<i64>,
    node_group_index: Vec<i64>,
}

/// An integer dataset of the population, `None` when absent. With `expected` its declared
/// length is checked before it is read.
fn int_dataset(
    path: &Path,
    pop: &hdf5::Group,
    name: &str,
    ds_name: &str,
    expected: Option<usize>,
) -> Result<Option<Vec<i64>>> {
    let Some(ds) = h5util::optional_dataset(path, pop, ds_name)? else {
        return Ok(None);
    };
    if let Some(n) = expected
        && ds.size() != n
    {
        return Err(SonataError::invalid(
            path,
            format!(
                "'/nodes/{name}/{ds_name}' has {} entries but node_type_id has {n}",
                ds.size()
            ),
        ));
    }
    match h5util::read_values(path, &ds)? {
        RawValues::Int(v) => Ok(Some(v)),
        _ => Err(SonataError::invalid(
            path,
            format!("'/nodes/{name}/{ds_name}' must hold integers"),
        )),
    }
}

fn no_negatives(path: &Path, name: &str, ds_name: &str, what: &str, v: &[i64]) -> Result<()> {
    match v.iter().find(|&&x| x < 0) {
        Some(bad) => Err(SonataError::invalid(
            path,
            format!("'/nodes/{name}/{ds_name}' holds the negative {what} {bad}"),
        )),
        None => Ok(()),
    }
}

impl NodeIndex {
    fn read(path: &Path, pop: &hdf5::Group, name: &str) -> Result<Self> {
        let node_type_ids =
            int_dataset(path, pop, name, "node_type_id", None)?.ok_or_else(|| {
                SonataError::invalid(
                    path,
                    format!("population '{name}' has no 'node_type_id' dataset"),
                )
            })?;
        let n = node_type_ids.len();
        let node_ids: Vec<u64> = match int_dataset(path, pop, name, "node_id", Some(n))? {
            Some(v) => {
                no_negatives(path, name, "node_id", "id", &v)?;
                v.into_iter().map(|x| x as u64).collect()
            }
            None => (0..n as u64).collect(),
        };
        let node_group_ids =
            int_dataset(path, pop, name, "node_group_id", Some(n))?.unwrap_or_else(|| vec![0; n]);
        let node_group_index = match int_dataset(path, pop, name, "node_group_index", Some(n))? {
            Some(v) => {
                no_negatives(path, name, "node_group_index", "index", &v)?;
                v
            }
            None => (0..n as i64).collect(),
        };
        Ok(Self {
            node_ids,
            node_type_ids,
            node_group_ids,
            node_group_index,
        })
    }

    fn len(&self) -> usize {
        self.node_type_ids.len()
    }

    /// Population rows and group indices of each group (an empty pair for the usual single
    /// group holding every node in order: no row lists to build).
    fn rows_of_group(&self) -> BTreeMap<i64, (Vec<usize>, Vec<usize>)> {
        let mut rows_of_group: BTreeMap<i64, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
        let ids = &self.node_group_ids;
        let single_identity_group = ids.iter().all(|&g| g == ids[0])
            && self
                .node_group_index
                .iter()
                .enumerate()
                .all(|(i, &gi)| gi == i as i64);
        if single_identity_group && !ids.is_empty() {
            rows_of_group.insert(ids[0], (Vec::new(), Vec::new()));
        } else {
            for (row, (&g, &gi)) in ids.iter().zip(&self.node_group_index).enumerate() {
                let entry = rows_of_group.entry(g).or_default();
                entry.0.push(row);
                entry.1.push(gi as usize);
            }
        }
        rows_of_group
    }
}

/// Fills `builders` with the columns of the types CSV, one value per node by its type.
fn merge_types_csv(
    path: &Path,
    name: &str,
    node_type_ids: &[i64],
    types: &TypesTable,
    builders: &mut BTreeMap<String, ColumnBuilder>,
) -> Result<()> {
    let n = node_type_ids.len();
    let mut type_rows: Vec<usize> = Vec::with_capacity(n);
    let mut missing: BTreeMap<i64, usize> = BTreeMap::new();
    // Type ids span a small range: a dense table beats hashing every node.
    let (lo, hi) = node_type_ids
        .iter()
        .fold((i64::MAX, i64::MIN), |(lo, hi), &t| (lo.min(t), hi.max(t)));
    let dense: Option<Vec<Option<usize>>> = (n > 0 && hi.saturating_sub(lo) < 1 << 20)
        .then(|| (lo..=hi).map(|t| types.row_of(t)).collect());
    let mut cache: HashMap<i64, Option<usize>> = HashMap::new();
    for &t in node_type_ids {
        let row = match &dense {
            Some(table) => table[(t - lo) as usize],
            None => *cache.entry(t).or_insert_with(|| types.row_of(t)),
        };
        match row {
            Some(r) => type_rows.push(r),
            None => *missing.entry(t).or_default() += 1,
        }
    }
    if let Some((t, count)) = missing.iter().next() {
        return Err(SonataError::invalid(
            &types.path,
            format!(
                "node_type_id {t} (used by {count} nodes of population '{name}' in {}) has no row in this file",
                path.display()
            ),
        ));
    }
    for (col, col_name) in types.columns.iter().enumerate() {
        let by_type = types.column(col);
        builders
            .entry(col_name.clone())
            .or_insert_with(|| ColumnBuilder::new(n))
            .fill(Rows::All, by_type.take(&type_rows));
    }
    Ok(())
}

/// What the h5 groups of a population hold, merged over the groups.
struct GroupColumns {
    /// Attribute names found in the groups, sorted.
    h5_attributes: Vec<String>,
    dynamics_params: BTreeMap<String, Column>,
}

/// Reads every h5 group of the population into `builders` (overriding the CSV values).
fn read_groups(
    path: &Path,
    pop: &hdf5::Group,
    name: &str,
    index: &NodeIndex,
    builders: &mut BTreeMap<String, ColumnBuilder>,
    warnings: &mut Vec<String>,
) -> Result<GroupColumns> {
    let n = index.len();
    let group_names = h5util::subgroup_names(pop);
    let mut h5_attributes: Vec<String> = Vec::new();
    let mut dyn_builders: BTreeMap<String, ColumnBuilder> = BTreeMap::new();
    for (g, (rows, indices)) in index.rows_of_group() {
        let members = if rows.is_empty() {
            Members {
                rows: Rows::All,
                indices: None,
                count: n,
            }
        } else {
            Members {
                count: rows.len(),
                rows: Rows::List(std::sync::Arc::new(rows)),
                indices: Some(indices),
            }
        };
        let group_name = g.to_string();
        if !group_names.contains(&group_name) {
            return Err(SonataError::invalid(
                path,
                format!(
                    "population '{name}': {} nodes are in group {g}, which does not exist",
                    members.count
                ),
            ));
        }
        let group = pop
            .group(&group_name)
            .map_err(|e| h5util::h5err(path, &format!("/nodes/{name}/{g}"), e))?;
        warnings.extend(h5util::unreadable_members_warning(path, &group));
        let library = group.group("@library").ok();
        let read = read_group_columns(path, &group, &members, library.as_ref(), warnings)?;
        for (attr, column) in read {
            if !h5_attributes.contains(&attr) {
                h5_attributes.push(attr.clone());
            }
            builders
                .entry(attr)
                .or_insert_with(|| ColumnBuilder::new(n))
                .fill(members.rows.clone(), column);
        }
        if let Ok(dp) = group.group("dynamics_params") {
            warnings.extend(h5util::unreadable_members_warning(path, &dp));
            for (attr, column) in read_group_columns(path, &dp, &members, None, warnings)? {
                dyn_builders
                    .entry(attr)
                    .or_insert_with(|| ColumnBuilder::new(n))
                    .fill(members.rows.clone(), column);
            }
        }
    }
    h5_attributes.sort();
    Ok(GroupColumns {
        h5_attributes,
        dynamics_params: dyn_builders
            .into_iter()
            .map(|(k, b)| (k, b.finish()))
            .collect(),
    })
}

/// Soma coordinates beyond this (µm, a kilometre) are no brain's: treated as invalid.
pub const MAX_ABS_POSITION_UM: f64 = 1e9;

/// Whether a soma coordinate can be drawn and measured.
pub fn is_valid_coordinate(v: f64) -> bool {
    v.is_finite() && v.abs() <= MAX_ABS_POSITION_UM
}

/// Warnings for nodes whose x/y/z are non-finite or absurd (they are left out of what
/// `positions` gives: not drawn, not in extents).
fn position_warnings(pop: &NodePopulation) -> Vec<String> {
    let (Some(x), Some(y), Some(z)) = (pop.attribute("x"), pop.attribute("y"), pop.attribute("z"))
    else {
        return Vec::new();
    };
    let mut non_finite = Vec::new();
    let mut absurd = Vec::new();
    for row in 0..pop.len() {
        let xyz = [x, y, z].map(|c| c.f64(row).unwrap_or(f64::NAN));
        if xyz.iter().any(|v| !v.is_finite()) {
            non_finite.push(pop.node_ids[row]);
        } else if xyz.iter().any(|v| !is_valid_coordinate(*v)) {
            absurd.push(pop.node_ids[row]);
        }
    }
    let mut warnings = Vec::new();
    if !non_finite.is_empty() {
        warnings.push(format!(
            "{} nodes of population '{}' have non-finite or missing x/y/z (first ids {}): not drawn, left out of extents",
            non_finite.len(),
            pop.name,
            super::tolerant::first_ids(&non_finite)
        ));
    }
    if !absurd.is_empty() {
        warnings.push(format!(
            "{} nodes of population '{}' have x/y/z beyond {MAX_ABS_POSITION_UM:e} um (first ids {}): not drawn, left out of extents",
            absurd.len(),
            pop.name,
            super::tolerant::first_ids(&absurd)
        ));
    }
    warnings
}

impl NodePopulation {
    pub fn read(path: &Path, name: &str, types: Option<&TypesTable>) -> Result<Self> {
        let file = h5util::open_file(path)?;
        let pop = h5util::population_group(&file, path, "nodes", name)?;
        let index = NodeIndex::read(path, &pop, name)?;
        let mut warnings: Vec<String> = h5util::unreadable_members_warning(path, &pop)
            .into_iter()
            .collect();
        let mut builders: BTreeMap<String, ColumnBuilder> = BTreeMap::new();
        // CSV first: h5 values override it.
        if let Some(types) = types {
            merge_types_csv(path, name, &index.node_type_ids, types, &mut builders)?;
        }
        let groups = read_groups(path, &pop, name, &index, &mut builders, &mut warnings)?;
        let mut attributes: BTreeMap<String, Column> = builders
            .into_par_iter()
            .map(|(k, b)| (k, b.finish()))
            .collect();
        attributes.insert(
            "node_type_id".to_owned(),
            Column {
                values: Values::Int(index.node_type_ids.clone()),
                present: None,
            },
        );
        let mut population = Self {
            name: name.to_owned(),
            file: path.to_owned(),
            types_file: types.map(|t| t.path.clone()),
            node_ids: index.node_ids,
            node_type_ids: index.node_type_ids,
            node_group_ids: index.node_group_ids,
            node_group_index: index.node_group_index,
            attributes,
            dynamics_params: groups.dynamics_params,
            h5_attributes: groups.h5_attributes,
            types: types.cloned(),
            warnings,
        };
        let position_warnings = position_warnings(&population);
        population.warnings.extend(position_warnings);
        Ok(population)
    }

    pub fn len(&self) -> usize {
        self.node_type_ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn attribute(&self, name: &str) -> Option<&Column> {
        self.attributes.get(name)
    }

    pub fn attribute_names(&self) -> impl Iterator<Item = &str> {
        self.attributes.keys().map(String::as_str)
    }

    /// `model_type` of a node (`biophysical`, `point_process`, `virtual`, ...).
    pub fn model_type(&self, row: usize) -> Option<&str> {
        self.attribute("model_type").and_then(|c| c.str(row))
    }

    /// Soma positions, when the population has x, y and z. A node whose coordinates are
    /// missing, non-finite or absurd (beyond `MAX_ABS_POSITION_UM`) gets NaN in all three (the
    /// population's warnings name them).
    pub fn positions(&self) -> Option<Vec<[f64; 3]>> {
        let x = self.attribute("x")?;
        let y = self.attribute("y")?;
        let z = self.attribute("z")?;
        Some(
            (0..self.len())
                .map(|i| {
                    let xyz = [x, y, z].map(|c| c.f64(i).unwrap_or(f64::NAN));
                    if xyz.iter().all(|v| is_valid_coordinate(*v)) {
                        xyz
                    } else {
                        [f64::NAN; 3]
                    }
                })
                .collect(),
        )
    }

    /// Rotation of a node as Euler angles about x, y, z (radians; missing ones are 0), or
    /// `None` when the population has neither angles nor an orientation quaternion.
    pub fn rotation_angles(&self, row: usize) -> Option<[f64; 3]> {
        let names = [
            "rotation_angle_xaxis",
            "rotation_angle_yaxis",
            "rotation_angle_zaxis",
        ];
        if !names.iter().any(|n| self.attributes.contains_key(*n)) {
            return None;
        }
        Some(names.map(|n| self.attribute(n).and_then(|c| c.f64(row)).unwrap_or(0.0)))
    }

    /// Orientation quaternion (w, x, y, z) when the population stores one.
    pub fn orientation(&self, row: usize) -> Option<[f64; 4]> {
        let get = |n: &str| self.attribute(n).and_then(|c| c.f64(row));
        Some([
            get("orientation_w")?,
            get("orientation_x")?,
            get("orientation_y")?,
            get("orientation_z")?,
        ])
    }

    /// The row of a node id (node ids are usually the row itself).
    pub fn row_of(&self, node_id: u64) -> Option<usize> {
        let guess = node_id as usize;
        if self.node_ids.get(guess) == Some(&node_id) {
            return Some(guess);
        }
        self.node_ids.iter().position(|&id| id == node_id)
    }

    /// The `dynamics_params` of one node: the JSON file its type names (looked up in
    /// `models_dir`), overridden by the node's h5 `dynamics_params/*` values.
    pub fn dynamics_params(
        &self,
        row: usize,
        models_dir: Option<&Path>,
    ) -> Result<serde_json::Map<String, serde_json::Value>> {
        let mut params = serde_json::Map::new();
        if let Some(file) = self.attribute("dynamics_params").and_then(|c| c.str(row)) {
            let path = match models_dir {
                Some(dir) => dir.join(file),
                None => PathBuf::from(file),
            };
            let text = super::text_file::read_json_text(&path)?;
            let json: serde_json::Value =
                serde_json::from_str(&text).map_err(|source| SonataError::Json {
                    path: path.clone(),
                    source,
                })?;
            if let serde_json::Value::Object(m) = json {
                params = m;
            }
        }
        for (key, column) in &self.dynamics_params {
            let v = column.get(row);
            if v != super::column::Value::Missing {
                params.insert(key.clone(), v.to_json());
            }
        }
        Ok(params)
    }
}

/// Reads every attribute dataset of a group, for the population rows `rows` whose group
/// index is `indices`.
/// The members of one h5 group: which population rows they fill, and their indices into the
/// group's datasets (`None`: `0..count`, the usual single group in order).
struct Members {
    rows: Rows,
    indices: Option<Vec<usize>>,
    count: usize,
}

impl Members {
    /// The group values `column` (of `raw_len` values) placed in member order.
    fn place(&self, column: Column, raw_len: usize) -> Column {
        match &self.indices {
            None if raw_len == self.count => column,
            None => column.take(&(0..self.count).collect::<Vec<_>>()),
            Some(indices) => {
                let identity =
                    raw_len == self.count && indices.iter().enumerate().all(|(i, &g)| i == g);
                if identity {
                    column
                } else {
                    column.take(indices)
                }
            }
        }
    }

    fn needed(&self) -> usize {
        match &self.indices {
            None => self.count,
            Some(indices) => indices.iter().max().map_or(0, |m| m + 1),
        }
    }
}

fn read_group_columns(
    path: &Path,
    group: &hdf5::Group,
    members: &Members,
    library: Option<&hdf5::Group>,
    warnings: &mut Vec<String>,
) -> Result<Vec<(String, Column)>> {
    let needed = members.needed();
    let mut out = Vec::new();
    for ds_name in h5util::dataset_names(group) {
        if GROUP_SPECIAL.contains(&ds_name.as_str()) {
            continue;
        }
        let ds = h5util::dataset(path, group, &ds_name)?;
        let object = format!("{}/{ds_name}", group.name());
        if ds.ndim() == 2 {
            h5util::check_declared_size(path, &ds)?;
            // M x k: k columns `<name>.0`, `<name>.1`, ... (as BMTK names them).
            match ds.read_2d::<f64>() {
                Ok(block) if block.nrows() >= needed => {
                    for (k, col) in block.columns().into_iter().enumerate() {
                        let column = members
                            .place(Column::from_raw(RawValues::Float(col.to_vec())), col.len());
                        out.push((format!("{ds_name}.{k}"), column));
                    }
                }
                Ok(_) => warnings.push(format!(
                    "{object} skipped: fewer rows than the group has members"
                )),
                Err(e) => warnings.push(format!(
                    "{object} skipped: {}",
                    h5util::h5err(path, &object, e)
                )),
            }
            continue;
        }
        let raw = match h5util::read_values(path, &ds) {
            Ok(raw) => raw,
            Err(err) => {
                warnings.push(format!("{object} skipped: {err}"));
                continue;
            }
        };
        let raw_len = raw.len();
        let mut column = Column::from_raw(raw);
        let lib = match library {
            Some(l) => h5util::optional_dataset(path, l, &ds_name)?,
            None => None,
        };
        if let Some(lib) = lib {
            column = apply_library(path, &object, column, &lib, warnings)?;
        }
        let column = if ds.is_scalar() && raw_len == 1 {
            // A scalar dataset: one value for every member of the group.
            column.take(&vec![0; members.count])
        } else if raw_len < needed {
            warnings.push(format!(
                "{object} skipped: {raw_len} values but the group has {needed} members"
            ));
            continue;
        } else {
            members.place(column, raw_len)
        };
        out.push((ds_name, column));
    }
    Ok(out)
}

pub(crate) fn apply_library(
    path: &Path,
    object: &str,
    column: Column,
    library: &hdf5::Dataset,
    warnings: &mut Vec<String>,
) -> Result<Column> {
    let Values::Int(codes) = &column.values else {
        warnings.push(format!(
            "{object}: has an @library entry but is not an integer column"
        ));
        return Ok(column);
    };
    let RawValues::Text(names) = h5util::read_values(path, library)? else {
        warnings.push(format!(
            "{object}: its @library entry does not hold strings"
        ));
        return Ok(column);
    };
    if let Some(bad) = codes.iter().find(|&&c| c < 0 || c as usize >= names.len()) {
        warnings.push(format!(
            "{object}: invalid enumeration value {bad} (the @library has {} entries); kept as integers",
            names.len()
        ));
        return Ok(column);
    }
    let values = text_values(codes.iter().map(|&c| names[c as usize].as_str()));
    Ok(Column {
        values,
        present: column.present,
    })
}
