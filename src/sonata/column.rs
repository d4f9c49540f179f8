//! Typed attribute columns: one value per node (or edge), missing values allowed.

use std::collections::HashMap;

use super::h5util::RawValues;

/// The values of a column. Strings are stored as codes into a dictionary, since SONATA string
/// attributes (model_template, pop_name, ...) take few distinct values over many nodes.
#[derive(Clone, Debug, PartialEq)]
pub enum Values {
    Int(Vec<i64>),
    Float(Vec<f64>),
    Text {
        codes: Vec<u32>,
        dictionary: Vec<String>,
    },
}

/// One attribute over a population; `present[i] == false` marks a missing value
/// (`NULL`/`NONE` in a types CSV, or a group that lacks the attribute).
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    pub values: Values,
    pub present: Option<Vec<bool>>,
}

/// One value of a column, borrowed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    Int(i64),
    Float(f64),
    Text(&'a str),
    Missing,
}

impl std::fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Int(v) => write!(f, "{v}"),
            Value::Float(v) => write!(f, "{v}"),
            Value::Text(v) => write!(f, "{v}"),
            Value::Missing => Ok(()),
        }
    }
}

impl Value<'_> {
    pub fn to_json(&self) -> serde_json::Value {
        match *self {
            Value::Int(v) => serde_json::Value::from(v),
            Value::Float(v) => serde_json::Number::from_f64(v)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::Text(v) => serde_json::Value::from(v),
            Value::Missing => serde_json::Value::Null,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::Int(v) => Some(v as f64),
            Value::Float(v) => Some(v),
            Value::Text(s) => s.trim().parse().ok(),
            Value::Missing => None,
        }
    }
}

impl Column {
    pub fn from_raw(raw: RawValues) -> Self {
        let values = match raw {
            RawValues::Int(v) => Values::Int(v),
            RawValues::Float(v) => Values::Float(v),
            RawValues::Text(v) => text_values(v.iter().map(|s| s.as_str())),
        };
        Self {
            values,
            present: None,
        }
    }

    pub fn len(&self) -> usize {
        match &self.values {
            Values::Int(v) => v.len(),
            Values::Float(v) => v.len(),
            Values::Text { codes, .. } => codes.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn is_present(&self, row: usize) -> bool {
        self.present
            .as_ref()
            .is_none_or(|p| p.get(row).copied().unwrap_or(false))
    }

    pub fn dtype(&self) -> &'static str {
        match self.values {
            Values::Int(_) => "int",
            Values::Float(_) => "float",
            Values::Text { .. } => "string",
        }
    }

    pub fn get(&self, row: usize) -> Value<'_> {
        if row >= self.len() || !self.is_present(row) {
            return Value::Missing;
        }
        match &self.values {
            Values::Int(v) => Value::Int(v[row]),
            // NaN in a float attribute means "no value" (as pandas, and so BMTK, read it).
            Values::Float(v) if v[row].is_nan() => Value::Missing,
            Values::Float(v) => Value::Float(v[row]),
            Values::Text { codes, dictionary } => dictionary
                .get(codes[row] as usize)
                .map_or(Value::Missing, |s| Value::Text(s)),
        }
    }

    pub fn f64(&self, row: usize) -> Option<f64> {
        self.get(row).as_f64()
    }

