//! The column's cells: layers at their depths, cell classes per layer, NEST parameters per
//! class, soma positions (pia at y = 0, y = -depth, cylinder radius at Allen V1 density).
use serde_json::{Map, Value, json};

use super::rng::Key;

/// Cells of the Allen Institute's mouse V1 model and the radius of its 850 um column: the
/// demo keeps their density, so a smaller column is narrower.
pub const ALLEN_CELLS: f64 = 230_924.0;
pub const ALLEN_RADIUS_UM: f64 = 845.0;
/// Depth of the white matter under L6 (um).
pub const CORTEX_DEPTH_UM: f64 = 850.0;
/// Depth of the sheets where the virtual populations are drawn (below the column).
pub const LGN_DEPTH_UM: f64 = 950.0;
pub const BKG_DEPTH_UM: f64 = 1050.0;

/// The point-neuron model of every cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CellModel {
    #[default]
    IafPscAlpha,
    GlifPsc,
}

impl CellModel {
    pub fn nest_name(self) -> &'static str {
        match self {
            CellModel::IafPscAlpha => "iaf_psc_alpha",
            CellModel::GlifPsc => "glif_psc",
        }
    }

    pub fn file_prefix(self) -> &'static str {
        match self {
            CellModel::IafPscAlpha => "iaf",
            CellModel::GlifPsc => "glif",
        }
    }
}

/// A cortical layer: name, depth range below the pia (um), share of all cells, excitatory share.
#[derive(Debug, Clone, Copy)]
pub struct Layer {
    pub name: &'static str,
    pub depth_um: (f64, f64),
    pub share: f64,
    pub exc_share: f64,
}

/// Mouse V1 layers (depths and shares as in the Allen V1 model: L1 is sparse and inhibitory).
pub const LAYERS: [Layer; 5] = [
    Layer {
        name: "L1",
        depth_um: (0.0, 100.0),
        share: 0.015,
        exc_share: 0.0,
    },
    Layer {
        name: "L23",
        depth_um: (100.0, 310.0),
        share: 0.27,
        exc_share: 0.82,
    },
    Layer {
        name: "L4",
        depth_um: (310.0, 430.0),
        share: 0.23,
        exc_share: 0.82,
    },
    Layer {
        name: "L5",
        depth_um: (430.0, 650.0),
        share: 0.20,
        exc_share: 0.80,
    },
    Layer {
        name: "L6",
        depth_um: (650.0, 850.0),
        share: 0.285,
        exc_share: 0.82,
    },
];

/// Excitatory cells and the three large inhibitory classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CellClass {
    Exc,
    Pvalb,
    Sst,
    Htr3a,
}

impl CellClass {
    pub const INHIBITORY: [CellClass; 3] = [CellClass::Pvalb, CellClass::Sst, CellClass::Htr3a];

    pub fn name(self) -> &'static str {
        match self {
            CellClass::Exc => "E",
            CellClass::Pvalb => "Pvalb",
            CellClass::Sst => "Sst",
            CellClass::Htr3a => "Htr3a",
        }
    }

    pub fn is_exc(self) -> bool {
        self == CellClass::Exc
    }

    pub fn ei(self) -> &'static str {
        if self.is_exc() { "e" } else { "i" }
    }

    /// Share of a layer's inhibitory cells.
    pub fn inh_share(self) -> f64 {
        match self {
            CellClass::Exc => 0.0,
            CellClass::Pvalb => 0.4,
            CellClass::Sst => 0.3,
            CellClass::Htr3a => 0.3,
        }
    }

    /// glif_psc receptor port of synapses made by this class (one time constant each).
    pub fn glif_receptor(self) -> u32 {
        match self {
            CellClass::Exc => 1,
            CellClass::Pvalb => 2,
            CellClass::Sst => 3,
            CellClass::Htr3a => 4,
        }
    }
}

/// One node type of the `v1` population.
#[derive(Debug, Clone, PartialEq)]
pub struct CellType {
    pub node_type_id: u64,
    pub pop_name: String,
    /// index into [`LAYERS`]
    pub layer: usize,
    pub class: CellClass,
    pub count: usize,
    /// file name under components/cell_models
    pub params_file: String,
    /// NEST parameters of the model
    pub params: Map<String, Value>,
}

impl CellType {
    pub fn layer_name(&self) -> &'static str {
        LAYERS[self.layer].name
    }
}

