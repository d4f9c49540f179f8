//! `node_types.csv` / `edge_types.csv`: columns separated by one or more spaces, fields with
//! spaces quoted with `"` (`""` escapes a quote), `NULL`/`NONE` meaning missing.
//!
//! Hand-written rather than the `csv` crate: that crate takes a single delimiter byte, and runs
//! of spaces would come out as empty fields, indistinguishable from a quoted empty string.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::column::{Column, Values, text_values};
use super::error::{Result, SonataError};

/// A types table: one row per node (or edge) type, keyed by `node_type_id`/`edge_type_id`.
#[derive(Clone, Debug, Default)]
pub struct TypesTable {
    pub path: PathBuf,
    /// Column names, without the id column, in file order.
    pub columns: Vec<String>,
    /// Type ids in file order.
    pub ids: Vec<i64>,
    /// `cells[row][col]`, `None` for NULL/NONE.
    pub cells: Vec<Vec<Option<String>>>,
    row_of_id: HashMap<i64, usize>,
}

/// Splits one line into fields.
pub fn split_fields(line: &str) -> std::result::Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ' ' || *c == '\t') {
            chars.next();
        }
        let Some(&c) = chars.peek() else { break };
        let mut field = String::new();
        if c == '"' {
            chars.next();
            let mut closed = false;
            while let Some(c) = chars.next() {
                if c == '"' {
                    if chars.peek() == Some(&'"') {
                        chars.next();
                        field.push('"');
                    } else {
                        closed = true;
                        break;
                    }
                } else {
                    field.push(c);
                }
            }
            if !closed {
                return Err("a quoted field is not closed".into());
            }
            if chars.peek().is_some_and(|c| *c != ' ' && *c != '\t') {
                return Err("a closing quote is followed by other text".into());
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ' ' || c == '\t' {
                    break;
                }
                field.push(c);
                chars.next();
            }
        }
        fields.push(field);
    }
    Ok(fields)
}

fn is_null(s: &str) -> bool {
    matches!(s, "NULL" | "NONE" | "None" | "null")
}

impl TypesTable {
    /// Reads a types CSV whose id column is `id_column` (`node_type_id` or `edge_type_id`).
    pub fn read(path: &Path, id_column: &str) -> Result<Self> {
        let text = super::text_file::read_text(path)?;
        Self::parse(path, &text, id_column)
    }

    pub fn parse(path: &Path, text: &str, id_column: &str) -> Result<Self> {
        let csv_err = |line: usize, message: String| SonataError::Csv {
            path: path.to_owned(),
            line,
            message,
        };
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
            .filter(|(_, l)| !l.trim().is_empty());
        let Some((header_line, header)) = lines.next() else {
            return Err(csv_err(
                1,
                "the file is empty: a header row is required".into(),
            ));
        };
        let header = split_fields(header).map_err(|m| csv_err(header_line, m))?;
        let Some(id_pos) = header.iter().position(|h| h == id_column) else {
            return Err(csv_err(
                header_line,
                format!(
                    "the header has no '{id_column}' column (columns: {})",
                    header.join(" ")
                ),
            ));
        };
        let mut table = TypesTable {
            path: path.to_owned(),
            columns: header
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != id_pos)
                .map(|(_, h)| h.clone())
                .collect(),
            ..Default::default()
        };
        for (line_no, line) in lines {
            let fields = split_fields(line).map_err(|m| csv_err(line_no, m))?;
            if fields.len() != header.len() {
                return Err(csv_err(
                    line_no,
                    format!(
                        "{} fields, but the header has {} columns",
                        fields.len(),
                        header.len()
                    ),
                ));
            }
            let id: i64 = fields[id_pos].parse().map_err(|_| {
                csv_err(
                    line_no,
                    format!("{id_column} '{}' is not an integer", fields[id_pos]),
                )
            })?;
            if table.row_of_id.insert(id, table.ids.len()).is_some() {
                return Err(csv_err(line_no, format!("{id_column} {id} appears twice")));
            }
            table.ids.push(id);
            table.cells.push(
                fields
                    .into_iter()
                    .enumerate()
                    .filter(|(i, _)| *i != id_pos)
                    .map(|(_, f)| (!is_null(&f)).then_some(f))
                    .collect(),
            );
        }
        Ok(table)
    }

    pub fn row_of(&self, id: i64) -> Option<usize> {
        self.row_of_id.get(&id).copied()
    }

    pub fn cell(&self, id: i64, column: &str) -> Option<&str> {
        let col = self.columns.iter().position(|c| c == column)?;
        self.cells.get(self.row_of(id)?)?.get(col)?.as_deref()
    }

    /// One column as typed values over the table's rows: integers if every present value
    /// parses as one, else floats, else strings.
    pub fn column(&self, col: usize) -> Column {
        let cells: Vec<Option<&str>> = self.cells.iter().map(|r| r[col].as_deref()).collect();
        let present: Vec<bool> = cells.iter().map(|c| c.is_some()).collect();
        let values = if let Some(ints) = cells
            .iter()
            .map(|c| c.map_or(Some(0), |s| s.parse::<i64>().ok()))
            .collect::<Option<Vec<i64>>>()
        {
            Values::Int(ints)
        } else if let Some(floats) = cells
            .iter()
            .map(|c| c.map_or(Some(f64::NAN), |s| s.parse::<f64>().ok()))
            .collect::<Option<Vec<f64>>>()
        {
            Values::Float(floats)
        } else {
            text_values(cells.iter().map(|c| c.unwrap_or("")))
        };
        Column {
            values,
            present: (!present.iter().all(|&p| p)).then_some(present),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_runs_of_spaces_and_keeps_quoted_spaces() {
        let f = split_fields(r#"100  e   "a b ""c"""   NULL"#).unwrap();
        assert_eq!(f, vec!["100", "e", r#"a b "c""#, "NULL"]);
    }

    #[test]
    fn unclosed_quote_is_an_error() {
        assert!(split_fields(r#"1 "abc"#).is_err());
    }

    #[test]
    fn null_and_none_are_missing_and_types_are_inferred() {
        let text = "node_type_id  ei model_type rotation_angle_zaxis dynamics_params\n\
                    100 e biophysical -3.6 NULL\n101 i point_process 2 x.json\n";
        let t = TypesTable::parse(Path::new("t.csv"), text, "node_type_id").unwrap();
        assert_eq!(t.ids, vec![100, 101]);
        assert_eq!(t.cell(100, "dynamics_params"), None);
        assert_eq!(t.cell(101, "dynamics_params"), Some("x.json"));
        let rot = t.column(2);
        assert_eq!(rot.dtype(), "float");
        let dp = t.column(3);
        assert!(!dp.is_present(0));
        assert_eq!(dp.str(1), Some("x.json"));
    }

    #[test]
    fn a_row_with_a_missing_field_names_its_line() {
        let text = "node_type_id ei model_type\n100 e biophysical\n101 i\n";
        let err = TypesTable::parse(Path::new("types.csv"), text, "node_type_id").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("types.csv:3"), "{msg}");
        assert!(msg.contains("2 fields"), "{msg}");
    }

    #[test]
    fn missing_id_column_is_an_error() {
        let err = TypesTable::parse(Path::new("t.csv"), "a b\n1 2\n", "node_type_id").unwrap_err();
        assert!(err.to_string().contains("node_type_id"));
    }
}
