//! Neuron models with NEST's names, parameters, units, defaults and update rules.
//!
//! Each model keeps a run of neurons with identical parameters as a structure of arrays (a
//! [`Block`]) and advances it through a window of steps. Synaptic input arrives in buffers:
//! `spk[lag * rows + row]` for step `t0 + lag` of the window with one row per neuron and input
//! channel, and the ring buffer `cur[slot * ncur + i]` for currents.
pub mod glif_psc;
pub mod iaf_psc_alpha;
pub mod iaf_psc_delta;
pub mod iaf_psc_exp;
pub mod izhikevich;
pub mod propagator;

use std::ops::Range;

use serde_json::{Map, Value};

use super::error::{SimError, SimResult};
use super::params::Dict;
use super::time::Resolution;

/// Neurons advanced together per window before moving on (keeps their state in L1).
pub const CHUNK: usize = 256;

/// The ring buffers of one partition, seen by a block during one window.
pub struct Window<'a> {
    /// first step of the window
    pub t0: u64,
    /// steps in the window
    pub len: usize,
    pub ring_len: usize,
    /// spike inputs of the window's steps, `rows` per step; a model clears what it reads
    pub spk: &'a mut [f64],
    pub rows: usize,
    /// current inputs, `ncur` per slot; empty while the partition has none (see `take_currents`)
    pub cur: &'a mut [f64],
    pub ncur: usize,
}

impl Window<'_> {
    #[inline]
    pub fn slot(&self, lag: usize) -> usize {
        ((self.t0 + lag as u64) % self.ring_len as u64) as usize
    }

    /// Start loading the spike inputs of `rows` of step `lag` into the cache. An update reads
    /// each step's rows of a chunk of neurons once per window, a few KB: too short a stream for
    /// the hardware prefetcher, so without this each read waits on memory. Out-of-range rows are
    /// ignored.
    #[inline(always)]
    pub fn prefetch(&self, lag: usize, rows: Range<usize>) {
        let b = lag * self.rows;
        if let Some(s) = self.spk.get(b + rows.start..b + rows.end) {
            crate::sim::prefetch::lines(s);
        }
    }

    /// Move the current inputs of the partition's neurons `first..first + into.len()` at step
    /// `lag` into `into`, clearing them in the buffer. Without current inputs the buffer is empty and
    /// `into` keeps its zeros: most networks have no currents, and not streaming an all-zero
    /// buffer through the cache each step saves a third of the update's memory traffic.
    #[inline]
    pub fn take_currents(&mut self, lag: usize, first: usize, into: &mut [f64]) {
        if self.cur.is_empty() {
            return;
        }
        let b = self.slot(lag) * self.ncur + first;
        let src = &mut self.cur[b..b + into.len()];
        into.copy_from_slice(src);
        src.fill(0.0);
    }
}

/// A NEST neuron model with its parameters, as NEST would hold them after `nest.Create`.
#[derive(Debug, Clone, PartialEq)]
pub enum Model {
    IafPscAlpha(iaf_psc_alpha::Params),
    IafPscExp(iaf_psc_exp::Params),
    IafPscDelta(iaf_psc_delta::Params),
    GlifPsc(glif_psc::Params),
    Izhikevich(izhikevich::Params),
}

/// How a synapse selects its input channel on a target model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelRule {
    /// positive weights to channel 0 (excitatory), others to channel 1 (`s > 0 ? EX : IN`)
    BySign,
    /// one channel for all weights
    Single,
    /// receptor port r in 1..=n to channel r - 1
    Receptor(usize),
}

