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
    super::circuit::load_tolerant(
        names
            .iter()
            .map(|name| NodePopulation::read(path, name, types)),
    )
}

impl NodePopulation {
    pub fn read(path: &Path, name: &str, types: Option<&TypesTable>) -> Result<Self> {
        let file = h5util::open_file(path)?;
        let pop = file
            .group(&format!("nodes/{name}"))
            .map_err(|_| SonataError::NoPopulation {
                path: path.to_owned(),
                name: name.to_owned(),
                available: population_names(path)
                    .map(|n| n.join(", "))
                    .unwrap_or_default(),
            })?;
        let int_dataset = |ds_name: &str| -> Result<Option<Vec<i64>>> {
            match pop.dataset(ds_name) {
                Err(_) => Ok(None),
                Ok(ds) => match h5util::read_values(path, &ds)? {
                    RawValues::Int(v) => Ok(Some(v)),
                    _ => Err(SonataError::invalid(
                        path,
                        format!("'/nodes/{name}/{ds_name}' must hold integers"),
                    )),
                },
            }
        };
        let node_type_ids = int_dataset("node_type_id")?.ok_or_else(|| {
            SonataError::invalid(
                path,
                format!("population '{name}' has no 'node_type_id' dataset"),
            )
        })?;
        let n = node_type_ids.len();
        let check_len = |ds_name: &str, v: &[i64]| -> Result<()> {
            if v.len() != n {
                return Err(SonataError::invalid(
                    path,
                    format!(
                        "'/nodes/{name}/{ds_name}' has {} entries but node_type_id has {n}",
                        v.len()
                    ),
                ));
            }
            Ok(())
        };
        let node_ids: Vec<u64> = match int_dataset("node_id")? {
            Some(v) => {
                check_len("node_id", &v)?;
                if let Some(bad) = v.iter().find(|&&x| x < 0) {
                    return Err(SonataError::invalid(
                        path,
                        format!("'/nodes/{name}/node_id' holds the negative id {bad}"),
                    ));
                }
                v.into_iter().map(|x| x as u64).collect()
            }
            None => (0..n as u64).collect(),
        };
        let group_names = h5util::subgroup_names(&pop);
        let node_group_ids = match int_dataset("node_group_id")? {
            Some(v) => {
                check_len("node_group_id", &v)?;
                v
            }
            None => vec![0; n],
        };
        let node_group_index = match int_dataset("node_group_index")? {
            Some(v) => {
                check_len("node_group_index", &v)?;
                if let Some(bad) = v.iter().find(|&&x| x < 0) {
                    return Err(SonataError::invalid(
                        path,
                        format!("'/nodes/{name}/node_group_index' holds the negative index {bad}"),
                    ));
                }
                v
            }
            None => (0..n as i64).collect(),
        };

        let mut warnings = Vec::new();
        let mut builders: BTreeMap<String, ColumnBuilder> = BTreeMap::new();

        // CSV first: h5 values override it.
        if let Some(types) = types {
            let mut type_rows: Vec<usize> = Vec::with_capacity(n);
            let mut missing: BTreeMap<i64, usize> = BTreeMap::new();
            // Type ids span a small range: a dense table beats hashing every node.
            let (lo, hi) = node_type_ids
                .iter()
                .fold((i64::MAX, i64::MIN), |(lo, hi), &t| (lo.min(t), hi.max(t)));
            let dense: Option<Vec<Option<usize>>> = (n > 0 && hi.saturating_sub(lo) < 1 << 20)
                .then(|| (lo..=hi).map(|t| types.row_of(t)).collect());
            let mut cache: HashMap<i64, Option<usize>> = HashMap::new();
            for &t in &node_type_ids {
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
        }

        // h5 groups.
        let mut h5_attributes: Vec<String> = Vec::new();
        let mut dyn_builders: BTreeMap<String, ColumnBuilder> = BTreeMap::new();
        let mut rows_of_group: BTreeMap<i64, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
        let single_identity_group = node_group_ids.iter().all(|&g| g == node_group_ids[0])
            && node_group_index
                .iter()
                .enumerate()
                .all(|(i, &gi)| gi == i as i64);
        if single_identity_group && n > 0 {
            // The usual file: one group, in order. No row lists to build.
            rows_of_group.insert(node_group_ids[0], (Vec::new(), Vec::new()));
        } else {
            for (row, (&g, &gi)) in node_group_ids.iter().zip(&node_group_index).enumerate() {
                let entry = rows_of_group.entry(g).or_default();
                entry.0.push(row);
                entry.1.push(gi as usize);
            }
        }
        for (g, (rows, indices)) in rows_of_group {
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
            let library = group.group("@library").ok();
            let read = read_group_columns(path, &group, &members, library.as_ref(), &mut warnings)?;
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
                for (attr, column) in read_group_columns(path, &dp, &members, None, &mut warnings)?
                {
                    dyn_builders
                        .entry(attr)
                        .or_insert_with(|| ColumnBuilder::new(n))
                        .fill(members.rows.clone(), column);
                }
            }
        }

        let mut attributes: BTreeMap<String, Column> = builders
            .into_par_iter()
            .map(|(k, b)| (k, b.finish()))
            .collect();
        attributes.insert(
            "node_type_id".to_owned(),
            Column {
                values: Values::Int(node_type_ids.clone()),
                present: None,
            },
        );
        let dynamics_params = dyn_builders
            .into_iter()
            .map(|(k, b)| (k, b.finish()))
            .collect();
        h5_attributes.sort();
        Ok(Self {
            name: name.to_owned(),
            file: path.to_owned(),
            types_file: types.map(|t| t.path.clone()),
            node_ids,
            node_type_ids,
            node_group_ids,
            node_group_index,
            attributes,
            dynamics_params,
            h5_attributes,
            types: types.cloned(),
            warnings,
        })
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

    /// Soma positions, when the population has x, y and z.
    pub fn positions(&self) -> Option<Vec<[f64; 3]>> {
        let x = self.attribute("x")?;
        let y = self.attribute("y")?;
        let z = self.attribute("z")?;
        Some(
            (0..self.len())
                .map(|i| {
                    [
                        x.f64(i).unwrap_or(f64::NAN),
                        y.f64(i).unwrap_or(f64::NAN),
                        z.f64(i).unwrap_or(f64::NAN),
                    ]
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
            let text = std::fs::read_to_string(&path).map_err(|e| SonataError::io(&path, e))?;
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
        if let Some(lib) = library.and_then(|l| l.dataset(&ds_name).ok()) {
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
