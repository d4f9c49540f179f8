//! The cost of each look on the 230,924-neuron V1-like network (a benchmark, not a test), and
//! the column as a figure: L4 opaque, the rest ghosted, spikes glowing, eye-dome lighting on.
//!
//! cargo run --release --features viewer --example bench_looks -- [NET_DIR] [--frames N]
//!   [--sizes 1280x720,1920x1080] [--only NAME,NAME] [--shot PNG [--shot-size WxH] [--shot-only]]
//!
//! `--only` runs the looks whose names start with one of the given words (e.g. `none,all`).
//!
//! Spikes: the network's own when its simulated populations have some, else a synthetic activity (1 Hz Poisson
//! background, and a wave rising from the white matter to the pia from 200 ms on, each neuron
//! firing once as it passes with probability 0.3). For each frame size and each look on its
//! own (then all together) it renders N frames of playback (100 model ms per second at 30
//! fps) off-screen, waiting for the GPU after each, and prints frames per second and the CPU
//! time per frame (all threads, the software rasteriser's included: on a shared machine the
//! measure that does not depend on what else runs) as a table.
//!
//! Measured 2026-12-03, release, lavapipe (llvmpipe 15, Vulkan) on 2 cores shared with other
//! builds (load average 4 to 6: wall-clock frame rates are low and noisy, CPU time per frame is
//! the steady measure), 230,924 neurons, 1280x720, 10 frames per look, this version ("after")
//! and the one before its drawing order and pass changes ("before") run alternately, twice
//! each; CPU ms per frame (mean of the two runs), and the ratio to plain drawing:
//!
//! | look | before ms | before / none | after ms | after / none |
//! |---|---|---|---|---|
//! | none (opaque somata) | 592 | 1.00 | 444 | 1.00 |
//! | L4 opaque, rest ghost (OIT) | 806 | 1.36 | 485 | 1.09 |
//! | depth shading (EDL) 1.0 | 714 | 1.21 | 544 | 1.23 |
//! | depth cueing 0.6 | 739 | 1.25 | 541 | 1.22 |
//! | outline | 742 | 1.25 | 540 | 1.22 |
//! | background gradient | 738 | 1.25 | 538 | 1.21 |
//! | spike glow 1.0 | 819 | 1.38 | 604 | 1.36 |
//! | FXAA | 696 | 1.18 | 515 | 1.16 |
//! | all but glow | 901 | 1.52 | 553 | 1.25 |
//! | all | 978 | 1.65 | 595 | 1.34 |
//!
//! `--only none,L4,all` and so on runs some looks. Plain drawing got cheaper because the
//! virtual (input) neurons, hidden, no longer reach the vertex stage; the see-through material
//! because each pass draws only its own neurons and the see-through spheres are depth tested
//! before shading. Wall clock in the same runs, under that load: "all" at 1.60 and 2.04 fps
//! (before: 1.48 and 0.55). With every look on the column costs 595 ms of CPU per frame, what
//! plain drawing cost before, which ran at 2.8 fps on the same machine with less load beside it
//! (about 1.7 cores busy): hence no look is switched off in a software window any more.
//!
//! Then with the spheres' nearest-point depth on software adapters (opaque and glow passes write
//! no fragment depth, so lavapipe rejects hidden fragments before shading them), on an idle
//! machine (load average 1.9), the version before both changes and this one in one run:
//!
//! | look | before fps | before CPU ms | after fps | after CPU ms |
//! |---|---|---|---|---|
//! | none (opaque somata) | 2.95 | 576 | 5.60 | 306 |
//! | L4 opaque, rest ghost (OIT) | 1.93 | 786 | 3.48 | 503 |
//! | depth shading (EDL) 1.0 | 2.50 | 696 | 4.51 | 388 |
//! | depth cueing 0.6 | 2.43 | 710 | 4.37 | 400 |
//! | outline | 2.36 | 733 | 4.10 | 414 |
//! | background gradient | 2.40 | 718 | 4.32 | 403 |
//! | spike glow 1.0 | 2.14 | 783 | 3.43 | 493 |
//! | FXAA | 2.51 | 664 | 4.32 | 394 |
//! | all but glow | 1.86 | 834 | 3.05 | 577 |
//! | all | 1.65 | 933 | 2.86 | 602 |

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use cortexview::session::{Looks, Material};
use cortexview::sonata::PopulationSpikes;
use cortexview::view::ViewerState;
use cortexview::view::camera::CameraPreset;
use cortexview::view::capture::HeadlessViewer;
use cortexview::view::scene::{Coloring, Representation, Scene};

/// One row of the table: a name, the representations and the looks.
struct Case {
    name: &'static str,
    see_through: bool,
    looks: Looks,
}

fn by_layer() -> Coloring {
    Coloring::ByAttribute {
        name: "layer".into(),
        range: None,
        colormap: Default::default(),
    }
}

