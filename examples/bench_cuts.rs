//! How long a change of cuts takes on the 230,924-neuron network, against a full restyle:
//! a 50 µm slab swept through the column (as a story does, one position per frame), then a
//! clip plane, each applied to the styled instances without restyling.
//!
//!     cargo run --release --example bench_cuts [NET]
//!
//! NET defaults to ~/.cache/cortexview-peers/nets/v1_iaf_n230924 (scripts/build_peer_nets.py).

use std::path::PathBuf;
use std::time::Instant;

use cortexview::session::{ClipPlane, Slab};
use cortexview::view::scene::{Scene, bounding_sphere};

fn median_ms(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> anyhow::Result<()> {
    let net = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::var_os("HOME")
                .map(PathBuf::from)
                .unwrap_or_default()
                .join(".cache/cortexview-peers/nets/v1_iaf_n230924")
        });
    let start = Instant::now();
    let scene = Scene::open(&net, &[])?;
    println!(
        "{} neurons opened in {:.1} s",
        scene.len(),
        start.elapsed().as_secs_f64()
    );
    let reps = vec![scene.default_representation()];
    let mut restyle = Vec::new();
    let mut styled = scene.style(&reps, false);
    for _ in 0..3 {
        let t = Instant::now();
        styled = scene.style(&reps, false);
        restyle.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let (center, radius) = bounding_sphere(&scene.positions);
    let mut sweep = Vec::new();
    let mut kept = Vec::new();
    for k in 0..60 {
        let y = center[1] - radius + 2.0 * radius * k as f32 / 59.0;
        let slab = Slab {
            normal: [0.0, 1.0, 0.0],
            center: [center[0], y, center[2]],
            thickness_um: 50.0,
        };
        let t = Instant::now();
        styled.apply_cuts(Some(&slab), &[]);
        sweep.push(t.elapsed().as_secs_f64() * 1e3);
        kept.push(styled.visible);
    }
    let plane = ClipPlane {
        normal: [1.0, 0.0, 0.0],
        point: center,
    };
    let t = Instant::now();
    styled.apply_cuts(None, &[plane]);
    let clip_ms = t.elapsed().as_secs_f64() * 1e3;
    println!(
        "full restyle (selection, colours, legend): median {:.1} ms of {}",
        median_ms(restyle.clone()),
        restyle.len()
    );
    println!(
        "50 µm slab swept through {} positions: median {:.2} ms per position, max {:.2} ms; \
         {}..{} neurons kept",
        sweep.len(),
        median_ms(sweep.clone()),
        sweep.iter().copied().fold(0.0, f64::max),
        kept.iter().min().copied().unwrap_or(0),
        kept.iter().max().copied().unwrap_or(0)
    );
    println!(
        "one clip plane: {clip_ms:.2} ms, {} of {} neurons kept",
        styled.visible,
        styled.instances.len()
    );
    Ok(())
}
