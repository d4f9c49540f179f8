//! Where movie frames go, off the drawing thread: PNG files encoded by worker threads, or raw
//! RGBA streamed into ffmpeg's stdin (H.264 mp4, or a lossless mkv). Files are whole or absent:
//! PNGs are renamed into place, a movie is encoded under a temporary name and renamed when
//! ffmpeg succeeds, and removed on an error or when the writer is dropped unfinished.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use anyhow::{Context, bail};
use image::RgbaImage;

use super::png::save_png_whole;

/// What a movie is written as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MovieFormat {
    /// `frame_NNNNN.png` files.
    Png,
    /// `movie.mp4`: H.264, yuv420p, `+faststart` (plays everywhere).
    Mp4,
    /// `movie.mkv`: lossless H.264 in RGB (libx264rgb, crf 0).
    Lossless,
}

impl MovieFormat {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "png" => Some(Self::Png),
            "mp4" | "h264" => Some(Self::Mp4),
            "lossless" => Some(Self::Lossless),
            _ => None,
        }
    }

    /// The movie file's name in the output folder (`None` for PNG frames).
    pub fn file_name(self) -> Option<&'static str> {
        match self {
            Self::Png => None,
            Self::Mp4 => Some("movie.mp4"),
            Self::Lossless => Some("movie.mkv"),
        }
    }
}

/// Whether `ffmpeg` runs.
pub fn have_ffmpeg() -> bool {
    Command::new("ffmpeg")
        .arg("-version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Frames queued per worker before `push` waits (memory stays bounded).
const QUEUE: usize = 3;

type Job = (u64, RgbaImage);

/// Writes frames given in any order; [`MovieWriter::finish`] says whether all were written.
pub struct MovieWriter {
    senders: Vec<SyncSender<Job>>,
    workers: Vec<JoinHandle<anyhow::Result<()>>>,
    failed: Arc<Mutex<Option<String>>>,
    movie: Option<MovieProcess>,
    next_worker: usize,
}

/// The ffmpeg child and its files.
struct MovieProcess {
    child: Child,
    partial: PathBuf,
    path: PathBuf,
    stderr: Option<JoinHandle<String>>,
    finished: bool,
}

impl MovieWriter {
    /// Starts writing frames of `width` x `height` into `dir` (created) at `fps`; the movie
    /// starts with frame `first`.
    pub fn start(
        first: u64,
        dir: &Path,
        format: MovieFormat,
        width: u32,
        height: u32,
        fps: f64,
    ) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let failed: Arc<Mutex<Option<String>>> = Arc::default();
        let mut writer = Self {
            senders: Vec::new(),
            workers: Vec::new(),
            failed: failed.clone(),
            movie: None,
            next_worker: 0,
        };
        match format.file_name() {
            None => {
                let threads = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
                for _ in 0..threads {
                    let (tx, rx) = sync_channel::<Job>(QUEUE);
                    let (dir, failed) = (dir.to_owned(), failed.clone());
                    writer.senders.push(tx);
                    writer
                        .workers
                        .push(std::thread::spawn(move || write_pngs(rx, &dir, &failed)));
                }
            }
            Some(name) => {
                let path = dir.join(name);
                let partial = dir.join(format!(".{name}.partial"));
                let (mut process, stdin) =
                    spawn_ffmpeg(format, &partial, &path, width, height, fps)?;
                let (tx, rx) = sync_channel::<Job>(QUEUE);
                writer.senders.push(tx);
                let failed2 = failed.clone();
                writer.workers.push(std::thread::spawn(move || {
                    stream_frames(rx, stdin, first, &failed2)
                }));
                process.finished = false;
                writer.movie = Some(process);
            }
        }
        Ok(writer)
    }

    /// Queues frame `index` (0-based); waits while the queue is full. An earlier frame that
    /// failed to be written is returned here.
    pub fn push(&mut self, index: u64, image: RgbaImage) -> anyhow::Result<()> {
        self.check()?;
        let n = self.senders.len().max(1);
        let k = self.next_worker % n;
        self.next_worker += 1;
        let Some(tx) = self.senders.get(k) else {
            bail!("the movie writer has no worker");
        };
        if tx.send((index, image)).is_err() {
            self.check()?;
            bail!("the movie writer stopped");
        }
        Ok(())
    }

    fn check(&self) -> anyhow::Result<()> {
        if let Some(why) = self.failed.lock().map_or(None, |f| f.clone()) {
            bail!("{why}");
        }
        Ok(())
    }

    /// Waits for every frame to be written and the movie to be encoded; returns the movie's
    /// path (`None` for PNGs).
    pub fn finish(mut self) -> anyhow::Result<Option<PathBuf>> {
        self.senders.clear();
        let mut first_error = None;
        for w in self.workers.drain(..) {
            let result = w
                .join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("a frame writer panicked")));
            if let Err(e) = result
                && first_error.is_none()
            {
                first_error = Some(e);
            }
        }
        let Some(mut movie) = self.movie.take() else {
            return first_error.map_or(Ok(None), Err);
        };
        if let Some(e) = first_error {
            movie.abandon();
            return Err(e);
        }
        let status = movie.child.wait().context("waiting for ffmpeg")?;
        let log = movie
            .stderr
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        if !status.success() {
            movie.abandon();
            bail!("ffmpeg failed ({status}): {}", log.trim());
        }
        std::fs::rename(&movie.partial, &movie.path).with_context(|| {
            format!(
                "renaming {} to {}",
                movie.partial.display(),
                movie.path.display()
            )
        })?;
        movie.finished = true;
        Ok(Some(movie.path.clone()))
    }
}

