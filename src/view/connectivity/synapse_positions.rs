//! Where the picked neuron's afferent synapses sit on its placed morphology, without Bevy.
//!
//! Per edge population, the first of these that the edges carry:
//! - `afferent_center_x/y/z` (SONATA): world coordinates, taken as they are.
//! - `pos_x/y/z` (BMTK's builder): the target's node position plus the synapse's offset from
//!   the soma in the *unrotated* morphology file (so the rotation is applied here, about the
//!   soma, as for the placed cell). When `pos_z - z` equals `pos_x - x` on every edge (a BMTK
//!   builder quirk: z holds x's offset), the z offset is recovered from the morphology: the
//!   point of the neurite under (x, y) in the file's xy projection. Established against the
//!   placed morphologies of `9_cells` and `layer4_sample` in `tests/view_synapses.rs`.
//! - `afferent_section_id` + `afferent_section_pos` (SONATA): that fraction of the section's
//!   length, MorphIO numbering with the soma as section 0, placed like the cell.
//!
//! Otherwise the edges have no position.

use std::collections::BTreeMap;

use anyhow::Context;

use crate::morphology::Morphology;
use crate::morphology::resolve::{MorphologySource, node_world_from_local};
use crate::sonata::Selection;
use crate::sonata::edges::EdgePopulation;

use crate::view::colors::categorical;
use crate::view::connectivity::partner_view::{PartnerView, Side, attribute_at};
use crate::view::scene::Scene;

/// One afferent synapse of the picked neuron.
#[derive(Clone, Debug, PartialEq)]
pub struct Synapse {
    pub edge_population: String,
    pub edge_id: u64,
    /// The presynaptic population and node.
    pub source_population: String,
    pub source_node: u64,
    /// World coordinates (µm).
    pub position: [f64; 3],
}

/// Which attributes gave an edge population's positions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PositionSource {
    AfferentCenter,
    BmtkPos {
        /// `pos_z` held x's offset and z came from the morphology.
        z_recovered: bool,
    },
    Section,
}

/// The synapses of a [`PartnerView`]'s afferent edges, with where each population's came from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SynapseView {
    pub synapses: Vec<Synapse>,
    pub sources: BTreeMap<String, PositionSource>,
}

/// Positions of the afferent (presynaptic-side) edges of `view` that carry them.
pub fn afferent_synapses(scene: &Scene, view: &PartnerView) -> anyhow::Result<SynapseView> {
    let (sp, row) = scene
        .locate(view.instance)
        .with_context(|| format!("instance {} is not in the scene", view.instance))?;
    let nodes = &scene.circuit.nodes[sp.circuit_index];
    let mut by_population: BTreeMap<&str, Vec<(u64, &str, u64)>> = BTreeMap::new();
    for e in view.edges.iter().filter(|e| e.side == Side::Pre) {
        by_population.entry(&e.edge_population).or_default().push((
            e.edge_id,
            &e.partner_population,
            e.partner_node,
        ));
    }
    let mut cell: Option<Option<Placed>> = None;
    let mut out = SynapseView::default();
    for (name, mut edges) in by_population {
        let Some(e) = scene.circuit.edges.iter().find(|e| e.name == name) else {
            continue;
        };
        edges.sort_unstable_by_key(|x| x.0);
        let selection = Selection::from_ids(edges.iter().map(|x| x.0));
        let read = |attr: &str| -> anyhow::Result<Option<Vec<f64>>> {
            read_attribute(e, attr, &selection)
        };
        let (source, positions) = if let Some(p) = read_xyz(&read, "afferent_center_")? {
            (PositionSource::AfferentCenter, p)
        } else if let Some(p) = read_xyz(&read, "pos_")? {
            if cell.is_none() {
                cell = Some(placed_cell(scene, sp, row)?);
            }
            let Some(Some(placed)) = cell.as_ref() else {
                continue;
            };
            let position = node_position(nodes, row).context("target has no x, y, z")?;
            let (p, z_recovered) = bmtk_positions(placed, position, &p);
            (PositionSource::BmtkPos { z_recovered }, p)
        } else if let (Some(ids), Some(fractions)) =
            (read("afferent_section_id")?, read("afferent_section_pos")?)
        {
            if cell.is_none() {
                cell = Some(placed_cell(scene, sp, row)?);
            }
            let Some(Some(placed)) = cell.as_ref() else {
                continue;
            };
            let p = ids
                .iter()
                .zip(&fractions)
                .map(|(&id, &f)| {
                    if !id.is_finite() || !f.is_finite() {
                        return None;
                    }
                    section_point(&placed.morphology, id as i64, f).map(|l| placed.apply(l))
                })
                .collect();
            (PositionSource::Section, p)
        } else {
            continue;
        };
        out.sources.insert(name.to_owned(), source);
        for ((edge_id, pop, node), p) in edges.iter().zip(positions) {
            let Some(position) = p else { continue };
            out.synapses.push(Synapse {
                edge_population: name.to_owned(),
                edge_id: *edge_id,
                source_population: (*pop).to_owned(),
                source_node: *node,
                position,
            });
        }
    }
    Ok(out)
}

