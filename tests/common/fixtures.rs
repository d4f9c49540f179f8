//! Inputs that are not part of a fresh clone, and what a test does when one is absent.
//!
//! - the shared fixtures: `../shared/fixtures` next to the checkout, or `$CORTEXVIEW_FIXTURES`;
//! - the peers' cache (networks built by the reference scripts): `$PEERS_DIR`, by default
//!   `~/.cache/cortexview-peers` (as `scripts/setup_peers.sh` makes it).
//!
//! On a developer's machine an absent input skips the test with the reason printed. Under
//! `CI=true` it is a failure: CI must run every test, and a test that skipped there would pass
//! without having checked anything.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Is this a CI run (`CI=true` or `CI=1`, as CI services set it)?
pub fn running_in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// The root of the shared fixtures (it may be absent).
pub fn shared_fixtures() -> PathBuf {
    match std::env::var_os("CORTEXVIEW_FIXTURES") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures"),
    }
}

/// The peers' cache folder (it may be absent).
pub fn peers_dir() -> PathBuf {
    match std::env::var_os("PEERS_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
            .join(".cache/cortexview-peers"),
    }
}

/// `path` when it exists. When it does not: `None` after printing why the test is skipped, or,
/// under `CI=true`, a panic naming the path and `made_by` (what provides it).
pub fn require(path: &Path, made_by: &str) -> Option<PathBuf> {
    if path.exists() {
        return Some(path.to_path_buf());
    }
    absent(&format!(
        "{} is absent (it comes from {made_by})",
        path.display()
    ));
    None
}

/// Something a test needs is not here: print why it is skipped, or, under `CI=true`, fail.
pub fn absent(what: &str) {
    if running_in_ci() {
        panic!("{what}; under CI=true this fails the test instead of skipping it");
    }
    eprintln!("skipped: {what}");
}

/// `<shared fixtures>/<rel>`, or `None` (skipped) / a panic under CI when absent.
pub fn shared_fixture(rel: &str) -> Option<PathBuf> {
    require(
        &shared_fixtures().join(rel),
        "the shared fixtures, ../shared/fixtures or $CORTEXVIEW_FIXTURES",
    )
}
