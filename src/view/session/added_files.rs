//! The spike and report files on screen besides the circuit's own (added from the menu, by
//! dropping them, on the command line or by a session): what a saved session lists after the
//! circuit in `"open"`. Read off the scene itself, so that every way of adding a file counts
//! and a new circuit (which drops them) lists none.

use std::path::{Path, PathBuf};

use crate::view::scene::Scene;

/// The spike files, then the report files, added to `scene`, each once, in the order added.
/// The circuit's own (those its config names, or the file opened itself) are not listed.
pub fn added_files(scene: &Scene) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut push = |file: PathBuf| {
        if !files.contains(&file) {
            files.push(file);
        }
    };
    // the circuit's own spikes are labelled "FILE (ROLE)", live ones by a name: neither is a file
    for spikes in &scene.spikes {
        let file = Path::new(&spikes.source);
        if file.is_file() {
            push(file.to_owned());
        }
    }
    let circuit = &scene.circuit;
    let own_report = |file: &Path| {
        file == circuit.source
            || circuit
                .simulation
                .as_ref()
                .is_some_and(|sim| sim.reports.iter().any(|r| r.file == file))
    };
    for report in &circuit.reports {
        if !own_report(&report.file) {
            push(report.file.clone());
        }
    }
    files
}