/// Splits `total` by `shares` with the largest-remainder method (deterministic, sums exactly).
pub fn largest_remainder(total: usize, shares: &[f64]) -> Vec<usize> {
    let sum: f64 = shares.iter().sum();
    if sum <= 0.0 || shares.is_empty() {
        return vec![0; shares.len()];
    }
    let raw: Vec<f64> = shares.iter().map(|s| s / sum * total as f64).collect();
    let mut counts: Vec<usize> = raw.iter().map(|r| r.floor() as usize).collect();
    let left = total.saturating_sub(counts.iter().sum());
    let mut order: Vec<usize> = (0..shares.len()).collect();
    // largest remainder first; ties by index (stable sort)
    order.sort_by(|&a, &b| {
        let ra = raw[a] - raw[a].floor();
        let rb = raw[b] - raw[b].floor();
        rb.total_cmp(&ra)
    });
    for &i in order.iter().take(left) {
        counts[i] += 1;
    }
    counts
}

fn iaf_params(layer: usize, class: CellClass) -> (String, Map<String, Value>) {
    let (name, c_m, tau_m, t_ref) = match class {
        // larger pyramidal cells in deeper layers integrate more slowly
        CellClass::Exc => {
            let tau = [10.0, 10.0, 11.0, 14.0, 12.0][layer];
            (
                format!("iaf_e{}.json", &LAYERS[layer].name[1..]),
                250.0,
                tau,
                2.0,
            )
        }
        CellClass::Pvalb => ("iaf_pvalb.json".to_string(), 200.0, 7.0, 1.0),
        CellClass::Sst => ("iaf_sst.json".to_string(), 200.0, 12.0, 2.0),
        CellClass::Htr3a => ("iaf_htr3a.json".to_string(), 180.0, 10.0, 2.0),
    };
    let v = json!({
        "C_m": c_m, "tau_m": tau_m, "t_ref": t_ref, "E_L": -70.0, "V_th": -55.0,
        "V_reset": -70.0, "tau_syn_ex": 2.0, "tau_syn_in": 2.0, "I_e": 0.0, "V_m": -70.0
    });
    (name, v.as_object().cloned().unwrap_or_default())
}

fn glif_params(layer: usize, class: CellClass) -> (String, Map<String, Value>) {
    // GLIF3 (leaky integrate-and-fire with after-spike currents), GLIF1 for Pvalb; four
    // synaptic ports: 1 excitatory, 2 Pvalb, 3 Sst, 4 Htr3a.
    let (name, c_m, tau, t_ref, asc) = match class {
        CellClass::Exc => {
            let c_m = [60.0, 60.0, 70.0, 90.0, 80.0][layer];
            let name = format!("glif_e{}.json", &LAYERS[layer].name[1..]);
            (name, c_m, 12.0, 3.0, Some([-6.0, -60.0]))
        }
        CellClass::Pvalb => ("glif_pvalb.json".to_string(), 40.0, 6.0, 1.5, None),
        CellClass::Sst => (
            "glif_sst.json".to_string(),
            50.0,
            12.0,
            2.5,
            Some([-4.0, -30.0]),
        ),
        CellClass::Htr3a => (
            "glif_htr3a.json".to_string(),
            45.0,
            10.0,
            2.0,
            Some([-4.0, -30.0]),
        ),
    };
    let v = json!({
        "V_m": -70.0, "E_L": -70.0, "V_th": -52.0, "V_reset": -70.0,
        "tau_syn": [5.5, 8.5, 2.8, 5.8],
        "spike_dependent_threshold": false, "adapting_threshold": false,
        "asc_init": [0.0, 0.0], "asc_decay": [0.003, 0.1], "asc_r": [1.0, 1.0],
        "C_m": c_m, "g": c_m / tau, "t_ref": t_ref,
        "after_spike_currents": asc.is_some(),
        "asc_amps": asc.unwrap_or([0.0, 0.0]),
    });
    (name, v.as_object().cloned().unwrap_or_default())
}

