//! `cortexview render`: a session's story, or a quick movie from flags, to an mp4 (streamed into
//! ffmpeg when it is on the PATH) or PNG frames.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::view::camera::CameraPreset;
use crate::view::capture::layout::Layout;
use crate::view::capture::movie_writer::{MovieFormat, have_ffmpeg};
use crate::view::capture::{self, RenderOptions};
use crate::view::morphologies::Lod;
use crate::view::scene::Style;

#[derive(Args, Debug)]
pub struct RenderArgs {
    /// A session (`*.cvsession.json`: its story, or its single frame), or a config, a folder
    /// holding one, or an h5 file (a quick movie from the flags below).
    pub path: PathBuf,
    /// Extra spike files (SONATA h5 or csv), besides the config's.
    #[arg(long)]
    pub spikes: Vec<PathBuf>,
    /// Model time of the first frame, ms.
    #[arg(long, default_value_t = 0.0)]
    pub t0: f64,
    /// Model time of the last frame, ms (default: one frame at --t0).
    #[arg(long)]
    pub t1: Option<f64>,
    /// Movie frames per second (default 30; a session: its story's).
    #[arg(long)]
    pub fps: Option<f64>,
    /// Model ms per movie second.
    #[arg(long, default_value_t = 100.0)]
    pub speed: f64,
    #[arg(long, default_value_t = 1280)]
    pub width: u32,
    #[arg(long, default_value_t = 720)]
    pub height: u32,
    /// Only frames A to B (a range A..B, end excluded, or A..=B), e.g. to render a story in
    /// parts; they keep their numbers.
    #[arg(long, value_parser = parse_frames)]
    pub frames: Option<std::ops::Range<u64>>,
    /// auto (an mp4 when ffmpeg is on the PATH and there is more than one frame, else PNG
    /// frames), png, mp4 (H.264), lossless (movie.mkv, H.264 RGB crf 0).
    #[arg(long, default_value = "auto")]
    pub format: String,
    /// Panels around the 3D view: 3d, 3d+raster, 3d+rates, 3d+raster+rates, 3d+raster+probe,
    /// or a grid as JSON (see docs/movies.md); a session: its own layout.
    #[arg(long)]
    pub layout: Option<String>,
    /// A title band across the top of each frame.
    #[arg(long)]
    pub title: Option<String>,
    /// Selection of the neurons drawn, e.g. "population == v1 && layer == L4".
    #[arg(long)]
    pub select: Option<String>,
    /// population, type, activity (firing rate), report (the first voltage report's value at
    /// each frame's time), an attribute name, or #rrggbb.
    #[arg(long)]
    pub color_by: Option<String>,
    /// Colormap of a continuous colouring: viridis, magma, inferno, plasma, cividis, turbo,
    /// coolwarm, rdbu, grays.
    #[arg(long, value_parser = parse_colormap)]
    pub colormap: Option<crate::view::colors::Colormap>,
    /// Keep the neurons whose soma lies in a slab: normal, centre (µm) and thickness (µm),
    /// e.g. 0,0,1,0,0,0,50 for a 50 µm slice across z.
    #[arg(long, value_name = "NX,NY,NZ,CX,CY,CZ,T", value_parser = crate::view::cuts::model::parse_slab, allow_hyphen_values = true)]
    pub slab: Option<crate::session::Slab>,
    /// Keep the side of a plane its normal points to (repeatable): normal and a point (µm).
    #[arg(long, value_name = "NX,NY,NZ,PX,PY,PZ", value_parser = crate::view::cuts::model::parse_clip, allow_hyphen_values = true)]
    pub clip: Vec<crate::session::ClipPlane>,
    /// soma (spheres), morphology (tubes) or morphology_line: how the selected neurons are
    /// drawn; cells without a morphology file stay spheres.
    #[arg(long, default_value = "soma", value_parser = parse_style)]
    pub style: Style,
    /// Level of detail of morphologies: auto (budgets and distance), tubes, lines, somata.
    #[arg(long, default_value = "auto", value_parser = parse_lod)]
    pub lod: Lod,
    /// orbit (turns once around over the frames), front, side or top.
    #[arg(long, default_value = "orbit")]
    pub camera: CameraPreset,
    /// Fade time constant of a spike flash, ms.
    #[arg(long, default_value_t = 8.0)]
    pub tau: f64,
    /// Draw virtual (input) populations too.
    #[arg(long)]
    pub virtual_nodes: bool,
    /// No time stamp, legend or scale bar.
    #[arg(long)]
    pub no_overlay: bool,
    /// Draw a Neuropixels probe (np1, np2, np2-4shank) down through the circuit, its sites
    /// glowing with the spikes they hear.
    #[arg(long, value_parser = parse_probe)]
    pub probe: Option<crate::probe::ProbeKind>,
    /// Most frames rendered: more are refused before anything is drawn (each frame is
    /// written as soon as it is made; the limit guards against a mistyped time span).
    #[arg(long, default_value_t = crate::view::capture::MAX_FRAMES)]
    pub max_frames: u64,
    /// Print "frame K/N" on stdout as frames are written, and stop when stdin says "cancel" or
    /// closes (for a program driving the render).
    #[arg(long, hide = true)]
    pub progress_lines: bool,
    /// Output folder for frame_NNNNN.png or movie.mp4.
    #[arg(long)]
    pub out: PathBuf,
}