/// An edge attribute at `selection` (edge order), `None` when the edges do not have it.
fn read_attribute(
    e: &EdgePopulation,
    name: &str,
    selection: &Selection,
) -> anyhow::Result<Option<Vec<f64>>> {
    if !e.has_h5_attribute(name) {
        return Ok(None);
    }
    let types = vec![0; selection.len() as usize];
    let values = attribute_at(e, name, selection, &types)?;
    Ok(Some(
        values.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect(),
    ))
}

type Xyz = Vec<Option<[f64; 3]>>;

fn read_xyz(
    read: &dyn Fn(&str) -> anyhow::Result<Option<Vec<f64>>>,
    prefix: &str,
) -> anyhow::Result<Option<Xyz>> {
    let (Some(x), Some(y), Some(z)) = (
        read(&format!("{prefix}x"))?,
        read(&format!("{prefix}y"))?,
        read(&format!("{prefix}z"))?,
    ) else {
        return Ok(None);
    };
    Ok(Some(
        x.iter()
            .zip(&y)
            .zip(&z)
            .map(|((&x, &y), &z)| Some([x, y, z]).filter(|p| p.iter().all(|v| v.is_finite())))
            .collect(),
    ))
}

/// A cell's morphology and where it is placed.
pub struct Placed {
    pub morphology: Morphology,
    pub world_from_local: crate::morphology::Transform,
}

impl Placed {
    pub fn apply(&self, local: [f64; 3]) -> [f64; 3] {
        self.world_from_local.apply(local)
    }
}

/// The marker colour of synapses from `population`: its place among the circuit's node
/// populations in [`categorical`], from the palette's third colour (clear of the first
/// population's blue and of the partners' blue and orange).
pub fn synapse_color(scene: &Scene, population: &str) -> [f32; 3] {
    let k = scene
        .circuit
        .nodes
        .iter()
        .position(|n| n.name == population)
        .unwrap_or(0);
    categorical(k + 2)
}

/// The morphology of a scene node and its placement, when it has both; a morphology file that
/// is named but cannot be read is an error naming it.
pub fn placed_cell(
    scene: &Scene,
    sp: &crate::view::scene::ScenePopulation,
    row: usize,
) -> anyhow::Result<Option<Placed>> {
    let Some(nodes) = scene.circuit.nodes.get(sp.circuit_index) else {
        return Ok(None);
    };
    let Some(path) =
        MorphologySource::of(&scene.circuit).and_then(|source| source.node_path(nodes, row))
    else {
        return Ok(None);
    };
    let morphology = Morphology::load(&path)?;
    Ok(
        node_world_from_local(nodes, row, morphology.soma.center()).map(|world_from_local| {
            Placed {
                morphology,
                world_from_local,
            }
        }),
    )
}

