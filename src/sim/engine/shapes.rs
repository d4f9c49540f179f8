//! What the build stages pass between them: the neurons' internal order, a partition's shape
//! before its synapses exist, where each neuron's input rows lie, and the range of delays.

use crate::sim::error::{SimError, SimResult};
use crate::sim::models::Block;
use crate::sim::network::Network;

/// Internal neuron order: population by population, row by row (NEST's creation order), then
/// the sources, population by population.
pub(super) struct NeuronOrder {
    /// internal id of each population's first neuron, and the total at the end
    pub pop_offset: Vec<usize>,
    /// internal id of each source population's first node
    pub src_offset: Vec<usize>,
    /// neurons
    pub n: usize,
    /// neurons and sources
    pub n_src: usize,
}

/// A neuron's population and model.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) struct ModelRef {
    pub population: usize,
    pub model: usize,
}

impl NeuronOrder {
    pub(super) fn of(net: &Network) -> SimResult<Self> {
        let mut pop_offset = Vec::with_capacity(net.populations.len() + 1);
        let mut n = 0usize;
        for p in &net.populations {
            if p.node_ids.len() != p.model_of.len() {
                return Err(SimError::Invalid(format!(
                    "population '{}': {} node ids for {} neurons",
                    p.name,
                    p.node_ids.len(),
                    p.model_of.len()
                )));
            }
            if let Some(m) = p.model_of.iter().find(|&&m| m as usize >= p.models.len()) {
                return Err(SimError::Invalid(format!(
                    "population '{}': model index {m} of {} models",
                    p.name,
                    p.models.len()
                )));
            }
            pop_offset.push(n);
            n += p.len();
        }
        pop_offset.push(n);
        let mut src_offset = Vec::with_capacity(net.sources.len());
        let mut n_src = n;
        for s in &net.sources {
            src_offset.push(n_src);
            n_src += s.trains.len();
        }
        if n_src > u32::MAX as usize {
            return Err(SimError::Invalid(
                "more than 2^32 neurons and sources".into(),
            ));
        }
        Ok(Self {
            pop_offset,
            src_offset,
            n,
            n_src,
        })
    }

    pub(super) fn model_of(&self, net: &Network, i: usize) -> ModelRef {
        let p = self.pop_offset.partition_point(|&o| o <= i) - 1;
        ModelRef {
            population: p,
            model: net.populations[p].model_of[i - self.pop_offset[p]] as usize,
        }
    }
}

/// A partition's neurons before its synapses exist.
pub(super) struct PartitionShape {
    pub n0: usize,
    pub n1: usize,
    /// runs of one (population, model)
    pub blocks: Vec<Block>,
    /// input rows (neurons x channels)
    pub rows: usize,
}

/// Where each neuron's inputs go: its partition, its first row and the stride between its
/// channels' rows.
pub(super) struct RowLayout {
    pub part_of: Vec<u16>,
    pub row_a: Vec<u32>,
    pub row_stride: Vec<u32>,
}

/// The shortest and longest delay (steps) of every input: the window length and, summed, the
/// ring buffers' length.
#[derive(Debug, Clone, Copy)]
pub(super) struct DelayRange {
    pub min: u64,
    pub max: u64,
}

impl Default for DelayRange {
    fn default() -> Self {
        Self {
            min: u64::MAX,
            max: 1,
        }
    }
}

impl DelayRange {
    pub fn include(&mut self, d: u64) {
        self.min = self.min.min(d);
        self.max = self.max.max(d);
    }

    /// The range of two sets of inputs.
    pub(super) fn merge(self, other: Self) -> Self {
        Self {
            min: self.min.min(other.min),
            max: self.max.max(other.max),
        }
    }

    /// The window length: 1 step when nothing is delayed.
    pub(super) fn min_delay(&self) -> u64 {
        if self.min == u64::MAX { 1 } else { self.min }
    }
}
