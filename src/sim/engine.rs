//! The simulation: neurons split into partitions of contiguous target neurons (one per thread),
//! each with its own synapses and ring buffers, advanced window by window where a window is at
//! most the minimum delay long (so no spike of a window can arrive within it), as NEST does.
use rayon::prelude::*;

use super::error::{SimError, SimResult};
use super::inputs::{ClampSchedule, PoissonTargets, Rng};
use super::models::ChannelRule;
use super::models::{Block, Window};
use super::network::{Network, Projection, SourceRef};
use super::recorder::{self, PartitionProbes, SampleGrid, VmFrames, VmRecordings};
use super::synapses::{Filler, SlotInputs, SynapseStore, WeightTable};
use super::time::Resolution;

/// How to run.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// worker threads (partitions); 1 runs on the calling thread
    pub threads: usize,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self { threads: 1 }
    }
}

/// One recorded spike.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spike {
    /// index of the neuron population in the network
    pub population: usize,
    pub node_id: u64,
    /// NEST's spike stamp: the spike happened in the step ending here
    pub step: u64,
    pub time_ms: f64,
}

struct Partition {
    n0: usize,
    n1: usize,
    blocks: Vec<Block>,
    rows: usize,
    /// spike inputs of the window's steps (`min_delay` steps of `rows`), applied from `inputs`
    spk: Vec<f64>,
    /// spike inputs queued per ring slot
    inputs: SlotInputs,
    /// current ring buffer (`ring_len` slots of `n1 - n0`), allocated when a current first
    /// goes into the partition (see `Window::take_currents`)
    cur: Vec<f64>,
    syn: SynapseStore,
    poisson: Vec<PoissonTargets>,
    /// per clamp: local neuron indices
    clamp_targets: Vec<Vec<u32>>,
    out: Vec<(u32, u32)>,
    /// V_m recordings of this partition's neurons
    probes: PartitionProbes,
}

struct WindowInputs<'a> {
    t0: u64,
    len: usize,
    ring_len: usize,
    pending: &'a [(u64, u32)],
    generated: &'a [(u64, u32)],
    clamps: &'a [ClampSchedule],
    lambdas: &'a [f64],
}

