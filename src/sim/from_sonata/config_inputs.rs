//! The config's `inputs` -> spike trains of source populations (SONATA/CSV spike files), step
//! currents (BMTK's IClamp) and Poisson inputs. What the engine cannot honour exactly is an
//! error: a node set that selects nothing, spike times that are not finite or negative, spikes
//! of a population the network does not have, amplitudes or rates that are not numbers.
use std::path::Path;

use serde_json::Value;

use super::network_files::require_file;
use super::node_set_rows;
use super::populations::PopulationIndex;
use super::projections::rows_of_ids;
use crate::sim::error::{Offenders, SimError, SimResult};
use crate::sim::network::{CurrentClamp, Network, PoissonInput};
use crate::sonata::config::InputConfig;
use crate::sonata::{Circuit, PopulationSpikes};

fn bad_input(input: &InputConfig, message: impl Into<String>) -> SimError {
    SimError::BadInput {
        input: input.name.clone(),
        message: message.into(),
    }
}

/// The input's node set (`all` when it names none).
fn node_set(input: &InputConfig) -> Value {
    input
        .node_set
        .clone()
        .unwrap_or(Value::String("all".into()))
}

/// A node set as text for messages.
fn set_text(set: &Value) -> String {
    match set {
        Value::String(s) => format!("'{s}'"),
        other => other.to_string(),
    }
}

/// Numbers given as a list, a number or a numeric string; anything else is an error.
fn numbers(input: &InputConfig, key: &str) -> SimResult<Vec<f64>> {
    let one = |v: &Value| -> Option<f64> {
        match v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
        .filter(|x: &f64| x.is_finite())
    };
    let not_numbers = || bad_input(input, format!("'{key}' must be finite numbers"));
    match input.raw.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a.iter().map(|v| one(v).ok_or_else(not_numbers)).collect(),
        Some(v) => one(v).map(|x| vec![x]).ok_or_else(not_numbers),
    }
}

/// An optional number of an input; present but not a finite number is an error.
fn number(input: &InputConfig, key: &str) -> SimResult<Option<f64>> {
    match input.raw.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_f64()
            .filter(|x| x.is_finite())
            .map(Some)
            .ok_or_else(|| bad_input(input, format!("'{key}' = {v} is not a finite number"))),
    }
}

/// Checks the times of one file's spikes: not finite or negative is an error; times before the
/// first step (which no spike generator can emit) are reported as a warning.
fn check_spike_times(
    input: &InputConfig,
    file: &Path,
    ps: &PopulationSpikes,
    dt: f64,
    warnings: &mut Vec<String>,
) -> SimResult<()> {
    let mut not_finite = Offenders::default();
    let mut negative = Offenders::default();
    let mut before_first_step = Offenders::default();
    for (&id, &t) in ps.node_ids.iter().zip(&ps.timestamps) {
        if !t.is_finite() {
            not_finite.add(id);
        } else if t < 0.0 {
            negative.add(id);
        } else if t < dt / 2.0 {
            before_first_step.add(id);
        }
    }
    for (offenders, what) in [
        (&not_finite, "time not a finite number"),
        (&negative, "negative time"),
    ] {
        if !offenders.is_empty() {
            return Err(SimError::BadData {
                path: file.to_owned(),
                message: format!(
                    "input '{}': {what} for {}",
                    input.name,
                    offenders.summary("spike", "spikes", "nodes ")
                ),
            });
        }
    }
    if !before_first_step.is_empty() {
        warnings.push(format!(
            "{}: input '{}': {} before the first step ({} ms), not delivered",
            file.display(),
            input.name,
            before_first_step.summary("spike", "spikes", "nodes "),
            dt / 2.0
        ));
    }
    Ok(())
}

