//! The scene model: what the viewer draws, computed from a [`Circuit`] without Bevy.
//!
//! One instance per node that has a soma position, populations back to back. Representations
//! (selection + style + colouring, as in VND) turn into per-instance colour and radius; spikes
//! are indexed by time and mapped from (population, node id) to instance.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;

use crate::sonata::{
    Circuit, Column, LoadProgress, NodePopulation, PopulationSpikes, SpikeIndex, Values,
    read_spikes, selection_language,
};

/// One neuron as the GPU sees it (32 bytes; matches `shaders/neurons.wgsl`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct NeuronInstance {
    /// Soma position in µm.
    pub position: [f32; 3],
    /// Drawn radius in µm; 0 hides the instance.
    pub radius: f32,
    /// Linear RGB and alpha (alpha 0.5 or less: drawn as a flat point, not a shaded sphere).
    pub color: [f32; 4],
}

/// A node population as placed in the scene.
#[derive(Clone, Debug)]
pub struct ScenePopulation {
    pub name: String,
    /// Index of the population in `Circuit::nodes`.
    pub circuit_index: usize,
    /// First instance of this population.
    pub offset: usize,
    /// Number of instances (0 when the population has no positions).
    pub len: usize,
    pub is_virtual: bool,
    /// Rows of the population that have instances: `rows[i]` is the row of instance
    /// `offset + i`.
    pub rows: Vec<u32>,
    /// Node types with counts, for the circuit tree.
    pub node_types: Vec<(i64, usize, String)>,
}

/// Spikes of one population, indexed for playback, with node id -> instance.
#[derive(Clone, Debug)]
pub struct SceneSpikes {
    pub source: String,
    pub index: SpikeIndex,
    /// `instance_of[node_id]`: the instance, or `u32::MAX` when the node is not drawn.
    pub instance_of: Vec<u32>,
}

/// How a representation draws its neurons (VND's names where VND has the style).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Spheres,
    Points,
    Hidden,
    /// The cell's morphology as tubes (`src/view/morphologies.rs`; level of detail there);
    /// cells without a morphology file stay spheres.
    Morphology,
    /// The cell's morphology as lines, the soma as a sphere of its own radius.
    MorphologyLine,
}

impl Style {
    pub const ALL: [Self; 5] = [
        Self::Spheres,
        Self::Points,
        Self::Hidden,
        Self::Morphology,
        Self::MorphologyLine,
    ];

    /// The spelling of `--style` and of the UI (`soma` for spheres, as VND).
    pub fn name(self) -> &'static str {
        match self {
            Self::Spheres => "soma",
            Self::Points => "points",
            Self::Hidden => "hidden",
            Self::Morphology => "morphology",
            Self::MorphologyLine => "morphology_line",
        }
    }

    /// Parses [`Style::name`] (`spheres` is accepted for `soma`).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "spheres" | "sphere" => Some(Self::Spheres),
            _ => Self::ALL.into_iter().find(|st| st.name() == s),
        }
    }

    /// Whether neurons of this style are drawn as their morphology (and how).
    pub fn morphology(self) -> Option<MorphologyStyle> {
        match self {
            Self::Morphology => Some(MorphologyStyle::Tubes),
            Self::MorphologyLine => Some(MorphologyStyle::Lines),
            _ => None,
        }
    }
}

/// What a morphology style asks for (the level of detail may draw less).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MorphologyStyle {
    Tubes,
    Lines,
}

/// A neuron a representation asks to draw as its morphology.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MorphologyCell {
    pub instance: u32,
    pub style: MorphologyStyle,
    /// The representation's colour for it, sRGB.
    pub color: [f32; 3],
}

/// How a representation colours its neurons.
#[derive(Clone, Debug, PartialEq)]
pub enum Coloring {
    Solid([f32; 3]),
    ByPopulation,
    ByNodeType,
    /// Each neuron's mean firing rate over the loaded spikes (viridis, 0 to the 99th
    /// percentile).
    ByActivity,
    /// Any attribute: categorical palette for text and few integers, else a colormap over
    /// `range` (the data range when `None`).
    ByAttribute {
        name: String,
        range: Option<(f64, f64)>,
    },
    /// The value of the active frame report (membrane potential, ...) at the playback time,
    /// through `colormap` over `range` (the report's data range when `None`). Styling only
    /// marks these instances ([`Styled::by_report`]); the report plugin colours them per frame.
    ByReport {
        colormap: crate::view::reports::frames::Colormap,
        range: Option<(f64, f64)>,
    },
}

