//! The summary `cortexview info` prints, as a serialisable value (`--json` schema).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::circuit::Circuit;
use super::error::Result;

#[derive(Clone, Debug, Serialize)]
pub struct NodesInfo {
    pub population: String,
    pub count: usize,
    pub file: String,
    pub model_types: BTreeMap<String, usize>,
    /// Number of distinct node types used.
    pub node_types: usize,
    pub node_type_ids: Vec<i64>,
    pub attributes: Vec<String>,
    pub dynamics_params: Vec<String>,
    pub bbox: Option<[[f64; 3]; 2]>,
}

#[derive(Clone, Debug, Serialize)]
pub struct EdgesInfo {
    pub population: String,
    pub count: usize,
    pub file: String,
    pub source: String,
    pub target: String,
    /// Number of distinct edge types used.
    pub edge_types: usize,
    pub edge_type_ids: Vec<i64>,
    pub attributes: Vec<String>,
    pub indexed: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct SpikesInfo {
    pub population: String,
    pub count: usize,
    pub t_first: Option<f64>,
    pub t_last: Option<f64>,
    pub file: String,
    pub role: String,
    pub sorting: Option<String>,
    pub n_nodes: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReportInfo {
    pub population: String,
    /// The report's name in the simulation config (the file's stem when opened by itself).
    pub name: String,
    pub file: String,
    /// The variable the file says it holds.
    pub variable: Option<String>,
    /// The `variable_name` the simulation config gives.
    pub variable_name: Option<String>,
    pub n_nodes: usize,
    pub n_elements: usize,
    pub n_frames: usize,
    pub t_start: Option<f64>,
    pub t_stop: Option<f64>,
    pub dt: Option<f64>,
}

/// An extracellular (ecp/lfp) report.
#[derive(Clone, Debug, Serialize)]
pub struct ElectrodeReportInfo {
    pub name: String,
    pub file: String,
    pub channels: usize,
    /// Whether electrode positions were read (from the config's `electrode_positions`).
    pub positions: bool,
    pub n_frames: usize,
    pub t_start: f64,
    pub t_stop: f64,
    pub dt: f64,
    pub units: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Info {
    pub source: String,
    pub nodes: Vec<NodesInfo>,
    pub edges: Vec<EdgesInfo>,
    pub spikes: Vec<SpikesInfo>,
    pub reports: Vec<ReportInfo>,
    pub electrode_reports: Vec<ElectrodeReportInfo>,
    pub warnings: Vec<String>,
}

fn show(p: &Path) -> String {
    p.display().to_string()
}

impl Info {
    pub fn of(circuit: &Circuit) -> Result<Self> {
        let nodes = circuit
            .nodes
            .iter()
            .map(|pop| {
                let mut model_types = BTreeMap::new();
                for row in 0..pop.len() {
                    let mt = pop.model_type(row).unwrap_or("unknown").to_owned();
                    *model_types.entry(mt).or_default() += 1;
                }
                let mut type_ids = pop.node_type_ids.clone();
                type_ids.sort_unstable();
                type_ids.dedup();
                let bbox = pop.positions().and_then(|pos| {
                    let mut lo = [f64::INFINITY; 3];
                    let mut hi = [f64::NEG_INFINITY; 3];
                    for p in pos.iter().filter(|p| p.iter().all(|v| v.is_finite())) {
                        for k in 0..3 {
                            lo[k] = lo[k].min(p[k]);
                            hi[k] = hi[k].max(p[k]);
                        }
                    }
                    (lo[0] <= hi[0]).then_some([lo, hi])
                });
                NodesInfo {
                    population: pop.name.clone(),
                    count: pop.len(),
                    file: show(&pop.file),
                    model_types,
                    node_types: type_ids.len(),
                    node_type_ids: type_ids,
                    attributes: pop.attribute_names().map(str::to_owned).collect(),
                    dynamics_params: pop.dynamics_params.keys().cloned().collect(),
                    bbox,
                }
            })
            .collect();
        let mut edges = Vec::new();
        for pop in &circuit.edges {
            let counts = pop.edge_type_counts()?;
            edges.push(EdgesInfo {
                population: pop.name.clone(),
                count: pop.len(),
                file: show(&pop.file),
                source: pop.source.clone(),
                target: pop.target.clone(),
                edge_types: counts.len(),
                edge_type_ids: counts.keys().copied().collect(),
                attributes: pop.attribute_names(),
                indexed: pop.has_index(),
            });
        }
        let spikes = circuit
            .spikes
            .iter()
            .flat_map(|f| {
                f.populations.iter().map(move |p| {
                    let range = p.time_range();
                    let mut ids = p.node_ids.clone();
                    ids.sort_unstable();
                    ids.dedup();
                    SpikesInfo {
                        population: p.population.clone(),
                        count: p.len(),
                        t_first: range.map(|r| r.0),
                        t_last: range.map(|r| r.1),
                        file: show(&f.file),
                        role: f.role.clone(),
                        sorting: p.sorting.map(|s| s.as_str().to_owned()),
                        n_nodes: ids.len(),
                    }
                })
            })
            .collect();
        let reports = circuit
            .reports
            .iter()
            .map(|r| ReportInfo {
                population: r.population.clone(),
                name: r.name.clone(),
                file: show(&r.file),
                variable: r.variable.clone(),
                variable_name: r.variable_name.clone(),
                n_nodes: r.n_nodes(),
                n_elements: r.n_elements(),
                n_frames: r.n_frames,
                t_start: r.time.map(|t| t.0),
                t_stop: r.time.map(|t| t.1),
                dt: r.time.map(|t| t.2),
            })
            .collect();
        let electrode_reports = circuit
            .ecp_reports
            .iter()
            .map(|r| ElectrodeReportInfo {
                name: r.name.clone(),
                file: show(&r.file),
                channels: r.n_channels(),
                positions: r.electrode_positions.is_some(),
                n_frames: r.n_frames,
                t_start: r.time.0,
                t_stop: r.time.1,
                dt: r.time.2,
                units: r.units.clone(),
            })
            .collect();
        Ok(Self {
            source: show(&circuit.source),
            nodes,
            edges,
            spikes,
            reports,
            electrode_reports,
            warnings: circuit.warnings.clone(),
        })
    }

    /// The human-readable summary.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(s, "{}", self.source);
        if !self.nodes.is_empty() {
            let total: usize = self.nodes.iter().map(|n| n.count).sum();
            let _ = writeln!(s, "\nNodes: {total} in {} population(s)", self.nodes.len());
            for n in &self.nodes {
                let types: Vec<String> = n
                    .model_types
                    .iter()
                    .map(|(k, v)| format!("{k} {v}"))
                    .collect();
                let _ = writeln!(
                    s,
                    "  {:<20} {:>9} nodes  {} node types  ({})",
                    n.population,
                    n.count,
                    n.node_types,
                    types.join(", ")
                );
                if let Some([lo, hi]) = n.bbox {
                    let _ = writeln!(
                        s,
                        "  {:<20} extent x {:.0}..{:.0}  y {:.0}..{:.0}  z {:.0}..{:.0} um",
                        "", lo[0], hi[0], lo[1], hi[1], lo[2], hi[2]
                    );
                }
                let _ = writeln!(s, "  {:<20} attributes: {}", "", n.attributes.join(", "));
            }
        }
        if !self.edges.is_empty() {
            let total: usize = self.edges.iter().map(|e| e.count).sum();
            let _ = writeln!(s, "\nEdges: {total} in {} population(s)", self.edges.len());
            for e in &self.edges {
                let _ = writeln!(
                    s,
                    "  {:<20} {:>9} edges  {} -> {}  {} edge types{}",
                    e.population,
                    e.count,
                    if e.source.is_empty() { "?" } else { &e.source },
                    if e.target.is_empty() { "?" } else { &e.target },
                    e.edge_types,
                    if e.indexed {
                        ""
                    } else {
                        "  (no index in file)"
                    }
                );
            }
        }
        if !self.spikes.is_empty() {
            let _ = writeln!(s, "\nSpikes:");
            for p in &self.spikes {
                let pop = if p.population.is_empty() {
                    "(no population)"
                } else {
                    &p.population
                };
                let range = match (p.t_first, p.t_last) {
                    (Some(a), Some(b)) => format!("{a:.2}..{b:.2} ms"),
                    _ => "no spikes".into(),
                };
                let _ = writeln!(
                    s,
                    "  {pop:<20} {:>9} spikes from {} nodes, {range}  [{}] {}",
                    p.count, p.n_nodes, p.role, p.file
                );
            }
        }
        if !self.reports.is_empty() {
            let _ = writeln!(s, "\nReports:");
            for r in &self.reports {
                let time = match (r.t_start, r.t_stop, r.dt) {
                    (Some(a), Some(b), Some(dt)) => format!("{a}..{b} ms, dt {dt} ms"),
                    _ => "no time axis".into(),
                };
                let _ = writeln!(
                    s,
                    "  {:<20} {} ({}): {} nodes, {} elements, {} frames, {time}",
                    if r.population.is_empty() {
                        "(no population)"
                    } else {
                        &r.population
                    },
                    r.name,
                    r.variable_name
                        .as_deref()
                        .or(r.variable.as_deref())
                        .unwrap_or("?"),
                    r.n_nodes,
                    r.n_elements,
                    r.n_frames
                );
            }
        }
        if !self.electrode_reports.is_empty() {
            let _ = writeln!(s, "\nExtracellular reports:");
            for r in &self.electrode_reports {
                let _ = writeln!(
                    s,
                    "  {:<20} {} channels{}, {} frames, {}..{} ms, dt {} ms  {}",
                    r.name,
                    r.channels,
                    if r.positions {
                        " with positions"
                    } else {
                        " (no electrode positions)"
                    },
                    r.n_frames,
                    r.t_start,
                    r.t_stop,
                    r.dt,
                    r.file
                );
            }
        }
        s
    }
}
