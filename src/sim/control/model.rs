//! A model as a live run needs it: how to build (and rebuild, for a reset) the simulation and
//! its endless inputs, what its panel offers (rate factors per virtual population with spike
//! inputs, weight factors per edge population and E/I class), and how a stimulus selection
//! becomes neurons. The built-in column is one such model, a SONATA config another.
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::ei_classes::{WeightGroup, split_by_class};
use super::feeder::SourceFeeder;
use super::feeder::{FedInput, TrainFeeder};
use crate::sim::error::{SimError, SimResult};
use crate::sim::from_sonata::{RunSpec, check_files_named_by, network_from_circuit};
use crate::sim::network::Network;
use crate::sim::time::Resolution;
use crate::sim::{SimOptions, Simulation};
use crate::sonata::{Circuit, NodePopulation, NodeSets, selection_language};

/// Model ms between the points where a live run (and its replay) can be changed.
pub const CHUNK_MS: f64 = 2.0;

/// An input whose rate a slider scales: a virtual population that has spike inputs, or a
/// Poisson input of the config.
#[derive(Clone, Debug, PartialEq)]
pub struct RateInput {
    /// The virtual population, or the Poisson input's name among the config's `inputs` (the
    /// name a `set_rate` intervention gives).
    pub population: String,
    pub kind: RateKind,
    /// nodes it drives: the virtual population's, or the neurons the Poisson input reaches
    pub nodes: usize,
    /// mean rate of its nodes over the stretch the built trains cover, or the Poisson rate of
    /// the config (Hz)
    pub mean_rate_hz: f64,
}

/// Where the spikes of a [`RateInput`] come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateKind {
    /// Trains of a source population (its index in the network), continued as Poisson.
    Trains { source: usize },
    /// A Poisson generator into neurons (NEST's `poisson_generator`).
    Poisson,
}

/// What the live panel offers for a model (plain data; the window draws it).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct PanelModel {
    pub rate_inputs: Vec<RateInput>,
    pub weight_groups: Vec<WeightGroup>,
    /// the simulated (non-virtual) populations a stimulus can reach
    pub neuron_populations: Vec<String>,
}

/// Builds a fresh simulation and the feeder of its inputs.
pub type Builder = dyn Fn() -> SimResult<(Simulation, Box<dyn SourceFeeder>)> + Send + Sync;

/// Stimulus selections evaluated over the simulated populations' node attributes.
pub struct NodeSelector {
    populations: Vec<NodePopulation>,
    node_sets: Option<NodeSets>,
    /// per node population: its index among the engine's populations and, when the rows differ,
    /// the engine row of each node row
    engine: Vec<(usize, Option<Vec<u32>>)>,
}

impl NodeSelector {
    /// `populations` are node populations of the circuit; those the engine simulates (by name)
    /// are kept, with their rows matched to the engine's by node id.
    pub fn new(populations: &[NodePopulation], node_sets: Option<NodeSets>, net: &Network) -> Self {
        let mut kept = Vec::new();
        let mut engine = Vec::new();
        for (i, p) in net.populations.iter().enumerate() {
            let Some(np) = populations.iter().find(|n| n.name == p.name) else {
                continue;
            };
            let rows = (np.node_ids != p.node_ids).then(|| {
                let at: std::collections::HashMap<u64, u32> = p
                    .node_ids
                    .iter()
                    .enumerate()
                    .map(|(r, &id)| (id, r as u32))
                    .collect();
                np.node_ids
                    .iter()
                    .map(|id| at.get(id).copied().unwrap_or(u32::MAX))
                    .collect()
            });
            kept.push(np.clone());
            engine.push((i, rows));
        }
        Self {
            populations: kept,
            node_sets,
            engine,
        }
    }

    /// The engine rows `expr` selects, per engine population (only populations with some).
    pub fn rows(&self, expr: &str) -> SimResult<Vec<(usize, Vec<u32>)>> {
        let selected =
            selection_language::select(expr, &self.populations, self.node_sets.as_ref())?;
        let mut out = Vec::new();
        for (np, (engine_pop, map)) in self.populations.iter().zip(&self.engine) {
            let Some(sel) = selected.get(&np.name) else {
                continue;
            };
            let rows: Vec<u32> = sel
                .ids()
                .filter_map(|r| match map {
                    Some(m) => m.get(r as usize).copied().filter(|&x| x != u32::MAX),
                    None => Some(r as u32),
                })
                .collect();
            if !rows.is_empty() {
                out.push((*engine_pop, rows));
            }
        }
        Ok(out)
    }
}

/// A model a live run can build, rebuild and change.
pub struct LiveModel {
    /// The simulation config, or `None` for the built-in column.
    pub config: Option<PathBuf>,
    pub panel: PanelModel,
    pub selector: NodeSelector,
    pub chunk_ms: f64,
    pub dt_ms: f64,
    build: Box<Builder>,
    /// what opening it noticed (the config's warnings)
    pub warnings: Vec<String>,
    /// what the config says beyond the network (duration, outputs), for a config
    pub run_spec: Option<RunSpec>,
}