/// The node types of a column of `cells` cells, counts summing to `cells`, ids from 100.
pub fn cell_types(cells: usize, model: CellModel) -> Vec<CellType> {
    let mut types = Vec::new();
    let mut shares = Vec::new();
    for (li, layer) in LAYERS.iter().enumerate() {
        let mut classes: Vec<(CellClass, f64)> = Vec::new();
        if layer.exc_share > 0.0 {
            classes.push((CellClass::Exc, layer.exc_share));
        }
        if li == 0 {
            classes.push((CellClass::Htr3a, 1.0 - layer.exc_share));
        } else {
            for c in CellClass::INHIBITORY {
                classes.push((c, (1.0 - layer.exc_share) * c.inh_share()));
            }
        }
        for (class, share) in classes {
            let (params_file, params) = match model {
                CellModel::IafPscAlpha => iaf_params(li, class),
                CellModel::GlifPsc => glif_params(li, class),
            };
            let prefix = if class.is_exc() { "e" } else { "i" };
            let suffix = if class.is_exc() { "" } else { class.name() };
            types.push(CellType {
                node_type_id: 100 + types.len() as u64,
                pop_name: format!("{prefix}{}{suffix}", &layer.name[1..]),
                layer: li,
                class,
                count: 0,
                params_file,
                params,
            });
            shares.push(layer.share * share);
        }
    }
    for (t, n) in types.iter_mut().zip(largest_remainder(cells, &shares)) {
        t.count = n;
    }
    types
}

/// Radius (um) of a column of `cells` cells at Allen V1 density.
pub fn column_radius_um(cells: usize) -> f64 {
    ALLEN_RADIUS_UM * (cells as f64 / ALLEN_CELLS).sqrt()
}

/// A point uniform in the disk of radius `r` (x, z) from two uniforms.
pub fn disk_point(r: f64, u1: f64, u2: f64) -> (f64, f64) {
    let rho = r * u1.sqrt();
    let th = 2.0 * std::f64::consts::PI * u2;
    (rho * th.cos(), rho * th.sin())
}

/// Nodes of one population: type (index into a type table) and soma position per row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Nodes {
    pub type_of: Vec<u32>,
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    pub z: Vec<f64>,
}

impl Nodes {
    pub fn len(&self) -> usize {
        self.x.len()
    }

    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    fn push(&mut self, t: u32, x: f64, y: f64, z: f64) {
        self.type_of.push(t);
        self.x.push(x);
        self.y.push(y);
        self.z.push(z);
    }
}

/// Cells of the column in node-type order (node id = row), placed in their layer.
pub fn place_cells(types: &[CellType], radius: f64, seed: u64) -> Nodes {
    let key = Key::new(seed, 0x504F_5331);
    let mut nodes = Nodes::default();
    for (ti, t) in types.iter().enumerate() {
        let (d0, d1) = LAYERS[t.layer].depth_um;
        for _ in 0..t.count {
            let k = key.with(nodes.len() as u64);
            let (x, z) = disk_point(radius, k.uniform(0), k.uniform(1));
            let y = -(d0 + (d1 - d0) * k.uniform(2));
            nodes.push(ti as u32, x, y, z);
        }
    }
    nodes
}

/// `n` virtual nodes in a horizontal disk at `depth` below the pia.
pub fn place_sheet(n: usize, radius: f64, depth: f64, seed: u64, stream: u64) -> Nodes {
    let key = Key::new(seed, stream);
    let mut nodes = Nodes::default();
    for i in 0..n {
        let k = key.with(i as u64);
        let (x, z) = disk_point(radius, k.uniform(0), k.uniform(1));
        nodes.push(0, x, -depth, z);
    }
    nodes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_sum_and_layers_hold_their_share() {
        for n in [1, 10, 137, 5000] {
            let types = cell_types(n, CellModel::IafPscAlpha);
            assert_eq!(types.iter().map(|t| t.count).sum::<usize>(), n);
        }
        let types = cell_types(10_000, CellModel::IafPscAlpha);
        let exc: usize = types
            .iter()
            .filter(|t| t.class.is_exc())
            .map(|t| t.count)
            .sum();
        assert!((7_900..=8_100).contains(&exc), "{exc}");
    }

    #[test]
    fn cells_lie_in_their_layer() {
        let types = cell_types(500, CellModel::GlifPsc);
        let r = column_radius_um(500);
        let nodes = place_cells(&types, r, 3);
        assert_eq!(nodes.len(), 500);
        for i in 0..nodes.len() {
            let t = &types[nodes.type_of[i] as usize];
            let (d0, d1) = LAYERS[t.layer].depth_um;
            assert!(-nodes.y[i] >= d0 && -nodes.y[i] <= d1);
            assert!(nodes.x[i].hypot(nodes.z[i]) <= r);
        }
    }
}
