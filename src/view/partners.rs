//! `ConnectivityPlugin`: the picked neuron's presynaptic and postsynaptic partners, queried
//! through the edge indices off the main thread whenever the pick or the filter changes, then
//! highlighted in 3D (through [`ViewerState::partners`]) and drawn as soma-to-soma lines in
//! the "edges" mesh layer.

use std::sync::Arc;

use bevy::prelude::*;
use bevy::tasks::{AsyncComputeTaskPool, Task, block_on, futures_lite::future};

use super::ViewerState;
use super::connectivity_view::{self, EdgeFilter, Line, PartnerView};
use super::meshes::{LayerMesh, MeshInstance, MeshLayer, MeshLayers, Topology};

/// Lines at most drawn for one neuron (a hub's thousands of edges would hide the view).
pub const MAX_LINES: usize = 20_000;

type Key = (usize, usize, EdgeFilter);

/// Partner queries and what they found (main world).
#[derive(Resource)]
pub struct Connectivity {
    /// Query partners of the picked neuron at all.
    pub enabled: bool,
    pub filter: EdgeFilter,
    /// Draw the edges as lines.
    pub show_lines: bool,
    /// Soma-to-soma lines of the current partners (from, to, colour), drawn as the "edges"
    /// mesh layer.
    pub lines: Arc<Vec<Line>>,
    pub error: Option<String>,
    /// A query is running.
    pub busy: bool,
    key: Option<Key>,
    task: Option<(Key, Task<anyhow::Result<PartnerView>>)>,
}

impl Default for Connectivity {
    fn default() -> Self {
        Self {
            enabled: true,
            filter: EdgeFilter::default(),
            show_lines: true,
            lines: Arc::default(),
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
        app.init_resource::<Connectivity>()
            .add_systems(Update, (query_partners, edges_layer).chain());
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
                Ok(view) => {
                    if let Some(scene) = state.scene.as_deref() {
                        let mut lines = connectivity_view::edge_lines(scene, &view, 0.55);
                        lines.truncate(MAX_LINES);
                        conn.lines = Arc::new(lines);
                    }
                    conn.error = None;
                    state.partners = Some(Arc::new(view));
                }
                Err(e) => {
                    conn.error = Some(format!("{e:#}"));
                    state.partners = None;
                    conn.lines = Arc::default();
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
    if !same_neuron && (state.partners.is_some() || !conn.lines.is_empty()) {
        state.partners = None;
        conn.lines = Arc::default();
        state.redraw = true;
    }
    let (Some(key), Some(scene)) = (wanted, state.scene.clone()) else {
        conn.task = None;
        conn.busy = false;
        return;
    };
    let (instance, filter) = (key.1, key.2.clone());
    let task = AsyncComputeTaskPool::get()
        .spawn(async move { connectivity_view::partner_view(&scene, instance, &filter) });
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

/// Puts the current lines in the "edges" layer when they change; hides it when lines are off.
fn edges_layer(
    conn: Res<Connectivity>,
    layers: Option<ResMut<MeshLayers>>,
    mut shown: Local<Option<usize>>,
) {
    let Some(mut layers) = layers else {
        return;
    };
    let ptr = Arc::as_ptr(&conn.lines) as usize;
    if *shown != Some(ptr) {
        *shown = Some(ptr);
        if conn.lines.is_empty() {
            layers.remove(EDGES_LAYER);
        } else {
            layers.set(
                EDGES_LAYER,
                MeshLayer::new(Topology::Lines, vec![edges_mesh(&conn.lines)]),
            );
        }
    }
    layers.set_visible(EDGES_LAYER, conn.show_lines);
}