/// `A..B` (B excluded) or `A..=B`.
fn parse_frames(s: &str) -> Result<std::ops::Range<u64>, String> {
    let bad = || format!("'{s}' is not a frame range A..B or A..=B (frame numbers from 0)");
    let (a, b) = s.split_once("..").ok_or_else(bad)?;
    let (b, inclusive) = match b.strip_prefix('=') {
        Some(b) => (b, true),
        None => (b, false),
    };
    let a: u64 = a.trim().parse().map_err(|_| bad())?;
    let b: u64 = b.trim().parse().map_err(|_| bad())?;
    let end = if inclusive { b + 1 } else { b };
    if end <= a {
        return Err(format!("frame range '{s}' is empty"));
    }
    Ok(a..end)
}

fn parse_probe(s: &str) -> Result<crate::probe::ProbeKind, String> {
    crate::probe::ProbeKind::parse(s)
        .ok_or_else(|| format!("'{s}' is not one of np1, np2, np2-4shank"))
}

fn parse_colormap(s: &str) -> Result<crate::view::colors::Colormap, String> {
    crate::view::colors::Colormap::parse(s).ok_or_else(|| {
        format!(
            "'{s}' is not one of {}",
            crate::view::colors::Colormap::names()
        )
    })
}

fn parse_style(s: &str) -> Result<Style, String> {
    Style::parse(s).ok_or_else(|| {
        let names: Vec<&str> = Style::ALL.iter().map(|s| s.name()).collect();
        format!("'{s}' is not one of {}", names.join(", "))
    })
}

fn parse_lod(s: &str) -> Result<Lod, String> {
    Lod::ALL
        .into_iter()
        .find(|l| l.name() == s)
        .ok_or_else(|| format!("'{s}' is not one of auto, tubes, lines, somata"))
}