impl Coloring {
    /// Parses the `--color-by` spelling: `population`, `type`/`node_type`, `#rrggbb`, or an
    /// attribute name.
    pub fn parse(s: &str) -> Self {
        match s {
            "population" | "pop" => Self::ByPopulation,
            "type" | "node_type" | "node_type_id" => Self::ByNodeType,
            "activity" | "rate" => Self::ByActivity,
            "report" => Self::ByReport {
                colormap: crate::view::reports::frames::Colormap::Viridis,
                range: None,
            },
            _ => match parse_hex_color(s) {
                Some(c) => Self::Solid(c),
                None => Self::ByAttribute {
                    name: s.to_owned(),
                    range: None,
                },
            },
        }
    }
}

/// A selection string, a style and a colouring; several at once, later ones on top.
#[derive(Clone, Debug, PartialEq)]
pub struct Representation {
    pub selection: String,
    pub style: Style,
    pub coloring: Coloring,
    /// Radius multiplier over the scene's default radius.
    pub radius_scale: f32,
    pub enabled: bool,
}

impl Default for Representation {
    fn default() -> Self {
        Self {
            selection: String::new(),
            style: Style::Spheres,
            coloring: Coloring::ByPopulation,
            radius_scale: 1.0,
            enabled: true,
        }
    }
}

/// One entry of a legend: a colour and what it means.
#[derive(Clone, Debug, PartialEq)]
pub enum LegendEntry {
    Swatch { color: [f32; 3], label: String },
    Ramp { label: String, min: f64, max: f64 },
}

/// The result of applying representations: instance data, a legend, and errors per
/// representation (a bad selection string draws nothing and says why).
#[derive(Clone, Debug, Default)]
pub struct Styled {
    pub instances: Vec<NeuronInstance>,
    pub legend: Vec<LegendEntry>,
    pub errors: Vec<(usize, String)>,
    /// Instances drawn.
    pub visible: usize,
    /// Instances coloured by a report value, with the representation that colours them.
    pub by_report: Vec<(u32, usize)>,
    /// Instances whose representation draws them as their morphology, by instance (the
    /// instance itself is styled as a sphere: what is drawn until, or unless, the morphology is).
    pub morphology: Vec<MorphologyCell>,
}

/// Everything the viewer shows of a circuit.
#[derive(Clone, Debug, Default)]
pub struct Scene {
    pub circuit: Circuit,
    pub populations: Vec<ScenePopulation>,
    /// All instance positions (µm).
    pub positions: Vec<[f32; 3]>,
    pub spikes: Vec<SceneSpikes>,
    /// Default sphere radius (µm) from the density of somata.
    pub base_radius: f32,
    pub notes: Vec<String>,
}

impl Scene {
    /// Opens a circuit (config, folder or h5) and the spikes it names, plus `extra_spikes`.
    pub fn open(path: &Path, extra_spikes: &[&Path]) -> anyhow::Result<Self> {
        Self::open_with_progress(path, extra_spikes, &LoadProgress::default())
    }

    /// `open`, announcing each file read and the indexing to `progress` (the window's bar).
    pub fn open_with_progress(
        path: &Path,
        extra_spikes: &[&Path],
        progress: &LoadProgress,
    ) -> anyhow::Result<Self> {
        // placing and indexing, then each extra file
        progress.add_total(1 + extra_spikes.len());
        let circuit = Circuit::open_with_progress(path, progress)
            .with_context(|| format!("opening {}", path.display()))?;
        progress.begin("placing neurons, indexing spikes");
        let mut scene = Self::from_circuit(circuit);
        progress.finish_one();
        for file in extra_spikes {
            progress.begin(format!("spikes {}", file.display()));
            let pops =
                read_spikes(file).with_context(|| format!("reading spikes {}", file.display()))?;
            scene.add_spikes(&file.display().to_string(), pops);
            progress.finish_one();
        }
        Ok(scene)
    }

