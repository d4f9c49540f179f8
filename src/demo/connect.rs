//! Connectivity: Potjans-Diesmann layer probabilities times a Gaussian of horizontal distance
//! (recurrent), a retinotopic-like Gaussian from the LGN sheet, and a few shared background
//! sources per cell. Delays grow with the 3D distance (axonal conduction).
use rayon::prelude::*;

use super::layout::{CellClass, CellModel, CellType, LAYERS, Nodes};
use super::rng::Key;

/// Potjans & Diesmann (2014) connection probabilities, rows = target, columns = source, in the
/// order L23e L23i L4e L4i L5e L5i L6e L6i.
const PD_C: [[f64; 8]; 8] = [
    [0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
    [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
    [0.0077, 0.0059, 0.0497, 0.1350, 0.0067, 0.0003, 0.0453, 0.0],
    [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
    [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
    [0.0548, 0.0269, 0.0257, 0.0022, 0.0600, 0.3158, 0.0086, 0.0],
    [
        0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252,
    ],
    [
        0.0364, 0.0010, 0.0034, 0.0005, 0.0277, 0.0080, 0.0658, 0.1443,
    ],
];

/// Probability beyond this many sigmas of horizontal distance is zero.
const CUTOFF_SIGMAS: f64 = 3.0;

/// Weights, in-degrees, spatial widths and conduction velocities.
#[derive(Debug, Clone, PartialEq)]
pub struct Wiring {
    /// mean recurrent in-degree
    pub k_rec: f64,
    /// mean LGN in-degree
    pub k_lgn: f64,
    /// background sources per cell
    pub k_bkg: usize,
    pub sigma_exc_um: f64,
    pub sigma_inh_um: f64,
    pub sigma_lgn_um: f64,
    /// excitatory recurrent weight (pA)
    pub w_exc: f64,
    /// inhibitory / excitatory weight ratio
    pub g_inh: f64,
    pub w_lgn: f64,
    pub w_bkg: f64,
    /// intracortical conduction velocity (um/ms) and the synaptic part of the delay (ms)
    pub v_cortex_um_per_ms: f64,
    pub delay_exc_ms: f64,
    pub delay_inh_ms: f64,
    /// thalamocortical conduction velocity (um/ms) and synaptic delay (ms)
    pub v_lgn_um_per_ms: f64,
    pub delay_lgn_ms: f64,
    pub delay_bkg_ms: f64,
}

impl Wiring {
    pub fn for_model(model: CellModel) -> Self {
        let (w_exc, g_inh, w_lgn, w_bkg) = match model {
            CellModel::IafPscAlpha => (30.0, 5.0, 90.0, 20.0),
            CellModel::GlifPsc => (8.0, 6.0, 22.0, 5.0),
        };
        Self {
            k_rec: 200.0,
            k_lgn: 40.0,
            k_bkg: 10,
            sigma_exc_um: 120.0,
            sigma_inh_um: 90.0,
            sigma_lgn_um: 150.0,
            w_exc,
            g_inh,
            w_lgn,
            w_bkg,
            v_cortex_um_per_ms: 300.0,
            delay_exc_ms: 1.0,
            delay_inh_ms: 0.8,
            v_lgn_um_per_ms: 1000.0,
            delay_lgn_ms: 1.0,
            delay_bkg_ms: 1.0,
        }
    }
}

/// One SONATA edge type.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeType {
    pub edge_type_id: u64,
    pub target_query: String,
    pub source_query: String,
    /// pA
    pub syn_weight: f64,
    /// file name under components/synaptic_models
    pub dynamics_params: String,
    /// NEST receptor_type written in that file (0: none)
    pub receptor: u32,
}

/// The edges of one SONATA edge population, sorted by target then source.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EdgeSet {
    /// SONATA edge population name ("v1_to_v1")
    pub name: String,
    pub source_population: String,
    pub target_population: String,
    pub types: Vec<EdgeType>,
    pub src: Vec<u32>,
    pub tgt: Vec<u32>,
    /// per edge: index into `types`
    pub type_of: Vec<u32>,
    pub delay_ms: Vec<f64>,
}

impl EdgeSet {
    pub fn len(&self) -> usize {
        self.src.len()
    }

    pub fn is_empty(&self) -> bool {
        self.src.is_empty()
    }
}

/// A delay on the dt grid (at least dt), kept to 1e-6 ms so that its decimal text is exact.
pub fn grid_delay(d: f64, dt: f64) -> f64 {
    let steps = (d / dt).round().max(1.0);
    (steps * dt * 1e6).round() / 1e6
}

fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

/// Index of a (layer, excitatory?) class in the Potjans-Diesmann matrix; L1 counts as L2/3
/// inhibitory.
fn pd_index(layer: usize, exc: bool) -> usize {
    2 * (layer.max(1) - 1) + usize::from(!exc)
}

/// Target classes: (layer, E or I) present in the column, 0 = L1 I, then L23 E, L23 I, ...
fn target_class(layer: usize, exc: bool) -> usize {
    if layer == 0 {
        0
    } else {
        1 + pd_index(layer, exc)
    }
}

const TARGET_CLASSES: usize = 9;

fn target_class_of(tc: usize) -> (usize, bool) {
    if tc == 0 {
        (0, false)
    } else {
        ((tc - 1) / 2 + 1, (tc - 1).is_multiple_of(2))
    }
}

fn target_query(tc: usize) -> String {
    let (layer, exc) = target_class_of(tc);
    format!(
        "layer=='{}'&ei=='{}'",
        LAYERS[layer].name,
        if exc { "e" } else { "i" }
    )
}

/// Preference of an inhibitory class for E or I targets (Sst avoid I, Htr3a prefer I).
fn class_preference(source: CellClass, target_exc: bool) -> f64 {
    match (source, target_exc) {
        (CellClass::Sst, false) => 0.6,
        (CellClass::Htr3a, true) => 0.3,
        (CellClass::Htr3a, false) => 1.5,
        _ => 1.0,
    }
}

fn class_weight_scale(source: CellClass) -> f64 {
    match source {
        CellClass::Pvalb => 1.2,
        CellClass::Sst => 1.0,
        CellClass::Htr3a => 0.8,
        CellClass::Exc => 1.0,
    }
}

/// Relative LGN innervation per layer (L4 densest).
const LGN_LAYER_PREFERENCE: [f64; 5] = [0.3, 0.6, 1.0, 0.6, 0.8];

fn synapse_file(model: CellModel, source: CellClass) -> (String, u32) {
    match model {
        CellModel::IafPscAlpha => {
            let f = if source.is_exc() {
                "static_exc.json"
            } else {
                "static_inh.json"
            };
            (f.to_string(), 0)
        }
        CellModel::GlifPsc => {
            let r = source.glif_receptor();
            (format!("static_r{r}.json"), r)
        }
    }
}

/// A rule for one (source type, target class) pair: probability scale and width.
#[derive(Debug, Clone, Copy)]
struct Rule {
    edge_type: u32,
    c: f64,
    sigma: f64,
}

/// Recurrent edge types and, per (source cell type, target class), its rule.
// edge type ids follow target class, then source type: the loop order is the numbering
#[allow(clippy::needless_range_loop)]
fn recurrent_rules(
    types: &[CellType],
    model: CellModel,
    w: &Wiring,
) -> (Vec<EdgeType>, Vec<[Option<Rule>; TARGET_CLASSES]>) {
    let mut ets = Vec::new();
    let mut rules = vec![[None; TARGET_CLASSES]; types.len()];
    for tc in 0..TARGET_CLASSES {
        let (tl, texc) = target_class_of(tc);
        for (si, st) in types.iter().enumerate() {
            let sexc = st.class.is_exc();
            let mut c = PD_C[pd_index(tl, texc)][pd_index(st.layer, sexc)];
            c *= class_preference(st.class, texc);
            if st.layer == 0 {
                c *= 0.5;
            }
            if c <= 0.0 {
                continue;
            }
            let weight = if sexc {
                let l4_to_l23 = st.layer == 2 && tl == 1 && texc;
                w.w_exc * if l4_to_l23 { 2.0 } else { 1.0 }
            } else {
                -w.g_inh * w.w_exc * class_weight_scale(st.class)
            };
            let (dynamics_params, receptor) = synapse_file(model, st.class);
            rules[si][tc] = Some(Rule {
                edge_type: ets.len() as u32,
                c,
                sigma: if sexc { w.sigma_exc_um } else { w.sigma_inh_um },
            });
            ets.push(EdgeType {
                edge_type_id: 1000 + ets.len() as u64,
                target_query: target_query(tc),
                source_query: format!("pop_name=='{}'", st.pop_name),
                syn_weight: round4(weight),
                dynamics_params,
                receptor,
            });
        }
    }
    (ets, rules)
}

/// Indices of `nodes` sorted by x, and the sorted x values, for window queries.
struct ByX {
    order: Vec<u32>,
    xs: Vec<f64>,
}

impl ByX {
    fn new(nodes: &Nodes) -> Self {
        let mut order: Vec<u32> = (0..nodes.len() as u32).collect();
        order.sort_by(|&a, &b| nodes.x[a as usize].total_cmp(&nodes.x[b as usize]));
        let xs = order.iter().map(|&i| nodes.x[i as usize]).collect();
        Self { order, xs }
    }

    fn window(&self, lo: f64, hi: f64) -> &[u32] {
        let a = self.xs.partition_point(|&x| x < lo);
        let b = self.xs.partition_point(|&x| x <= hi);
        &self.order[a..b]
    }
}

fn d2_horizontal(a: &Nodes, i: usize, b: &Nodes, j: usize) -> f64 {
    let dx = a.x[i] - b.x[j];
    let dz = a.z[i] - b.z[j];
    dx * dx + dz * dz
}

fn dist3(a: &Nodes, i: usize, b: &Nodes, j: usize) -> f64 {
    let dy = a.y[i] - b.y[j];
    (d2_horizontal(a, i, b, j) + dy * dy).sqrt()
}

/// Probability scale that makes the mean in-degree `k` (solved on a sample of targets):
/// mean_t sum_s min(1, s * term) == k.
fn solve_scale(terms: &[Vec<f64>], k: f64) -> f64 {
    let n = terms.len().max(1) as f64;
    let mean_k = |s: f64| {
        terms
            .iter()
            .map(|t| t.iter().map(|&x| (s * x).min(1.0)).sum::<f64>())
            .sum::<f64>()
            / n
    };
    let mut hi = 1.0;
    while mean_k(hi) < k && hi < 1e6 {
        hi *= 2.0;
    }
    let mut lo = 0.0;
    for _ in 0..50 {
        let mid = 0.5 * (lo + hi);
        if mean_k(mid) < k {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Every `step`-th row: the sample the in-degree is solved on.
fn sample_rows(n: usize) -> impl Iterator<Item = usize> {
    let step = (n / 200).max(1);
    (0..n).step_by(step)
}

/// One target's incoming edges: (source row, edge type, delay).
type Incoming = Vec<(u32, u32, f64)>;

fn flatten(name: &str, source: &str, types: Vec<EdgeType>, per_target: Vec<Incoming>) -> EdgeSet {
    let mut set = EdgeSet {
        name: name.to_string(),
        source_population: source.to_string(),
        target_population: "v1".to_string(),
        types,
        ..Default::default()
    };
    for (t, mut inc) in per_target.into_iter().enumerate() {
        inc.sort_by_key(|e| e.0);
        for (s, et, d) in inc {
            set.src.push(s);
            set.tgt.push(t as u32);
            set.type_of.push(et);
            set.delay_ms.push(d);
        }
    }
    set
}

/// Recurrent v1 -> v1 edges.
pub fn recurrent(
    types: &[CellType],
    cells: &Nodes,
    model: CellModel,
    w: &Wiring,
    dt: f64,
    seed: u64,
) -> EdgeSet {
    let (ets, rules) = recurrent_rules(types, model, w);
    let by_x = ByX::new(cells);
    let reach = CUTOFF_SIGMAS * w.sigma_exc_um.max(w.sigma_inh_um);
    let tc_of = |i: usize| {
        let t = &types[cells.type_of[i] as usize];
        target_class(t.layer, t.class.is_exc())
    };
    // candidates of target t with their unscaled probability
    let candidates = |t: usize, f: &mut dyn FnMut(usize, Rule, f64)| {
        let tc = tc_of(t);
        for &s in by_x.window(cells.x[t] - reach, cells.x[t] + reach) {
            let s = s as usize;
            if s == t {
                continue;
            }
            let Some(rule) = rules[cells.type_of[s] as usize][tc] else {
                continue;
            };
            let d2 = d2_horizontal(cells, s, cells, t);
            let cut = CUTOFF_SIGMAS * rule.sigma;
            if d2 > cut * cut {
                continue;
            }
            f(
                s,
                rule,
                rule.c * (-d2 / (2.0 * rule.sigma * rule.sigma)).exp(),
            );
        }
    };
    let terms: Vec<Vec<f64>> = sample_rows(cells.len())
        .map(|t| {
            let mut v = Vec::new();
            candidates(t, &mut |_, _, p| v.push(p));
            v
        })
        .collect();
    let scale = solve_scale(&terms, w.k_rec);
    let key = Key::new(seed, 0x5245_4331);
    let per_target: Vec<Incoming> = (0..cells.len())
        .into_par_iter()
        .map(|t| {
            let kt = key.with(t as u64);
            let mut inc = Vec::new();
            candidates(t, &mut |s, rule, p| {
                if kt.uniform(s as u64) < (scale * p).min(1.0) {
                    let base = if types[cells.type_of[s] as usize].class.is_exc() {
                        w.delay_exc_ms
                    } else {
                        w.delay_inh_ms
                    };
                    let d = base + dist3(cells, s, cells, t) / w.v_cortex_um_per_ms;
                    inc.push((s as u32, rule.edge_type, grid_delay(d, dt)));
                }
            });
            inc
        })
        .collect();
    flatten("v1_to_v1", "v1", ets, per_target)
}

/// LGN -> v1 edges: a Gaussian of horizontal distance scaled per target layer.
pub fn thalamic(
    types: &[CellType],
    cells: &Nodes,
    lgn: &Nodes,
    model: CellModel,
    w: &Wiring,
    dt: f64,
    seed: u64,
) -> EdgeSet {
    let (dynamics_params, receptor) = synapse_file(model, CellClass::Exc);
    let ets: Vec<EdgeType> = (0..TARGET_CLASSES)
        .map(|tc| EdgeType {
            edge_type_id: 2000 + tc as u64,
            target_query: target_query(tc),
            source_query: "*".to_string(),
            syn_weight: round4(w.w_lgn * if target_class_of(tc).1 { 1.0 } else { 1.3 }),
            dynamics_params: dynamics_params.clone(),
            receptor,
        })
        .collect();
    let by_x = ByX::new(lgn);
    let sigma = w.sigma_lgn_um;
    let cut = CUTOFF_SIGMAS * sigma;
    let candidates = |t: usize, f: &mut dyn FnMut(usize, f64)| {
        let ty = &types[cells.type_of[t] as usize];
        let pref = LGN_LAYER_PREFERENCE[ty.layer];
        for &s in by_x.window(cells.x[t] - cut, cells.x[t] + cut) {
            let s = s as usize;
            let d2 = d2_horizontal(lgn, s, cells, t);
            if d2 <= cut * cut {
                f(s, pref * (-d2 / (2.0 * sigma * sigma)).exp());
            }
        }
    };
    let terms: Vec<Vec<f64>> = sample_rows(cells.len())
        .map(|t| {
            let mut v = Vec::new();
            candidates(t, &mut |_, p| v.push(p));
            v
        })
        .collect();
    let scale = solve_scale(&terms, w.k_lgn);
    let key = Key::new(seed, 0x4C47_4E31);
    let per_target: Vec<Incoming> = (0..cells.len())
        .into_par_iter()
        .map(|t| {
            let kt = key.with(t as u64);
            let ty = &types[cells.type_of[t] as usize];
            let et = target_class(ty.layer, ty.class.is_exc()) as u32;
            let mut inc = Vec::new();
            candidates(t, &mut |s, p| {
                if kt.uniform(s as u64) < (scale * p).min(1.0) {
                    let d = w.delay_lgn_ms + dist3(lgn, s, cells, t) / w.v_lgn_um_per_ms;
                    inc.push((s as u32, et, grid_delay(d, dt)));
                }
            });
            inc
        })
        .collect();
    flatten("lgn_to_v1", "lgn", ets, per_target)
}

/// Background -> v1 edges: `k_bkg` distinct background sources per cell, drawn uniformly.
pub fn background(
    types: &[CellType],
    cells: &Nodes,
    n_bkg: usize,
    model: CellModel,
    w: &Wiring,
    dt: f64,
    seed: u64,
) -> EdgeSet {
    let (dynamics_params, receptor) = synapse_file(model, CellClass::Exc);
    let ets: Vec<EdgeType> = ["e", "i"]
        .iter()
        .enumerate()
        .map(|(i, ei)| EdgeType {
            edge_type_id: 3000 + i as u64,
            target_query: format!("ei=='{ei}'"),
            source_query: "*".to_string(),
            syn_weight: round4(w.w_bkg),
            dynamics_params: dynamics_params.clone(),
            receptor,
        })
        .collect();
    let key = Key::new(seed, 0x424B_4731);
    let k = w.k_bkg.min(n_bkg);
    let delay = grid_delay(w.delay_bkg_ms, dt);
    let per_target: Vec<Incoming> = (0..cells.len())
        .map(|t| {
            let kt = key.with(t as u64);
            let et = u32::from(!types[cells.type_of[t] as usize].class.is_exc());
            let mut chosen: Vec<u32> = Vec::with_capacity(k);
            let mut j = 0u64;
            while chosen.len() < k {
                let s = kt.below(j, n_bkg as u64) as u32;
                j += 1;
                if !chosen.contains(&s) {
                    chosen.push(s);
                }
            }
            chosen.into_iter().map(|s| (s, et, delay)).collect()
        })
        .collect();
    flatten("bkg_to_v1", "bkg", ets, per_target)
}
