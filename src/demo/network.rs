//! [`Demo`] -> the engine's [`Network`], built the way `sim::from_sonata` builds it from the
//! exported files (same model order, same synapse kinds in the same order), so that the two are
//! equal field for field.
use std::collections::HashMap;

use crate::sim::{
    Model, Network, Population, Projection, SourcePopulation, SourceRef, SynapseKind,
};

use super::{Demo, DemoResult, EdgeSet};

/// Seed of Poisson inputs (unused by the demo, which has spike trains only); the value that
/// `network_from_circuit` sets.
const ENGINE_SEED: u64 = 1234;

impl Demo {
    /// The in-memory network, ready for [`Simulation::new`](crate::sim::Simulation::new).
    pub fn network(&self) -> DemoResult<Network> {
        let model = self.options.model.nest_name();
        let mut type_model: Vec<Model> = Vec::with_capacity(self.cell_types.len());
        for t in &self.cell_types {
            let (m, _unknown) = Model::from_nest(model, &t.params)?;
            type_model.push(m);
        }
        // distinct models in first-seen row order
        let mut models: Vec<Model> = Vec::new();
        let mut model_of = Vec::with_capacity(self.cells.len());
        let mut of_type: Vec<Option<u32>> = vec![None; self.cell_types.len()];
        for &t in &self.cells.type_of {
            let m = match of_type[t as usize] {
                Some(m) => m,
                None => {
                    let candidate = &type_model[t as usize];
                    let m = match models.iter().position(|x| x == candidate) {
                        Some(i) => i as u32,
                        None => {
                            models.push(candidate.clone());
                            (models.len() - 1) as u32
                        }
                    };
                    of_type[t as usize] = Some(m);
                    m
                }
            };
            model_of.push(m);
        }
        let v1 = Population {
            name: "v1".into(),
            node_ids: (0..self.cells.len() as u64).collect(),
            models,
            model_of,
        };
        let source = |name: &str, trains: &[Vec<f64>]| SourcePopulation {
            name: name.into(),
            node_ids: (0..trains.len() as u64).collect(),
            trains: trains.to_vec(),
        };
        let sources = vec![
            source("lgn", &self.lgn_trains),
            source("bkg", &self.bkg_trains),
        ];
        let projections = self
            .edges
            .iter()
            .map(|set| {
                let src = match set.source_population.as_str() {
                    "v1" => SourceRef::Neurons(0),
                    "lgn" => SourceRef::Sources(0),
                    _ => SourceRef::Sources(1),
                };
                projection(set, src)
            })
            .collect();
        Ok(Network {
            dt: self.options.dt_ms,
            populations: vec![v1],
            sources,
            projections,
            current_clamps: Vec::new(),
            poisson: Vec::new(),
            precise_times: false,
            seed: ENGINE_SEED,
        })
    }
}

/// Synapse kinds keyed by (edge type, weight, delay) in first-seen edge order.
fn projection(set: &EdgeSet, source: SourceRef) -> Projection {
    let mut kinds: Vec<SynapseKind> = Vec::new();
    let mut ix: HashMap<(u32, u64, u64), u32> = HashMap::new();
    let mut kind = Vec::with_capacity(set.len());
    for (&t, &d) in set.type_of.iter().zip(&set.delay_ms) {
        let et = &set.types[t as usize];
        let key = (t, et.syn_weight.to_bits(), d.to_bits());
        let k = *ix.entry(key).or_insert_with(|| {
            kinds.push(SynapseKind {
                weight: et.syn_weight,
                delay_ms: d,
                receptor: et.receptor,
            });
            (kinds.len() - 1) as u32
        });
        kind.push(k);
    }
    Projection {
        name: set.name.clone(),
        source,
        target: 0,
        src: set.src.clone(),
        tgt: set.tgt.clone(),
        kind,
        kinds,
        weight: None,
        delay_ms: None,
    }
}
