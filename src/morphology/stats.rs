//! Per-morphology numbers as NeuroM computes them: total length is the sum of section lengths
//! (segments between consecutive section points, duplicate start points included, the step from
//! the soma to a root section's first point not).

use std::collections::BTreeMap;

use serde::Serialize;

use super::Morphology;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TypeStats {
    pub sections: usize,
    pub points: usize,
    pub total_length: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MorphologyStats {
    /// Neurite points (MorphIO's count, section start duplicates included).
    pub points: usize,
    pub soma_points: usize,
    pub soma_kind: &'static str,
    pub soma_center: [f64; 3],
    pub soma_radius: f32,
    pub sections: usize,
    /// Root sections (NeuroM's neurites).
    pub neurites: usize,
    /// Micrometres, all neurites.
    pub total_length: f64,
    /// By NeuroM type name (`axon`, `basal_dendrite`, `apical_dendrite`, `custom5`, ...).
    pub by_type: BTreeMap<String, TypeStats>,
}

impl MorphologyStats {
    pub fn of(m: &Morphology) -> Self {
        let mut by_type: BTreeMap<String, TypeStats> = BTreeMap::new();
        for s in &m.sections {
            let entry = by_type.entry(s.section_type.name()).or_default();
            entry.sections += 1;
            entry.points += s.points.len();
            entry.total_length += s.length();
        }
        Self {
            points: m.point_count(),
            soma_points: m.soma.points.len(),
            soma_kind: m.soma.kind.name(),
            soma_center: m.soma.center(),
            soma_radius: m.soma.display_radius(),
            sections: m.sections.len(),
            neurites: m.sections.iter().filter(|s| s.parent.is_none()).count(),
            total_length: by_type.values().map(|t| t.total_length).sum(),
            by_type,
        }
    }

    /// Length of one type (0 when the morphology has none of it).
    pub fn length_of(&self, type_name: &str) -> f64 {
        self.by_type.get(type_name).map_or(0.0, |t| t.total_length)
    }

    pub fn to_text(&self) -> String {
        let mut out = format!(
            "soma: {} ({} points, centre {:.3} {:.3} {:.3}, radius {:.3} um)\n\
             sections: {} in {} neurites, points: {}\n\
             total length: {:.3} um\n",
            self.soma_kind,
            self.soma_points,
            self.soma_center[0],
            self.soma_center[1],
            self.soma_center[2],
            self.soma_radius,
            self.sections,
            self.neurites,
            self.points,
            self.total_length
        );
        for (name, t) in &self.by_type {
            out.push_str(&format!(
                "  {name}: {} sections, {} points, {:.3} um\n",
                t.sections, t.points, t.total_length
            ));
        }
        out
    }
}
