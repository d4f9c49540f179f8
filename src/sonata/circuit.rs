//! `Circuit`: everything a path names, loaded. A path is a config (circuit, simulation, or
//! BMTK's `config.json` naming both), a folder holding one, or a single h5/CSV file (nodes,
//! edges, spikes or report).

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::config::{CircuitConfig, SimulationConfig, find_config_in_folder, read_configs};
use super::edges::{self, EdgePopulation};
use super::error::{Result, SonataError};
use super::h5util;
use super::node_sets::NodeSets;
use super::nodes::{self, NodePopulation};
use super::progress::LoadProgress;
use super::reports::{self, FrameReport};
use super::spikes::{self, PopulationSpikes};
use super::types_csv::TypesTable;

/// A spikes file and what it is to the simulation.
#[derive(Clone, Debug)]
pub struct SpikesFile {
    pub file: PathBuf,
    /// `output`, `input:<name>`, or `file` when opened by itself.
    pub role: String,
    pub populations: Vec<PopulationSpikes>,
}

#[derive(Clone, Debug, Default)]
pub struct Circuit {
    /// What was opened.
    pub source: PathBuf,
    pub circuit_config: Option<CircuitConfig>,
    pub simulation: Option<SimulationConfig>,
    pub nodes: Vec<NodePopulation>,
    pub edges: Vec<EdgePopulation>,
    pub node_sets: Option<NodeSets>,
    pub spikes: Vec<SpikesFile>,
    pub reports: Vec<FrameReport>,
    /// Odd but not fatal: a missing input file, a skipped dataset, ...
    pub warnings: Vec<String>,
}

/// What kind of SONATA file an h5 file is, by its top-level group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum H5Kind {
    Nodes,
    Edges,
    Spikes,
    Report,
}

pub fn h5_kind(path: &Path) -> Result<H5Kind> {
    let file = h5util::open_file(path)?;
    for (group, kind) in [
        ("nodes", H5Kind::Nodes),
        ("edges", H5Kind::Edges),
        ("spikes", H5Kind::Spikes),
        ("report", H5Kind::Report),
        ("mapping", H5Kind::Report),
    ] {
        if file.group(group).is_ok() {
            return Ok(kind);
        }
    }
    Err(SonataError::invalid(
        path,
        "not a SONATA file: no /nodes, /edges, /spikes or /report group",
    ))
}

/// Keeps what loads: errors become warnings while at least one item loads; with none loaded,
/// the first error is returned.
pub fn load_tolerant<T>(items: impl Iterator<Item = Result<T>>) -> Result<(Vec<T>, Vec<String>)> {
    let mut ok = Vec::new();
    let mut errors = Vec::new();
    for item in items {
        match item {
            Ok(v) => ok.push(v),
            Err(e) => errors.push(e),
        }
    }
    let warnings = errors.iter().map(|e| format!("skipped: {e}")).collect();
    match errors.into_iter().next() {
        Some(first) if ok.is_empty() => Err(first),
        _ => Ok((ok, warnings)),
    }
}

/// The one population a node set (a name in `node_sets`, or an inline object) lies in, when it
/// says so with a single `population` value.
fn node_set_population(
    node_set: Option<&serde_json::Value>,
    node_sets: Option<&NodeSets>,
) -> Option<String> {
    let def = match node_set? {
        serde_json::Value::String(name) => node_sets?.sets.get(name)?,
        inline => inline,
    };
    match def.get("population")? {
        serde_json::Value::String(p) => Some(p.clone()),
        serde_json::Value::Array(items) if items.len() == 1 => items[0].as_str().map(str::to_owned),
        _ => None,
    }
}

/// A file's name for a progress line (the folder is the one being opened).
fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// The files `open_config` will read, announced before reading so the bar's total is known.
/// (Skipped inputs, e.g. NWB, leave the bar short of full; the caller finishes it.)
fn files_to_read(configs: &super::config::Configs) -> usize {
    let circuit = configs.circuit.as_ref().map_or(0, |cc| {
        cc.nodes.iter().filter(|e| e.nodes_file.is_file()).count()
            + cc.edges
                .iter()
                .filter(|e| e.enabled && e.edges_file.is_file())
                .count()
    });
    let simulation = configs.simulation.as_ref().map_or(0, |sim| {
        usize::from(sim.output.spikes_file.as_ref().is_some_and(|f| f.is_file()))
            + sim
                .inputs
                .iter()
                .filter(|i| i.input_file.as_ref().is_some_and(|f| f.is_file()))
                .count()
            + sim
                .reports
                .iter()
                .filter(|r| r.enabled && r.file.is_file())
                .count()
    });
    circuit + simulation
}