impl Drop for MovieWriter {
    fn drop(&mut self) {
        self.senders.clear();
        if let Some(movie) = &mut self.movie {
            movie.abandon();
        }
    }
}

impl MovieProcess {
    /// Stops ffmpeg and removes what it wrote.
    fn abandon(&mut self) {
        if self.finished {
            return;
        }
        // Best effort: the child may have exited already; the partial file is what matters.
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.partial);
        self.finished = true;
    }
}

fn spawn_ffmpeg(
    format: MovieFormat,
    partial: &Path,
    path: &Path,
    width: u32,
    height: u32,
    fps: f64,
) -> anyhow::Result<(MovieProcess, ChildStdin)> {
    let mut cmd = Command::new("ffmpeg");
    cmd.args([
        "-y",
        "-loglevel",
        "error",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgba",
    ])
    .args(["-s", &format!("{width}x{height}")])
    .args(["-framerate", &format!("{fps}")])
    .args(["-i", "-"]);
    match format {
        MovieFormat::Mp4 => cmd.args([
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "18",
            "-pix_fmt",
            "yuv420p",
            "-vf",
            "pad=ceil(iw/2)*2:ceil(ih/2)*2",
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
        ]),
        _ => cmd.args([
            "-c:v",
            "libx264rgb",
            "-preset",
            "veryfast",
            "-crf",
            "0",
            "-f",
            "matroska",
        ]),
    };
    cmd.arg(partial)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .with_context(|| format!("starting ffmpeg to write {}", path.display()))?;
    let stdin = child.stdin.take().context("ffmpeg's stdin")?;
    let stderr = child.stderr.take().map(|mut e| {
        std::thread::spawn(move || {
            let mut s = String::new();
            // What ffmpeg said is only shown when it fails; a read error leaves it short.
            let _ = e.read_to_string(&mut s);
            s
        })
    });
    Ok((
        MovieProcess {
            child,
            partial: partial.to_owned(),
            path: path.to_owned(),
            stderr,
            finished: false,
        },
        stdin,
    ))
}

fn note_failure(failed: &Mutex<Option<String>>, why: &anyhow::Error) {
    if let Ok(mut f) = failed.lock()
        && f.is_none()
    {
        *f = Some(format!("{why:#}"));
    }
}

fn write_pngs(rx: Receiver<Job>, dir: &Path, failed: &Mutex<Option<String>>) -> anyhow::Result<()> {
    for (k, image) in rx {
        if let Err(e) = save_png_whole(&image, &dir.join(format!("frame_{k:05}.png"))) {
            note_failure(failed, &e);
            return Err(e);
        }
    }
    Ok(())
}

/// Writes frames to ffmpeg in index order (frames may arrive out of order).
fn stream_frames(
    rx: Receiver<Job>,
    mut stdin: ChildStdin,
    first: u64,
    failed: &Mutex<Option<String>>,
) -> anyhow::Result<()> {
    let mut waiting: BTreeMap<u64, RgbaImage> = BTreeMap::new();
    let mut expected = first;
    for (k, image) in rx {
        waiting.insert(k, image);
        while let Some(image) = waiting.remove(&expected) {
            if let Err(e) = stdin.write_all(image.as_raw()) {
                let e = anyhow::Error::new(e).context("writing a frame to ffmpeg");
                note_failure(failed, &e);
                return Err(e);
            }
            expected += 1;
        }
    }
    if let Some(k) = waiting.keys().next() {
        let e = anyhow::anyhow!("frame {k} came without frame {expected} before it");
        note_failure(failed, &e);
        return Err(e);
    }
    Ok(())
}
