//! `node_sets.json`: basic sets (attribute -> value or list, AND across keys, OR within a list;
//! special keys `population` and `node_id`) and compound sets (a list of set names, their union).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::column::Value as CellValue;
use super::error::{Result, SonataError};
use super::nodes::NodePopulation;
use super::selection::Selection;

#[derive(Clone, Debug, Default)]
pub struct NodeSets {
    pub path: PathBuf,
    pub sets: BTreeMap<String, Value>,
}

/// Does a cell equal a JSON scalar (numbers compare as numbers, strings as strings)?
pub fn cell_matches(cell: CellValue<'_>, want: &Value) -> bool {
    match (cell, want) {
        (CellValue::Missing, _) => false,
        (CellValue::Text(s), Value::String(w)) => s == w,
        (CellValue::Text(s), Value::Number(n)) => s.parse::<f64>().ok() == n.as_f64(),
        (CellValue::Text(s), Value::Bool(b)) => {
            s.eq_ignore_ascii_case(if *b { "true" } else { "false" })
        }
        (c, Value::Number(n)) => c.as_f64() == n.as_f64(),
        (c, Value::String(w)) => w.parse::<f64>().ok().is_some_and(|w| c.as_f64() == Some(w)),
        (c, Value::Bool(b)) => c.as_f64() == Some(if *b { 1.0 } else { 0.0 }),
        _ => false,
    }
}

fn as_list(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    }
}

impl NodeSets {
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| SonataError::io(path, e))?;
        let json: Value = serde_json::from_str(&text).map_err(|source| SonataError::Json {
            path: path.to_owned(),
            source,
        })?;
        let Value::Object(map) = json else {
            return Err(SonataError::invalid(
                path,
                "node sets must be a JSON object of named sets",
            ));
        };
        let sets: BTreeMap<String, Value> = map.into_iter().collect();
        for (name, def) in &sets {
            match def {
                Value::Object(_) => {}
                Value::Array(items) => {
                    if let Some(bad) = items.iter().find(|i| !i.is_string()) {
                        return Err(SonataError::invalid(
                            path,
                            format!("compound node set '{name}' lists {bad}, not a set name"),
                        ));
                    }
                }
                other => {
                    return Err(SonataError::invalid(
                        path,
                        format!(
                            "node set '{name}' must be an object or a list of names, not {other}"
                        ),
                    ));
                }
            }
        }
        Ok(Self {
            path: path.to_owned(),
            sets,
        })
    }

    pub fn contains(&self, name: &str) -> bool {
        self.sets.contains_key(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.sets.keys().map(String::as_str)
    }

    /// Rows of `pop` in the named set.
    pub fn evaluate(&self, name: &str, pop: &NodePopulation) -> Result<Selection> {
        self.evaluate_depth(name, pop, 0, &mut HashMap::new())
    }

    /// `done` holds the sets already evaluated: a set named many times over (compound sets
    /// that each list the next one twice) is evaluated once, not exponentially often.
    fn evaluate_depth(
        &self,
        name: &str,
        pop: &NodePopulation,
        depth: usize,
        done: &mut HashMap<String, Selection>,
    ) -> Result<Selection> {
        if let Some(selection) = done.get(name) {
            return Ok(selection.clone());
        }
        if depth > 64 {
            return Err(SonataError::invalid(
                &self.path,
                format!("node set '{name}' refers to itself"),
            ));
        }
        let def = self.sets.get(name).ok_or_else(|| {
            SonataError::invalid(&self.path, format!("no node set named '{name}'"))
        })?;
        let selection = match def {
            Value::Array(names) => {
                let mut out = Selection::empty();
                for n in names.iter().filter_map(Value::as_str) {
                    out = out.union(&self.evaluate_depth(n, pop, depth + 1, done)?);
                }
                out
            }
            Value::Object(map) => evaluate_basic(map, pop),
            _ => Selection::empty(),
        };
        done.insert(name.to_owned(), selection.clone());
        Ok(selection)
    }
}

/// A basic node set (an inline one too, as BMTK accepts in `inputs.*.node_set`).
pub fn evaluate_basic(map: &serde_json::Map<String, Value>, pop: &NodePopulation) -> Selection {
    let n = pop.len();
    let mut mask = vec![true; n];
    for (key, want) in map {
        let wants = as_list(want);
        match key.as_str() {
            "population" => {
                if !wants.iter().any(|w| w.as_str() == Some(pop.name.as_str())) {
                    return Selection::empty();
                }
            }
            "node_id" => {
                for (row, m) in mask.iter_mut().enumerate() {
                    let id = pop.node_ids[row];
                    *m &= wants.iter().any(|w| w.as_u64() == Some(id));
                }
            }
            attr => match pop.attribute(attr) {
                None => return Selection::empty(),
                Some(col) => {
                    for (row, m) in mask.iter_mut().enumerate() {
                        if *m {
                            let cell = col.get(row);
                            *m = wants.iter().any(|w| cell_matches(cell, w));
                        }
                    }
                }
            },
        }
    }
    Selection::from_mask(&mask)
}