    /// Places every population with positions and indexes the circuit's spikes.
    pub fn from_circuit(mut circuit: Circuit) -> Self {
        let mut populations = Vec::new();
        let mut positions = Vec::new();
        let mut notes = Vec::new();
        for (circuit_index, pop) in circuit.nodes.iter().enumerate() {
            let offset = positions.len();
            let mut rows = Vec::new();
            match pop.positions() {
                Some(p) => {
                    for (row, xyz) in p.iter().enumerate() {
                        if xyz.iter().all(|v| v.is_finite()) {
                            rows.push(row as u32);
                            positions.push([xyz[0] as f32, xyz[1] as f32, xyz[2] as f32]);
                        }
                    }
                }
                None => notes.push(format!(
                    "population '{}' has no x, y, z: not drawn",
                    pop.name
                )),
            }
            let is_virtual =
                !pop.is_empty() && (0..pop.len()).all(|r| pop.model_type(r) == Some("virtual"));
            populations.push(ScenePopulation {
                name: pop.name.clone(),
                circuit_index,
                offset,
                len: rows.len(),
                is_virtual,
                rows,
                node_types: node_type_counts(pop),
            });
        }
        let base_radius = default_radius(&positions);
        let files = std::mem::take(&mut circuit.spikes);
        let mut scene = Self {
            circuit,
            populations,
            positions,
            spikes: Vec::new(),
            base_radius,
            notes,
        };
        for file in files {
            let label = format!("{} ({})", file.file.display(), file.role);
            scene.add_spikes(&label, file.populations);
        }
        scene
    }

    /// Indexes spikes and maps them onto instances (populations not in the scene are noted).
    pub fn add_spikes(&mut self, source: &str, pops: Vec<PopulationSpikes>) {
        for spikes in pops {
            let Some(sp) = self
                .populations
                .iter()
                .find(|p| p.name == spikes.population)
            else {
                self.notes.push(format!(
                    "{source}: spikes of population '{}', which is not in the circuit",
                    spikes.population
                ));
                continue;
            };
            let max_id = spikes.node_ids.iter().copied().max().unwrap_or(0);
            let instance_of = self.instance_map(sp, max_id);
            self.spikes.push(SceneSpikes {
                source: source.to_owned(),
                index: SpikeIndex::from_owned(spikes),
                instance_of,
            });
        }
    }

    /// `instance_of[node_id]` for node ids up to `max_id` of a drawn population.
    fn instance_map(&self, sp: &ScenePopulation, max_id: u64) -> Vec<u32> {
        let pop = &self.circuit.nodes[sp.circuit_index];
        let mut instance_of = vec![u32::MAX; max_id as usize + 1];
        for (i, &row) in sp.rows.iter().enumerate() {
            if let Some(&id) = pop.node_ids.get(row as usize)
                && let Some(slot) = instance_of.get_mut(id as usize)
            {
                *slot = (sp.offset + i) as u32;
            }
        }
        instance_of
    }

    /// An empty spike stream of `population` that a live simulation appends to; returns its
    /// index in `spikes` (`None` when the population is not in the scene).
    pub fn add_live_spikes(&mut self, source: &str, population: &str) -> Option<usize> {
        let sp = self.populations.iter().find(|p| p.name == population)?;
        let max_id = self.circuit.nodes[sp.circuit_index]
            .node_ids
            .iter()
            .copied()
            .max()
            .unwrap_or(0);
        let instance_of = self.instance_map(sp, max_id);
        self.spikes.push(SceneSpikes {
            source: source.to_owned(),
            index: SpikeIndex::empty(population),
            instance_of,
        });
        Some(self.spikes.len() - 1)
    }

    /// Rows of `population` that a selection string picks (VND's language, node-set names).
    pub fn select_rows(&self, selection: &str, population: &str) -> anyhow::Result<Vec<u32>> {
        let sp = self
            .populations
            .iter()
            .find(|p| p.name == population)
            .ok_or_else(|| anyhow::anyhow!("no population '{population}' in the scene"))?;
        let pop = &self.circuit.nodes[sp.circuit_index];
        let expr = selection_language::parse(selection)?;
        let mask = selection_language::evaluate(&expr, pop, self.circuit.node_sets.as_ref())?;
        Ok(mask
            .iter()
            .enumerate()
            .filter(|(_, m)| **m)
            .map(|(r, _)| r as u32)
            .collect())
    }

    /// Population name and node id of an instance.
    pub fn node_of_instance(&self, i: usize) -> Option<(String, u64)> {
        let (p, row) = self.locate(i)?;
        let id = self.circuit.nodes[p.circuit_index]
            .node_ids
            .get(row)
            .copied()?;
        Some((p.name.clone(), id))
    }