/// Spike trains from a SONATA/CSV spikes file into source populations: the population the file
/// names, else the one the input's node set selects.
fn spike_input(
    circuit: &Circuit,
    input: &InputConfig,
    index: &PopulationIndex,
    net: &mut Network,
    warnings: &mut Vec<String>,
) -> SimResult<()> {
    let file = input
        .input_file
        .as_ref()
        .ok_or_else(|| bad_input(input, "no input_file"))?;
    let named_by = circuit
        .simulation
        .as_ref()
        .map_or(circuit.source.as_path(), |s| s.path.as_path());
    require_file(
        &format!("input '{}': input_file", input.name),
        file,
        named_by,
    )?;
    let set = node_set(input);
    let mut by_node_set = None;
    for name in index.sources.keys() {
        let pop = circuit.node_population(name)?;
        if !node_set_rows(circuit, &set, pop)?.is_empty() {
            by_node_set = Some(name.clone());
            break;
        }
    }
    if by_node_set.is_none() {
        return Err(bad_input(
            input,
            format!(
                "node set {} selects no virtual node (spike sources must be virtual populations)",
                set_text(&set)
            ),
        ));
    }
    for ps in crate::sonata::read_spikes(file)? {
        check_spike_times(input, file, &ps, net.dt, warnings)?;
        let name = if ps.population.is_empty() {
            by_node_set.as_deref()
        } else {
            Some(ps.population.as_str())
        };
        let Some(&q) = name.and_then(|n| index.sources.get(n)) else {
            return Err(SimError::BadData {
                path: file.clone(),
                message: format!(
                    "input '{}': spikes of population '{}' match no virtual population of the network ({})",
                    input.name,
                    ps.population,
                    index.sources.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            });
        };
        let ids = ps
            .node_ids
            .iter()
            .map(|&id| {
                u32::try_from(id)
                    .map_err(|_| bad_input(input, format!("node id {id} does not fit 32 bits")))
            })
            .collect::<SimResult<Vec<u32>>>()?;
        let sp = &mut net.sources[q];
        let rows = rows_of_ids(&sp.node_ids, ids, &input.name)?;
        for (r, t) in rows.into_iter().zip(ps.timestamps) {
            sp.trains[r as usize].push(t);
        }
    }
    Ok(())
}

/// Rows of each neuron population that the input's node set selects; selecting nothing is an
/// error.
fn selected_neurons(
    circuit: &Circuit,
    input: &InputConfig,
    net: &Network,
) -> SimResult<Vec<(usize, Vec<u32>)>> {
    let set = node_set(input);
    let mut out = Vec::new();
    for (p, pop) in net.populations.iter().enumerate() {
        let np = circuit.node_population(&pop.name)?;
        let rows = node_set_rows(circuit, &set, np)?;
        if !rows.is_empty() {
            out.push((p, rows));
        }
    }
    if out.is_empty() {
        return Err(bad_input(
            input,
            format!("node set {} selects no simulated neuron", set_text(&set)),
        ));
    }
    Ok(out)
}

/// BMTK's IClamp: pulses of `amp` (pA) from `delay` for `duration` (ms), lists or numbers.
fn current_clamp(circuit: &Circuit, input: &InputConfig, net: &mut Network) -> SimResult<()> {
    let amps = numbers(input, "amp")?;
    let delays = numbers(input, "delay")?;
    let durations = numbers(input, "duration")?;
    if amps.is_empty() || amps.len() != delays.len() || amps.len() != durations.len() {
        return Err(bad_input(
            input,
            "amp, delay and duration must be given, with equal lengths",
        ));
    }
    for (p, rows) in selected_neurons(circuit, input, net)? {
        net.current_clamps.push(CurrentClamp::pulses(
            &input.name,
            p,
            rows,
            &amps,
            &delays,
            &durations,
            net.dt,
        ));
    }
    Ok(())
}

/// A Poisson input: `rate` (Hz) and `weight` required, `delay` (ms, NEST's default 1) and
/// `receptor_type` optional.
fn poisson(circuit: &Circuit, input: &InputConfig, net: &mut Network) -> SimResult<()> {
    let rate = number(input, "rate")?
        .filter(|r| *r >= 0.0)
        .ok_or_else(|| bad_input(input, "a Poisson input needs a rate >= 0 (Hz)"))?;
    let weight =
        number(input, "weight")?.ok_or_else(|| bad_input(input, "Poisson input needs a weight"))?;
    let delay = number(input, "delay")?.unwrap_or(1.0);
    let receptor = match input.raw.get("receptor_type") {
        None | Some(Value::Null) => 0,
        Some(v) => v
            .as_u64()
            .and_then(|r| u32::try_from(r).ok())
            .ok_or_else(|| bad_input(input, format!("receptor_type {v} is not a port number")))?,
    };
    for (p, rows) in selected_neurons(circuit, input, net)? {
        net.poisson.push(PoissonInput {
            name: input.name.clone(),
            population: p,
            rows,
            rate_hz: rate,
            weight,
            delay_ms: delay,
            receptor,
        });
    }
    Ok(())
}

/// Applies every input of the config to the network.
pub(super) fn add_inputs(
    circuit: &Circuit,
    inputs: &[InputConfig],
    index: &PopulationIndex,
    net: &mut Network,
    warnings: &mut Vec<String>,
) -> SimResult<()> {
    for input in inputs {
        let kind = input.input_type.as_str();
        let module = input.module.as_str();
        if kind == "spikes" || matches!(module, "h5" | "sonata" | "csv") && kind != "current_clamp"
        {
            spike_input(circuit, input, index, net, warnings)?;
        } else if kind == "current_clamp" || module == "IClamp" {
            current_clamp(circuit, input, net)?;
        } else if kind == "poisson" || module == "poisson" {
            poisson(circuit, input, net)?;
        } else {
            warnings.push(format!(
                "input '{}': input_type '{kind}' / module '{module}' is not supported; ignored",
                input.name
            ));
        }
    }
    Ok(())
}
