//! Morphology layers as plain arrays (no systems, no GPU): the level-of-detail policy, meshes
//! cached per file, cells placed by BMTK's rotation, and the tube, centre-line and line layers
//! built within the budgets.

use std::collections::BTreeMap;
use std::path::PathBuf;

use bevy::prelude::*;

pub use super::mesh_cache::MeshCache;
use super::paint::{
    COMPARTMENT_LINES_LAYER, COMPARTMENT_TUBES_LAYER, CellDraw, CompartmentCell, CompartmentLayer,
    MeshParts, paint_cells,
};
use crate::morphology::mesh::TubeOptions;
use crate::morphology::resolve::{MorphologySource, node_world_from_local};
use crate::view::render::meshes::{LayerMesh, MeshInstance, MeshLayer, Topology};
use crate::view::scene::{CellPaint, MorphologyCell, MorphologyStyle, Scene};

/// Which level of detail to draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lod {
    /// By the budgets and the camera distance (see the module doc).
    Auto,
    /// As the style asks, whatever the cost.
    Tubes,
    /// Lines for every morphology cell.
    Lines,
    /// Spheres only.
    Somata,
}

impl Lod {
    pub const ALL: [Self; 4] = [Self::Auto, Self::Tubes, Self::Lines, Self::Somata];

    pub fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Tubes => "tubes",
            Self::Lines => "lines",
            Self::Somata => "somata",
        }
    }
}

/// Level-of-detail policy (main world).
#[derive(Resource, Clone, Debug, PartialEq)]
pub struct MorphologySettings {
    pub lod: Lod,
    /// Most tube triangles drawn per frame before tube cells turn to lines.
    pub tube_triangles: usize,
    /// Most line segments drawn per frame before all cells turn to spheres.
    pub line_segments: usize,
    /// Tubes are hidden while a pixel spans more µm than this at the camera target.
    pub far_um_per_px: f32,
    pub tube: TubeOptions,
    /// Sections are thinned to within this many µm before tubes are built (0: every point).
    pub simplify_um: f32,
    /// The same for lines (drawn when far or many, so coarser).
    pub line_simplify_um: f32,
}

impl MorphologySettings {
    /// Budgets for a GPU.
    pub fn gpu() -> Self {
        Self {
            lod: Lod::Auto,
            tube_triangles: 60_000_000,
            line_segments: 150_000_000,
            far_um_per_px: 2.0,
            tube: TubeOptions {
                sides: 6,
                min_radius: 0.3,
                soma_rings: 0,
            },
            simplify_um: 0.5,
            line_simplify_um: 1.0,
        }
    }

    /// Budgets for a software rasteriser (lavapipe, a few CPU cores).
    pub fn software() -> Self {
        Self {
            tube_triangles: 1_500_000,
            line_segments: 1_500_000,
            ..Self::gpu()
        }
    }

    /// One line for the UI and logs.
    pub fn describe(&self) -> String {
        format!(
            "tubes up to {} triangles, lines up to {} segments, beyond that detail for the \
             cells nearest the view centre and somata for the rest; tubes hidden beyond {} µm \
             per pixel",
            human(self.tube_triangles),
            human(self.line_segments),
            self.far_um_per_px
        )
    }
}

impl Default for MorphologySettings {
    fn default() -> Self {
        Self::gpu()
    }
}

/// What the last build drew.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MorphologySummary {
    /// Cells asking for a morphology.
    pub cells: usize,
    pub tubes: usize,
    pub lines: usize,
    /// Cells with a morphology drawn as spheres by the level of detail.
    pub somata_only: usize,
    /// Cells without a usable morphology (no value, no file, a broken file): spheres.
    pub without: usize,
    /// Unique morphology files drawn.
    pub unique: usize,
    pub triangles: usize,
    pub segments: usize,
    pub gpu_bytes: usize,
    /// Why the level of detail drew less than asked, if it did.
    pub degraded: Option<String>,
    /// One message per file that failed to load.
    pub failures: Vec<String>,
    /// Bounding sphere (centre, radius, µm) of the drawn morphologies.
    pub bounds: Option<([f32; 3], f32)>,
    /// Not every cell fits the budgets ([`Lod::Auto`]): detail follows the view centre.
    pub over_budget: bool,
}

