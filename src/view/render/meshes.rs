//! Named layers of instanced meshes (morphologies, edges, the probe) from `shaders/meshes.wgsl`,
//! queued as items of Bevy's `Opaque3d` phase, one per visible layer.
//!
//! The main world owns [`MeshLayers`]: each layer is a topology (triangles or lines) and a few
//! meshes, each drawn once per instance (a `world_from_local` transform and a colour). The
//! render world keeps one vertex buffer, one optional index buffer and one instance buffer per
//! mesh, re-uploaded only when the layer's generation changes (`set`, `get_mut`); hiding a
//! layer (`set_visible`) uploads nothing and only takes its item out of the phase. Each view
//! keeps one uniform buffer, written only when the camera moves. The layers are drawn in
//! Bevy's main opaque pass against the same depth buffer as the neuron impostors, so spheres
//! and meshes hide each other correctly, and Bevy's post-processing applies to them. No Bevy
//! meshes or entities per mesh, as for the neurons.
//!
//! Pipelines are specialised by [`MeshKey`] (samples, target format, blending, topology).
//! Instances whose colour has an alpha below 1 (see-through morphologies) are left out of the
//! opaque item and drawn by the looks passes (`looks_passes.rs`) with
//! [`GpuMeshLayers::draw_see_through`], composited without sorting as the see-through somata.
//!
//! Colours are sRGB (as in [`crate::view::scene::NeuronInstance`]); the vertex colour (white
//! when a mesh has none) is multiplied by the instance colour. An instance colour with alpha 0
//! hides that instance; between 0 and 1 it is see-through with that opacity. Triangles get a two-sided headlight, lines are unshaded. Normals are
//! transformed by the instance's upper 3 x 3: exact for rotations and uniform scales.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use bevy::asset::{Assets, Handle};
use bevy::core_pipeline::core_3d::Opaque3d;
use bevy::ecs::query::ROQueryItem;
use bevy::ecs::system::SystemParamItem;
use bevy::ecs::system::lifetimeless::{Read, SRes};
use bevy::mesh::VertexBufferLayout;
use bevy::prelude::*;
use bevy::render::render_phase::{
    AddRenderCommand, DrawFunctions, PhaseItem, RenderCommand, RenderCommandResult,
    SetItemPipeline, TrackedRenderPass, ViewBinnedRenderPhases,
};
use bevy::render::render_resource::binding_types::uniform_buffer_sized;
use bevy::render::render_resource::{
    BindGroup, BindGroupEntries, BindGroupLayoutDescriptor, BindGroupLayoutEntries, Buffer,
    BufferInitDescriptor, BufferUsages, CachedRenderPipelineId, FragmentState, IndexFormat,
    MultisampleState, PipelineCache, PrimitiveState, PrimitiveTopology, RenderPipelineDescriptor,
    ShaderStages, SpecializedRenderPipeline, SpecializedRenderPipelines, VertexFormat, VertexState,
    VertexStepMode,
};
use bevy::render::renderer::{RenderDevice, RenderQueue};
use bevy::render::sync_world::MainEntity;
use bevy::render::view::{ExtractedView, RetainedViewEntity, ViewTarget};
use bevy::render::{ExtractSchedule, MainWorld, Render, RenderApp, RenderSystems};
use bevy::shader::Shader;

mod pipeline;
mod upload;

pub use pipeline::MeshKey;
use pipeline::{MeshPipeline, MeshViewUniform, mesh_layout};
use upload::prepare_layer_buffers;

use super::looks_settings::DrawnLooks;
use super::mesh_chunks;
use super::render_util::{
    Blend, DrawStatus, PersistentUniform, PhaseEntry, QueuedItems, ViewAxes, ViewKey,
    pipelines_status,
};

/// How a layer's vertices are assembled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Topology {
    /// Three indices (or vertices) per triangle, shaded by a headlight.
    Triangles,
    /// Two indices (or vertices) per segment, one pixel wide, unshaded.
    Lines,
}

/// One mesh of a layer and where it is drawn.
#[derive(Clone, Debug, Default)]
pub struct LayerMesh {
    pub positions: Vec<[f32; 3]>,
    /// One per position; may be empty (lines, or flat triangles).
    pub normals: Vec<[f32; 3]>,
    /// sRGB and alpha per vertex; empty = white (multiplied by the instance colour).
    pub colors: Vec<[f32; 4]>,
    /// Empty = non-indexed.
    pub indices: Vec<u32>,
    pub instances: Vec<MeshInstance>,
}

