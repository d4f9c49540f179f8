//! The scene model: what the viewer draws, computed from a [`Circuit`] without Bevy.
//!
//! One instance per node that has a soma position, populations back to back. Representations
//! (selection + style + colouring, as in VND) turn into per-instance colour and radius; spikes
//! are indexed by time and mapped from (population, node id) to instance.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;

use crate::view::looks::material::InstanceLook;

use crate::sonata::{
    Circuit, LoadProgress, NodePopulation, PopulationSpikes, SpikeIndex, read_spikes,
    selection_language::{self, SelectionContext},
};

/// One neuron as drawn: place, size, colour and material (`shaders/neurons.wgsl` reads them
/// from separate buffers).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct NeuronInstance {
    /// Soma position in µm.
    pub position: [f32; 3],
    /// Drawn radius in µm; 0 hides the instance.
    pub radius: f32,
    /// Linear RGB and alpha (alpha 0.5 or less: drawn as a flat point, not a shaded sphere).
    pub color: [f32; 4],
    /// Its representation's material and opacity.
    pub look: InstanceLook,
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
        // What the data layer warned about (skipped files, invalid positions, ...) first.
        let mut notes = circuit.warnings().to_vec();
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

    /// What selections read in this scene: node sets, edges, the run's duration, the spikes
    /// on screen (none when no spikes are loaded) and the placed probe's sites.
    pub fn selection_context<'a>(
        &'a self,
        probe_sites: Option<&'a [[f64; 3]]>,
    ) -> SelectionContext<'a> {
        let ctx = SelectionContext::for_circuit(&self.circuit).with_probe_sites(probe_sites);
        if self.spikes.is_empty() {
            ctx
        } else {
            ctx.with_spikes(self.spikes.iter().map(|s| &s.index))
        }
    }

    /// Rows of `population` that a selection string picks (VND's language, node-set names).
    pub fn select_rows(&self, selection: &str, population: &str) -> anyhow::Result<Vec<u32>> {
        self.select_rows_near(selection, population, None)
    }

    /// [`Self::select_rows`] with the placed probe's sites (for `within R of probe`).
    pub fn select_rows_near(
        &self,
        selection: &str,
        population: &str,
        probe_sites: Option<&[[f64; 3]]>,
    ) -> anyhow::Result<Vec<u32>> {
        let sp = self
            .populations
            .iter()
            .find(|p| p.name == population)
            .ok_or_else(|| anyhow::anyhow!("no population '{population}' in the scene"))?;
        let ctx = self.selection_context(probe_sites);
        let mut masks = selection_language::masks(selection, &self.circuit.nodes, &ctx)?;
        let mask = std::mem::take(&mut masks[sp.circuit_index]);
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

    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
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

/// The axis-aligned box of the positions (a unit box at the origin when there are none).
pub fn position_box(positions: &[[f32; 3]]) -> ([f32; 3], [f32; 3]) {
    let mut lo = [f32::INFINITY; 3];
    let mut hi = [f32::NEG_INFINITY; 3];
    for p in positions {
        for k in 0..3 {
            lo[k] = lo[k].min(p[k]);
            hi[k] = hi[k].max(p[k]);
        }
    }
    if lo[0] > hi[0] {
        return ([-1.0; 3], [1.0; 3]);
    }
    (lo, hi)
}

/// Centre of the axis-aligned box and the radius that encloses all points.
pub fn bounding_sphere(pts: &[[f32; 3]]) -> ([f32; 3], f32) {
    if pts.is_empty() {
        return ([0.0; 3], 100.0);
    }
    let (lo, hi) = position_box(pts);
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
