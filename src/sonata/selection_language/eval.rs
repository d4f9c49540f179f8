//! A parsed selection evaluated over every population at once (wiring and distance terms
//! cross populations): one row mask per population.

use super::compare::matches;
use super::context::term_error;
use super::scope::{Masks, Scope};
use super::syntax::{Expr, Field, Literal, Op};
use super::{activity, proximity, wiring};
use crate::sonata::column::Value as CellValue;
use crate::sonata::error::Result;
use crate::sonata::nodes::NodePopulation;

pub(super) fn eval(scope: &Scope, expr: &Expr) -> Result<Masks> {
    Ok(match expr {
        Expr::Not(e) => {
            let mut m = eval(scope, e)?;
            m.iter_mut().flatten().for_each(|x| *x = !*x);
            m
        }
        Expr::And(a, b) => {
            let mut m = eval(scope, a)?;
            let r = eval(scope, b)?;
            m.iter_mut()
                .flatten()
                .zip(r.into_iter().flatten())
                .for_each(|(x, y)| *x &= y);
            m
        }
        Expr::Or(a, b) => {
            let mut m = eval(scope, a)?;
            let r = eval(scope, b)?;
            m.iter_mut()
                .flatten()
                .zip(r.into_iter().flatten())
                .for_each(|(x, y)| *x |= y);
            m
        }
        Expr::Compare {
            field: Field::Rate(window),
            op,
            values,
        } => activity::rate(scope, *window, *op, values)?,
        Expr::Spiked(window) => activity::spiked(scope, *window)?,
        Expr::Silent => activity::silent(scope)?,
        Expr::Partners { side, of, via } => {
            let inner = eval(scope, of)?;
            wiring::partners(scope, &inner, *side, via.as_deref())?
        }
        Expr::Within { radius_um, of } => {
            let inner = eval(scope, of)?;
            proximity::within_selection(scope, &inner, *radius_um)?
        }
        Expr::WithinProbe { radius_um } => {
            let sites = scope.ctx.require_probe(*radius_um)?;
            proximity::within_points(scope, sites, *radius_um)
        }
        _ => scope
            .populations
            .iter()
            .map(|pop| node_term(scope, expr, pop))
            .collect::<Result<Masks>>()?,
    })
}

/// Terms that look at one population's own attributes.
fn node_term(scope: &Scope, expr: &Expr, pop: &NodePopulation) -> Result<Vec<bool>> {
    let n = pop.len();
    Ok(match expr {
        Expr::All => vec![true; n],
        Expr::Stride(k) => (0..n).map(|i| (i as u64).is_multiple_of(*k)).collect(),
        Expr::NodeSet(name) => match scope.ctx.node_sets.filter(|s| s.contains(name)) {
            Some(sets) => sets.evaluate(name, pop)?.to_mask(n),
            None => {
                return Err(term_error(format!(
                    "'{name}' is neither a keyword nor a node set"
                )));
            }
        },
        Expr::Compare { field, op, values } => attribute_mask(field, *op, values, pop),
        _ => vec![false; n],
    })
}

fn attribute_mask(field: &Field, op: Op, values: &[Literal], pop: &NodePopulation) -> Vec<bool> {
    let n = pop.len();
    match field {
        Field::Population => vec![matches(CellValue::Text(&pop.name), op, values); n],
        Field::NodeId => pop
            .node_ids
            .iter()
            .map(|&id| matches(CellValue::Int(id as i64), op, values))
            .collect(),
        Field::NodeType => pop
            .node_type_ids
            .iter()
            .map(|&t| matches(CellValue::Int(t), op, values))
            .collect(),
        Field::Group => pop
            .node_group_ids
            .iter()
            .map(|&g| matches(CellValue::Int(g), op, values))
            .collect(),
        Field::Soma(axis) => column_mask(pop, ["x", "y", "z"][*axis], op, values),
        Field::Attribute(name) => column_mask(pop, name, op, values),
        // Evaluated from spikes, never here.
        Field::Rate(_) => vec![false; n],
    }
}

fn column_mask(pop: &NodePopulation, name: &str, op: Op, values: &[Literal]) -> Vec<bool> {
    match pop.attribute(name) {
        Some(col) => (0..pop.len())
            .map(|i| matches(col.get(i), op, values))
            .collect(),
        None => vec![false; pop.len()],
    }
}
