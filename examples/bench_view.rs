//! Playback speed of the viewer on the 230,924-neuron V1-like network (a benchmark, not a test).
//!
//! cargo run --release --features viewer --example bench_view -- [NET_DIR] [--frames N]
//!   [--width W --height H] [--speed MS_PER_S] [--fps N]
//!
//! Renders N frames of playback off-screen (no read-back), waiting for the GPU after each, and
//! prints frames per second and the per-frame CPU time of the activity update (finding and
//! mapping the spikes of the frame), besides load and first-frame times.
//!
//! Measured 2026-11-26 on an NVIDIA H200 (Vulkan, 16 CPU cores), 230,924 neurons, 3,230,447
//! spikes, 270 frames within the data (27 at 1000 ms/s):
//!
//! | size | model time/frame | spikes/frame | fps | app.update | activity update |
//! |---|---|---|---|---|---|
//! | 1280x720 | 3.3 ms | 10,896 | 234 | 2.07 ms | 0.19 ms |
//! | 1920x1080 | 3.3 ms | 10,896 | 168 | 2.14 ms | 0.22 ms |
//! | 3840x2160 | 3.3 ms | 10,896 | 70 | 2.75 ms | 0.24 ms |
//! | 1280x720 | 33 ms | 108,975 | 155 | 4.27 ms | 0.85 ms |
//! | 3840x2160 | 33 ms | 108,975 | 59 | 5.57 ms | 1.41 ms |
//!
//! Bevy's own frame on a 300-neuron network (same machine): app.update 1.23 ms, 649 fps.
//! On lavapipe (2 shared cores, 1280x720): 5.5-5.8 fps, activity update 0.21 ms at ~12k
//! spikes per frame and about 1 ms at ~108k.
//!
//! Neurons drawn in Bevy's `Opaque3d` phase instead of a render pass of their own, per-view
//! uniforms written only when they change (2026-12-02, release, lavapipe on 2 cores shared with
//! five other builds, 1280x720, 230,924 neurons with NEST's spikes to 400 ms, 60 frames, runs
//! interleaved): before 2.16, 2.10, 2.71, 2.74 fps (34.9-40.8 s of CPU per run), activity
//! update 0.38-0.45 ms at ~12k spikes; after 2.61, 2.79 fps (35.7-37.4 s of CPU), 0.40-0.42
//! ms. Equal within the noise of the shared machine.
//!
//! Hidden neurons out of the vertex stage and nearest-point sphere depth on software adapters
//! (2026-12-03, release, lavapipe, idle machine): 2.76 fps before, 5.27 fps after at 1280x720
//! (app.update 189 ms), 3.88 fps at 1920x1080; at 320x180 4.07 fps before the first change, a
//! bound set by the vertex stage (which lavapipe runs on the submitting thread).

#[path = "common/bench_net.rs"]
mod bench_net;

use std::path::PathBuf;
use std::time::Instant;

use cortexview::view::camera::CameraPreset;
use cortexview::view::capture::HeadlessViewer;
use cortexview::view::scene::Representation;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut net = bench_net::default_net();
    let (mut frames, mut width, mut height, mut speed, mut fps) =
        (60usize, 1280u32, 720u32, 100.0, 30.0);
    let mut t0 = 100.0;
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_default();
        match a.as_str() {
            "--frames" => frames = val().parse()?,
            "--width" => width = val().parse()?,
            "--height" => height = val().parse()?,
            "--speed" => speed = val().parse()?,
            "--fps" => fps = val().parse()?,
            "--t0" => t0 = val().parse()?,
            other => net = PathBuf::from(other),
        }
    }
    let scene = bench_net::open_with_spikes(&net)?;
    let t = Instant::now();
    let mut v = HeadlessViewer::new(scene, vec![Representation::default()], false, width, height)?;
    v.set_camera(CameraPreset::Orbit, 0.0);
    v.set_time(t0, 8.0);
    v.warm_up()?;
    let (adapter, software) = v.adapter();
    println!(
        "adapter {adapter}{}; first frame after {:.2} s; {} drawn",
        if software { " (software)" } else { "" },
        t.elapsed().as_secs_f64(),
        v.state().styled.visible
    );
    let dt = speed / fps;
    let mut cpu_us = Vec::with_capacity(frames);
    let mut spikes_per_frame = Vec::with_capacity(frames);
    let mut frame_ms = Vec::with_capacity(frames);
    let mut update_ms = Vec::with_capacity(frames);
    let all = Instant::now();
    for k in 0..frames {
        v.set_time(t0 + dt * (k + 1) as f64, 8.0);
        let f = Instant::now();
        v.app.update();
        update_ms.push(f.elapsed().as_secs_f64() * 1e3);
        v.step_wait();
        frame_ms.push(f.elapsed().as_secs_f64() * 1e3);
        let s = v.stats();
        cpu_us.push(s.cpu_us);
        spikes_per_frame.push(s.spikes);
    }
    let total = all.elapsed().as_secs_f64();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let mut sorted = frame_ms.clone();
    sorted.sort_by(f64::total_cmp);
    println!(
        "{frames} frames at {width}x{height}, {dt:.2} ms model time per frame: {:.2} fps \
         (frame median {:.1} ms, max {:.1} ms)",
        frames as f64 / total,
        sorted[sorted.len() / 2],
        sorted[sorted.len() - 1]
    );
    println!(
        "per frame: app.update {:.2} ms (ECS, extract, buffer writes, command encoding, and on a \
         software adapter the rasterisation itself); activity update (the CPU work that grows \
         with spikes) {:.1} us for {:.0} spikes",
        mean(&update_ms),
        mean(&cpu_us),
        spikes_per_frame.iter().sum::<usize>() as f64 / frames.max(1) as f64
    );
    // Frames past the end of the data have no spikes: report the ones with spikes apart.
    let busy: Vec<(usize, f64)> = spikes_per_frame
        .iter()
        .zip(&cpu_us)
        .filter(|(n, _)| **n > 0)
        .map(|(n, us)| (*n, *us))
        .collect();
    if let Some(&(most, most_us)) = busy.iter().max_by_key(|(n, _)| *n) {
        println!(
            "frames with spikes: {} of {frames}, activity update mean {:.1} us for {:.0} spikes; \
             busiest frame {most} spikes in {most_us:.1} us",
            busy.len(),
            busy.iter().map(|(_, us)| us).sum::<f64>() / busy.len() as f64,
            busy.iter().map(|(n, _)| *n as f64).sum::<f64>() / busy.len() as f64,
        );
    }
    Ok(())
}
