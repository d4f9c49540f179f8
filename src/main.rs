//! The `cortexview` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use cortexview::cli;

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
    /// Open the 3D viewer (a config, a folder or an h5 file; nothing: an empty window).
    #[cfg(feature = "viewer")]
    View { path: Option<PathBuf> },
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
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn run(args: Args) -> anyhow::Result<()> {
    let Some(command) = args.command else {
        return open_viewer(args.path.as_deref());
    };
    match command {
        #[cfg(feature = "viewer")]
        Command::View { path } => open_viewer(path.as_deref()),
        #[cfg(feature = "viewer")]
        Command::Render(r) => cli::render::run(&r),
        Command::Info { path, json } => cli::info::run(&path, json),
        Command::Nodes {
            path,
            population,
            select,
            attributes,
        } => cli::nodes::run(
            &path,
            population.as_deref(),
            select.as_deref(),
            attributes.as_deref(),
        ),
        Command::Simulate {
            config,
            threads,
            tstop,
            json,
        } => cli::simulate::run(&config, threads, tstop, json),
    }
}

#[cfg(feature = "viewer")]
fn open_viewer(path: Option<&std::path::Path>) -> anyhow::Result<()> {
    cortexview::view::ui::run_window(path)
}

#[cfg(not(feature = "viewer"))]
fn open_viewer(_path: Option<&std::path::Path>) -> anyhow::Result<()> {
    anyhow::bail!("this cortexview was built without the viewer (cargo build --features viewer)")
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // Our errors name the file and what is wrong with it; their sources are already
            // part of the message.
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