impl LayerMesh {
    /// Bytes this mesh takes on the GPU (vertices, indices, instances).
    pub fn gpu_bytes(&self) -> usize {
        self.positions.len() * std::mem::size_of::<GpuVertex>()
            + self.indices.len() * 4
            + self.instances.len() * std::mem::size_of::<GpuInstance>()
    }

    /// Primitives drawn for all instances (triangles or segments).
    pub fn primitives(&self, topology: Topology) -> usize {
        let per = match topology {
            Topology::Triangles => 3,
            Topology::Lines => 2,
        };
        let elements = if self.indices.is_empty() {
            self.positions.len()
        } else {
            self.indices.len()
        };
        elements / per * self.instances.len()
    }
}

/// One drawing of a mesh.
#[derive(Clone, Copy, Debug)]
pub struct MeshInstance {
    pub transform: Mat4,
    /// sRGB and alpha; alpha 0 hides the instance.
    pub color: [f32; 4],
}

/// Meshes of one topology, shown or hidden together.
#[derive(Clone, Debug)]
pub struct MeshLayer {
    pub topology: Topology,
    pub meshes: Vec<LayerMesh>,
    pub visible: bool,
}

impl MeshLayer {
    pub fn new(topology: Topology, meshes: Vec<LayerMesh>) -> Self {
        Self {
            topology,
            meshes,
            visible: true,
        }
    }

    pub fn gpu_bytes(&self) -> usize {
        self.meshes.iter().map(LayerMesh::gpu_bytes).sum()
    }

    /// Triangles or segments drawn per frame.
    pub fn primitives(&self) -> usize {
        self.meshes
            .iter()
            .map(|m| m.primitives(self.topology))
            .sum()
    }
}

struct LayerEntry {
    layer: Arc<MeshLayer>,
    generation: u64,
}

/// Main-world resource: named layers ("morphologies", "edges", "probe", ...) drawn every frame,
/// in name order.
#[derive(Resource, Default)]
pub struct MeshLayers {
    layers: BTreeMap<String, LayerEntry>,
    next_generation: u64,
}

impl MeshLayers {
    /// Adds or replaces a layer (uploaded to the GPU once, next frame).
    pub fn set(&mut self, name: &str, layer: MeshLayer) {
        self.next_generation += 1;
        self.layers.insert(
            name.to_owned(),
            LayerEntry {
                layer: Arc::new(layer),
                generation: self.next_generation,
            },
        );
    }

    pub fn remove(&mut self, name: &str) {
        self.layers.remove(name);
    }

    /// The layer to change in place; it is uploaded again next frame.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut MeshLayer> {
        let entry = self.layers.get_mut(name)?;
        self.next_generation += 1;
        entry.generation = self.next_generation;
        Some(Arc::make_mut(&mut entry.layer))
    }

    pub fn get(&self, name: &str) -> Option<&MeshLayer> {
        self.layers.get(name).map(|e| e.layer.as_ref())
    }

    /// Shows or hides a layer without uploading anything.
    pub fn set_visible(&mut self, name: &str, visible: bool) {
        if let Some(entry) = self.layers.get_mut(name)
            && entry.layer.visible != visible
        {
            Arc::make_mut(&mut entry.layer).visible = visible;
        }
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.layers.keys().map(String::as_str)
    }

    /// GPU bytes of all layers.
    pub fn gpu_bytes(&self) -> usize {
        self.layers.values().map(|e| e.layer.gpu_bytes()).sum()
    }
}

/// Draws [`MeshLayers`] in every 3D camera.
pub struct MeshBatchesPlugin;

impl Plugin for MeshBatchesPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<MeshLayers>();
        let shader = app
            .world_mut()
            .resource_mut::<Assets<Shader>>()
            .add(Shader::from_wgsl(
                include_str!("../../../shaders/meshes.wgsl"),
                "shaders/meshes.wgsl",
            ));
        let Some(render_app) = app.get_sub_app_mut(RenderApp) else {
            return;
        };
        render_app
            .insert_resource(MeshPipeline {
                shader,
                layout: mesh_layout(),
            })
            .init_resource::<SpecializedRenderPipelines<MeshPipeline>>()
            .init_resource::<GpuMeshLayers>()
            .init_resource::<DrawnLooks>()
            .init_resource::<MeshUploads>()
            .add_render_command::<Opaque3d, DrawMeshLayerCommands>()
            .add_systems(ExtractSchedule, extract_layers)
            .add_systems(
                Render,
                (
                    queue_layers.in_set(RenderSystems::Queue),
                    prepare_layer_buffers.in_set(RenderSystems::PrepareResources),
                    prepare_mesh_views.in_set(RenderSystems::PrepareBindGroups),
                ),
            );
    }
}

