//! What is done to a running simulation, with the model time the engine applied it at: the
//! live window logs these, `simulate --interventions` and `live --interventions` replay them.
//! The file (`interventions.json`) is a JSON list of these objects.

use serde::{Deserialize, Serialize};

/// One logged action.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Intervention {
    /// Model time at which the engine applied it, ms.
    pub t_ms: f64,
    #[serde(flatten)]
    pub action: Action,
}

/// The actions, spelled as in the file (`"action": "scale_weights"`, ...).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Every weight of an edge population (or an E/I class of it) times `factor`, relative to
    /// the model's weights.
    ScaleWeights {
        edges: String,
        factor: f64,
    },
    /// A virtual population's Poisson rate times `factor`, relative to its file's mean rate.
    SetRate {
        population: String,
        factor: f64,
    },
    /// A selection fires once (`volley`) or gets a current pulse (`pulse`).
    Stimulate {
        select: String,
        #[serde(flatten)]
        kind: StimulusKind,
    },
    Pause,
    Resume,
    Reset,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StimulusKind {
    /// Every selected neuron fires once within a few ms.
    Volley,
    Pulse {
        amp_pa: f64,
        duration_ms: f64,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_read_as_spelled_in_the_file() {
        let text = r#"[
            {"t_ms": 100.0, "action": "scale_weights", "edges": "v1_to_v1", "factor": 1.5},
            {"t_ms": 200.5, "action": "set_rate", "population": "lgn", "factor": 2.0},
            {"t_ms": 300.0, "action": "stimulate", "select": "layer == 'L4'", "kind": "volley"},
            {"t_ms": 400.0, "action": "stimulate", "select": "node_id 1", "kind": "pulse",
             "amp_pa": 250.0, "duration_ms": 5.0},
            {"t_ms": 500.0, "action": "pause"}
        ]"#;
        let list: Vec<Intervention> = serde_json::from_str(text).unwrap();
        assert_eq!(list.len(), 5);
        assert_eq!(
            list[0].action,
            Action::ScaleWeights {
                edges: "v1_to_v1".into(),
                factor: 1.5
            }
        );
        assert_eq!(
            list[3].action,
            Action::Stimulate {
                select: "node_id 1".into(),
                kind: StimulusKind::Pulse {
                    amp_pa: 250.0,
                    duration_ms: 5.0
                }
            }
        );
        let back: Vec<Intervention> =
            serde_json::from_str(&serde_json::to_string(&list).unwrap()).unwrap();
        assert_eq!(back, list);
        let written = serde_json::to_value(&list[2]).unwrap();
        assert_eq!(written["action"], "stimulate");
        assert_eq!(written["kind"], "volley");
    }
}
