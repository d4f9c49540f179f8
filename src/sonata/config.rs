//! Circuit and simulation configs (`circuit_config.json`, `simulation_config.json`, BMTK's
//! `config.json` naming both), with manifest variables and paths resolved.
//!
//! Variables: `$VAR` and `${VAR}` (BMTK's syntax, a superset of libsonata's), nested, resolved to
//! a fixed point; a cycle is an error. Built-ins: `${configdir}`, `${workingdir}`,
//! `${configfname}`. Relative paths resolve against the folder of the config file that holds them
//! (BMTK resolves them against the process's working folder, which breaks as soon as one runs
//! from elsewhere). Unknown keys are kept in `raw`, never fatal.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use serde_json::{Map, Value};

use super::error::{Result, SonataError};
use super::manifest::{resolve_manifest, substitute_json};

/// One `networks.nodes` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct NodesEntry {
    pub nodes_file: PathBuf,
    pub node_types_file: Option<PathBuf>,
    /// BBP's `populations` overrides (type, component dirs), as written.
    pub populations: Map<String, Value>,
}

/// One `networks.edges` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct EdgesEntry {
    pub edges_file: PathBuf,
    pub edge_types_file: Option<PathBuf>,
    pub populations: Map<String, Value>,
    pub enabled: bool,
}

/// What a circuit config describes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CircuitConfig {
    pub path: PathBuf,
    /// `components`: morphologies_dir, point_neuron_models_dir, synaptic_models_dir, ... (resolved).
    pub components: BTreeMap<String, PathBuf>,
    pub nodes: Vec<NodesEntry>,
    pub edges: Vec<EdgesEntry>,
    pub node_sets_file: Option<PathBuf>,
    pub target_simulator: Option<String>,
    /// The whole config after variable substitution, unknown keys included.
    pub raw: Value,
}

/// Order of spikes in a spikes file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortOrder {
    None,
    ById,
    #[default]
    ByTime,
}

