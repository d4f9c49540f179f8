//! Named layers of instanced meshes (morphologies, edges, the probe) from `shaders/meshes.wgsl`.
//!
//! The main world owns [`MeshLayers`]: each layer is a topology (triangles or lines) and a few
//! meshes, each drawn once per instance (a `world_from_local` transform and a colour). The
//! render world keeps one vertex buffer, one optional index buffer and one instance buffer per
//! mesh, re-uploaded only when the layer's generation changes (`set`, `get_mut`); hiding a
//! layer (`set_visible`) uploads nothing. The draw runs in the 3D main pass after Bevy's own
//! phases, against the same depth buffer as the neuron impostors, so spheres and meshes hide
//! each other correctly. No Bevy meshes or entities, as for the neurons.
//!
//! Colours are sRGB (as in [`crate::view::scene::NeuronInstance`]); the vertex colour (white when a
//! mesh has none) is multiplied by the instance colour. An instance colour with alpha 0 hides
//! that instance. Triangles get a two-sided headlight, lines are unshaded. Normals are
//! transformed by the instance's upper 3 x 3: exact for rotations and uniform scales.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use bevy::asset::{Assets, Handle};
use bevy::core_pipeline::Core3dSystems;
use bevy::core_pipeline::core_3d::main_transparent_pass_3d;
use bevy::core_pipeline::schedule::Core3d;
use bevy::mesh::VertexBufferLayout;
use bevy::prelude::*;
use bevy::render::camera::ExtractedCamera;
use bevy::render::render_resource::binding_types::uniform_buffer_sized;
use bevy::render::render_resource::{
    BindGroup, BindGroupEntries, BindGroupLayoutDescriptor, BindGroupLayoutEntries, Buffer,
    BufferInitDescriptor, BufferUsages, CachedRenderPipelineId, FragmentState, IndexFormat,
    MultisampleState, PipelineCache, PrimitiveState, PrimitiveTopology, RenderPassDescriptor,
    RenderPipelineDescriptor, ShaderStages, StoreOp, TextureFormat, VertexFormat, VertexState,
    VertexStepMode,
};
use bevy::render::renderer::{RenderContext, RenderDevice, ViewQuery};
use bevy::render::view::{ExtractedView, ViewDepthTexture, ViewTarget};
use bevy::render::{Extract, ExtractSchedule, Render, RenderApp, RenderSystems};
use bevy::shader::Shader;

use super::render_util::{ViewAxes, depth_test, opaque_target, viewport};

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

#[derive(Resource, Clone)]
struct MeshShader(Handle<Shader>);

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
            .insert_resource(MeshShader(shader))
            .init_resource::<GpuMeshLayers>()
            .init_resource::<MeshUploads>()
            .add_systems(ExtractSchedule, extract_layers)
            .add_systems(
                Render,
                (
                    prepare_layer_buffers.in_set(RenderSystems::PrepareResources),
                    prepare_mesh_views.in_set(RenderSystems::PrepareBindGroups),
                ),
            )
            .add_systems(
                Core3d,
                draw_meshes
                    .after(main_transparent_pass_3d)
                    .in_set(Core3dSystems::MainPass),
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
    meshes: Vec<GpuMesh>,
}

/// Uploads so far (render world): layers uploaded and their bytes. A layer is uploaded when it
/// is set or changed through `get_mut`, not when it is drawn or shown/hidden.
#[derive(Resource, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MeshUploads {
    pub layers: u64,
    pub bytes: u64,
}

/// GPU side of the layers (render world).
#[derive(Resource, Default)]
struct GpuMeshLayers {
    layers: BTreeMap<String, GpuLayer>,
    layout: Option<BindGroupLayoutDescriptor>,
    pipelines: HashMap<(u32, TextureFormat, Topology), CachedRenderPipelineId>,
}

fn extract_layers(main: Extract<Res<MeshLayers>>, mut gpu: ResMut<GpuMeshLayers>) {
    gpu.layers.retain(|name, _| main.layers.contains_key(name));
    for (name, entry) in &main.layers {
        match gpu.layers.get_mut(name) {
            Some(layer) if layer.generation == entry.generation => {
                layer.visible = entry.layer.visible;
            }
            Some(layer) => {
                layer.generation = entry.generation;
                layer.topology = entry.layer.topology;
                layer.visible = entry.layer.visible;
                layer.pending = Some(entry.layer.clone());
            }
            None => {
                gpu.layers.insert(
                    name.clone(),
                    GpuLayer {
                        generation: entry.generation,
                        topology: entry.layer.topology,
                        visible: entry.layer.visible,
                        pending: Some(entry.layer.clone()),
                        meshes: Vec::new(),
                    },
                );
            }
        }
    }
}

