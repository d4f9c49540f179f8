//! The export's child process: `cortexview render` on a temporary session, its progress read
//! from its stdout, cancelled through its stdin, and what a cancelled or failed export wrote
//! removed.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::movie_writer::MovieFormat;
use crate::session::Session;

/// A render running as a child process.
pub struct ExportJob {
    pub child: Child,
    pub done: Arc<AtomicU64>,
    pub total: u64,
    pub stderr: Arc<Mutex<String>>,
    pub session: TempSession,
    pub out: PathBuf,
    pub format: MovieFormat,
    /// Frame files present before the export (a cancelled PNG export removes only its own).
    pub frames_before: Vec<PathBuf>,
    /// When Cancel was pressed: the child stops between frames and cleans up after itself;
    /// one that has not ended a while later is killed.
    pub cancelled: Option<std::time::Instant>,
}

/// How long a cancelled render may take to stop before it is killed.
pub const CANCEL_GRACE: std::time::Duration = std::time::Duration::from_secs(20);

/// What the child renders.
pub struct ExportSettings {
    pub out: Option<PathBuf>,
    pub width: u32,
    pub height: u32,
    pub format: MovieFormat,
    pub layout: Option<String>,
}

/// Saves `session` to a temporary file and starts `cortexview render` on it.
pub fn spawn_render(export: &ExportSettings, session: &Session) -> anyhow::Result<ExportJob> {
    use anyhow::Context;
    let out = export.out.clone().context("no output folder chosen")?;
    let file = TempSession::new();
    session
        .save(&file.0)
        .with_context(|| format!("writing {}", file.0.display()))?;
    let total = session.frame_count();
    let exe = std::env::current_exe().context("finding this executable")?;
    let format = match export.format {
        MovieFormat::Png => "png",
        MovieFormat::Mp4 => "mp4",
        MovieFormat::Lossless => "lossless",
    };
    let mut cmd = Command::new(exe);
    cmd.arg("render")
        .arg(&file.0)
        .arg("--out")
        .arg(&out)
        .args(["--width", &export.width.to_string()])
        .args(["--height", &export.height.to_string()])
        .args(["--format", format, "--progress-lines"]);
    if let Some(layout) = &export.layout {
        cmd.args(["--layout", layout]);
    }
    let frames_before = frame_files(&out);
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting cortexview render")?;
    let done = Arc::new(AtomicU64::new(0));
    if let Some(stdout) = child.stdout.take() {
        let done = done.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(k) = line
                    .strip_prefix("frame ")
                    .and_then(|r| r.split('/').next())
                    .and_then(|k| k.parse().ok())
                {
                    done.store(k, Ordering::Relaxed);
                }
            }
        });
    }
    let stderr = Arc::new(Mutex::new(String::new()));
    if let Some(mut err) = child.stderr.take() {
        let stderr = stderr.clone();
        std::thread::spawn(move || {
            let mut s = String::new();
            // Shown when the render fails; a read error only shortens the message.
            let _ = err.read_to_string(&mut s);
            if let Ok(mut e) = stderr.lock() {
                *e = s;
            }
        });
    }
    Ok(ExportJob {
        child,
        done,
        total,
        stderr,
        session: file,
        out,
        format: export.format,
        frames_before,
        cancelled: None,
    })
}

/// The session file handed to the child, removed with the job.
pub struct TempSession(PathBuf);

impl TempSession {
    fn new() -> Self {
        static COUNT: AtomicU64 = AtomicU64::new(0);
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        Self(std::env::temp_dir().join(format!(
            "cortexview-export-{}-{n}.cvsession.json",
            std::process::id()
        )))
    }
}

impl Drop for TempSession {
    fn drop(&mut self) {
        // Best effort: a temporary file left behind is harmless.
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Asks the child to stop (a line on its stdin); it removes its partial movie itself.
pub fn ask_to_cancel(job: &mut ExportJob) {
    use std::io::Write;
    job.cancelled = Some(std::time::Instant::now());
    if let Some(mut stdin) = job.child.stdin.take() {
        // The child also stops when its stdin closes, which dropping it here does.
        let _ = stdin.write_all(b"cancel\n");
    }
}

/// The partial movie, or the frames this export wrote.
pub fn remove_partial(job: &ExportJob) {
    match job.format.file_name() {
        Some(name) => {
            // Best effort: absent when ffmpeg had not started writing.
            let _ = std::fs::remove_file(job.out.join(format!(".{name}.partial")));
        }
        None => {
            for f in frame_files(&job.out) {
                if !job.frames_before.contains(&f) {
                    // Best effort: a frame that cannot be removed stays, named in no message.
                    let _ = std::fs::remove_file(&f);
                }
            }
        }
    }
}

/// `frame_*.png` files in `dir`.
fn frame_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("frame_") && n.ends_with(".png"))
                })
                .collect()
        })
        .unwrap_or_default()
}