    pub fn i64(&self, row: usize) -> Option<i64> {
        match self.get(row) {
            Value::Int(v) => Some(v),
            Value::Float(v) if v.fract() == 0.0 => Some(v as i64),
            Value::Text(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn str(&self, row: usize) -> Option<&str> {
        match self.get(row) {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// Takes the values at `rows` (a gather), keeping types and missing marks.
    pub fn take(&self, rows: &[usize]) -> Column {
        let values = match &self.values {
            Values::Int(v) => Values::Int(rows.iter().map(|&r| v[r]).collect()),
            Values::Float(v) => Values::Float(rows.iter().map(|&r| v[r]).collect()),
            Values::Text { codes, dictionary } => Values::Text {
                codes: rows.iter().map(|&r| codes[r]).collect(),
                dictionary: dictionary.clone(),
            },
        };
        let present = self
            .present
            .as_ref()
            .map(|p| rows.iter().map(|&r| p[r]).collect());
        Column { values, present }
    }
}

pub fn text_values<'a>(strings: impl Iterator<Item = &'a str>) -> Values {
    let mut lookup: HashMap<&str, u32> = HashMap::new();
    let mut dictionary: Vec<String> = Vec::new();
    let codes = strings
        .map(|s| {
            *lookup.entry(s).or_insert_with(|| {
                dictionary.push(s.to_owned());
                (dictionary.len() - 1) as u32
            })
        })
        .collect();
    Values::Text { codes, dictionary }
}

/// Builds a column of `len` rows from pieces (h5 groups, CSV rows) that each fill some rows.
/// The result type is the widest of the pieces: int < float < string.
pub struct ColumnBuilder {
    len: usize,
    pieces: Vec<(Rows, Column)>,
}

/// The rows a piece fills: all of them in order, or a list shared between pieces (one h5
/// group's members fill every attribute of that group).
#[derive(Clone, Debug)]
pub enum Rows {
    All,
    List(std::sync::Arc<Vec<usize>>),
}

impl Rows {
    fn get(&self, i: usize) -> usize {
        match self {
            Rows::All => i,
            Rows::List(rows) => rows[i],
        }
    }

    fn len(&self, column_len: usize) -> usize {
        match self {
            Rows::All => column_len,
            Rows::List(rows) => rows.len(),
        }
    }
}

impl ColumnBuilder {
    pub fn new(len: usize) -> Self {
        Self {
            len,
            pieces: Vec::new(),
        }
    }

    /// `rows[i]` receives `column.get(i)`; later pieces override earlier ones.
    pub fn fill(&mut self, rows: Rows, column: Column) {
        self.pieces.push((rows, column));
    }

    pub fn finish(self) -> Column {
        let len = self.len;
        let kind = self
            .pieces
            .iter()
            .map(|(_, c)| match c.values {
                Values::Int(_) => 0,
                Values::Float(_) => 1,
                Values::Text { .. } => 2,
            })
            .max()
            .unwrap_or(0);
        let mut pieces = self.pieces;
        // A single piece that covers every row in order: take it as it is.
        let identity = pieces.len() == 1
            && pieces[0].1.len() == len
            && match &pieces[0].0 {
                Rows::All => true,
                Rows::List(rows) => rows.iter().enumerate().all(|(i, &r)| i == r),
            };
        if identity && let Some((_, column)) = pieces.pop() {
            return column;
        }
        let mut present = vec![false; len];
        let values = match kind {
            0 => {
                let mut out = vec![0i64; len];
                for (rows, column) in &pieces {
                    for (i, r) in (0..rows.len(column.len())).map(|i| (i, rows.get(i))) {
                        if let Value::Int(v) = column.get(i) {
                            out[r] = v;
                            present[r] = true;
                        }
                    }
                }
                Values::Int(out)
            }
            1 => {
                let mut out = vec![f64::NAN; len];
                for (rows, column) in &pieces {
                    for (i, r) in (0..rows.len(column.len())).map(|i| (i, rows.get(i))) {
                        if let Some(v) = column.f64(i).filter(|_| column.is_present(i)) {
                            out[r] = v;
                            present[r] = true;
                        }
                    }
                }
                Values::Float(out)
            }
            _ => {
                let mut strings: Vec<Option<String>> = vec![None; len];
                for (rows, column) in &pieces {
                    for (i, r) in (0..rows.len(column.len())).map(|i| (i, rows.get(i))) {
                        let v = column.get(i);
                        if v != Value::Missing {
                            strings[r] = Some(v.to_string());
                            present[r] = true;
                        }
                    }
                }
                text_values(strings.iter().map(|s| s.as_deref().unwrap_or("")))
            }
        };
        let present = if present.iter().all(|&p| p) {
            None
        } else {
            Some(present)
        };
        Column { values, present }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_widens_int_to_float_and_marks_missing() {
        let mut b = ColumnBuilder::new(4);
        b.fill(
            Rows::List(vec![0, 2].into()),
            Column::from_raw(RawValues::Int(vec![1, 2])),
        );
        b.fill(
            Rows::List(vec![3].into()),
            Column::from_raw(RawValues::Float(vec![0.5])),
        );
        let c = b.finish();
        assert_eq!(c.dtype(), "float");
        assert_eq!(c.f64(0), Some(1.0));
        assert_eq!(c.get(1), Value::Missing);
        assert_eq!(c.f64(3), Some(0.5));
    }

    #[test]
    fn builder_widens_to_text() {
        let mut b = ColumnBuilder::new(2);
        b.fill(
            Rows::List(vec![0].into()),
            Column::from_raw(RawValues::Int(vec![7])),
        );
        b.fill(
            Rows::List(vec![1].into()),
            Column::from_raw(RawValues::Text(vec!["a".into()])),
        );
        let c = b.finish();
        assert_eq!(c.str(0), Some("7"));
        assert_eq!(c.str(1), Some("a"));
    }
}