fn upload_mesh(device: &RenderDevice, mesh: &LayerMesh) -> Option<GpuMesh> {
    if mesh.positions.is_empty() || mesh.instances.is_empty() {
        return None;
    }
    let vertices: Vec<GpuVertex> = mesh
        .positions
        .iter()
        .enumerate()
        .map(|(i, &position)| GpuVertex {
            position,
            normal: mesh.normals.get(i).copied().unwrap_or([0.0; 3]),
            color: mesh.colors.get(i).copied().unwrap_or([1.0; 4]),
        })
        .collect();
    let instances: Vec<GpuInstance> = mesh
        .instances
        .iter()
        .map(|inst| GpuInstance {
            world_from_local: inst.transform.to_cols_array(),
            color: inst.color,
        })
        .collect();
    let vertex_buffer = device.create_buffer_with_data(&BufferInitDescriptor {
        label: Some("mesh layer vertices"),
        contents: bytemuck::cast_slice(&vertices),
        usage: BufferUsages::VERTEX,
    });
    let instance_buffer = device.create_buffer_with_data(&BufferInitDescriptor {
        label: Some("mesh layer instances"),
        contents: bytemuck::cast_slice(&instances),
        usage: BufferUsages::VERTEX,
    });
    let indices = (!mesh.indices.is_empty()).then(|| {
        let buffer = device.create_buffer_with_data(&BufferInitDescriptor {
            label: Some("mesh layer indices"),
            contents: bytemuck::cast_slice(&mesh.indices),
            usage: BufferUsages::INDEX,
        });
        (buffer, mesh.indices.len() as u32)
    });
    Some(GpuMesh {
        vertices: vertex_buffer,
        indices,
        vertex_count: mesh.positions.len() as u32,
        instances: instance_buffer,
        instance_count: mesh.instances.len() as u32,
    })
}

fn prepare_layer_buffers(
    mut gpu: ResMut<GpuMeshLayers>,
    mut uploads: ResMut<MeshUploads>,
    device: Res<RenderDevice>,
) {
    for layer in gpu.layers.values_mut() {
        if let Some(pending) = layer.pending.take() {
            uploads.layers += 1;
            uploads.bytes += pending.gpu_bytes() as u64;
            layer.meshes = pending
                .meshes
                .iter()
                .filter_map(|m| upload_mesh(&device, m))
                .collect();
        }
    }
}

/// The uniform of `shaders/meshes.wgsl` (`MeshView`).
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct MeshViewUniform {
    clip_from_world: [[f32; 4]; 4],
    camera: [f32; 4],
    forward: [f32; 4],
}

/// Per view: the uniform's bind group and the pipelines for the view's format.
#[derive(Component)]
struct MeshViewBindGroup {
    bind_group: BindGroup,
    triangles: CachedRenderPipelineId,
    lines: CachedRenderPipelineId,
}

fn mesh_layout() -> BindGroupLayoutDescriptor {
    BindGroupLayoutDescriptor::new(
        "mesh layer view layout",
        &BindGroupLayoutEntries::single(
            ShaderStages::VERTEX_FRAGMENT,
            uniform_buffer_sized(false, None),
        ),
    )
}

fn mesh_pipeline(
    shader: &Handle<Shader>,
    layout: &BindGroupLayoutDescriptor,
    samples: u32,
    format: TextureFormat,
    topology: Topology,
) -> RenderPipelineDescriptor {
    let vertex = VertexBufferLayout::from_vertex_formats(
        VertexStepMode::Vertex,
        [
            VertexFormat::Float32x3,
            VertexFormat::Float32x3,
            VertexFormat::Float32x4,
        ],
    );
    let mut instance = VertexBufferLayout::from_vertex_formats(
        VertexStepMode::Instance,
        [VertexFormat::Float32x4; 5],
    );
    for attribute in &mut instance.attributes {
        attribute.shader_location += 3;
    }
    let (primitive, fragment) = match topology {
        Topology::Triangles => (PrimitiveTopology::TriangleList, "fragment_lit"),
        Topology::Lines => (PrimitiveTopology::LineList, "fragment_flat"),
    };
    RenderPipelineDescriptor {
        label: Some("mesh layers".into()),
        layout: vec![layout.clone()],
        vertex: VertexState {
            shader: shader.clone(),
            entry_point: Some("vertex".into()),
            buffers: vec![vertex, instance],
            ..default()
        },
        fragment: Some(FragmentState {
            shader: shader.clone(),
            entry_point: Some(fragment.into()),
            targets: opaque_target(format),
            ..default()
        }),
        primitive: PrimitiveState {
            topology: primitive,
            // Tubes are open at their ends and seen from inside there: no culling.
            cull_mode: None,
            ..default()
        },
        depth_stencil: depth_test(),
        multisample: MultisampleState {
            count: samples,
            ..default()
        },
        ..default()
    }
}