impl MorphologySummary {
    pub fn describe(&self) -> String {
        let mut s = format!(
            "{} cells: {} tubes, {} lines, {} somata only, {} without morphology ({} files, {} \
             triangles, {} segments, {} MiB)",
            self.cells,
            self.tubes,
            self.lines,
            self.somata_only,
            self.without,
            self.unique,
            human(self.triangles),
            human(self.segments),
            self.gpu_bytes / (1 << 20)
        );
        if let Some(d) = &self.degraded {
            s.push_str("; ");
            s.push_str(d);
        }
        s
    }
}

fn human(n: usize) -> String {
    match n {
        n if n >= 1_000_000 => format!("{:.1} M", n as f64 / 1e6),
        n if n >= 1_000 => format!("{:.0} k", n as f64 / 1e3),
        n => n.to_string(),
    }
}

/// What a build made: the layers and the soma radius of each drawn cell.
pub struct Built {
    pub tubes: Option<MeshLayer>,
    /// The tube cells' centre lines.
    pub far: Option<MeshLayer>,
    pub lines: Option<MeshLayer>,
    /// Cells coloured by compartment, one mesh each: tubes and lines.
    pub compartment_tubes: Option<MeshLayer>,
    pub compartment_lines: Option<MeshLayer>,
    /// Which mesh of which compartment layer each such cell is.
    pub compartments: Vec<CompartmentCell>,
    /// (instance, soma radius in µm) of the cells drawn as tubes or lines.
    pub somata: Vec<(u32, f32)>,
    pub summary: MorphologySummary,
}

/// A cell placed in the world.
struct Placed {
    instance: u32,
    style: MorphologyStyle,
    paint: CellPaint,
    instance_data: MeshInstance,
    soma_radius: f32,
    /// Soma position in the world.
    position: Vec3,
    level: Level,
}

/// What a cell is drawn as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Level {
    Tubes,
    Lines,
    Soma,
}

/// Builds the layers of `cells` (no GPU: plain arrays). Reads files through `cache`.
///
/// `focus`: where the camera looks. When all cells do not fit the budgets ([`Lod::Auto`]), the
/// cells nearest the focus get tubes (or lines) while the budgets last and the rest are
/// somata; without a focus, all cells drop a level together.
pub fn build_layers(
    scene: &Scene,
    cells: &[MorphologyCell],
    settings: &MorphologySettings,
    focus: Option<Vec3>,
    cache: &mut MeshCache,
) -> Built {
    let mut summary = MorphologySummary {
        cells: cells.len(),
        ..Default::default()
    };
    let mut by_file = place_cells(scene, cells, cache, &mut summary);
    choose_levels(&mut by_file, settings, focus, cache, &mut summary);
    let mut layers = assemble_layers(&by_file, settings, cache, &mut summary);
    summary.unique = by_file.len();
    for l in [
        &layers.tubes,
        &layers.far,
        &layers.lines,
        &layers.compartment_tubes,
        &layers.compartment_lines,
    ]
    .into_iter()
    .flatten()
    {
        match l.topology {
            Topology::Triangles => summary.triangles += l.primitives(),
            Topology::Lines => summary.segments += l.primitives(),
        }
    }
    summary.gpu_bytes = [
        &layers.tubes,
        &layers.far,
        &layers.lines,
        &layers.compartment_tubes,
        &layers.compartment_lines,
    ]
    .iter()
    .filter_map(|l| l.as_ref())
    .map(MeshLayer::gpu_bytes)
    .sum();
    layers.summary = summary;
    layers
}

