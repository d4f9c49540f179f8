//! All somata in one instanced draw: impostor spheres from `shaders/neurons.wgsl`.
//!
//! The main world owns [`NeuronData`] (instances, replaced when representations change) and
//! the activity updates of the current frame; the render world keeps the GPU buffers (storage
//! buffers read by the vertex shader, one non-instanced draw of one triangle per neuron): one
//! instance buffer (position, radius, colour), one "last spike time" buffer per neuron that is
//! written only where neurons spiked since the previous frame (coalesced 256-neuron blocks),
//! and one small uniform per view. The draw runs in the 3D main pass after Bevy's own
//! opaque and transparent phases, against the same depth buffer. No entity per neuron, and no
//! Bevy mesh, so Bevy's GPU mesh preprocessing (slow on software adapters) is never involved.

use std::collections::HashMap;
use std::sync::Arc;

use bevy::asset::{Assets, Handle};
use bevy::core_pipeline::Core3dSystems;
use bevy::core_pipeline::core_3d::main_transparent_pass_3d;
use bevy::core_pipeline::schedule::Core3d;
use bevy::prelude::*;
use bevy::render::camera::ExtractedCamera;
use bevy::render::render_resource::binding_types::{
    storage_buffer_read_only_sized, uniform_buffer_sized,
};
use bevy::render::render_resource::{
    BindGroup, BindGroupEntries, BindGroupLayoutDescriptor, BindGroupLayoutEntries, Buffer,
    BufferInitDescriptor, BufferUsages, CachedRenderPipelineId, FragmentState, MultisampleState,
    PipelineCache, RenderPassDescriptor, RenderPipelineDescriptor, ShaderStages, StoreOp,
    TextureFormat, VertexState,
};
use bevy::render::renderer::{
    RenderAdapterInfo, RenderContext, RenderDevice, RenderQueue, ViewQuery,
};
use bevy::render::view::{ExtractedView, ViewDepthTexture, ViewTarget};
use bevy::render::{Extract, ExtractSchedule, Render, RenderApp, RenderSystems};
use bevy::shader::Shader;

use super::render_util::{ViewAxes, depth_test, opaque_target, viewport};
use crate::view::scene::NeuronInstance;

/// "Never spiked": far enough in the past that no glow remains.
pub const NEVER: f32 = -1.0e30;

/// Neurons to draw, and this frame's activity changes (main world).
#[derive(Resource, Default)]
pub struct NeuronData {
    pub instances: Arc<Vec<NeuronInstance>>,
    /// Bumped whenever `instances` is replaced.
    pub generation: u64,
    /// Activity changes made this frame.
    pub activity: ActivityUpdate,
    /// Bumped whenever `activity` is rewritten (once per frame that changes activity).
    pub activity_frame: u64,
}

impl NeuronData {
    pub fn set_instances(&mut self, instances: Vec<NeuronInstance>) {
        self.instances = Arc::new(instances);
        self.generation += 1;
    }

    /// Replaces this frame's activity change.
    pub fn set_activity(&mut self, update: ActivityUpdate) {
        self.activity = update;
        self.activity_frame += 1;
    }
}

/// A change to the per-neuron last-spike-time buffer.
#[derive(Clone, Debug, Default)]
pub struct ActivityUpdate {
    /// Clear every neuron to "never spiked" before applying `spikes`.
    pub reset: bool,
    /// (instance, spike time in ms), in time order: later entries win.
    pub spikes: Vec<(u32, f32)>,
}

/// Drawing parameters shared by all neurons (main world, copied to the render world).
#[derive(Resource, Clone, Debug)]
pub struct NeuronParams {
    /// Model time shown, ms.
    pub time_ms: f32,
    /// Fade time constant of a spike flash, ms.
    pub tau_ms: f32,
    pub radius_scale: f32,
    /// How strongly a flash replaces the neuron's colour (0..1 at the spike).
    pub glow_gain: f32,
    /// Flash colour, sRGB.
    pub flash_color: [f32; 3],
    /// How much a flash enlarges the sphere (0.6: 60 % larger at the spike).
    pub flash_grow: f32,
}

