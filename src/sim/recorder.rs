//! V_m recording as NEST 3.10's multimeter does it (`nestkernel/universal_data_logger_impl.h`,
//! `recording_device.cpp`): a sample is the state at the END of a step, stamped with the step's
//! right end; samples are taken at stamps that are multiples of the interval and lie in
//! (start, stop]. A recording from t = 0 so has its first sample at t = interval, never at 0.
//!
//! The blocks that hold recorded neurons are advanced through a window in segments that end at
//! sample stamps, and the values are read between segments. A model's update reads its inputs
//! from the ring buffers by absolute step and keeps no state per window, so cutting a window
//! changes no arithmetic: the spikes are the same with or without a recording.
use super::models::{Block, Window};

/// When to sample: at stamps (steps) `s` with `s % interval == 0` and `start < s <= stop`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampleGrid {
    pub interval: u64,
    pub start: u64,
    pub stop: u64,
}

impl SampleGrid {
    /// The sample stamps in (t0, t1].
    pub fn stamps_in(&self, t0: u64, t1: u64) -> impl Iterator<Item = u64> + use<> {
        let interval = self.interval.max(1);
        let first = (t0.max(self.start) / interval + 1) * interval;
        let last = t1.min(self.stop);
        (first..=last).step_by(interval as usize)
    }

    /// Number of samples in (t0, t1].
    pub fn count(&self, t0: u64, t1: u64) -> usize {
        let interval = self.interval.max(1);
        let first = (t0.max(self.start) / interval + 1) * interval;
        let last = t1.min(self.stop);
        if last < first {
            0
        } else {
            ((last - first) / interval + 1) as usize
        }
    }

    fn samples_at(&self, stamp: u64) -> bool {
        stamp.is_multiple_of(self.interval.max(1)) && self.start < stamp && stamp <= self.stop
    }
}

/// V_m frames taken from a recording: `values[f * neurons + i]` is the i-th recorded neuron (in
/// the order given to `Simulation::record_v_m`) at stamp `steps[f]`, in mV.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VmFrames {
    pub steps: Vec<u64>,
    pub neurons: usize,
    pub values: Vec<f64>,
}

impl VmFrames {
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Frame `f`: one value per recorded neuron.
    pub fn frame(&self, f: usize) -> &[f64] {
        &self.values[f * self.neurons..(f + 1) * self.neurons]
    }
}

/// The recordings of a simulation, with the frames gathered and not yet taken.
#[derive(Debug, Default)]
pub(super) struct VmRecordings {
    recs: Vec<(SampleGrid, VmFrames)>,
}

impl VmRecordings {
    pub fn add(&mut self, grid: SampleGrid, neurons: usize) -> usize {
        self.recs.push((
            grid,
            VmFrames {
                neurons,
                ..Default::default()
            },
        ));
        self.recs.len() - 1
    }

    pub fn len(&self) -> usize {
        self.recs.len()
    }

    pub fn take(&mut self, id: usize) -> Option<VmFrames> {
        let (_, frames) = self.recs.get_mut(id)?;
        let neurons = frames.neurons;
        Some(std::mem::replace(
            frames,
            VmFrames {
                neurons,
                ..Default::default()
            },
        ))
    }

    /// Collect what the partitions sampled in the window (t0, t1].
    pub fn gather<'a>(
        &mut self,
        t0: u64,
        t1: u64,
        parts: impl Iterator<Item = &'a PartitionProbes>,
    ) {
        if self.recs.is_empty() {
            return;
        }
        let mut bases = Vec::with_capacity(self.recs.len());
        for (grid, frames) in &mut self.recs {
            bases.push(frames.values.len());
            let n = grid.count(t0, t1);
            frames.steps.extend(grid.stamps_in(t0, t1));
            frames
                .values
                .resize(frames.values.len() + n * frames.neurons, f64::NAN);
        }
        for part in parts {
            for probe in &part.probes {
                let (_, frames) = &mut self.recs[probe.recording];
                let base = bases[probe.recording];
                let m = probe.cols.len();
                for (j, sample) in probe.out.chunks_exact(m.max(1)).enumerate() {
                    let row = base + j * frames.neurons;
                    for (&col, &v) in probe.cols.iter().zip(sample) {
                        frames.values[row + col as usize] = v;
                    }
                }
            }
        }
    }
}

/// The neurons of one recording that a partition owns.
#[derive(Debug, Clone)]
struct Probe {
    recording: usize,
    grid: SampleGrid,
    /// (block, neuron in block), sorted by block
    at: Vec<(usize, usize)>,
    /// the recording's column of each entry of `at`
    cols: Vec<u32>,
    /// per block with recorded neurons: (block, range of `at`)
    blocks: Vec<(usize, std::ops::Range<usize>)>,
    /// values of the current window: sample-major, `cols.len()` per sample
    out: Vec<f64>,
}

