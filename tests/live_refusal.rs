//! What the engine cannot run is refused with the population and the model named, and the
//! circuit still opens for viewing: biophysical cells (BMTK BioNet runs them) and unknown point
//! models.
#[path = "common/fixtures.rs"]
mod fixtures;

use std::path::Path;

use cortexview::sim::control::LiveModel;
use cortexview::sonata::Circuit;

#[test]
fn biophysical_cells_are_refused_naming_bionet_and_still_open() {
    let Some(dir) = fixtures::shared_fixture("sonata-examples/9_cells") else {
        return;
    };
    let config = dir.join("config.json");
    let err = match LiveModel::open(&config, 1) {
        Ok(_) => panic!("9_cells must be refused"),
        Err(e) => e.to_string(),
    };
    for part in [
        "'cortex'",
        "biophysical",
        "BMTK BioNet",
        "NEURON",
        "MPI",
        "cortexview opens",
    ] {
        assert!(err.contains(part), "'{part}' not in: {err}");
    }
    // the same refusal from simulate --interventions, before anything runs
    let log = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(log.path(), "[]").unwrap();
    let offline =
        cortexview::cli::simulate::simulate_with_interventions(&config, log.path(), 1, None, true);
    assert!(format!("{:#}", offline.err().unwrap()).contains("BMTK BioNet"));
    // viewing is not simulating: the circuit opens
    let circuit = Circuit::open(&config).unwrap();
    let cortex = circuit.nodes.iter().find(|p| p.name == "cortex").unwrap();
    assert!(!cortex.is_empty());
    #[cfg(feature = "viewer")]
    {
        let scene = cortexview::view::scene::Scene::open(&config, &[]).unwrap();
        assert!(scene.populations.iter().any(|p| p.name == "cortex"));
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn an_unknown_point_model_is_refused_naming_population_and_model() {
    let Some(root) = fixtures::shared_fixture("bmtk-examples") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for sub in ["point_450cells", "point_components"] {
        copy_dir(&root.join(sub), &dir.path().join(sub));
    }
    let types = dir
        .path()
        .join("point_450cells/network/internal_node_types.csv");
    let text = std::fs::read_to_string(&types).unwrap();
    assert!(text.contains("nest:iaf_psc_alpha"));
    std::fs::write(
        &types,
        text.replace("nest:iaf_psc_alpha", "nest:hh_psc_alpha"),
    )
    .unwrap();
    let config = dir.path().join("point_450cells/config.simulation.json");
    let err = match LiveModel::open(&config, 1) {
        Ok(_) => panic!("an unknown model must be refused"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("'internal'") && err.contains("nest:hh_psc_alpha"),
        "{err}"
    );
    assert!(Circuit::open(&config).is_ok());
}