    /// Whether instance `i` belongs to a virtual (input) population.
    pub fn is_virtual_instance(&self, i: usize) -> bool {
        self.locate(i).is_some_and(|(p, _)| p.is_virtual)
    }

    pub fn len(&self) -> usize {
        self.positions.len()
    }

    /// What a first look shows: by layer when the circuit has layers (cortical columns), else
    /// by population.
    pub fn default_representation(&self) -> Representation {
        let has_layer = self
            .circuit
            .nodes
            .iter()
            .any(|p| p.attribute("layer").is_some());
        Representation {
            coloring: if has_layer {
                Coloring::ByAttribute {
                    name: "layer".into(),
                    range: None,
                }
            } else {
                Coloring::ByPopulation
            },
            ..Default::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }

    /// Mean firing rate of each instance (Hz) over the simulated time (`run.tstop`, else the
    /// span of the spikes).
    pub fn firing_rates(&self) -> Vec<f32> {
        let mut counts = vec![0u32; self.len()];
        for s in &self.spikes {
            for &id in &s.index.node_ids {
                if let Some(&i) = s.instance_of.get(id as usize)
                    && let Some(c) = counts.get_mut(i as usize)
                {
                    *c += 1;
                }
            }
        }
        let secs = self
            .tstop()
            .or_else(|| self.time_range().map(|(_, b)| b))
            .unwrap_or(1000.0)
            .max(1.0)
            / 1000.0;
        counts.iter().map(|&c| (c as f64 / secs) as f32).collect()
    }

    /// First and last spike time over all spike populations.
    pub fn time_range(&self) -> Option<(f64, f64)> {
        let mut range: Option<(f64, f64)> = None;
        for s in &self.spikes {
            if let (Some(&a), Some(&b)) = (s.index.times.first(), s.index.times.last()) {
                range = Some(match range {
                    Some((lo, hi)) => (lo.min(a), hi.max(b)),
                    None => (a, b),
                });
            }
        }
        range
    }

    /// Simulation length from the config (`run.tstop`), when known.
    pub fn tstop(&self) -> Option<f64> {
        self.circuit.simulation.as_ref().and_then(|s| s.run.tstop)
    }

    /// The population and row of an instance.
    pub fn locate(&self, instance: usize) -> Option<(&ScenePopulation, usize)> {
        let sp = self
            .populations
            .iter()
            .find(|p| instance >= p.offset && instance < p.offset + p.len)?;
        Some((sp, sp.rows[instance - sp.offset] as usize))
    }

    /// Applies representations (later ones win where they overlap). Virtual populations are
    /// drawn only when a selection names them (`population == lgn`, `model_type == virtual`)
    /// or `show_virtual` is set.
    pub fn style(&self, reps: &[Representation], show_virtual: bool) -> Styled {
        let mut out = Styled {
            instances: self
                .positions
                .iter()
                .map(|&position| NeuronInstance {
                    position,
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        };
        let mut morphology: Vec<Option<MorphologyStyle>> = vec![None; self.positions.len()];
        let mut legend_seen = BTreeMap::<String, usize>::new();
        // The representation that last coloured each instance (`usize::MAX`: none).
        let mut colored_by = vec![usize::MAX; self.positions.len()];
        for (ri, rep) in reps.iter().enumerate() {
            if !rep.enabled {
                continue;
            }
            let expr = match selection_language::parse(&rep.selection) {
                Ok(e) => e,
                Err(e) => {
                    out.errors.push((ri, e.to_string()));
                    continue;
                }
            };
            let names_virtual = rep.selection.contains("virtual")
                || self
                    .populations
                    .iter()
                    .any(|p| p.is_virtual && rep.selection.contains(p.name.as_str()));
            let mut colorer = Colorer::new(self, &rep.coloring);
            for sp in &self.populations {
                if sp.len == 0 || (sp.is_virtual && !show_virtual && !names_virtual) {
                    continue;
                }
                let pop = &self.circuit.nodes[sp.circuit_index];
                let mask =
                    match selection_language::evaluate(&expr, pop, self.circuit.node_sets.as_ref())
                    {
                        Ok(m) => m,
                        Err(e) => {
                            out.errors.push((ri, e.to_string()));
                            break;
                        }
                    };
                for (i, &row) in sp.rows.iter().enumerate() {
                    if !mask.get(row as usize).copied().unwrap_or(false) {
                        continue;
                    }
                    let inst = &mut out.instances[sp.offset + i];
                    colored_by[sp.offset + i] = ri;
                    morphology[sp.offset + i] = rep.style.morphology();
                    match rep.style {
                        Style::Hidden => {
                            inst.radius = 0.0;
                            colored_by[sp.offset + i] = usize::MAX;
                        }
                        Style::Spheres
                        | Style::Points
                        | Style::Morphology
                        | Style::MorphologyLine => {
                            let c = colorer.color(sp, pop, row as usize, sp.offset + i);
                            let alpha = if rep.style == Style::Points {
                                0.25
                            } else {
                                1.0
                            };
                            inst.color = [c[0], c[1], c[2], alpha];
                            inst.radius = self.base_radius * rep.radius_scale;
                        }
                    }
                }
            }
            if rep.style != Style::Hidden {
                for entry in colorer.legend() {
                    let key = format!("{entry:?}");
                    if let std::collections::btree_map::Entry::Vacant(slot) = legend_seen.entry(key)
                    {
                        slot.insert(out.legend.len());
                        out.legend.push(entry);
                    }
                }
            }
        }
        out.visible = out.instances.iter().filter(|i| i.radius > 0.0).count();
        out.by_report = colored_by
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                reps.get(**r)
                    .is_some_and(|rep| matches!(rep.coloring, Coloring::ByReport { .. }))
            })
            .map(|(i, &r)| (i as u32, r))
            .collect();
        out.morphology = morphology
            .iter()
            .enumerate()
            .filter_map(|(i, style)| {
                let c = out.instances[i].color;
                style.map(|style| MorphologyCell {
                    instance: i as u32,
                    style,
                    color: [c[0], c[1], c[2]],
                })
            })
            .collect();
        out
    }

    /// Centre and radius of the bounding sphere of the drawn instances (all when none drawn).
    pub fn bounds(&self, instances: &[NeuronInstance]) -> ([f32; 3], f32) {
        let drawn: Vec<[f32; 3]> = instances
            .iter()
            .filter(|i| i.radius > 0.0)
            .map(|i| i.position)
            .collect();
        let pts = if drawn.is_empty() {
            &self.positions
        } else {
            &drawn
        };
        bounding_sphere(pts)
    }
}

/// Population firing rates of the drawn neurons: spikes per neuron per second in bins.
#[derive(Clone, Debug, Default)]
pub struct Rates {
    pub t0: f64,
    pub bin_ms: f64,
    /// (population, its colour in the legend sense, Hz per bin).
    pub series: Vec<(String, [f32; 3], Vec<f32>)>,
}

impl Scene {
    /// Rates over `range` in `bins` bins, counting only drawn instances (one pass over the
    /// spikes: done when representations change, not per frame).
    pub fn rates(&self, instances: &[NeuronInstance], range: (f64, f64), bins: usize) -> Rates {
        let bins = bins.max(1);
        let bin_ms = ((range.1 - range.0) / bins as f64).max(1e-6);
        let mut series = Vec::new();
        for s in &self.spikes {
            let drawn: Vec<bool> = s
                .instance_of
                .iter()
                .map(|&i| {
                    i != u32::MAX && instances.get(i as usize).is_some_and(|d| d.radius > 0.0)
                })
                .collect();
            let n = drawn.iter().filter(|d| **d).count();
            if n == 0 {
                continue;
            }
            let mut counts = vec![0u32; bins];
            for k in s.index.window(range.0, range.1) {
                if drawn
                    .get(s.index.node_ids[k] as usize)
                    .copied()
                    .unwrap_or(false)
                {
                    let b = ((s.index.times[k] - range.0) / bin_ms) as usize;
                    counts[b.min(bins - 1)] += 1;
                }
            }
            let scale = 1000.0 / (bin_ms * n as f64);
            let color = self
                .populations
                .iter()
                .position(|p| p.name == s.index.population)
                .map(|i| categorical(self.populations[i].circuit_index))
                .unwrap_or(MISSING);
            series.push((
                s.index.population.clone(),
                color,
                counts.iter().map(|&c| (c as f64 * scale) as f32).collect(),
            ));
        }
        Rates {
            t0: range.0,
            bin_ms,
            series,
        }
    }
}

/// Centre of the axis-aligned box and the radius that encloses all points.
pub fn bounding_sphere(pts: &[[f32; 3]]) -> ([f32; 3], f32) {
    if pts.is_empty() {
        return ([0.0; 3], 100.0);
    }
    let mut lo = [f32::INFINITY; 3];
    let mut hi = [f32::NEG_INFINITY; 3];
    for p in pts {
        for k in 0..3 {
            lo[k] = lo[k].min(p[k]);
            hi[k] = hi[k].max(p[k]);
        }
    }
    let c = [
        0.5 * (lo[0] + hi[0]),
        0.5 * (lo[1] + hi[1]),
        0.5 * (lo[2] + hi[2]),
    ];
    let r2 = pts
        .iter()
        .map(|p| (p[0] - c[0]).powi(2) + (p[1] - c[1]).powi(2) + (p[2] - c[2]).powi(2))
        .fold(0.0f32, f32::max);
    (c, r2.sqrt().max(1.0))
}

fn default_radius(positions: &[[f32; 3]]) -> f32 {
    if positions.len() < 2 {
        return 10.0;
    }
    let mut lo = [f32::INFINITY; 3];
    let mut hi = [f32::NEG_INFINITY; 3];
    for p in positions {
        for k in 0..3 {
            lo[k] = lo[k].min(p[k]);
            hi[k] = hi[k].max(p[k]);
        }
    }
    let volume: f32 = (0..3).map(|k| (hi[k] - lo[k]).max(1.0)).product();
    let spacing = (volume / positions.len() as f32).cbrt();
    (0.3 * spacing).clamp(2.0, 60.0)
}

fn node_type_counts(pop: &NodePopulation) -> Vec<(i64, usize, String)> {
    let mut counts = BTreeMap::<i64, (usize, usize)>::new();
    for (row, &t) in pop.node_type_ids.iter().enumerate() {
        counts.entry(t).or_insert((0, row)).0 += 1;
    }
    let name_col = pop.attribute("pop_name");
    counts
        .into_iter()
        .map(|(t, (n, row))| {
            let name = name_col
                .and_then(|c| c.str(row))
                .unwrap_or_default()
                .to_owned();
            (t, n, name)
        })
        .collect()
}

/// Assigns colours for one representation and remembers what it used, for the legend.
struct Colorer<'a> {
    scene: &'a Scene,
    coloring: &'a Coloring,
    /// Categorical values seen, in first-seen order: label -> palette slot.
    categories: BTreeMap<String, usize>,
    /// Continuous range used.
    range: Option<(f64, f64)>,
    /// Firing rate per instance (Hz), for `ByActivity`.
    rates: Vec<f32>,
}

