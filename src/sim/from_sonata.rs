//! SONATA circuit + simulation config -> [`Network`], with BMTK PointNet's conventions
//! (`nest:<model>` templates, weight = syn_weight x nsyns, virtual nodes as spike generators,
//! IClamp as a step current with the connection delay dt), in stages:
//!
//! 1. `network_files`: every file the network needs is there and loaded whole (strict: viewing
//!    is tolerant, simulating another network than the files describe is not);
//! 2. `RunSettings`: dt, tstop and the random seed of the `run` block;
//! 3. `populations`: neuron populations with their models, virtual ones as spike sources;
//! 4. `projections`: one per edge population, synapse kinds from the edges and their types;
//! 5. `config_inputs`: spike trains, step currents, Poisson inputs;
//! 6. the membrane reports (`super::reports`).
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::error::{SimError, SimResult};
use super::network::Network;
use super::reports::{VmReportSpec, vm_reports};
use crate::sonata::config::SimulationConfig;
pub(crate) use crate::sonata::node_sets::node_set_rows;
use crate::sonata::{Circuit, SortOrder};

mod config_inputs;
mod network_files;
mod populations;
mod projections;

/// The seed of the engine's random numbers (Poisson inputs) when `run.random_seed` gives none.
pub const DEFAULT_SEED: u64 = 1234;

/// What the config says beyond the network: how long, where to write.
#[derive(Debug, Clone)]
pub struct RunSpec {
    pub tstop: f64,
    pub dt: f64,
    pub spikes_file: Option<PathBuf>,
    pub sort_order: SortOrder,
    /// V_m reports asked for in `reports`
    pub reports: Vec<VmReportSpec>,
    pub warnings: Vec<String>,
}

/// The `run` block: resolution, duration, seed.
struct RunSettings {
    dt: f64,
    tstop: f64,
    seed: u64,
}

impl RunSettings {
    fn of(sim: &SimulationConfig, warnings: &mut Vec<String>) -> SimResult<Self> {
        let at = |key: &str, message: String| {
            SimError::Invalid(format!("{}: run.{key} {message}", sim.path.display()))
        };
        let tstop = sim
            .run
            .tstop
            .ok_or_else(|| at("tstop", "is missing".into()))?;
        if !(tstop.is_finite() && tstop >= 0.0) {
            return Err(at("tstop", format!("= {tstop} is not a duration (ms)")));
        }
        let dt = match sim.run.dt {
            Some(dt) => dt,
            None => {
                warnings.push("run.dt missing: using 0.1 ms".into());
                0.1
            }
        };
        let seed = match sim.run.raw.get("random_seed") {
            None | Some(Value::Null) => DEFAULT_SEED,
            Some(v) => v.as_u64().ok_or_else(|| {
                at(
                    "random_seed",
                    format!("= {v} is not a non-negative integer"),
                )
            })?,
        };
        Ok(Self { dt, tstop, seed })
    }
}

pub(crate) fn read_json(path: &Path) -> SimResult<Map<String, Value>> {
    let invalid = |msg: String| SimError::Invalid(msg);
    let text =
        std::fs::read_to_string(path).map_err(|e| invalid(format!("{}: {e}", path.display())))?;
    match serde_json::from_str(&text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(invalid(format!("{}: not a JSON object", path.display()))),
        Err(e) => Err(invalid(format!("{}: {e}", path.display()))),
    }
}

/// Checks, before the circuit is opened, that every file a config (or the config a folder
/// holds) names for the network can be read: a simulation without one of them would run
/// another network.
pub fn check_files_named_by(config: &Path) -> SimResult<()> {
    let config = if config.is_dir() {
        crate::sonata::config::find_config_in_folder(config)?
    } else {
        config.to_owned()
    };
    let configs = crate::sonata::config::read_configs(&config)?;
    match &configs.circuit {
        Some(cc) => network_files::check_named_files(cc, configs.simulation.as_ref()),
        None => Ok(()),
    }
}

/// Build the network of a circuit opened from a simulation config.
pub fn network_from_circuit(circuit: &Circuit) -> SimResult<(Network, RunSpec)> {
    let sim = circuit.simulation.as_ref().ok_or_else(|| {
        SimError::Invalid("the config has no simulation part (run, inputs)".into())
    })?;
    network_files::check_network_files(circuit)?;
    let mut warnings = Vec::new();
    let run = RunSettings::of(sim, &mut warnings)?;
    let models_dir = circuit.component_dir("point_neuron_models_dir");
    let synapse_dir = circuit.component_dir("synaptic_models_dir");

    let pops = populations::build_populations(circuit, models_dir, &mut warnings)?;
    let mut net = Network {
        dt: run.dt,
        seed: run.seed,
        populations: pops.neurons,
        sources: pops.sources,
        ..Default::default()
    };
    for ep in &circuit.edges {
        let projection = projections::build_projection(
            ep,
            &pops.index,
            &net.populations,
            &net.sources,
            synapse_dir,
            &mut warnings,
        )?;
        net.projections.push(projection);
    }
    config_inputs::add_inputs(circuit, &sim.inputs, &pops.index, &mut net, &mut warnings)?;

    let spikes_file = sim
        .output
        .spikes_file
        .as_ref()
        .map(|f| sim.output.output_dir.join(f));
    let reports = vm_reports(
        circuit,
        &sim.reports,
        &net.populations,
        spikes_file.as_deref(),
        &mut warnings,
    )?;
    Ok((
        net,
        RunSpec {
            tstop: run.tstop,
            dt: run.dt,
            spikes_file,
            sort_order: sim.output.spikes_sort_order,
            reports,
            warnings,
        },
    ))
}
