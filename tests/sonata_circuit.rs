//! What `Circuit::open` gathers from a simulation config.

use std::path::PathBuf;

use cortexview::sonata::Circuit;

#[test]
fn old_layout_input_spikes_take_the_population_of_their_node_set() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/sonata-examples/300_pointneurons");
    if !dir.exists() {
        println!("skipped: {} is absent", dir.display());
        return;
    }
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
