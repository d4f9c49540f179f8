//! `cortexview nodes PATH --population P [--select EXPR] [--attributes a,b]`: merged per-node
//! attributes as CSV, `node_id` first.

use std::path::Path;

use anyhow::bail;

use crate::sonata::{Circuit, selection_language};

pub fn run(
    path: &Path,
    population: Option<&str>,
    select: Option<&str>,
    attributes: Option<&[String]>,
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
            let parsed = selection_language::parse_for(expr, std::slice::from_ref(pop))?;
            selection_language::evaluate(&parsed, pop, circuit.node_sets.as_ref())?
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
