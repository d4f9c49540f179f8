//! `cortexview record PATH [--spikes FILE] --probe np1|np2|np2-4shank --tip X,Y,Z
//! --direction DX,DY,DZ [--radius UM] --out events.csv`.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{Context as _, bail};

use crate::probe::{
    Neighbourhood, Placement, ProbeGeometry, ProbeKind, RecordingParams, record_events,
    write_events_csv,
};
use crate::sonata::{Circuit, PopulationSpikes, read_spikes};

pub struct RecordArgs {
    pub path: PathBuf,
    pub spikes: Option<PathBuf>,
    pub probe: String,
    pub tip: Option<Vec<f64>>,
    pub direction: Option<Vec<f64>>,
    pub radius: f64,
    pub out: PathBuf,
}

/// Neurons with positions, across the circuit's non-virtual populations.
pub struct Units {
    pub names: Vec<(String, u64)>,
    pub positions: Vec<[f64; 3]>,
    /// (population, node id) -> unit.
    pub index: HashMap<(String, u64), u32>,
}

pub fn units_of(circuit: &Circuit) -> Units {
    let mut units = Units {
        names: Vec::new(),
        positions: Vec::new(),
        index: HashMap::new(),
    };
    for pop in &circuit.nodes {
        let Some(positions) = pop.positions() else {
            continue;
        };
        for (row, p) in positions.into_iter().enumerate() {
            if pop.model_type(row) == Some("virtual") {
                continue;
            }
            let id = pop.node_ids[row];
            units
                .index
                .insert((pop.name.clone(), id), units.names.len() as u32);
            units.names.push((pop.name.clone(), id));
            units.positions.push(p);
        }
    }
    units
}

fn vec3(v: &[f64], what: &str) -> anyhow::Result<[f64; 3]> {
    match v {
        [x, y, z] if v.iter().all(|c| c.is_finite()) => Ok([*x, *y, *z]),
        _ => bail!("--{what} needs three finite numbers X,Y,Z, got {v:?}"),
    }
}

/// The probe placed by `--tip X,Y,Z` (default: below the units, [`default_tip`]) and
/// `--direction X,Y,Z` (default: straight down), unrolled.
pub fn placement_from_flags(
    tip: Option<&[f64]>,
    direction: Option<&[f64]>,
    positions: &[[f64; 3]],
) -> anyhow::Result<Placement> {
    let tip = match tip {
        Some(v) => vec3(v, "tip")?,
        None => default_tip(positions),
    };
    let direction = match direction {
        Some(v) => vec3(v, "direction")?,
        None => [0.0, -1.0, 0.0],
    };
    if direction == [0.0; 3] {
        bail!("--direction must not be zero");
    }
    Ok(Placement {
        tip,
        direction,
        roll: 0.0,
    })
}

pub fn run(args: &RecordArgs) -> anyhow::Result<()> {
    let kind = ProbeKind::parse(&args.probe)
        .with_context(|| format!("unknown probe '{}': use np1, np2 or np2-4shank", args.probe))?;
    if !(args.radius.is_finite() && args.radius > 0.0) {
        bail!(
            "--radius must be a positive number of µm, got {}",
            args.radius
        );
    }
    let circuit = Circuit::open(&args.path)?;
    let units = units_of(&circuit);
    if units.positions.is_empty() {
        bail!(
            "{}: no population with positions (x, y, z) to record from",
            args.path.display()
        );
    }
    let spikes: Vec<PopulationSpikes> = match &args.spikes {
        Some(file) => read_spikes(file)?,
        None => circuit
            .spikes
            .iter()
            .filter(|f| f.role == "output")
            .flat_map(|f| f.populations.clone())
            .collect(),
    };
    if spikes.is_empty() {
        bail!(
            "{}: no output spikes; give a spikes file with --spikes",
            args.path.display()
        );
    }
    let geometry = ProbeGeometry::new(kind);
    let placement = placement_from_flags(
        args.tip.as_deref(),
        args.direction.as_deref(),
        &units.positions,
    )?;
    let params = RecordingParams {
        radius_um: args.radius,
        ..Default::default()
    };
    let neighbourhood = Neighbourhood::new(
        &placement.channel_positions(&geometry),
        &units.positions,
        &params,
    );
    // Spikes of the old layout name no population: they belong to the only one with positions.
    let populations: Vec<&str> = circuit.nodes.iter().map(|p| p.name.as_str()).collect();
    let mut unmatched = 0usize;
    let mut pairs = Vec::new();
    for pop in &spikes {
        let name = if pop.population.is_empty() && populations.len() == 1 {
            populations[0]
        } else {
            pop.population.as_str()
        };
        for (&id, &t) in pop.node_ids.iter().zip(&pop.timestamps) {
            match units.index.get(&(name.to_owned(), id)) {
                Some(&u) => pairs.push((u, t)),
                None => unmatched += 1,
            }
        }
    }
    let events = record_events(&neighbourhood, pairs);
    write_events_csv(&args.out, &events, &units.names)
        .with_context(|| format!("writing {}", args.out.display()))?;
    eprintln!(
        "{}: tip {:?}, direction {:?}; {} of {} neurons within {} µm of a channel; {} events written to {}{}",
        kind.name(),
        placement.tip,
        placement.direction,
        neighbourhood.n_units_heard(),
        units.positions.len(),
        args.radius,
        events.len(),
        args.out.display(),
        if unmatched > 0 {
            format!(" ({unmatched} spikes of neurons without positions ignored)")
        } else {
            String::new()
        }
    );
    Ok(())
}

/// The centre of the circuit's horizontal extent, at its deepest point (y is depth, negative).
pub fn default_tip(positions: &[[f64; 3]]) -> [f64; 3] {
    let finite = positions.iter().filter(|p| p.iter().all(|v| v.is_finite()));
    let (mut lo, mut hi) = ([f64::INFINITY; 3], [f64::NEG_INFINITY; 3]);
    for p in finite {
        for k in 0..3 {
            lo[k] = lo[k].min(p[k]);
            hi[k] = hi[k].max(p[k]);
        }
    }
    [(lo[0] + hi[0]) / 2.0, lo[1], (lo[2] + hi[2]) / 2.0]
}