/// A vertex as `shaders/meshes.wgsl` reads it (40 bytes).
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct GpuVertex {
    position: [f32; 3],
    normal: [f32; 3],
    color: [f32; 4],
}

/// An instance as `shaders/meshes.wgsl` reads it (80 bytes).
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct GpuInstance {
    world_from_local: [f32; 16],
    color: [f32; 4],
}

struct GpuMesh {
    vertices: Buffer,
    indices: Option<(Buffer, u32)>,
    vertex_count: u32,
    instances: Buffer,
    instance_count: u32,
}

struct GpuLayer {
    generation: u64,
    topology: Topology,
    visible: bool,
    /// Waiting for upload (taken by `prepare_layer_buffers`).
    pending: Option<Arc<MeshLayer>>,
    /// Whether some instances are opaque (alpha 1), and some see-through (alpha in (0, 1)).
    opaque: bool,
    see_through: bool,
    meshes: Vec<GpuMesh>,
    /// (render entity, main entity) of the layer's phase item.
    item: (Entity, MainEntity),
}

impl GpuLayer {
    /// Whether the layer has opaque instances to draw once its pending upload is done.
    fn drawn(&self) -> bool {
        self.opaque && self.has_meshes()
    }

    /// Whether the layer has see-through instances to draw.
    fn drawn_see_through(&self) -> bool {
        self.see_through && self.has_meshes()
    }

    fn has_meshes(&self) -> bool {
        self.visible
            && match &self.pending {
                Some(layer) => layer
                    .meshes
                    .iter()
                    .any(|m| !m.positions.is_empty() && !m.instances.is_empty()),
                None => !self.meshes.is_empty(),
            }
    }
}

/// Uploads so far (render world): layers uploaded and their bytes. A layer is uploaded when it
/// is set or changed through `get_mut`, not when it is drawn or shown/hidden.
#[derive(Resource, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MeshUploads {
    pub layers: u64,
    pub bytes: u64,
}

/// Whether `layer` has opaque instances, and see-through ones.
fn alpha_split(layer: &MeshLayer) -> (bool, bool) {
    let alphas = || {
        layer
            .meshes
            .iter()
            .flat_map(|m| m.instances.iter().map(|i| i.color[3]))
    };
    (
        alphas().any(|a| a >= 1.0),
        alphas().any(|a| a > 0.0 && a < 1.0),
    )
}

/// GPU side of the layers (render world).
#[derive(Resource, Default)]
pub struct GpuMeshLayers {
    layers: BTreeMap<String, GpuLayer>,
    /// Per view: its uniform and bind group.
    views: HashMap<RetainedViewEntity, MeshView>,
    /// Per view and topology: the see-through pipeline, asked for once a layer needs it.
    see_through_pipelines: HashMap<(RetainedViewEntity, Topology), CachedRenderPipelineId>,
    /// Pipelines asked for, to tell when they have compiled.
    pipelines: HashSet<CachedRenderPipelineId>,
    queued: QueuedItems,
}

struct MeshView {
    uniform: PersistentUniform,
    bind_group: BindGroup,
}

/// Marks the entities (main and render world) that a layer's phase item is queued for.
#[derive(Component)]
struct MeshLayerDrawn;

/// Mirrors the layers into the render world. Each new layer gets an entity in both worlds (the
/// identity of its phase item); a removed layer's entities go with it.
fn extract_layers(
    mut main_world: ResMut<MainWorld>,
    mut gpu: ResMut<GpuMeshLayers>,
    mut commands: Commands,
) {
    let gpu = &mut *gpu;
    let Some(main) = main_world.get_resource::<MeshLayers>() else {
        return;
    };
    let mut gone = Vec::new();
    gpu.layers.retain(|name, layer| {
        let keep = main.layers.contains_key(name);
        if !keep {
            gone.push(layer.item);
        }
        keep
    });
    let mut new = Vec::new();
    for (name, entry) in &main.layers {
        match gpu.layers.get_mut(name) {
            Some(layer) if layer.generation == entry.generation => {
                layer.visible = entry.layer.visible;
            }
            Some(layer) => {
                layer.generation = entry.generation;
                layer.topology = entry.layer.topology;
                layer.visible = entry.layer.visible;
                (layer.opaque, layer.see_through) = alpha_split(&entry.layer);
                layer.pending = Some(entry.layer.clone());
            }
            None => new.push((name.clone(), entry.generation, entry.layer.clone())),
        }
    }
    for (entity, main_entity) in gone {
        commands.entity(entity).despawn();
        main_world.despawn(main_entity.id());
    }
    for (name, generation, layer) in new {
        let main_entity = MainEntity::from(main_world.spawn(MeshLayerDrawn).id());
        let entity = commands.spawn(MeshLayerDrawn).id();
        let (opaque, see_through) = alpha_split(&layer);
        gpu.layers.insert(
            name,
            GpuLayer {
                generation,
                topology: layer.topology,
                visible: layer.visible,
                opaque,
                see_through,
                pending: Some(layer),
                meshes: Vec::new(),
                item: (entity, main_entity),
            },
        );
    }
}

