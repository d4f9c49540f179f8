//! A partition: a run of contiguous target neurons with their own synapses, input queues and
//! ring buffers, advanced one window (at most the minimum delay) at a time.
use crate::sim::inputs::{ClampSchedule, PoissonTargets};
use crate::sim::models::{Block, Window};
use crate::sim::recorder::{self, PartitionProbes};
use crate::sim::synapses::{SlotInputs, SynapseStore};

pub(super) struct Partition {
    pub(super) n0: usize,
    pub(super) n1: usize,
    pub(super) blocks: Vec<Block>,
    pub(super) rows: usize,
    /// spike inputs of the window's steps (`min_delay` steps of `rows`), applied from `inputs`
    pub(super) spk: Vec<f64>,
    /// spike inputs queued per ring slot
    pub(super) inputs: SlotInputs,
    /// current ring buffer (`ring_len` slots of `n1 - n0`), allocated when a current first
    /// goes into the partition (see `Window::take_currents`)
    pub(super) cur: Vec<f64>,
    pub(super) syn: SynapseStore,
    pub(super) poisson: Vec<PoissonTargets>,
    /// per clamp: local neuron indices
    pub(super) clamp_targets: Vec<Vec<u32>>,
    pub(super) out: Vec<(u32, u32)>,
    /// V_m recordings of this partition's neurons
    pub(super) probes: PartitionProbes,
}

pub(super) struct WindowInputs<'a> {
    pub(super) t0: u64,
    pub(super) len: usize,
    pub(super) ring_len: usize,
    pub(super) pending: &'a [(u64, u32)],
    pub(super) generated: &'a [(u64, u32)],
    pub(super) clamps: &'a [ClampSchedule],
    pub(super) lambdas: &'a [f64],
}

impl Partition {
    pub(super) fn run_window(&mut self, w: &WindowInputs) {
        self.syn
            .deliver(&[w.pending, w.generated], &mut self.inputs);
        for pt in &mut self.poisson {
            let lam = w.lambdas[pt.input];
            for lag in 0..w.len {
                let slot = ((w.t0 + lag as u64 + pt.delay) % w.ring_len as u64) as usize;
                for (row, rng) in pt.rows.iter().zip(pt.rngs.iter_mut()) {
                    let n = rng.poisson(lam);
                    if n > 0 {
                        self.inputs.push(slot, *row, pt.weight * n as f64);
                    }
                }
            }
        }
        let ncur = self.n1 - self.n0;
        if self.cur.is_empty() && self.clamp_targets.iter().any(|t| !t.is_empty()) {
            self.cur = vec![0.0; w.ring_len * ncur];
        }
        for (c, targets) in w.clamps.iter().zip(&self.clamp_targets) {
            if targets.is_empty() {
                continue;
            }
            for lag in 0..w.len {
                let k = (w.t0 + lag as u64) as i64;
                let cgen = k - c.delay as i64;
                if cgen < -1 {
                    continue;
                }
                let amp = c.amp_at(cgen);
                let slot = (k as u64 % w.ring_len as u64) as usize;
                let buf = &mut self.cur[slot * ncur..(slot + 1) * ncur];
                for t in targets {
                    buf[*t as usize] += amp;
                }
            }
        }
        // every input of the window's steps is queued now (delays are at least the window)
        for lag in 0..w.len {
            let slot = ((w.t0 + lag as u64) % w.ring_len as u64) as usize;
            let buf = &mut self.spk[lag * self.rows..(lag + 1) * self.rows];
            self.inputs.apply(slot, buf);
        }
        let mut win = Window {
            t0: w.t0,
            len: w.len,
            ring_len: w.ring_len,
            spk: &mut self.spk,
            rows: self.rows,
            cur: &mut self.cur,
            ncur,
        };
        self.out.clear();
        recorder::update_blocks(&mut self.blocks, &mut win, &mut self.out, &mut self.probes);
        self.out.sort_unstable_by_key(|&(lag, n)| (n, lag));
    }

    pub(super) fn block_of(&self, local: usize) -> (usize, usize) {
        let mut start = 0;
        for (bi, b) in self.blocks.iter().enumerate() {
            if local < start + b.len() {
                return (bi, local - start);
            }
            start += b.len();
        }
        (self.blocks.len(), 0)
    }
}
