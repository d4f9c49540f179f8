//! `cortexview demo --out DIR`: write the built-in V1-like column as SONATA (for BMTK PointNet,
//! NEST, or `cortexview simulate`).
use std::io::Write;
use std::path::Path;
use std::time::Instant;

use anyhow::Context;

use crate::demo::{CellModel, Demo, DemoOptions};

pub fn run(
    out: &Path,
    cells: usize,
    seed: u64,
    tstop: f64,
    model: CellModel,
    gzip: u8,
) -> anyhow::Result<()> {
    let t0 = Instant::now();
    let mut options = DemoOptions::new(cells, model);
    options.seed = seed;
    options.tstop_ms = tstop;
    let demo = Demo::build(&options).context("building the demo column")?;
    let build_s = t0.elapsed().as_secs_f64();
    let summary = demo
        .write_sonata_with(out, gzip)
        .with_context(|| format!("writing the demo to {}", out.display()))?;
    // written, not printed: a closed pipe (`| head`) is an error, not a panic
    let mut out_ = std::io::stdout().lock();
    writeln!(
        out_,
        "demo column: {} cells ({}), radius {:.0} um, {} lgn + {} bkg inputs, {} edges, {} input spikes over {} ms",
        demo.cells.len(),
        model.nest_name(),
        demo.radius_um,
        demo.lgn.len(),
        demo.bkg.len(),
        demo.edge_count(),
        demo.input_spike_count(),
        tstop
    )?;
    for set in &demo.edges {
        writeln!(
            out_,
            "  {}: {} edges ({:.1} per cell)",
            set.name,
            set.len(),
            set.len() as f64 / demo.cells.len().max(1) as f64
        )?;
    }
    writeln!(
        out_,
        "built in {build_s:.2} s, written in {:.2} s; run it with: cortexview simulate {}",
        t0.elapsed().as_secs_f64() - build_s,
        summary.config.display()
    )?;
    Ok(())
}

/// Where [`prepare_live_demo`] writes the column of `options` (its `config.json`, in the user's
/// cache folder).
pub fn live_demo_config(options: &DemoOptions) -> std::path::PathBuf {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    cache
        .join(format!(
            "cortexview/live-v1-{}-seed{}-{}-{}ms",
            options.cells,
            options.seed,
            options.model.nest_name(),
            options.tstop_ms
        ))
        .join("config.json")
}

/// What `cortexview` with no arguments shows: the column built in memory (for the engine) and
/// written as SONATA into a cache folder once (for the scene: positions, types, layers; later
/// starts reuse the files). Returns the config to open and the column to simulate live.
pub fn prepare_live_demo(options: DemoOptions) -> anyhow::Result<(std::path::PathBuf, Demo)> {
    let config = live_demo_config(&options);
    let dir = config.parent().unwrap_or(Path::new(".")).to_owned();
    let t0 = Instant::now();
    let demo = Demo::build(&options).context("building the demo column")?;
    if !config.is_file() {
        eprintln!(
            "first start: writing the demo V1 column ({} cells) to {}",
            options.cells,
            dir.display()
        );
        demo.write_sonata(&dir)
            .with_context(|| format!("writing the demo to {}", dir.display()))?;
    }
    eprintln!(
        "demo column: {} cells, {} edges, ready in {:.2} s",
        demo.cells.len(),
        demo.edge_count(),
        t0.elapsed().as_secs_f64()
    );
    Ok((config, demo))
}
