//! `Simulation::build` in named stages: the neurons' internal order, partitions balanced by
//! in-degree, the partitions' blocks and input rows, the synapses (`synapse_build`), current
//! clamps, Poisson inputs, the sources' spike trains, and the partitions assembled.
use super::partition::Partition;
use super::shapes::{DelayRange, NeuronOrder, PartitionShape, RowLayout};
use super::synapse_build::{Edges, bad_proj, build_synapses};
use super::{BuildStats, SimOptions, Simulation};
use crate::sim::error::{SimError, SimResult};
use crate::sim::inputs::{ClampSchedule, PoissonTargets, Rng};
use crate::sim::network::Network;
use crate::sim::recorder::{PartitionProbes, VmRecordings};
use crate::sim::synapses::{SlotInputs, SynapseStore};
use crate::sim::time::Resolution;

/// The most partitions (threads) a simulation can have: a neuron's partition is a `u16`.
pub const MAX_PARTITIONS: usize = u16::MAX as usize + 1;

/// Partition bounds over the internal order (threads + 1 entries) with about equal in-degree
/// plus a constant per neuron in each.
fn partition_bounds(
    net: &Network,
    edges: &Edges,
    order: &NeuronOrder,
    threads: usize,
) -> SimResult<Vec<usize>> {
    let n = order.n;
    let mut cost = vec![16u64; n];
    for pr in edges.all() {
        let off = order
            .pop_offset
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
    Ok(bounds)
}

/// Blocks of each partition, runs of one (population, model), and every neuron's rows.
fn lay_out_partitions(
    net: &Network,
    order: &NeuronOrder,
    bounds: &[usize],
    res: &Resolution,
) -> (Vec<PartitionShape>, RowLayout) {
    let n = order.n;
    let mut layout = RowLayout {
        part_of: vec![0u16; n],
        row_a: vec![0u32; n],
        row_stride: vec![0u32; n],
    };
    let mut shapes = Vec::with_capacity(bounds.len().saturating_sub(1));
    for (t, w) in bounds.windows(2).enumerate() {
        let (n0, n1) = (w[0], w[1]);
        let mut blocks = Vec::new();
        let mut rows = 0usize;
        let mut i = n0;
        while i < n1 {
            let key = order.model_of(net, i);
            let mut j = i + 1;
            while j < n1 && order.model_of(net, j) == key {
                j += 1;
            }
            let model = &net.populations[key.population].models[key.model];
            let len = j - i;
            for (k, x) in (i..j).enumerate() {
                layout.part_of[x] = t as u16;
                layout.row_a[x] = (rows + k) as u32;
                layout.row_stride[x] = len as u32;
            }
            blocks.push(model.block(res, len, rows, i - n0));
            rows += len * model.channels();
            i = j;
        }
        shapes.push(PartitionShape {
            n0,
            n1,
            blocks,
            rows,
        });
    }
    (shapes, layout)
}

/// The network's current clamps as step-current schedules on internal neuron ids.
fn build_clamps(
    net: &Network,
    order: &NeuronOrder,
    res: &Resolution,
    delays: &mut DelayRange,
) -> SimResult<Vec<ClampSchedule>> {
    let mut clamps = Vec::with_capacity(net.current_clamps.len());
    for c in &net.current_clamps {
        let bad = |message: String| SimError::BadInput {
            input: c.name.clone(),
            message,
        };
        let off = *order
            .pop_offset
            .get(c.population)
            .ok_or_else(|| bad("no such population".into()))?;
        let d = res.delay_steps(c.delay_ms).max(1) as u64;
        delays.include(d);
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
                return Err(bad(format!("row {r} out of range")));
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
    Ok(clamps)
}

/// The Poisson inputs: per partition its targets (rows and generators), and the inputs' names
/// and rates.
struct PoissonSetup {
    per_partition: Vec<Vec<PoissonTargets>>,
    names: Vec<String>,
    rates: Vec<f64>,
}

/// Each target gets its own generator keyed by (seed, input, neuron), so the draws do not depend
/// on the partitioning.
fn build_poisson(
    net: &Network,
    order: &NeuronOrder,
    layout: &RowLayout,
    threads: usize,
    res: &Resolution,
    delays: &mut DelayRange,
) -> SimResult<PoissonSetup> {
    let mut setup = PoissonSetup {
        per_partition: (0..threads).map(|_| Vec::new()).collect(),
        names: Vec::new(),
        rates: Vec::new(),
    };
    for (ii, pin) in net.poisson.iter().enumerate() {
        let bad = |message: String| SimError::BadInput {
            input: pin.name.clone(),
            message,
        };
        let off = *order
            .pop_offset
            .get(pin.population)
            .ok_or_else(|| bad("no such population".into()))?;
        let d = res.delay_steps(pin.delay_ms);
        if d < 1 {
            return Err(bad("delay shorter than the resolution".into()));
        }
        delays.include(d as u64);
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
                return Err(bad(format!("row {r} out of range")));
            }
            let m = order.model_of(net, ti);
            let ch = net.populations[m.population].models[m.model]
                .channel_rule(pin.receptor)
                .map_err(|e| bad_proj(&pin.name, e))?
                .channel(pin.weight);
            let pt = &mut per[layout.part_of[ti] as usize];
            pt.rows
                .push(layout.row_a[ti] + ch as u32 * layout.row_stride[ti]);
            pt.rngs
                .push(Rng::new(net.seed, ((ii as u64) << 40) ^ ti as u64));
        }
        for (t, pt) in per.into_iter().enumerate() {
            if !pt.rows.is_empty() {
                setup.per_partition[t].push(pt);
            }
        }
        setup.names.push(pin.name.clone());
        setup.rates.push(pin.rate_hz);
    }
    Ok(setup)
}

