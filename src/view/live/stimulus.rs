//! Stimuli from the window: the panel's selection, or the neurons the probe hears, sent to the
//! engine as a `stimulate` intervention (a volley or a current pulse).
use std::collections::BTreeMap;

use crate::sim::interventions::Action;
use crate::view::ViewerState;

use super::plugin::{LiveSession, StimulusKind};

/// A pulse or volley (the panel's stimulus) into the panel's selection.
pub fn stimulate(session: &mut LiveSession, _state: &ViewerState) {
    let select = session.stim_selection.clone();
    stimulate_selection(session, select);
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
    let select = by_population
        .iter()
        .map(|(p, ids)| {
            let ids: Vec<String> = ids.iter().map(u64::to_string).collect();
            format!("(population == '{p}' && node_id {})", ids.join(" "))
        })
        .collect::<Vec<_>>()
        .join(" || ");
    stimulate_selection(session, select);
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
