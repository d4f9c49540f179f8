//! Compartment reports along the morphologies (no Bevy): each vertex of a cell's mesh takes
//! the report element of its section and segment, as VND colours each compartment.
//!
//! A report names a node's elements by section (`element_ids`: NEURON's numbering,
//! [`crate::morphology::neuron_order`]) and position along it (`element_pos`, the centres of
//! the section's segments). A vertex at fraction `x` of its section's length takes the element
//! of that section whose position is nearest `x`: the segment that holds it. A soma report
//! (one element per node) colours the whole cell with its soma value; a section the report
//! does not record stays grey.

use std::collections::HashMap;

use crate::morphology::Along;
use crate::morphology::neuron_order::SOMA_ID;
use crate::sonata::FrameReport;
use crate::view::colors::{Colormap, MISSING};

/// A vertex the report has no value for.
pub const NO_COLUMN: u32 = u32::MAX;

/// One node's elements in a report, by section id: (position, column of the frame), sorted by
/// position.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NodeElements {
    by_section: HashMap<u64, Vec<(f64, usize)>>,
    /// The node's first column (its soma in a compartment report).
    first: Option<usize>,
    /// The node has a single element (a soma report).
    single: bool,
}

impl NodeElements {
    /// The elements of report node `k` (index in the report's node order).
    pub fn of(report: &FrameReport, k: usize) -> Self {
        let start = report.index_pointers.get(k).copied().unwrap_or(0) as usize;
        let end = report.index_pointers.get(k + 1).copied().unwrap_or(0) as usize;
        let mut by_section: HashMap<u64, Vec<(f64, usize)>> = HashMap::new();
        for column in start..end.max(start) {
            let id = report.element_ids.get(column).copied().unwrap_or(0);
            let pos = report.element_pos.get(column).copied().unwrap_or(0.5);
            by_section.entry(id).or_default().push((pos, column));
        }
        for v in by_section.values_mut() {
            v.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        Self {
            by_section,
            first: (end > start).then_some(start),
            single: end == start + 1,
        }
    }

    /// The column of section `id` at fraction `x` along it: the element nearest `x`.
    pub fn column_at(&self, id: u64, x: f32) -> Option<usize> {
        if self.single {
            return self.first;
        }
        let elements = self.by_section.get(&id)?;
        let x = f64::from(x);
        let i = elements.partition_point(|(pos, _)| *pos < x);
        let after = elements.get(i);
        let before = i.checked_sub(1).and_then(|b| elements.get(b));
        match (before, after) {
            (Some(b), Some(a)) if x - b.0 <= a.0 - x => Some(b.1),
            (_, Some(a)) => Some(a.1),
            (Some(b), None) => Some(b.1),
            (None, None) => None,
        }
    }
}

/// The report column of each vertex ([`NO_COLUMN`] where the report has none): `along` from
/// the mesh, `section_ids` the NEURON id of each section of the morphology.
pub fn vertex_columns(along: &[Along], section_ids: &[u32], elements: &NodeElements) -> Vec<u32> {
    along
        .iter()
        .map(|a| {
            let id = if a.section == Along::SOMA {
                Some(SOMA_ID)
            } else {
                section_ids.get(a.section as usize).copied()
            };
            id.and_then(|id| elements.column_at(u64::from(id), a.x))
                .map_or(NO_COLUMN, |c| c as u32)
        })
        .collect()
}

/// The value of each vertex at one frame (`NaN` where there is none).
pub fn vertex_values(columns: &[u32], frame: &[f32]) -> Vec<f32> {
    columns
        .iter()
        .map(|&c| frame.get(c as usize).copied().unwrap_or(f32::NAN))
        .collect()
}

/// Vertex colours of one frame through `colormap` over `range`; grey where there is no value.
pub fn vertex_colors(
    columns: &[u32],
    frame: &[f32],
    colormap: Colormap,
    range: (f64, f64),
) -> Vec<[f32; 4]> {
    vertex_values(columns, frame)
        .into_iter()
        .map(|v| {
            let c = if v.is_finite() {
                colormap.of(f64::from(v), range)
            } else {
                MISSING
            };
            [c[0], c[1], c[2], 1.0]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn elements(list: &[(u64, f64)], single: bool) -> NodeElements {
        let mut by_section: HashMap<u64, Vec<(f64, usize)>> = HashMap::new();
        for (column, &(id, pos)) in list.iter().enumerate() {
            by_section.entry(id).or_default().push((pos, column));
        }
        NodeElements {
            by_section,
            first: Some(0),
            single,
        }
    }

    #[test]
    fn a_vertex_takes_the_segment_that_holds_it() {
        // Soma, then section id 1 with three segments (centres 1/6, 1/2, 5/6).
        let e = elements(&[(0, 0.5), (1, 1.0 / 6.0), (1, 0.5), (1, 5.0 / 6.0)], false);
        let along = |section, x| Along { section, x };
        let columns = vertex_columns(
            &[
                along(Along::SOMA, 0.5),
                along(0, 0.0),
                along(0, 0.3),
                along(0, 0.4),
                along(0, 0.7),
                along(0, 1.0),
                along(1, 0.5),
            ],
            &[1, 2],
            &e,
        );
        assert_eq!(columns, vec![0, 1, 1, 2, 3, 3, NO_COLUMN]);
    }

    #[test]
    fn a_soma_report_colours_the_whole_cell() {
        let e = elements(&[(0, 0.5)], true);
        let columns = vertex_columns(&[Along { section: 4, x: 0.9 }], &[1, 2, 3, 4, 5], &e);
        assert_eq!(columns, vec![0]);
        let colors = vertex_colors(&[0, NO_COLUMN], &[-70.0], Colormap::Grays, (-80.0, -60.0));
        assert_eq!(colors[0][..3], Colormap::Grays.of(-70.0, (-80.0, -60.0)));
        assert_eq!(colors[1][..3], MISSING);
    }
}
