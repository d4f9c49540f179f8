//! The traces panel's data: the active report's values of neurons named
//! `population:node_id`.

use anyhow::Context;

use crate::view::colors::categorical;
use crate::view::plots::traces::TraceLine;
use crate::view::reports::plugin::{Reports, read_trace_values};
use crate::view::scene::Scene;

/// Neurons the traces panel shows when it names none.
const DEFAULT_TRACES: usize = 3;

/// The active report's values of the neurons named `population:node_id` (none named: its
/// first [`DEFAULT_TRACES`]) over `window`.
pub fn report_traces(
    scene: &Scene,
    reports: Option<&Reports>,
    names: &[String],
    window: (f64, f64),
) -> anyhow::Result<Vec<TraceLine>> {
    let entry = reports
        .and_then(Reports::active_entry)
        .context("the scene has no report to draw traces from")?;
    let nodes: Vec<(usize, usize, String)> = if names.is_empty() {
        (0..entry.soma.n_nodes().min(DEFAULT_TRACES))
            .filter_map(|node| {
                let inst = *entry.soma.instances.get(node)?;
                if inst == u32::MAX {
                    return None;
                }
                let id = entry.report.node_ids.get(node)?;
                Some((
                    inst as usize,
                    node,
                    format!("{} {id}", entry.report.population),
                ))
            })
            .collect()
    } else {
        names
            .iter()
            .map(|name| {
                let inst = find_instance(scene, name)?;
                let node = entry
                    .soma
                    .node_of(inst)
                    .with_context(|| format!("{name} is not in the report {}", entry.label))?;
                Ok((inst, node, name.clone()))
            })
            .collect::<anyhow::Result<_>>()?
    };
    nodes
        .into_iter()
        .enumerate()
        .map(|(k, (inst, node, label))| {
            let column = *entry.soma.columns.get(node).context("report column")?;
            let t = read_trace_values(&entry.report, column, window, inst, label.clone())?;
            Ok(TraceLine {
                label,
                color: categorical(k),
                t0: t.t0,
                dt: t.dt,
                values: t.values,
            })
        })
        .collect()
}

/// The instance of `population:node_id`.
fn find_instance(scene: &Scene, name: &str) -> anyhow::Result<usize> {
    let bad = || anyhow::anyhow!("traces: \"{name}\" is not population:node_id");
    let (pop, id) = name.rsplit_once(':').ok_or_else(bad)?;
    let id: u64 = id.trim().parse().map_err(|_| bad())?;
    let sp = scene
        .populations
        .iter()
        .find(|p| p.name == pop.trim())
        .with_context(|| format!("traces: no population \"{pop}\" in the scene"))?;
    let ids = &scene.circuit.nodes[sp.circuit_index].node_ids;
    sp.rows
        .iter()
        .position(|&row| ids.get(row as usize) == Some(&id))
        .map(|i| sp.offset + i)
        .with_context(|| format!("traces: node {id} of {pop} is not drawn"))
}