/// Each cell with a readable morphology placed in the world, grouped by file in file order
/// (stable layers); the others are counted as `without`, failed files listed.
fn place_cells(
    scene: &Scene,
    cells: &[MorphologyCell],
    cache: &mut MeshCache,
    summary: &mut MorphologySummary,
) -> BTreeMap<PathBuf, Vec<Placed>> {
    let source = MorphologySource::of(&scene.circuit);
    let mut by_file: BTreeMap<PathBuf, Vec<Placed>> = BTreeMap::new();
    for cell in cells {
        let placed = source.as_ref().and_then(|source| {
            let (sp, row) = scene.locate(cell.instance as usize)?;
            let pop = scene.circuit.nodes.get(sp.circuit_index)?;
            let path = source.node_path(pop, row)?;
            let morphology = cache.library.loaded(&path)?;
            let world_from_local = node_world_from_local(pop, row, morphology.soma.center())?;
            let placed = Placed {
                instance: cell.instance,
                style: cell.style,
                paint: cell.paint,
                instance_data: MeshInstance {
                    transform: Mat4::from_cols_array(&world_from_local.to_cols_array()),
                    color: [cell.color[0], cell.color[1], cell.color[2], cell.alpha],
                },
                soma_radius: morphology.soma.display_radius(),
                position: Vec3::from(scene.positions[cell.instance as usize]),
                level: Level::Soma,
            };
            Some((path, placed))
        });
        match placed {
            Some((path, placed)) => by_file.entry(path).or_default().push(placed),
            None => summary.without += 1,
        }
    }
    summary.failures = cache.library.failures().map(str::to_owned).collect();
    summary.failures.sort();
    by_file
}

/// The level of detail of each placed cell: what its style asks for within the budgets, the
/// nearest cells first when over budget and a focus is known.
fn choose_levels(
    by_file: &mut BTreeMap<PathBuf, Vec<Placed>>,
    settings: &MorphologySettings,
    focus: Option<Vec3>,
    cache: &mut MeshCache,
    summary: &mut MorphologySummary,
) {
    let mut tube_cells = 0usize;
    let mut tube_triangles = 0usize;
    let mut segments = 0usize;
    for (path, placed) in by_file.iter() {
        let tubes = placed
            .iter()
            .filter(|p| p.style == MorphologyStyle::Tubes)
            .count();
        if tubes > 0
            && let Some(m) = cache.tube(path, settings.tube, settings.simplify_um)
        {
            tube_cells += tubes;
            tube_triangles += m.indices.len() / 3 * tubes;
        }
        if let Some(m) = cache.line(path, settings.line_simplify_um) {
            segments += m.indices.len() / 2 * placed.len();
        }
    }
    let (mut draw_tubes, mut draw_lines) = match settings.lod {
        Lod::Auto => (tube_triangles <= settings.tube_triangles, true),
        Lod::Tubes => (true, true),
        Lod::Lines => (false, true),
        Lod::Somata => (false, false),
    };
    summary.over_budget = settings.lod == Lod::Auto
        && (tube_triangles > settings.tube_triangles || segments > settings.line_segments);
    if settings.lod == Lod::Auto {
        if !draw_tubes {
            summary.degraded = Some(format!(
                "{tube_cells} cells as lines: tubes would be {} triangles",
                human(tube_triangles)
            ));
        }
        if segments > settings.line_segments {
            draw_tubes = false;
            draw_lines = false;
            summary.degraded = Some(format!(
                "somata only: lines would be {} segments",
                human(segments)
            ));
        }
    }
    match focus {
        Some(focus) if summary.over_budget => {
            detail_nearest(by_file, focus, settings, cache, summary);
        }
        _ => {
            for p in by_file.values_mut().flatten() {
                p.level = match (draw_tubes && p.style == MorphologyStyle::Tubes, draw_lines) {
                    (true, _) => Level::Tubes,
                    (false, true) => Level::Lines,
                    (false, false) => Level::Soma,
                };
            }
        }
    }
}

