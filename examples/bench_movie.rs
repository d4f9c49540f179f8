//! Movie frames written per second on the 230,924-neuron V1-like network (a benchmark, not a
//! test).
//!
//! cargo run --release --example bench_movie -- [NET_DIR] [--frames N] [--width W --height H]
//!   [--layout NAME] [--skip-old]
//!
//! Renders N frames of somata (orbiting camera, model time advancing, spikes flashing) four
//! ways, each with a fresh headless viewer (start-up not counted): the frame-by-frame way that
//! `render` used before (Bevy's screenshot, several updates until it arrives, PNG encoded on
//! the drawing thread), then pipelined (one update per frame, read-backs overlapping the next
//! frames) into PNGs, into an mp4 through ffmpeg, and into an mp4 with the `3d+raster` layout.
//! Prints frames per second written and the time split per frame: drawing (`app.update`:
//! ECS, upload, and on a software adapter the rasterisation), waiting for read-backs,
//! composing panels and overlay, and waiting for the encoders.
//!
//! Measured 2026-12-03, release, lavapipe (llvmpipe, 2 cores shared with other builds, load
//! average 1 to 6), 230,924 neurons drawn (254,016 with the virtual ones), 1,613,604 spikes,
//! 1280x720 somata, orbiting camera, 30 frames per run:
//!
//! | way | frames/s written | per frame: draw | read-back wait | compose | encoder wait |
//! |---|---|---|---|---|---|
//! | frame by frame (before) | 0.35 | 2874 ms | - | - | 8 ms |
//! | pipelined, PNG | 1.02 | 976 ms | 0 | 0 | 1 ms |
//! | pipelined, mp4 | 1.00 | 985 ms | 0 | 1 ms | 1 ms |
//! | pipelined, mp4, 3d+raster | 0.86 | 1132 ms | 0 | 3 ms | 5 ms |
//!
//! After the orbit's fit stopped re-styling every neuron each frame (load average 5-6): PNG
//! 1.14, mp4 1.21, mp4 with 3d+raster 1.39 frames/s; `bench_view` right after, drawing the same
//! scene with no read-back at all: 1.13 fps (app.update 876 ms). Movie frames are written as
//! fast as the viewer draws: what bounds them is lavapipe rasterising 230k impostors on the
//! shared cores (one `app.update` per frame); read-back, panels and encoding are hidden.
//!
//! Hidden neurons out of the vertex stage (each pass draws its own through one drawing order),
//! and spheres at their nearest point's depth on software adapters (no fragment depth: hidden
//! fragments are rejected before shading), idle machine (load average 1.8-2.2), 30 frames per
//! run, the version before these changes and this one alternately, twice each:
//!
//! | way | before frames/s | after frames/s | after: draw per frame |
//! |---|---|---|---|
//! | pipelined, PNG | 2.71, 2.78 | 3.76, 5.35 | 186-264 ms |
//! | pipelined, mp4 | 2.67, 2.75 | 5.10, 5.06 | 190 ms |
//! | pipelined, mp4, 3d+raster | 2.50, 2.71 | 3.64, 5.10 | 186-266 ms |
//!
//! and one more full run right after: frame by frame 1.72, PNG 5.04, mp4 4.89, mp4 with
//! 3d+raster 5.14 frames/s; `bench_view` drawing the same scene: 5.27 fps. Movie frames are
//! written as fast as the viewer draws.
//!
//! The network: `scripts/build_peer_nets.py` (or `../shared/peers/build_v1_like.py --n 230924
//! --edges fast`) builds it under `~/.cache/cortexview-peers/nets/v1_iaf_n230924`.

#[path = "common/bench_net.rs"]
mod bench_net;

use std::path::PathBuf;

use cortexview::view::camera::CameraPreset;
use cortexview::view::capture::layout::Layout;
use cortexview::view::capture::movie_writer::{MovieFormat, have_ffmpeg};
use cortexview::view::capture::{RenderOptions, render_scene};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut net = bench_net::default_net();
    let (mut frames, mut width, mut height) = (30u64, 1280u32, 720u32);
    let mut layout = "3d+raster".to_owned();
    let mut skip_old = false;
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_default();
        match a.as_str() {
            "--frames" => frames = val().parse()?,
            "--width" => width = val().parse()?,
            "--height" => height = val().parse()?,
            "--layout" => layout = val(),
            "--skip-old" => skip_old = true,
            other => net = PathBuf::from(other),
        }
    }
    let scene = bench_net::open_with_spikes(&net)?;
    let out = std::env::temp_dir().join(format!("bench_movie_{}", std::process::id()));
    let fps = 30.0;
    let speed = 100.0;
    let base = RenderOptions {
        width,
        height,
        t0: 100.0,
        t1: Some(100.0 + (frames - 1) as f64 * speed / fps),
        fps,
        speed,
        camera: CameraPreset::Orbit,
        ..RenderOptions::default()
    };
    let mut runs: Vec<(&str, RenderOptions)> = Vec::new();
    if !skip_old {
        runs.push((
            "frame by frame (screenshot, PNG on the drawing thread)",
            RenderOptions {
                wait_for_each_frame: true,
                format: MovieFormat::Png,
                ..base.clone()
            },
        ));
    }
    runs.push((
        "pipelined, PNG",
        RenderOptions {
            format: MovieFormat::Png,
            ..base.clone()
        },
    ));
    if have_ffmpeg() {
        runs.push((
            "pipelined, mp4 (ffmpeg libx264)",
            RenderOptions {
                format: MovieFormat::Mp4,
                ..base.clone()
            },
        ));
        let value = serde_json::Value::String(layout.clone());
        runs.push((
            "pipelined, mp4, with the layout",
            RenderOptions {
                format: MovieFormat::Mp4,
                layout: Layout::parse(Some(&value))?,
                ..base.clone()
            },
        ));
    } else {
        println!("ffmpeg is not on the PATH: no mp4 runs");
    }
    for (k, (name, opts)) in runs.into_iter().enumerate() {
        let dir = out.join(format!("run{k}"));
        let opts = RenderOptions {
            out: Some(dir.clone()),
            ..opts
        };
        let result = render_scene(scene.clone(), &opts)?;
        let n = result.frame_count as f64;
        let per = |d: std::time::Duration| d.as_secs_f64() * 1e3 / n;
        let t = result.timing;
        println!(
            "{name}: {} frames at {width}x{height} in {:.1} s = {:.2} frames/s written; per \
             frame: draw {:.0} ms, read-back wait {:.0} ms, compose {:.0} ms, encoder wait {:.0} ms",
            result.frame_count,
            result.frames_time.as_secs_f64(),
            n / result.frames_time.as_secs_f64().max(1e-9),
            per(t.draw),
            per(t.readback),
            per(t.compose),
            per(t.encode_wait),
        );
        if k == 0 {
            println!("adapter: {}", result.adapter);
        }
        // Kept for a look: the last run's movie or frames.
        if let Some(m) = &result.movie {
            println!("  movie: {}", m.display());
        }
    }
    println!("outputs under {}", out.display());
    Ok(())
}
