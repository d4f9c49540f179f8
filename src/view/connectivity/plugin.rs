//! `ConnectivityPlugin`: the picked neuron's presynaptic and postsynaptic partners, queried
//! through the edge indices off the main thread whenever the pick or the filter changes, then
//! highlighted in 3D (through [`ViewerState::partners`]) and drawn as soma-to-soma lines in
//! the "edges" mesh layer; the afferent synapses' positions ([`crate::view::connectivity::synapse_positions`]) are
//! computed in the same task and drawn as small octahedra in the "synapses" layer.

use std::sync::Arc;

use bevy::prelude::*;
use bevy::tasks::{AsyncComputeTaskPool, Task, block_on, futures_lite::future};

use crate::view::ViewerState;
use crate::view::connectivity::partner_view::{self, EdgeFilter, Line, PartnerView};
use crate::view::connectivity::synapse_positions::{self, Synapse, SynapseView};
use crate::view::cuts::model::Cuts;
use crate::view::render::meshes::{LayerMesh, MeshInstance, MeshLayer, MeshLayers, Topology};
use crate::view::scene::Scene;
use crate::view::scene::overlays::PartnerInstances;

/// Lines at most drawn for one neuron (a hub's thousands of edges would hide the view).
pub const MAX_LINES: usize = 20_000;

type Key = (usize, usize, EdgeFilter);

/// Partner queries and what they found (main world).
#[derive(Resource)]
pub struct Connectivity {
    /// Query partners of the picked neuron at all.
    pub enabled: bool,
    /// The picked neuron's partners as the last query found them.
    pub view: Option<Arc<PartnerView>>,
    pub filter: EdgeFilter,
    /// Draw the edges as lines.
    pub show_lines: bool,
    /// Soma-to-soma lines of the current partners (from, to, colour), drawn as the "edges"
    /// mesh layer.
    pub lines: Arc<Vec<Line>>,
    /// Draw the afferent synapses on the morphology.
    pub show_synapses: bool,
    /// The picked neuron's afferent synapses that have positions (filtered like the edges).
    pub synapses: Arc<SynapseView>,
    /// Why the synapses could not be placed.
    pub synapse_error: Option<String>,
    pub error: Option<String>,
    /// A query is running.
    pub busy: bool,
    key: Option<Key>,
    task: Option<(Key, Task<Found>)>,
}

/// A partner query's result, and the synapses placed from it.
type Found = anyhow::Result<(PartnerView, anyhow::Result<SynapseView>)>;

impl Default for Connectivity {
    fn default() -> Self {
        Self {
            enabled: true,
            view: None,
            filter: EdgeFilter::default(),
            show_lines: true,
            lines: Arc::default(),
            show_synapses: true,
            synapses: Arc::default(),
            synapse_error: None,
            error: None,
            busy: false,
            key: None,
            task: None,
        }
    }
}

/// Partners of the picked neuron, highlighted.
pub struct ConnectivityPlugin;

impl Plugin for ConnectivityPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<Connectivity>().add_systems(
            Update,
            (query_partners, edges_layer, synapses_layer).chain(),
        );
    }
}

fn query_partners(mut conn: ResMut<Connectivity>, mut state: ResMut<ViewerState>) {
    if let Some((key, t)) = conn.task.as_mut()
        && let Some(result) = block_on(future::poll_once(t))
    {
        let key = key.clone();
        conn.task = None;
        conn.busy = false;
        if conn.key.as_ref() == Some(&key) {
            match result {
                Ok((view, synapses)) => {
                    match synapses {
                        Ok(s) => {
                            conn.synapses = Arc::new(s);
                            conn.synapse_error = None;
                        }
                        Err(e) => {
                            conn.synapses = Arc::default();
                            conn.synapse_error = Some(format!("{e:#}"));
                        }
                    }
                    if let Some(scene) = state.scene.as_deref() {
                        let mut lines = partner_view::edge_lines(scene, &view, 0.55);
                        lines.truncate(MAX_LINES);
                        conn.lines = Arc::new(lines);
                    }
                    conn.error = None;
                    state.partners = Some(Arc::new(PartnerInstances {
                        pre: view.pre.clone(),
                        post: view.post.clone(),
                    }));
                    conn.view = Some(Arc::new(view));
                }
                Err(e) => {
                    conn.error = Some(format!("{e:#}"));
                    state.partners = None;
                    conn.view = None;
                    conn.lines = Arc::default();
                    conn.synapses = Arc::default();
                }
            }
            state.redraw = true;
        }
    }
    let wanted = match (&state.scene, state.picked) {
        (Some(scene), Some(i)) if conn.enabled => {
            Some((Arc::as_ptr(scene) as usize, i, conn.filter.clone()))
        }
        _ => None,
    };
    if wanted == conn.key {
        return;
    }
    let same_neuron =
        matches!((&wanted, &conn.key), (Some(a), Some(b)) if a.0 == b.0 && a.1 == b.1);
    conn.key = wanted.clone();
    if !same_neuron
        && (state.partners.is_some()
            || conn.view.is_some()
            || !conn.lines.is_empty()
            || !conn.synapses.synapses.is_empty())
    {
        state.partners = None;
        conn.view = None;
        conn.lines = Arc::default();
        conn.synapses = Arc::default();
        state.redraw = true;
    }
    let (Some(key), Some(scene)) = (wanted, state.scene.clone()) else {
        conn.task = None;
        conn.busy = false;
        return;
    };
    let (instance, filter) = (key.1, key.2.clone());
    let task = AsyncComputeTaskPool::get().spawn(async move {
        let view = partner_view::partner_view(&scene, instance, &filter)?;
        let synapses = synapse_positions::afferent_synapses(&scene, &view);
        Ok((view, synapses))
    });
    conn.task = Some((key, task));
    conn.busy = true;
}

