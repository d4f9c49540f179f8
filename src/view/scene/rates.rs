//! Firing rates (no Bevy): each neuron's mean rate, and population rates of the drawn
//! neurons in time bins for the rate plot.

use super::model::{NeuronInstance, Scene};
use crate::view::colors::{MISSING, categorical};

/// Population firing rates of the drawn neurons: spikes per neuron per second in bins.
#[derive(Clone, Debug, Default)]
pub struct Rates {
    pub t0: f64,
    pub bin_ms: f64,
    /// (population, its colour in the legend sense, Hz per bin).
    pub series: Vec<(String, [f32; 3], Vec<f32>)>,
}

impl Scene {
    /// Mean firing rate of each instance (Hz) over the simulated time (`run.tstop`, else the
    /// span of the spikes).
    pub fn firing_rates(&self) -> Vec<f32> {
        let mut counts = vec![0u32; self.len()];
        for s in &self.spikes {
            for &id in &s.index.node_ids {
                if let Some(&i) = s.instance_of.get(id as usize)
                    && let Some(c) = counts.get_mut(i as usize)
                {
                    *c += 1;
                }
            }
        }
        let secs = self
            .tstop()
            .or_else(|| self.time_range().map(|(_, b)| b))
            .unwrap_or(1000.0)
            .max(1.0)
            / 1000.0;
        counts.iter().map(|&c| (c as f64 / secs) as f32).collect()
    }

    /// Rates over `range` in `bins` bins, counting only drawn instances (one pass over the
    /// spikes: done when representations change, not per frame).
    pub fn rates(&self, instances: &[NeuronInstance], range: (f64, f64), bins: usize) -> Rates {
        let bins = bins.max(1);
        let bin_ms = ((range.1 - range.0) / bins as f64).max(1e-6);
        let mut series = Vec::new();
        for s in &self.spikes {
            let drawn: Vec<bool> = s
                .instance_of
                .iter()
                .map(|&i| {
                    i != u32::MAX && instances.get(i as usize).is_some_and(|d| d.radius > 0.0)
                })
                .collect();
            let n = drawn.iter().filter(|d| **d).count();
            if n == 0 {
                continue;
            }
            let mut counts = vec![0u32; bins];
            for k in s.index.window(range.0, range.1) {
                if drawn
                    .get(s.index.node_ids[k] as usize)
                    .copied()
                    .unwrap_or(false)
                {
                    let b = ((s.index.times[k] - range.0) / bin_ms) as usize;
                    counts[b.min(bins - 1)] += 1;
                }
            }
            let scale = 1000.0 / (bin_ms * n as f64);
            let color = self
                .populations
                .iter()
                .position(|p| p.name == s.index.population)
                .map(|i| categorical(self.populations[i].circuit_index))
                .unwrap_or(MISSING);
            series.push((
                s.index.population.clone(),
                color,
                counts.iter().map(|&c| (c as f64 * scale) as f32).collect(),
            ));
        }
        Rates {
            t0: range.0,
            bin_ms,
            series,
        }
    }
}
