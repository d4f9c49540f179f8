//! The built-in demo: a deterministic V1-like column (no files needed) as an in-memory
//! [`Network`](crate::sim::Network) for the engine, and the same network written as SONATA for
//! BMTK PointNet and NEST.
//!
//! | module | what |
//! |---|---|
//! | `rng` | counter-based random numbers (order- and thread-independent) |
//! | `layout` | layers, cell types and NEST parameters, soma positions |
//! | `connect` | recurrent, thalamic and background edges with distance-dependent delays |
//! | `trains` | Poisson spike trains of the virtual populations |
//! | `network` | [`Demo`] -> engine [`Network`](crate::sim::Network) |
//! | `live` | the live run: recurrent weights split by E/I class, endless Poisson inputs |
//! | `export` | [`Demo`] -> SONATA files (nodes, edges, types, inputs, configs) |
pub mod connect;
pub mod error;
pub mod export;
pub mod layout;
pub mod live;
pub mod network;
pub mod rng;
pub mod trains;

pub use connect::{EdgeSet, EdgeType, Wiring};
pub use error::{DemoError, DemoResult};
pub use layout::{CellClass, CellModel, CellType, LAYERS, Nodes};

use rng::Key;

/// Default number of cells: about 1.24 M synapses, 14 Hz mean rate; the engine ran it at 5.9x
/// real time on one thread of a 2-core machine that other jobs kept at a load of 6, which
/// leaves the other core and most of this one to rendering.
pub const DEFAULT_CELLS: usize = 5000;

/// What to build.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoOptions {
    pub cells: usize,
    pub seed: u64,
    /// length of the input spike trains (ms); a longer `tstop_ms` extends every train and keeps
    /// what a shorter one had, so a live run can regenerate longer trains seamlessly
    pub tstop_ms: f64,
    pub dt_ms: f64,
    pub model: CellModel,
    /// LGN nodes per cortical cell
    pub lgn_fraction: f64,
    /// mean LGN rate (Hz); per-node rates are lognormal around it
    pub lgn_rate_hz: f64,
    /// background nodes per cortical cell (at least 10 are made) and their rate (Hz)
    pub bkg_fraction: f64,
    pub bkg_rate_hz: f64,
    pub wiring: Wiring,
}

impl DemoOptions {
    pub fn new(cells: usize, model: CellModel) -> Self {
        Self {
            cells,
            seed: 1,
            tstop_ms: 1000.0,
            dt_ms: 0.1,
            model,
            lgn_fraction: 0.1,
            lgn_rate_hz: 15.0,
            bkg_fraction: 0.1,
            bkg_rate_hz: 100.0,
            wiring: Wiring::for_model(model),
        }
    }
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self::new(DEFAULT_CELLS, CellModel::IafPscAlpha)
    }
}

fn input_rates(o: &DemoOptions, n_lgn: usize, n_bkg: usize) -> (Vec<f64>, Vec<f64>) {
    let lgn = trains::lognormal_rates(n_lgn, o.lgn_rate_hz, 0.5, Key::new(o.seed, 0x5241_5445));
    (lgn, vec![o.bkg_rate_hz; n_bkg])
}

/// The generated column: everything the engine and the SONATA files need.
#[derive(Debug, Clone, PartialEq)]
pub struct Demo {
    pub options: DemoOptions,
    pub radius_um: f64,
    pub cell_types: Vec<CellType>,
    /// population `v1` (node id = row)
    pub cells: Nodes,
    /// virtual population `lgn`
    pub lgn: Nodes,
    /// virtual population `bkg`
    pub bkg: Nodes,
    /// `v1_to_v1`, `lgn_to_v1`, `bkg_to_v1`
    pub edges: Vec<EdgeSet>,
    pub lgn_trains: Vec<Vec<f64>>,
    pub bkg_trains: Vec<Vec<f64>>,
}

impl Demo {
    /// Builds the column; the same options give the same column on every machine.
    pub fn build(options: &DemoOptions) -> DemoResult<Self> {
        let o = options;
        if o.cells == 0 {
            return Err(DemoError::Invalid(
                "the column needs at least one cell".into(),
            ));
        }
        if !(o.dt_ms > 0.0 && o.tstop_ms > 0.0) {
            return Err(DemoError::Invalid("dt and tstop must be positive".into()));
        }
        if !(o.lgn_rate_hz >= 0.0 && o.bkg_rate_hz >= 0.0) {
            return Err(DemoError::Invalid(
                "input rates must not be negative".into(),
            ));
        }
        let radius_um = layout::column_radius_um(o.cells);
        let cell_types = layout::cell_types(o.cells, o.model);
        let cells = layout::place_cells(&cell_types, radius_um, o.seed);
        let n_lgn = ((o.cells as f64 * o.lgn_fraction).round() as usize).max(1);
        let n_bkg = ((o.cells as f64 * o.bkg_fraction).round() as usize).max(10);
        let lgn = layout::place_sheet(n_lgn, radius_um, layout::LGN_DEPTH_UM, o.seed, 0x4C47);
        let bkg = layout::place_sheet(n_bkg, radius_um, layout::BKG_DEPTH_UM, o.seed, 0x424B);
        let w = &o.wiring;
        let edges = vec![
            connect::recurrent(&cell_types, &cells, o.model, w, o.dt_ms, o.seed),
            connect::thalamic(&cell_types, &cells, &lgn, o.model, w, o.dt_ms, o.seed),
            connect::background(&cell_types, &cells, n_bkg, o.model, w, o.dt_ms, o.seed),
        ];
        let (lgn_rates, bkg_rates) = input_rates(o, n_lgn, n_bkg);
        let lgn_trains = trains::trains(
            &lgn_rates,
            o.tstop_ms,
            o.dt_ms,
            Key::new(o.seed, 0x4C47_5350),
        );
        let bkg_trains = trains::trains(
            &bkg_rates,
            o.tstop_ms,
            o.dt_ms,
            Key::new(o.seed, 0x424B_5350),
        );
        Ok(Self {
            options: o.clone(),
            radius_um,
            cell_types,
            cells,
            lgn,
            bkg,
            edges,
            lgn_trains,
            bkg_trains,
        })
    }

    /// Per-node rates (Hz) of the `lgn` and `bkg` inputs.
    pub fn input_rates(&self) -> (Vec<f64>, Vec<f64>) {
        input_rates(&self.options, self.lgn.len(), self.bkg.len())
    }

    /// Number of edges of all edge populations.
    pub fn edge_count(&self) -> usize {
        self.edges.iter().map(EdgeSet::len).sum()
    }

    /// Number of input spikes of the virtual populations.
    pub fn input_spike_count(&self) -> usize {
        self.lgn_trains
            .iter()
            .chain(&self.bkg_trains)
            .map(Vec::len)
            .sum()
    }
}