/// Everything by layer, opaque; or L4 opaque and the rest ghosted.
fn representations(see_through: bool) -> Vec<Representation> {
    if !see_through {
        return vec![Representation {
            coloring: by_layer(),
            ..Default::default()
        }];
    }
    vec![
        Representation {
            selection: "population == v1".into(),
            coloring: by_layer(),
            material: Material::Ghost,
            opacity: 0.12,
            ..Default::default()
        },
        Representation {
            selection: "layer == L4".into(),
            coloring: by_layer(),
            ..Default::default()
        },
    ]
}

fn cases() -> Vec<Case> {
    let off = Looks::default;
    vec![
        Case {
            name: "none (opaque somata)",
            see_through: false,
            looks: off(),
        },
        Case {
            name: "L4 opaque, rest ghost (OIT)",
            see_through: true,
            looks: off(),
        },
        Case {
            name: "depth shading (EDL) 1.0",
            see_through: false,
            looks: Looks {
                depth_shading: 1.0,
                ..off()
            },
        },
        Case {
            name: "depth cueing 0.6",
            see_through: false,
            looks: Looks { fog: 0.6, ..off() },
        },
        Case {
            name: "outline",
            see_through: false,
            looks: Looks {
                outline: true,
                ..off()
            },
        },
        Case {
            name: "background gradient",
            see_through: false,
            looks: Looks {
                background_top: Some("#28303c".into()),
                ..off()
            },
        },
        Case {
            name: "spike glow 1.0",
            see_through: false,
            looks: Looks { glow: 1.0, ..off() },
        },
        Case {
            name: "FXAA",
            see_through: false,
            looks: Looks {
                antialias: "fxaa".into(),
                ..off()
            },
        },
        Case {
            name: "all but glow",
            see_through: true,
            looks: Looks {
                glow: 0.0,
                ..figure_looks()
            },
        },
        Case {
            name: "all: ghost+L4, EDL, fog, glow, gradient, FXAA",
            see_through: true,
            looks: figure_looks(),
        },
    ]
}

fn figure_looks() -> Looks {
    Looks {
        background: "#05060a".into(),
        background_top: Some("#1e2633".into()),
        depth_shading: 1.0,
        fog: 0.3,
        outline: false,
        glow: 1.0,
        antialias: "fxaa".into(),
        exact_depth: None,
    }
}

/// A 1 Hz background and a wave from the white matter up (see the module's documentation).
fn synthetic_spikes(scene: &Scene) -> Vec<PopulationSpikes> {
    let mut seed = 0x2545_f491u64;
    let mut uniform = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut out = Vec::new();
    for sp in scene.populations.iter().filter(|p| !p.is_virtual) {
        let pop = &scene.circuit.nodes[sp.circuit_index];
        let ys: Vec<f32> = (0..sp.len)
            .map(|i| scene.positions[sp.offset + i][1])
            .collect();
        let (lo, hi) = ys
            .iter()
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &y| {
                (a.min(y), b.max(y))
            });
        let mut spikes: Vec<(f64, u64)> = Vec::new();
        for (i, &row) in sp.rows.iter().enumerate() {
            let id = pop.node_ids[row as usize];
            let mut t = -1000.0 * uniform().ln();
            while t < 1000.0 {
                spikes.push((t, id));
                t += -1000.0 * uniform().ln();
            }
            if uniform() < 0.3 {
                let depth = f64::from((hi - ys[i]) / (hi - lo).max(1.0));
                spikes.push((200.0 + 300.0 * (1.0 - depth) + 10.0 * uniform(), id));
            }
        }
        spikes.sort_by(|a, b| a.0.total_cmp(&b.0));
        out.push(PopulationSpikes {
            population: sp.name.clone(),
            node_ids: spikes.iter().map(|s| s.1).collect(),
            timestamps: spikes.iter().map(|s| s.0).collect(),
            sorting: None,
        });
    }
    out
}

fn open(net: &Path) -> anyhow::Result<Scene> {
    let mut scene = Scene::open(net, &[])?;
    let simulated = |name: &str| {
        scene
            .populations
            .iter()
            .any(|p| p.name == name && !p.is_virtual)
    };
    if !scene
        .spikes
        .iter()
        .any(|s| simulated(&s.index.population) && !s.index.is_empty())
    {
        scene.add_spikes("synthetic wave", synthetic_spikes(&scene));
    }
    Ok(scene)
}

fn set(v: &mut HeadlessViewer, see_through: bool, looks: &Looks) -> anyhow::Result<()> {
    {
        let mut state = v.app.world_mut().resource_mut::<ViewerState>();
        state.representations = representations(see_through);
        state.looks = looks.clone();
        state.restyle = true;
    }
    v.settle()
}

