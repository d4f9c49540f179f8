//! Wiring terms: `pre of (EXPR)` and `post of (EXPR)`, optionally `via EDGE_POPULATION`.
//!
//! Across populations: an edge population joins its source population to its target
//! population. `pre of (EXPR)` selects, in each edge population's source population, the
//! sources of edges whose target EXPR selects (EXPR evaluated in the target population);
//! `post of (EXPR)` selects, in each target population, the targets of edges whose source EXPR
//! selects. Over several edge populations the partners add up. So `pre of (population == v1)`
//! selects v1 neurons that project to v1 and lgn neurons that project to v1.

use std::sync::Arc;

use super::context::term_error;
use super::edge_cache::{self, PartnerTable};
use super::scope::{Masks, Scope};
use super::syntax::Side;
use crate::sonata::connectivity;
use crate::sonata::edges::{Direction, EdgePopulation};
use crate::sonata::error::Result;
use crate::sonata::selection::Selection;

/// Up to this many selected nodes the partners are read through the edge index (a few reads
/// per node); above it one pass over the edge population's id columns is cheaper. Both are the
/// way of a file's first requests: once its partner table is built (from the second request on,
/// in the background) it is kept in memory (`edge_cache`).
pub(super) const INDEX_QUERY_MAX_NODES: usize = 4096;

/// Edges read at a time by the pass over the id columns.
const SCAN_CHUNK: usize = 1 << 20;

pub(super) fn partners(
    scope: &Scope,
    inner: &Masks,
    side: Side,
    via: Option<&str>,
) -> Result<Masks> {
    partners_with(scope, inner, side, via, Way::Cached)
}

/// How the partners are found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(
    not(test),
    allow(dead_code, reason = "the ways besides `Cached` are compared in tests")
)]
pub(super) enum Way {
    /// The kept partner table, else the index or a pass (by the number of selected nodes).
    Cached,
    /// Through the edge index.
    Index,
    /// One pass over the id columns.
    Pass,
    /// A partner table built for this query.
    Table,
}

/// [`partners`] found one given way (tests compare them).
pub(super) fn partners_with(
    scope: &Scope,
    inner: &Masks,
    side: Side,
    via: Option<&str>,
    way: Way,
) -> Result<Masks> {
    let all = scope.ctx.require_edges(side.keyword())?;
    let edges: Vec<&EdgePopulation> = match via {
        None => all.iter().collect(),
        Some(name) => match all.iter().find(|e| e.name == name) {
            Some(e) => vec![e],
            None => {
                let known: Vec<&str> = all.iter().map(|e| e.name.as_str()).collect();
                return Err(term_error(format!(
                    "no edge population '{name}' (edge populations: {})",
                    known.join(", ")
                )));
            }
        },
    };
    let mut out = scope.empty_masks();
    for e in edges {
        let (from, to) = match side {
            Side::Pre => (&e.target, &e.source),
            Side::Post => (&e.source, &e.target),
        };
        let (Some(pf), Some(pt)) = (scope.population_index(from), scope.population_index(to))
        else {
            continue;
        };
        let from_ids = &scope.populations[pf].node_ids;
        let selected: Vec<u64> = inner[pf]
            .iter()
            .zip(from_ids)
            .filter(|(m, _)| **m)
            .map(|(_, &id)| id)
            .collect();
        if selected.is_empty() {
            continue;
        }
        let rows = scope.rows(pt);
        let mask = &mut out[pt];
        let mut mark = |id: i64| {
            if let Some(r) = u64::try_from(id).ok().and_then(|id| rows.row(id)) {
                mask[r] = true;
            }
        };
        let table = match way {
            Way::Cached => edge_cache::table(e, side, all)?,
            Way::Table => PartnerTable::build(e, side)?.map(Arc::new),
            Way::Index | Way::Pass => None,
        };
        let by_index = match way {
            Way::Index => true,
            Way::Cached => selected.len() <= INDEX_QUERY_MAX_NODES,
            Way::Pass | Way::Table => false,
        };
        if let Some(table) = table {
            for &id in &selected {
                table.partners_of(id).iter().for_each(|&p| mark(p as i64));
            }
        } else if by_index {
            let direction = match side {
                Side::Pre => Direction::Afferent,
                Side::Post => Direction::Efferent,
            };
            let found = connectivity::partners(e, &Selection::from_ids(selected), direction)?;
            found.counts.keys().for_each(|&id| mark(id as i64));
        } else {
            scan(e, &selected, side, &mut mark)?;
        }
    }
    Ok(out)
}

/// One pass over the id columns: `mark` gets the partner of every edge whose end on the
/// selected side is in `selected`.
fn scan(
    e: &EdgePopulation,
    selected: &[u64],
    side: Side,
    mark: &mut impl FnMut(i64),
) -> Result<()> {
    let (key_column, partner_column) = edge_cache::columns(side);
    // A table by node id when ids are compact, else a binary search of the sorted ids.
    let max = selected.iter().copied().max().unwrap_or(0);
    let dense = max <= (selected.len() as u64).saturating_mul(64).max(1 << 20);
    let mut table = vec![false; if dense { max as usize + 1 } else { 0 }];
    for &id in selected.iter().filter(|_| dense) {
        table[id as usize] = true;
    }
    let mut sorted = selected.to_vec();
    sorted.sort_unstable();
    let is_selected = |k: i64| match u64::try_from(k) {
        Ok(k) if dense => table.get(k as usize).copied().unwrap_or(false),
        Ok(k) => sorted.binary_search(&k).is_ok(),
        Err(_) => false,
    };
    let mut start = 0;
    while start < e.len() {
        let end = (start + SCAN_CHUNK).min(e.len());
        let keys = e.dataset_i64_range(key_column, start..end)?;
        let partners = e.dataset_i64_range(partner_column, start..end)?;
        for (&k, &p) in keys.iter().zip(&partners) {
            if is_selected(k) {
                mark(p);
            }
        }
        start = end;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sonata::circuit::Circuit;
    use crate::sonata::selection_language::{SelectionContext, parse};

    /// The index queries, the pass over the id columns and the partner table find the same
    /// partners.
    #[test]
    fn index_and_column_pass_agree() {
        let config = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/nets/engine_ref_v1_iaf_n1000/config.json");
        let circuit = Circuit::open(&config).unwrap();
        let ctx = SelectionContext::for_circuit(&circuit);
        let scope = Scope::new(&ctx, &circuit.nodes);
        for (expr, side, via) in [
            ("stride 7", Side::Pre, None),
            ("stride 7", Side::Post, None),
            ("node_id 3 99 512", Side::Pre, Some("lgn_to_v1")),
            ("population == lgn && stride 3", Side::Post, None),
        ] {
            let inner = super::super::eval::eval(&scope, &parse(expr).unwrap()).unwrap();
            let by_index = partners_with(&scope, &inner, side, via, Way::Index).unwrap();
            let by_pass = partners_with(&scope, &inner, side, via, Way::Pass).unwrap();
            let by_table = partners_with(&scope, &inner, side, via, Way::Table).unwrap();
            let n: usize = by_index.iter().flatten().filter(|m| **m).count();
            assert!(n > 0, "{expr}: some partners");
            assert_eq!(by_index, by_pass, "{side:?} of ({expr})");
            assert_eq!(by_index, by_table, "{side:?} of ({expr})");
        }
    }
}
