//! Synapses of one partition, grouped by source and, within a source, by delay, so that one spike
//! touches one ring-buffer slot per delay with target rows in increasing order.
//!
//! Built by a counting sort: the engine counts the synapses per source, lays out exact-size
//! columns, writes every synapse at its source's cursor (`Filler`), then [`Filler::finish`] sorts
//! each source's synapses by (delay, row, weight id) and cuts them into delay groups.
use rustc_hash::FxHashMap;

use super::prefetch;

#[derive(Debug, Clone, Copy)]
pub struct Group {
    pub start: u32,
    pub end: u32,
    pub delay: u32,
}

/// Per-synapse columns: target row and weight.
#[derive(Debug, Clone)]
pub enum Columns {
    /// row and weight id in one word: `row << shift | id`, weights in a small table of distinct
    /// (projection, weight) values
    Packed {
        syn: Vec<u32>,
        shift: u32,
        table: Vec<f64>,
        table_proj: Vec<u32>,
    },
    /// rows, and weight ids into the table
    Table {
        row: Vec<u32>,
        id: Vec<u16>,
        table: Vec<f64>,
        table_proj: Vec<u32>,
    },
    /// rows, and one weight per synapse when there are too many distinct values
    Direct {
        row: Vec<u32>,
        w: Vec<f64>,
        proj: Vec<u32>,
    },
}

#[derive(Debug, Clone)]
pub struct SynapseStore {
    /// per global source: range into `groups`
    src_ptr: Vec<u32>,
    /// per global source: range of its synapses in the columns (for prefetching)
    syn_ptr: Vec<u32>,
    groups: Vec<Group>,
    cols: Columns,
}

/// The distinct (projection, weight) values of a partition, numbered in order of first
/// appearance.
#[derive(Debug, Default)]
pub struct WeightTable {
    pub table: Vec<f64>,
    pub table_proj: Vec<u32>,
    /// FxHash: the small integer keys need no DoS-resistant hashing
    ix: FxHashMap<(u32, u64), u32>,
}

impl WeightTable {
    /// Id of a weight, assigned on first sight.
    pub fn id(&mut self, proj: u32, w: f64) -> u32 {
        let next = self.table.len() as u32;
        let id = *self.ix.entry((proj, w.to_bits())).or_insert(next);
        if id == next {
            self.table.push(w);
            self.table_proj.push(proj);
        }
        id
    }

    /// Id of a weight already seen.
    pub fn get(&self, proj: u32, w: f64) -> u32 {
        self.ix.get(&(proj, w.to_bits())).copied().unwrap_or(0)
    }

    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }
}

/// Delay index column of the builder: u8 when a partition has at most 256 distinct delays.
#[derive(Debug)]
pub enum DelayIx {
    Small(Vec<u8>),
    Wide(Vec<u32>),
}

impl DelayIx {
    #[inline(always)]
    fn set(&mut self, at: usize, d: u32) {
        match self {
            DelayIx::Small(v) => v[at] = d as u8,
            DelayIx::Wide(v) => v[at] = d,
        }
    }

    #[inline(always)]
    fn get(&self, at: usize) -> u32 {
        match self {
            DelayIx::Small(v) => v[at] as u32,
            DelayIx::Wide(v) => v[at],
        }
    }
}

/// Columns being filled: synapses are written at their source's cursor.
pub struct Filler {
    /// per source: start of its synapses (n_sources + 1)
    ptr: Vec<u32>,
    cursor: Vec<u32>,
    /// see `Layout`
    main: Vec<u32>,
    /// weight ids (`Layout::Wide` only)
    wid: Vec<u32>,
    /// delay indices (not with `Layout::Dense`)
    dix: DelayIx,
    layout: Layout,
    /// distinct delays in steps, increasing (`dix` indexes them)
    delays: Vec<u32>,
    weights: WeightTable,
}

/// What `Filler::main` holds per synapse.
#[derive(Debug, Clone, Copy)]
enum Layout {
    /// `dix << dshift | row << shift | id`: one word, sorted as it is
    Dense { shift: u32, dshift: u32 },
    /// `row << shift | id`, delay indices apart
    Packed { shift: u32 },
    /// the row; weight ids and delay indices apart
    Wide,
}