impl Partition {
    fn run_window(&mut self, w: &WindowInputs) {
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

    fn block_of(&self, local: usize) -> (usize, usize) {
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

/// Sizes of what was built (for the summary).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct BuildStats {
    pub neurons: usize,
    pub sources: usize,
    pub synapses: usize,
    pub partitions: usize,
    pub blocks: usize,
    pub min_delay_steps: u64,
    pub max_delay_steps: u64,
    pub source_spikes: usize,
    pub source_spikes_dropped: usize,
    pub synapse_bytes: usize,
    pub buffer_bytes: usize,
}

/// A running simulation.
pub struct Simulation {
    res: Resolution,
    step: u64,
    min_delay: u64,
    ring_len: usize,
    parts: Vec<Partition>,
    pool: Option<rayon::ThreadPool>,
    gen_events: Vec<(u64, u32)>,
    gen_cursor: usize,
    window_gen: Vec<(u64, u32)>,
    pending: Vec<(u64, u32)>,
    clamps: Vec<ClampSchedule>,
    poisson_names: Vec<String>,
    poisson_rates: Vec<f64>,
    lambdas: Vec<f64>,
    recorded: Vec<(u64, u32)>,
    taken: usize,
    pop_names: Vec<String>,
    pop_offset: Vec<usize>,
    node_ids: Vec<Vec<u64>>,
    proj_names: Vec<String>,
    /// internal id of the first node of each source population
    src_offset: Vec<usize>,
    src_names: Vec<String>,
    src_lens: Vec<usize>,
    precise_times: bool,
    stats: BuildStats,
    vm: VmRecordings,
}

fn bad_proj(name: &str, message: String) -> SimError {
    SimError::BadProjection {
        projection: name.to_string(),
        message,
    }
}

/// The edge columns the build reads: borrowed, or owned and freed projection by projection.
enum Edges<'a> {
    Borrowed(&'a [Projection]),
    Owned(Vec<Projection>),
}

impl Edges<'_> {
    fn all(&self) -> &[Projection] {
        match self {
            Edges::Borrowed(p) => p,
            Edges::Owned(p) => p,
        }
    }

    /// Free the per-edge columns of projection `i` (owned edges only).
    fn release(&mut self, i: usize) {
        if let Edges::Owned(p) = self {
            let p = &mut p[i];
            p.src = Vec::new();
            p.tgt = Vec::new();
            p.kind = Vec::new();
            p.weight = None;
            p.delay_ms = None;
        }
    }
}

/// `items.map(f)`, on the pool's threads when there is a pool.
fn par_map<T: Send, R: Send>(
    pool: Option<&rayon::ThreadPool>,
    items: Vec<T>,
    f: impl Fn(T) -> R + Sync + Send,
) -> Vec<R> {
    match pool {
        Some(p) => p.install(|| items.into_par_iter().map(f).collect()),
        None => items.into_iter().map(f).collect(),
    }
}

/// What the build needs to know of a projection besides its edges.
struct ProjPlan {
    soff: usize,
    slen: usize,
    toff: usize,
    tlen: usize,
    /// per kind: delay in steps
    kind_delay: Vec<i64>,
    /// models of the target population
    nmodels: usize,
    /// per kind and target model: the channel rule
    rules: Vec<Result<ChannelRule, String>>,
}

/// A build error at (projection, edge): the first one in that order is reported.
type EdgeError = (usize, usize, SimError);

/// Plans of all projections, and the first projection that is unusable as a whole.
fn plan_projections(
    net: &Network,
    projs: &[Projection],
    pop_offset: &[usize],
    src_offset: &[usize],
    res: &Resolution,
) -> (Vec<ProjPlan>, Option<(usize, SimError)>) {
    let mut plans = Vec::with_capacity(projs.len());
    for (pi, pr) in projs.iter().enumerate() {
        let source = match pr.source {
            SourceRef::Neurons(p) => pop_offset
                .get(p)
                .zip(net.populations.get(p))
                .map(|(&o, pop)| (o, pop.len())),
            SourceRef::Sources(q) => src_offset
                .get(q)
                .zip(net.sources.get(q))
                .map(|(&o, s)| (o, s.trains.len())),
        };
        let Some((soff, slen)) = source else {
            return (
                plans,
                Some((pi, bad_proj(&pr.name, "no such source population".into()))),
            );
        };
        if pr.tgt.len() != pr.src.len() || pr.kind.len() != pr.src.len() {
            return (
                plans,
                Some((
                    pi,
                    bad_proj(&pr.name, "src, tgt and kind lengths differ".into()),
                )),
            );
        }
        let tpop = &net.populations[pr.target];
        if tpop.is_empty() && !pr.src.is_empty() {
            return (
                plans,
                Some((
                    pi,
                    bad_proj(
                        &pr.name,
                        format!(
                            "edge 0: source {} or target {} out of range",
                            pr.src[0], pr.tgt[0]
                        ),
                    ),
                )),
            );
        }
        let nmodels = tpop.models.len();
        let rules = pr
            .kinds
            .iter()
            .flat_map(|k| tpop.models.iter().map(|m| m.channel_rule(k.receptor)))
            .collect();
        plans.push(ProjPlan {
            soff,
            slen,
            toff: pop_offset[pr.target],
            tlen: tpop.len(),
            kind_delay: pr
                .kinds
                .iter()
                .map(|k| res.delay_steps(k.delay_ms))
                .collect(),
            nmodels,
            rules,
        });
    }
    (plans, None)
}

/// What a partition learns in the counting pass.
struct Counted {
    /// synapses per global source (n_src + 1 entries, the last one unused)
    counts: Vec<u32>,
    /// distinct delays in steps, increasing
    delays: Vec<u32>,
    weights: WeightTable,
    /// per projection, per kind: weight id when the weight is the kind's (u32::MAX: unused)
    kind_wid: Vec<Vec<u32>>,
}

/// Target rows of projection `plan` that fall into partition [n0, n1): local rows lo..hi.
fn local_targets(plan: &ProjPlan, n0: usize, n1: usize) -> (usize, usize) {
    let lo = n0.max(plan.toff) - plan.toff;
    let hi = n1.min(plan.toff + plan.tlen).saturating_sub(plan.toff);
    (lo, hi.max(lo))
}

/// Validate the edges whose targets are in partition [n0, n1) and count them per source, with
/// their delays and weights. Edges with out-of-range ends are reported by every partition.
fn count_partition(
    projs: &[Projection],
    plans: &[ProjPlan],
    net: &Network,
    n0: usize,
    n1: usize,
    n_src: usize,
    res: &Resolution,
) -> Result<Counted, EdgeError> {
    let mut counts = vec![0u32; n_src + 1];
    let mut delays: Vec<u32> = Vec::new();
    let mut weights = WeightTable::default();
    let mut kind_wid = Vec::with_capacity(projs.len());
    for (pi, (pr, plan)) in projs.iter().zip(plans).enumerate() {
        let nk = pr.kinds.len();
        let mut wids = vec![u32::MAX; nk];
        let mut kind_seen = vec![false; nk];
        let (lo, hi) = local_targets(plan, n0, n1);
        if lo == hi {
            kind_wid.push(wids);
            continue;
        }
        let model_of = &net.populations[pr.target].model_of;
        let err = |e: usize, m: String| Err((pi, e, bad_proj(&pr.name, m)));
        let mut last_delay = 0u32;
        for e in 0..pr.src.len() {
            let (s, t) = (pr.src[e] as usize, pr.tgt[e] as usize);
            if s >= plan.slen || t >= plan.tlen {
                return err(
                    e,
                    format!("edge {e}: source {s} or target {t} out of range"),
                );
            }
            if t < lo || t >= hi {
                continue;
            }
            let kind = pr.kind[e] as usize;
            if kind >= nk {
                return err(e, format!("edge {e}: no synapse kind {kind}"));
            }
            let d = match &pr.delay_ms {
                Some(d) => res.delay_steps(d[e]),
                None => plan.kind_delay[kind],
            };
            if d < 1 {
                return err(
                    e,
                    format!(
                        "edge {e}: delay {} ms is shorter than the resolution {} ms",
                        pr.delay_of(e),
                        res.dt()
                    ),
                );
            }
            if d > u32::MAX as i64 {
                return err(e, format!("edge {e}: delay of {d} steps is too long"));
            }
            if let Err(m) = &plan.rules[kind * plan.nmodels + model_of[t] as usize] {
                return err(e, m.clone());
            }
            counts[plan.soff + s] += 1;
            match &pr.weight {
                None => {
                    if wids[kind] == u32::MAX {
                        wids[kind] = weights.id(pi as u32, pr.kinds[kind].weight);
                    }
                }
                Some(w) => {
                    weights.id(pi as u32, w[e]);
                }
            }
            if pr.delay_ms.is_some() {
                let d = d as u32;
                if d != last_delay {
                    last_delay = d;
                    if let Err(at) = delays.binary_search(&d) {
                        delays.insert(at, d);
                    }
                }
            } else {
                kind_seen[kind] = true;
            }
        }
        for (k, seen) in kind_seen.iter().enumerate() {
            let d = plan.kind_delay[k] as u32;
            if *seen && let Err(at) = delays.binary_search(&d) {
                delays.insert(at, d);
            }
        }
        kind_wid.push(wids);
    }
    Ok(Counted {
        counts,
        delays,
        weights,
        kind_wid,
    })
}

/// Write the synapses of projection `pi` whose targets are in partition [n0, n1) (validated by
/// `count_partition`).
#[allow(clippy::too_many_arguments)]
fn fill_projection(
    f: &mut Filler,
    pi: usize,
    pr: &Projection,
    plan: &ProjPlan,
    kind_wid: &[u32],
    net: &Network,
    n0: usize,
    n1: usize,
    row_a: &[u32],
    row_stride: &[u32],
    res: &Resolution,
) {
    let (lo, hi) = local_targets(plan, n0, n1);
    if lo == hi {
        return;
    }
    let model_of = &net.populations[pr.target].model_of;
    let rule = |kind: usize, t: usize| {
        plan.rules[kind * plan.nmodels + model_of[t] as usize]
            .clone()
            .unwrap_or(ChannelRule::Single)
    };
    let kind_dix: Vec<u32> = plan
        .kind_delay
        .iter()
        .map(|&d| f.delay_index(d as u32))
        .collect();
    // per kind and target model: channel of the kind's weight
    let kind_ch: Vec<u32> = (0..plan.rules.len())
        .map(|i| {
            let k = i / plan.nmodels.max(1);
            plan.rules[i]
                .clone()
                .map_or(0, |r| r.channel(pr.kinds[k].weight) as u32)
        })
        .collect();
    for e in 0..pr.src.len() {
        let t = pr.tgt[e] as usize;
        if t < lo || t >= hi {
            continue;
        }
        let src = (plan.soff + pr.src[e] as usize) as u32;
        let kind = pr.kind[e] as usize;
        let dix = match &pr.delay_ms {
            Some(d) => f.delay_index(res.delay_steps(d[e]) as u32),
            None => kind_dix[kind],
        };
        let (ch, wid) = match &pr.weight {
            None => (
                kind_ch[kind * plan.nmodels + model_of[t] as usize],
                kind_wid[kind],
            ),
            Some(w) => (
                rule(kind, t).channel(w[e]) as u32,
                f.weights().get(pi as u32, w[e]),
            ),
        };
        let ti = plan.toff + t;
        f.put(src, row_a[ti] + ch * row_stride[ti], dix, wid);
    }
}

impl Simulation {
    /// Build from a network description.
    pub fn new(net: &Network, opts: &SimOptions) -> SimResult<Self> {
        Self::build(net, Edges::Borrowed(&net.projections), opts)
    }

