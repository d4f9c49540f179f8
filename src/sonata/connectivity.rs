//! Who connects to whom: a neuron's (or a selection's) presynaptic and postsynaptic partners,
//! through the edge indices — never a scan of all edges per query.

use std::collections::BTreeMap;

use super::edges::{Direction, EdgePopulation};
use super::error::Result;
use super::selection::Selection;

/// Partners of some nodes through one edge population.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Partners {
    pub edge_population: String,
    /// The population the partners belong to (source for afferent, target for efferent).
    pub node_population: String,
    /// The edges used (ids in the edge population).
    pub edges: Selection,
    /// Partner node id -> number of edges to or from it.
    pub counts: BTreeMap<u64, u32>,
}

/// The partners of `nodes` (ids in `edges`' source population for `Efferent`, target population
/// for `Afferent`): a bounded read of index rows and of the partner ids of those edges.
pub fn partners(
    edges: &EdgePopulation,
    nodes: &Selection,
    direction: Direction,
) -> Result<Partners> {
    let mut ranges = Vec::new();
    for id in nodes.ids() {
        ranges.extend(edges.edges_of(id, direction)?.ranges().iter().cloned());
    }
    let selection = Selection::from_ranges(ranges);
    let other = match direction {
        Direction::Efferent => "target_node_id",
        Direction::Afferent => "source_node_id",
    };
    let mut counts = BTreeMap::new();
    for id in edges.dataset_i64_at(other, &selection)? {
        *counts.entry(id as u64).or_insert(0u32) += 1;
    }
    Ok(Partners {
        edge_population: edges.name.clone(),
        node_population: match direction {
            Direction::Efferent => edges.target.clone(),
            Direction::Afferent => edges.source.clone(),
        },
        edges: selection,
        counts,
    })
}

/// Presynaptic (afferent) and postsynaptic (efferent) partners of `nodes` of `population`,
/// over every edge population that touches it.
pub fn all_partners(
    edge_populations: &[EdgePopulation],
    population: &str,
    nodes: &Selection,
) -> Result<(Vec<Partners>, Vec<Partners>)> {
    let mut pre = Vec::new();
    let mut post = Vec::new();
    for e in edge_populations {
        if e.target == population {
            pre.push(partners(e, nodes, Direction::Afferent)?);
        }
        if e.source == population {
            post.push(partners(e, nodes, Direction::Efferent)?);
        }
    }
    Ok((pre, post))
}