impl Default for NeuronParams {
    fn default() -> Self {
        Self {
            time_ms: 0.0,
            tau_ms: 8.0,
            radius_scale: 1.0,
            glow_gain: 1.0,
            flash_color: [1.0, 0.97, 0.75],
            flash_grow: 0.8,
        }
    }
}

/// Draws [`NeuronData`] in every 3D camera.
pub struct NeuronsPlugin;

#[derive(Resource, Clone)]
struct NeuronShader(Handle<Shader>);

impl Plugin for NeuronsPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<NeuronData>()
            .init_resource::<NeuronParams>();
        let shader = app
            .world_mut()
            .resource_mut::<Assets<Shader>>()
            .add(Shader::from_wgsl(
                include_str!("../../../shaders/neurons.wgsl"),
                "shaders/neurons.wgsl",
            ));
        app.insert_resource(NeuronShader(shader.clone()));
        let Some(render_app) = app.get_sub_app_mut(RenderApp) else {
            return;
        };
        render_app
            .insert_resource(NeuronShader(shader))
            .init_resource::<GpuNeurons>()
            .add_systems(ExtractSchedule, extract_neurons)
            .add_systems(
                Render,
                (
                    prepare_neuron_buffers.in_set(RenderSystems::PrepareResources),
                    prepare_neuron_views.in_set(RenderSystems::PrepareBindGroups),
                ),
            )
            .add_systems(
                Core3d,
                draw_neurons
                    .after(main_transparent_pass_3d)
                    .in_set(Core3dSystems::MainPass),
            );
    }

    fn finish(&self, app: &mut App) {
        let Some(render_app) = app.get_sub_app_mut(RenderApp) else {
            return;
        };
        if let Some(info) = render_app.world().get_resource::<RenderAdapterInfo>() {
            let software = format!("{:?}", info.device_type) == "Cpu";
            if software {
                info!(
                    "software adapter '{}': neurons use the impostor pipeline (2 triangles each, \
                     no Bevy meshes, so no GPU mesh preprocessing), MSAA off",
                    info.name
                );
            } else {
                info!("adapter '{}' ({:?})", info.name, info.device_type);
            }
        }
    }
}

/// Whether the adapter is a software rasteriser (lavapipe, llvmpipe, WARP).
pub fn is_software_adapter(world: &World) -> bool {
    world
        .get_resource::<RenderAdapterInfo>()
        .is_some_and(|i| format!("{:?}", i.device_type) == "Cpu")
}

/// GPU side of the neurons (render world).
#[derive(Resource, Default)]
struct GpuNeurons {
    generation: u64,
    activity_frame: u64,
    pending_instances: Option<Arc<Vec<NeuronInstance>>>,
    pending_activity: Vec<ActivityUpdate>,
    params: NeuronParams,
    instance_buffer: Option<Buffer>,
    activity_buffer: Option<Buffer>,
    /// CPU copy of the activity buffer, so that dirty blocks can be written whole.
    activity: Vec<f32>,
    count: u32,
    layout: Option<BindGroupLayoutDescriptor>,
    pipelines: HashMap<(u32, TextureFormat), CachedRenderPipelineId>,
}

fn extract_neurons(
    data: Extract<Res<NeuronData>>,
    params: Extract<Res<NeuronParams>>,
    mut gpu: ResMut<GpuNeurons>,
) {
    if data.generation != gpu.generation {
        gpu.generation = data.generation;
        gpu.pending_instances = Some(data.instances.clone());
    }
    if data.activity_frame != gpu.activity_frame {
        gpu.activity_frame = data.activity_frame;
        gpu.pending_activity.push(data.activity.clone());
    }
    gpu.params = params.clone();
}

/// Neurons per block of the activity buffer written at once.
const BLOCK: usize = 256;