    /// Build from a network description that is consumed: the edge columns of each projection
    /// are freed as soon as they have been read, which lowers the peak memory.
    pub fn from_network(mut net: Network, opts: &SimOptions) -> SimResult<Self> {
        let projections = std::mem::take(&mut net.projections);
        Self::build(&net, Edges::Owned(projections), opts)
    }

    fn build(net: &Network, mut edges: Edges, opts: &SimOptions) -> SimResult<Self> {
        let res = Resolution::new(net.dt)?;
        let threads = opts.threads.max(1);

        // internal neuron order: population by population, row by row (NEST's creation order)
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
        let model_of = |i: usize| -> (usize, usize) {
            let p = pop_offset.partition_point(|&o| o <= i) - 1;
            (p, net.populations[p].model_of[i - pop_offset[p]] as usize)
        };

        // in-degrees for load balancing
        let mut cost = vec![16u64; n];
        for pr in edges.all() {
            let off = pop_offset
                .get(pr.target)
                .copied()
                .ok_or_else(|| bad_proj(&pr.name, "no such target population".into()))?;
            let tn = net.populations[pr.target].len();
            for &t in &pr.tgt {
                if (t as usize) < tn {
                    cost[off + t as usize] += 1;
                }
            }
        }
        let total: u64 = cost.iter().sum();
        let mut bounds = vec![0usize];
        let mut acc = 0u64;
        let mut next = 1u64;
        for (i, c) in cost.iter().enumerate() {
            acc += c;
            if next < threads as u64 && acc * threads as u64 >= total * next {
                bounds.push(i + 1);
                next += 1;
            }
        }
        while bounds.len() < threads + 1 {
            bounds.push(n);
        }
        bounds[threads] = n;
        drop(cost);

        // blocks: runs of one (population, model) within a partition
        let mut part_of = vec![0u16; n];
        let mut row_a = vec![0u32; n];
        let mut row_stride = vec![0u32; n];
        let mut parts = Vec::with_capacity(threads);
        let mut n_blocks = 0;
        for t in 0..threads {
            let (n0, n1) = (bounds[t], bounds[t + 1]);
            let mut blocks = Vec::new();
            let mut rows = 0usize;
            let mut i = n0;
            while i < n1 {
                let key = model_of(i);
                let mut j = i + 1;
                while j < n1 && model_of(j) == key {
                    j += 1;
                }
                let model = &net.populations[key.0].models[key.1];
                let len = j - i;
                for (k, x) in (i..j).enumerate() {
                    part_of[x] = t as u16;
                    row_a[x] = (rows + k) as u32;
                    row_stride[x] = len as u32;
                }
                blocks.push(model.block(&res, len, rows, i - n0));
                rows += len * model.channels();
                i = j;
            }
            n_blocks += blocks.len();
            parts.push((n0, n1, blocks, rows));
        }

        // synapses: count per source, lay out exact-size columns, fill, sort within sources
        let pool = if threads > 1 {
            Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .map_err(|e| SimError::Invalid(format!("thread pool: {e}")))?,
            )
        } else {
            None
        };
        let rule_of = |i: usize, receptor: u32, name: &str| {
            let (p, m) = model_of(i);
            net.populations[p].models[m]
                .channel_rule(receptor)
                .map_err(|e| bad_proj(name, e))
        };
        let (plans, first_bad) = plan_projections(net, edges.all(), &pop_offset, &src_offset, &res);
        let ranges: Vec<(usize, usize, usize)> = parts.iter().map(|p| (p.0, p.1, p.3)).collect();
        let counted = par_map(pool.as_ref(), ranges.clone(), |(n0, n1, _)| {
            count_partition(
                &edges.all()[..first_bad.as_ref().map_or(plans.len(), |b| b.0)],
                &plans,
                net,
                n0,
                n1,
                n_src,
                &res,
            )
        });
        let mut first_err: Option<EdgeError> = None;
        let mut counts = Vec::with_capacity(threads);
        for c in counted {
            match c {
                Ok(c) => counts.push(c),
                Err(e) => {
                    if first_err.as_ref().is_none_or(|f| (e.0, e.1) < (f.0, f.1)) {
                        first_err = Some(e);
                    }
                }
            }
        }
        if let Some(e) = first_err {
            return Err(e.2);
        }
        if let Some(e) = first_bad {
            return Err(e.1);
        }
        let mut min_delay = u64::MAX;
        let mut max_delay = 1u64;
        let mut fillers = Vec::with_capacity(threads);
        let mut kind_wids = Vec::with_capacity(threads);
        for (c, &(_, _, rows)) in counts.into_iter().zip(&ranges) {
            if let (Some(&lo), Some(&hi)) = (c.delays.first(), c.delays.last()) {
                min_delay = min_delay.min(lo as u64);
                max_delay = max_delay.max(hi as u64);
            }
            kind_wids.push(c.kind_wid);
            fillers.push(
                Filler::new(c.counts, rows, c.delays, c.weights).ok_or_else(|| {
                    SimError::Invalid(
                        "more than 2^32 synapses in one partition; use more threads".into(),
                    )
                })?,
            );
        }
        for pi in 0..plans.len() {
            let pr = &edges.all()[pi];
            let plan = &plans[pi];
            let jobs: Vec<_> = fillers.iter_mut().zip(&kind_wids).zip(&ranges).collect();
            par_map(pool.as_ref(), jobs, |((f, kw), &(n0, n1, _))| {
                fill_projection(
                    f,
                    pi,
                    pr,
                    plan,
                    &kw[pi],
                    net,
                    n0,
                    n1,
                    &row_a,
                    &row_stride,
                    &res,
                )
            });
            edges.release(pi);
        }
        let stores = par_map(pool.as_ref(), fillers, Filler::finish);