/// What one partition records.
#[derive(Debug, Clone, Default)]
pub(super) struct PartitionProbes {
    probes: Vec<Probe>,
    cuts: Vec<usize>,
}

impl PartitionProbes {
    /// Record neurons `(block, neuron in block, column)` for recording `recording`.
    pub fn add(
        &mut self,
        recording: usize,
        grid: SampleGrid,
        mut entries: Vec<(usize, usize, u32)>,
    ) {
        if entries.is_empty() {
            return;
        }
        entries.sort_unstable();
        let mut blocks: Vec<(usize, std::ops::Range<usize>)> = Vec::new();
        for (i, &(b, _, _)) in entries.iter().enumerate() {
            match blocks.last_mut() {
                Some((lb, r)) if *lb == b => r.end = i + 1,
                _ => blocks.push((b, i..i + 1)),
            }
        }
        self.probes.push(Probe {
            recording,
            grid,
            at: entries.iter().map(|&(b, k, _)| (b, k)).collect(),
            cols: entries.iter().map(|&(_, _, c)| c).collect(),
            blocks,
            out: Vec::new(),
        });
    }
}

/// Advance every block through the window, reading the recorded neurons at their sample stamps.
pub(super) fn update_blocks(
    blocks: &mut [Block],
    w: &mut Window,
    spikes: &mut Vec<(u32, u32)>,
    rec: &mut PartitionProbes,
) {
    if rec.probes.is_empty() {
        for b in blocks.iter_mut() {
            b.update(w, spikes);
        }
        return;
    }
    let (t0, t1) = (w.t0, w.t0 + w.len as u64);
    for p in &mut rec.probes {
        p.out.clear();
        p.out.resize(p.grid.count(t0, t1) * p.cols.len(), f64::NAN);
    }
    for (bi, b) in blocks.iter_mut().enumerate() {
        rec.cuts.clear();
        for p in &rec.probes {
            if p.blocks.iter().any(|(pb, _)| *pb == bi) {
                rec.cuts
                    .extend(p.grid.stamps_in(t0, t1).map(|s| (s - t0) as usize));
            }
        }
        if rec.cuts.is_empty() {
            b.update(w, spikes);
            continue;
        }
        rec.cuts.sort_unstable();
        rec.cuts.dedup();
        let mut a = 0;
        for &c in &rec.cuts {
            run_segment(b, w, a, c, spikes);
            a = c;
            let stamp = t0 + c as u64;
            for p in &mut rec.probes {
                if !p.grid.samples_at(stamp) {
                    continue;
                }
                let Some((_, range)) = p.blocks.iter().find(|(pb, _)| *pb == bi) else {
                    continue;
                };
                let first = p.grid.stamps_in(t0, t1).next().unwrap_or(stamp);
                let j = ((stamp - first) / p.grid.interval.max(1)) as usize;
                let m = p.cols.len();
                for q in range.clone() {
                    p.out[j * m + q] = b.v_m(p.at[q].1);
                }
            }
        }
        run_segment(b, w, a, w.len, spikes);
    }
}

/// Advance a block through lags `a..c` of the window, spikes stamped with their lag in the window.
fn run_segment(b: &mut Block, w: &mut Window, a: usize, c: usize, spikes: &mut Vec<(u32, u32)>) {
    if c <= a {
        return;
    }
    let n0 = spikes.len();
    let mut seg = Window {
        t0: w.t0 + a as u64,
        len: c - a,
        ring_len: w.ring_len,
        // spike inputs are indexed by lag in the window: the segment's start at lag `a`
        spk: &mut w.spk[a * w.rows..],
        rows: w.rows,
        cur: &mut *w.cur,
        ncur: w.ncur,
    };
    b.update(&mut seg, spikes);
    for s in &mut spikes[n0..] {
        s.0 += a as u32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_follow_nests_multimeter() {
        // interval 5 steps from 0: stamps 5, 10, ... (never 0); (start, stop] bounds
        let g = SampleGrid {
            interval: 5,
            start: 0,
            stop: 100,
        };
        assert_eq!(g.stamps_in(0, 10).collect::<Vec<_>>(), vec![5, 10]);
        assert_eq!(g.count(0, 10), 2);
        assert_eq!(g.stamps_in(10, 14).count(), 0);
        assert_eq!(g.count(10, 14), 0);
        let g = SampleGrid {
            interval: 3,
            start: 20,
            stop: 70,
        };
        // NEST: start 2.0, stop 7.0, interval 0.3 at dt 0.1 -> 2.1, 2.4, ... 6.9
        let all: Vec<u64> = g.stamps_in(0, 100).collect();
        assert_eq!(all.first(), Some(&21));
        assert_eq!(all.last(), Some(&69));
        assert_eq!(all.len(), 17);
        assert_eq!(g.count(0, 100), 17);
        assert!(g.samples_at(21) && !g.samples_at(72) && !g.samples_at(18));
    }
}