fn bits(n: usize) -> u32 {
    usize::BITS - n.saturating_sub(1).leading_zeros()
}

impl Filler {
    /// `counts[s]`: synapses of source s (one extra entry at the end, ignored); `rows`: ring
    /// rows of the partition; `delays`: the distinct delays, increasing; `weights`: the weight
    /// table of the partition, complete. Returns None when the partition holds 2^32 or more
    /// synapses.
    pub fn new(
        mut counts: Vec<u32>,
        rows: usize,
        delays: Vec<u32>,
        weights: WeightTable,
    ) -> Option<Self> {
        let mut acc = 0u32;
        for c in counts.iter_mut() {
            let x = *c;
            *c = acc;
            acc = acc.checked_add(x)?;
        }
        let ptr = counts;
        let n = acc as usize;
        let cursor = ptr.clone();
        let shift = bits(weights.len());
        let dshift = bits(rows) + shift;
        let layout = if dshift + bits(delays.len()) <= 32 {
            Layout::Dense { shift, dshift }
        } else if dshift <= 32 {
            Layout::Packed { shift }
        } else {
            Layout::Wide
        };
        let dix = match layout {
            Layout::Dense { .. } => DelayIx::Small(Vec::new()),
            _ if delays.len() <= 256 => DelayIx::Small(vec![0; n]),
            _ => DelayIx::Wide(vec![0; n]),
        };
        Some(Self {
            ptr,
            cursor,
            main: vec![0; n],
            wid: match layout {
                Layout::Wide => vec![0; n],
                _ => Vec::new(),
            },
            dix,
            layout,
            delays,
            weights,
        })
    }

    pub fn weights(&self) -> &WeightTable {
        &self.weights
    }

    /// Index of a delay (steps) in `delays` (the delay must be one of them).
    pub fn delay_index(&self, d: u32) -> u32 {
        self.delays.partition_point(|&x| x < d) as u32
    }

    /// Write one synapse: source, ring row, delay index, weight id.
    #[inline(always)]
    pub fn put(&mut self, src: u32, row: u32, dix: u32, wid: u32) {
        let at = self.cursor[src as usize] as usize;
        self.cursor[src as usize] += 1;
        match self.layout {
            Layout::Dense { shift, dshift } => {
                self.main[at] = (((dix as u64) << dshift) as u32) | (row << shift) | wid
            }
            Layout::Packed { shift } => {
                self.main[at] = (row << shift) | wid;
                self.dix.set(at, dix);
            }
            Layout::Wide => {
                self.main[at] = row;
                self.wid[at] = wid;
                self.dix.set(at, dix);
            }
        }
    }