fn node_position(nodes: &crate::sonata::NodePopulation, row: usize) -> Option<[f64; 3]> {
    let get = |n: &str| nodes.attribute(n).and_then(|c| c.f64(row));
    Some([get("x")?, get("y")?, get("z")?])
}

/// BMTK's `pos_x/y/z` into the world: offsets from the node position are offsets from the
/// soma in the unrotated file; z recovered from the morphology when it holds x's offset.
pub fn bmtk_positions(placed: &Placed, node: [f64; 3], stored: &Xyz) -> (Xyz, bool) {
    let soma = placed.morphology.soma.center();
    let offsets: Vec<Option<[f64; 3]>> = stored
        .iter()
        .map(|p| p.map(|p| [0, 1, 2].map(|k| p[k] - node[k])))
        .collect();
    let z_is_x = offsets
        .iter()
        .flatten()
        .all(|o| (o[2] - o[0]).abs() <= 1e-3 * (1.0 + o[0].abs()));
    let z_recovered = z_is_x && offsets.iter().any(Option::is_some);
    let segments = if z_recovered {
        segments(&placed.morphology)
    } else {
        Vec::new()
    };
    let out = offsets
        .iter()
        .map(|o| {
            o.map(|o| {
                let mut local = [soma[0] + o[0], soma[1] + o[1], soma[2] + o[2]];
                if z_recovered {
                    local[2] = z_under(&segments, soma, local[0], local[1]);
                }
                placed.apply(local)
            })
        })
        .collect();
    (out, z_recovered)
}

/// Neurite segments of a morphology (file coordinates), with the soma centre joined to the
/// first point of each root section (as SWC files connect them).
pub fn segments(m: &Morphology) -> Vec<([f64; 3], [f64; 3])> {
    let soma = m.soma.center();
    m.sections
        .iter()
        .flat_map(|s| {
            let root = match (s.parent, s.points.first()) {
                (None, Some(p)) if !m.soma.points.is_empty() => Some((soma, p.map(f64::from))),
                _ => None,
            };
            root.into_iter().chain(
                s.points
                    .windows(2)
                    .map(|w| (w[0].map(f64::from), w[1].map(f64::from))),
            )
        })
        .collect()
}

