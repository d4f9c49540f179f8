//! Attribute names checked before evaluation: a misspelt or misplaced attribute would
//! otherwise select nothing, silently.

use super::syntax::{Expr, Field};
use crate::sonata::nodes::NodePopulation;

/// The attribute a field reads, when it is one (population, node id, type and group are
/// always there).
fn attribute_of(field: &Field) -> Option<&str> {
    match field {
        Field::Soma(axis) => Some(["x", "y", "z"][*axis]),
        Field::Attribute(name) => Some(name),
        _ => None,
    }
}

/// Every attribute `expr` compares exists in at least one of `populations`.
pub(super) fn check_attributes(
    expr: &Expr,
    populations: &[NodePopulation],
) -> std::result::Result<(), String> {
    let mut names = Vec::new();
    compared(expr, true, &mut names);
    match names
        .into_iter()
        .find(|name| !populations.iter().any(|p| p.attribute(name).is_some()))
    {
        Some(name) => {
            let mut known: Vec<&str> = populations
                .iter()
                .flat_map(|p| p.attribute_names())
                .collect();
            known.sort_unstable();
            known.dedup();
            Err(format!(
                "no node population has an attribute '{name}' (attributes: {})",
                known.join(", ")
            ))
        }
        None => Ok(()),
    }
}

/// Every attribute `expr` compares in the population its rows are asked of exists in
/// `population`. The selections inside `pre of`, `post of` and `within R of` are evaluated in
/// every population (their partners or neighbours may be elsewhere): there an attribute that
/// another population has is enough.
pub(super) fn check_attributes_in(
    expr: &Expr,
    population: &NodePopulation,
    populations: &[NodePopulation],
) -> std::result::Result<(), String> {
    let mut names = Vec::new();
    compared(expr, false, &mut names);
    match names
        .into_iter()
        .find(|name| population.attribute(name).is_none())
    {
        Some(name) => {
            let having: Vec<&str> = populations
                .iter()
                .filter(|p| p.attribute(name).is_some())
                .map(|p| p.name.as_str())
                .collect();
            Err(format!(
                "population '{}' has no attribute '{name}', so no row of it can match (populations that have it: {})",
                population.name,
                having.join(", ")
            ))
        }
        None => Ok(()),
    }
}

/// The attributes `expr` compares; inside wiring and distance terms too when `nested`.
fn compared<'e>(expr: &'e Expr, nested: bool, out: &mut Vec<&'e str>) {
    match expr {
        Expr::Partners { of, .. } | Expr::Within { of, .. } => {
            if nested {
                compared(of, nested, out);
            }
        }
        Expr::Not(e) => compared(e, nested, out),
        Expr::And(a, b) | Expr::Or(a, b) => {
            compared(a, nested, out);
            compared(b, nested, out);
        }
        Expr::Compare { field, .. } => out.extend(attribute_of(field)),
        Expr::All
        | Expr::Nothing
        | Expr::Stride(_)
        | Expr::NodeSet(_)
        | Expr::Spiked(_)
        | Expr::Silent
        | Expr::WithinProbe { .. } => {}
    }
}
