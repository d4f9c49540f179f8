//! A parsed selection evaluated over every population at once (wiring and distance terms
//! cross populations): one row mask per population.

use std::cell::OnceCell;

use rustc_hash::FxHashMap;

use super::context::{SelectionContext, term_error};
use super::syntax::{Expr, Field, Literal, Op};
use super::{activity, proximity, wiring};
use crate::sonata::column::Value as CellValue;
use crate::sonata::error::Result;
use crate::sonata::nodes::NodePopulation;

/// One row mask per population, in the populations' order.
pub type Masks = Vec<Vec<bool>>;

/// Node id -> row of one population (ids are usually the rows themselves).
pub(super) enum RowIndex {
    Identity(usize),
    Map(FxHashMap<u64, usize>),
}

impl RowIndex {
    fn new(pop: &NodePopulation) -> Self {
        let identity = pop
            .node_ids
            .iter()
            .enumerate()
            .all(|(i, &id)| id == i as u64);
        if identity {
            Self::Identity(pop.node_ids.len())
        } else {
            Self::Map(
                pop.node_ids
                    .iter()
                    .enumerate()
                    .map(|(row, &id)| (id, row))
                    .collect(),
            )
        }
    }

    pub(super) fn row(&self, id: u64) -> Option<usize> {
        match self {
            Self::Identity(n) => usize::try_from(id).ok().filter(|r| r < n),
            Self::Map(map) => map.get(&id).copied(),
        }
    }
}

/// Evaluates selections over `populations`, keeping what several terms reuse.
pub(super) struct Evaluator<'c, 'a> {
    pub(super) ctx: &'c SelectionContext<'a>,
    pub(super) populations: &'c [NodePopulation],
    rows: Vec<OnceCell<RowIndex>>,
    positions: Vec<OnceCell<Vec<[f64; 3]>>>,
}

impl<'c, 'a> Evaluator<'c, 'a> {
    pub(super) fn new(ctx: &'c SelectionContext<'a>, populations: &'c [NodePopulation]) -> Self {
        Self {
            ctx,
            populations,
            rows: populations.iter().map(|_| OnceCell::new()).collect(),
            positions: populations.iter().map(|_| OnceCell::new()).collect(),
        }
    }

    pub(super) fn rows(&self, p: usize) -> &RowIndex {
        self.rows[p].get_or_init(|| RowIndex::new(&self.populations[p]))
    }

    /// Soma positions of population `p` (NaN where a node has none).
    pub(super) fn positions(&self, p: usize) -> &[[f64; 3]] {
        self.positions[p].get_or_init(|| {
            let pop = &self.populations[p];
            pop.positions()
                .unwrap_or_else(|| vec![[f64::NAN; 3]; pop.len()])
        })
    }

    pub(super) fn population_index(&self, name: &str) -> Option<usize> {
        self.populations.iter().position(|p| p.name == name)
    }

    pub(super) fn empty_masks(&self) -> Masks {
        self.populations
            .iter()
            .map(|p| vec![false; p.len()])
            .collect()
    }

    pub(super) fn eval(&self, expr: &Expr) -> Result<Masks> {
        Ok(match expr {
            Expr::Not(e) => {
                let mut m = self.eval(e)?;
                m.iter_mut().flatten().for_each(|x| *x = !*x);
                m
            }
            Expr::And(a, b) => {
                let mut m = self.eval(a)?;
                let r = self.eval(b)?;
                m.iter_mut()
                    .flatten()
                    .zip(r.into_iter().flatten())
                    .for_each(|(x, y)| *x &= y);
                m
            }
            Expr::Or(a, b) => {
                let mut m = self.eval(a)?;
                let r = self.eval(b)?;
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
            } => activity::rate(self, *window, *op, values)?,
            Expr::Spiked(window) => activity::spiked(self, *window)?,
            Expr::Silent => activity::silent(self)?,
            Expr::Partners { side, of, via } => {
                let inner = self.eval(of)?;
                wiring::partners(self, &inner, *side, via.as_deref())?
            }
            Expr::Within { radius_um, of } => {
                let inner = self.eval(of)?;
                proximity::within_selection(self, &inner, *radius_um)?
            }
            Expr::WithinProbe { radius_um } => {
                let sites = self.ctx.require_probe(*radius_um)?;
                proximity::within_points(self, sites, *radius_um)
            }
            _ => self
                .populations
                .iter()
                .map(|pop| self.node_term(expr, pop))
                .collect::<Result<Masks>>()?,
        })
    }

    /// Terms that look at one population's own attributes.
    fn node_term(&self, expr: &Expr, pop: &NodePopulation) -> Result<Vec<bool>> {
        let n = pop.len();
        Ok(match expr {
            Expr::All => vec![true; n],
            Expr::Stride(k) => (0..n).map(|i| (i as u64).is_multiple_of(*k)).collect(),
            Expr::NodeSet(name) => match self.ctx.node_sets.filter(|s| s.contains(name)) {
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

fn matches(cell: CellValue<'_>, op: Op, values: &[Literal]) -> bool {
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