impl<'a> Colorer<'a> {
    fn new(scene: &'a Scene, coloring: &'a Coloring) -> Self {
        let mut rates = Vec::new();
        let range = match coloring {
            Coloring::ByAttribute { name, range } => range.or_else(|| numeric_range(scene, name)),
            Coloring::ByActivity => {
                rates = scene.firing_rates();
                let mut sorted: Vec<f32> = rates.iter().copied().filter(|r| *r > 0.0).collect();
                sorted.sort_by(f32::total_cmp);
                let p99 = sorted
                    .get((sorted.len().saturating_sub(1) as f64 * 0.99).round() as usize)
                    .copied()
                    .unwrap_or(1.0);
                Some((0.0, p99.max(1e-3) as f64))
            }
            _ => None,
        };
        Self {
            scene,
            coloring,
            categories: BTreeMap::new(),
            range,
            rates,
        }
    }

    fn slot(&mut self, label: String, slot: usize) -> [f32; 3] {
        self.categories.entry(label).or_insert(slot);
        categorical(slot)
    }

    fn color(
        &mut self,
        sp: &ScenePopulation,
        pop: &NodePopulation,
        row: usize,
        instance: usize,
    ) -> [f32; 3] {
        match self.coloring {
            Coloring::Solid(c) => *c,
            // Coloured per frame by the report plugin; grey until a frame is read.
            Coloring::ByReport { .. } => MISSING,
            Coloring::ByActivity => {
                let (lo, hi) = self.range.unwrap_or((0.0, 1.0));
                let r = self.rates.get(instance).copied().unwrap_or(0.0) as f64;
                viridis(((r - lo) / (hi - lo).max(1e-12)) as f32)
            }
            Coloring::ByPopulation => {
                let idx = sp.circuit_index;
                let label = sp.name.clone();
                self.categories.entry(label).or_insert(idx);
                categorical(idx)
            }
            Coloring::ByNodeType => {
                let t = pop.node_type_ids.get(row).copied().unwrap_or(-1);
                let idx = self.type_slot(t);
                let label = match pop.attribute("pop_name").and_then(|c| c.str(row)) {
                    Some(name) => format!("{t} {name}"),
                    None => t.to_string(),
                };
                self.categories.entry(label).or_insert(idx);
                categorical(idx)
            }
            Coloring::ByAttribute { name, .. } => match pop.attribute(name) {
                None => MISSING,
                Some(col) => match (col, self.range) {
                    (c, Some((lo, hi))) if is_continuous(c) => match c.f64(row) {
                        Some(v) => viridis(((v - lo) / (hi - lo).max(1e-12)) as f32),
                        None => MISSING,
                    },
                    (c, _) => {
                        let v = c.get(row);
                        if matches!(v, crate::sonata::Value::Missing) {
                            return MISSING;
                        }
                        let label = v.to_string();
                        let preferred = self.scene_category_slot(name, &label);
                        self.slot(label, preferred)
                    }
                },
            },
        }
    }

