//! Stimuli from the window: the panel's selection, or the neurons the probe hears, sent to the
//! engine as a `stimulate` intervention (a volley or a current pulse).
use std::collections::BTreeMap;

use anyhow::bail;

use crate::sim::interventions::Action;
use crate::sonata::selection_language;
use crate::view::ViewerState;
use crate::view::scene::Scene;

use super::plugin::{LiveSession, StimulusKind};

/// A pulse or volley (the panel's stimulus) into the panel's selection.
pub fn stimulate(session: &mut LiveSession, state: &ViewerState) {
    let Some(scene) = state.scene.as_deref() else {
        return;
    };
    let simulated = session
        .model
        .as_ref()
        .map(|m| m.panel.neuron_populations.clone())
        .unwrap_or_default();
    let sites = state.probe_sites.as_deref().map(Vec::as_slice);
    match engine_selection(scene, sites, &session.stim_selection, &simulated) {
        Ok(select) => stimulate_selection(session, select),
        Err(e) => session.say(true, format!("{e:#}")),
    }
}

/// The selection the engine gets for a stimulus of `expr`. The engine evaluates node
/// attributes, positions and node sets itself, so such a selection goes as typed. One that
/// reads what the window holds (the spikes on screen, the circuit's edges, the placed probe's
/// `probe_sites`) is evaluated here with the scene's selection context, the one representations
/// use, and goes as the node ids it picks in the `simulated` populations: the log then names
/// the same neurons when it is replayed without the window.
pub fn engine_selection(
    scene: &Scene,
    probe_sites: Option<&[[f64; 3]]>,
    expr: &str,
    simulated: &[String],
) -> anyhow::Result<String> {
    let parsed = selection_language::parse_for(expr, &scene.circuit.nodes)?;
    if !parsed.reads_context() {
        return Ok(expr.to_owned());
    }
    let ctx = scene.selection_context(probe_sites);
    let rows = selection_language::select_with(expr, &scene.circuit.nodes, &ctx)?;
    let mut by_population: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for pop in scene
        .circuit
        .nodes
        .iter()
        .filter(|p| simulated.contains(&p.name))
    {
        let Some(selected) = rows.get(&pop.name) else {
            continue;
        };
        let ids: Vec<u64> = selected
            .ids()
            .filter_map(|row| pop.node_ids.get(row as usize).copied())
            .collect();
        if !ids.is_empty() {
            by_population.insert(pop.name.clone(), ids);
        }
    }
    if by_population.is_empty() {
        bail!("the selection '{expr}' picks no simulated neuron");
    }
    Ok(selection_of_ids(&by_population))
}

/// A pulse or volley (the session's stimulus) into the neurons among `instances` (e.g. the
/// neurons the probe hears), logged as a selection of their node ids.
pub fn stimulate_instances(session: &mut LiveSession, state: &ViewerState, instances: &[u32]) {
    let Some(scene) = state.scene.as_deref() else {
        return;
    };
    let mut by_population: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for &i in instances {
        if scene.is_virtual_instance(i as usize) {
            continue;
        }
        if let Some((population, id)) = scene.node_of_instance(i as usize) {
            by_population.entry(population).or_default().push(id);
        }
    }
    if by_population.is_empty() {
        session.say(true, "no simulated neuron to stimulate there");
        return;
    }
    stimulate_selection(session, selection_of_ids(&by_population));
}

/// A selection of exactly these node ids of each population.
fn selection_of_ids(by_population: &BTreeMap<String, Vec<u64>>) -> String {
    by_population
        .iter()
        .map(|(p, ids)| {
            let ids: Vec<String> = ids.iter().map(u64::to_string).collect();
            format!("(population == '{p}' && node_id {})", ids.join(" "))
        })
        .collect::<Vec<_>>()
        .join(" || ")
}

fn stimulate_selection(session: &mut LiveSession, select: String) {
    use crate::sim::interventions::StimulusKind as Kind;
    let kind = match session.stim_kind {
        StimulusKind::SpikeVolley => Kind::Volley,
        StimulusKind::CurrentPulse => Kind::Pulse {
            amp_pa: session.stim_amp_pa,
            duration_ms: session.stim_ms,
        },
    };
    session.intervene(Action::Stimulate { select, kind });
}
