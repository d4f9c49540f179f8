//! Colours on the morphology meshes (no systems): the representation's colour per cell
//! (instanced, one mesh per file), section types as vertex colours (instanced, one mesh per
//! file), or one mesh per cell whose vertex colours the report plugin repaints per frame.

use std::sync::Arc;

use crate::morphology::Along;
use crate::view::colors::{MISSING, section_type_color};
use crate::view::render::meshes::{LayerMesh, MeshInstance};
use crate::view::scene::CellPaint;

/// Layer of the tube cells coloured by compartment (one mesh per cell).
pub const COMPARTMENT_TUBES_LAYER: &str = "morphology_compartments";
/// Layer of the line cells coloured by compartment (one mesh per cell).
pub const COMPARTMENT_LINES_LAYER: &str = "morphology_compartment_lines";

/// One placed cell to draw with a mesh.
#[derive(Clone, Copy, Debug)]
pub struct CellDraw {
    pub instance: u32,
    pub paint: CellPaint,
    pub data: MeshInstance,
}

/// A mesh of one morphology file, as plain arrays borrowed from the cache.
pub struct MeshParts<'a> {
    pub positions: &'a [[f32; 3]],
    /// Empty for lines.
    pub normals: &'a [[f32; 3]],
    pub indices: &'a [u32],
    pub section_types: &'a [u8],
    pub along: &'a Arc<Vec<Along>>,
}

/// A cell drawn by its own mesh in a compartment layer, for the report plugin to repaint.
#[derive(Clone, Debug)]
pub struct CompartmentCell {
    pub instance: u32,
    /// The layer holding its mesh and the mesh's index there.
    pub layer: &'static str,
    pub mesh: usize,
    /// Where each vertex lies on the morphology.
    pub along: Arc<Vec<Along>>,
    /// NEURON's id of each section ([`crate::morphology::neuron_order`]).
    pub section_ids: Arc<Vec<u32>>,
}

/// A layer of cells coloured by compartment, one mesh each.
pub struct CompartmentLayer {
    pub name: &'static str,
    pub meshes: Vec<LayerMesh>,
    pub cells: Vec<CompartmentCell>,
}

impl CompartmentLayer {
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            meshes: Vec::new(),
            cells: Vec::new(),
        }
    }
}

/// Adds `cells` drawn with `parts`: uniform cells as one instanced mesh and section-type cells
/// as another with vertex colours (both into `meshes`), compartment cells one mesh each into
/// `compartments` (grey until a frame paints them).
pub fn paint_cells(
    meshes: &mut Vec<LayerMesh>,
    compartments: &mut CompartmentLayer,
    parts: &MeshParts,
    cells: &[CellDraw],
    section_ids: &Arc<Vec<u32>>,
) {
    let mesh = |colors: Vec<[f32; 4]>, instances: Vec<MeshInstance>| LayerMesh {
        positions: parts.positions.to_vec(),
        normals: parts.normals.to_vec(),
        colors,
        indices: parts.indices.to_vec(),
        instances,
    };
    let of = |paint: CellPaint| -> Vec<&CellDraw> {
        cells.iter().filter(|c| c.paint == paint).collect()
    };
    let uniform: Vec<MeshInstance> = of(CellPaint::Uniform).iter().map(|c| c.data).collect();
    if !uniform.is_empty() {
        meshes.push(mesh(Vec::new(), uniform));
    }
    let white = |c: &CellDraw| MeshInstance {
        color: [1.0, 1.0, 1.0, 1.0],
        ..c.data
    };
    let typed: Vec<MeshInstance> = of(CellPaint::SectionType).into_iter().map(white).collect();
    if !typed.is_empty() {
        meshes.push(mesh(section_type_colors(parts.section_types), typed));
    }
    for cell in of(CellPaint::Compartments) {
        compartments.cells.push(CompartmentCell {
            instance: cell.instance,
            layer: compartments.name,
            mesh: compartments.meshes.len(),
            along: parts.along.clone(),
            section_ids: section_ids.clone(),
        });
        let grey = [MISSING[0], MISSING[1], MISSING[2], 1.0];
        compartments
            .meshes
            .push(mesh(vec![grey; parts.positions.len()], vec![white(cell)]));
    }
}

/// Vertex colours of SWC section types.
pub fn section_type_colors(types: &[u8]) -> Vec<[f32; 4]> {
    types
        .iter()
        .map(|&t| {
            let c = section_type_color(t);
            [c[0], c[1], c[2], 1.0]
        })
        .collect()
}