fn prepare_neuron_buffers(
    mut gpu: ResMut<GpuNeurons>,
    device: Res<RenderDevice>,
    queue: Res<RenderQueue>,
) {
    let gpu = &mut *gpu;
    if let Some(instances) = gpu.pending_instances.take() {
        let count = instances.len() as u32;
        if count != gpu.count || gpu.instance_buffer.is_none() {
            // New circuit: fresh buffers, everything "never spiked".
            gpu.count = count;
            let contents: &[u8] = if instances.is_empty() {
                &[0u8; 32]
            } else {
                bytemuck::cast_slice(instances.as_slice())
            };
            gpu.instance_buffer = Some(device.create_buffer_with_data(&BufferInitDescriptor {
                label: Some("neuron instances"),
                contents,
                usage: BufferUsages::STORAGE | BufferUsages::COPY_DST,
            }));
            gpu.activity = vec![NEVER; instances.len().max(1)];
            gpu.activity_buffer = Some(device.create_buffer_with_data(&BufferInitDescriptor {
                label: Some("neuron last spike times"),
                contents: bytemuck::cast_slice(gpu.activity.as_slice()),
                usage: BufferUsages::STORAGE | BufferUsages::COPY_DST,
            }));
        } else if let Some(buf) = &gpu.instance_buffer {
            queue.write_buffer(buf, 0, bytemuck::cast_slice(instances.as_slice()));
        }
    }
    let updates = std::mem::take(&mut gpu.pending_activity);
    if updates.is_empty() {
        return;
    }
    let n = gpu.activity.len();
    let mut dirty = vec![false; n.div_ceil(BLOCK)];
    let mut all_dirty = false;
    for update in updates {
        if update.reset {
            gpu.activity.fill(NEVER);
            all_dirty = true;
        }
        for (i, t) in update.spikes {
            if let Some(slot) = gpu.activity.get_mut(i as usize) {
                *slot = t;
                dirty[i as usize / BLOCK] = true;
            }
        }
    }
    let Some(buf) = &gpu.activity_buffer else {
        return;
    };
    if all_dirty {
        queue.write_buffer(buf, 0, bytemuck::cast_slice(gpu.activity.as_slice()));
        return;
    }
    // Coalesce runs of dirty blocks into one write each.
    let mut b = 0;
    while b < dirty.len() {
        if !dirty[b] {
            b += 1;
            continue;
        }
        let start = b;
        while b < dirty.len() && dirty[b] {
            b += 1;
        }
        let lo = start * BLOCK;
        let hi = (b * BLOCK).min(n);
        queue.write_buffer(
            buf,
            (lo * 4) as u64,
            bytemuck::cast_slice(&gpu.activity[lo..hi]),
        );
    }
}

/// The uniform of `shaders/neurons.wgsl` (`NeuronView`).
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct NeuronViewUniform {
    clip_from_world: [[f32; 4]; 4],
    camera: [f32; 4],
    right: [f32; 4],
    up: [f32; 4],
    forward: [f32; 4],
    params: [f32; 4],
    flash: [f32; 4],
}

/// Per view: the uniform's bind group and the pipeline for the view's format.
#[derive(Component)]
struct NeuronViewBindGroup {
    bind_group: BindGroup,
    pipeline: CachedRenderPipelineId,
}

fn neuron_layout() -> BindGroupLayoutDescriptor {
    BindGroupLayoutDescriptor::new(
        "neuron view layout",
        &BindGroupLayoutEntries::sequential(
            ShaderStages::VERTEX_FRAGMENT,
            (
                uniform_buffer_sized(false, None),
                storage_buffer_read_only_sized(false, None),
                storage_buffer_read_only_sized(false, None),
            ),
        ),
    )
}

fn neuron_pipeline(
    shader: &Handle<Shader>,
    layout: &BindGroupLayoutDescriptor,
    samples: u32,
    format: TextureFormat,
) -> RenderPipelineDescriptor {
    RenderPipelineDescriptor {
        label: Some("neurons".into()),
        layout: vec![layout.clone()],
        vertex: VertexState {
            shader: shader.clone(),
            entry_point: Some("vertex".into()),
            ..default()
        },
        fragment: Some(FragmentState {
            shader: shader.clone(),
            entry_point: Some("fragment".into()),
            targets: opaque_target(format),
            ..default()
        }),
        depth_stencil: depth_test(),
        multisample: MultisampleState {
            count: samples,
            ..default()
        },
        ..default()
    }
}