impl LiveModel {
    pub fn new(
        config: Option<PathBuf>,
        panel: PanelModel,
        selector: NodeSelector,
        dt_ms: f64,
        build: Box<Builder>,
    ) -> Self {
        Self {
            config,
            panel,
            selector,
            chunk_ms: CHUNK_MS,
            dt_ms,
            build,
            warnings: Vec::new(),
            run_spec: None,
        }
    }

    /// A fresh simulation at t = 0 with the inputs' feeder.
    pub fn build(&self) -> SimResult<(Simulation, Box<dyn SourceFeeder>)> {
        (self.build)()
    }

    /// Opens a SONATA simulation config strictly, as `simulate` does (every file the network
    /// needs, models the engine knows): a refusal names the population and the model.
    pub fn open(config: &Path, threads: usize) -> SimResult<Arc<LiveModel>> {
        check_files_named_by(config)?;
        let circuit = Circuit::open(config)?;
        let (net, spec) = network_from_circuit(&circuit)?;
        circuit
            .require_simulation_files()
            .map_err(SimError::Sonata)?;
        let mut model = Self::from_network(
            net,
            &circuit.nodes,
            circuit.node_sets.clone(),
            spec.tstop,
            threads,
        )?;
        model.config = Some(config.to_owned());
        model.warnings.extend(spec.warnings.iter().cloned());
        model.run_spec = Some(spec);
        Ok(Arc::new(model))
    }

    /// A model from a network: projections split by E/I class, the virtual populations' trains
    /// kept up to `stretch_ms` and continued as Poisson at each node's mean rate over it.
    pub fn from_network(
        mut net: Network,
        nodes: &[NodePopulation],
        node_sets: Option<NodeSets>,
        stretch_ms: f64,
        threads: usize,
    ) -> SimResult<Self> {
        let weight_groups = split_by_class(&mut net);
        let res = Resolution::new(net.dt)?;
        let mut rate_inputs = Vec::new();
        let mut fed = Vec::new();
        let seconds = stretch_ms.max(res.dt()) / 1000.0;
        for (q, s) in net.sources.iter_mut().enumerate() {
            for t in &mut s.trains {
                t.retain(|&x| x < stretch_ms);
            }
            let spikes: usize = s.trains.iter().map(Vec::len).sum();
            if spikes == 0 {
                continue;
            }
            let rates_hz: Vec<f64> = s.trains.iter().map(|t| t.len() as f64 / seconds).collect();
            rate_inputs.push(RateInput {
                population: s.name.clone(),
                kind: RateKind::Trains { source: q },
                nodes: s.node_ids.len(),
                mean_rate_hz: spikes as f64 / s.node_ids.len().max(1) as f64 / seconds,
            });
            fed.push(FedInput {
                name: s.name.clone(),
                index: q,
                rates_hz,
            });
        }
        let mut warnings = Vec::new();
        poisson_rate_inputs(&net, &mut rate_inputs, &mut warnings);
        let panel = PanelModel {
            rate_inputs,
            weight_groups,
            neuron_populations: net.populations.iter().map(|p| p.name.clone()).collect(),
        };
        let selector = NodeSelector::new(nodes, node_sets, &net);
        let dt = net.dt;
        let seed = net.seed;
        let net = Arc::new(net);
        let build = move || -> SimResult<(Simulation, Box<dyn SourceFeeder>)> {
            let sim = Simulation::new(&net, &SimOptions { threads })?;
            let feeder = TrainFeeder::new(seed, res, fed.clone(), stretch_ms);
            Ok((sim, Box::new(feeder) as Box<dyn SourceFeeder>))
        };
        let mut model = Self::new(None, panel, selector, dt, Box::new(build));
        model.warnings = warnings;
        Ok(model)
    }

    /// The Poisson rate (Hz) of the config's Poisson input `name` at a factor of 1, when the
    /// panel has one.
    pub fn poisson_rate_hz(&self, name: &str) -> Option<f64> {
        self.panel
            .rate_inputs
            .iter()
            .find(|r| r.population == name && r.kind == RateKind::Poisson)
            .map(|r| r.mean_rate_hz)
    }
}

/// One rate input per Poisson input of the network (the entries of one config input, one per
/// population it reaches, are one slider). A name that a virtual population with spike inputs
/// already has gets no slider: a `set_rate` of that name would be ambiguous.
fn poisson_rate_inputs(
    net: &Network,
    rate_inputs: &mut Vec<RateInput>,
    warnings: &mut Vec<String>,
) {
    for pin in &net.poisson {
        if let Some(known) = rate_inputs.iter_mut().find(|r| r.population == pin.name) {
            if known.kind == RateKind::Poisson {
                known.nodes += pin.rows.len();
            }
            continue;
        }
        rate_inputs.push(RateInput {
            population: pin.name.clone(),
            kind: RateKind::Poisson,
            nodes: pin.rows.len(),
            mean_rate_hz: pin.rate_hz,
        });
    }
    for r in rate_inputs.iter() {
        let clash = matches!(r.kind, RateKind::Trains { .. })
            && net.poisson.iter().any(|p| p.name == r.population);
        if clash {
            warnings.push(format!(
                "the Poisson input '{}' has the name of a virtual population: its rate has no slider",
                r.population
            ));
        }
    }
}