pub fn run(args: &RenderArgs) -> anyhow::Result<()> {
    if crate::session::is_session_path(&args.path) {
        return super::render_session::run(args);
    }
    let layout = Layout::parse(
        args.layout
            .as_deref()
            .map(layout_value)
            .transpose()?
            .as_ref(),
    )?;
    let fps = args.fps.unwrap_or(30.0);
    let opts = RenderOptions {
        width: args.width,
        height: args.height,
        t0: args.t0,
        t1: args.t1,
        fps,
        speed: args.speed,
        select: args.select.clone(),
        color_by: args.color_by.clone(),
        colormap: args.colormap,
        slab: args.slab,
        clip: args.clip.clone(),
        camera: args.camera,
        tau_ms: args.tau,
        show_virtual: args.virtual_nodes,
        overlay: !args.no_overlay,
        style: args.style,
        lod: Some(args.lod),
        probe: args.probe,
        out: Some(args.out.clone()),
        progress: !args.progress_lines,
        progress_lines: args.progress_lines,
        max_frames: args.max_frames,
        layout,
        title: args.title.clone(),
        cancel: cancel_on_stdin(args.progress_lines),
        ..RenderOptions::default()
    };
    let plan = opts.frame_plan()?;
    let range = frame_range(args.frames.clone(), plan.count)?;
    let opts = RenderOptions {
        format: output_format(&args.format, range.end - range.start)?,
        ..opts
    };
    let spikes: Vec<&std::path::Path> = args.spikes.iter().map(PathBuf::as_path).collect();
    let scene = crate::view::scene::Scene::open(&args.path, &spikes)?;
    let setups = plan.preset_setups(opts.camera, range.clone());
    let out = capture::render_setups(
        scene,
        &opts,
        plan.plots_window(),
        range.end - range.start,
        setups,
    )?;
    report(&out, &args.out);
    Ok(())
}

/// With `--progress-lines` (a program drives the render): a flag set when stdin says
/// `cancel` or closes, so that the render stops between frames and removes its partial movie.
pub fn cancel_on_stdin(watch: bool) -> Option<std::sync::Arc<std::sync::atomic::AtomicBool>> {
    use std::io::BufRead;
    if !watch {
        return None;
    }
    let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let set = flag.clone();
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        for line in stdin.lock().lines() {
            match line {
                Ok(l) if l.trim() == "cancel" => break,
                Ok(_) => {}
                Err(_) => break,
            }
        }
        set.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    Some(flag)
}

/// A layout flag: a name, or a grid as JSON.
pub fn layout_value(s: &str) -> anyhow::Result<serde_json::Value> {
    if s.trim_start().starts_with('{') {
        serde_json::from_str(s).context("--layout: the grid is not valid JSON")
    } else {
        Ok(serde_json::Value::String(s.to_owned()))
    }
}

/// The frames asked for within `count`.
pub fn frame_range(
    frames: Option<std::ops::Range<u64>>,
    count: u64,
) -> anyhow::Result<std::ops::Range<u64>> {
    let range = frames.unwrap_or(0..count);
    if range.start >= count {
        anyhow::bail!(
            "--frames {}..{}: the movie has frames 0..{count}",
            range.start,
            range.end
        );
    }
    Ok(range.start..range.end.min(count))
}

/// What `--format` asks for, with `auto` decided by ffmpeg's presence and the frame count.
pub fn output_format(name: &str, frames: u64) -> anyhow::Result<MovieFormat> {
    let format = match name {
        "auto" if frames > 1 && have_ffmpeg() => MovieFormat::Mp4,
        "auto" => {
            if frames > 1 {
                eprintln!("ffmpeg is not on the PATH: PNG frames, no movie");
            }
            MovieFormat::Png
        }
        other => MovieFormat::parse(other)
            .with_context(|| format!("--format {other} is not one of auto, png, mp4, lossless"))?,
    };
    if format != MovieFormat::Png && !have_ffmpeg() {
        anyhow::bail!("--format {name} needs ffmpeg on the PATH (or --format png)");
    }
    Ok(format)
}

/// What was written, on stdout; notes and the adapter on stderr.
pub fn report(out: &capture::RenderOutput, dir: &std::path::Path) {
    for note in &out.notes {
        eprintln!("note: {note}");
    }
    eprintln!("adapter: {}", out.adapter);
    let fps = out.frame_count as f64 / out.frames_time.as_secs_f64().max(1e-9);
    match &out.movie {
        Some(movie) => println!(
            "{} frame(s) in {} ({fps:.2} frames/s; {} of {} neurons drawn)",
            out.frame_count,
            movie.display(),
            out.visible,
            out.total
        ),
        None => println!(
            "{} frame(s) in {} ({fps:.2} frames/s; {} of {} neurons drawn)",
            out.frame_count,
            dir.display(),
            out.visible,
            out.total
        ),
    }
}