fn read_types(path: Option<&Path>, id_column: &str) -> Result<Option<TypesTable>> {
    path.map(|p| TypesTable::read(p, id_column)).transpose()
}

impl Circuit {
    /// Opens whatever `path` is (see the module docs).
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_with_progress(path, &LoadProgress::default())
    }

    /// `open`, announcing each file it reads to `progress` (a viewer's progress bar).
    pub fn open_with_progress(path: &Path, progress: &LoadProgress) -> Result<Self> {
        if path.is_dir() {
            let config = find_config_in_folder(path)?;
            return Self::open_config_with_progress(&config, progress);
        }
        if !path.exists() {
            return Err(SonataError::io(
                path,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or folder"),
            ));
        }
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if ext != "json" {
            progress.add_total(1);
            progress.begin(file_name(path));
        }
        let circuit = match ext.as_str() {
            "json" => return Self::open_config_with_progress(path, progress),
            "csv" | "txt" => Ok(Self {
                source: path.to_owned(),
                spikes: vec![SpikesFile {
                    file: path.to_owned(),
                    role: "file".into(),
                    populations: spikes::read_spikes_csv(path)?,
                }],
                ..Default::default()
            }),
            _ => Self::open_h5(path),
        };
        progress.finish_one();
        circuit
    }

    fn open_h5(path: &Path) -> Result<Self> {
        let mut circuit = Self {
            source: path.to_owned(),
            ..Default::default()
        };
        match h5_kind(path)? {
            H5Kind::Nodes => {
                (circuit.nodes, circuit.warnings) = nodes::read_nodes_file(path, None)?;
            }
            H5Kind::Edges => {
                (circuit.edges, circuit.warnings) = edges::read_edges_file(path, None)?;
            }
            H5Kind::Spikes => circuit.spikes.push(SpikesFile {
                file: path.to_owned(),
                role: "file".into(),
                populations: spikes::read_spikes_h5(path)?,
            }),
            H5Kind::Report => {
                (circuit.reports, circuit.warnings) = reports::read_reports(path)?;
            }
        }
        circuit.collect_warnings();
        Ok(circuit)
    }

    /// Opens a config file and everything it names.
    pub fn open_config(path: &Path) -> Result<Self> {
        Self::open_config_with_progress(path, &LoadProgress::default())
    }

    /// `open_config`, one progress step per file read.
    pub fn open_config_with_progress(path: &Path, progress: &LoadProgress) -> Result<Self> {
        let configs = read_configs(path)?;
        progress.add_total(files_to_read(&configs));
        let mut circuit = Self {
            source: path.to_owned(),
            ..Default::default()
        };
        if let Some(cc) = &configs.circuit {
            // A file the config names but that does not exist is a warning (the rest loads); a
            // file that exists but is malformed is an error.
            for missing in cc
                .nodes
                .iter()
                .map(|e| &e.nodes_file)
                .chain(cc.edges.iter().filter(|e| e.enabled).map(|e| &e.edges_file))
                .filter(|f| !f.is_file())
            {
                circuit.warnings.push(format!(
                    "{}: names {}, which does not exist; loaded without it",
                    cc.path.display(),
                    missing.display()
                ));
            }
            let node_files: Vec<(Vec<NodePopulation>, Vec<String>)> = cc
                .nodes
                .par_iter()
                .filter(|entry| entry.nodes_file.is_file())
                .map(|entry| {
                    progress.begin(format!("nodes {}", file_name(&entry.nodes_file)));
                    let types = read_types(entry.node_types_file.as_deref(), "node_type_id")?;
                    let read = nodes::read_nodes_file(&entry.nodes_file, types.as_ref());
                    progress.finish_one();
                    read
                })
                .collect::<Result<_>>()?;
            for (pops, warnings) in node_files {
                circuit.nodes.extend(pops);
                circuit.warnings.extend(warnings);
            }
            for entry in cc
                .edges
                .iter()
                .filter(|e| e.enabled && e.edges_file.is_file())
            {
                progress.begin(format!("edges {}", file_name(&entry.edges_file)));
                let types = read_types(entry.edge_types_file.as_deref(), "edge_type_id")?;
                let (pops, warnings) = edges::read_edges_file(&entry.edges_file, types.as_ref())?;
                progress.finish_one();
                circuit.edges.extend(pops);
                circuit.warnings.extend(warnings);
            }
        }
        let node_sets_file = configs
            .simulation
            .as_ref()
            .and_then(|s| s.node_sets_file.clone())
            .or_else(|| {
                configs
                    .circuit
                    .as_ref()
                    .and_then(|c| c.node_sets_file.clone())
            });
        if let Some(ns) = node_sets_file {
            circuit.node_sets = Some(NodeSets::from_file(&ns)?);
        }
        if let Some(sim) = &configs.simulation {
            if let Some(out) = &sim.output.spikes_file
                && out.is_file()
            {
                progress.begin(format!("spikes {}", file_name(out)));
                // An output of an earlier run: unreadable, it is skipped (a new run replaces it).
                match spikes::read_spikes(out) {
                    Ok(populations) => circuit.spikes.push(SpikesFile {
                        file: out.clone(),
                        role: "output".into(),
                        populations,
                    }),
                    Err(e) => circuit.warnings.push(format!("output spikes skipped: {e}")),
                }
                progress.finish_one();
            }
            for input in &sim.inputs {
                let is_spikes = input.input_type == "spikes"
                    || matches!(input.module.as_str(), "h5" | "hdf5" | "sonata" | "csv");
                let Some(file) = input.input_file.as_ref().filter(|_| is_spikes) else {
                    continue;
                };
                if !file.is_file() {
                    circuit.warnings.push(format!(
                        "input '{}': spikes file {} does not exist",
                        input.name,
                        file.display()
                    ));
                    continue;
                }
                if file.extension().is_some_and(|e| e == "nwb") {
                    circuit.warnings.push(format!(
                        "input '{}': NWB spike files are not read",
                        input.name
                    ));
                    continue;
                }
                progress.begin(format!("spikes {}", file_name(file)));
                let mut populations = spikes::read_spikes(file)?;
                progress.finish_one();
                // The old layout names no population: the input's node set does.
                if let Some(name) =
                    node_set_population(input.node_set.as_ref(), circuit.node_sets.as_ref())
                {
                    for p in populations.iter_mut().filter(|p| p.population.is_empty()) {
                        p.population = name.clone();
                    }
                }
                circuit.spikes.push(SpikesFile {
                    file: file.clone(),
                    role: format!("input:{}", input.name),
                    populations,
                });
            }
            for report in sim.reports.iter().filter(|r| r.enabled) {
                if report.file.is_file() {
                    progress.begin(format!("report {}", file_name(&report.file)));
                    // an output of an earlier run, skipped when unreadable (as the spikes)
                    match reports::read_reports(&report.file) {
                        Ok((reports, warnings)) => {
                            circuit.reports.extend(reports);
                            circuit.warnings.extend(warnings);
                        }
                        Err(e) => circuit.warnings.push(format!("report skipped: {e}")),
                    }
                    progress.finish_one();
                }
            }
        }
        circuit.circuit_config = configs.circuit;
        circuit.simulation = configs.simulation;
        circuit.collect_warnings();
        Ok(circuit)
    }

    fn collect_warnings(&mut self) {
        for pop in &self.nodes {
            self.warnings.extend(
                pop.warnings
                    .iter()
                    .map(|w| format!("{}: {w}", pop.file.display())),
            );
        }
    }

    pub fn node_population(&self, name: &str) -> Result<&NodePopulation> {
        self.nodes
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| SonataError::NoPopulation {
                path: self.source.clone(),
                name: name.to_owned(),
                available: self
                    .nodes
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    pub fn edge_population(&self, name: &str) -> Result<&EdgePopulation> {
        self.edges
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| SonataError::NoPopulation {
                path: self.source.clone(),
                name: name.to_owned(),
                available: self
                    .edges
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// A component folder from the circuit config (`morphologies_dir`, ...).
    pub fn component_dir(&self, name: &str) -> Option<&Path> {
        self.circuit_config.as_ref()?.component_dir(name)
    }
}
