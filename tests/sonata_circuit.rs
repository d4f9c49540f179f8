//! What `Circuit::open` gathers from a simulation config.

use std::path::PathBuf;

use cortexview::sonata::Circuit;

#[path = "common/fixtures.rs"]
mod fixtures;

#[test]
fn old_layout_input_spikes_take_the_population_of_their_node_set() {
    let Some(dir) = fixtures::shared_fixture("sonata-examples/300_pointneurons") else {
        return;
    };
    let c = Circuit::open(&dir).unwrap();
    let input = c
        .spikes
        .iter()
        .find(|f| f.role == "input:external_spike_trains")
        .unwrap();
    // The file is /spikes/{gids,timestamps}; the input's node set "external" is
    // {"population": "external"}.
    assert_eq!(input.populations.len(), 1);
    assert_eq!(input.populations[0].population, "external");
    assert_eq!(input.populations[0].len(), 4334);
}

#[test]
fn progress_counts_every_file_the_config_names_and_ends_full() {
    use cortexview::sonata::LoadProgress;
    // Bundled: 2 node files, 2 edge files, 1 input spikes file (always present).
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/v1_like_n300_gzip");
    let progress = LoadProgress::default();
    let c = Circuit::open_with_progress(&dir, &progress).unwrap();
    let cc = c.circuit_config.as_ref().unwrap();
    let files = cc.nodes.len() + cc.edges.len() + c.spikes.len() + c.reports.len();
    assert!(files >= 5, "{files}");
    assert_eq!(progress.counts(), (files, files));
    assert_eq!(progress.fraction(), 1.0);
    assert!(!progress.step().is_empty());
    // A single file is one step.
    let one = LoadProgress::default();
    Circuit::open_with_progress(&cc.nodes[0].nodes_file, &one).unwrap();
    assert_eq!(one.counts(), (1, 1));
}
