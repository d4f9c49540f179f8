//! The demo as the viewer runs it live: the same network, with the recurrent projection split
//! into its four E/I classes (so that the show can scale E->E, E->I, I->E and I->I weights
//! apart), and inputs that go on for as long as the show does: the trains made for
//! `tstop_ms`, then Poisson segments made on the fly at a rate the user can scale.
use crate::sim::live::SourceFeeder;
use crate::sim::{Network, Projection};

use super::rng::Key;
use super::{CellClass, Demo, DemoResult, trains};

/// Names of the four recurrent projections of the live network, in order.
pub const CLASS_PROJECTIONS: [&str; 4] = ["v1_E_to_E", "v1_E_to_I", "v1_I_to_E", "v1_I_to_I"];

/// Length of each input segment made on the fly (ms).
const SEGMENT_MS: f64 = 250.0;

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

    /// Makes the inputs of a live run after the trains of `options.tstop_ms` run out.
    pub fn feeder(&self) -> DemoFeeder {
        let (lgn, bkg) = self.input_rates();
        let covered = self.options.tstop_ms;
        DemoFeeder {
            dt: self.options.dt_ms,
            sources: vec![
                FedSource {
                    name: "lgn".into(),
                    index: 0,
                    rates: lgn,
                    scale: 1.0,
                    key: Key::new(self.options.seed, 0x4C47_4C56),
                    covered,
                    segment: 0,
                },
                FedSource {
                    name: "bkg".into(),
                    index: 1,
                    rates: bkg,
                    scale: 1.0,
                    key: Key::new(self.options.seed, 0x424B_4C56),
                    covered,
                    segment: 0,
                },
            ],
        }
    }
}

struct FedSource {
    name: String,
    /// index of the source population in the network
    index: usize,
    rates: Vec<f64>,
    scale: f64,
    key: Key,
    /// its spikes are in the simulation up to here (ms)
    covered: f64,
    /// segments made so far: each has its own random stream
    segment: u64,
}

/// The demo's endless Poisson inputs (see [`Demo::feeder`]).
pub struct DemoFeeder {
    dt: f64,
    sources: Vec<FedSource>,
}

impl DemoFeeder {
    /// The current rate factor of a source population.
    pub fn scale(&self, source: &str) -> Option<f64> {
        self.sources
            .iter()
            .find(|s| s.name == source)
            .map(|s| s.scale)
    }
}

impl SourceFeeder for DemoFeeder {
    fn covered_until(&self) -> f64 {
        self.sources
            .iter()
            .map(|s| s.covered)
            .fold(f64::INFINITY, f64::min)
    }

    fn feed(&mut self, t1: f64) -> Vec<(usize, u32, f64)> {
        let mut out = Vec::new();
        for s in &mut self.sources {
            while s.covered < t1 {
                let (a, b) = (s.covered, (s.covered + SEGMENT_MS).min(t1));
                let key = s.key.with(s.segment);
                for (r, &rate) in s.rates.iter().enumerate() {
                    let train = trains::poisson_segment(
                        key.with(r as u64 + 1),
                        rate * s.scale,
                        a,
                        b,
                        self.dt,
                    );
                    out.extend(train.into_iter().map(|t| (s.index, r as u32, t)));
                }
                s.segment += 1;
                s.covered = b;
            }
        }
        out
    }

    fn set_rate_scale(&mut self, source: &str, factor: f64, t_ms: f64) -> Option<usize> {
        let s = self.sources.iter_mut().find(|s| s.name == source)?;
        s.scale = factor.max(0.0);
        // its spikes from t_ms on are dropped by the run and made again at the new rate
        s.covered = s.covered.min(t_ms);
        Some(s.index)
    }
}
