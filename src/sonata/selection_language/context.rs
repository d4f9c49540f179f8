//! What a selection may read besides node attributes: node sets, spikes and the run's duration,
//! the circuit's edges, the probe's recording sites. Each part is optional; a term whose part
//! is missing is an error that says what to open, never an empty selection.

use crate::sonata::circuit::Circuit;
use crate::sonata::edges::EdgePopulation;
use crate::sonata::error::SonataError;
use crate::sonata::node_sets::NodeSets;
use crate::sonata::spikes::SpikeIndex;

/// The parts of a circuit, its activity and the probe that selections read.
#[derive(Clone, Debug, Default)]
pub struct SelectionContext<'a> {
    pub node_sets: Option<&'a NodeSets>,
    /// Spikes by population (several indexes of one population add up); `None`: no spikes
    /// loaded, so activity terms are errors. `Some(empty)`: loaded, and every neuron is silent.
    pub spikes: Option<Vec<&'a SpikeIndex>>,
    /// The simulated time, ms (`run.tstop - run.tstart` of the simulation config). `None`: a
    /// rate over the run divides by the span of the loaded spikes (first to last spike).
    pub run_duration_ms: Option<f64>,
    /// The circuit's edge populations; `None`: wiring terms are errors.
    pub edges: Option<&'a [EdgePopulation]>,
    /// World positions of the placed probe's recording sites (µm); `None`: no probe placed.
    pub probe_sites: Option<&'a [[f64; 3]]>,
}

impl<'a> SelectionContext<'a> {
    /// Node sets only: attribute terms and node-set names.
    pub fn new(node_sets: Option<&'a NodeSets>) -> Self {
        Self {
            node_sets,
            ..Self::default()
        }
    }

    /// A circuit's node sets, edges and run duration (spikes and probe are added with
    /// [`Self::with_spikes`] and [`Self::with_probe_sites`]).
    pub fn for_circuit(circuit: &'a Circuit) -> Self {
        Self {
            node_sets: circuit.node_sets.as_ref(),
            edges: Some(&circuit.edges),
            run_duration_ms: circuit.simulation.as_ref().and_then(|s| {
                s.run
                    .tstop
                    .map(|stop| stop - s.run.tstart)
                    .filter(|d| d.is_finite() && *d > 0.0)
            }),
            ..Self::default()
        }
    }

    pub fn with_spikes(mut self, spikes: impl IntoIterator<Item = &'a SpikeIndex>) -> Self {
        self.spikes = Some(spikes.into_iter().collect());
        self
    }

    pub fn with_probe_sites(mut self, sites: Option<&'a [[f64; 3]]>) -> Self {
        self.probe_sites = sites;
        self
    }

    /// The loaded spikes, or the error that names what `term` needs.
    pub(super) fn require_spikes(&self, term: &str) -> Result<&[&'a SpikeIndex], SonataError> {
        self.spikes.as_deref().ok_or_else(|| {
            term_error(format!(
                "`{term}` needs spikes: open a spikes file or pass --spikes"
            ))
        })
    }

    /// The edge populations, or the error that names what `term` needs.
    pub(super) fn require_edges(&self, term: &str) -> Result<&'a [EdgePopulation], SonataError> {
        match self.edges {
            None => Err(term_error(format!(
                "`{term}` needs the circuit's edges: open a circuit or simulation config that names edge files"
            ))),
            Some([]) => Err(term_error(format!(
                "`{term}` needs edges: the circuit has no edge population"
            ))),
            Some(edges) => Ok(edges),
        }
    }

    pub(super) fn require_probe(&self, radius_um: f64) -> Result<&'a [[f64; 3]], SonataError> {
        self.probe_sites.ok_or_else(|| {
            term_error(format!(
                "`within {radius_um} of probe` needs a placed probe: show the probe or pass --probe"
            ))
        })
    }

    /// The time a rate over the whole run divides by, ms: the run's duration, else the span of
    /// the loaded spikes.
    pub(super) fn rate_duration_ms(&self) -> Result<f64, SonataError> {
        if let Some(d) = self.run_duration_ms {
            return Ok(d);
        }
        let spikes = self.require_spikes("rate")?;
        let first = spikes
            .iter()
            .filter_map(|s| s.times.first())
            .copied()
            .fold(f64::INFINITY, f64::min);
        let last = spikes
            .iter()
            .filter_map(|s| s.times.last())
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        let span = last - first;
        if span.is_finite() && span > 0.0 {
            Ok(span)
        } else {
            Err(term_error(
                "`rate` needs a duration: no simulation config gives run.tstop and the loaded \
                 spikes span no time; use rate(T0, T1)",
            ))
        }
    }
}

/// An error of one term; the selection string is filled in by whoever evaluates it.
pub(super) fn term_error(message: impl Into<String>) -> SonataError {
    SonataError::Selection {
        expr: String::new(),
        message: message.into(),
    }
}
