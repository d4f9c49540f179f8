//! Compartment reports painted on the morphologies at the playback time: the cells that a
//! report-coloured representation draws as morphologies have one mesh each
//! ([`crate::view::morphologies::paint`]); each vertex takes its compartment's value through
//! the representation's colormap and range (the report's sampled range when it has none).
//! A frame is read whole (one row of the report) when the frame on screen changes.

use std::collections::HashMap;
use std::sync::Arc;

use bevy::prelude::*;

use super::compartments::{NodeElements, vertex_colors, vertex_columns};
use super::plugin::{ReportSystems, Reports};
use crate::view::ViewerState;
use crate::view::morphologies::MorphologyBuild;
use crate::view::playback::Playback;
use crate::view::render::meshes::MeshLayers;
use crate::view::scene::Coloring;

/// Active report, frame, build generation, styling generation, range bits.
type PaintKey = (usize, usize, u64, u64, Option<(u64, u64)>);
/// Report columns of each compartment mesh's vertices, for (active report, build generation).
type MeshColumns = ((usize, u64), Vec<Option<Arc<Vec<u32>>>>);

/// What is painted and what it was painted from (main world).
#[derive(Resource, Default)]
pub struct CompartmentPaint {
    /// Active report, frame, build generation, styling generation, range: what is on screen.
    shown: Option<PaintKey>,
    /// Report columns of the vertices of each of the build's compartment meshes (in its
    /// order), for (active report, build generation).
    columns: Option<MeshColumns>,
    /// The last frame read: (active report, frame, values of every element).
    row: Option<(usize, usize, Vec<f32>)>,
}

/// Paints the compartment meshes after the reports' systems.
pub struct CompartmentPaintPlugin;

impl Plugin for CompartmentPaintPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<CompartmentPaint>()
            .add_systems(Update, paint_compartments.after(ReportSystems));
    }
}

fn paint_compartments(
    mut reports: ResMut<Reports>,
    build: Res<MorphologyBuild>,
    state: Res<ViewerState>,
    playback: Res<Playback>,
    mut layers: ResMut<MeshLayers>,
    mut paint: ResMut<CompartmentPaint>,
) {
    if build.compartments.is_empty() {
        paint.shown = None;
        return;
    }
    let (Some(active), Some(entry)) = (reports.active, reports.active_entry().cloned()) else {
        return;
    };
    let Some(frame) = entry.report.frame_at(playback.time_ms) else {
        return;
    };
    let data_range = reports.data_range;
    let key = (
        active,
        frame,
        build.generation,
        state.styled_generation,
        data_range.map(|(a, b)| (a.to_bits(), b.to_bits())),
    );
    if paint.shown == Some(key) {
        return;
    }
    if paint.columns.as_ref().map(|c| c.0) != Some((active, build.generation)) {
        let columns = build
            .compartments
            .iter()
            .map(|cell| {
                let node = entry.soma.node_of(cell.instance as usize)?;
                let elements = NodeElements::of(&entry.report, node);
                let columns = vertex_columns(&cell.along, &cell.section_ids, &elements);
                Some(Arc::new(columns))
            })
            .collect();
        paint.columns = Some(((active, build.generation), columns));
    }
    if paint
        .row
        .as_ref()
        .is_none_or(|(a, f, _)| (*a, *f) != (active, frame))
    {
        match entry.report.read_frame(frame) {
            Ok(row) => paint.row = Some((active, frame, row)),
            Err(e) => {
                reports.error = Some(format!("{}: frame {frame}: {e}", entry.label));
                paint.shown = Some(key);
                return;
            }
        }
    }
    let rep_of: HashMap<u32, usize> = state.styled.by_report.iter().copied().collect();
    let (Some((_, columns)), Some((_, _, row))) = (&paint.columns, &paint.row) else {
        return;
    };
    let mut painted = 0usize;
    for (cell, columns) in build.compartments.iter().zip(columns) {
        let coloring = rep_of
            .get(&cell.instance)
            .and_then(|&r| state.representations.get(r))
            .map(|rep| &rep.coloring);
        let Some(Coloring::ByReport { colormap, range }) = coloring else {
            continue;
        };
        let (Some(range), Some(columns)) = (range.or(data_range), columns) else {
            continue;
        };
        let colors = vertex_colors(columns, row, *colormap, range);
        if let Some(mesh) = layers
            .get_mut(cell.layer)
            .and_then(|l| l.meshes.get_mut(cell.mesh))
        {
            mesh.colors = colors;
            painted += 1;
        }
    }
    if painted > 0 || data_range.is_some() {
        paint.shown = Some(key);
    }
}
