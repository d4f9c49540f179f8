//! `cortexview info PATH [--json]`.

use std::io::Write as _;
use std::path::Path;

use crate::sonata::{Circuit, info::Info};

pub fn run(path: &Path, json: bool) -> anyhow::Result<()> {
    let circuit = Circuit::open(path)?;
    let info = Info::of(&circuit)?;
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &info)?;
        writeln!(out)?;
    } else {
        write!(out, "{}", info.to_text())?;
    }
    Ok(())
}
