//! The `reports` of a simulation config that the engine honours: BMTK PointNet's membrane
//! reports (`module` `multimeter_report`, `membrane_report` or `multimeter`; SONATA's
//! `type: compartment` without a module), one variable, `V_m`, for a node set.
//!
//! Keys (BMTK `simulation_reports.py` + `pointnet/modules/multimeter_reporter.py`, SONATA spec):
//! `cells` (node-set name, population name, `all`, or an inline node-set object; absent: every
//! simulated neuron), `variable_name` (a string or a one-element list), `sections` (ignored, as
//! BMTK PointNet does: a point neuron is its soma; other than `soma` or `all`, a warning), `file_name` (default `<name>.h5` in output_dir),
//! `start_time`/`end_time`/`dt` (ms; BMTK's MultimeterMod spells them `tstart`/`tstop`/
//! `interval`, both accepted; defaults: 0, run.tstop, run.dt), `enabled`.
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::error::{SimError, SimResult};
use super::network::Population;
use super::recorder::SampleGrid;
use super::time::Resolution;
use crate::sonata::Circuit;
use crate::sonata::config::ReportConfig;
use crate::sonata::node_sets::node_set_rows;

/// The `module`s of a membrane report (BMTK registers all three for the same class).
pub const MODULES: &[&str] = &["multimeter_report", "membrane_report", "multimeter"];

/// Variables the engine records, for every model (NEST's recordable `V_m`).
pub const VARIABLES: &[&str] = &["V_m"];

/// A V_m report asked for by the config, resolved to neurons.
#[derive(Debug, Clone, PartialEq)]
pub struct VmReportSpec {
    pub name: String,
    pub file: PathBuf,
    pub variable: String,
    /// per population (index in the network's populations): rows, ascending by node id
    pub populations: Vec<(usize, Vec<u32>)>,
    pub start_ms: Option<f64>,
    pub end_ms: Option<f64>,
    pub dt_ms: Option<f64>,
}

/// Where and how often a report samples, on the engine's grid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReportGrid {
    pub grid: SampleGrid,
    /// time of the first sample (ms) and the interval (ms)
    pub first_ms: f64,
    pub dt_ms: f64,
    pub frames: usize,
}

fn bad(report: &str, message: impl Into<String>) -> SimError {
    SimError::BadReport {
        report: report.to_string(),
        message: message.into(),
    }
}

impl VmReportSpec {
    /// The sample grid of a run of `tstop_ms` at resolution `res`: NEST's multimeter with
    /// `interval`, `start`, `stop`, which must lie on the grid as NEST requires.
    pub fn grid(&self, res: &Resolution, tstop_ms: f64) -> SimResult<ReportGrid> {
        let steps = |what: &str, t: f64| -> SimResult<u64> {
            res.grid_steps(t).map(|s| s as u64).ok_or_else(|| {
                bad(
                    &self.name,
                    format!(
                        "{what} = {t} ms is not a non-negative multiple of the resolution {} ms",
                        res.dt()
                    ),
                )
            })
        };
        let dt_ms = self.dt_ms.unwrap_or(res.dt());
        let interval = steps("dt", dt_ms)?;
        if interval == 0 {
            return Err(bad(&self.name, "dt must be positive"));
        }
        let start = steps("start_time", self.start_ms.unwrap_or(0.0))?;
        let run_end = res.ms_to_steps(tstop_ms).max(0) as u64;
        let stop = match self.end_ms {
            Some(t) => steps("end_time", t)?.min(run_end),
            None => run_end,
        };
        let grid = SampleGrid {
            interval,
            start,
            stop,
        };
        let frames = grid.count(0, run_end);
        let first = grid.stamps_in(0, run_end).next().ok_or_else(|| {
            bad(
                &self.name,
                format!(
                    "no sample between start_time {} ms and end_time {} ms every {dt_ms} ms",
                    res.steps_to_ms(start as i64),
                    res.steps_to_ms(stop as i64)
                ),
            )
        })?;
        Ok(ReportGrid {
            grid,
            first_ms: res.steps_to_ms(first as i64),
            dt_ms: res.steps_to_ms(interval as i64),
            frames,
        })
    }

    pub fn neurons(&self) -> usize {
        self.populations.iter().map(|(_, r)| r.len()).sum()
    }
}

fn number(report: &ReportConfig, keys: [&str; 2]) -> SimResult<Option<f64>> {
    for key in keys {
        if let Some(v) = report.raw.get(key) {
            return v
                .as_f64()
                .map(Some)
                .ok_or_else(|| bad(&report.name, format!("{key} must be a number (ms)")));
        }
    }
    Ok(None)
}