impl Model {
    /// Names accepted in `model_template` (`nest:<name>`).
    pub const NAMES: &'static [&'static str] = &[
        "iaf_psc_alpha",
        "iaf_psc_exp",
        "iaf_psc_delta",
        "glif_psc",
        "izhikevich",
    ];

    /// Build from a model name and a NEST parameter dictionary. Returns the model and the
    /// dictionary entries that the model does not know (NEST refuses them; we report them).
    pub fn from_nest(name: &str, params: &Map<String, Value>) -> SimResult<(Self, Vec<String>)> {
        let d = Dict::new(name, params);
        Ok(match name {
            "iaf_psc_alpha" => (
                Model::IafPscAlpha(iaf_psc_alpha::Params::from_dict(&d)?),
                d.unknown(iaf_psc_alpha::KNOWN),
            ),
            "iaf_psc_exp" => (
                Model::IafPscExp(iaf_psc_exp::Params::from_dict(&d)?),
                d.unknown(iaf_psc_exp::KNOWN),
            ),
            "iaf_psc_delta" => (
                Model::IafPscDelta(iaf_psc_delta::Params::from_dict(&d)?),
                d.unknown(iaf_psc_delta::KNOWN),
            ),
            "glif_psc" => (
                Model::GlifPsc(glif_psc::Params::from_dict(&d)?),
                d.unknown(glif_psc::KNOWN),
            ),
            "izhikevich" => (
                Model::Izhikevich(izhikevich::Params::from_dict(&d)?),
                d.unknown(izhikevich::KNOWN),
            ),
            other => {
                return Err(SimError::UnknownModel {
                    model: other.to_string(),
                    population: String::new(),
                    what: String::new(),
                });
            }
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            Model::IafPscAlpha(_) => "iaf_psc_alpha",
            Model::IafPscExp(_) => "iaf_psc_exp",
            Model::IafPscDelta(_) => "iaf_psc_delta",
            Model::GlifPsc(_) => "glif_psc",
            Model::Izhikevich(_) => "izhikevich",
        }
    }

    /// Input channels per neuron in the spike ring buffer.
    pub fn channels(&self) -> usize {
        match self {
            Model::IafPscAlpha(_) => iaf_psc_alpha::Block::CHANNELS,
            Model::IafPscExp(_) => iaf_psc_exp::Block::CHANNELS,
            Model::IafPscDelta(_) => iaf_psc_delta::Block::CHANNELS,
            Model::GlifPsc(p) => glif_psc::Block::channels(p),
            Model::Izhikevich(_) => izhikevich::Block::CHANNELS,
        }
    }

    /// The channel rule for a synapse with this receptor_type (NEST's handles_test_event).
    pub fn channel_rule(&self, receptor: u32) -> Result<ChannelRule, String> {
        match self {
            Model::GlifPsc(p) => {
                let n = p.n_receptors();
                if receptor == 0 || receptor as usize > n {
                    Err(format!(
                        "glif_psc has receptor ports 1..={n}, a synapse asks for receptor_type {receptor}"
                    ))
                } else {
                    Ok(ChannelRule::Receptor(receptor as usize))
                }
            }
            _ if receptor != 0 => Err(format!(
                "{} accepts only receptor_type 0, a synapse asks for {receptor}",
                self.name()
            )),
            Model::IafPscAlpha(_) | Model::IafPscExp(_) => Ok(ChannelRule::BySign),
            _ => Ok(ChannelRule::Single),
        }
    }

    pub fn block(&self, res: &Resolution, n: usize, row0: usize, neuron0: usize) -> Block {
        match self {
            Model::IafPscAlpha(p) => {
                Block::IafPscAlpha(iaf_psc_alpha::Block::new(p.clone(), res, n, row0, neuron0))
            }
            Model::IafPscExp(p) => {
                Block::IafPscExp(iaf_psc_exp::Block::new(p.clone(), res, n, row0, neuron0))
            }
            Model::IafPscDelta(p) => {
                Block::IafPscDelta(iaf_psc_delta::Block::new(p.clone(), res, n, row0, neuron0))
            }
            Model::GlifPsc(p) => Block::GlifPsc(Box::new(glif_psc::Block::new(
                p.clone(),
                res,
                n,
                row0,
                neuron0,
            ))),
            Model::Izhikevich(p) => {
                Block::Izhikevich(izhikevich::Block::new(p.clone(), res, n, row0, neuron0))
            }
        }
    }
}

impl ChannelRule {
    /// Channel index for a weight.
    pub fn channel(self, weight: f64) -> usize {
        match self {
            ChannelRule::BySign => usize::from(weight <= 0.0),
            ChannelRule::Single => 0,
            ChannelRule::Receptor(r) => r - 1,
        }
    }
}

/// Neurons of one model and parameter set, contiguous in a partition.
#[derive(Debug, Clone)]
pub enum Block {
    IafPscAlpha(iaf_psc_alpha::Block),
    IafPscExp(iaf_psc_exp::Block),
    IafPscDelta(iaf_psc_delta::Block),
    GlifPsc(Box<glif_psc::Block>),
    Izhikevich(izhikevich::Block),
}

impl Block {
    pub fn update(&mut self, w: &mut Window, spikes: &mut Vec<(u32, u32)>) {
        match self {
            Block::IafPscAlpha(b) => b.update(w, spikes),
            Block::IafPscExp(b) => b.update(w, spikes),
            Block::IafPscDelta(b) => b.update(w, spikes),
            Block::GlifPsc(b) => b.update(w, spikes),
            Block::Izhikevich(b) => b.update(w, spikes),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Block::IafPscAlpha(b) => b.len(),
            Block::IafPscExp(b) => b.len(),
            Block::IafPscDelta(b) => b.len(),
            Block::GlifPsc(b) => b.len(),
            Block::Izhikevich(b) => b.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn v_m(&self, i: usize) -> f64 {
        match self {
            Block::IafPscAlpha(b) => b.v_m(i),
            Block::IafPscExp(b) => b.v_m(i),
            Block::IafPscDelta(b) => b.v_m(i),
            Block::GlifPsc(b) => b.v_m(i),
            Block::Izhikevich(b) => b.v_m(i),
        }
    }

    pub fn set_v_m(&mut self, i: usize, v: f64) {
        match self {
            Block::IafPscAlpha(b) => b.set_v_m(i, v),
            Block::IafPscExp(b) => b.set_v_m(i, v),
            Block::IafPscDelta(b) => b.set_v_m(i, v),
            Block::GlifPsc(b) => b.set_v_m(i, v),
            Block::Izhikevich(b) => b.set_v_m(i, v),
        }
    }
}
