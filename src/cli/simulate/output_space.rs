//! Output sizes estimated before a run, against the free space of the folders they go to: a
//! run whose reports cannot fit (a `tstop` of 1e12 ms is petabytes of V_m) is refused up front,
//! with the numbers, instead of failing hours later with a half-written file.
use std::path::{Path, PathBuf};

use crate::sim::reports::{ReportGrid, VmReportSpec};

/// One output file and its estimated size.
#[derive(Debug, Clone)]
pub(super) struct PlannedOutput {
    pub what: String,
    pub path: PathBuf,
    pub bytes: u128,
    /// how the size was reckoned, for the message
    pub reckoning: String,
}

/// A V_m report: f32 frames of its neurons, plus its mapping (node ids, index pointers).
pub(super) fn report_output(spec: &VmReportSpec, grid: &ReportGrid) -> PlannedOutput {
    let neurons = spec.neurons() as u128;
    let frames = grid.frames as u128;
    PlannedOutput {
        what: format!("report '{}'", spec.name),
        path: spec.file.clone(),
        bytes: frames * neurons * 4 + neurons * 24,
        reckoning: format!("{frames} frames x {neurons} neurons x 4 bytes"),
    }
}

/// Bytes in the units people read (kB = 1000 bytes, as disk sizes are given).
pub(super) fn human_bytes(b: u128) -> String {
    const UNITS: [&str; 7] = ["bytes", "kB", "MB", "GB", "TB", "PB", "EB"];
    let mut x = b as f64;
    let mut unit = 0;
    while x >= 1000.0 && unit + 1 < UNITS.len() {
        x /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{b} bytes")
    } else {
        format!("{x:.1} {}", UNITS[unit])
    }
}

/// The nearest folder of `path` that exists (the output folder may not exist yet).
fn existing_folder(path: &Path) -> PathBuf {
    let mut dir = path.parent().unwrap_or(Path::new("."));
    loop {
        if dir.as_os_str().is_empty() {
            return PathBuf::from(".");
        }
        if dir.is_dir() {
            return dir.to_owned();
        }
        match dir.parent() {
            Some(p) => dir = p,
            None => return dir.to_owned(),
        }
    }
}

/// Refuses the run when the outputs going to a folder need more than its free space. Where the
/// free space cannot be read (a file system that does not say), a warning says the check was
/// skipped.
pub(super) fn check_free_space(
    outputs: &[PlannedOutput],
    warnings: &mut Vec<String>,
) -> anyhow::Result<()> {
    let mut by_folder: Vec<(PathBuf, Vec<&PlannedOutput>)> = Vec::new();
    for o in outputs {
        let dir = existing_folder(&o.path);
        match by_folder.iter_mut().find(|(d, _)| *d == dir) {
            Some((_, v)) => v.push(o),
            None => by_folder.push((dir, vec![o])),
        }
    }
    for (dir, files) in by_folder {
        let needed: u128 = files.iter().map(|o| o.bytes).sum();
        let free = match fs4::available_space(&dir) {
            Ok(b) => b as u128,
            Err(e) => {
                warnings.push(format!(
                    "the free space of {} cannot be read ({e}): the outputs ({}) were not checked against it",
                    dir.display(),
                    human_bytes(needed)
                ));
                continue;
            }
        };
        if needed > free {
            let list: Vec<String> = files
                .iter()
                .map(|o| {
                    format!(
                        "{} {} ({}: {})",
                        o.what,
                        o.path.display(),
                        human_bytes(o.bytes),
                        o.reckoning
                    )
                })
                .collect();
            anyhow::bail!(
                "the outputs need {} but {} has {} free: {}; shorten the run (run.tstop), sample less often (the report's dt) or record fewer cells",
                human_bytes(needed),
                dir.display(),
                human_bytes(free),
                list.join("; ")
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_read_them() {
        assert_eq!(human_bytes(999), "999 bytes");
        assert_eq!(human_bytes(1_500), "1.5 kB");
        assert_eq!(human_bytes(2_000_000_000_000_000), "2.0 PB");
    }

    #[test]
    fn what_cannot_fit_is_refused_with_the_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let huge = PlannedOutput {
            what: "report 'v'".into(),
            path: dir.path().join("output/v.h5"),
            bytes: 1 << 80,
            reckoning: "many frames".into(),
        };
        let err = check_free_space(&[huge], &mut Vec::new())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("v.h5") && err.contains("free") && err.contains("many frames"),
            "{err}"
        );
        let small = PlannedOutput {
            what: "report 'v'".into(),
            path: dir.path().join("output/v.h5"),
            bytes: 1000,
            reckoning: String::new(),
        };
        let mut warnings = Vec::new();
        check_free_space(&[small], &mut warnings).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
    }
}
