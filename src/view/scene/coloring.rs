//! Colours of one representation's neurons (no Bevy): by population, node type, attribute
//! (categorical or a colormap over its range), firing rate or report, and the legend of what
//! was used.

use std::collections::BTreeMap;

use super::model::{Scene, ScenePopulation};
use crate::sonata::{Column, NodePopulation, Values};
use crate::view::colors::{
    Colormap, MISSING, SECTION_TYPE_COLORS, categorical, parse_hex_color, section_type_color,
};
use crate::view::legend::{LegendEntry, REPORT_LEGEND_LABEL};

/// How a representation colours its neurons.
#[derive(Clone, Debug, PartialEq)]
pub enum Coloring {
    Solid([f32; 3]),
    ByPopulation,
    ByNodeType,
    /// Each neuron's mean firing rate over the loaded spikes through `colormap` over `range`
    /// (0 to the 99th percentile when `None`).
    ByActivity {
        colormap: Colormap,
        range: Option<(f64, f64)>,
    },
    /// Any attribute: categorical palette for text and few integers, else `colormap` over
    /// `range` (the data range when `None`).
    ByAttribute {
        name: String,
        range: Option<(f64, f64)>,
        colormap: Colormap,
    },
    /// Morphologies by section type (soma, axon, basal and apical dendrites:
    /// [`SECTION_TYPE_COLORS`]); a neuron drawn as a sphere has the soma's colour.
    BySectionType,
    /// The value of the active frame report (membrane potential, ...) at the playback time,
    /// through `colormap` over `range` (the report's data range when `None`). Styling only
    /// marks these instances ([`Styled::by_report`]); the report plugin colours them per frame.
    ByReport {
        colormap: Colormap,
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
            "activity" | "rate" => Self::ByActivity {
                colormap: Colormap::default(),
                range: None,
            },
            "report" => Self::ByReport {
                colormap: Colormap::default(),
                range: None,
            },
            "section_type" | "section" => Self::BySectionType,
            _ => match parse_hex_color(s) {
                Some(c) => Self::Solid(c),
                None => Self::ByAttribute {
                    name: s.to_owned(),
                    range: None,
                    colormap: Colormap::default(),
                },
            },
        }
    }

    /// The colouring a session's representation asks for: `color_by` (absent: by population)
    /// through `colormap` over `range`; an unknown colormap name is an error that names the
    /// known ones.
    pub fn from_spec(spec: &crate::session::RepresentationSpec) -> Result<Self, String> {
        let coloring = spec
            .color_by
            .as_deref()
            .map_or(Self::ByPopulation, Self::parse);
        let coloring = match spec.colormap.as_deref() {
            None => coloring,
            Some(name) => match Colormap::parse(name) {
                Some(map) => coloring.with_colormap(map),
                None => {
                    return Err(format!(
                        "colormap '{name}' is not one of {}",
                        Colormap::names()
                    ));
                }
            },
        };
        Ok(match spec.range {
            Some([lo, hi]) => coloring.with_range(Some((lo, hi))),
            None => coloring,
        })
    }

    /// What the colouring is, for the UI.
    pub fn label(&self) -> String {
        match self {
            Self::Solid(_) => "solid".to_owned(),
            Self::ByPopulation => "population".to_owned(),
            Self::ByNodeType => "node type".to_owned(),
            Self::ByActivity { .. } => "firing rate".to_owned(),
            Self::ByAttribute { name, .. } => name.clone(),
            Self::ByReport { .. } => "report value".to_owned(),
            Self::BySectionType => "section type".to_owned(),
        }
    }

    /// The colormap of a continuous colouring (`None` for the others; an attribute that turns
    /// out to be categorical ignores its colormap).
    pub fn colormap(&self) -> Option<Colormap> {
        match self {
            Self::ByActivity { colormap, .. }
            | Self::ByAttribute { colormap, .. }
            | Self::ByReport { colormap, .. } => Some(*colormap),
            _ => None,
        }
    }

    /// The same colouring through `map` (colourings without a colormap are unchanged).
    pub fn with_colormap(mut self, map: Colormap) -> Self {
        if let Self::ByActivity { colormap, .. }
        | Self::ByAttribute { colormap, .. }
        | Self::ByReport { colormap, .. } = &mut self
        {
            *colormap = map;
        }
        self
    }

    /// The same colouring over a fixed range (colourings without one are unchanged).
    pub fn with_range(mut self, lo_hi: Option<(f64, f64)>) -> Self {
        if let Self::ByActivity { range, .. }
        | Self::ByAttribute { range, .. }
        | Self::ByReport { range, .. } = &mut self
        {
            *range = lo_hi;
        }
        self
    }
}

/// Assigns colours for one representation and remembers what it used, for the legend.
pub(super) struct Colorer<'a> {
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
    pub(super) fn new(scene: &'a Scene, coloring: &'a Coloring) -> Self {
        let mut rates = Vec::new();
        let range = match coloring {
            Coloring::ByAttribute { name, range, .. } => {
                range.or_else(|| numeric_range(scene, name))
            }
            Coloring::ByActivity { range: Some(r), .. } => {
                rates = scene.firing_rates();
                Some(*r)
            }
            Coloring::ByActivity { range: None, .. } => {
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

    pub(super) fn color(
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
            Coloring::ByActivity { colormap, .. } => {
                let range = self.range.unwrap_or((0.0, 1.0));
                let r = self.rates.get(instance).copied().unwrap_or(0.0) as f64;
                colormap.of(r, range)
            }
            Coloring::BySectionType => section_type_color(1),
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
            Coloring::ByAttribute { name, colormap, .. } => match pop.attribute(name) {
                None => MISSING,
                Some(col) => match (col, self.range) {
                    (c, Some(range)) if is_continuous(c) => match c.f64(row) {
                        Some(v) => colormap.of(v, range),
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

    pub(super) fn legend(&self) -> Vec<LegendEntry> {
        match self.coloring {
            Coloring::Solid(c) => vec![LegendEntry::Swatch {
                color: *c,
                label: "solid".into(),
            }],
            // Without a range of its own the report's data range is known only to the report
            // plugin: NaN bounds here, filled in by `reports::frames::fill_legend`.
            Coloring::ByReport { range, colormap } => {
                let (min, max) = range.unwrap_or((f64::NAN, f64::NAN));
                vec![LegendEntry::Ramp {
                    label: REPORT_LEGEND_LABEL.into(),
                    min,
                    max,
                    colormap: *colormap,
                }]
            }
            Coloring::ByActivity { colormap, .. } => match self.range {
                Some((min, max)) => vec![LegendEntry::Ramp {
                    label: "firing rate (Hz)".into(),
                    min,
                    max,
                    colormap: *colormap,
                }],
                None => Vec::new(),
            },
            Coloring::ByAttribute { name, colormap, .. } if self.categories.is_empty() => {
                match self.range {
                    Some((min, max)) => vec![LegendEntry::Ramp {
                        label: name.clone(),
                        min,
                        max,
                        colormap: *colormap,
                    }],
                    None => Vec::new(),
                }
            }
            Coloring::BySectionType => SECTION_TYPE_COLORS
                .iter()
                .map(|(_, label, color)| LegendEntry::Swatch {
                    color: *color,
                    label: (*label).to_owned(),
                })
                .collect(),
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