        // current clamps
        let mut clamps = Vec::new();
        for c in &net.current_clamps {
            let off = *pop_offset
                .get(c.population)
                .ok_or_else(|| SimError::BadInput {
                    input: c.name.clone(),
                    message: "no such population".into(),
                })?;
            let d = res.delay_steps(c.delay_ms).max(1) as u64;
            min_delay = min_delay.min(d);
            max_delay = max_delay.max(d);
            let mut changes: Vec<(i64, f64)> = c
                .times_ms
                .iter()
                .zip(&c.amps_pa)
                .map(|(&t, &a)| (res.spike_stamp_steps(t, false), a))
                .collect();
            changes.sort_by_key(|x| x.0);
            let len = net.populations[c.population].len();
            let mut targets = Vec::with_capacity(c.rows.len());
            for &r in &c.rows {
                if r as usize >= len {
                    return Err(SimError::BadInput {
                        input: c.name.clone(),
                        message: format!("row {r} out of range"),
                    });
                }
                targets.push((off + r as usize) as u32);
            }
            clamps.push(ClampSchedule {
                name: c.name.clone(),
                changes,
                delay: d,
                targets,
            });
        }

        // Poisson inputs
        let mut poisson_parts: Vec<Vec<PoissonTargets>> =
            (0..threads).map(|_| Vec::new()).collect();
        let mut poisson_names = Vec::new();
        let mut poisson_rates = Vec::new();
        for (ii, pin) in net.poisson.iter().enumerate() {
            let off = *pop_offset
                .get(pin.population)
                .ok_or_else(|| SimError::BadInput {
                    input: pin.name.clone(),
                    message: "no such population".into(),
                })?;
            let d = res.delay_steps(pin.delay_ms);
            if d < 1 {
                return Err(SimError::BadInput {
                    input: pin.name.clone(),
                    message: "delay shorter than the resolution".into(),
                });
            }
            min_delay = min_delay.min(d as u64);
            max_delay = max_delay.max(d as u64);
            let mut per: Vec<PoissonTargets> = (0..threads)
                .map(|_| PoissonTargets {
                    input: ii,
                    delay: d as u64,
                    weight: pin.weight,
                    rows: Vec::new(),
                    rngs: Vec::new(),
                })
                .collect();
            for &r in &pin.rows {
                let ti = off + r as usize;
                if r as usize >= net.populations[pin.population].len() {
                    return Err(SimError::BadInput {
                        input: pin.name.clone(),
                        message: format!("row {r} out of range"),
                    });
                }
                let ch = rule_of(ti, pin.receptor, &pin.name)?.channel(pin.weight);
                let pt = &mut per[part_of[ti] as usize];
                pt.rows.push(row_a[ti] + ch as u32 * row_stride[ti]);
                pt.rngs
                    .push(Rng::new(net.seed, ((ii as u64) << 40) ^ ti as u64));
            }
            for (t, pt) in per.into_iter().enumerate() {
                if !pt.rows.is_empty() {
                    poisson_parts[t].push(pt);
                }
            }
            poisson_names.push(pin.name.clone());
            poisson_rates.push(pin.rate_hz);
        }

