//! Neuropixels probes in a SONATA circuit (no Bevy): site geometry as published, placement in
//! the circuit, which neurons each recording channel hears, and a virtual recording of their
//! spikes with point-source amplitudes.

pub mod geometry;
pub mod placement;
pub mod recording;

pub use geometry::{ProbeGeometry, ProbeKind, Site};
pub use placement::Placement;
pub use recording::{
    Neighbourhood, RecordedEvent, RecordingParams, record_events, write_events_csv,
};