/// The z of the neurite point nearest (x, y) in the xy projection (the soma centre counts as
/// a point).
fn z_under(segments: &[([f64; 3], [f64; 3])], soma: [f64; 3], x: f64, y: f64) -> f64 {
    let mut best = ((soma[0] - x).powi(2) + (soma[1] - y).powi(2), soma[2]);
    for (a, b) in segments {
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        let len2 = dx * dx + dy * dy;
        let t = if len2 > 0.0 {
            (((x - a[0]) * dx + (y - a[1]) * dy) / len2).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let (px, py) = (a[0] + t * dx, a[1] + t * dy);
        let d2 = (px - x).powi(2) + (py - y).powi(2);
        if d2 < best.0 {
            best = (d2, a[2] + t * (b[2] - a[2]));
        }
    }
    best.1
}

/// The point `fraction` of the way along section `id` (file coordinates): MorphIO numbering
/// shifted by one, 0 being the soma (its centre).
pub fn section_point(m: &Morphology, id: i64, fraction: f64) -> Option<[f64; 3]> {
    if id == 0 {
        return Some(m.soma.center());
    }
    let section = m.sections.get(usize::try_from(id - 1).ok()?)?;
    let points: Vec<[f64; 3]> = section.points.iter().map(|p| p.map(f64::from)).collect();
    let first = *points.first()?;
    let target = fraction.clamp(0.0, 1.0) * section.length();
    let mut walked = 0.0;
    for w in points.windows(2) {
        let len = crate::morphology::distance(&w[0], &w[1]);
        if walked + len >= target && len > 0.0 {
            let t = (target - walked) / len;
            return Some([0, 1, 2].map(|k| w[0][k] + t * (w[1][k] - w[0][k])));
        }
        walked += len;
    }
    Some(*points.last().unwrap_or(&first))
}

/// Distance from `p` to the nearest of `segments`.
pub fn distance_to_segments(segments: &[([f64; 3], [f64; 3])], p: [f64; 3]) -> f64 {
    segments
        .iter()
        .map(|(a, b)| {
            let d = [0, 1, 2].map(|k| b[k] - a[k]);
            let len2: f64 = d.iter().map(|v| v * v).sum();
            let t = if len2 > 0.0 {
                ((0..3).map(|k| (p[k] - a[k]) * d[k]).sum::<f64>() / len2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let c = [0, 1, 2].map(|k| a[k] + t * d[k]);
            crate::morphology::distance(&c, &p)
        })
        .fold(f64::INFINITY, f64::min)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::morphology::{Section, SectionType, Soma, SomaKind};

    fn cell() -> Morphology {
        Morphology {
            soma: Soma {
                kind: SomaKind::SinglePoint,
                points: vec![[0.0, 0.0, 0.0]],
                radii: vec![5.0],
            },
            sections: vec![
                Section {
                    section_type: SectionType::BASAL_DENDRITE,
                    parent: None,
                    points: vec![[5.0, 0.0, 0.0], [10.0, 0.0, 0.0], [10.0, 10.0, 0.0]],
                    radii: vec![1.0; 3],
                },
                Section {
                    section_type: SectionType::BASAL_DENDRITE,
                    parent: Some(0),
                    points: vec![[10.0, 10.0, 0.0], [10.0, 10.0, 20.0]],
                    radii: vec![1.0; 2],
                },
            ],
            warnings: Vec::new(),
        }
    }

    #[test]
    fn section_fractions_follow_the_length() {
        let m = cell();
        assert_eq!(section_point(&m, 0, 0.3), Some([0.0, 0.0, 0.0]));
        // Section 1 (MorphIO's 0) is 15 µm long: a third is the corner's near side.
        assert_eq!(section_point(&m, 1, 1.0 / 3.0), Some([10.0, 0.0, 0.0]));
        assert_eq!(section_point(&m, 1, 0.0), Some([5.0, 0.0, 0.0]));
        assert_eq!(section_point(&m, 1, 1.0), Some([10.0, 10.0, 0.0]));
        assert_eq!(section_point(&m, 2, 0.25), Some([10.0, 10.0, 5.0]));
        assert_eq!(section_point(&m, 3, 0.5), None);
        assert_eq!(section_point(&m, -1, 0.5), None);
    }

    #[test]
    fn z_comes_from_the_neurite_under_the_point() {
        let m = cell();
        let segs = segments(&m);
        // Soma to root, then the two sections' segments.
        assert_eq!(segs.len(), 4);
        assert_eq!(z_under(&segs, m.soma.center(), 7.0, 0.0), 0.0);
        // Under (10, 10) the vertical segment is met first at its bottom; beside it the
        // nearest is the vertical segment's projection.
        assert_eq!(z_under(&segs, m.soma.center(), 10.0, 10.0), 0.0);
        // pos_z - z holding x's offset: recovered; otherwise taken as it is.
        let node = [100.0, 0.0, 50.0];
        let placed = Placed {
            world_from_local: crate::morphology::placement::world_from_local(
                m.soma.center(),
                node,
                crate::morphology::placement::Rotation::EulerXyz([0.0; 3]),
            ),
            morphology: m,
        };
        let (p, recovered) = bmtk_positions(&placed, node, &vec![Some([107.0, 0.0, 57.0])]);
        assert!(recovered);
        assert_eq!(p, vec![Some([107.0, 0.0, 50.0])]);
        let (p, recovered) = bmtk_positions(&placed, node, &vec![Some([107.0, 0.0, 52.0])]);
        assert!(!recovered);
        assert_eq!(p, vec![Some([107.0, 0.0, 52.0])]);
    }
}