    /// Stable slot of a node type: its rank among all node types of the scene.
    fn type_slot(&self, t: i64) -> usize {
        let mut all: Vec<i64> = self
            .scene
            .populations
            .iter()
            .flat_map(|p| p.node_types.iter().map(|nt| nt.0))
            .collect();
        all.sort_unstable();
        all.dedup();
        all.binary_search(&t).unwrap_or(0)
    }

    /// Stable slot of a categorical value: its rank among the sorted distinct values of the
    /// attribute over all populations (so colours do not depend on selection order).
    fn scene_category_slot(&self, name: &str, label: &str) -> usize {
        let mut values: Vec<String> = Vec::new();
        for p in &self.scene.circuit.nodes {
            if let Some(col) = p.attribute(name) {
                match &col.values {
                    Values::Text { dictionary, .. } => values.extend(dictionary.iter().cloned()),
                    _ => {
                        for r in 0..col.len() {
                            values.push(col.get(r).to_string());
                        }
                    }
                }
            }
        }
        values.sort();
        values.dedup();
        values
            .binary_search_by(|v| v.as_str().cmp(label))
            .unwrap_or(0)
    }

    fn legend(&self) -> Vec<LegendEntry> {
        match self.coloring {
            Coloring::Solid(c) => vec![LegendEntry::Swatch {
                color: *c,
                label: "solid".into(),
            }],
            // Without a range of its own the report's data range is known only to the report
            // plugin: NaN bounds here, filled in by `reports::frames::fill_legend`.
            Coloring::ByReport { range, .. } => {
                let (min, max) = range.unwrap_or((f64::NAN, f64::NAN));
                vec![LegendEntry::Ramp {
                    label: crate::view::reports::frames::LEGEND_LABEL.into(),
                    min,
                    max,
                }]
            }
            Coloring::ByActivity => match self.range {
                Some((min, max)) => vec![LegendEntry::Ramp {
                    label: "firing rate (Hz)".into(),
                    min,
                    max,
                }],
                None => Vec::new(),
            },
            Coloring::ByAttribute { name, .. } if self.categories.is_empty() => match self.range {
                Some((min, max)) => vec![LegendEntry::Ramp {
                    label: name.clone(),
                    min,
                    max,
                }],
                None => Vec::new(),
            },
            _ => {
                let mut v: Vec<(&String, &usize)> = self.categories.iter().collect();
                v.sort_by_key(|(_, s)| **s);
                v.into_iter()
                    .map(|(label, &slot)| LegendEntry::Swatch {
                        color: categorical(slot),
                        label: label.clone(),
                    })
                    .collect()
            }
        }
    }
}

