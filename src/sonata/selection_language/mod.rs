//! The selection language of VND, where it overlaps: `population == v1 && soma x < 0`,
//! `type == 100`, `node_id 1 2 3`, `model_type == virtual`, `stride 5`, `pop_name == e4Rorb`,
//! `&& || !` (also `and or not`) and parentheses, `all`, `none`, node-set names; and terms that
//! know activity, wiring and distance:
//!
//! - `rate > 10` (Hz over the run), `rate(100, 400) > 10` (spikes with 100 <= t <= 400 ms over
//!   0.3 s), `spiked`, `spiked(100, 150)`, `silent`;
//! - `pre of (EXPR)`, `post of (EXPR)`, `pre of (node_id 12) via v1_to_v1`;
//! - `within 50 of probe`, `within 100 of (EXPR)` (µm, soma to soma or to the nearest site).
//!
//! Operators: `==` `=` `eq`, `!=` `ne`, `<` `lt`, `<=` `le`, `>` `gt`, `>=` `ge`. A list after
//! `==` (or after a name with no operator) matches any of its values. Evaluated over every
//! population at once to row masks, or to sorted id ranges (`Selection`) per population.
//! What activity, wiring and distance terms read comes in a [`SelectionContext`].

mod activity;
mod attributes;
mod compare;
mod context;
mod edge_cache;
mod eval;
mod lexer;
mod parser;
mod proximity;
mod scope;
mod syntax;
mod wiring;

use std::collections::BTreeMap;

pub use context::SelectionContext;
pub use edge_cache::wait_for_edge_tables;
pub use parser::{MAX_NESTING, parse, parse_for};
pub use scope::Masks;
pub use syntax::{Expr, Field, Literal, Op, Side, Window};

use super::error::{Result, SonataError};
use super::node_sets::NodeSets;
use super::nodes::NodePopulation;
use super::selection::Selection;
use parser::quoted;

/// Rows of one population matched by `expr`, with node sets only: activity, wiring and probe
/// terms are errors here (see [`evaluate_all`]).
pub fn evaluate(
    expr: &Expr,
    pop: &NodePopulation,
    node_sets: Option<&NodeSets>,
) -> Result<Vec<bool>> {
    let ctx = SelectionContext::new(node_sets);
    let mut masks = evaluate_all(expr, std::slice::from_ref(pop), &ctx)?;
    Ok(masks.pop().unwrap_or_default())
}

/// Rows matched by `expr` in each of `populations` (in their order), reading what the terms
/// need from `ctx`.
pub fn evaluate_all(
    expr: &Expr,
    populations: &[NodePopulation],
    ctx: &SelectionContext,
) -> Result<Masks> {
    eval::eval(&scope::Scope::new(ctx, populations), expr)
}

/// Parses (checking attribute names) and evaluates `expr`: one row mask per population.
pub fn masks(expr: &str, populations: &[NodePopulation], ctx: &SelectionContext) -> Result<Masks> {
    let parsed = parse_for(expr, populations)?;
    evaluate_all(&parsed, populations, ctx).map_err(|e| quoting(e, expr))
}

/// The rows of `population` (one of `populations`) that `expr` selects, evaluated over every
/// population (wiring and distance terms cross them). An attribute compared in `population`
/// itself must be one it has: one that only other populations have is an error naming them,
/// not an empty selection.
pub fn population_mask(
    expr: &str,
    population: &str,
    populations: &[NodePopulation],
    ctx: &SelectionContext,
) -> Result<Vec<bool>> {
    let parsed = parse_for(expr, populations)?;
    let at = populations
        .iter()
        .position(|p| p.name == population)
        .ok_or_else(|| SonataError::Selection {
            expr: quoted(expr),
            message: format!("no node population '{population}'"),
        })?;
    attributes::check_attributes_in(&parsed, &populations[at], populations).map_err(|message| {
        SonataError::Selection {
            expr: quoted(expr),
            message,
        }
    })?;
    let mut masks = evaluate_all(&parsed, populations, ctx).map_err(|e| quoting(e, expr))?;
    Ok(std::mem::take(&mut masks[at]))
}

/// An evaluation error with the whole selection quoted.
fn quoting(e: SonataError, expr: &str) -> SonataError {
    match e {
        SonataError::Selection { message, .. } => SonataError::Selection {
            expr: quoted(expr),
            message,
        },
        other => other,
    }
}

/// Parses and evaluates `expr` over every population: the selected rows of each.
pub fn select_with(
    expr: &str,
    populations: &[NodePopulation],
    ctx: &SelectionContext,
) -> Result<BTreeMap<String, Selection>> {
    let masks = masks(expr, populations, ctx)?;
    Ok(populations
        .iter()
        .zip(masks)
        .map(|(pop, mask)| (pop.name.clone(), Selection::from_mask(&mask)))
        .collect())
}

/// [`select_with`] with node sets only.
pub fn select(
    expr: &str,
    populations: &[NodePopulation],
    node_sets: Option<&NodeSets>,
) -> Result<BTreeMap<String, Selection>> {
    select_with(expr, populations, &SelectionContext::new(node_sets))
}
