//! `cortexview nodes PATH --population P [--select EXPR] [--attributes a,b] [--spikes FILE]
//! [--probe KIND --tip X,Y,Z --direction DX,DY,DZ]`: merged per-node attributes as CSV,
//! `node_id` first. Activity terms of the selection read `--spikes` (else the simulation's
//! output spikes), `within R of probe` the probe placed by `--probe`.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

use crate::probe::{ProbeGeometry, ProbeKind};
use crate::sonata::selection_language::{self, SelectionContext};
use crate::sonata::{Circuit, PopulationSpikes, SpikeIndex, read_spikes};

/// What a selection may read besides attributes.
#[derive(Clone, Debug, Default)]
pub struct SelectionInputs {
    /// Spikes files (default: the simulation's output spikes, when it has any).
    pub spikes: Vec<PathBuf>,
    /// A probe (np1, np2, np2-4shank) for `within R of probe`.
    pub probe: Option<String>,
    /// The probe's tip X,Y,Z in µm (default: the centre of the circuit's bottom).
    pub tip: Option<Vec<f64>>,
    /// Insertion direction DX,DY,DZ (default 0,-1,0: down).
    pub direction: Option<Vec<f64>>,
}

/// The spikes a selection reads: the files given, else the circuit's output spikes; `None`
/// when there are none (activity terms then say so).
fn load_spikes(circuit: &Circuit, files: &[PathBuf]) -> anyhow::Result<Option<Vec<SpikeIndex>>> {
    let populations: Vec<PopulationSpikes> = if files.is_empty() {
        circuit
            .spikes
            .iter()
            .filter(|f| f.role == "output")
            .flat_map(|f| f.populations.iter().cloned())
            .collect()
    } else {
        let mut all = Vec::new();
        for file in files {
            all.extend(
                read_spikes(file).with_context(|| format!("reading spikes {}", file.display()))?,
            );
        }
        all
    };
    if files.is_empty() && populations.is_empty() {
        return Ok(None);
    }
    for p in &populations {
        if !circuit.nodes.iter().any(|n| n.name == p.population) {
            eprintln!(
                "warning: spikes of population '{}' match no node population",
                p.population
            );
        }
    }
    Ok(Some(
        populations
            .into_iter()
            .map(SpikeIndex::from_owned)
            .collect(),
    ))
}

/// World positions of the recording sites of the probe `inputs` place.
pub fn probe_sites(
    circuit: &Circuit,
    inputs: &SelectionInputs,
) -> anyhow::Result<Option<Vec<[f64; 3]>>> {
    let Some(name) = &inputs.probe else {
        if inputs.tip.is_some() || inputs.direction.is_some() {
            bail!("--tip and --direction place a probe: give it with --probe np1|np2|np2-4shank");
        }
        return Ok(None);
    };
    let kind = ProbeKind::parse(name)
        .with_context(|| format!("unknown probe '{name}': use np1, np2 or np2-4shank"))?;
    // The units' positions only where the tip must be found from them.
    let positions = match inputs.tip {
        Some(_) => Vec::new(),
        None => super::record::units_of(circuit).positions,
    };
    let placement = super::record::placement_from_flags(
        inputs.tip.as_deref(),
        inputs.direction.as_deref(),
        &positions,
    )?;
    Ok(Some(placement.channel_positions(&ProbeGeometry::new(kind))))
}

pub fn run(
    path: &Path,
    population: Option<&str>,
    select: Option<&str>,
    attributes: Option<&[String]>,
    inputs: &SelectionInputs,
) -> anyhow::Result<()> {
    let circuit = Circuit::open(path)?;
    for warning in circuit.warnings() {
        eprintln!("warning: {warning}");
    }
    let pop = match population {
        Some(name) => circuit.node_population(name)?,
        None => match circuit.nodes.as_slice() {
            [only] => only,
            [] => bail!("{}: holds no node population", path.display()),
            many => bail!(
                "{}: holds several node populations, choose one with --population ({})",
                path.display(),
                many.iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
    };
    let columns: Vec<String> = match attributes {
        Some(names) => {
            for n in names {
                if pop.attribute(n).is_none() && n != "node_id" {
                    bail!(
                        "population '{}' has no attribute '{n}' (attributes: {})",
                        pop.name,
                        pop.attribute_names().collect::<Vec<_>>().join(", ")
                    );
                }
            }
            names.iter().filter(|n| *n != "node_id").cloned().collect()
        }
        None => pop.attribute_names().map(str::to_owned).collect(),
    };
    let mask = match select {
        Some(expr) => {
            let spikes = load_spikes(&circuit, &inputs.spikes)?;
            let sites = probe_sites(&circuit, inputs)?;
            let mut ctx =
                SelectionContext::for_circuit(&circuit).with_probe_sites(sites.as_deref());
            if let Some(spikes) = &spikes {
                ctx = ctx.with_spikes(spikes);
            }
            selection_language::population_mask(expr, &pop.name, &circuit.nodes, &ctx)?
        }
        None => vec![true; pop.len()],
    };
    let mut writer = csv::Writer::from_writer(std::io::stdout().lock());
    let mut header = vec!["node_id".to_owned()];
    header.extend(columns.iter().cloned());
    writer.write_record(&header)?;
    let cols: Vec<_> = columns.iter().filter_map(|c| pop.attribute(c)).collect();
    let mut record: Vec<String> = Vec::with_capacity(header.len());
    for row in (0..pop.len()).filter(|&r| mask[r]) {
        record.clear();
        record.push(pop.node_ids[row].to_string());
        record.extend(cols.iter().map(|c| c.get(row).to_string()));
        writer.write_record(&record)?;
    }
    writer.flush()?;
    Ok(())
}
