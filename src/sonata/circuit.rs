//! `Circuit`: everything a path names, loaded. A path is a config (circuit, simulation, or
//! BMTK's `config.json` naming both), a folder holding one, or a single h5/CSV file (nodes,
//! edges, spikes or report).

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::config::{
    CircuitConfig, ReportConfig, SimulationConfig, config_dir, find_config_in_folder, read_configs,
    resolve_path,
};
use super::ecp::{self, EcpReport};
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
    /// Extracellular (ecp/lfp) reports as BMTK writes them.
    pub ecp_reports: Vec<EcpReport>,
    /// Odd but not fatal: a missing input file, a skipped dataset, ...
    pub warnings: Vec<String>,
    /// Files the configs name that were not loaded (missing or unreadable), and why. Also in
    /// `warnings`; here for callers that must refuse to go on without them (a simulation).
    pub skipped: Vec<SkippedFile>,
}

/// A file a config names that was not loaded.
#[derive(Clone, Debug, PartialEq)]
pub struct SkippedFile {
    pub file: PathBuf,
    /// `nodes`, `edges`, `output spikes`, `input '<name>' spikes`, `report '<name>'`.
    pub role: String,
    pub reason: String,
}

impl std::fmt::Display for SkippedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}; loaded without it",
            self.role,
            self.file.display(),
            self.reason
        )
    }
}

/// What kind of SONATA file an h5 file is, by its top-level group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum H5Kind {
    Nodes,
    Edges,
    Spikes,
    Report,
    /// BMTK's extracellular report (`/ecp`).
    Ecp,
}