fn is_continuous(col: &Column) -> bool {
    match &col.values {
        Values::Float(_) => true,
        Values::Int(v) => {
            let mut d: Vec<i64> = v.iter().copied().take(100_000).collect();
            d.sort_unstable();
            d.dedup();
            d.len() > 20
        }
        Values::Text { .. } => false,
    }
}

fn numeric_range(scene: &Scene, name: &str) -> Option<(f64, f64)> {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for p in &scene.circuit.nodes {
        if let Some(col) = p.attribute(name)
            && is_continuous(col)
        {
            for r in 0..col.len() {
                if let Some(v) = col.f64(r).filter(|v| v.is_finite()) {
                    lo = lo.min(v);
                    hi = hi.max(v);
                }
            }
        }
    }
    (lo <= hi).then_some((lo, hi))
}

/// Grey for nodes that lack the attribute being coloured by.
pub const MISSING: [f32; 3] = [0.35, 0.35, 0.35];

/// A categorical palette (Glasbey-like, distinct on a dark background), sRGB.
const PALETTE: [[u8; 3]; 20] = [
    [31, 119, 180],
    [255, 127, 14],
    [44, 160, 44],
    [214, 39, 40],
    [148, 103, 189],
    [140, 86, 75],
    [227, 119, 194],
    [188, 189, 34],
    [23, 190, 207],
    [174, 199, 232],
    [255, 187, 120],
    [152, 223, 138],
    [255, 152, 150],
    [197, 176, 213],
    [196, 156, 148],
    [247, 182, 210],
    [219, 219, 141],
    [158, 218, 229],
    [255, 255, 102],
    [102, 194, 165],
];