fn prepare_neuron_views(
    mut commands: Commands,
    mut gpu: ResMut<GpuNeurons>,
    shader: Res<NeuronShader>,
    pipeline_cache: Res<PipelineCache>,
    device: Res<RenderDevice>,
    views: Query<(Entity, &ExtractedView, &ViewTarget, &Msaa)>,
) {
    let gpu = &mut *gpu;
    let layout = gpu.layout.get_or_insert_with(neuron_layout).clone();
    for (entity, view, target, msaa) in &views {
        let key = (msaa.samples(), target.main_texture_format());
        let pipeline = *gpu.pipelines.entry(key).or_insert_with(|| {
            pipeline_cache.queue_render_pipeline(neuron_pipeline(&shader.0, &layout, key.0, key.1))
        });
        let axes = ViewAxes::of(view);
        let p = &gpu.params;
        let lin = |c: f32| {
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        let uniform = NeuronViewUniform {
            clip_from_world: axes.clip_from_world,
            camera: axes.camera,
            right: axes.right,
            up: axes.up,
            forward: axes.forward,
            params: [p.time_ms, p.tau_ms, p.radius_scale, p.glow_gain],
            flash: [
                lin(p.flash_color[0]),
                lin(p.flash_color[1]),
                lin(p.flash_color[2]),
                p.flash_grow,
            ],
        };
        let buffer = device.create_buffer_with_data(&BufferInitDescriptor {
            label: Some("neuron view"),
            contents: bytemuck::bytes_of(&uniform),
            usage: BufferUsages::UNIFORM,
        });
        let (Some(instances), Some(activity)) = (&gpu.instance_buffer, &gpu.activity_buffer) else {
            continue;
        };
        let bind_group = device.create_bind_group(
            "neuron view",
            &pipeline_cache.get_bind_group_layout(&layout),
            &BindGroupEntries::sequential((
                buffer.as_entire_binding(),
                instances.as_entire_binding(),
                activity.as_entire_binding(),
            )),
        );
        commands.entity(entity).insert(NeuronViewBindGroup {
            bind_group,
            pipeline,
        });
    }
}

fn draw_neurons(
    view: ViewQuery<(
        &ViewTarget,
        &ViewDepthTexture,
        &NeuronViewBindGroup,
        Option<&ExtractedCamera>,
    )>,
    gpu: Res<GpuNeurons>,
    pipeline_cache: Res<PipelineCache>,
    mut ctx: RenderContext,
) {
    let (target, depth, bind, camera) = view.into_inner();
    if gpu.count == 0 {
        return;
    }
    let Some(pipeline) = pipeline_cache.get_render_pipeline(bind.pipeline) else {
        return;
    };
    let mut pass = ctx
        .command_encoder()
        .begin_render_pass(&RenderPassDescriptor {
            label: Some("neurons"),
            color_attachments: &[Some(target.get_color_attachment())],
            depth_stencil_attachment: Some(depth.get_attachment(StoreOp::Store)),
            timestamp_writes: None,
            occlusion_query_set: None,
            multiview_mask: None,
        });
    if let Some([x, y, w, h, near, far]) = viewport(camera) {
        pass.set_viewport(x, y, w, h, near, far);
    }
    pass.set_pipeline(pipeline);
    pass.set_bind_group(0, &bind.bind_group, &[]);
    pass.draw(0..3 * gpu.count, 0..1);
}

/// Whether the neuron pipeline for some view has compiled (frames before it are blank).
pub fn pipelines_ready(render_world: &World) -> bool {
    let (Some(gpu), Some(cache)) = (
        render_world.get_resource::<GpuNeurons>(),
        render_world.get_resource::<PipelineCache>(),
    ) else {
        return false;
    };
    !gpu.pipelines.is_empty()
        && gpu
            .pipelines
            .values()
            .all(|&id| cache.get_render_pipeline(id).is_some())
}
