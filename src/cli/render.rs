//! `cortexview render`: frames to PNG (and an mp4 when ffmpeg is on the PATH).

use std::path::PathBuf;
use std::process::Command;

use anyhow::Context;
use clap::Args;

use crate::view::camera::CameraPreset;
use crate::view::capture::{self, RenderOptions};
use crate::view::morphologies::Lod;
use crate::view::scene::Style;

#[derive(Args, Debug)]
pub struct RenderArgs {
    /// A config, a folder holding one, or an h5 file.
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
    /// Movie frames per second.
    #[arg(long, default_value_t = 30.0)]
    pub fps: f64,
    /// Model ms per movie second.
    #[arg(long, default_value_t = 100.0)]
    pub speed: f64,
    #[arg(long, default_value_t = 1280)]
    pub width: u32,
    #[arg(long, default_value_t = 720)]
    pub height: u32,
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
    /// Output folder for frame_NNNNN.png (and movie.mp4).
    #[arg(long)]
    pub out: PathBuf,
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
    let opts = RenderOptions {
        width: args.width,
        height: args.height,
        t0: args.t0,
        t1: args.t1,
        fps: args.fps,
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
        progress: true,
        max_frames: args.max_frames,
    };
    let spikes: Vec<&std::path::Path> = args.spikes.iter().map(PathBuf::as_path).collect();
    let out = capture::render(&args.path, &spikes, &opts)?;
    for note in &out.notes {
        eprintln!("note: {note}");
    }
    eprintln!("adapter: {}", out.adapter);
    println!(
        "{} frame(s) in {} ({} of {} neurons drawn)",
        out.frame_count,
        args.out.display(),
        out.visible,
        out.total
    );
    if out.frame_count > 1 {
        encode_mp4(args)?;
    }
    Ok(())
}

fn encode_mp4(args: &RenderArgs) -> anyhow::Result<()> {
    let have_ffmpeg = Command::new("ffmpeg")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_ffmpeg {
        eprintln!("ffmpeg is not on the PATH: frames only, no movie.mp4");
        return Ok(());
    }
    // Encoded beside the frames under a temporary name and renamed when ffmpeg succeeds, so a
    // movie.mp4 that exists is whole (an interrupted encode leaves none).
    let movie = args.out.join("movie.mp4");
    let partial = args.out.join(".movie.partial.mp4");
    let status = Command::new("ffmpeg")
        .args(["-y", "-loglevel", "error", "-framerate"])
        .arg(format!("{}", args.fps))
        .arg("-i")
        .arg(args.out.join("frame_%05d.png"))
        .args([
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-vf",
            "pad=ceil(iw/2)*2:ceil(ih/2)*2",
        ])
        .arg(&partial)
        .status()
        .context("running ffmpeg")?;
    if status.success() {
        std::fs::rename(&partial, &movie)
            .with_context(|| format!("renaming {} to {}", partial.display(), movie.display()))?;
        println!("movie: {}", movie.display());
    } else {
        // best effort: what ffmpeg left is not a movie
        let _ = std::fs::remove_file(&partial);
        eprintln!("ffmpeg failed ({status}): frames only");
    }
    Ok(())
}
