//! A picked neuron's synaptic partners as the viewer shows them, without Bevy: the edges
//! through the indices ([`crate::sonata::connectivity`]), filtered by edge type and by an
//! edge attribute range, mapped onto instances (highlight sets), counted per edge population,
//! partner population and edge type, and drawn as soma-to-soma lines.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use anyhow::Context;

use crate::sonata::edges::{Direction, EdgePopulation};
use crate::sonata::{Column, Selection};

use crate::view::colors::{POST_COLOR, PRE_COLOR};
use crate::view::scene::Scene;

/// Which edges to keep.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EdgeFilter {
    /// An edge attribute and an inclusive range: edges without a value fail it.
    pub attribute: Option<(String, f64, f64)>,
    /// Edge types kept (`None`: all).
    pub edge_types: Option<BTreeSet<i64>>,
}

impl EdgeFilter {
    pub fn keeps(&self, edge_type: i64, value: Option<f64>) -> bool {
        if let Some(types) = &self.edge_types
            && !types.contains(&edge_type)
        {
            return false;
        }
        match (&self.attribute, value) {
            (None, _) => true,
            (Some((_, lo, hi)), Some(v)) => v >= *lo && v <= *hi,
            (Some(_), None) => false,
        }
    }
}

/// Presynaptic (the partner sends to the picked neuron) or postsynaptic (receives from it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    Pre,
    Post,
}

/// One edge between the picked neuron and a partner.
#[derive(Clone, Debug, PartialEq)]
pub struct PartnerEdge {
    pub side: Side,
    pub edge_population: String,
    pub edge_id: u64,
    pub edge_type: i64,
    pub partner_population: String,
    pub partner_node: u64,
    /// The partner's instance, when it is drawn (has a position).
    pub partner_instance: Option<u32>,
    /// The filter attribute's value on this edge.
    pub value: Option<f64>,
}

/// Edges and partners per (side, edge population, partner population, edge type).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CountRow {
    pub edges: usize,
    pub partners: usize,
}

pub type CountKey = (Side, String, String, i64);

/// What the viewer shows of one neuron's connectivity.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PartnerView {
    pub instance: usize,
    pub population: String,
    pub node_id: u64,
    /// Edges that pass the filter, by side, edge population and edge id.
    pub edges: Vec<PartnerEdge>,
    /// Edges before the filter.
    pub total_edges: usize,
    /// Drawn presynaptic / postsynaptic partner instances (sorted, distinct).
    pub pre: Vec<u32>,
    pub post: Vec<u32>,
    pub counts: BTreeMap<CountKey, CountRow>,
    /// The same over all edge types: per (side, edge population, partner population).
    pub totals: BTreeMap<(Side, String, String), CountRow>,
    /// Edge types seen before filtering (for the filter's choices).
    pub edge_types: BTreeSet<i64>,
    /// Range of the filter attribute over the edges before filtering.
    pub value_range: Option<(f64, f64)>,
}

/// Partners of `instance` through every edge population that touches its population.
pub fn partner_view(
    scene: &Scene,
    instance: usize,
    filter: &EdgeFilter,
) -> anyhow::Result<PartnerView> {
    let (sp, row) = scene
        .locate(instance)
        .with_context(|| format!("instance {instance} is not in the scene"))?;
    let pop = &scene.circuit.nodes[sp.circuit_index];
    let node_id = pop.node_ids.get(row).copied().unwrap_or(row as u64);
    let mut view = PartnerView {
        instance,
        population: sp.name.clone(),
        node_id,
        ..Default::default()
    };
    let mut lookups: HashMap<String, Vec<u32>> = HashMap::new();
    let attribute = filter.attribute.as_ref().map(|(name, _, _)| name.as_str());
    for e in &scene.circuit.edges {
        for (side, direction, partner_pop, partner_ds) in [
            (Side::Pre, Direction::Afferent, &e.source, "source_node_id"),
            (Side::Post, Direction::Efferent, &e.target, "target_node_id"),
        ] {
            let own = match direction {
                Direction::Afferent => &e.target,
                Direction::Efferent => &e.source,
            };
            if *own != sp.name {
                continue;
            }
            let sel = e
                .edges_of(node_id, direction)
                .with_context(|| format!("edges of node {node_id} in '{}'", e.name))?;
            if sel.is_empty() {
                continue;
            }
            let partners = e
                .dataset_i64_at(partner_ds, &sel)
                .with_context(|| format!("{partner_ds} of '{}'", e.name))?;
            let types = e
                .dataset_i64_at("edge_type_id", &sel)
                .with_context(|| format!("edge_type_id of '{}'", e.name))?;
            let values = match attribute {
                Some(name) => attribute_at(e, name, &sel, &types)?,
                None => vec![None; partners.len()],
            };
            let lookup = lookups
                .entry(partner_pop.clone())
                .or_insert_with(|| scene.instance_lookup(partner_pop).unwrap_or_default());
            for (k, edge_id) in sel.ids().enumerate() {
                let (Some(&p), Some(&t)) = (partners.get(k), types.get(k)) else {
                    continue;
                };
                let value = values.get(k).copied().flatten();
                view.total_edges += 1;
                view.edge_types.insert(t);
                if let Some(v) = value {
                    view.value_range = Some(match view.value_range {
                        Some((lo, hi)) => (lo.min(v), hi.max(v)),
                        None => (v, v),
                    });
                }
                if !filter.keeps(t, value) {
                    continue;
                }
                let partner_instance = lookup.get(p as usize).copied().filter(|&i| i != u32::MAX);
                view.edges.push(PartnerEdge {
                    side,
                    edge_population: e.name.clone(),
                    edge_id,
                    edge_type: t,
                    partner_population: partner_pop.clone(),
                    partner_node: p as u64,
                    partner_instance,
                    value,
                });
            }
        }
    }
    let mut partners_of: BTreeMap<CountKey, BTreeSet<u64>> = BTreeMap::new();
    let mut partners_total: BTreeMap<(Side, String, String), BTreeSet<u64>> = BTreeMap::new();
    for edge in &view.edges {
        let total = (
            edge.side,
            edge.edge_population.clone(),
            edge.partner_population.clone(),
        );
        view.totals.entry(total.clone()).or_default().edges += 1;
        partners_total
            .entry(total)
            .or_default()
            .insert(edge.partner_node);
        let key = (
            edge.side,
            edge.edge_population.clone(),
            edge.partner_population.clone(),
            edge.edge_type,
        );
        view.counts.entry(key.clone()).or_default().edges += 1;
        partners_of
            .entry(key)
            .or_default()
            .insert(edge.partner_node);
        if let Some(i) = edge.partner_instance {
            match edge.side {
                Side::Pre => view.pre.push(i),
                Side::Post => view.post.push(i),
            }
        }
    }
    for (key, nodes) in partners_of {
        if let Some(row) = view.counts.get_mut(&key) {
            row.partners = nodes.len();
        }
    }
    for (key, nodes) in partners_total {
        if let Some(row) = view.totals.get_mut(&key) {
            row.partners = nodes.len();
        }
    }
    for v in [&mut view.pre, &mut view.post] {
        v.sort_unstable();
        v.dedup();
    }
    Ok(view)
}

