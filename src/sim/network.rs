//! A plain, simulator-neutral description of a point-neuron network: what the SONATA builder
//! produces and what tests and the viewer's demo can write by hand.
use super::models::Model;

/// A population of simulated neurons.
#[derive(Debug, Clone, Default)]
pub struct Population {
    pub name: String,
    /// SONATA node ids, in row order (what the spikes file reports)
    pub node_ids: Vec<u64>,
    /// distinct models with their parameters
    pub models: Vec<Model>,
    /// per row: index into `models`
    pub model_of: Vec<u32>,
}

impl Population {
    /// `n` neurons of one model, node ids 0..n.
    pub fn uniform(name: &str, model: Model, n: usize) -> Self {
        Self {
            name: name.to_string(),
            node_ids: (0..n as u64).collect(),
            models: vec![model],
            model_of: vec![0; n],
        }
    }

    pub fn len(&self) -> usize {
        self.model_of.len()
    }

    pub fn is_empty(&self) -> bool {
        self.model_of.is_empty()
    }
}

/// A population of spike sources (SONATA virtual nodes), one spike train per node.
#[derive(Debug, Clone, Default)]
pub struct SourcePopulation {
    pub name: String,
    pub node_ids: Vec<u64>,
    /// spike times in ms per row (any order)
    pub trains: Vec<Vec<f64>>,
}

/// Where the sources of a projection live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceRef {
    Neurons(usize),
    Sources(usize),
}

/// Synapse properties shared by the edges of one kind (a SONATA edge type).
#[derive(Debug, Clone, PartialEq)]
pub struct SynapseKind {
    /// pA for current-based models (mV for delta synapses), already multiplied by nsyns
    pub weight: f64,
    pub delay_ms: f64,
    /// NEST receptor_type (0 for iaf models, 1..=n for glif_psc)
    pub receptor: u32,
}

/// The edges from one population to another (a SONATA edge population).
#[derive(Debug, Clone)]
pub struct Projection {
    pub name: String,
    pub source: SourceRef,
    /// index of the target neuron population
    pub target: usize,
    /// source row per edge
    pub src: Vec<u32>,
    /// target row per edge
    pub tgt: Vec<u32>,
    /// per edge: index into `kinds`
    pub kind: Vec<u32>,
    pub kinds: Vec<SynapseKind>,
    /// per-edge weights overriding the kind's weight
    pub weight: Option<Vec<f64>>,
    /// per-edge delays overriding the kind's delay
    pub delay_ms: Option<Vec<f64>>,
}

impl Projection {
    pub fn len(&self) -> usize {
        self.src.len()
    }

    pub fn is_empty(&self) -> bool {
        self.src.is_empty()
    }

    pub fn weight_of(&self, e: usize) -> f64 {
        match &self.weight {
            Some(w) => w[e],
            None => self.kinds[self.kind[e] as usize].weight,
        }
    }

    pub fn delay_of(&self, e: usize) -> f64 {
        match &self.delay_ms {
            Some(d) => d[e],
            None => self.kinds[self.kind[e] as usize].delay_ms,
        }
    }
}

/// A step current (NEST `step_current_generator`, as BMTK's IClamp builds it).
#[derive(Debug, Clone)]
pub struct CurrentClamp {
    pub name: String,
    pub population: usize,
    pub rows: Vec<u32>,
    /// amplitude change times (ms) and the amplitude from then on (pA)
    pub times_ms: Vec<f64>,
    pub amps_pa: Vec<f64>,
    /// delay of the generator's connections (BMTK: dt)
    pub delay_ms: f64,
}

impl CurrentClamp {
    /// BMTK's IClamp: amp from `delay` for `duration` ms (lists give several pulses); onsets at or
    /// before dt are dropped, as BMTK does.
    pub fn pulses(
        name: &str,
        population: usize,
        rows: Vec<u32>,
        amps: &[f64],
        delays: &[f64],
        durations: &[f64],
        dt: f64,
    ) -> Self {
        let mut times_ms = Vec::new();
        let mut amps_pa = Vec::new();
        for i in 0..amps.len().min(delays.len()).min(durations.len()) {
            let start = delays[i];
            if start <= dt {
                continue;
            }
            times_ms.push(start);
            amps_pa.push(amps[i]);
            let stop = start + durations[i];
            if i + 1 == delays.len() || stop <= delays[i + 1] {
                times_ms.push(stop);
                amps_pa.push(0.0);
            }
        }
        Self {
            name: name.to_string(),
            population,
            rows,
            times_ms,
            amps_pa,
            delay_ms: dt,
        }
    }
}

/// Independent Poisson spike trains into each target (NEST `poisson_generator`).
#[derive(Debug, Clone)]
pub struct PoissonInput {
    pub name: String,
    pub population: usize,
    pub rows: Vec<u32>,
    pub rate_hz: f64,
    pub weight: f64,
    pub delay_ms: f64,
    pub receptor: u32,
}

/// Everything the engine needs to run.
#[derive(Debug, Clone, Default)]
pub struct Network {
    /// resolution in ms
    pub dt: f64,
    pub populations: Vec<Population>,
    pub sources: Vec<SourcePopulation>,
    pub projections: Vec<Projection>,
    pub current_clamps: Vec<CurrentClamp>,
    pub poisson: Vec<PoissonInput>,
    /// spike_generator `precise_times` (false: NEST's default, times on the grid are kept and
    /// others rounded up; true: BMTK's choice, every time rounded up to the grid)
    pub precise_times: bool,
    /// seed of the Poisson inputs
    pub seed: u64,
}