/// The sources' spike trains as (step before the stamp, internal id) events, sorted; times that
/// are not finite or before the first step are dropped and counted.
fn source_events(net: &Network, order: &NeuronOrder, res: &Resolution) -> (Vec<(u64, u32)>, usize) {
    let mut events = Vec::new();
    let mut dropped = 0usize;
    for (q, sp) in net.sources.iter().enumerate() {
        for (r, train) in sp.trains.iter().enumerate() {
            for &t in train {
                let stamp = res.spike_stamp_steps(t, net.precise_times);
                if !t.is_finite() || stamp < 1 {
                    dropped += 1;
                    continue;
                }
                events.push(((stamp - 1) as u64, (order.src_offset[q] + r) as u32));
            }
        }
    }
    events.sort_unstable();
    (events, dropped)
}

/// The partitions with their synapses, Poisson targets, clamp targets and buffers.
fn assemble_partitions(
    shapes: Vec<PartitionShape>,
    stores: Vec<SynapseStore>,
    poisson: Vec<Vec<PoissonTargets>>,
    clamps: &[ClampSchedule],
    delays: DelayRange,
    stats: &mut BuildStats,
) -> Vec<Partition> {
    let min_delay = delays.min_delay() as usize;
    let ring_len = min_delay + delays.max as usize;
    let mut built = Vec::with_capacity(shapes.len());
    for ((shape, syn), poisson) in shapes.into_iter().zip(stores).zip(poisson) {
        let PartitionShape {
            n0,
            n1,
            blocks,
            rows,
        } = shape;
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
        stats.buffer_bytes += (min_delay * rows + ring_len * ncur) * 8;
        built.push(Partition {
            n0,
            n1,
            blocks,
            rows,
            spk: vec![0.0; min_delay * rows],
            inputs: SlotInputs::new(ring_len),
            cur: vec![0.0; ring_len * ncur],
            syn,
            poisson,
            clamp_targets,
            out: Vec::new(),
            probes: PartitionProbes::default(),
        });
    }
    built
}

fn thread_pool(threads: usize) -> SimResult<Option<rayon::ThreadPool>> {
    if threads <= 1 {
        return Ok(None);
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map(Some)
        .map_err(|e| SimError::Invalid(format!("thread pool of {threads} threads: {e}")))
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

    fn build(net: &Network, edges: Edges, opts: &SimOptions) -> SimResult<Self> {
        let res = Resolution::new(net.dt)?;
        let threads = opts.threads.max(1);
        if threads > MAX_PARTITIONS {
            return Err(SimError::Invalid(format!(
                "{threads} threads: the engine runs at most {MAX_PARTITIONS} partitions"
            )));
        }
        let order = NeuronOrder::of(net)?;
        let bounds = partition_bounds(net, &edges, &order, threads)?;
        let (shapes, layout) = lay_out_partitions(net, &order, &bounds, &res);
        let pool = thread_pool(threads)?;
        let (synapses, proj_names) =
            build_synapses(net, edges, &order, &shapes, &layout, pool.as_ref(), &res)?;
        let mut input_delays = DelayRange::default();
        let clamps = build_clamps(net, &order, &res, &mut input_delays)?;
        let poisson = build_poisson(net, &order, &layout, threads, &res, &mut input_delays)?;
        let delays = synapses.delays.merge(input_delays);
        let (gen_events, dropped) = source_events(net, &order, &res);

        let min_delay = delays.min_delay();
        let mut stats = BuildStats {
            neurons: order.n,
            sources: order.n_src - order.n,
            partitions: threads,
            blocks: shapes.iter().map(|s| s.blocks.len()).sum(),
            min_delay_steps: min_delay,
            max_delay_steps: delays.max,
            source_spikes: gen_events.len(),
            source_spikes_dropped: dropped,
            ..Default::default()
        };
        let parts = assemble_partitions(
            shapes,
            synapses.stores,
            poisson.per_partition,
            &clamps,
            delays,
            &mut stats,
        );
        let lambdas = poisson.rates.iter().map(|r| r * res.dt() * 1e-3).collect();
        Ok(Self {
            res,
            step: 0,
            min_delay,
            ring_len: (min_delay + delays.max) as usize,
            parts,
            pool,
            gen_events,
            gen_cursor: 0,
            window_gen: Vec::new(),
            pending: Vec::new(),
            clamps,
            poisson_names: poisson.names,
            poisson_rates: poisson.rates,
            lambdas,
            recorded: Vec::new(),
            taken: 0,
            pop_names: net.populations.iter().map(|p| p.name.clone()).collect(),
            pop_offset: order.pop_offset,
            node_ids: net.populations.iter().map(|p| p.node_ids.clone()).collect(),
            proj_names,
            src_offset: order.src_offset,
            src_names: net.sources.iter().map(|s| s.name.clone()).collect(),
            src_lens: net.sources.iter().map(|s| s.trains.len()).collect(),
            precise_times: net.precise_times,
            stats,
            vm: VmRecordings::default(),
        })
    }
}
