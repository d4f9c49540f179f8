//! Every malformed input under `tests/data/bad_inputs/<family>/<case>/` gives its clear error
//! or warning, and never a crash, a hang or a memory blow-up.
//!
//! A case is a folder with the input files and a `case.json`:
//! `{"args": ["info", "{dir}/circuit_config.json"], "exit": "error",
//!   "stderr_contains": ["nodes.h5"], "stdout_contains": []}`.
//! The folder is copied to a temporary directory (so a command that writes next to its inputs
//! leaves the repository clean) and `{dir}` in the arguments and in the expected texts becomes
//! that copy. `"exit": "error"` means a non-zero status that is neither a panic nor a signal;
//! `"exit": "ok"` means status 0. Each run is limited in wall-clock time and in address space:
//! going past either is a failure. All failures are reported together.
//!
//! The cases are made by `scripts/bad_inputs/make_<family>.py`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use serde::Deserialize;

/// A run that takes longer than this is a hang.
const TIME_LIMIT: Duration = Duration::from_secs(60);
/// Address-space limit of one run (`ulimit -v`): allocating past it fails, and is reported.
const DEFAULT_MEMORY_LIMIT_MB: u64 = 4096;
/// The exit status of a Rust panic.
const PANIC_STATUS: i32 = 101;
/// How much of stderr a failure report shows.
const STDERR_TAIL_CHARS: usize = 1500;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseSpec {
    args: Vec<String>,
    exit: ExpectedExit,
    #[serde(default)]
    stderr_contains: Vec<String>,
    #[serde(default)]
    stdout_contains: Vec<String>,
    /// Optional: a larger address-space limit for a case whose valid work needs it.
    #[serde(default)]
    memory_limit_mb: Option<u64>,
    /// Optional: what the case is about, for readers of the corpus.
    #[serde(default)]
    #[allow(dead_code)]
    description: Option<String>,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq)]
#[serde(rename_all = "lowercase")]
enum ExpectedExit {
    Ok,
    Error,
}

struct Case {
    /// `<family>/<case>`.
    name: String,
    dir: PathBuf,
}

struct RunResult {
    status: Option<ExitStatus>,
    timed_out: bool,
    stdout: String,
    stderr: String,
}

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bad_inputs")
}

