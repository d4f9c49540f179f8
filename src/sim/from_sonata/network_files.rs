//! Before building: every file the network needs is there, readable, and was loaded whole.
//! Opening a circuit to view it is tolerant (a missing edges file is a warning and the rest
//! shows); simulating it without that file would simulate another network, so here it is an
//! error naming the file and the config that names it.
use std::path::Path;

use hdf5::types::TypeDescriptor;

use crate::sim::error::{SimError, SimResult};
use crate::sonata::Circuit;
use crate::sonata::config::{CircuitConfig, SimulationConfig};
use crate::sonata::h5util;

/// The file can be opened for reading (not only named).
pub(super) fn require_file(what: &str, path: &Path, named_by: &Path) -> SimResult<()> {
    let missing = |source| SimError::MissingFile {
        what: what.to_string(),
        path: path.to_owned(),
        named_by: named_by.to_owned(),
        source,
    };
    if path.is_dir() {
        return Err(missing(std::io::Error::other("it is a folder")));
    }
    std::fs::File::open(path).map(drop).map_err(missing)
}

/// The circuit's warnings that mention a file, for the error that says it did not load.
fn warnings_about(circuit: &Circuit, path: &Path) -> String {
    let name = path.display().to_string();
    let found: Vec<&str> = circuit
        .warnings
        .iter()
        .filter(|w| w.contains(&name))
        .map(String::as_str)
        .collect();
    if found.is_empty() {
        String::new()
    } else {
        format!(" ({})", found.join("; "))
    }
}

/// Integer ids must be stored as integers: a float column of ids would be truncated silently.
fn require_integer_ids(
    path: &Path,
    kind: &str,
    population: &str,
    datasets: &[&str],
) -> SimResult<()> {
    let file = h5util::open_file(path)?;
    for name in datasets {
        let object = format!("/{kind}/{population}/{name}");
        let Ok(ds) = file.dataset(&object) else {
            continue;
        };
        let integer = matches!(
            ds.dtype().and_then(|t| t.to_descriptor()),
            Ok(TypeDescriptor::Integer(_) | TypeDescriptor::Unsigned(_))
        );
        if !integer {
            return Err(SimError::BadData {
                path: path.to_owned(),
                message: format!(
                    "'{object}' holds no integers: node and type ids must be integers"
                ),
            });
        }
    }
    Ok(())
}

/// Every population a nodes or edges file holds was loaded from it.
fn require_populations_loaded(
    circuit: &Circuit,
    path: &Path,
    kind: &str,
    loaded: &[&str],
) -> SimResult<()> {
    let names = h5util::population_names(path, kind)?;
    if names.is_empty() {
        return Err(SimError::NotLoaded {
            path: path.to_owned(),
            message: format!("no population under /{kind}"),
        });
    }
    for name in &names {
        if !loaded.contains(&name.as_str()) {
            return Err(SimError::NotLoaded {
                path: path.to_owned(),
                message: format!(
                    "{kind} population '{name}' did not load{}",
                    warnings_about(circuit, path)
                ),
            });
        }
    }
    Ok(())
}

/// Checks that every file the configs name for the network can be read: nodes and edges files,
/// their types tables, the node sets. Run before opening (so the message is the same whatever
/// the data layer tolerates) and again on the opened circuit.
pub(super) fn check_named_files(
    cc: &CircuitConfig,
    sim: Option<&SimulationConfig>,
) -> SimResult<()> {
    if cc.nodes.is_empty() {
        return Err(SimError::Invalid(format!(
            "{}: 'networks.nodes' names no nodes file",
            cc.path.display()
        )));
    }
    for entry in &cc.nodes {
        require_file("nodes_file", &entry.nodes_file, &cc.path)?;
        if let Some(types) = &entry.node_types_file {
            require_file("node_types_file", types, &cc.path)?;
        }
    }
    for entry in cc.edges.iter().filter(|e| e.enabled) {
        require_file("edges_file", &entry.edges_file, &cc.path)?;
        if let Some(types) = &entry.edge_types_file {
            require_file("edge_types_file", types, &cc.path)?;
        }
    }
    let node_sets = sim
        .and_then(|s| s.node_sets_file.as_ref().map(|f| (f, &s.path)))
        .or(cc.node_sets_file.as_ref().map(|f| (f, &cc.path)));
    if let Some((file, named_by)) = node_sets {
        require_file("node_sets_file", file, named_by)?;
    }
    Ok(())
}

/// Checks the files of the opened circuit's network and that each loaded whole: every
/// population of every nodes and edges file, with integer id columns.
pub(super) fn check_network_files(circuit: &Circuit) -> SimResult<()> {
    let cc = circuit.circuit_config.as_ref().ok_or_else(|| {
        SimError::Invalid(format!(
            "{}: the config describes no network (no circuit config with 'networks')",
            circuit.source.display()
        ))
    })?;
    check_named_files(cc, circuit.simulation.as_ref())?;
    for entry in &cc.nodes {
        let loaded: Vec<&str> = circuit
            .nodes
            .iter()
            .filter(|p| p.file == entry.nodes_file)
            .map(|p| p.name.as_str())
            .collect();
        require_populations_loaded(circuit, &entry.nodes_file, "nodes", &loaded)?;
    }
    for entry in cc.edges.iter().filter(|e| e.enabled) {
        let loaded: Vec<&str> = circuit
            .edges
            .iter()
            .filter(|p| p.file == entry.edges_file)
            .map(|p| p.name.as_str())
            .collect();
        require_populations_loaded(circuit, &entry.edges_file, "edges", &loaded)?;
        for name in &loaded {
            require_integer_ids(
                &entry.edges_file,
                "edges",
                name,
                &["source_node_id", "target_node_id", "edge_type_id"],
            )?;
        }
    }
    Ok(())
}
