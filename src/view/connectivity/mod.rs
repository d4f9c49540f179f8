//! A picked neuron's synaptic partners and its afferent synapses.

pub mod partner_view;
pub mod plugin;
pub mod synapse_positions;
pub mod ui;