/// Queues one item per drawn layer (in name order) into every 3D view's opaque phase; the
/// phase changes only when a layer is shown, hidden, added or removed.
fn queue_layers(
    pipeline: Res<MeshPipeline>,
    mut pipelines: ResMut<SpecializedRenderPipelines<MeshPipeline>>,
    cache: Res<PipelineCache>,
    draw_functions: Res<DrawFunctions<Opaque3d>>,
    mut phases: ResMut<ViewBinnedRenderPhases<Opaque3d>>,
    mut gpu: ResMut<GpuMeshLayers>,
    views: Query<(&ExtractedView, &ViewTarget, &Msaa)>,
) {
    let gpu_ref = &mut *gpu;
    for (view, _, _) in &views {
        if !phases.contains_key(&view.retained_view_entity) {
            continue;
        }
        for topology in [Topology::Triangles, Topology::Lines] {
            let key = (view.retained_view_entity, topology);
            let wanted = gpu_ref
                .layers
                .values()
                .any(|l| l.topology == topology && l.drawn_see_through());
            if wanted && !gpu_ref.see_through_pipelines.contains_key(&key) {
                let mesh_key = MeshKey {
                    view: ViewKey::pass(Blend::SeeThrough),
                    topology,
                };
                let id = pipelines.specialize(&cache, &pipeline, mesh_key);
                gpu_ref.pipelines.insert(id);
                gpu_ref.see_through_pipelines.insert(key, id);
            }
        }
    }
    let Some(draw_function) = draw_functions.read().get_id::<DrawMeshLayerCommands>() else {
        return;
    };
    let gpu = &mut *gpu;
    for (view, target, msaa) in &views {
        let Some(phase) = phases.get_mut(&view.retained_view_entity) else {
            continue;
        };
        let view_key = ViewKey::of(target, msaa, Blend::Opaque);
        let mut wanted = Vec::new();
        for layer in gpu.layers.values().filter(|l| l.drawn()) {
            let key = MeshKey {
                view: view_key,
                topology: layer.topology,
            };
            let id = pipelines.specialize(&cache, &pipeline, key);
            gpu.pipelines.insert(id);
            wanted.push(PhaseEntry {
                entity: layer.item.0,
                main_entity: layer.item.1,
                pipeline: id,
            });
        }
        gpu.queued
            .sync(view.retained_view_entity, phase, draw_function, wanted);
    }
    gpu.queued.retain_views(|v| phases.contains_key(v));
    gpu.views.retain(|v, _| phases.contains_key(v));
    gpu.see_through_pipelines
        .retain(|(v, _), _| phases.contains_key(v));
}

/// Writes each view's uniform where the camera moved (its buffer and bind group live as long
/// as the view).
#[allow(clippy::too_many_arguments)]
fn prepare_mesh_views(
    mut gpu: ResMut<GpuMeshLayers>,
    pipeline: Res<MeshPipeline>,
    cache: Res<PipelineCache>,
    device: Res<RenderDevice>,
    queue: Res<RenderQueue>,
    phases: Res<ViewBinnedRenderPhases<Opaque3d>>,
    looks: Res<DrawnLooks>,
    views: Query<&ExtractedView>,
) {
    if gpu.layers.is_empty() {
        return;
    }
    // Views with a 3D opaque phase only (not the UI's, nor shadow views).
    for view in views
        .iter()
        .filter(|v| phases.contains_key(&v.retained_view_entity))
    {
        let axes = ViewAxes::of(view);
        let (near, far) = looks.depth_range(
            Vec3::from_slice(&axes.camera[..3]),
            Vec3::from_slice(&axes.forward[..3]),
        );
        let uniform = MeshViewUniform {
            clip_from_world: axes.clip_from_world,
            camera: axes.camera,
            forward: axes.forward,
            depth_range: [near, far, 0.0, 0.0],
        };
        let contents = bytemuck::bytes_of(&uniform);
        match gpu.views.get_mut(&view.retained_view_entity) {
            Some(state) => {
                state.uniform.write(&queue, contents);
            }
            None => {
                let mut uniform = PersistentUniform::new(&device, "mesh layer view", contents);
                uniform.write(&queue, contents);
                let bind_group = device.create_bind_group(
                    "mesh layer view",
                    &cache.get_bind_group_layout(&pipeline.layout),
                    &BindGroupEntries::single(uniform.buffer.as_entire_binding()),
                );
                gpu.views.insert(
                    view.retained_view_entity,
                    MeshView {
                        uniform,
                        bind_group,
                    },
                );
            }
        }
    }
}

