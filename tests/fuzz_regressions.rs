//! The inputs coverage-guided fuzzing found to crash, hang or blow up a parser (minimised, in
//! `fuzz/regressions/<target>/`) and the seed corpora (`fuzz/corpus/<target>/`), replayed
//! through the fuzz targets' own entry points (`fuzz/src/entry.rs`), so that CI checks them
//! without the fuzzer: each input must return (an error is fine), within a time limit.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

#[path = "../fuzz/src/entry.rs"]
#[allow(dead_code)]
mod entry;

/// One input taking longer than this is a hang (the fuzzer's own limit is 10 s).
const TIME_LIMIT: Duration = Duration::from_secs(30);

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|e| e.expect("directory entry").path())
            .filter(|p| p.is_file())
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    files
}

/// Runs `input` through `run` on its own thread: `None` when it returned, else what went wrong.
fn replay(run: entry::Target, input: Vec<u8>) -> Option<String> {
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        let outcome = std::panic::catch_unwind(|| run(&input));
        let _ = done.send(outcome.err().map(|payload| {
            payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "a panic".to_string())
        }));
    });
    match finished.recv_timeout(TIME_LIMIT) {
        Ok(None) => None,
        Ok(Some(panic)) => Some(format!("panicked: {panic}")),
        Err(_) => Some(format!("still running after {} s", TIME_LIMIT.as_secs())),
    }
}

#[test]
fn fuzz_regressions_and_seeds_return_without_crashing() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut failures = Vec::new();
    let mut replayed = 0;
    for &(target, run) in entry::TARGETS {
        let seeds = files_in(&fuzz.join("corpus").join(target));
        assert!(
            !seeds.is_empty(),
            "fuzz/corpus/{target} holds no seed input"
        );
        let regressions = files_in(&fuzz.join("regressions").join(target));
        for file in seeds.iter().chain(&regressions) {
            let input = std::fs::read(file).expect("read a fuzz input");
            replayed += 1;
            if let Some(problem) = replay(run, input) {
                failures.push(format!("{target} {}: {problem}", file.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {replayed} fuzz inputs failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    println!("{replayed} fuzz inputs replayed");
}
