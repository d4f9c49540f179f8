//! SONATA circuit + simulation config -> [`Network`], with BMTK PointNet's conventions
//! (`nest:<model>` templates, weight = syn_weight x nsyns, virtual nodes as spike generators,
//! IClamp as a step current with the connection delay dt).
use std::collections::HashMap;

use crate::sonata::edges::Direction;
use std::path::PathBuf;

use serde_json::{Map, Value};

use super::error::{SimError, SimResult};
use super::models::Model;
use super::network::{
    CurrentClamp, Network, PoissonInput, Population, Projection, SourcePopulation, SourceRef,
    SynapseKind,
};
use super::reports::{VmReportSpec, vm_reports};
use crate::sonata::node_sets::node_set_rows;
use crate::sonata::{Circuit, Column, NodePopulation, SortOrder};

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

/// Weight functions that BMTK registers by default, all `syn_weight * nsyns`.
const DEFAULT_WEIGHT_FUNCTIONS: &[&str] = &["wmax", "set_syn_weight", "default_weight_fnc"];

fn invalid(msg: String) -> SimError {
    SimError::Invalid(msg)
}

fn read_json(path: &std::path::Path) -> SimResult<Map<String, Value>> {
    let text =
        std::fs::read_to_string(path).map_err(|e| invalid(format!("{}: {e}", path.display())))?;
    match serde_json::from_str(&text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(invalid(format!("{}: not a JSON object", path.display()))),
        Err(e) => Err(invalid(format!("{}: {e}", path.display()))),
    }
}

fn is_virtual(pop: &NodePopulation, row: usize) -> bool {
    pop.model_type(row) == Some("virtual")
}

/// Node ids of edges turned into rows of their population (the identity in every SONATA file
/// seen, checked against the population size; a map otherwise).
fn rows_of_ids(pop_ids: &[u64], mut ids: Vec<u32>, what: &str) -> SimResult<Vec<u32>> {
    let identity = pop_ids.iter().enumerate().all(|(i, &id)| i as u64 == id);
    if identity {
        let n = pop_ids.len() as u64;
        if let Some(bad) = ids.iter().find(|&&id| id as u64 >= n) {
            return Err(invalid(format!(
                "{what}: node id {bad} not in the population"
            )));
        }
        return Ok(ids);
    }
    let map: HashMap<u64, u32> = pop_ids
        .iter()
        .enumerate()
        .map(|(i, &id)| (id, i as u32))
        .collect();
    for id in ids.iter_mut() {
        *id = map
            .get(&(*id as u64))
            .copied()
            .ok_or_else(|| invalid(format!("{what}: node id {id} not in the population")))?;
    }
    Ok(ids)
}

/// A multiply-rotate hasher for the per-edge (type, weight, delay) keys: SipHash's DoS
/// resistance buys nothing here and costs a tenth of the network build at 55 M edges.
#[derive(Clone, Copy, Default)]
struct KeyHasher;

#[derive(Default)]
struct KeyHash(u64);

impl std::hash::BuildHasher for KeyHasher {
    type Hasher = KeyHash;
    fn build_hasher(&self) -> KeyHash {
        KeyHash(0)
    }
}

impl std::hash::Hasher for KeyHash {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_i64(&mut self, v: i64) {
        self.write_u64(v as u64);
    }
}

fn ids_u32(ids: &[u64], what: &str) -> SimResult<Vec<u32>> {
    ids.iter()
        .map(|&id| {
            u32::try_from(id)
                .map_err(|_| invalid(format!("{what}: node id {id} does not fit 32 bits")))
        })
        .collect()
}

fn column_f64(col: &Option<Column>, row: usize) -> Option<f64> {
    col.as_ref().and_then(|c| c.f64(row))
}

fn list_or_scalar(v: Option<&Value>) -> Vec<f64> {
    match v {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_f64).collect(),
        Some(Value::Number(n)) => n.as_f64().into_iter().collect(),
        Some(Value::String(s)) => s.trim().parse().ok().into_iter().collect(),
        _ => Vec::new(),
    }
}

