//! The `cortexview` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use cortexview::cli;
use cortexview::cli::window_args::WindowArgs;

#[derive(Parser)]
#[command(
    name = "cortexview",
    version,
    about = "See SONATA network models of the brain: every neuron, its activity, and what a probe would record"
)]
#[command(args_conflicts_with_subcommands = true)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// Open this circuit in the viewer (same as `cortexview view PATH`).
    path: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Open the 3D viewer (a config, a folder, an h5 file, a session `*.cvsession.json` or a
    /// deck; nothing: an empty window).
    #[cfg(feature = "viewer")]
    View {
        path: Option<PathBuf>,
        #[command(flatten)]
        shot: WindowArgs,
    },
    /// Render frames to PNG without a window (works with software Vulkan, e.g. lavapipe).
    #[cfg(feature = "viewer")]
    Render(cli::render::RenderArgs),
    /// Summarise a circuit, a simulation, or one SONATA h5 file.
    Info {
        /// A config (circuit, simulation or BMTK config.json), a folder holding one, or an h5 file.
        path: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print the merged attributes of a node population as CSV (node_id first).
    Nodes {
        path: PathBuf,
        /// The node population.
        #[arg(long)]
        population: Option<String>,
        /// A selection, e.g. "model_type == virtual || soma y < -300".
        #[arg(long)]
        select: Option<String>,
        /// Comma-separated attributes to print (default: all).
        #[arg(long, value_delimiter = ',')]
        attributes: Option<Vec<String>>,
        /// Spikes file(s) that activity terms (`rate > 10`, `spiked(100, 150)`, `silent`) read
        /// (default: the simulation's output spikes).
        #[arg(long)]
        spikes: Vec<PathBuf>,
        /// A probe (np1, np2, np2-4shank) placed for `within R of probe`.
        #[arg(long)]
        probe: Option<String>,
        /// The probe's tip X,Y,Z in µm (default: the centre of the circuit's bottom).
        #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
        tip: Option<Vec<f64>>,
        /// The probe's insertion direction DX,DY,DZ (default 0,-1,0: down).
        #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
        direction: Option<Vec<f64>>,
    },
    /// Record a circuit's spikes with a virtual Neuropixels probe: one CSV row per spike heard
    /// on a channel (channel, time_ms, node_id, population, amplitude_uv).
    Record {
        /// A config, folder or nodes file with positions.
        path: PathBuf,
        /// Spikes file (default: the simulation's output spikes).
        #[arg(long)]
        spikes: Option<PathBuf>,
        /// np1, np2 or np2-4shank.
        #[arg(long, default_value = "np1")]
        probe: String,
        /// Tip position X,Y,Z in µm (default: the centre of the circuit's bottom).
        #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
        tip: Option<Vec<f64>>,
        /// Insertion direction DX,DY,DZ, from the surface toward the tip (default 0,-1,0: down).
        #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
        direction: Option<Vec<f64>>,
        /// A channel hears neurons within this distance (µm).
        #[arg(long, default_value_t = 50.0)]
        radius: f64,
        /// Output CSV.
        #[arg(long)]
        out: PathBuf,
    },
    /// Run a SONATA point-neuron simulation with the embedded engine.
    Simulate {
        /// A simulation config (or BMTK config.json, or a folder holding one).
        config: PathBuf,
        /// Worker threads.
        #[arg(long, default_value_t = 1)]
        threads: usize,
        /// Simulated time in ms (default: run.tstop).
        #[arg(long)]
        tstop: Option<f64>,
        /// Apply the interventions of this file (interventions.json) at their model times.
        #[arg(long)]
        interventions: Option<PathBuf>,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Simulate a point-neuron SONATA config live in the window (without CONFIG: the built-in
    /// V1-like column, what `cortexview` with no arguments does).
    #[cfg(feature = "viewer")]
    Live {
        /// A simulation config (or BMTK config.json, or a folder holding one).
        config: Option<PathBuf>,
        /// Replay the interventions of this file (interventions.json) at their model times.
        #[arg(long)]
        interventions: Option<PathBuf>,
        /// Cortical cells (the built-in column).
        #[arg(long, default_value_t = cortexview::demo::DEFAULT_CELLS)]
        cells: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Use glif_psc instead of iaf_psc_alpha (the built-in column).
        #[arg(long)]
        glif: bool,
        /// Engine threads.
        #[arg(long, default_value_t = 1)]
        threads: usize,
        /// Speed cap: times real time (1 = real time), or "max" for as fast as it goes.
        #[arg(long, default_value = "1")]
        speed: String,
        #[command(flatten)]
        shot: WindowArgs,
        /// The window's frame rate at most while the simulation runs (0: no cap), leaving the
        /// CPU to the engine.
        #[arg(long, default_value_t = 15.0)]
        fps: f64,
    },
    /// Write the built-in V1-like demo column as SONATA (BMTK PointNet and NEST run it).
    Demo {
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
        /// Cortical cells.
        #[arg(long, default_value_t = cortexview::demo::DEFAULT_CELLS)]
        cells: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Simulated time (ms) of the input spike trains and of run.tstop.
        #[arg(long, default_value_t = 1000.0)]
        tstop: f64,
        /// Use glif_psc instead of iaf_psc_alpha.
        #[arg(long)]
        glif: bool,
        /// gzip level of the h5 datasets (0: none, readable by libsonata's wheels too).
        #[arg(long, default_value_t = 0)]
        gzip: u8,
    },
}

fn run(args: Args) -> anyhow::Result<()> {
    let Some(command) = args.command else {
        // No arguments: the built-in demo column, simulated live by the embedded engine.
        return match args.path {
            Some(path) => open_viewer(Some(&path), &WindowArgs::default()),
            None => cli::live::run(cli::live::LiveArgs {
                config: None,
                interventions: None,
                demo: cortexview::demo::DemoOptions::default(),
                threads: 1,
                speed: "1".to_owned(),
                fps: 15.0,
                window: WindowArgs::default(),
            }),
        };
    };
    match command {
        #[cfg(feature = "viewer")]
        Command::View { path, shot } => open_viewer(path.as_deref(), &shot),
        #[cfg(feature = "viewer")]
        Command::Render(r) => cli::render::run(&r),
        #[cfg(feature = "viewer")]
        Command::Live {
            config,
            interventions,
            cells,
            seed,
            glif,
            threads,
            speed,
            shot,
            fps,
        } => {
            let model = if glif {
                cortexview::demo::CellModel::GlifPsc
            } else {
                cortexview::demo::CellModel::IafPscAlpha
            };
            let mut demo = cortexview::demo::DemoOptions::new(cells, model);
            demo.seed = seed;
            cli::live::run(cli::live::LiveArgs {
                config,
                interventions,
                demo,
                threads,
                speed,
                fps,
                window: shot,
            })
        }
        Command::Info { path, json } => cli::info::run(&path, json),
        Command::Nodes {
            path,
            population,
            select,
            attributes,
            spikes,
            probe,
            tip,
            direction,
        } => cli::nodes::run(
            &path,
            population.as_deref(),
            select.as_deref(),
            attributes.as_deref(),
            &cli::nodes::SelectionInputs {
                spikes,
                probe,
                tip,
                direction,
            },
        ),
        Command::Record {
            path,
            spikes,
            probe,
            tip,
            direction,
            radius,
            out,
        } => cli::record::run(&cli::record::RecordArgs {
            path,
            spikes,
            probe,
            tip,
            direction,
            radius,
            out,
        }),
        Command::Simulate {
            config,
            threads,
            tstop,
            interventions,
            json,
        } => cli::simulate::run_with(&config, threads, tstop, interventions.as_deref(), json),
        Command::Demo {
            out,
            cells,
            seed,
            tstop,
            glif,
            gzip,
        } => {
            let model = if glif {
                cortexview::demo::CellModel::GlifPsc
            } else {
                cortexview::demo::CellModel::IafPscAlpha
            };
            cli::demo::run(&out, cells, seed, tstop, model, gzip)
        }
    }
}

#[cfg(feature = "viewer")]
fn open_viewer(path: Option<&std::path::Path>, shot: &WindowArgs) -> anyhow::Result<()> {
    cortexview::view::ui::run_window_with_options(
        path,
        cortexview::cli::window_args::live_for(path)?,
        shot.window()?,
    )
}

#[cfg(not(feature = "viewer"))]
fn open_viewer(_path: Option<&std::path::Path>, _shot: &WindowArgs) -> anyhow::Result<()> {
    anyhow::bail!("this cortexview was built without the viewer (cargo build --features viewer)")
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // Our errors name the file and what is wrong with it. Print the chain of contexts
            // and causes, skipping a cause whose text its parent's message already holds.
            let mut message = err.to_string();
            for cause in err.chain().skip(1) {
                let text = cause.to_string();
                if !message.contains(&text) {
                    message = format!("{message}: {text}");
                }
            }
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