fn prepare_mesh_views(
    mut commands: Commands,
    mut gpu: ResMut<GpuMeshLayers>,
    shader: Res<MeshShader>,
    pipeline_cache: Res<PipelineCache>,
    device: Res<RenderDevice>,
    views: Query<(Entity, &ExtractedView, &ViewTarget, &Msaa)>,
) {
    let gpu = &mut *gpu;
    if gpu.layers.is_empty() {
        return;
    }
    let layout = gpu.layout.get_or_insert_with(mesh_layout).clone();
    for (entity, view, target, msaa) in &views {
        let (samples, format) = (msaa.samples(), target.main_texture_format());
        let mut pipeline = |topology| {
            *gpu.pipelines
                .entry((samples, format, topology))
                .or_insert_with(|| {
                    pipeline_cache.queue_render_pipeline(mesh_pipeline(
                        &shader.0, &layout, samples, format, topology,
                    ))
                })
        };
        let triangles = pipeline(Topology::Triangles);
        let lines = pipeline(Topology::Lines);
        let axes = ViewAxes::of(view);
        let uniform = MeshViewUniform {
            clip_from_world: axes.clip_from_world,
            camera: axes.camera,
            forward: axes.forward,
        };
        let buffer = device.create_buffer_with_data(&BufferInitDescriptor {
            label: Some("mesh layer view"),
            contents: bytemuck::bytes_of(&uniform),
            usage: BufferUsages::UNIFORM,
        });
        let bind_group = device.create_bind_group(
            "mesh layer view",
            &pipeline_cache.get_bind_group_layout(&layout),
            &BindGroupEntries::single(buffer.as_entire_binding()),
        );
        commands.entity(entity).insert(MeshViewBindGroup {
            bind_group,
            triangles,
            lines,
        });
    }
}

fn draw_meshes(
    view: ViewQuery<(
        &ViewTarget,
        &ViewDepthTexture,
        &MeshViewBindGroup,
        Option<&ExtractedCamera>,
    )>,
    gpu: Res<GpuMeshLayers>,
    pipeline_cache: Res<PipelineCache>,
    mut ctx: RenderContext,
) {
    let (target, depth, bind, camera) = view.into_inner();
    let drawn = |l: &&GpuLayer| l.visible && !l.meshes.is_empty();
    if !gpu.layers.values().any(|l| drawn(&l)) {
        return;
    }
    let mut pass = ctx
        .command_encoder()
        .begin_render_pass(&RenderPassDescriptor {
            label: Some("mesh layers"),
            color_attachments: &[Some(target.get_color_attachment())],
            depth_stencil_attachment: Some(depth.get_attachment(StoreOp::Store)),
            timestamp_writes: None,
            occlusion_query_set: None,
            multiview_mask: None,
        });
    if let Some([x, y, w, h, near, far]) = viewport(camera) {
        pass.set_viewport(x, y, w, h, near, far);
    }
    pass.set_bind_group(0, &bind.bind_group, &[]);
    for layer in gpu.layers.values().filter(drawn) {
        let id = match layer.topology {
            Topology::Triangles => bind.triangles,
            Topology::Lines => bind.lines,
        };
        let Some(pipeline) = pipeline_cache.get_render_pipeline(id) else {
            continue;
        };
        pass.set_pipeline(pipeline);
        for mesh in &layer.meshes {
            pass.set_vertex_buffer(0, *mesh.vertices.slice(..));
            pass.set_vertex_buffer(1, *mesh.instances.slice(..));
            match &mesh.indices {
                Some((indices, count)) => {
                    pass.set_index_buffer(*indices.slice(..), IndexFormat::Uint32);
                    pass.draw_indexed(0..*count, 0, 0..mesh.instance_count);
                }
                None => pass.draw(0..mesh.vertex_count, 0..mesh.instance_count),
            }
        }
    }
}

/// Whether every layer is on the GPU and the pipelines of every view have compiled (headless
/// renders wait for this before capturing).
pub fn pipelines_ready(render_world: &World) -> bool {
    let (Some(gpu), Some(cache)) = (
        render_world.get_resource::<GpuMeshLayers>(),
        render_world.get_resource::<PipelineCache>(),
    ) else {
        return false;
    };
    if gpu.layers.is_empty() {
        return true;
    }
    gpu.layers.values().all(|l| l.pending.is_none())
        && !gpu.pipelines.is_empty()
        && gpu
            .pipelines
            .values()
            .all(|&id| cache.get_render_pipeline(id).is_some())
}
