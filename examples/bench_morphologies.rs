//! Rendering ~52,000 morphologies (the size of the Allen V1 model's biophysical core) at each
//! level of detail (a benchmark, not a test).
//!
//! cargo run --release --example bench_morphologies -- [--cells N] [--frames N]
//!   [--width W --height H] [--swc-dir DIR] [--lod auto|tubes|lines|somata] [--png DIR]
//!
//! Synthesises a SONATA network in a temporary folder: N cells in a column 1 mm across and
//! 1 mm deep, cycling through every SWC file under DIR (default `../shared/fixtures`), each
//! turned at random about the vertical axis and tilted a little. Then, for each level of
//! detail (each in its own process, so that memory is that level's alone), opens it with the
//! `morphology` style, builds the meshes, renders N frames off-screen while the camera orbits
//! (waiting for the GPU after each) and prints frames per second, the build time, resident
//! memory and the bytes of the mesh layers.
//!
//! Measured (2026-11-26, lavapipe/llvmpipe 256-bit on 2 shared CPU cores, 1280x720, 52,000 cells
//! from the fixtures' 5 SWC files, 3 frames each; noisy, the cores were shared with builds):
//!
//! | level | drawn | fps | RSS | mesh layers |
//! |---|---|---|---|---|
//! | somata | 52,000 impostors | 5.2-7.5 | 190-200 MiB | 0 |
//! | lines | 24.8 M segments | 0.17-0.40 | 315-360 MiB | 4.1 MiB |
//! | tubes | 531 M triangles + 44 M centre-line segments | 0.01-0.02 | 1.1-2.5 GiB | 9.8 MiB |
//! | auto | 154 tubes + 2,857 lines nearest the centre, 48,989 somata | 3.0-5.1 | 290-360 MiB | 2.2 MiB |
//!
//! Memory above somata is the software rasteriser's (binning of the primitives), not ours: the
//! instanced layers stay under 10 MiB. No GPU was available for this run.
//!
//! On an NVIDIA H200 (2026-11-26, Vulkan, 1280x720, 52,000 cells, 20 frames each): somata 374
//! fps; lines (24.8 M segments) 30 fps; tubes (531 M triangles) 1.9 fps; auto (the GPU budgets:
//! 5,879 tubes = 60 M triangles + 46,121 lines) 28 fps.
//!
//! Layers drawn in Bevy's `Opaque3d` phase instead of a render pass of their own (2026-12-02,
//! release, lavapipe on 2 cores shared with five other builds, 1280x720, 52,000 cells, runs
//! interleaved), fps before / after: somata (15 frames) 3.24, 4.23 / 2.91, 4.46; auto (154
//! tubes, 2,857 lines; 15 frames) 1.64, 1.80 / 1.49, 1.89; lines (24.8 M segments, 5 frames)
//! 0.27, 0.18 / 0.26. Equal within the noise of the shared machine; tubes not run (minutes per
//! frame here).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};
use cortexview::view::camera::CameraPreset;
use cortexview::view::capture::HeadlessViewer;
use cortexview::view::morphologies::{Lod, MorphologyBuild, MorphologySettings};
use cortexview::view::render::meshes::MeshLayers;
use cortexview::view::scene::{Representation, Scene, Style};

struct Args {
    cells: usize,
    frames: usize,
    width: u32,
    height: u32,
    swc_dir: PathBuf,
    lod: Option<Lod>,
    net: Option<PathBuf>,
    /// Folder for one picture per level.
    png: Option<PathBuf>,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        cells: 52_000,
        frames: 5,
        width: 1280,
        height: 720,
        swc_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures"),
        lod: None,
        net: None,
        png: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut val = || it.next().context("a value after the option");
        match a.as_str() {
            "--cells" => args.cells = val()?.parse()?,
            "--frames" => args.frames = val()?.parse()?,
            "--width" => args.width = val()?.parse()?,
            "--height" => args.height = val()?.parse()?,
            "--swc-dir" => args.swc_dir = PathBuf::from(val()?),
            "--net" => args.net = Some(PathBuf::from(val()?)),
            "--png" => args.png = Some(PathBuf::from(val()?)),
            "--lod" => {
                let v = val()?;
                args.lod = Some(
                    Lod::ALL
                        .into_iter()
                        .find(|l| l.name() == v)
                        .with_context(|| format!("--lod {v}: auto, tubes, lines or somata"))?,
                );
            }
            other => bail!("unknown argument {other}"),
        }
    }
    Ok(args)
}