type DrawMeshLayerCommands = (SetItemPipeline, DrawMeshLayer);

/// Binds the view's uniform and draws every mesh of the item's layer.
struct DrawMeshLayer;

impl<P: PhaseItem> RenderCommand<P> for DrawMeshLayer {
    type Param = SRes<GpuMeshLayers>;
    type ViewQuery = Read<ExtractedView>;
    type ItemQuery = ();

    fn render<'w>(
        item: &P,
        view: ROQueryItem<'w, '_, Self::ViewQuery>,
        _entity: Option<()>,
        gpu: SystemParamItem<'w, '_, Self::Param>,
        pass: &mut TrackedRenderPass<'w>,
    ) -> RenderCommandResult {
        let gpu = gpu.into_inner();
        let Some(state) = gpu.views.get(&view.retained_view_entity) else {
            return RenderCommandResult::Skip;
        };
        let Some(layer) = gpu.layers.values().find(|l| l.item.1 == item.main_entity()) else {
            return RenderCommandResult::Skip;
        };
        pass.set_bind_group(0, &state.bind_group, &[]);
        draw_layer_meshes(pass, layer);
        RenderCommandResult::Success
    }
}

fn draw_layer_meshes<'w>(pass: &mut TrackedRenderPass<'w>, layer: &'w GpuLayer) {
    for mesh in &layer.meshes {
        pass.set_vertex_buffer(0, mesh.vertices.slice(..));
        pass.set_vertex_buffer(1, mesh.instances.slice(..));
        match &mesh.indices {
            Some((indices, count)) => {
                pass.set_index_buffer(indices.slice(..), IndexFormat::Uint32);
                pass.draw_indexed(0..*count, 0, 0..mesh.instance_count);
            }
            None => pass.draw(0..mesh.vertex_count, 0..mesh.instance_count),
        }
    }
}

impl GpuMeshLayers {
    /// Whether any drawn layer has see-through instances.
    pub fn has_see_through(&self) -> bool {
        self.layers
            .values()
            .any(|l| l.drawn_see_through() && l.pending.is_none())
    }

    /// Draws the see-through instances of every layer into `render_pass` (whose targets are
    /// the see-through pass's); false when nothing was drawn.
    pub fn draw_see_through<'w>(
        &'w self,
        render_pass: &mut TrackedRenderPass<'w>,
        cache: &'w PipelineCache,
        view: RetainedViewEntity,
    ) -> bool {
        let Some(state) = self.views.get(&view) else {
            return false;
        };
        let mut drew = false;
        for layer in self
            .layers
            .values()
            .filter(|l| l.drawn_see_through() && l.pending.is_none())
        {
            let Some(pipeline) = self
                .see_through_pipelines
                .get(&(view, layer.topology))
                .and_then(|&id| cache.get_render_pipeline(id))
            else {
                continue;
            };
            render_pass.set_render_pipeline(pipeline);
            render_pass.set_bind_group(0, &state.bind_group, &[]);
            draw_layer_meshes(render_pass, layer);
            drew = true;
        }
        drew
    }
}

/// Whether the layers can be captured: every layer is on the GPU and the pipelines of every
/// view have compiled.
pub fn status(render_world: &World) -> DrawStatus {
    let (Some(gpu), Some(cache)) = (
        render_world.get_resource::<GpuMeshLayers>(),
        render_world.get_resource::<PipelineCache>(),
    ) else {
        return DrawStatus::Waiting("the renderer is starting".into());
    };
    if let Some((name, _)) = gpu.layers.iter().find(|(_, l)| l.pending.is_some()) {
        return DrawStatus::Waiting(format!("the mesh layer '{name}' is not on the GPU yet"));
    }
    if gpu
        .layers
        .values()
        .any(|l| l.drawn() || l.drawn_see_through())
        && gpu.pipelines.is_empty()
    {
        return DrawStatus::Waiting("no 3D view has asked for the mesh pipelines yet".into());
    }
    pipelines_status(cache, "mesh layer", &gpu.pipelines)
}

/// Whether every layer is on the GPU and the pipelines of every view have compiled (headless
/// renders wait for this before capturing).
pub fn pipelines_ready(render_world: &World) -> bool {
    status(render_world) == DrawStatus::Ready
}