        if min_delay == u64::MAX {
            min_delay = 1;
        }
        let ring_len = (min_delay + max_delay) as usize;

        // spike trains of the sources
        let mut gen_events = Vec::new();
        let mut dropped = 0usize;
        for (q, sp) in net.sources.iter().enumerate() {
            for (r, train) in sp.trains.iter().enumerate() {
                for &t in train {
                    let stamp = res.spike_stamp_steps(t, net.precise_times);
                    if !t.is_finite() || stamp < 1 {
                        dropped += 1;
                        continue;
                    }
                    gen_events.push(((stamp - 1) as u64, (src_offset[q] + r) as u32));
                }
            }
        }
        gen_events.sort_unstable();

        let mut stats = BuildStats {
            neurons: n,
            sources: n_src - n,
            partitions: threads,
            blocks: n_blocks,
            min_delay_steps: min_delay,
            max_delay_steps: max_delay,
            source_spikes: gen_events.len(),
            source_spikes_dropped: dropped,
            ..Default::default()
        };
        let mut built = Vec::with_capacity(threads);
        for (((n0, n1, blocks, rows), syn), poisson) in
            parts.into_iter().zip(stores).zip(poisson_parts)
        {
            stats.synapses += syn.len();
            stats.synapse_bytes += syn.bytes();
            let clamp_targets: Vec<Vec<u32>> = clamps
                .iter()
                .map(|c| {
                    c.targets
                        .iter()
                        .filter(|&&t| (t as usize) >= n0 && (t as usize) < n1)
                        .map(|&t| (t as usize - n0) as u32)
                        .collect()
                })
                .collect();
            let ncur = if clamp_targets.iter().any(|t| !t.is_empty()) {
                n1 - n0
            } else {
                0
            };
            stats.buffer_bytes += (min_delay as usize * rows + ring_len * ncur) * 8;
            built.push(Partition {
                n0,
                n1,
                blocks,
                rows,
                spk: vec![0.0; min_delay as usize * rows],
                inputs: SlotInputs::new(ring_len),
                cur: vec![0.0; ring_len * ncur],
                syn,
                poisson,
                clamp_targets,
                out: Vec::new(),
                probes: PartitionProbes::default(),
            });
        }
        let lambdas = poisson_rates.iter().map(|r| r * res.dt() * 1e-3).collect();
        Ok(Self {
            res,
            step: 0,
            min_delay,
            ring_len,
            parts: built,
            pool,
            gen_events,
            gen_cursor: 0,
            window_gen: Vec::new(),
            pending: Vec::new(),
            clamps,
            poisson_names,
            poisson_rates,
            lambdas,
            recorded: Vec::new(),
            taken: 0,
            pop_names: net.populations.iter().map(|p| p.name.clone()).collect(),
            pop_offset,
            node_ids: net.populations.iter().map(|p| p.node_ids.clone()).collect(),
            proj_names: edges.all().iter().map(|p| p.name.clone()).collect(),
            src_offset,
            src_names: net.sources.iter().map(|s| s.name.clone()).collect(),
            src_lens: net.sources.iter().map(|s| s.trains.len()).collect(),
            precise_times: net.precise_times,
            stats,
            vm: VmRecordings::default(),
        })
    }

    pub fn stats(&self) -> &BuildStats {
        &self.stats
    }

    pub fn resolution(&self) -> Resolution {
        self.res
    }

