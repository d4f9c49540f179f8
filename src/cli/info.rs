//! `cortexview info PATH [--json]`.

use std::io::Write as _;
use std::path::Path;

use crate::morphology::{Morphology, h5::is_morphology_h5};
use crate::sonata::{Circuit, info::Info};

pub fn run(path: &Path, json: bool) -> anyhow::Result<()> {
    if is_morphology_path(path) {
        return morphology_info(path, json);
    }
    let circuit = Circuit::open(path)?;
    let info = Info::of(&circuit)?;
    for warning in circuit.warnings() {
        eprintln!("warning: {warning}");
    }
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &info)?;
        writeln!(out)?;
    } else {
        write!(out, "{}", info.to_text())?;
    }
    Ok(())
}

/// An SWC file, or an h5 file with MorphIO's `/points` and `/structure`.
fn is_morphology_path(path: &Path) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("swc") => true,
        Some("h5") => path.is_file() && is_morphology_h5(path),
        _ => false,
    }
}

fn morphology_info(path: &Path, json: bool) -> anyhow::Result<()> {
    let morphology = Morphology::load(path)?;
    let stats = morphology.stats();
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &stats)?;
        writeln!(out)?;
    } else {
        writeln!(out, "morphology {}", path.display())?;
        write!(out, "{}", stats.to_text())?;
    }
    for warning in &morphology.warnings {
        eprintln!("warning: {warning}");
    }
    Ok(())
}
