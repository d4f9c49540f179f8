//! The demo as the viewer runs it live: the same network, with the recurrent projection split
//! into its four E/I classes (so that the show can scale E->E, E->I, I->E and I->I weights
//! apart), and inputs that go on for as long as the show does: the trains made for
//! `tstop_ms`, then Poisson segments made on the fly at a rate the user can scale.
use crate::sim::control::{FedInput, LiveModel, TrainFeeder};
use crate::sim::time::Resolution;
use crate::sim::{Network, Projection};
use crate::sonata::{NodePopulation, NodeSets};

use super::{CellClass, Demo, DemoResult};

/// Names of the four recurrent projections of the live network, in order.
pub const CLASS_PROJECTIONS: [&str; 4] = ["v1_E_to_E", "v1_E_to_I", "v1_I_to_E", "v1_I_to_I"];

impl Demo {
    /// The network of [`Demo::network`] with `v1_to_v1` split into [`CLASS_PROJECTIONS`]
    /// (edges keep their order within each class; nothing else changes).
    pub fn live_network(&self) -> DemoResult<Network> {
        let mut net = self.network()?;
        let exc: Vec<bool> = self
            .cells
            .type_of
            .iter()
            .map(|&t| self.cell_types[t as usize].class == CellClass::Exc)
            .collect();
        let Some(pos) = net.projections.iter().position(|p| p.name == "v1_to_v1") else {
            return Ok(net);
        };
        let rec = net.projections.remove(pos);
        let split: Vec<Projection> = CLASS_PROJECTIONS
            .iter()
            .enumerate()
            .map(|(c, name)| {
                let (src_exc, tgt_exc) = (c < 2, c % 2 == 0);
                let mut p = Projection {
                    name: (*name).to_string(),
                    src: Vec::new(),
                    tgt: Vec::new(),
                    kind: Vec::new(),
                    ..rec.clone()
                };
                for e in 0..rec.src.len() {
                    let (s, t) = (rec.src[e] as usize, rec.tgt[e] as usize);
                    if exc[s] == src_exc && exc[t] == tgt_exc {
                        p.src.push(rec.src[e]);
                        p.tgt.push(rec.tgt[e]);
                        p.kind.push(rec.kind[e]);
                    }
                }
                p
            })
            .collect();
        for (k, p) in split.into_iter().enumerate() {
            net.projections.insert(pos + k, p);
        }
        Ok(net)
    }

    /// Makes the inputs of a live run after the trains of `options.tstop_ms` run out: each
    /// node Poisson at its built-in rate (times its population's factor), keyed by model time.
    pub fn feeder(&self) -> DemoFeeder {
        let (lgn, bkg) = self.input_rates();
        let inputs = vec![
            FedInput {
                name: "lgn".into(),
                index: 0,
                rates_hz: lgn,
            },
            FedInput {
                name: "bkg".into(),
                index: 1,
                rates_hz: bkg,
            },
        ];
        let res = Resolution::new(self.options.dt_ms).unwrap_or_default();
        TrainFeeder::new(self.options.seed, res, inputs, self.options.tstop_ms)
    }

    /// The column as a live model: the same path as a SONATA config's (recurrent edges split
    /// by E/I class, inputs continued at their rates), stimulus selections evaluated over
    /// `nodes` (the exported column's node populations).
    pub fn live_model(
        &self,
        nodes: &[NodePopulation],
        node_sets: Option<NodeSets>,
        threads: usize,
    ) -> DemoResult<LiveModel> {
        let net = self.network()?;
        Ok(LiveModel::from_network(
            net,
            nodes,
            node_sets,
            self.options.tstop_ms,
            threads,
        )?)
    }
}

/// The demo's endless Poisson inputs (see [`Demo::feeder`]).
pub type DemoFeeder = TrainFeeder;