pub fn h5_kind(path: &Path) -> Result<H5Kind> {
    let file = h5util::open_file(path)?;
    for (group, kind) in [
        ("nodes", H5Kind::Nodes),
        ("edges", H5Kind::Edges),
        ("spikes", H5Kind::Spikes),
        ("report", H5Kind::Report),
        ("mapping", H5Kind::Report),
        ("ecp", H5Kind::Ecp),
    ] {
        if file.group(group).is_ok() {
            return Ok(kind);
        }
    }
    Err(SonataError::invalid(
        path,
        "not a SONATA file: no /nodes, /edges, /spikes, /report or /ecp group",
    ))
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
            H5Kind::Ecp => {
                let name = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                circuit
                    .ecp_reports
                    .push(EcpReport::open(&name, path, None)?);
            }
        }
        circuit.collect_warnings();
        Ok(circuit)
    }

    /// Opens a config file and everything it names.
    pub fn open_config(path: &Path) -> Result<Self> {
        Self::open_config_with_progress(path, &LoadProgress::default())
    }

    /// `open_config`, one progress step per file read. The network's nodes and edges files
    /// that exist must read; a missing one, and any output or input file (spikes, reports)
    /// that is missing, empty or broken, is a warning naming it and the rest opens.
    pub fn open_config_with_progress(path: &Path, progress: &LoadProgress) -> Result<Self> {
        let configs = read_configs(path)?;
        progress.add_total(files_to_read(&configs));
        let mut circuit = Self {
            source: path.to_owned(),
            ..Default::default()
        };
        if let Some(cc) = &configs.circuit {
            circuit.load_network(cc, progress)?;
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
            circuit.load_output_spikes(sim, progress);
            circuit.load_input_spikes(sim, progress);
            circuit.load_reports(sim, progress);
        }
        circuit.circuit_config = configs.circuit;
        circuit.simulation = configs.simulation;
        circuit.collect_warnings();
        Ok(circuit)
    }

    /// Notes a file that was not loaded: in `skipped` and as a warning.
    fn skip(&mut self, file: &Path, role: impl Into<String>, reason: impl Into<String>) {
        let reason = reason.into();
        // An error's text starts with the file it names: said once is enough.
        let prefix = format!("{}: ", file.display());
        let reason = reason.strip_prefix(&prefix).unwrap_or(&reason).to_owned();
        let skipped = SkippedFile {
            file: file.to_owned(),
            role: role.into(),
            reason,
        };
        self.warnings.push(skipped.to_string());
        self.skipped.push(skipped);
    }

    /// The nodes and edges files of a circuit config (a missing file is skipped with a
    /// warning; a file that exists but is malformed is an error).
    fn load_network(&mut self, cc: &CircuitConfig, progress: &LoadProgress) -> Result<()> {
        for entry in cc.nodes.iter().filter(|e| !e.nodes_file.is_file()) {
            self.skip(
                &entry.nodes_file,
                "nodes",
                format!("named by {}, does not exist", cc.path.display()),
            );
        }
        for entry in cc
            .edges
            .iter()
            .filter(|e| e.enabled && !e.edges_file.is_file())
        {
            self.skip(
                &entry.edges_file,
                "edges",
                format!("named by {}, does not exist", cc.path.display()),
            );
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
            self.nodes.extend(pops);
            self.warnings.extend(warnings);
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
            self.edges.extend(pops);
            self.warnings.extend(warnings);
        }
        Ok(())
    }

    /// The simulation's output spikes, when they have been written.
    fn load_output_spikes(&mut self, sim: &SimulationConfig, progress: &LoadProgress) {
        let Some(out) = &sim.output.spikes_file else {
            return;
        };
        if !out.is_file() {
            // Not simulated yet: nothing to warn about.
            return;
        }
        progress.begin(format!("spikes {}", file_name(out)));
        let read = spikes::read_spikes(out);
        progress.finish_one();
        match read {
            Ok(populations) => self.spikes.push(SpikesFile {
                file: out.clone(),
                role: "output".into(),
                populations,
            }),
            Err(e) => self.skip(out, "output spikes", e.to_string()),
        }
    }

    /// The spike trains the simulation's inputs name.
    fn load_input_spikes(&mut self, sim: &SimulationConfig, progress: &LoadProgress) {
        for input in &sim.inputs {
            let is_spikes = input.input_type == "spikes"
                || matches!(input.module.as_str(), "h5" | "hdf5" | "sonata" | "csv");
            let Some(file) = input.input_file.as_ref().filter(|_| is_spikes) else {
                continue;
            };
            let role = format!("input '{}' spikes", input.name);
            if !file.is_file() {
                self.skip(file, role, "does not exist");
                continue;
            }
            if file.extension().is_some_and(|e| e == "nwb") {
                self.skip(file, role, "NWB spike files are not read");
                continue;
            }
            progress.begin(format!("spikes {}", file_name(file)));
            let read = spikes::read_spikes(file);
            progress.finish_one();
            let mut populations = match read {
                Ok(p) => p,
                Err(e) => {
                    self.skip(file, role, e.to_string());
                    continue;
                }
            };
            // The old layout names no population: the input's node set does.
            if let Some(name) =
                node_set_population(input.node_set.as_ref(), self.node_sets.as_ref())
            {
                for p in populations.iter_mut().filter(|p| p.population.is_empty()) {
                    p.population = name.clone();
                }
            }
            self.spikes.push(SpikesFile {
                file: file.clone(),
                role: format!("input:{}", input.name),
                populations,
            });
        }
    }

    /// The simulation's reports, each under its name in the config: frame reports
    /// (compartment, soma, lfp) and extracellular ones. A report that cannot be read is
    /// skipped with a warning naming it.
    fn load_reports(&mut self, sim: &SimulationConfig, progress: &LoadProgress) {
        for report in sim.reports.iter().filter(|r| r.enabled) {
            let role = format!("report '{}'", report.name);
            if !report.file.is_file() {
                if sim.output.spikes_file.as_ref().is_some_and(|f| f.is_file()) {
                    // The simulation ran but did not write this report.
                    self.skip(&report.file, role, "does not exist");
                }
                continue;
            }
            progress.begin(format!("report {}", file_name(&report.file)));
            let read = self.read_report(sim, report);
            progress.finish_one();
            if let Err(e) = read {
                self.skip(&report.file, role, e.to_string());
            }
        }
    }

    fn read_report(&mut self, sim: &SimulationConfig, report: &ReportConfig) -> Result<()> {
        let is_extracellular =
            report.module.as_deref() == Some("extracellular") || ecp::is_ecp_file(&report.file);
        if is_extracellular {
            let electrodes = report
                .raw
                .get("electrode_positions")
                .and_then(serde_json::Value::as_str)
                .map(|p| resolve_path(&config_dir(&sim.path), p));
            let electrodes = match electrodes {
                Some(csv) if !csv.is_file() => {
                    self.warnings.push(format!(
                        "report '{}': electrode positions {} do not exist; traces read without positions",
                        report.name,
                        csv.display()
                    ));
                    None
                }
                other => other,
            };
            let ecp = EcpReport::open(&report.name, &report.file, electrodes.as_deref())?;
            self.ecp_reports.push(ecp);
            return Ok(());
        }
        let (mut reports, warnings) = reports::read_reports(&report.file)?;
        for r in &mut reports {
            r.name = report.name.clone();
            r.variable_name = report.variable_name.clone();
        }
        self.reports.extend(reports);
        self.warnings.extend(
            warnings
                .into_iter()
                .map(|w| format!("report '{}': {w}", report.name)),
        );
        Ok(())
    }

    /// Gathers the populations' warnings, each prefixed with its file.
    fn collect_warnings(&mut self) {
        for pop in &self.nodes {
            self.warnings.extend(
                pop.warnings
                    .iter()
                    .map(|w| format!("{}: {w}", pop.file.display())),
            );
        }
        for pop in &self.edges {
            self.warnings.extend(pop.warnings.iter().cloned());
        }
    }

    /// Refuses a circuit that a simulation cannot run as its configs describe it: a nodes,
    /// edges or input spikes file they name was skipped (missing or unreadable). Viewing goes
    /// on without such files; simulating must not.
    pub fn require_simulation_files(&self) -> Result<()> {
        let needed = |s: &&SkippedFile| {
            s.role == "nodes" || s.role == "edges" || s.role.starts_with("input ")
        };
        match self.skipped.iter().find(needed) {
            Some(s) => Err(SonataError::invalid(
                &s.file,
                format!(
                    "{} file the simulation needs: {}",
                    s.role,
                    s.reason.trim_end_matches("; loaded without it")
                ),
            )),
            None => Ok(()),
        }
    }

    /// Everything odd that did not stop the open, for a viewer or a command to show.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
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

/// A circuit as the node sets it holds, so `node_sets::node_set_rows(circuit, ...)` reads.
impl<'a> From<&'a Circuit> for Option<&'a NodeSets> {
    fn from(circuit: &'a Circuit) -> Self {
        circuit.node_sets.as_ref()
    }
}