/// The tube, centre-line and line layers of the placed cells at their levels, the somata
/// they draw, and the bounds of what is drawn (into `summary`).
fn assemble_layers(
    by_file: &BTreeMap<PathBuf, Vec<Placed>>,
    settings: &MorphologySettings,
    cache: &mut MeshCache,
    summary: &mut MorphologySummary,
) -> Built {
    let mut tube_meshes = Vec::new();
    let mut far_meshes = Vec::new();
    let mut line_meshes = Vec::new();
    let mut compartment_tubes = CompartmentLayer::new(COMPARTMENT_TUBES_LAYER);
    let mut compartment_lines = CompartmentLayer::new(COMPARTMENT_LINES_LAYER);
    let mut somata = Vec::new();
    let mut bounds = WorldBounds::default();
    for (path, placed) in by_file {
        let at = |level| -> Vec<&Placed> { placed.iter().filter(|p| p.level == level).collect() };
        let (tubes, lines) = (at(Level::Tubes), at(Level::Lines));
        summary.somata_only += placed.len() - tubes.len() - lines.len();
        if tubes.is_empty() && lines.is_empty() {
            continue;
        }
        let draws = |cells: &[&Placed]| -> Vec<CellDraw> {
            cells
                .iter()
                .map(|p| CellDraw {
                    instance: p.instance,
                    paint: p.paint,
                    data: p.instance_data,
                })
                .collect()
        };
        summary.tubes += tubes.len();
        summary.lines += lines.len();
        somata.extend(
            tubes
                .iter()
                .chain(lines.iter())
                .map(|p| (p.instance, p.soma_radius)),
        );
        let Some(section_ids) = cache.section_ids(path, settings.simplify_um) else {
            continue;
        };
        if !tubes.is_empty()
            && let Some(m) = cache.tube(path, settings.tube, settings.simplify_um)
            && let Some(along) = cache.tube_along(path, settings.tube, settings.simplify_um)
        {
            let parts = MeshParts {
                positions: &m.positions,
                normals: &m.normals,
                indices: &m.indices,
                section_types: &m.section_types,
                along: &along,
            };
            paint_cells(
                &mut tube_meshes,
                &mut compartment_tubes,
                &parts,
                &draws(&tubes),
                &section_ids,
            );
        }
        let tolerance = if tubes.is_empty() {
            settings.line_simplify_um
        } else {
            // Centre lines of tubes: as close to the tube's axis as the tube itself.
            settings.simplify_um
        };
        let (Some(m), Some(along)) = (
            cache.line(path, tolerance),
            cache.line_along(path, tolerance),
        ) else {
            continue;
        };
        let (lo, hi) = aabb(&m.positions);
        for p in tubes.iter().chain(lines.iter()) {
            bounds.add_box(lo, hi, &p.instance_data.transform);
        }
        let parts = MeshParts {
            positions: &m.positions,
            normals: &[],
            indices: &m.indices,
            section_types: &m.section_types,
            along: &along,
        };
        if !tubes.is_empty() {
            paint_cells(
                &mut far_meshes,
                &mut compartment_lines,
                &parts,
                &draws(&tubes),
                &section_ids,
            );
        }
        if !lines.is_empty()
            && let (Some(m), Some(along)) = (
                cache.line(path, settings.line_simplify_um),
                cache.line_along(path, settings.line_simplify_um),
            )
        {
            let parts = MeshParts {
                positions: &m.positions,
                normals: &[],
                indices: &m.indices,
                section_types: &m.section_types,
                along: &along,
            };
            paint_cells(
                &mut line_meshes,
                &mut compartment_lines,
                &parts,
                &draws(&lines),
                &section_ids,
            );
        }
    }
    summary.bounds = bounds.sphere();
    let layer = |topology, meshes: Vec<LayerMesh>| {
        (!meshes.is_empty()).then(|| MeshLayer::new(topology, meshes))
    };
    let mut compartments = compartment_tubes.cells;
    compartments.extend(compartment_lines.cells);
    Built {
        tubes: layer(Topology::Triangles, tube_meshes),
        far: layer(Topology::Lines, far_meshes),
        lines: layer(Topology::Lines, line_meshes),
        compartment_tubes: layer(Topology::Triangles, compartment_tubes.meshes),
        compartment_lines: layer(Topology::Lines, compartment_lines.meshes),
        compartments,
        somata,
        summary: MorphologySummary::default(),
    }
}

/// The axis-aligned box around placed meshes, in the world.
struct WorldBounds {
    lo: Vec3,
    hi: Vec3,
}

impl Default for WorldBounds {
    fn default() -> Self {
        Self {
            lo: Vec3::splat(f32::INFINITY),
            hi: Vec3::splat(f32::NEG_INFINITY),
        }
    }
}