/// Colour `i` of the categorical palette, in sRGB 0..1: 20 hand-picked colours, then hues a
/// golden angle apart at alternating saturation and value.
pub fn categorical(i: usize) -> [f32; 3] {
    if let Some(c) = PALETTE.get(i) {
        return [
            c[0] as f32 / 255.0,
            c[1] as f32 / 255.0,
            c[2] as f32 / 255.0,
        ];
    }
    let k = (i - PALETTE.len()) as f32;
    let hue = (k * 137.507_77 + 15.0) % 360.0;
    let (s, v) = if i.is_multiple_of(2) {
        (0.55, 0.95)
    } else {
        (0.8, 0.75)
    };
    hsv(hue, s, v)
}

fn hsv(h: f32, s: f32, v: f32) -> [f32; 3] {
    let c = v * s;
    let x = c * (1.0 - ((h / 60.0) % 2.0 - 1.0).abs());
    let m = v - c;
    let (r, g, b) = match (h / 60.0) as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    [r + m, g + m, b + m]
}

/// The viridis colormap at `t` in 0..1, sRGB 0..1.
pub fn viridis(t: f32) -> [f32; 3] {
    const STOPS: [[f32; 3]; 9] = [
        [0.267, 0.005, 0.329],
        [0.283, 0.141, 0.458],
        [0.254, 0.265, 0.530],
        [0.207, 0.372, 0.553],
        [0.164, 0.471, 0.558],
        [0.128, 0.567, 0.551],
        [0.135, 0.659, 0.518],
        [0.267, 0.749, 0.441],
        [0.993, 0.906, 0.144],
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = t * (STOPS.len() - 1) as f32;
    let i = (x.floor() as usize).min(STOPS.len() - 2);
    let f = x - i as f32;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    [
        a[0] + (b[0] - a[0]) * f,
        a[1] + (b[1] - a[1]) * f,
        a[2] + (b[2] - a[2]) * f,
    ]
}

/// A number for a legend: as many decimals as its size needs.
pub fn fmt_num(v: f64) -> String {
    match v.abs() {
        a if a >= 100.0 || a == 0.0 => format!("{v:.0}"),
        a if a >= 1.0 => format!("{v:.1}"),
        _ => format!("{v:.3}"),
    }
}

/// `#rrggbb` to sRGB 0..1.
pub fn parse_hex_color(s: &str) -> Option<[f32; 3]> {
    let h = s.strip_prefix('#')?;
    if h.len() != 6 {
        return None;
    }
    let v = u32::from_str_radix(h, 16).ok()?;
    Some([
        ((v >> 16) & 255) as f32 / 255.0,
        ((v >> 8) & 255) as f32 / 255.0,
        (v & 255) as f32 / 255.0,
    ])
}

impl Scene {
    /// Node id -> instance for one population (`u32::MAX`: not drawn); `None` when the scene
    /// has no such population.
    pub fn instance_lookup(&self, population: &str) -> Option<Vec<u32>> {
        let sp = self.populations.iter().find(|p| p.name == population)?;
        let pop = self.circuit.nodes.get(sp.circuit_index)?;
        let max_id = pop.node_ids.iter().copied().max().unwrap_or(0);
        let mut out = vec![u32::MAX; max_id as usize + 1];
        for (i, &row) in sp.rows.iter().enumerate() {
            if let Some(&id) = pop.node_ids.get(row as usize)
                && let Some(slot) = out.get_mut(id as usize)
            {
                *slot = (sp.offset + i) as u32;
            }
        }
        Some(out)
    }
}
