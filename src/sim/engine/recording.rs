//! A neuron's membrane potential: read, set, and recorded as NEST's multimeter records it.
use super::Simulation;
use crate::sim::error::{SimError, SimResult};
use crate::sim::recorder::{SampleGrid, VmFrames};

impl Simulation {
    pub(super) fn locate(&self, population: usize, row: usize) -> SimResult<(usize, usize, usize)> {
        if population + 1 >= self.pop_offset.len() || row >= self.population_len(population) {
            return Err(SimError::NotFound {
                what: "neuron",
                name: format!("{population}:{row}"),
            });
        }
        let i = self.pop_offset[population] + row;
        let pi = self.parts.partition_point(|p| p.n1 <= i);
        let part = &self.parts[pi];
        let (b, k) = part.block_of(i - part.n0);
        Ok((pi, b, k))
    }

    /// Membrane potential (mV) of a neuron.
    pub fn v_m(&self, population: usize, row: usize) -> SimResult<f64> {
        let (p, b, k) = self.locate(population, row)?;
        Ok(self.parts[p].blocks[b].v_m(k))
    }

    /// Record the membrane potential (mV) of `rows` of population `population` as NEST's
    /// multimeter does (see [`recorder`]): the state at the end of each step whose stamp is a
    /// multiple of `grid.interval` and lies in (`grid.start`, `grid.stop`], from now on. Returns
    /// the recording's id for [`Simulation::take_v_m`].
    pub fn record_v_m(
        &mut self,
        population: usize,
        rows: &[u32],
        grid: SampleGrid,
    ) -> SimResult<usize> {
        if grid.interval == 0 {
            return Err(SimError::Invalid(
                "a V_m recording needs an interval of at least one step".into(),
            ));
        }
        let mut per_part: Vec<Vec<(usize, usize, u32)>> = vec![Vec::new(); self.parts.len()];
        for (col, &row) in rows.iter().enumerate() {
            let (p, b, k) = self.locate(population, row as usize)?;
            per_part[p].push((b, k, col as u32));
        }
        let grid = SampleGrid {
            start: grid.start.max(self.step),
            ..grid
        };
        let id = self.vm.add(grid, rows.len());
        for (part, entries) in self.parts.iter_mut().zip(per_part) {
            part.probes.add(id, grid, entries);
        }
        Ok(id)
    }

    /// The V_m frames of a recording since the previous call.
    pub fn take_v_m(&mut self, recording: usize) -> SimResult<VmFrames> {
        let n = self.vm.len();
        self.vm.take(recording).ok_or_else(|| SimError::NotFound {
            what: "V_m recording",
            name: format!("{recording} (of {n})"),
        })
    }

    /// Set the membrane potential (mV) of a neuron.
    pub fn set_v_m(&mut self, population: usize, row: usize, v: f64) -> SimResult<()> {
        let (p, b, k) = self.locate(population, row)?;
        self.parts[p].blocks[b].set_v_m(k, v);
        Ok(())
    }
}