impl WorldBounds {
    /// Adds the corners of the local box `lo..hi` placed by `world_from_local`.
    fn add_box(&mut self, lo: Vec3, hi: Vec3, world_from_local: &Mat4) {
        for corner in 0..8 {
            let c = Vec3::new(
                if corner & 1 == 0 { lo.x } else { hi.x },
                if corner & 2 == 0 { lo.y } else { hi.y },
                if corner & 4 == 0 { lo.z } else { hi.z },
            );
            let w = world_from_local.transform_point3(c);
            self.lo = self.lo.min(w);
            self.hi = self.hi.max(w);
        }
    }

    /// Centre and radius of the sphere around the box (`None`: nothing added).
    fn sphere(&self) -> Option<([f32; 3], f32)> {
        self.lo.cmple(self.hi).all().then(|| {
            let c = 0.5 * (self.lo + self.hi);
            (c.to_array(), (0.5 * (self.hi - self.lo).length()).max(1.0))
        })
    }
}

/// Gives the cells nearest `focus` tubes (tube style) or lines while the budgets last; the
/// rest are somata. A tube cell costs its triangles and its centre-line segments.
fn detail_nearest(
    by_file: &mut BTreeMap<PathBuf, Vec<Placed>>,
    focus: Vec3,
    settings: &MorphologySettings,
    cache: &mut MeshCache,
    summary: &mut MorphologySummary,
) {
    let mut order: Vec<(f32, &PathBuf, usize)> = by_file
        .iter()
        .flat_map(|(path, placed)| {
            placed
                .iter()
                .enumerate()
                .map(move |(i, p)| (p.position.distance_squared(focus), path, i))
        })
        .collect();
    order.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut levels = Vec::with_capacity(order.len());
    let (mut triangles, mut segments) = (0usize, 0usize);
    let (mut tubes_open, mut lines_open) = (true, true);
    for (_, path, i) in order {
        let style = by_file.get(path).and_then(|p| p.get(i)).map(|p| p.style);
        let tube = (style == Some(MorphologyStyle::Tubes))
            .then(|| {
                let t = cache.tube(path, settings.tube, settings.simplify_um)?;
                let l = cache.line(path, settings.simplify_um)?;
                Some((t.indices.len() / 3, l.indices.len() / 2))
            })
            .flatten();
        let line = cache
            .line(path, settings.line_simplify_um)
            .map(|l| l.indices.len() / 2);
        // Shells around the focus: once a cell misses a level, farther cells do too.
        if let Some((t, l)) = tube
            && tubes_open
            && !(triangles + t <= settings.tube_triangles && segments + l <= settings.line_segments)
        {
            tubes_open = false;
        }
        if let Some(l) = line
            && lines_open
            && segments + l > settings.line_segments
        {
            lines_open = false;
        }
        let level = match (tube, line) {
            (Some((t, l)), _) if tubes_open => {
                triangles += t;
                segments += l;
                Level::Tubes
            }
            (_, Some(l)) if lines_open => {
                segments += l;
                Level::Lines
            }
            _ => Level::Soma,
        };
        levels.push((path.clone(), i, level));
    }
    let mut detailed = 0;
    for (path, i, level) in levels {
        if let Some(p) = by_file.get_mut(&path).and_then(|v| v.get_mut(i)) {
            p.level = level;
            detailed += usize::from(level != Level::Soma);
        }
    }
    summary.degraded = Some(format!(
        "the {detailed} cells nearest the view centre in detail, the rest somata (all: {})",
        summary.degraded.as_deref().unwrap_or("over budget")
    ));
}

fn aabb(points: &[[f32; 3]]) -> (Vec3, Vec3) {
    points.iter().fold(
        (Vec3::splat(f32::INFINITY), Vec3::splat(f32::NEG_INFINITY)),
        |(lo, hi), p| (lo.min(Vec3::from(*p)), hi.max(Vec3::from(*p))),
    )
}

/// The sphere that holds both spheres.
pub fn union_sphere(a: ([f32; 3], f32), b: ([f32; 3], f32)) -> ([f32; 3], f32) {
    let (ca, cb) = (Vec3::from(a.0), Vec3::from(b.0));
    let d = ca.distance(cb);
    if d + b.1 <= a.1 {
        return a;
    }
    if d + a.1 <= b.1 {
        return b;
    }
    let r = 0.5 * (d + a.1 + b.1);
    let c = ca + (cb - ca).normalize_or_zero() * (r - a.1);
    (c.to_array(), r)
}