    /// Sort each source's synapses by (delay, row, weight id) and cut them into delay groups.
    pub fn finish(self) -> SynapseStore {
        let Filler {
            ptr,
            cursor,
            mut main,
            mut wid,
            dix,
            layout,
            delays,
            weights,
        } = self;
        drop(cursor);
        let n_src = ptr.len() - 1;
        let mut src_ptr = Vec::with_capacity(ptr.len());
        let mut groups = Vec::new();
        src_ptr.push(0u32);
        match layout {
            Layout::Dense { dshift, .. } => {
                let dix_of = |x: u32| ((x as u64) >> dshift) as u32;
                for s in 0..n_src {
                    let seg = &mut main[ptr[s] as usize..ptr[s + 1] as usize];
                    seg.sort_unstable();
                    cut_groups(&mut groups, ptr[s] as usize, seg, dix_of, &delays);
                    src_ptr.push(groups.len() as u32);
                }
                let mask = ((1u64 << dshift) - 1) as u32;
                for x in main.iter_mut() {
                    *x &= mask;
                }
            }
            Layout::Packed { .. } => {
                let mut scratch: Vec<u64> = Vec::new();
                for s in 0..n_src {
                    let (a, b) = (ptr[s] as usize, ptr[s + 1] as usize);
                    scratch.clear();
                    scratch.extend((a..b).map(|j| ((dix.get(j) as u64) << 32) | main[j] as u64));
                    scratch.sort_unstable();
                    for (k, &x) in scratch.iter().enumerate() {
                        main[a + k] = x as u32;
                    }
                    cut_groups(&mut groups, a, &scratch, |x| (x >> 32) as u32, &delays);
                    src_ptr.push(groups.len() as u32);
                }
            }
            Layout::Wide => {
                let mut scratch: Vec<u128> = Vec::new();
                for s in 0..n_src {
                    let (a, b) = (ptr[s] as usize, ptr[s + 1] as usize);
                    scratch.clear();
                    scratch.extend((a..b).map(|j| {
                        ((dix.get(j) as u128) << 64) | ((main[j] as u128) << 32) | wid[j] as u128
                    }));
                    scratch.sort_unstable();
                    for (k, &x) in scratch.iter().enumerate() {
                        main[a + k] = (x >> 32) as u32;
                        wid[a + k] = x as u32;
                    }
                    cut_groups(&mut groups, a, &scratch, |x| (x >> 64) as u32, &delays);
                    src_ptr.push(groups.len() as u32);
                }
            }
        }
        drop(dix);
        let WeightTable {
            table, table_proj, ..
        } = weights;
        let cols = match layout {
            Layout::Dense { shift, .. } | Layout::Packed { shift } => Columns::Packed {
                syn: main,
                shift,
                table,
                table_proj,
            },
            Layout::Wide if table.len() <= u16::MAX as usize + 1 => Columns::Table {
                row: main,
                id: wid.iter().map(|&w| w as u16).collect(),
                table,
                table_proj,
            },
            Layout::Wide => Columns::Direct {
                row: main,
                w: wid.iter().map(|&w| table[w as usize]).collect(),
                proj: wid.iter().map(|&w| table_proj[w as usize]).collect(),
            },
        };
        SynapseStore {
            src_ptr,
            syn_ptr: ptr,
            groups,
            cols,
        }
    }
}

/// Append the delay groups of one source whose sorted keys start at synapse `a`.
fn cut_groups<K: Copy>(
    groups: &mut Vec<Group>,
    a: usize,
    keys: &[K],
    dix_of: impl Fn(K) -> u32,
    delays: &[u32],
) {
    let mut g_start = 0;
    for k in 1..=keys.len() {
        if k == keys.len() || dix_of(keys[k]) != dix_of(keys[k - 1]) {
            groups.push(Group {
                start: (a + g_start) as u32,
                end: (a + k) as u32,
                delay: delays[dix_of(keys[k - 1]) as usize],
            });
            g_start = k;
        }
    }
}

/// Spike inputs waiting for their step: per ring slot, the (row, weight) additions in the order
/// they are made. A dense ring of every row for every slot is too big for the cache, and the
/// synapses touch it at random: between a slot's clearing and its next writes its lines have left
/// the cache, so every synaptic event waited on memory. These lists are written in order and
/// applied ([`SlotInputs::apply`]) just before the slot's step, into a buffer of the window's
/// steps that the update has just read and so is still in cache. Each row receives the same
/// additions in the same order as with a dense ring, so the sums are the same to the bit.
#[derive(Debug, Default, Clone)]
pub struct SlotInputs {
    slots: Vec<SlotList>,
}

#[derive(Debug, Default, Clone)]
struct SlotList {
    rows: Vec<u32>,
    vals: Vec<f64>,
}

impl SlotInputs {
    pub fn new(ring_len: usize) -> Self {
        Self {
            slots: vec![SlotList::default(); ring_len],
        }
    }

    /// Queue `val` for `row` at ring slot `slot`.
    #[inline]
    pub fn push(&mut self, slot: usize, row: u32, val: f64) {
        let l = &mut self.slots[slot];
        l.rows.push(row);
        l.vals.push(val);
    }

