//! What is done to a running simulation, with the model time the engine applied it at: the
//! live window logs these, `simulate --interventions` and `live --interventions` replay them.
//! The file (`interventions.json`) is a JSON list of these objects.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::{SimError, SimResult};

/// The file name the live window writes beside saved spikes.
pub const FILE_NAME: &str = "interventions.json";

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

impl Action {
    /// Whether the action changes the model (pause and resume change only wall-clock timing).
    pub fn changes_the_model(&self) -> bool {
        !matches!(self, Action::Pause | Action::Resume)
    }

    /// What is wrong with the action's values, if anything.
    fn problem(&self) -> Option<String> {
        let factor_ok = |f: f64| f.is_finite() && f >= 0.0;
        match self {
            Action::ScaleWeights { factor, .. } | Action::SetRate { factor, .. }
                if !factor_ok(*factor) =>
            {
                Some(format!("factor {factor} is not a finite number >= 0"))
            }
            Action::Stimulate {
                kind:
                    StimulusKind::Pulse {
                        amp_pa,
                        duration_ms,
                    },
                ..
            } if !(amp_pa.is_finite() && duration_ms.is_finite() && *duration_ms > 0.0) => {
                Some(format!(
                    "pulse of {amp_pa} pA for {duration_ms} ms: need a finite amplitude and a duration > 0"
                ))
            }
            _ => None,
        }
    }
}

/// Reads an interventions file: a JSON list, each entry checked on its own so that an error
/// names the file, the entry (from 0) and what is wrong; times must not go backwards except
/// after a `reset` (which starts the model again from 0).
pub fn read(path: &Path) -> SimResult<Vec<Intervention>> {
    let bad = |message: String| SimError::BadData {
        path: path.to_owned(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| bad(format!("cannot be read: {e}")))?;
    parse(&text).map_err(bad)
}

/// Parses the text of an interventions file (see [`read`]); the error says which entry.
pub fn parse(text: &str) -> Result<Vec<Intervention>, String> {
    let entries: Vec<serde_json::Value> = match serde_json::from_str(text) {
        Ok(serde_json::Value::Array(a)) => a,
        Ok(_) => return Err("not a JSON list of interventions".into()),
        Err(e) => return Err(format!("not JSON: {e}")),
    };
    let mut out: Vec<Intervention> = Vec::with_capacity(entries.len());
    for (i, entry) in entries.into_iter().enumerate() {
        let shown = short(&entry);
        let item: Intervention =
            serde_json::from_value(entry).map_err(|e| format!("entry {i} ({shown}): {e}"))?;
        if !(item.t_ms.is_finite() && item.t_ms >= 0.0) {
            return Err(format!(
                "entry {i} ({shown}): t_ms {} is not a model time >= 0",
                item.t_ms
            ));
        }
        if let Some(p) = item.action.problem() {
            return Err(format!("entry {i} ({shown}): {p}"));
        }
        if let Some(prev) = out.last()
            && prev.action != Action::Reset
            && item.t_ms < prev.t_ms
        {
            return Err(format!(
                "entry {i} ({shown}): t_ms {} comes before the previous entry's {} (only a reset starts again from 0)",
                item.t_ms, prev.t_ms
            ));
        }
        out.push(item);
    }
    Ok(out)
}

/// An entry as it is shown in an error, cut to a line.
fn short(entry: &serde_json::Value) -> String {
    let text = entry.to_string();
    match text.char_indices().nth(80) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}

/// Writes an interventions file whole or not at all (pretty JSON, one entry per object).
pub fn write(path: &Path, list: &[Intervention]) -> SimResult<()> {
    let text = serde_json::to_string_pretty(list)
        .map_err(|e| SimError::Invalid(format!("{}: {e}", path.display())))?;
    crate::atomic_file::write_atomically(
        path,
        |tmp| std::fs::write(tmp, format!("{text}\n")),
        |_, e| e,
    )
    .map_err(|e| SimError::BadData {
        path: path.to_owned(),
        message: format!("cannot be written: {e}"),
    })
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

    #[test]
    fn errors_name_the_entry_and_what_is_wrong() {
        let e = parse(r#"[{"t_ms": 1, "action": "pause"}, {"t_ms": 2, "action": "explode"}]"#)
            .unwrap_err();
        assert!(e.starts_with("entry 1 ("), "{e}");
        assert!(e.contains("explode"), "{e}");
        let e = parse(r#"[{"t_ms": 5, "action": "set_rate", "population": "lgn", "factor": -1}]"#)
            .unwrap_err();
        assert!(e.contains("entry 0") && e.contains("factor -1"), "{e}");
        let e = parse(r#"[{"t_ms": 5, "action": "pause"}, {"t_ms": 4, "action": "resume"}]"#)
            .unwrap_err();
        assert!(e.contains("entry 1") && e.contains("comes before"), "{e}");
        // after a reset the model time starts again
        let ok = parse(r#"[{"t_ms": 5, "action": "reset"}, {"t_ms": 0, "action": "pause"}]"#);
        assert_eq!(ok.map(|l| l.len()), Ok(2));
        assert!(parse("{}").unwrap_err().contains("not a JSON list"));
    }

    #[test]
    fn written_files_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let list = vec![
            Intervention {
                t_ms: 12.0,
                action: Action::SetRate {
                    population: "lgn".into(),
                    factor: 0.5,
                },
            },
            Intervention {
                t_ms: 20.0,
                action: Action::Reset,
            },
        ];
        write(&path, &list).unwrap();
        assert_eq!(read(&path).unwrap(), list);
        let e = read(&dir.path().join("missing.json"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing.json"), "{e}");
    }
}