/// CPU seconds this process has used (user and system, all threads: the software
/// rasteriser's too), from `/proc/self/stat`; 0 where that is not readable.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // After the command name in parentheses: state is field 3, utime 14, stime 15.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| fields.get(i - 3).and_then(|v| v.parse::<f64>().ok());
    match (ticks(14), ticks(15)) {
        (Some(u), Some(s)) => (u + s) / 100.0,
        _ => 0.0,
    }
}

fn parse_size(s: &str) -> anyhow::Result<(u32, u32)> {
    let (w, h) = s.split_once('x').context("a size is WIDTHxHEIGHT")?;
    Ok((w.parse()?, h.parse()?))
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut net = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default()
        .join(".cache/cortexview-peers/nets/v1_iaf_n230924");
    let mut frames = 20usize;
    let mut sizes = vec![(1280, 720), (1920, 1080)];
    let mut shot: Option<PathBuf> = None;
    let mut shot_size = (1920, 1080);
    let mut shot_only = false;
    let mut shot_t = 420.0;
    let mut only: Vec<String> = Vec::new();
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_default();
        match a.as_str() {
            "--frames" => frames = val().parse()?,
            "--sizes" => {
                sizes = val()
                    .split(',')
                    .map(parse_size)
                    .collect::<anyhow::Result<_>>()?
            }
            "--shot" => shot = Some(PathBuf::from(val())),
            "--shot-size" => shot_size = parse_size(&val())?,
            "--shot-t" => shot_t = val().parse()?,
            "--shot-only" => shot_only = true,
            "--only" => only = val().split(',').map(str::to_owned).collect(),
            other => net = PathBuf::from(other),
        }
    }
    let start = Instant::now();
    let scene = open(&net)?;
    println!(
        "loaded {} neurons, {} spikes in {:.1} s",
        scene.len(),
        scene.spikes.iter().map(|s| s.index.len()).sum::<usize>(),
        start.elapsed().as_secs_f64()
    );

    if let Some(path) = &shot {
        let (w, h) = shot_size;
        let mut v = HeadlessViewer::new(open(&net)?, representations(true), false, w, h)?;
        v.app.world_mut().resource_mut::<ViewerState>().looks = figure_looks();
        v.set_camera(CameraPreset::Front, 0.35);
        v.set_time(shot_t - 30.0, 8.0);
        v.warm_up()?;
        // Play up to the shot's time, so that the glow fades in as in a movie.
        for k in 1..=10 {
            v.set_time(shot_t - 30.0 + 3.0 * k as f64, 8.0);
            v.app.update();
        }
        let img = v.capture()?;
        img.save(path)
            .with_context(|| format!("writing {}", path.display()))?;
        println!(
            "figure written to {} ({w}x{h}, t = {shot_t} ms)",
            path.display()
        );
        if shot_only {
            return Ok(());
        }
    }

    let mut scene = Some(scene);
    let chosen = || {
        cases()
            .into_iter()
            .filter(|c| only.is_empty() || only.iter().any(|o| c.name.starts_with(o.as_str())))
    };
    let mut rows: Vec<(String, Vec<(f64, f64)>)> =
        chosen().map(|c| (c.name.to_owned(), Vec::new())).collect();
    for &(w, h) in &sizes {
        let s = match scene.take() {
            Some(s) => s,
            None => open(&net)?,
        };
        let mut v = HeadlessViewer::new(s, representations(false), false, w, h)?;
        v.set_camera(CameraPreset::Orbit, 0.0);
        v.set_time(300.0, 8.0);
        v.warm_up()?;
        let (adapter, software) = v.adapter();
        println!(
            "{w}x{h} on {adapter}{}",
            if software { " (software)" } else { "" }
        );
        for (case, row) in chosen().zip(rows.iter_mut()) {
            set(&mut v, case.see_through, &case.looks)?;
            // Playback from 300 ms, inside the wave: spikes glow in every frame.
            let (t, cpu) = (Instant::now(), cpu_seconds());
            for k in 0..frames {
                v.set_time(300.0 + 100.0 / 30.0 * k as f64, 8.0);
                v.step();
            }
            let fps = frames as f64 / t.elapsed().as_secs_f64();
            let cpu_ms = (cpu_seconds() - cpu) / frames as f64 * 1e3;
            println!(
                "  {:<50} {fps:6.2} fps, {cpu_ms:6.0} ms of CPU per frame",
                case.name
            );
            row.1.push((fps, cpu_ms));
        }
    }
    println!();
    let header: Vec<String> = sizes
        .iter()
        .map(|(w, h)| format!("{w}x{h} fps | CPU ms/frame"))
        .collect();
    println!("| look | {} |", header.join(" | "));
    println!("|---|{}", "---|---|".repeat(sizes.len()));
    for (name, cells) in rows {
        let cells: Vec<String> = cells
            .iter()
            .map(|(fps, cpu)| format!("{fps:.2} | {cpu:.0}"))
            .collect();
        println!("| {name} | {} |", cells.join(" | "));
    }
    Ok(())
}
