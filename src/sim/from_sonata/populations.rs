//! Node populations -> the network's neuron populations (one model per distinct template and
//! parameters) and source populations (all-virtual populations, spike generators).
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::read_json;
use crate::sim::error::{SimError, SimResult};
use crate::sim::models::Model;
use crate::sim::network::{Population, SourcePopulation};
use crate::sonata::{Circuit, NodePopulation};

/// Where the network's populations are, by name.
#[derive(Debug, Default)]
pub(super) struct PopulationIndex {
    /// index into the network's neuron populations
    pub neurons: HashMap<String, usize>,
    /// index into the network's source populations
    pub sources: HashMap<String, usize>,
}

/// The populations of a circuit as the engine runs them.
pub(super) struct Populations {
    pub neurons: Vec<Population>,
    pub sources: Vec<SourcePopulation>,
    pub index: PopulationIndex,
}

fn is_virtual(pop: &NodePopulation, row: usize) -> bool {
    pop.model_type(row) == Some("virtual")
}

/// The models of one population: rows sharing a template and parameters file share a model, and
/// models with equal parameters are merged.
struct ModelCatalogue<'a> {
    pop: &'a NodePopulation,
    models_dir: Option<&'a Path>,
    /// parameters stored per node (`dynamics_params` group): one key per row
    per_node: bool,
    models: Vec<Model>,
    by_key: HashMap<String, u32>,
    json_cache: HashMap<String, Map<String, Value>>,
}

impl<'a> ModelCatalogue<'a> {
    fn new(pop: &'a NodePopulation, models_dir: Option<&'a Path>) -> Self {
        Self {
            pop,
            models_dir,
            per_node: !pop.dynamics_params.is_empty(),
            models: Vec::new(),
            by_key: HashMap::new(),
            json_cache: HashMap::new(),
        }
    }

    /// The parameters of a row: per node, or from the type's JSON file (read once per file).
    fn params(&mut self, row: usize, file: &str) -> SimResult<Map<String, Value>> {
        if self.per_node {
            return Ok(self.pop.dynamics_params(row, self.models_dir)?);
        }
        if file.is_empty() {
            return Ok(Map::new());
        }
        if let Some(m) = self.json_cache.get(file) {
            return Ok(m.clone());
        }
        let path = match self.models_dir {
            Some(d) => d.join(file),
            None => PathBuf::from(file),
        };
        let m = read_json(&path)?;
        self.json_cache.insert(file.to_string(), m.clone());
        Ok(m)
    }

    /// The model index of a row.
    fn model_of(&mut self, row: usize, warnings: &mut Vec<String>) -> SimResult<u32> {
        let pop = self.pop;
        let template = pop
            .attribute("model_template")
            .and_then(|c| c.str(row))
            .unwrap_or("");
        let type_id = pop.node_type_ids.get(row).copied().unwrap_or(-1);
        let file = pop
            .attribute("dynamics_params")
            .and_then(|c| c.str(row))
            .unwrap_or("");
        let key = if self.per_node {
            format!("{template}|{file}|{row}")
        } else {
            format!("{template}|{file}")
        };
        if let Some(&m) = self.by_key.get(&key) {
            return Ok(m);
        }
        let name = template.strip_prefix("nest:").unwrap_or(template);
        let model_type = pop.model_type(row).unwrap_or("");
        if model_type == "biophysical" {
            return Err(SimError::Biophysical {
                model: template.to_string(),
                population: pop.name.clone(),
                what: format!("node_type_id {type_id}"),
            });
        }
        if !Model::NAMES.contains(&name) {
            return Err(SimError::UnknownModel {
                model: template.to_string(),
                population: pop.name.clone(),
                what: format!("node_type_id {type_id}"),
            });
        }
        let params = self.params(row, file)?;
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
        let m = match self.models.iter().position(|x| *x == model) {
            Some(i) => i as u32,
            None => {
                self.models.push(model);
                (self.models.len() - 1) as u32
            }
        };
        self.by_key.insert(key, m);
        Ok(m)
    }
}

/// A population of simulated neurons.
fn neuron_population(
    pop: &NodePopulation,
    models_dir: Option<&Path>,
    warnings: &mut Vec<String>,
) -> SimResult<Population> {
    let mut catalogue = ModelCatalogue::new(pop, models_dir);
    let model_of = (0..pop.len())
        .map(|row| catalogue.model_of(row, warnings))
        .collect::<SimResult<Vec<u32>>>()?;
    Ok(Population {
        name: pop.name.clone(),
        node_ids: pop.node_ids.clone(),
        models: catalogue.models,
        model_of,
    })
}

/// Every node population of the circuit: all-virtual ones become spike sources (their trains
/// filled by the inputs), the others neurons; a population that mixes both is an error.
pub(super) fn build_populations(
    circuit: &Circuit,
    models_dir: Option<&Path>,
    warnings: &mut Vec<String>,
) -> SimResult<Populations> {
    let mut out = Populations {
        neurons: Vec::new(),
        sources: Vec::new(),
        index: PopulationIndex::default(),
    };
    for pop in &circuit.nodes {
        let n = pop.len();
        let n_virtual = (0..n).filter(|&r| is_virtual(pop, r)).count();
        if n > 0 && n_virtual == n {
            out.index
                .sources
                .insert(pop.name.clone(), out.sources.len());
            out.sources.push(SourcePopulation {
                name: pop.name.clone(),
                node_ids: pop.node_ids.clone(),
                trains: vec![Vec::new(); n],
            });
            continue;
        }
        if n_virtual > 0 {
            return Err(SimError::Invalid(format!(
                "population '{}' mixes virtual and simulated nodes",
                pop.name
            )));
        }
        out.index
            .neurons
            .insert(pop.name.clone(), out.neurons.len());
        out.neurons
            .push(neuron_population(pop, models_dir, warnings)?);
    }
    Ok(out)
}
