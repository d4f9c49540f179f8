//! Comparisons of node values with the values a selection lists.

use super::syntax::{Literal, Op};
use crate::sonata::column::Value as CellValue;

pub(super) fn compare_number(a: f64, op: Op, b: f64) -> bool {
    match op {
        Op::Eq => a == b,
        Op::Ne => a != b,
        Op::Lt => a < b,
        Op::Le => a <= b,
        Op::Gt => a > b,
        Op::Ge => a >= b,
    }
}

pub(super) fn matches(cell: CellValue<'_>, op: Op, values: &[Literal]) -> bool {
    let one = |lit: &Literal| -> bool {
        match (cell, lit) {
            (CellValue::Missing, _) => false,
            (CellValue::Text(s), Literal::Text(t)) => match op {
                Op::Eq => s == t,
                Op::Ne => s != t,
                Op::Lt => s < t.as_str(),
                Op::Le => s <= t.as_str(),
                Op::Gt => s > t.as_str(),
                Op::Ge => s >= t.as_str(),
            },
            (CellValue::Text(s), Literal::Number(n)) => s
                .trim()
                .parse::<f64>()
                .is_ok_and(|v| compare_number(v, op, *n)),
            (c, Literal::Number(n)) => c.as_f64().is_some_and(|v| compare_number(v, op, *n)),
            (c, Literal::Text(t)) => match (c.as_f64(), t.parse::<f64>()) {
                (Some(v), Ok(n)) => compare_number(v, op, n),
                _ => op == Op::Ne,
            },
        }
    };
    match op {
        Op::Ne => cell != CellValue::Missing && values.iter().all(one),
        _ => values.iter().any(one),
    }
}

/// Whether a value matches a numeric comparison with any (or, for `!=`, none) of `values`.
pub(super) fn matches_number(v: f64, op: Op, values: &[Literal]) -> bool {
    let number = |l: &Literal| match l {
        Literal::Number(n) => Some(*n),
        Literal::Text(_) => None,
    };
    match op {
        Op::Ne => values
            .iter()
            .filter_map(number)
            .all(|n| compare_number(v, op, n)),
        _ => values
            .iter()
            .filter_map(number)
            .any(|n| compare_number(v, op, n)),
    }
}