    /// Add the inputs queued at `slot` into `buf` (indexed by row), in order, and empty the slot.
    pub fn apply(&mut self, slot: usize, buf: &mut [f64]) {
        let l = &mut self.slots[slot];
        for (&r, &v) in l.rows.iter().zip(&l.vals) {
            buf[r as usize] += v;
        }
        l.rows.clear();
        l.vals.clear();
    }
}

impl Columns {
    /// Prefetch the columns of synapses `r`.
    #[inline(always)]
    fn prefetch(&self, r: std::ops::Range<usize>) {
        match self {
            Columns::Packed { syn, .. } => {
                if let Some(x) = syn.get(r) {
                    prefetch::lines(x);
                }
            }
            Columns::Table { row, id, .. } => {
                if let (Some(a), Some(b)) = (row.get(r.clone()), id.get(r)) {
                    prefetch::lines(a);
                    prefetch::lines(b);
                }
            }
            Columns::Direct { row, w, .. } => {
                if let (Some(a), Some(b)) = (row.get(r.clone()), w.get(r)) {
                    prefetch::lines(a);
                    prefetch::lines(b);
                }
            }
        }
    }
}

impl SynapseStore {
    pub fn len(&self) -> usize {
        match &self.cols {
            Columns::Packed { syn, .. } => syn.len(),
            Columns::Table { row, .. } | Columns::Direct { row, .. } => row.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Queue the weights of the spikes `(step, source)` of `batches` for their rows at ring slot
    /// `(step + delay) % ring_len`, in the order of the batches, their spikes and each spike's
    /// synapses (NEST's order of additions into a row).
    pub fn deliver(&self, batches: &[&[(u64, u32)]], inputs: &mut SlotInputs) {
        match &self.cols {
            Columns::Packed {
                syn, shift, table, ..
            } => {
                let mask = (1u32 << shift) - 1;
                let sh = *shift;
                self.for_each_group(batches, inputs, |a, b, l| {
                    let s = &syn[a..b];
                    l.rows.extend(s.iter().map(|x| x >> sh));
                    l.vals.extend(s.iter().map(|x| table[(x & mask) as usize]));
                })
            }
            Columns::Table { row, id, table, .. } => {
                self.for_each_group(batches, inputs, |a, b, l| {
                    l.rows.extend_from_slice(&row[a..b]);
                    l.vals.extend(id[a..b].iter().map(|&i| table[i as usize]));
                })
            }
            Columns::Direct { row, w, .. } => self.for_each_group(batches, inputs, |a, b, l| {
                l.rows.extend_from_slice(&row[a..b]);
                l.vals.extend_from_slice(&w[a..b]);
            }),
        }
    }

    /// A spike's source is random, so its pointers, groups and synapses (a few hundred bytes
    /// apart from any other's) miss the cache and the hardware prefetcher: ask for the pointers
    /// of the source `PTR_AHEAD` spikes ahead, and for the groups and synapses of the one
    /// `AHEAD` spikes ahead (its pointers asked for before). A spike's synapses take a few hundred
    /// nanoseconds, more than a miss, so two spikes ahead is enough.
    #[inline(always)]
    fn prefetch_ahead(&self, spikes: &[(u64, u32)], j: usize) {
        const AHEAD: usize = 2;
        const PTR_AHEAD: usize = 6;
        if let Some(&(_, s)) = spikes.get(j + PTR_AHEAD)
            && let (Some(a), Some(b)) = (self.src_ptr.get(s as usize), self.syn_ptr.get(s as usize))
        {
            prefetch::one(a);
            prefetch::one(b);
        }
        let Some(&(_, s)) = spikes.get(j + AHEAD) else {
            return;
        };
        let s = s as usize;
        if let (Some(g), Some(x)) = (self.src_ptr.get(s..s + 2), self.syn_ptr.get(s..s + 2)) {
            if let Some(gs) = self.groups.get(g[0] as usize..g[1] as usize) {
                prefetch::lines(gs);
            }
            self.cols.prefetch(x[0] as usize..x[1] as usize);
        }
    }

    /// `add(start, end, list)` for each delay group of each spike, with the list of its slot.
    #[inline(always)]
    fn for_each_group<F: FnMut(usize, usize, &mut SlotList)>(
        &self,
        batches: &[&[(u64, u32)]],
        inputs: &mut SlotInputs,
        mut add: F,
    ) {
        let ring_len = inputs.slots.len();
        for spikes in batches {
            for (j, &(step, src)) in spikes.iter().enumerate() {
                self.prefetch_ahead(spikes, j);
                let s = src as usize;
                let (g0, g1) = (self.src_ptr[s] as usize, self.src_ptr[s + 1] as usize);
                // one division per spike; delays are below ring_len, so one wrap at most
                let s0 = (step % ring_len as u64) as usize;
                for g in &self.groups[g0..g1] {
                    let mut slot = s0 + g.delay as usize;
                    if slot >= ring_len {
                        slot -= ring_len;
                    }
                    add(g.start as usize, g.end as usize, &mut inputs.slots[slot]);
                }
            }
        }
    }

    /// Multiply the weights of one projection. Returns how many distinct weights or synapses
    /// changed.
    pub fn scale_projection(&mut self, proj: u32, factor: f64) -> usize {
        let mut n = 0;
        let (w, p) = match &mut self.cols {
            Columns::Packed {
                table, table_proj, ..
            }
            | Columns::Table {
                table, table_proj, ..
            } => (table, table_proj),
            Columns::Direct { w, proj, .. } => (w, proj),
        };
        for (w, p) in w.iter_mut().zip(p.iter()) {
            if *p == proj {
                *w *= factor;
                n += 1;
            }
        }
        n
    }

    /// Bytes held (for the memory summary).
    pub fn bytes(&self) -> usize {
        let c = match &self.cols {
            Columns::Packed { syn, table, .. } => syn.len() * 4 + table.len() * 12,
            Columns::Table { row, id, table, .. } => {
                row.len() * 4 + id.len() * 2 + table.len() * 12
            }
            Columns::Direct { row, .. } => row.len() * 16,
        };
        (self.src_ptr.len() + self.syn_ptr.len()) * 4
            + self.groups.len() * std::mem::size_of::<Group>()
            + c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (source, row, delay, weight, projection)
    type S = (u32, u32, u32, f64, u32);

    fn build(syns: &[S], n_src: usize, rows: usize) -> SynapseStore {
        build_as(syns, n_src, rows).0
    }

    fn build_as(syns: &[S], n_src: usize, rows: usize) -> (SynapseStore, Layout) {
        let mut counts = vec![0u32; n_src + 1];
        let mut delays: Vec<u32> = syns.iter().map(|s| s.2).collect();
        delays.sort_unstable();
        delays.dedup();
        let mut wt = WeightTable::default();
        for s in syns {
            counts[s.0 as usize] += 1;
            wt.id(s.4, s.3);
        }
        let mut f = Filler::new(counts, rows, delays, wt).unwrap();
        for s in syns {
            let (d, w) = (f.delay_index(s.2), f.weights().get(s.4, s.3));
            f.put(s.0, s.1, d, w);
        }
        let layout = f.layout;
        (f.finish(), layout)
    }

    fn random(n: usize, n_src: u32, rows: u32, n_weights: u32, seed: u64) -> Vec<S> {
        let mut x = seed;
        let mut next = move |m: u32| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((x >> 33) % m as u64) as u32
        };
        (0..n)
            .map(|_| {
                let w = next(n_weights) as f64 - (n_weights / 2) as f64;
                (next(n_src), next(rows), 1 + next(5), w, next(2))
            })
            .collect()
    }

    /// Deliver into slot lists and apply every slot: the dense ring (`ring` slots of `rows`).
    fn deliver_dense(
        store: &SynapseStore,
        batches: &[&[(u64, u32)]],
        rows: usize,
        ring: usize,
    ) -> Vec<f64> {
        let mut inputs = SlotInputs::new(ring);
        store.deliver(batches, &mut inputs);
        let mut buf = vec![0.0; ring * rows];
        for (slot, b) in buf.chunks_mut(rows).enumerate() {
            inputs.apply(slot, b);
        }
        buf
    }

    /// Integer weights: sums are exact in any order.
    fn check(syns: &[S], n_src: usize, rows: usize) -> (SynapseStore, Layout) {
        let (store, layout) = build_as(syns, n_src, rows);
        assert_eq!(store.len(), syns.len());
        let ring = 8;
        let spikes: Vec<(u64, u32)> = (0..n_src as u32).map(|s| (s as u64 % 3, s)).collect();
        let got = deliver_dense(&store, &[&spikes], rows, ring);
        let mut want = vec![0.0; ring * rows];
        for &(step, src) in &spikes {
            for s in syns.iter().filter(|s| s.0 == src) {
                want[((step + s.2 as u64) % ring as u64) as usize * rows + s.1 as usize] += s.3;
            }
        }
        assert_eq!(got, want);
        (store, layout)
    }

    #[test]
    fn packed_columns_deliver_every_synapse() {
        let syns = random(5000, 50, 300, 20, 1);
        let (store, layout) = check(&syns, 50, 300);
        assert!(matches!(store.cols, Columns::Packed { .. }));
        assert!(matches!(layout, Layout::Dense { .. }));
    }

    #[test]
    fn wide_rows_use_separate_columns() {
        let rows = 1 << 17;
        let syns = random(30_000, 40, rows, 20_000, 5);
        let (store, layout) = check(&syns, 40, rows as usize);
        assert!(matches!(store.cols, Columns::Packed { .. }));
        assert!(matches!(layout, Layout::Packed { .. }));
        let syns = random(60_000, 40, rows, 40_000, 2);
        let (store, _) = check(&syns, 40, rows as usize);
        assert!(matches!(store.cols, Columns::Table { .. }));
        let syns = random(150_000, 40, rows, 140_000, 3);
        let (store, _) = check(&syns, 40, rows as usize);
        assert!(matches!(store.cols, Columns::Direct { .. }));
    }

    #[test]
    fn synapses_of_a_source_are_sorted_by_delay_then_row() {
        let syns = random(3000, 7, 100, 10, 4);
        let store = build(&syns, 7, 100);
        let Columns::Packed { syn, shift, .. } = &store.cols else {
            panic!("expected packed columns");
        };
        for s in 0..7 {
            let gs = &store.groups[store.src_ptr[s] as usize..store.src_ptr[s + 1] as usize];
            assert!(
                gs.windows(2)
                    .all(|g| g[0].delay < g[1].delay && g[0].end == g[1].start)
            );
            for g in gs {
                let r = &syn[g.start as usize..g.end as usize];
                assert!(r.windows(2).all(|x| x[0] >> shift <= x[1] >> shift));
            }
        }
    }

    #[test]
    fn scaling_a_projection_changes_only_its_weights() {
        let syns = vec![(0, 0, 1, 2.0, 0), (0, 1, 1, 2.0, 1), (1, 0, 2, 3.0, 1)];
        let mut store = build(&syns, 2, 2);
        assert_eq!(store.scale_projection(1, 10.0), 2);
        let buf = deliver_dense(&store, &[&[(0, 0), (0, 1)]], 2, 4);
        assert_eq!(buf, vec![0.0, 0.0, 2.0, 20.0, 30.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn a_row_receives_its_inputs_in_spike_order() {
        // (1e16 + 1) - 1e16 is 0 in f64, (1e16 - 1e16) + 1 is 1: the order shows in the sum
        let syns = vec![(0, 0, 1, 1e16, 0), (1, 0, 1, 1.0, 0), (2, 0, 1, -1e16, 0)];
        let store = build(&syns, 3, 1);
        let buf = deliver_dense(&store, &[&[(0, 0), (0, 1)], &[(0, 2)]], 1, 2);
        assert_eq!(buf, vec![0.0, 0.0]);
        let buf = deliver_dense(&store, &[&[(0, 0), (0, 2)], &[(0, 1)]], 1, 2);
        assert_eq!(buf, vec![0.0, 1.0]);
    }
}