/// The name of the partners' edges in [`MeshLayers`].
pub const EDGES_LAYER: &str = "edges";

/// One line mesh of the partners' edges (two vertices a line, coloured per vertex), drawn once.
pub fn edges_mesh(lines: &[Line]) -> LayerMesh {
    LayerMesh {
        positions: lines.iter().flat_map(|(a, b, _)| [*a, *b]).collect(),
        colors: lines.iter().flat_map(|(_, _, c)| [*c, *c]).collect(),
        instances: vec![MeshInstance {
            transform: Mat4::IDENTITY,
            color: [1.0; 4],
        }],
        ..Default::default()
    }
}

/// Puts the current lines in the "edges" layer when they or the cuts change (a line whose
/// end the cuts hide is not drawn); hides it when lines are off.
fn edges_layer(
    conn: Res<Connectivity>,
    state: Res<ViewerState>,
    layers: Option<ResMut<MeshLayers>>,
    mut shown: Local<Option<(usize, Cuts)>>,
) {
    let Some(mut layers) = layers else {
        return;
    };
    let key = (
        Arc::as_ptr(&conn.lines) as usize,
        Cuts::new(state.slab.as_ref(), &state.clip),
    );
    if shown.as_ref() != Some(&key) {
        let lines: Vec<Line> = conn
            .lines
            .iter()
            .filter(|(a, b, _)| key.1.keeps(*a) && key.1.keeps(*b))
            .copied()
            .collect();
        if lines.is_empty() {
            layers.remove(EDGES_LAYER);
        } else {
            layers.set(
                EDGES_LAYER,
                MeshLayer::new(Topology::Lines, vec![edges_mesh(&lines)]),
            );
        }
        *shown = Some(key);
    }
    layers.set_visible(EDGES_LAYER, conn.show_lines);
}

/// The name of the afferent synapses' markers in [`MeshLayers`].
pub const SYNAPSES_LAYER: &str = "synapses";

/// Radius of a synapse marker (µm).
pub const SYNAPSE_RADIUS: f32 = 2.0;

/// A unit octahedron (flat shaded: three vertices a face).
fn octahedron() -> LayerMesh {
    let axes = [Vec3::X, Vec3::Y, Vec3::Z];
    let mut positions = Vec::with_capacity(24);
    let mut normals = Vec::with_capacity(24);
    for sx in [1.0f32, -1.0] {
        for sy in [1.0f32, -1.0] {
            for sz in [1.0f32, -1.0] {
                let (a, b, c) = (axes[0] * sx, axes[1] * sy, axes[2] * sz);
                // Counter-clockwise seen from outside.
                let tri = if sx * sy * sz > 0.0 {
                    [a, b, c]
                } else {
                    [a, c, b]
                };
                let n = Vec3::new(sx, sy, sz).normalize();
                for v in tri {
                    positions.push(v.to_array());
                    normals.push(n.to_array());
                }
            }
        }
    }
    LayerMesh {
        positions,
        normals,
        ..Default::default()
    }
}

/// One octahedron instance per synapse, coloured by the presynaptic population
/// ([`synapse_positions::synapse_color`]).
pub fn synapses_mesh(scene: &Scene, synapses: &[Synapse]) -> LayerMesh {
    let mut mesh = octahedron();
    mesh.instances = synapses
        .iter()
        .map(|s| {
            let c = synapse_positions::synapse_color(scene, &s.source_population);
            MeshInstance {
                transform: Mat4::from_scale_rotation_translation(
                    Vec3::splat(SYNAPSE_RADIUS),
                    Quat::IDENTITY,
                    Vec3::new(
                        s.position[0] as f32,
                        s.position[1] as f32,
                        s.position[2] as f32,
                    ),
                ),
                color: [c[0], c[1], c[2], 1.0],
            }
        })
        .collect();
    mesh
}

/// Puts the current synapses in the "synapses" layer when they change; hides it when off.
fn synapses_layer(
    conn: Res<Connectivity>,
    state: Res<ViewerState>,
    layers: Option<ResMut<MeshLayers>>,
    mut shown: Local<Option<usize>>,
) {
    let Some(mut layers) = layers else {
        return;
    };
    let ptr = Arc::as_ptr(&conn.synapses) as usize;
    if *shown != Some(ptr) {
        *shown = Some(ptr);
        match state.scene.as_deref() {
            Some(scene) if !conn.synapses.synapses.is_empty() => layers.set(
                SYNAPSES_LAYER,
                MeshLayer::new(
                    Topology::Triangles,
                    vec![synapses_mesh(scene, &conn.synapses.synapses)],
                ),
            ),
            _ => layers.remove(SYNAPSES_LAYER),
        }
    }
    layers.set_visible(SYNAPSES_LAYER, conn.show_synapses);
}
