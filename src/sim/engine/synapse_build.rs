//! The synapse tables of the partitions, built in three passes over the edges: plan each
//! projection (offsets, delays in steps, channel rules), count the synapses of each partition
//! per source (validating every edge), then fill exact-size columns, projection by projection
//! (an owned network's edge columns are freed as soon as they are written).
use rayon::prelude::*;

use super::shapes::{DelayRange, NeuronOrder, PartitionShape, RowLayout};
use crate::sim::error::{SimError, SimResult};
use crate::sim::models::ChannelRule;
use crate::sim::network::{Network, Projection, SourceRef};
use crate::sim::synapses::{Filler, SynapseStore, WeightTable};
use crate::sim::time::Resolution;

pub(super) fn bad_proj(name: &str, message: String) -> SimError {
    SimError::BadProjection {
        projection: name.to_string(),
        message,
    }
}

/// The edge columns the build reads: borrowed, or owned and freed projection by projection.
pub(super) enum Edges<'a> {
    Borrowed(&'a [Projection]),
    Owned(Vec<Projection>),
}

impl Edges<'_> {
    pub(super) fn all(&self) -> &[Projection] {
        match self {
            Edges::Borrowed(p) => p,
            Edges::Owned(p) => p,
        }
    }

    /// Free the per-edge columns of projection `i` (owned edges only).
    pub(super) fn release(&mut self, i: usize) {
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
pub(super) fn par_map<T: Send, R: Send>(
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

/// The synapse stores of the partitions, and the delays they hold.
pub(super) struct Synapses {
    pub stores: Vec<SynapseStore>,
    pub delays: DelayRange,
}

/// The first error of the counting pass in (projection, edge) order, whichever partition found
/// it, else the first projection that is unusable as a whole.
fn first_error(
    counted: Vec<Result<Counted, EdgeError>>,
    first_bad: Option<(usize, SimError)>,
) -> SimResult<Vec<Counted>> {
    let mut first_err: Option<EdgeError> = None;
    let mut counts = Vec::with_capacity(counted.len());
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
    Ok(counts)
}

/// Counts, lays out, fills and finishes the synapses of every partition.
pub(super) fn build_synapses(
    net: &Network,
    mut edges: Edges,
    order: &NeuronOrder,
    shapes: &[PartitionShape],
    layout: &RowLayout,
    pool: Option<&rayon::ThreadPool>,
    res: &Resolution,
) -> SimResult<(Synapses, Vec<String>)> {
    let (plans, first_bad) =
        plan_projections(net, edges.all(), &order.pop_offset, &order.src_offset, res);
    let ranges: Vec<(usize, usize, usize)> = shapes.iter().map(|p| (p.n0, p.n1, p.rows)).collect();
    let usable = first_bad.as_ref().map_or(plans.len(), |b| b.0);
    let counted = par_map(pool, ranges.clone(), |(n0, n1, _)| {
        count_partition(
            &edges.all()[..usable],
            &plans,
            net,
            n0,
            n1,
            order.n_src,
            res,
        )
    });
    let counts = first_error(counted, first_bad)?;
    let mut delays = DelayRange::default();
    let mut fillers = Vec::with_capacity(counts.len());
    let mut kind_wids = Vec::with_capacity(counts.len());
    for (c, &(_, _, rows)) in counts.into_iter().zip(&ranges) {
        if let (Some(&lo), Some(&hi)) = (c.delays.first(), c.delays.last()) {
            delays.include(lo as u64);
            delays.include(hi as u64);
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
    for (pi, plan) in plans.iter().enumerate() {
        let pr = &edges.all()[pi];
        let jobs: Vec<_> = fillers.iter_mut().zip(&kind_wids).zip(&ranges).collect();
        par_map(pool, jobs, |((f, kw), &(n0, n1, _))| {
            fill_projection(
                f,
                pi,
                pr,
                plan,
                &kw[pi],
                net,
                n0,
                n1,
                &layout.row_a,
                &layout.row_stride,
                res,
            )
        });
        edges.release(pi);
    }
    let names = edges.all().iter().map(|p| p.name.clone()).collect();
    let stores = par_map(pool, fillers, Filler::finish);
    Ok((Synapses { stores, delays }, names))
}