/// Build the network of a circuit opened from a simulation config.
pub fn network_from_circuit(circuit: &Circuit) -> SimResult<(Network, RunSpec)> {
    let sim = circuit
        .simulation
        .as_ref()
        .ok_or_else(|| invalid("the config has no simulation part (run, inputs)".into()))?;
    let dt = sim.run.dt.unwrap_or(0.1);
    let tstop = sim
        .run
        .tstop
        .ok_or_else(|| invalid("run.tstop is missing".into()))?;
    let mut warnings = Vec::new();
    if sim.run.dt.is_none() {
        warnings.push("run.dt missing: using 0.1 ms".into());
    }
    let models_dir = circuit
        .component_dir("point_neuron_models_dir")
        .map(PathBuf::from);
    let syn_dir = circuit
        .component_dir("synaptic_models_dir")
        .map(PathBuf::from);

    let mut net = Network {
        dt,
        seed: 1234,
        ..Default::default()
    };
    // populations
    let mut neuron_pop: HashMap<String, usize> = HashMap::new();
    let mut source_pop: HashMap<String, usize> = HashMap::new();
    for pop in &circuit.nodes {
        let n = pop.len();
        let n_virtual = (0..n).filter(|&r| is_virtual(pop, r)).count();
        if n > 0 && n_virtual == n {
            source_pop.insert(pop.name.clone(), net.sources.len());
            net.sources.push(SourcePopulation {
                name: pop.name.clone(),
                node_ids: pop.node_ids.clone(),
                trains: vec![Vec::new(); n],
            });
            continue;
        }
        if n_virtual > 0 {
            return Err(invalid(format!(
                "population '{}' mixes virtual and simulated nodes",
                pop.name
            )));
        }
        let templates = pop.attribute("model_template");
        let per_node = !pop.dynamics_params.is_empty();
        let mut models: Vec<Model> = Vec::new();
        let mut model_of = Vec::with_capacity(n);
        let mut by_key: HashMap<String, u32> = HashMap::new();
        let mut json_cache: HashMap<String, Map<String, Value>> = HashMap::new();
        for row in 0..n {
            let template = templates.and_then(|c| c.str(row)).unwrap_or("");
            let type_id = pop.node_type_ids.get(row).copied().unwrap_or(-1);
            let file = pop
                .attribute("dynamics_params")
                .and_then(|c| c.str(row))
                .unwrap_or("");
            let key = if per_node {
                format!("{template}|{file}|{row}")
            } else {
                format!("{template}|{file}")
            };
            if let Some(&m) = by_key.get(&key) {
                model_of.push(m);
                continue;
            }
            let name = template.strip_prefix("nest:").unwrap_or(template);
            if !Model::NAMES.contains(&name) {
                return Err(SimError::UnknownModel {
                    model: template.to_string(),
                    population: pop.name.clone(),
                    what: format!("node_type_id {type_id}"),
                });
            }
            let params = if per_node {
                pop.dynamics_params(row, models_dir.as_deref())?
            } else if file.is_empty() {
                Map::new()
            } else if let Some(m) = json_cache.get(file) {
                m.clone()
            } else {
                let path = match &models_dir {
                    Some(d) => d.join(file),
                    None => PathBuf::from(file),
                };
                let m = read_json(&path)?;
                json_cache.insert(file.to_string(), m.clone());
                m
            };
            let (model, unknown) = Model::from_nest(name, &params).map_err(|e| match e {
                SimError::BadParameter { model, message } => SimError::BadParameter {
                    model,
                    message: format!(
                        "{message} (population '{}', node_type_id {type_id}, {file})",
                        pop.name
                    ),
                },
                other => other,
            })?;
            if !unknown.is_empty() {
                warnings.push(format!(
                    "population '{}', node_type_id {type_id}: {name} ignores {}",
                    pop.name,
                    unknown.join(", ")
                ));
            }
            // the same parameters under another key share the model
            let m = match models.iter().position(|x| *x == model) {
                Some(i) => i as u32,
                None => {
                    models.push(model);
                    (models.len() - 1) as u32
                }
            };
            by_key.insert(key, m);
            model_of.push(m);
        }
        neuron_pop.insert(pop.name.clone(), net.populations.len());
        net.populations.push(Population {
            name: pop.name.clone(),
            node_ids: pop.node_ids.clone(),
            models,
            model_of,
        });
    }

    // edges
    for ep in &circuit.edges {
        let Some(&target) = neuron_pop.get(&ep.target) else {
            if source_pop.contains_key(&ep.target) {
                return Err(invalid(format!(
                    "edge population '{}' targets virtual population '{}'",
                    ep.name, ep.target
                )));
            }
            warnings.push(format!(
                "edge population '{}': target population '{}' not loaded; skipped",
                ep.name, ep.target
            ));
            continue;
        };
        let (source, src_ids): (SourceRef, &[u64]) = if let Some(&p) = neuron_pop.get(&ep.source) {
            (SourceRef::Neurons(p), &net.populations[p].node_ids)
        } else if let Some(&q) = source_pop.get(&ep.source) {
            (SourceRef::Sources(q), &net.sources[q].node_ids)
        } else {
            warnings.push(format!(
                "edge population '{}': source population '{}' not loaded; skipped",
                ep.name, ep.source
            ));
            continue;
        };
        let src = rows_of_ids(src_ids, ep.node_ids_u32(Direction::Efferent)?, &ep.name)?;
        let tgt = rows_of_ids(
            &net.populations[target].node_ids,
            ep.node_ids_u32(Direction::Afferent)?,
            &ep.name,
        )?;
        let types = ep.types.as_ref();
        // per edge type: weight function, receptor from the synapse JSON
        let mut type_info: HashMap<i64, u32> = HashMap::new();
        let mut receptor_of_type = |t: i64| -> SimResult<u32> {
            if let Some(&r) = type_info.get(&t) {
                return Ok(r);
            }
            let cell = |c: &str| types.and_then(|ty| ty.cell(t, c));
            if let Some(wf) = cell("weight_function")
                && !DEFAULT_WEIGHT_FUNCTIONS.contains(&wf)
            {
                return Err(invalid(format!(
                    "edge population '{}', edge_type_id {t}: weight_function '{wf}' is not known (BMTK's defaults {:?} are)",
                    ep.name, DEFAULT_WEIGHT_FUNCTIONS
                )));
            }
            if let Some(mt) = cell("model_template") {
                let mt = mt.strip_prefix("nest:").unwrap_or(mt);
                if mt != "static_synapse" {
                    return Err(invalid(format!(
                        "edge population '{}', edge_type_id {t}: synapse model '{mt}' is not supported (static_synapse is)",
                        ep.name
                    )));
                }
            }
            let mut receptor = 0u32;
            if let Some(file) = cell("dynamics_params") {
                let path = match &syn_dir {
                    Some(d) => d.join(file),
                    None => PathBuf::from(file),
                };
                if let Ok(m) = read_json(&path) {
                    if let Some(r) = m.get("receptor_type").and_then(Value::as_u64) {
                        receptor = r as u32;
                    }
                } else {
                    return Err(invalid(format!(
                        "edge population '{}', edge_type_id {t}: cannot read synapse parameters {}",
                        ep.name,
                        path.display()
                    )));
                }
            }
            type_info.insert(t, receptor);
            Ok(receptor)
        };
        let n = src.len();
        let mut kinds: Vec<SynapseKind> = Vec::new();
        let mut kind = Vec::with_capacity(n);
        let mut missing_delay = false;
        let per_edge = ["syn_weight", "delay", "nsyns"]
            .iter()
            .any(|a| ep.has_h5_attribute(a));
        if !per_edge {
            // Weight, delay and nsyns come from edge_types.csv: one synapse kind per edge type,
            // and the per-edge work is a table lookup on streamed edge_type_ids.
            let mut kind_of_type: HashMap<i64, u32> = HashMap::new();
            let mut last: Option<(i64, u32)> = None;
            ep.for_each_chunk("edge_type_id", 1 << 20, |_, chunk| {
                for &t in chunk {
                    let k = match last {
                        Some((lt, lk)) if lt == t => lk,
                        _ => {
                            let k = match kind_of_type.get(&t) {
                                Some(&k) => k,
                                None => {
                                    let cell_f64 = |c: &str| {
                                        types.and_then(|ty| ty.cell(t, c)).and_then(|v| v.parse::<f64>().ok())
                                    };
                                    let w = cell_f64("syn_weight").ok_or_else(|| {
                                        crate::sonata::SonataError::Other(format!(
                                            "edge population '{}': edge_type_id {t} has no syn_weight",
                                            ep.name
                                        ))
                                    })?;
                                    let ns = cell_f64("nsyns").unwrap_or(1.0);
                                    let d = cell_f64("delay").unwrap_or_else(|| {
                                        missing_delay = true;
                                        1.0
                                    });
                                    let receptor = receptor_of_type(t).map_err(|e| {
                                        crate::sonata::SonataError::Other(e.to_string())
                                    })?;
                                    kinds.push(SynapseKind {
                                        weight: w * ns,
                                        delay_ms: d,
                                        receptor,
                                    });
                                    let k = (kinds.len() - 1) as u32;
                                    kind_of_type.insert(t, k);
                                    k
                                }
                            };
                            last = Some((t, k));
                            k
                        }
                    };
                    kind.push(k);
                }
                Ok(())
            })
            .map_err(|e| invalid(e.to_string()))?;
        } else {
            // Some of weight, delay, nsyns are stored per edge: read them in chunks, straight
            // from their datasets when the layout allows, else as merged columns.
            let mut kind_ix: HashMap<(i64, u64, u64), u32, KeyHasher> = HashMap::default();
            let streamable = ["syn_weight", "delay", "nsyns"].iter().all(|a| {
                !ep.has_h5_attribute(a) || matches!(ep.h5_attribute_f64_range(a, 0..1), Ok(Some(_)))
            });
            let whole = if streamable {
                None
            } else {
                Some((
                    ep.attribute("syn_weight")?,
                    ep.attribute("delay")?,
                    ep.attribute("nsyns")?,
                ))
            };
            // CSV values per edge type, parsed once per type (not once per edge).
            let mut csv_of_type: HashMap<i64, [Option<f64>; 3]> = HashMap::new();
            let mut csv_values = |t: i64| -> [Option<f64>; 3] {
                *csv_of_type.entry(t).or_insert_with(|| {
                    ["syn_weight", "delay", "nsyns"].map(|c| {
                        types
                            .and_then(|ty| ty.cell(t, c))
                            .and_then(|v| v.parse::<f64>().ok())
                    })
                })
            };
            const CHUNK: usize = 1 << 20;
            let mut start = 0;
            while start < n {
                let end = (start + CHUNK).min(n);
                let type_ids = ep.dataset_i64_range("edge_type_id", start..end)?;
                let per_edge = |name: &str| -> SimResult<Option<Vec<f64>>> {
                    if whole.is_some() {
                        return Ok(None);
                    }
                    Ok(ep.h5_attribute_f64_range(name, start..end)?)
                };
                let (w_chunk, d_chunk, ns_chunk) = (
                    per_edge("syn_weight")?,
                    per_edge("delay")?,
                    per_edge("nsyns")?,
                );
                let mut last: Option<(i64, [Option<f64>; 3])> = None;
                for (i, e) in (start..end).enumerate() {
                    let t = type_ids.get(i).copied().unwrap_or(-1);
                    let csv = match last {
                        Some((lt, v)) if lt == t => v,
                        _ => {
                            let v = csv_values(t);
                            last = Some((t, v));
                            v
                        }
                    };
                    let value =
                        |chunk: &Option<Vec<f64>>, col: Option<&Option<Column>>, which: usize| {
                            match (chunk, col) {
                                (Some(c), _) => Some(c[i]).filter(|v| !v.is_nan()),
                                (None, Some(col)) => column_f64(col, e),
                                (None, None) => csv[which],
                            }
                        };
                    let w = value(&w_chunk, whole.as_ref().map(|w| &w.0), 0).ok_or_else(|| {
                        invalid(format!(
                            "edge population '{}': edge {e} has no syn_weight",
                            ep.name
                        ))
                    })?;
                    let ns = value(&ns_chunk, whole.as_ref().map(|w| &w.2), 2).unwrap_or(1.0);
                    let w = w * ns;
                    let d = value(&d_chunk, whole.as_ref().map(|w| &w.1), 1).unwrap_or_else(|| {
                        missing_delay = true;
                        1.0
                    });
                    let key = (t, w.to_bits(), d.to_bits());
                    let k = match kind_ix.get(&key) {
                        Some(&k) => k,
                        None => {
                            let receptor = receptor_of_type(t)?;
                            kinds.push(SynapseKind {
                                weight: w,
                                delay_ms: d,
                                receptor,
                            });
                            kind_ix.insert(key, (kinds.len() - 1) as u32);
                            (kinds.len() - 1) as u32
                        }
                    };
                    kind.push(k);
                }
                start = end;
            }
        }
        if kind.len() != n {
            return Err(invalid(format!(
                "edge population '{}': {} edge_type_id for {n} edges",
                ep.name,
                kind.len()
            )));
        }
        if missing_delay {
            warnings.push(format!(
                "edge population '{}': edges without delay use NEST's default 1 ms",
                ep.name
            ));
        }
        net.projections.push(Projection {
            name: ep.name.clone(),
            source,
            target,
            src,
            tgt,
            kind,
            kinds,
            weight: None,
            delay_ms: None,
        });
    }

    // inputs
    for input in &sim.inputs {
        let kind = input.input_type.as_str();
        let module = input.module.as_str();
        let set = input
            .node_set
            .clone()
            .unwrap_or(Value::String("all".into()));
        if kind == "spikes" || matches!(module, "h5" | "sonata" | "csv") && kind != "current_clamp"
        {
            let file = input
                .input_file
                .as_ref()
                .ok_or_else(|| SimError::BadInput {
                    input: input.name.clone(),
                    message: "no input_file".into(),
                })?;
            let spikes = crate::sonata::read_spikes(file)?;
            for ps in spikes {
                // the population of the file, else the population the node set names
                let q = if !ps.population.is_empty() && source_pop.contains_key(&ps.population) {
                    source_pop.get(&ps.population).copied()
                } else {
                    let mut found = None;
                    for (name, &q) in &source_pop {
                        let pop = circuit.node_population(name)?;
                        if !node_set_rows(circuit, &set, pop)?.is_empty() {
                            found = Some(q);
                            break;
                        }
                    }
                    found
                };
                let Some(q) = q else {
                    warnings.push(format!(
                        "input '{}': spikes of population '{}' match no virtual population",
                        input.name, ps.population
                    ));
                    continue;
                };
                let sp = &mut net.sources[q];
                let rows = rows_of_ids(
                    &sp.node_ids,
                    ids_u32(&ps.node_ids, &input.name)?,
                    &input.name,
                )?;
                for (r, t) in rows.into_iter().zip(ps.timestamps) {
                    sp.trains[r as usize].push(t);
                }
            }
        } else if kind == "current_clamp" || module == "IClamp" {
            let amps = list_or_scalar(input.raw.get("amp"));
            let delays = list_or_scalar(input.raw.get("delay"));
            let durations = list_or_scalar(input.raw.get("duration"));
            if amps.is_empty() || amps.len() != delays.len() || amps.len() != durations.len() {
                return Err(SimError::BadInput {
                    input: input.name.clone(),
                    message: "amp, delay and duration must be given, with equal lengths".into(),
                });
            }
            for (p, pop) in net.populations.clone().iter().enumerate() {
                let np = circuit.node_population(&pop.name)?;
                let rows = node_set_rows(circuit, &set, np)?;
                if !rows.is_empty() {
                    net.current_clamps.push(CurrentClamp::pulses(
                        &input.name,
                        p,
                        rows,
                        &amps,
                        &delays,
                        &durations,
                        dt,
                    ));
                }
            }
        } else if kind == "poisson" || module == "poisson" {
            let rate = input.raw.get("rate").and_then(Value::as_f64).unwrap_or(0.0);
            let weight = input
                .raw
                .get("weight")
                .and_then(Value::as_f64)
                .ok_or_else(|| SimError::BadInput {
                    input: input.name.clone(),
                    message: "Poisson input needs a weight".into(),
                })?;
            let delay = input
                .raw
                .get("delay")
                .and_then(Value::as_f64)
                .unwrap_or(1.0);
            let receptor = input
                .raw
                .get("receptor_type")
                .and_then(Value::as_u64)
                .unwrap_or(0) as u32;
            for (p, pop) in net.populations.clone().iter().enumerate() {
                let np = circuit.node_population(&pop.name)?;
                let rows = node_set_rows(circuit, &set, np)?;
                if !rows.is_empty() {
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
            }
        } else {
            warnings.push(format!(
                "input '{}': input_type '{kind}' / module '{module}' is not supported; ignored",
                input.name
            ));
        }
    }
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
            tstop,
            dt,
            spikes_file,
            sort_order: sim.output.spikes_sort_order,
            reports,
            warnings,
        },
    ))
}