/// An edge attribute at the edges of `selection` (in edge order): per-edge h5 values, else
/// the edge type's value in edge_types.csv; `edge_type_id` itself is a number too.
pub fn attribute_at(
    e: &EdgePopulation,
    name: &str,
    selection: &Selection,
    types: &[i64],
) -> anyhow::Result<Vec<Option<f64>>> {
    if name == "edge_type_id" {
        return Ok(types.iter().map(|&t| Some(t as f64)).collect());
    }
    if e.has_h5_attribute(name) {
        let mut out = Vec::with_capacity(types.len());
        for r in selection.ranges() {
            match e
                .h5_attribute_f64_range(name, r.start as usize..r.end as usize)
                .with_context(|| format!("{name} of '{}'", e.name))?
            {
                Some(v) => out.extend(v.into_iter().map(Some)),
                None => {
                    // Several groups or a shuffled group index: the merged column.
                    let col: Option<Column> = e
                        .attribute(name)
                        .with_context(|| format!("{name} of '{}'", e.name))?;
                    return Ok(selection
                        .ids()
                        .map(|id| col.as_ref().and_then(|c| c.f64(id as usize)))
                        .collect());
                }
            }
        }
        return Ok(out);
    }
    Ok(types
        .iter()
        .map(|&t| {
            e.types
                .as_ref()
                .and_then(|tt| tt.cell(t, name))
                .and_then(|s| s.trim().parse::<f64>().ok())
        })
        .collect())
}

/// A line from, to, with its colour (linear alpha, sRGB colour).
pub type Line = ([f32; 3], [f32; 3], [f32; 4]);

/// Soma-to-soma lines of the drawn partners' edges (one per edge; the picked neuron at one
/// end), coloured by side, `alpha` opaque.
pub fn edge_lines(scene: &Scene, view: &PartnerView, alpha: f32) -> Vec<Line> {
    let Some(&me) = scene.positions.get(view.instance) else {
        return Vec::new();
    };
    view.edges
        .iter()
        .filter_map(|e| {
            let other = *scene.positions.get(e.partner_instance? as usize)?;
            let c = match e.side {
                Side::Pre => PRE_COLOR,
                Side::Post => POST_COLOR,
            };
            let color = [c[0], c[1], c[2], alpha];
            Some(match e.side {
                Side::Pre => (other, me, color),
                Side::Post => (me, other, color),
            })
        })
        .collect()
}

/// Edge attributes that can filter (numbers per edge or per edge type) over the edge
/// populations touching `population`.
pub fn filterable_attributes(scene: &Scene, population: &str) -> Vec<String> {
    let mut names: Vec<String> = scene
        .circuit
        .edges
        .iter()
        .filter(|e| e.source == population || e.target == population)
        .flat_map(|e| e.attribute_names())
        .filter(|n| {
            !matches!(
                n.as_str(),
                "target_query" | "source_query" | "dynamics_params" | "model_template"
            )
        })
        .collect();
    names.sort();
    names.dedup();
    names
}