impl SortOrder {
    /// Every spelling seen in the wild: `none`, `by_id`, `by_time`, `time`, `id`, `node_id`,
    /// `by_gid`, `gid`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" | "unsorted" | "" => Some(Self::None),
            "by_id" | "id" | "node_id" | "by_node_id" | "by_gid" | "gid" | "gids" => {
                Some(Self::ById)
            }
            "by_time" | "time" | "timestamps" => Some(Self::ByTime),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::ById => "by_id",
            Self::ByTime => "by_time",
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunConfig {
    pub tstart: f64,
    pub tstop: Option<f64>,
    pub dt: Option<f64>,
    pub raw: Map<String, Value>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct OutputConfig {
    pub output_dir: PathBuf,
    /// Resolved against `output_dir` when relative (BMTK's rule).
    pub spikes_file: Option<PathBuf>,
    pub spikes_file_csv: Option<PathBuf>,
    pub spikes_sort_order: SortOrder,
    pub raw: Map<String, Value>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct InputConfig {
    pub name: String,
    pub input_type: String,
    pub module: String,
    pub input_file: Option<PathBuf>,
    /// A node-set name or an inline node-set object.
    pub node_set: Option<Value>,
    pub raw: Map<String, Value>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ReportConfig {
    pub name: String,
    pub cells: Option<Value>,
    pub variable_name: Option<String>,
    pub module: Option<String>,
    pub sections: Option<String>,
    /// Where the report file is expected: output_dir / (file_name or `<name>.h5`).
    pub file: PathBuf,
    pub enabled: bool,
    pub raw: Map<String, Value>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct SimulationConfig {
    pub path: PathBuf,
    pub run: RunConfig,
    pub output: OutputConfig,
    pub inputs: Vec<InputConfig>,
    pub reports: Vec<ReportConfig>,
    pub node_sets_file: Option<PathBuf>,
    pub target_simulator: Option<String>,
    pub raw: Value,
}

/// What a path given by the user turned out to be.
#[derive(Clone, Debug, Default)]
pub struct Configs {
    pub circuit: Option<CircuitConfig>,
    pub simulation: Option<SimulationConfig>,
}

/// Reads a JSON config and substitutes its manifest variables everywhere.
pub fn read_json_with_manifest(path: &Path) -> Result<Value> {
    let text = super::text_file::read_json_text(path)?;
    let mut json: Value = serde_json::from_str(&text).map_err(|source| SonataError::Json {
        path: path.to_owned(),
        source,
    })?;
    if !json.is_object() {
        return Err(SonataError::invalid(path, "a config must be a JSON object"));
    }
    let dir = config_dir(path);
    let mut builtins = BTreeMap::new();
    builtins.insert("configdir".to_owned(), dir.display().to_string());
    builtins.insert(
        "configfname".to_owned(),
        path.file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
    );
    if let Ok(cwd) = std::env::current_dir() {
        builtins.insert("workingdir".to_owned(), cwd.display().to_string());
    }
    let manifest = json
        .get("manifest")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let vars = resolve_manifest(path, &manifest, &builtins)?;
    if let Some(obj) = json.as_object_mut() {
        for (key, value) in obj.iter_mut() {
            if key != "manifest" {
                substitute_json(path, value, &vars)?;
            }
        }
    }
    Ok(json)
}

pub(crate) fn config_dir(path: &Path) -> PathBuf {
    let dir = path.parent().unwrap_or(Path::new("."));
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    std::path::absolute(dir).unwrap_or_else(|_| dir.to_owned())
}

/// Joins a relative path onto `base` and removes `.` and `..` lexically.
pub fn resolve_path(base: &Path, p: &str) -> PathBuf {
    let joined = if Path::new(p).is_absolute() {
        PathBuf::from(p)
    } else {
        base.join(p)
    };
    let mut out = PathBuf::new();
    for comp in joined.components() {
        match comp {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// BBP's per-entry `populations` overrides, as written (empty when absent).
fn populations_of(entry: &Map<String, Value>) -> Map<String, Value> {
    entry
        .get("populations")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

fn path_field(obj: &Map<String, Value>, key: &str, base: &Path) -> Option<PathBuf> {
    obj.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(|s| resolve_path(base, s))
}

// ---------------------------------------------------------------------------------------------
// Circuit config

impl CircuitConfig {
    pub fn from_file(path: &Path) -> Result<Self> {
        let json = read_json_with_manifest(path)?;
        Self::from_json(path, json)
    }

    /// Builds from already substituted JSON (also used for simulation configs that carry
    /// `networks` inline).
    pub fn from_json(path: &Path, json: Value) -> Result<Self> {
        let base = config_dir(path);
        let obj = json.as_object().cloned().unwrap_or_default();
        let mut components = BTreeMap::new();
        if let Some(comp) = obj.get("components").and_then(Value::as_object) {
            for (key, value) in comp {
                if let Some(s) = value.as_str() {
                    components.insert(key.clone(), resolve_path(&base, s));
                }
            }
        }
        let networks = match obj.get("networks") {
            None | Some(Value::Null) => None,
            Some(Value::Object(n)) => Some(n),
            Some(other) => {
                return Err(SonataError::invalid(
                    path,
                    format!("'networks' must be an object with 'nodes' and 'edges', found {other}"),
                ));
            }
        };
        let entries = |kind: &str| -> Result<Vec<Map<String, Value>>> {
            let Some(list) = networks.and_then(|n| n.get(kind)) else {
                return Ok(Vec::new());
            };
            let items = list.as_array().ok_or_else(|| {
                SonataError::invalid(path, format!("networks.{kind} must be a list of objects"))
            })?;
            items
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    e.as_object().cloned().ok_or_else(|| {
                        SonataError::invalid(
                            path,
                            format!("networks.{kind}[{i}] must be an object, found {e}"),
                        )
                    })
                })
                .collect()
        };
        let mut nodes = Vec::new();
        for (i, entry) in entries("nodes")?.iter().enumerate() {
            let nodes_file = path_field(entry, "nodes_file", &base).ok_or_else(|| {
                SonataError::invalid(path, format!("networks.nodes[{i}] has no 'nodes_file'"))
            })?;
            nodes.push(NodesEntry {
                nodes_file,
                node_types_file: path_field(entry, "node_types_file", &base),
                populations: populations_of(entry),
            });
        }
        let mut edges = Vec::new();
        for (i, entry) in entries("edges")?.iter().enumerate() {
            let edges_file = path_field(entry, "edges_file", &base).ok_or_else(|| {
                SonataError::invalid(path, format!("networks.edges[{i}] has no 'edges_file'"))
            })?;
            edges.push(EdgesEntry {
                edges_file,
                edge_types_file: path_field(entry, "edge_types_file", &base),
                populations: populations_of(entry),
                enabled: entry
                    .get("enabled")
                    .and_then(Value::as_bool)
                    .unwrap_or(true),
            });
        }
        Ok(Self {
            path: path.to_owned(),
            components,
            nodes,
            edges,
            node_sets_file: path_field(&obj, "node_sets_file", &base),
            target_simulator: obj
                .get("target_simulator")
                .and_then(Value::as_str)
                .map(str::to_owned),
            raw: json,
        })
    }

    pub fn component_dir(&self, name: &str) -> Option<&Path> {
        self.components.get(name).map(PathBuf::as_path)
    }
}

// ---------------------------------------------------------------------------------------------
// Simulation config

fn f64_field(obj: &Map<String, Value>, key: &str) -> Option<f64> {
    match obj.get(key)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl SimulationConfig {
    pub fn from_file(path: &Path) -> Result<Self> {
        let json = read_json_with_manifest(path)?;
        Self::from_json(path, json)
    }

    pub fn from_json(path: &Path, json: Value) -> Result<Self> {
        let base = config_dir(path);
        let obj = json.as_object().cloned().unwrap_or_default();
        let section = |key: &str| -> Result<Map<String, Value>> {
            match obj.get(key) {
                None | Some(Value::Null) => Ok(Map::new()),
                Some(Value::Object(m)) => Ok(m.clone()),
                Some(other) => Err(SonataError::invalid(
                    path,
                    format!("'{key}' must be an object, found {other}"),
                )),
            }
        };
        let run_raw = section("run")?;
        let run = RunConfig {
            tstart: f64_field(&run_raw, "tstart").unwrap_or(0.0),
            tstop: f64_field(&run_raw, "tstop").or_else(|| f64_field(&run_raw, "duration")),
            dt: f64_field(&run_raw, "dt"),
            raw: run_raw.clone(),
        };
        for (key, value) in [("tstop", run.tstop), ("dt", run.dt)] {
            if let Some(v) = value
                && !(v.is_finite() && v > 0.0)
            {
                return Err(SonataError::invalid(
                    path,
                    format!("run.{key} must be positive, found {v}"),
                ));
            }
        }

        let out_raw = section("output")?;
        let output_dir =
            path_field(&out_raw, "output_dir", &base).unwrap_or_else(|| base.join("output"));
        let in_output = |key: &str| {
            out_raw
                .get(key)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(|s| resolve_path(&output_dir, s))
        };
        let spikes_sort_order = match out_raw.get("spikes_sort_order").and_then(Value::as_str) {
            None => SortOrder::ByTime,
            Some(s) => SortOrder::parse(s).ok_or_else(|| {
                SonataError::invalid(
                    path,
                    format!("output.spikes_sort_order '{s}' is not one of none, by_id, by_time, id, time"),
                )
            })?,
        };
        let output = OutputConfig {
            spikes_file: in_output("spikes_file"),
            spikes_file_csv: in_output("spikes_file_csv"),
            output_dir: output_dir.clone(),
            spikes_sort_order,
            raw: out_raw.clone(),
        };

        let mut inputs = Vec::new();
        for (name, value) in section("inputs")? {
            let Some(m) = value.as_object() else {
                return Err(SonataError::invalid(
                    path,
                    format!("inputs.{name} must be an object"),
                ));
            };
            let text = |k: &str| {
                m.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            inputs.push(InputConfig {
                name: name.clone(),
                input_type: text("input_type"),
                module: text("module"),
                input_file: path_field(m, "input_file", &base)
                    .or_else(|| path_field(m, "spike_file", &base)),
                node_set: m.get("node_set").cloned(),
                raw: m.clone(),
            });
        }

        let mut reports = Vec::new();
        for (name, value) in section("reports")? {
            let Some(m) = value.as_object() else {
                return Err(SonataError::invalid(
                    path,
                    format!("reports.{name} must be an object"),
                ));
            };
            let text = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_owned);
            let file_name = text("file_name").unwrap_or_else(|| format!("{name}.h5"));
            let file_name = if file_name.ends_with(".h5") {
                file_name
            } else {
                format!("{file_name}.h5")
            };
            reports.push(ReportConfig {
                name: name.clone(),
                cells: m.get("cells").cloned(),
                variable_name: text("variable_name"),
                module: text("module"),
                sections: text("sections"),
                file: resolve_path(&output_dir, &file_name),
                enabled: m.get("enabled").and_then(Value::as_bool).unwrap_or(true),
                raw: m.clone(),
            });
        }

        Ok(Self {
            path: path.to_owned(),
            run,
            output,
            inputs,
            reports,
            node_sets_file: path_field(&obj, "node_sets_file", &base),
            target_simulator: obj
                .get("target_simulator")
                .and_then(Value::as_str)
                .map(str::to_owned),
            raw: json,
        })
    }

    /// The circuit config this simulation names (`network`), if any.
    pub fn network_path(&self) -> Option<PathBuf> {
        let base = config_dir(&self.path);
        self.raw
            .get("network")
            .and_then(Value::as_str)
            .map(|s| resolve_path(&base, s))
    }
}

// ---------------------------------------------------------------------------------------------
// Finding and reading configs

/// Names tried, in order, when a folder is opened.
const FOLDER_CONFIGS: [&str; 6] = [
    "simulation_config.json",
    "config.json",
    "config.simulation.json",
    "circuit_config.json",
    "config.circuit.json",
    "circuit_config_nest.json",
];

/// The config file to read for a folder: the first of the usual names, else the only
/// `config*.json` in it.
pub fn find_config_in_folder(dir: &Path) -> Result<PathBuf> {
    for name in FOLDER_CONFIGS {
        let candidate = dir.join(name);
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    let mut others: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| SonataError::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|e| e == "json")
                && p.file_name()
                    .is_some_and(|n| n.to_string_lossy().contains("config"))
        })
        .collect();
    others.sort();
    others.into_iter().next().ok_or_else(|| {
        SonataError::invalid(
            dir,
            "no SONATA config in this folder (looked for simulation_config.json, config.json, circuit_config.json, config.*.json)",
        )
    })
}

/// Reads any config: a circuit config, a simulation config (with the circuit it names), or
/// BMTK's `config.json` that names both (`network`, `simulation`).
pub fn read_configs(path: &Path) -> Result<Configs> {
    let json = read_json_with_manifest(path)?;
    let obj = json.as_object().cloned().unwrap_or_default();
    let base = config_dir(path);

    let names_both = obj.get("simulation").is_some_and(Value::is_string)
        || (obj.get("network").is_some_and(Value::is_string)
            && !obj.contains_key("run")
            && !obj.contains_key("networks")
            && !obj.contains_key("output"));
    if names_both {
        let mut configs = Configs::default();
        if let Some(sim) = obj.get("simulation").and_then(Value::as_str) {
            let sim_path = resolve_path(&base, sim);
            configs.simulation = Some(SimulationConfig::from_file(&sim_path)?);
        }
        if let Some(net) = obj.get("network").and_then(Value::as_str) {
            let net_path = resolve_path(&base, net);
            configs.circuit = Some(CircuitConfig::from_file(&net_path)?);
        } else if let Some(net) = configs.simulation.as_ref().and_then(|s| s.network_path()) {
            configs.circuit = Some(CircuitConfig::from_file(&net)?);
        }
        return Ok(configs);
    }

    let is_simulation = ["run", "inputs", "output", "reports", "network"]
        .iter()
        .any(|k| obj.contains_key(*k));
    let is_circuit = ["networks", "components"]
        .iter()
        .any(|k| obj.contains_key(*k));
    if !is_simulation && !is_circuit {
        return Err(SonataError::invalid(
            path,
            "is not a SONATA config: it has no 'networks' or 'components' (a circuit config), no 'run', 'inputs', 'output', 'reports' or 'network' (a simulation config), and no 'network' and 'simulation' files (BMTK's config.json)",
        ));
    }
    if !is_simulation {
        return Ok(Configs {
            circuit: Some(CircuitConfig::from_json(path, json)?),
            simulation: None,
        });
    }
    let simulation = SimulationConfig::from_json(path, json.clone())?;
    let circuit = if obj.contains_key("networks") {
        Some(CircuitConfig::from_json(path, json)?)
    } else if let Some(net) = simulation.network_path() {
        Some(CircuitConfig::from_file(&net)?)
    } else {
        let beside = base.join("circuit_config.json");
        if beside.is_file() {
            Some(CircuitConfig::from_file(&beside)?)
        } else {
            None
        }
    };
    Ok(Configs {
        circuit,
        simulation: Some(simulation),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_order_spellings() {
        for (s, o) in [
            ("none", SortOrder::None),
            ("by_id", SortOrder::ById),
            ("id", SortOrder::ById),
            ("by_time", SortOrder::ByTime),
            ("time", SortOrder::ByTime),
        ] {
            assert_eq!(SortOrder::parse(s), Some(o));
        }
        assert_eq!(SortOrder::parse("sideways"), None);
    }

    #[test]
    fn paths_resolve_lexically() {
        assert_eq!(
            resolve_path(Path::new("/a/b"), "./c/../d"),
            PathBuf::from("/a/b/d")
        );
        assert_eq!(
            resolve_path(Path::new("/a/b"), "/abs"),
            PathBuf::from("/abs")
        );
    }
}
