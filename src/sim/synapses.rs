//! Synapses of one partition, grouped by source and, within a source, by delay, so that one spike
//! touches one ring-buffer slot per delay with target rows in increasing order.
use std::collections::HashMap;

#[derive(Debug, Clone, Copy)]
pub struct Group {
    pub start: u32,
    pub end: u32,
    pub delay: u32,
}

/// Weights: a small table of distinct (projection, weight) values indexed per synapse, or one
/// weight per synapse when there are too many distinct values.
#[derive(Debug, Clone)]
pub enum Weights {
    Table {
        id: Vec<u16>,
        table: Vec<f64>,
        table_proj: Vec<u32>,
    },
    Direct {
        w: Vec<f64>,
        proj: Vec<u32>,
    },
}

#[derive(Debug, Clone)]
pub struct SynapseStore {
    /// per global source: range into `groups`
    src_ptr: Vec<u32>,
    groups: Vec<Group>,
    row: Vec<u32>,
    weights: Weights,
}

/// One synapse as the builder sees it.
#[derive(Debug, Clone, Copy)]
pub struct Syn {
    pub src: u32,
    pub row: u32,
    pub delay: u32,
    pub weight: f64,
    pub proj: u32,
}

/// Two-pass builder: `count` every synapse, then `finish_counts`, then `push` every synapse in the
/// same order, then `build`.
pub struct StoreBuilder {
    ptr: Vec<u32>,
    cursor: Vec<u32>,
    row: Vec<u32>,
    delay: Vec<u32>,
    wid: Vec<u32>,
    table: Vec<f64>,
    table_proj: Vec<u32>,
    table_ix: HashMap<(u32, u64), u32>,
}

impl StoreBuilder {
    pub fn new(n_sources: usize) -> Self {
        Self {
            ptr: vec![0; n_sources + 1],
            cursor: Vec::new(),
            row: Vec::new(),
            delay: Vec::new(),
            wid: Vec::new(),
            table: Vec::new(),
            table_proj: Vec::new(),
            table_ix: HashMap::new(),
        }
    }

    pub fn count(&mut self, src: u32) {
        self.ptr[src as usize + 1] += 1;
    }

    pub fn finish_counts(&mut self) {
        for i in 1..self.ptr.len() {
            self.ptr[i] += self.ptr[i - 1];
        }
        let n = *self.ptr.last().unwrap_or(&0) as usize;
        self.cursor = self.ptr[..self.ptr.len() - 1].to_vec();
        self.row = vec![0; n];
        self.delay = vec![0; n];
        self.wid = vec![0; n];
    }

    pub fn push(&mut self, s: Syn) {
        let key = (s.proj, s.weight.to_bits());
        let next = self.table.len() as u32;
        let id = *self.table_ix.entry(key).or_insert(next);
        if id == next {
            self.table.push(s.weight);
            self.table_proj.push(s.proj);
        }
        let at = self.cursor[s.src as usize] as usize;
        self.cursor[s.src as usize] += 1;
        self.row[at] = s.row;
        self.delay[at] = s.delay;
        self.wid[at] = id;
    }

    pub fn build(self) -> SynapseStore {
        let StoreBuilder {
            ptr,
            mut row,
            delay,
            mut wid,
            table,
            table_proj,
            ..
        } = self;
        let n_src = ptr.len() - 1;
        let mut src_ptr = Vec::with_capacity(ptr.len());
        let mut groups = Vec::new();
        let mut scratch: Vec<(u32, u32, u32)> = Vec::new();
        src_ptr.push(0u32);
        for s in 0..n_src {
            let (a, b) = (ptr[s] as usize, ptr[s + 1] as usize);
            scratch.clear();
            scratch.extend((a..b).map(|j| (delay[j], row[j], wid[j])));
            scratch.sort_unstable();
            let mut g_start = a;
            for (k, &(d, r, w)) in scratch.iter().enumerate() {
                let j = a + k;
                row[j] = r;
                wid[j] = w;
                if k > 0 && d != scratch[k - 1].0 {
                    groups.push(Group {
                        start: g_start as u32,
                        end: j as u32,
                        delay: scratch[k - 1].0,
                    });
                    g_start = j;
                }
            }
            if b > a {
                groups.push(Group {
                    start: g_start as u32,
                    end: b as u32,
                    delay: scratch[b - a - 1].0,
                });
            }
            src_ptr.push(groups.len() as u32);
        }
        drop(delay);
        let weights = if table.len() <= u16::MAX as usize + 1 {
            Weights::Table {
                id: wid.iter().map(|&w| w as u16).collect(),
                table,
                table_proj,
            }
        } else {
            Weights::Direct {
                w: wid.iter().map(|&w| table[w as usize]).collect(),
                proj: wid.iter().map(|&w| table_proj[w as usize]).collect(),
            }
        };
        SynapseStore {
            src_ptr,
            groups,
            row,
            weights,
        }
    }
}

impl SynapseStore {
    pub fn len(&self) -> usize {
        self.row.len()
    }

    pub fn is_empty(&self) -> bool {
        self.row.is_empty()
    }

    /// Add the weights of the spikes `(step, source)` to the rows of the ring buffer at
    /// `step + delay`.
    pub fn deliver(&self, spikes: &[(u64, u32)], spk: &mut [f64], rows: usize, ring_len: usize) {
        match &self.weights {
            Weights::Table { id, table, .. } => {
                self.deliver_with(spikes, spk, rows, ring_len, id, |i: &u16| {
                    table[*i as usize]
                })
            }
            Weights::Direct { w, .. } => {
                self.deliver_with(spikes, spk, rows, ring_len, w, |x: &f64| *x)
            }
        }
    }

    #[inline(always)]
    fn deliver_with<T, F: Fn(&T) -> f64>(
        &self,
        spikes: &[(u64, u32)],
        spk: &mut [f64],
        rows: usize,
        ring_len: usize,
        wcol: &[T],
        wf: F,
    ) {
        for &(step, src) in spikes {
            let s = src as usize;
            let (g0, g1) = (self.src_ptr[s] as usize, self.src_ptr[s + 1] as usize);
            for g in &self.groups[g0..g1] {
                let slot = ((step + g.delay as u64) % ring_len as u64) as usize;
                let buf = &mut spk[slot * rows..(slot + 1) * rows];
                let (a, b) = (g.start as usize, g.end as usize);
                for (r, w) in self.row[a..b].iter().zip(&wcol[a..b]) {
                    buf[*r as usize] += wf(w);
                }
            }
        }
    }

    /// Multiply the weights of one projection. Returns how many distinct weights or synapses
    /// changed.
    pub fn scale_projection(&mut self, proj: u32, factor: f64) -> usize {
        let mut n = 0;
        match &mut self.weights {
            Weights::Table {
                table, table_proj, ..
            } => {
                for (w, p) in table.iter_mut().zip(table_proj.iter()) {
                    if *p == proj {
                        *w *= factor;
                        n += 1;
                    }
                }
            }
            Weights::Direct { w, proj: pr } => {
                for (w, p) in w.iter_mut().zip(pr.iter()) {
                    if *p == proj {
                        *w *= factor;
                        n += 1;
                    }
                }
            }
        }
        n
    }

    /// Bytes held (for the memory summary).
    pub fn bytes(&self) -> usize {
        let w = match &self.weights {
            Weights::Table { id, table, .. } => id.len() * 2 + table.len() * 12,
            Weights::Direct { w, .. } => w.len() * 12,
        };
        self.src_ptr.len() * 4 + self.groups.len() * 12 + self.row.len() * 4 + w
    }
}