    /// Steps simulated so far.
    pub fn steps(&self) -> u64 {
        self.step
    }

    /// Simulated time in ms.
    pub fn time_ms(&self) -> f64 {
        self.res.steps_to_ms(self.step as i64)
    }

    pub fn population_names(&self) -> &[String] {
        &self.pop_names
    }

    pub fn population_len(&self, p: usize) -> usize {
        self.pop_offset[p + 1] - self.pop_offset[p]
    }

    /// Advance to `t_ms` (rounded to the grid as NEST rounds the argument of Simulate).
    pub fn run_until(&mut self, t_ms: f64) -> SimResult<()> {
        self.run_until_with(t_ms, &mut |_| {})
    }

    /// Advance to `t_ms`, calling `progress(time_ms)` after each window.
    pub fn run_until_with(
        &mut self,
        t_ms: f64,
        progress: &mut (dyn FnMut(f64) + Send),
    ) -> SimResult<()> {
        let target = self.res.ms_to_steps(t_ms);
        if target < 0 {
            return Err(SimError::Invalid(format!("cannot run to {t_ms} ms")));
        }
        let target = target as u64;
        match self.pool.take() {
            Some(pool) => {
                pool.install(|| {
                    while self.step < target {
                        self.window(target, true);
                        progress(self.time_ms());
                    }
                });
                self.pool = Some(pool);
            }
            None => {
                while self.step < target {
                    self.window(target, false);
                    progress(self.time_ms());
                }
            }
        }
        Ok(())
    }

    fn window(&mut self, target: u64, parallel: bool) {
        let t0 = self.step;
        let len = (target - t0).min(self.min_delay) as usize;
        let end = t0 + len as u64;
        // spike-generator events emitted in this window, generator by generator as NEST does
        self.window_gen.clear();
        while self.gen_cursor < self.gen_events.len() && self.gen_events[self.gen_cursor].0 < end {
            let (k, s) = self.gen_events[self.gen_cursor];
            if k >= t0 {
                self.window_gen.push((k, s));
            }
            self.gen_cursor += 1;
        }
        self.window_gen.sort_unstable_by_key(|&(k, s)| (s, k));
        let inputs = WindowInputs {
            t0,
            len,
            ring_len: self.ring_len,
            pending: &self.pending,
            generated: &self.window_gen,
            clamps: &self.clamps,
            lambdas: &self.lambdas,
        };
        if parallel {
            self.parts
                .par_iter_mut()
                .for_each(|p| p.run_window(&inputs));
        } else {
            for p in &mut self.parts {
                p.run_window(&inputs);
            }
        }
        self.vm
            .gather(t0, end, self.parts.iter().map(|p| &p.probes));
        self.pending.clear();
        for p in &self.parts {
            for &(lag, local) in &p.out {
                let k = t0 + lag as u64;
                let src = (p.n0 + local as usize) as u32;
                self.pending.push((k, src));
                self.recorded.push((k + 1, src));
            }
        }
        self.step = end;
    }

    fn spike_of(&self, stamp: u64, neuron: u32) -> Spike {
        let i = neuron as usize;
        let p = self.pop_offset.partition_point(|&o| o <= i) - 1;
        Spike {
            population: p,
            node_id: self.node_ids[p][i - self.pop_offset[p]],
            step: stamp,
            time_ms: self.res.steps_to_ms(stamp as i64),
        }
    }

    /// Number of spikes recorded so far.
    pub fn spike_count(&self) -> usize {
        self.recorded.len()
    }

