//! `cortexview live [CONFIG] [--interventions FILE]`: a model simulated live in the window, the
//! built-in column without CONFIG; with `--interventions` a logged run is replayed (each
//! intervention applied when the run reaches its model time). The log is read and checked
//! before the window opens; a model the engine cannot run is refused in the live panel while
//! its circuit opens for viewing.
use std::path::{Path, PathBuf};

use crate::demo::DemoOptions;
use crate::sim::interventions::{self, Intervention};

/// What `live` was asked for.
pub struct LiveArgs {
    pub config: Option<PathBuf>,
    pub interventions: Option<PathBuf>,
    pub demo: DemoOptions,
    pub threads: usize,
    /// `--speed`: a factor of real time, or "max"
    pub speed: String,
    /// `--fps`: the window's frame rate at most while the run goes (0: no cap)
    pub fps: f64,
    /// Screenshot and presenter flags.
    pub window: super::window_args::WindowArgs,
}

/// `--speed` as model ms per wall second (`None`: as fast as it goes).
pub fn parse_speed(speed: &str) -> anyhow::Result<Option<f64>> {
    match speed {
        "max" => Ok(None),
        s => match s.parse::<f64>() {
            Ok(x) if x > 0.0 && x.is_finite() => Ok(Some(x * 1000.0)),
            _ => anyhow::bail!("--speed: a positive factor or \"max\", not \"{s}\""),
        },
    }
}

/// The interventions to replay, read and checked.
pub fn read_replay(file: Option<&Path>) -> anyhow::Result<Vec<Intervention>> {
    match file {
        Some(f) => Ok(interventions::read(f)?),
        None => Ok(Vec::new()),
    }
}

/// Opens the window and runs the model live.
#[cfg(feature = "viewer")]
pub fn run(args: LiveArgs) -> anyhow::Result<()> {
    use crate::view::live::LiveSession;
    let speed = parse_speed(&args.speed)?;
    let replay = read_replay(args.interventions.as_deref())?;
    let (path, mut session) = match args.config {
        Some(config) => {
            if !config.exists() {
                anyhow::bail!("{}: no such file or folder", config.display());
            }
            (config.clone(), LiveSession::for_config(config, replay))
        }
        None => {
            let (config, demo) = super::demo::prepare_live_demo(args.demo)?;
            let mut s = LiveSession::for_demo(demo, config.clone());
            s.replay = replay;
            (config, s)
        }
    };
    session.threads = args.threads.max(1);
    session.speed = speed;
    if !(args.fps.is_finite() && args.fps >= 0.0) {
        anyhow::bail!("--fps: a frame rate >= 0 (0: no cap), not {}", args.fps);
    }
    session.frame_cap = (args.fps > 0.0).then_some(args.fps);
    crate::view::ui::run_window_with_options(Some(&path), session, args.window.window()?)
        .map_err(|e| e.context(format!("running {} live", path.display())))
}

/// Without the viewer there is no window to run in.
#[cfg(not(feature = "viewer"))]
pub fn run(_args: LiveArgs) -> anyhow::Result<()> {
    anyhow::bail!("this cortexview was built without the viewer (cargo build --features viewer)")
}