fn variable(report: &ReportConfig) -> SimResult<String> {
    let names: Vec<&str> = match report.raw.get("variable_name") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        Some(_) => return Err(bad(&report.name, "variable_name must be a string")),
        None => {
            return Err(bad(
                &report.name,
                "no variable_name (the engine records V_m)",
            ));
        }
    };
    match names.as_slice() {
        [one] => Ok((*one).to_string()),
        _ => Err(bad(
            &report.name,
            format!("one variable per report, not {names:?}"),
        )),
    }
}

/// Rows of each simulated population that a report's `cells` select.
fn cells(
    circuit: &Circuit,
    report: &ReportConfig,
    pops: &[Population],
) -> SimResult<Vec<(usize, Vec<u32>)>> {
    let set = report
        .cells
        .clone()
        .unwrap_or_else(|| Value::String("all".into()));
    let described = match &set {
        Value::String(name) => {
            let known = name == "all"
                || circuit
                    .node_sets
                    .as_ref()
                    .is_some_and(|ns| ns.contains(name))
                || circuit.nodes.iter().any(|p| p.name == *name);
            if !known {
                return Err(bad(
                    &report.name,
                    format!("cells: no node set or population named '{name}'"),
                ));
            }
            format!("node set '{name}'")
        }
        Value::Object(_) => format!("cells {set}"),
        _ => {
            return Err(bad(
                &report.name,
                "cells must be a node-set name or a node-set object",
            ));
        }
    };
    let mut out = Vec::new();
    for (p, pop) in pops.iter().enumerate() {
        let np = circuit.node_population(&pop.name)?;
        let rows = node_set_rows(circuit, &set, np)?;
        if !rows.is_empty() {
            out.push((p, rows));
        }
    }
    if out.is_empty() {
        return Err(bad(
            &report.name,
            format!(
                "{described} selects no simulated neuron (virtual nodes are spike sources, without V_m)"
            ),
        ));
    }
    Ok(out)
}

/// The membrane reports of the config, checked and resolved; other reports are listed in
/// `warnings` and ignored.
pub fn vm_reports(
    circuit: &Circuit,
    reports: &[ReportConfig],
    pops: &[Population],
    spikes_file: Option<&Path>,
    warnings: &mut Vec<String>,
) -> SimResult<Vec<VmReportSpec>> {
    let mut out: Vec<VmReportSpec> = Vec::new();
    for report in reports.iter().filter(|r| r.enabled) {
        let module = report.module.as_deref().or_else(|| {
            (report.raw.get("type").and_then(Value::as_str) == Some("compartment"))
                .then_some("membrane_report")
        });
        match module {
            Some(m) if MODULES.contains(&m) => {}
            Some(m) => {
                warnings.push(format!(
                    "report '{}': module '{m}' is not supported (membrane reports are: {}); ignored",
                    report.name,
                    MODULES.join(", ")
                ));
                continue;
            }
            None => {
                return Err(bad(
                    &report.name,
                    format!("no module (one of {})", MODULES.join(", ")),
                ));
            }
        }
        let variable = variable(report)?;
        // BMTK PointNet ignores `sections` (its own 300_pointneurons example says
        // "multimeter_report" there); a point neuron is recorded at its soma whatever it says.
        match report.sections.as_deref() {
            None | Some("soma") | Some("all") => {}
            Some(s) => warnings.push(format!(
                "report '{}': sections '{s}' ignored (a point neuron is recorded at its soma)",
                report.name
            )),
        }
        let populations = cells(circuit, report, pops)?;
        if !VARIABLES.contains(&variable.as_str()) {
            let (p, rows) = &populations[0];
            let pop = &pops[*p];
            let model = rows
                .first()
                .and_then(|&r| pop.model_of.get(r as usize))
                .and_then(|&m| pop.models.get(m as usize))
                .map_or("?", |m| m.name());
            return Err(bad(
                &report.name,
                format!(
                    "variable '{variable}' is not recorded from {model} (population '{}'); the engine records {}",
                    pop.name,
                    VARIABLES.join(", ")
                ),
            ));
        }
        if spikes_file == Some(report.file.as_path()) {
            return Err(bad(
                &report.name,
                format!("{} is also the spikes file", report.file.display()),
            ));
        }
        if let Some(other) = out.iter().find(|o| o.file == report.file) {
            return Err(bad(
                &report.name,
                format!(
                    "{} is also the file of report '{}'",
                    report.file.display(),
                    other.name
                ),
            ));
        }
        out.push(VmReportSpec {
            name: report.name.clone(),
            file: report.file.clone(),
            variable,
            populations,
            start_ms: number(report, ["start_time", "tstart"])?,
            end_ms: number(report, ["end_time", "tstop"])?,
            dt_ms: number(report, ["dt", "interval"])?,
        });
    }
    Ok(out)
}