/// Every `<family>/<case>/case.json` under the corpus, sorted by name.
fn find_cases(root: &Path) -> Vec<Case> {
    let mut cases = Vec::new();
    let families = std::fs::read_dir(root)
        .unwrap_or_else(|e| panic!("cannot list the corpus {}: {e}", root.display()));
    for family in families {
        let family = family.expect("corpus entry");
        if !family.path().is_dir() {
            continue;
        }
        let entries = std::fs::read_dir(family.path()).expect("list family");
        for case in entries {
            let case = case.expect("family entry");
            let dir = case.path();
            if dir.join("case.json").is_file() {
                cases.push(Case {
                    name: format!(
                        "{}/{}",
                        family.file_name().to_string_lossy(),
                        case.file_name().to_string_lossy()
                    ),
                    dir,
                });
            }
        }
    }
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    cases
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else if kind.is_symlink() {
            let link = std::fs::read_link(entry.path())?;
            std::os::unix::fs::symlink(link, &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

fn read_all(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Waits for the child up to `limit`, then kills it.
fn wait_with_limit(child: &mut Child, limit: Duration) -> (Option<ExitStatus>, bool) {
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return (Some(status), false),
            Ok(None) if start.elapsed() >= limit => {
                let _ = child.kill();
                return (child.wait().ok(), true);
            }
            Ok(None) => thread::sleep(Duration::from_millis(20)),
            Err(_) => return (None, false),
        }
    }
}

/// Runs cortexview under `ulimit -v` (the shell `exec`s it, so the limit and the pid are its own).
fn run_cortexview(args: &[String], cwd: &Path, memory_limit_mb: u64) -> RunResult {
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(format!("ulimit -v {}; exec \"$@\"", memory_limit_mb * 1024))
        .arg("cortexview")
        .arg(env!("CARGO_BIN_EXE_cortexview"))
        .args(args)
        .current_dir(cwd)
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bash runs");
    let stdout = read_all(child.stdout.take().expect("stdout piped"));
    let stderr = read_all(child.stderr.take().expect("stderr piped"));
    let (status, timed_out) = wait_with_limit(&mut child, TIME_LIMIT);
    RunResult {
        status,
        timed_out,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }
}

fn tail(text: &str, chars: usize) -> &str {
    let count = text.chars().count();
    if count <= chars {
        return text;
    }
    let start = text.char_indices().nth(count - chars).map_or(0, |(i, _)| i);
    &text[start..]
}

fn status_text(status: Option<ExitStatus>) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status {
        Some(s) => match (s.code(), s.signal()) {
            (Some(code), _) => format!("exit status {code}"),
            (None, Some(sig)) => format!("killed by signal {sig}"),
            _ => format!("{s}"),
        },
        None => "no exit status".to_string(),
    }
}

/// What is wrong with one run, or `None` if it did what its case expects.
fn check(spec: &CaseSpec, run: &RunResult, memory_limit_mb: u64) -> Vec<String> {
    let mut problems = Vec::new();
    if run.timed_out {
        problems.push(format!(
            "hung: still running after {} s, killed",
            TIME_LIMIT.as_secs()
        ));
        return problems;
    }
    let memory_exceeded = run.stderr.contains("memory allocation of")
        || run.stderr.contains("out of memory")
        || run.stderr.contains("Cannot allocate memory");
    if memory_exceeded {
        problems.push(format!("exceeded the memory limit of {memory_limit_mb} MB"));
    }
    let code = run.status.and_then(|s| s.code());
    match code {
        None => problems.push(format!("crashed: {}", status_text(run.status))),
        Some(PANIC_STATUS) => problems.push("panicked (exit status 101)".to_string()),
        Some(_) if run.stderr.contains("panicked at") => {
            problems.push("a thread panicked".to_string())
        }
        Some(0) if spec.exit == ExpectedExit::Error => {
            problems.push("exit status 0, an error was expected".to_string())
        }
        Some(c) if c != 0 && spec.exit == ExpectedExit::Ok => {
            problems.push(format!("exit status {c}, success was expected"))
        }
        Some(_) => {}
    }
    for want in &spec.stderr_contains {
        if !run.stderr.contains(want.as_str()) {
            problems.push(format!("stderr lacks {want:?}"));
        }
    }
    for want in &spec.stdout_contains {
        if !run.stdout.contains(want.as_str()) {
            problems.push(format!("stdout lacks {want:?}"));
        }
    }
    problems
}

/// Runs one case in a temporary copy of its folder; the failure report, if any.
fn run_case(case: &Case) -> Option<String> {
    let spec_path = case.dir.join("case.json");
    let spec: CaseSpec = match std::fs::read_to_string(&spec_path)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
    {
        Ok(spec) => spec,
        Err(e) => return Some(format!("{}: bad case.json: {e}", case.name)),
    };
    let tmp = tempfile::tempdir().expect("temporary directory");
    let dir = tmp.path().join("case");
    if let Err(e) = copy_dir(&case.dir, &dir) {
        return Some(format!("{}: cannot copy the case folder: {e}", case.name));
    }
    let dir_text = dir.to_string_lossy().into_owned();
    let substitute = |s: &String| s.replace("{dir}", &dir_text);
    let spec = CaseSpec {
        args: spec.args.iter().map(substitute).collect(),
        stderr_contains: spec.stderr_contains.iter().map(substitute).collect(),
        stdout_contains: spec.stdout_contains.iter().map(substitute).collect(),
        ..spec
    };
    let memory_limit_mb = spec.memory_limit_mb.unwrap_or(DEFAULT_MEMORY_LIMIT_MB);
    let run = run_cortexview(&spec.args, &dir, memory_limit_mb);
    let problems = check(&spec, &run, memory_limit_mb);
    if problems.is_empty() {
        return None;
    }
    Some(format!(
        "{name}: {problems}\n  cortexview {args}\n  {status}\n  stderr tail:\n{stderr}",
        name = case.name,
        problems = problems.join("; "),
        args = spec.args.join(" "),
        status = status_text(run.status),
        stderr = tail(&run.stderr, STDERR_TAIL_CHARS)
            .lines()
            .map(|l| format!("    {l}"))
            .collect::<Vec<_>>()
            .join("\n"),
    ))
}

#[test]
fn every_bad_input_gives_its_clear_error() {
    let cases = find_cases(&corpus_root());
    assert!(
        !cases.is_empty(),
        "no cases under {}",
        corpus_root().display()
    );
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    // A few cases at a time: each is a separate process, most of them short.
    let workers = thread::available_parallelism().map_or(2, |n| n.get().min(4));
    thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(case) = cases.get(i) else { break };
                    if let Some(report) = run_case(case) {
                        failures.lock().expect("failure list").push(report);
                    }
                }
            });
        }
    });
    let mut failures = failures.into_inner().expect("failure list");
    failures.sort();
    assert!(
        failures.is_empty(),
        "{} of {} bad-input cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
    println!("{} bad-input cases passed", cases.len());
}

/// The harness itself can fail: a case expecting an error from a valid command is reported.
#[test]
fn a_case_that_succeeds_where_an_error_is_expected_is_reported() {
    let spec = CaseSpec {
        args: vec!["--version".to_string()],
        exit: ExpectedExit::Error,
        stderr_contains: vec!["never printed".to_string()],
        stdout_contains: vec![],
        memory_limit_mb: None,
        description: None,
    };
    let tmp = tempfile::tempdir().expect("temporary directory");
    let run = run_cortexview(&spec.args, tmp.path(), DEFAULT_MEMORY_LIMIT_MB);
    let problems = check(&spec, &run, DEFAULT_MEMORY_LIMIT_MB);
    assert_eq!(
        problems,
        vec![
            "exit status 0, an error was expected".to_string(),
            "stderr lacks \"never printed\"".to_string()
        ]
    );
}