fn swc_files(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let p = entry?.path();
        if p.is_dir() {
            swc_files(&p, out)?;
        } else if p.extension().is_some_and(|e| e.eq_ignore_ascii_case("swc")) {
            out.push(p);
        }
    }
    Ok(())
}

/// A counter-based generator (splitmix64): the same network every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Writes the synthetic network; returns its circuit config.
fn synthesise(dir: &Path, cells: usize, swc_dir: &Path) -> anyhow::Result<(PathBuf, usize)> {
    let mut files = Vec::new();
    swc_files(swc_dir, &mut files)?;
    files.sort();
    if files.is_empty() {
        bail!("no SWC files under {}", swc_dir.display());
    }
    let morph = dir.join("morphologies");
    std::fs::create_dir_all(&morph)?;
    let mut types = String::from("node_type_id model_type morphology\n");
    for (k, f) in files.iter().enumerate() {
        let name = format!("m{k:03}.swc");
        std::fs::copy(f, morph.join(&name))?;
        types.push_str(&format!("{} biophysical {name}\n", 100 + k));
    }
    std::fs::write(dir.join("node_types.csv"), types)?;

    let mut rng = Rng(42);
    let n = cells;
    let (mut x, mut y, mut z) = (Vec::new(), Vec::new(), Vec::new());
    let (mut rx, mut ry, mut rz) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..n {
        // Uniform in a disc of radius 500 µm, depth 0..1000 µm (pia at y = 0).
        let r = 500.0 * rng.next().sqrt();
        let a = std::f64::consts::TAU * rng.next();
        x.push(r * a.cos());
        z.push(r * a.sin());
        y.push(-1000.0 * rng.next());
        rx.push(0.2 * (rng.next() - 0.5));
        ry.push(std::f64::consts::TAU * rng.next());
        rz.push(0.2 * (rng.next() - 0.5));
    }
    let ids: Vec<u64> = (0..n as u64).collect();
    let type_ids: Vec<u64> = (0..n).map(|i| 100 + (i % files.len()) as u64).collect();
    let path = dir.join("nodes.h5");
    let file = hdf5::File::create(&path)?;
    let g = file.create_group("nodes/column")?;
    g.new_dataset_builder().with_data(&ids).create("node_id")?;
    g.new_dataset_builder()
        .with_data(&type_ids)
        .create("node_type_id")?;
    g.new_dataset_builder()
        .with_data(&vec![0u32; n])
        .create("node_group_id")?;
    g.new_dataset_builder()
        .with_data(&ids)
        .create("node_group_index")?;
    let g0 = g.create_group("0")?;
    for (name, v) in [
        ("x", &x),
        ("y", &y),
        ("z", &z),
        ("rotation_angle_xaxis", &rx),
        ("rotation_angle_yaxis", &ry),
        ("rotation_angle_zaxis", &rz),
    ] {
        g0.new_dataset_builder().with_data(v).create(name)?;
    }
    file.flush()?;
    let config = serde_json::json!({
        "components": { "morphologies_dir": morph },
        "networks": { "nodes": [{
            "nodes_file": path,
            "node_types_file": dir.join("node_types.csv"),
        }], "edges": [] }
    });
    let config_path = dir.join("circuit_config.json");
    std::fs::write(&config_path, config.to_string())?;
    Ok((config_path, files.len()))
}

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// One level of detail in this process.
fn run_level(args: &Args, net: &Path, lod: Lod) -> anyhow::Result<()> {
    let rss_before = rss_mib();
    let scene = Scene::open(net, &[])?;
    let reps = vec![Representation {
        style: Style::Morphology,
        ..Default::default()
    }];
    let t = Instant::now();
    let mut v = HeadlessViewer::new(scene, reps, false, args.width, args.height)?;
    v.app.world_mut().resource_mut::<MorphologySettings>().lod = lod;
    v.set_camera(CameraPreset::Orbit, 0.0);
    v.warm_up()?;
    // Once more: the fit now knows the dendrites' extent.
    v.set_camera(CameraPreset::Orbit, 0.0);
    v.warm_up()?;
    let first = t.elapsed().as_secs_f64();
    let (adapter, software) = v.adapter();
    let summary = v.app.world().resource::<MorphologyBuild>().summary.clone();
    let layer_bytes = v.app.world().resource::<MeshLayers>().gpu_bytes();
    let settings = v.app.world().resource::<MorphologySettings>().clone();
    let mut frame_ms = Vec::with_capacity(args.frames);
    for k in 0..args.frames {
        v.set_camera(CameraPreset::Orbit, 0.05 * (k + 1) as f32);
        let t = Instant::now();
        v.step();
        frame_ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    if let Some(dir) = &args.png {
        std::fs::create_dir_all(dir)?;
        let p = dir.join(format!("lod_{}.png", lod.name()));
        v.capture()?
            .save(&p)
            .with_context(|| format!("writing {}", p.display()))?;
    }
    frame_ms.sort_by(f64::total_cmp);
    let median = frame_ms
        .get(frame_ms.len() / 2)
        .copied()
        .unwrap_or(f64::NAN);
    let mean = frame_ms.iter().sum::<f64>() / frame_ms.len().max(1) as f64;
    println!(
        "lod {:<6} | {:>8.2} fps (median {:>9.1} ms, mean {:>9.1} ms, {} frames) | first frame \
         after {:.1} s | RSS {:>7.0} MiB (+{:.0} since start) | mesh layers {:>7.1} MiB | {}{}",
        lod.name(),
        1e3 / median,
        median,
        mean,
        frame_ms.len(),
        first,
        rss_mib(),
        rss_mib() - rss_before,
        layer_bytes as f64 / (1 << 20) as f64,
        summary.describe(),
        if lod == Lod::Auto {
            format!(" | policy: {}", settings.describe())
        } else {
            String::new()
        }
    );
    println!(
        "             adapter {adapter}{}",
        if software { " (software)" } else { "" }
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    if let (Some(lod), Some(net)) = (args.lod, &args.net) {
        return run_level(&args, net, lod);
    }
    let dir = tempfile::tempdir()?;
    let t = Instant::now();
    let (net, unique) = synthesise(dir.path(), args.cells, &args.swc_dir)?;
    println!(
        "synthesised {} cells from {unique} SWC files in {:.1} s ({}x{}, {} frames per level)",
        args.cells,
        t.elapsed().as_secs_f64(),
        args.width,
        args.height,
        args.frames
    );
    let levels = match args.lod {
        Some(l) => vec![l],
        None => vec![Lod::Somata, Lod::Lines, Lod::Tubes, Lod::Auto],
    };
    let exe = std::env::current_exe()?;
    for lod in levels {
        let status = Command::new(&exe)
            .args(["--lod", lod.name(), "--net"])
            .arg(&net)
            .args(["--frames", &args.frames.to_string()])
            .args(["--width", &args.width.to_string()])
            .args(["--height", &args.height.to_string()])
            .args(
                args.png
                    .iter()
                    .flat_map(|p| [std::ffi::OsStr::new("--png"), p.as_os_str()]),
            )
            .status()?;
        if !status.success() {
            eprintln!("lod {}: {status}", lod.name());
        }
    }
    Ok(())
}
