//! The populations a selection is evaluated over, with what its terms read (the context) and
//! what several terms reuse (node id -> row, soma positions).

use std::cell::{OnceCell, RefCell};
use std::rc::Rc;

use rustc_hash::FxHashMap;

use super::context::SelectionContext;
use super::syntax::Window;
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

/// The populations and the context of one evaluation, with what several terms reuse.
pub(super) struct Scope<'c, 'a> {
    pub(super) ctx: &'c SelectionContext<'a>,
    pub(super) populations: &'c [NodePopulation],
    rows: Vec<OnceCell<RowIndex>>,
    positions: Vec<OnceCell<Vec<[f64; 3]>>>,
    /// Spike counts per row already made, by window (`rate >= 5 && rate < 20` counts once).
    counts: RefCell<Vec<(Option<Window>, Rc<Counts>)>>,
}

/// Spikes per row of every population.
pub(super) type Counts = Vec<Vec<u32>>;

impl<'c, 'a> Scope<'c, 'a> {
    pub(super) fn new(ctx: &'c SelectionContext<'a>, populations: &'c [NodePopulation]) -> Self {
        Self {
            ctx,
            populations,
            rows: populations.iter().map(|_| OnceCell::new()).collect(),
            positions: populations.iter().map(|_| OnceCell::new()).collect(),
            counts: RefCell::new(Vec::new()),
        }
    }

    /// The counts of `window`, made by `make` the first time they are asked for.
    pub(super) fn counts_of(
        &self,
        window: Option<Window>,
        make: impl FnOnce() -> Result<Counts>,
    ) -> Result<Rc<Counts>> {
        if let Some((_, c)) = self.counts.borrow().iter().find(|(w, _)| *w == window) {
            return Ok(Rc::clone(c));
        }
        let made = Rc::new(make()?);
        self.counts.borrow_mut().push((window, Rc::clone(&made)));
        Ok(made)
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
}
