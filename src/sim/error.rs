//! Typed errors of the engine.
use thiserror::Error;

/// Everything that can go wrong while building or running a simulation.
#[derive(Debug, Error)]
pub enum SimError {
    #[error(
        "unknown neuron model '{model}' (population '{population}', {what}); supported: iaf_psc_alpha, iaf_psc_exp, iaf_psc_delta, glif_psc, izhikevich"
    )]
    UnknownModel {
        model: String,
        population: String,
        what: String,
    },
    #[error("bad parameter for {model}: {message}")]
    BadParameter { model: String, message: String },
    #[error("bad resolution dt = {0} ms (must be a positive multiple of 0.001 ms)")]
    BadResolution(f64),
    #[error("projection '{projection}': {message}")]
    BadProjection { projection: String, message: String },
    #[error("input '{input}': {message}")]
    BadInput { input: String, message: String },
    #[error("report '{report}': {message}")]
    BadReport { report: String, message: String },
    #[error("no {what} named '{name}'")]
    NotFound { what: &'static str, name: String },
    #[error("{0}")]
    Invalid(String),
    #[error("live run: {0}")]
    Live(String),
    #[error(transparent)]
    Sonata(#[from] crate::sonata::SonataError),
}

pub type SimResult<T> = Result<T, SimError>;