    /// All spikes so far, window by window (a window is the minimum delay), within a window
    /// neuron by neuron: sort by `step` for time order.
    pub fn spikes(&self) -> impl Iterator<Item = Spike> + '_ {
        self.recorded.iter().map(|&(s, n)| self.spike_of(s, n))
    }

    /// The spikes since the previous call (the live stream).
    pub fn take_new_spikes(&mut self) -> Vec<Spike> {
        let out = self.recorded[self.taken..]
            .iter()
            .map(|&(s, n)| self.spike_of(s, n))
            .collect();
        self.taken = self.recorded.len();
        out
    }

    /// Spikes per population so far.
    pub fn spike_counts(&self) -> Vec<usize> {
        let mut c = vec![0; self.pop_names.len()];
        for &(_, n) in &self.recorded {
            let p = self.pop_offset.partition_point(|&o| o <= n as usize) - 1;
            c[p] += 1;
        }
        c
    }

    /// Drop the recorded spikes (a live viewer that only streams).
    pub fn clear_recorded(&mut self) {
        self.recorded.clear();
        self.taken = 0;
    }

    fn locate(&self, population: usize, row: usize) -> SimResult<(usize, usize, usize)> {
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

    /// Multiply the weights of a projection (edge population) by `factor` >= 0 from now on.
    pub fn scale_projection(&mut self, projection: &str, factor: f64) -> SimResult<usize> {
        let pi = self
            .proj_names
            .iter()
            .position(|n| n == projection)
            .ok_or_else(|| SimError::NotFound {
                what: "projection",
                name: projection.to_string(),
            })?;
        if !(factor.is_finite() && factor >= 0.0) {
            return Err(SimError::Invalid(format!(
                "weight factor must be finite and >= 0, got {factor}"
            )));
        }
        Ok(self
            .parts
            .iter_mut()
            .map(|p| p.syn.scale_projection(pi as u32, factor))
            .sum())
    }

    /// Change the rate (Hz) of a Poisson input from the next window on.
    pub fn set_poisson_rate(&mut self, input: &str, rate_hz: f64) -> SimResult<()> {
        let i = self
            .poisson_names
            .iter()
            .position(|n| n == input)
            .ok_or_else(|| SimError::NotFound {
                what: "Poisson input",
                name: input.to_string(),
            })?;
        if !(rate_hz.is_finite() && rate_hz >= 0.0) {
            return Err(SimError::Invalid(format!("bad rate {rate_hz} Hz")));
        }
        self.poisson_rates[i] = rate_hz;
        self.lambdas[i] = rate_hz * self.res.dt() * 1e-3;
        Ok(())
    }

    /// Names of the source (virtual) populations, in network order.
    pub fn source_names(&self) -> &[String] {
        &self.src_names
    }

    /// Adds spikes of source (virtual) nodes while running: `(source population, row, time
    /// ms)`, rounded to the grid as the spike trains given at build time are. Spikes that would
    /// have been emitted before the current time are dropped; returns how many were added.
    pub fn add_source_spikes(&mut self, events: &[(usize, u32, f64)]) -> SimResult<usize> {
        let mut added = Vec::with_capacity(events.len());
        for &(q, r, t) in events {
            if q >= self.src_offset.len() || r as usize >= self.src_lens[q] {
                return Err(SimError::NotFound {
                    what: "source node",
                    name: format!("{q}:{r}"),
                });
            }
            let stamp = self.res.spike_stamp_steps(t, self.precise_times);
            if !t.is_finite() || stamp < 1 || ((stamp - 1) as u64) < self.step {
                continue;
            }
            added.push(((stamp - 1) as u64, (self.src_offset[q] + r as usize) as u32));
        }
        let n = added.len();
        // what was delivered is dropped; what is pending is merged with the new spikes
        self.gen_events.drain(..self.gen_cursor);
        self.gen_cursor = 0;
        self.gen_events.extend(added);
        self.gen_events.sort_unstable();
        Ok(n)
    }

    /// Drops the not yet emitted spikes of source population `source` at or after `t_ms` (a
    /// live input whose rate changes is regenerated from then on).
    pub fn remove_source_spikes_from(&mut self, source: usize, t_ms: f64) -> SimResult<usize> {
        if source >= self.src_offset.len() {
            return Err(SimError::NotFound {
                what: "source population",
                name: source.to_string(),
            });
        }
        let lo = self.src_offset[source] as u32;
        let hi = lo + self.src_lens[source] as u32;
        let from = self.res.spike_stamp_steps(t_ms, true).max(1) as u64 - 1;
        let before = self.gen_events.len();
        let cursor = self.gen_cursor;
        let mut i = 0;
        self.gen_events.retain(|&(k, s)| {
            let keep = i < cursor || k < from || s < lo || s >= hi;
            i += 1;
            keep
        });
        Ok(before - self.gen_events.len())
    }

    /// A current pulse: `amp_pa` into neurons of a population from the next step on for
    /// `duration_ms`, under a new `name` (a name used before is an error).
    pub fn pulse_current(
        &mut self,
        name: &str,
        population: usize,
        rows: &[u32],
        amp_pa: f64,
        duration_ms: f64,
    ) -> SimResult<()> {
        if self.clamps.iter().any(|c| c.name == name) {
            return Err(SimError::Invalid(format!(
                "a current named '{name}' exists already"
            )));
        }
        if !(duration_ms.is_finite() && duration_ms > 0.0 && amp_pa.is_finite()) {
            return Err(SimError::Invalid(format!(
                "bad pulse: {amp_pa} pA for {duration_ms} ms"
            )));
        }
        self.inject_current(name, population, rows, amp_pa)?;
        let steps = self.res.ms_to_steps(duration_ms).max(1);
        if let Some(c) = self.clamps.iter_mut().find(|c| c.name == name)
            && let Some(&(start, _)) = c.changes.first()
        {
            c.changes.push((start + steps, 0.0));
        }
        Ok(())
    }

    /// Inject a constant current (pA) into neurons of a population from the next step on, under
    /// `name`; calling again with the same name changes its amplitude (0 switches it off).
    pub fn inject_current(
        &mut self,
        name: &str,
        population: usize,
        rows: &[u32],
        amp_pa: f64,
    ) -> SimResult<()> {
        let stamp = self.step as i64 + 1;
        let mut targets = Vec::with_capacity(rows.len());
        for &r in rows {
            self.locate(population, r as usize)?;
            targets.push((self.pop_offset[population] + r as usize) as u32);
        }
        if let Some(c) = self.clamps.iter_mut().find(|c| c.name == name) {
            if c.targets != targets {
                return Err(SimError::Invalid(format!(
                    "the current '{name}' goes into other neurons: give new targets a new name"
                )));
            }
            c.changes.retain(|&(s, _)| s <= stamp);
            c.changes.push((stamp, amp_pa));
            return Ok(());
        }
        for p in &mut self.parts {
            p.clamp_targets.push(
                targets
                    .iter()
                    .filter(|&&t| (t as usize) >= p.n0 && (t as usize) < p.n1)
                    .map(|&t| (t as usize - p.n0) as u32)
                    .collect(),
            );
        }
        self.clamps.push(ClampSchedule {
            name: name.to_string(),
            changes: vec![(stamp, amp_pa)],
            delay: 1,
            targets,
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Model, Population, Projection, SourcePopulation, SynapseKind};

    fn model(i_e: f64) -> Model {
        let mut p = serde_json::Map::new();
        p.insert("I_e".into(), serde_json::json!(i_e));
        Model::from_nest("iaf_psc_alpha", &p).unwrap().0
    }

    /// Two populations (three models), a spike source, recurrent edges with kind weights and
    /// edges with per-edge weights and delays.
    fn network() -> Network {
        let mut a = Population::uniform("a", model(370.0), 300);
        a.models.push(model(390.0));
        for r in 100..200 {
            a.model_of[r] = 1;
        }
        let b = Population::uniform("b", model(360.0), 200);
        let trains = (0..20)
            .map(|i| {
                (0..30)
                    .map(|k| 1.0 + k as f64 * 7.3 + i as f64 * 0.4)
                    .collect()
            })
            .collect();
        let sources = SourcePopulation {
            name: "lgn".into(),
            node_ids: (0..20).collect(),
            trains,
        };
        let mut x = 7u64;
        let mut next = move |m: usize| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((x >> 33) % m as u64) as u32
        };
        let kinds = vec![
            SynapseKind {
                weight: 30.0,
                delay_ms: 1.5,
                receptor: 0,
            },
            SynapseKind {
                weight: -80.0,
                delay_ms: 0.8,
                receptor: 0,
            },
            SynapseKind {
                weight: 20.0,
                delay_ms: 2.1,
                receptor: 0,
            },
        ];
        let mut projections = Vec::new();
        for (name, source, target, ns, nt) in [
            ("a_a", SourceRef::Neurons(0), 0, 300, 300),
            ("a_b", SourceRef::Neurons(0), 1, 300, 200),
            ("b_a", SourceRef::Neurons(1), 0, 200, 300),
        ] {
            let n = 6000;
            projections.push(Projection {
                name: name.into(),
                source,
                target,
                src: (0..n).map(|_| next(ns)).collect(),
                tgt: (0..n).map(|_| next(nt)).collect(),
                kind: (0..n).map(|_| next(3)).collect(),
                kinds: kinds.clone(),
                weight: None,
                delay_ms: None,
            });
        }
        let n = 2000;
        projections.push(Projection {
            name: "lgn_a".into(),
            source: SourceRef::Sources(0),
            target: 0,
            src: (0..n).map(|_| next(20)).collect(),
            tgt: (0..n).map(|_| next(300)).collect(),
            kind: vec![0; n],
            kinds: kinds[..1].to_vec(),
            weight: Some((0..n).map(|_| 50.0 + next(40) as f64).collect()),
            delay_ms: Some((0..n).map(|_| 0.1 * (1 + next(30)) as f64).collect()),
        });
        Network {
            dt: 0.1,
            populations: vec![a, b],
            sources: vec![sources],
            projections,
            ..Default::default()
        }
    }

    fn run(mut sim: Simulation) -> Vec<(u64, u32)> {
        sim.run_until(200.0).unwrap();
        sim.recorded.clone()
    }

    #[test]
    fn threads_and_ownership_do_not_change_the_spikes() {
        let net = network();
        let one = run(Simulation::new(&net, &SimOptions { threads: 1 }).unwrap());
        assert!(one.len() > 500, "{} spikes", one.len());
        for threads in [2, 3] {
            let sim = Simulation::new(&net, &SimOptions { threads }).unwrap();
            assert_eq!(sim.stats().synapses, 20_000);
            assert_eq!(run(sim), one, "threads {threads}");
            let sim = Simulation::from_network(net.clone(), &SimOptions { threads }).unwrap();
            assert_eq!(run(sim), one, "owned, threads {threads}");
        }
    }

    fn build_error(net: &Network) -> String {
        match Simulation::new(net, &SimOptions { threads: 2 }) {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn bad_edges_are_reported_with_projection_and_edge() {
        let mut net = network();
        net.projections[1].tgt[17] = 200;
        net.projections[2].kind[3] = 9;
        assert_eq!(
            build_error(&net),
            format!(
                "projection 'a_b': edge 17: source {} or target 200 out of range",
                net.projections[1].src[17]
            )
        );
        net.projections[1].tgt[17] = 0;
        assert_eq!(
            build_error(&net),
            "projection 'b_a': edge 3: no synapse kind 9"
        );
        let mut net = network();
        net.projections[3].delay_ms.as_mut().unwrap()[5] = 0.01;
        assert!(build_error(&net).starts_with("projection 'lgn_a': edge 5: delay 0.01 ms"));
        let mut net = network();
        net.projections[0].kinds[2].receptor = 1;
        let e = build_error(&net);
        assert!(e.contains("'a_a'") && e.contains("receptor_type 0"), "{e}");
        let mut net = network();
        net.projections[0].kind.pop();
        assert_eq!(
            build_error(&net),
            "projection 'a_a': src, tgt and kind lengths differ"
        );
    }
}
