//! All somata in one draw: impostor spheres from `shaders/neurons.wgsl`, queued as one item in
//! Bevy's `Opaque3d` phase.
//!
//! The main world owns [`NeuronData`] (instances, replaced when representations change) and
//! the activity updates of the current frame; the render world keeps the GPU buffers, storage
//! buffers read by the vertex shader in one non-instanced draw of one triangle per neuron:
//! centres and radii, colours (apart, so that a report frame that changes colours only uploads
//! colours only), and one "last spike time" per neuron, written only where neurons spiked
//! since the previous frame (coalesced 256-neuron blocks). Each view keeps one small uniform
//! buffer, written only when the camera or the drawing parameters change, and its bind group,
//! made again only when the buffers are replaced.
//!
//! The pipeline is specialised by [`NeuronKey`] (samples, target format, blending). Besides the
//! opaque item, the looks passes (`looks_passes.rs`) draw the same buffers twice more with
//! [`GpuNeurons::draw_pass`]: the see-through materials into the order-independent
//! transparency targets, and what emits light (spikes, the glow material) into the glow
//! target. Each neuron's material and opacity travel in a buffer of their own beside the
//! colours, uploaded with them. Drawn in Bevy's main
//! opaque pass, against its depth buffer, Bevy's post-processing (tonemapping, bloom, FXAA)
//! applies to the spheres as to anything else. No entity per neuron, and no Bevy mesh, so
//! Bevy's GPU mesh preprocessing (slow on software adapters) is never involved.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use bevy::asset::{Assets, Handle};
use bevy::core_pipeline::core_3d::Opaque3d;
use bevy::ecs::query::ROQueryItem;
use bevy::ecs::system::SystemParamItem;
use bevy::ecs::system::lifetimeless::{Read, SRes};
use bevy::prelude::*;
use bevy::render::render_phase::{
    AddRenderCommand, DrawFunctions, PhaseItem, RenderCommand, RenderCommandResult,
    SetItemPipeline, TrackedRenderPass, ViewBinnedRenderPhases,
};
use bevy::render::render_resource::binding_types::{
    storage_buffer_read_only_sized, uniform_buffer_sized,
};
use bevy::render::render_resource::{
    BindGroup, BindGroupEntries, BindGroupLayoutDescriptor, BindGroupLayoutEntries, Buffer,
    BufferInitDescriptor, BufferUsages, CachedRenderPipelineId, FragmentState, MultisampleState,
    PipelineCache, RenderPipelineDescriptor, ShaderStages, SpecializedRenderPipeline,
    SpecializedRenderPipelines, VertexState,
};
use bevy::render::renderer::{RenderAdapterInfo, RenderDevice, RenderQueue};
use bevy::render::sync_world::MainEntity;
use bevy::render::view::{ExtractedView, RetainedViewEntity, ViewTarget};
use bevy::render::{Extract, ExtractSchedule, Render, RenderApp, RenderSystems};
use bevy::shader::Shader;

mod buffers;
mod pipeline;

use buffers::prepare_neuron_buffers;
pub use pipeline::NeuronKey;
use pipeline::{NeuronPipeline, NeuronViewUniform, neuron_layout};

use super::draw_order::DrawOrder;
use super::looks_settings::DrawnLooks;
use super::render_util::{
    Blend, DrawStatus, PersistentUniform, PhaseEntry, QueuedItems, ViewAxes, ViewKey,
    pipelines_status,
};
use crate::view::looks::material::{GHOST_OPACITY, InstanceLook};
use crate::view::scene::NeuronInstance;

/// "Never spiked": far enough in the past that no glow remains.
pub const NEVER: f32 = -1.0e30;

/// Neurons to draw, and this frame's activity changes (main world).
#[derive(Resource, Default)]
pub struct NeuronData {
    pub instances: Arc<Vec<NeuronInstance>>,
    /// Bumped whenever `instances` is replaced by ones placed or sized differently.
    pub generation: u64,
    /// Bumped whenever `instances` is replaced by ones that differ in colour only (a report
    /// frame, a raster row highlighted): only colours are uploaded then.
    pub color_generation: u64,
    /// Activity changes made this frame.
    pub activity: ActivityUpdate,
    /// Bumped whenever `activity` is rewritten (once per frame that changes activity).
    pub activity_frame: u64,
}

impl NeuronData {
    pub fn set_instances(&mut self, instances: Vec<NeuronInstance>) {
        if same_geometry(&self.instances, &instances) {
            self.color_generation += 1;
        } else {
            self.generation += 1;
        }
        self.instances = Arc::new(instances);
    }

    /// Replaces this frame's activity change.
    pub fn set_activity(&mut self, update: ActivityUpdate) {
        self.activity = update;
        self.activity_frame += 1;
    }
}

/// Whether `a` and `b` place and size the same neurons (bit for bit), so that only colours
/// differ.
fn same_geometry(a: &[NeuronInstance], b: &[NeuronInstance]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(a, b)| {
            a.radius.to_bits() == b.radius.to_bits()
                && a.position.map(f32::to_bits) == b.position.map(f32::to_bits)
        })
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
    /// Each fragment writes the depth where its ray meets the sphere, so that spheres that
    /// overlap meet in their true curve. Off, a sphere's depth is that of its nearest point
    /// all over its disc: overlapping spheres meet along a circle's edge instead, and what lies
    /// behind is rejected before it is shaded (a fragment that writes depth cannot be), which
    /// is what a software rasteriser needs (~1.5x the frames at 230k). Spheres that do not
    /// overlap look the same either way. Off by default on software adapters only.
    pub exact_depth: bool,
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
            exact_depth: true,
        }
    }
}

/// Draws [`NeuronData`] in every 3D camera.
pub struct NeuronsPlugin;

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
        // The phase item's identity: one main-world entity stands for all neurons.
        let main_entity = MainEntity::from(app.world_mut().spawn(NeuronsDrawn).id());
        let Some(render_app) = app.get_sub_app_mut(RenderApp) else {
            return;
        };
        let entity = render_app.world_mut().spawn(NeuronsDrawn).id();
        render_app
            .insert_resource(NeuronPipeline {
                shader,
                layout: neuron_layout(),
            })
            .insert_resource(GpuNeurons::new((entity, main_entity)))
            .init_resource::<DrawnLooks>()
            .init_resource::<SpecializedRenderPipelines<NeuronPipeline>>()
            .add_render_command::<Opaque3d, DrawNeuronsCommands>()
            .add_systems(ExtractSchedule, extract_neurons)
            .add_systems(
                Render,
                (
                    queue_neurons.in_set(RenderSystems::Queue),
                    prepare_neuron_buffers.in_set(RenderSystems::PrepareResources),
                    prepare_neuron_views.in_set(RenderSystems::PrepareBindGroups),
                ),
            );
    }

    fn finish(&self, app: &mut App) {
        let Some(render_app) = app.get_sub_app_mut(RenderApp) else {
            return;
        };
        if let Some(info) = render_app.world().get_resource::<RenderAdapterInfo>() {
            if is_software(info) {
                // The looks choose the sphere depth (`"exact_depth"`, by default the nearest
                // point on a software adapter: `looks::plugin::apply_looks`).
                info!(
                    "software adapter '{}': neurons use the impostor pipeline (one triangle \
                     each, no Bevy meshes, so no GPU mesh preprocessing), MSAA off, each \
                     sphere at the depth of its nearest point unless the looks ask for exact \
                     depth (overlapping spheres meet along a disc's edge; exact depth costs \
                     ~1.5x)",
                    info.name
                );
            } else {
                info!("adapter '{}' ({:?})", info.name, info.device_type);
            }
        }
    }
}

/// Marks the entity (main and render world) that the neurons' phase item is queued for.
#[derive(Component)]
struct NeuronsDrawn;

fn is_software(info: &RenderAdapterInfo) -> bool {
    info.device_type == wgpu_types::DeviceType::Cpu
}

/// Whether the adapter is a software rasteriser (lavapipe, llvmpipe, WARP).
pub fn is_software_adapter(world: &World) -> bool {
    world
        .get_resource::<RenderAdapterInfo>()
        .is_some_and(is_software)
}

/// GPU side of the neurons (render world).
#[derive(Resource)]
pub struct GpuNeurons {
    generation: u64,
    color_generation: u64,
    activity_frame: u64,
    pending_instances: Option<Arc<Vec<NeuronInstance>>>,
    pending_colors: Option<Arc<Vec<NeuronInstance>>>,
    pending_activity: Vec<ActivityUpdate>,
    /// Neurons drawn once the pending instances are uploaded (known at extraction, so that
    /// the item is queued in the frame that uploads them).
    drawn: u32,
    params: NeuronParams,
    buffers: Option<NeuronBuffers>,
    /// CPU copy of the activity buffer, so that dirty blocks can be written whole.
    activity: Vec<f32>,
    /// The latest spike time in the activity buffer (whether anything may glow).
    latest_spike: f32,
    /// The drawing order's ranges ([`DrawOrder`]), and the neurons of the glow material.
    order: DrawOrder,
    glowing: Vec<u32>,
    /// What emits light now (spiking within 6 fade constants, or of the glow material): the
    /// glow pass draws these only.
    emitters: Vec<u32>,
    /// Per view: the see-through and glow pipelines, asked for once a view needs them (again
    /// when the depth mode changes), with the depth mode they were made for.
    pass_pipelines: HashMap<(RetainedViewEntity, BlendPass), (CachedRenderPipelineId, bool)>,
    /// Per view: its uniform and bind group.
    views: HashMap<RetainedViewEntity, NeuronView>,
    /// Pipelines asked for, to tell when they have compiled.
    pipelines: HashSet<CachedRenderPipelineId>,
    queued: QueuedItems,
    /// (render entity, main entity) of the phase item.
    item: (Entity, MainEntity),
}

impl GpuNeurons {
    fn new(item: (Entity, MainEntity)) -> Self {
        Self {
            generation: 0,
            color_generation: 0,
            activity_frame: 0,
            pending_instances: None,
            pending_colors: None,
            pending_activity: Vec::new(),
            drawn: 0,
            params: NeuronParams::default(),
            buffers: None,
            activity: Vec::new(),
            latest_spike: NEVER,
            order: DrawOrder::default(),
            glowing: Vec::new(),
            emitters: Vec::new(),
            pass_pipelines: HashMap::new(),
            views: HashMap::new(),
            pipelines: HashSet::new(),
            queued: QueuedItems::default(),
            item,
        }
    }
}

/// The storage buffers of one circuit; replaced (and every bind group made again) only when
/// the number of neurons changes.
struct NeuronBuffers {
    count: u32,
    centers: Buffer,
    colors: Buffer,
    /// Material and opacity ([`InstanceLook`]), written with the colours.
    looks: Buffer,
    /// The drawn neurons' indices, opaque ones first ([`DrawOrder`]).
    order: Buffer,
    activity: Buffer,
    /// Indices of the neurons that emit light now ([`GpuNeurons::emitters`]), and how many
    /// the buffer holds.
    emitters: Buffer,
    emitters_capacity: usize,
    /// Bumped on every replacement, so that views know their bind group is stale.
    generation: u64,
}

struct NeuronView {
    uniform: PersistentUniform,
    bind_group: BindGroup,
    buffers_generation: u64,
}

fn extract_neurons(
    data: Extract<Res<NeuronData>>,
    params: Extract<Res<NeuronParams>>,
    mut gpu: ResMut<GpuNeurons>,
) {
    if data.generation != gpu.generation {
        gpu.generation = data.generation;
        gpu.color_generation = data.color_generation;
        gpu.pending_instances = Some(data.instances.clone());
        gpu.pending_colors = None;
        gpu.drawn = data.instances.len() as u32;
    } else if data.color_generation != gpu.color_generation {
        gpu.color_generation = data.color_generation;
        match &mut gpu.pending_instances {
            // Not uploaded yet: upload the newer instances whole.
            Some(pending) => *pending = data.instances.clone(),
            None => gpu.pending_colors = Some(data.instances.clone()),
        }
    }
    if data.activity_frame != gpu.activity_frame {
        gpu.activity_frame = data.activity_frame;
        gpu.pending_activity.push(data.activity.clone());
    }
    gpu.params = params.clone();
}

/// Queues the neurons' item into every 3D view's opaque phase (once; again only when the
/// pipeline or whether anything is drawn changes).
#[allow(clippy::too_many_arguments)]
fn queue_neurons(
    pipeline: Res<NeuronPipeline>,
    mut pipelines: ResMut<SpecializedRenderPipelines<NeuronPipeline>>,
    cache: Res<PipelineCache>,
    draw_functions: Res<DrawFunctions<Opaque3d>>,
    mut phases: ResMut<ViewBinnedRenderPhases<Opaque3d>>,
    mut gpu: ResMut<GpuNeurons>,
    looks: Res<DrawnLooks>,
    views: Query<(&ExtractedView, &ViewTarget, &Msaa)>,
) {
    let Some(draw_function) = draw_functions.read().get_id::<DrawNeuronsCommands>() else {
        return;
    };
    let gpu = &mut *gpu;
    for (view, target, msaa) in &views {
        let Some(phase) = phases.get_mut(&view.retained_view_entity) else {
            continue;
        };
        let exact_depth = gpu.params.exact_depth;
        let key = |view| NeuronKey { view, exact_depth };
        let id = pipelines.specialize(
            &cache,
            &pipeline,
            key(ViewKey::of(target, msaa, Blend::Opaque)),
        );
        gpu.pipelines.insert(id);
        // The looks passes' pipelines, once something needs them (they compile once).
        for (pass, wanted) in [
            (BlendPass::SeeThrough, gpu.order.see_through > 0),
            (BlendPass::Glow, looks.glow > 0.0),
        ] {
            let view_pass = (view.retained_view_entity, pass);
            let cached = gpu.pass_pipelines.get(&view_pass);
            if wanted && cached.is_none_or(|(_, exact)| *exact != exact_depth) {
                let id = pipelines.specialize(&cache, &pipeline, key(ViewKey::pass(pass.blend())));
                gpu.pipelines.insert(id);
                gpu.pass_pipelines.insert(view_pass, (id, exact_depth));
            }
        }
        let wanted = (gpu.drawn > 0)
            .then_some(PhaseEntry {
                entity: gpu.item.0,
                main_entity: gpu.item.1,
                pipeline: id,
            })
            .into_iter()
            .collect();
        gpu.queued
            .sync(view.retained_view_entity, phase, draw_function, wanted);
    }
    gpu.queued.retain_views(|v| phases.contains_key(v));
    gpu.views.retain(|v, _| phases.contains_key(v));
    gpu.pass_pipelines
        .retain(|(v, _), _| phases.contains_key(v));
}

/// Writes each view's uniform where it changed, and makes its bind group where the buffers
/// are new.
#[allow(clippy::too_many_arguments)]
fn prepare_neuron_views(
    mut gpu: ResMut<GpuNeurons>,
    pipeline: Res<NeuronPipeline>,
    cache: Res<PipelineCache>,
    device: Res<RenderDevice>,
    queue: Res<RenderQueue>,
    phases: Res<ViewBinnedRenderPhases<Opaque3d>>,
    looks: Res<DrawnLooks>,
    views: Query<&ExtractedView>,
) {
    let gpu = &mut *gpu;
    let Some(buffers) = &gpu.buffers else {
        return;
    };
    // Views with a 3D opaque phase only (not the UI's, nor shadow views).
    for view in views
        .iter()
        .filter(|v| phases.contains_key(&v.retained_view_entity))
    {
        let uniform = NeuronViewUniform::new(view, &gpu.params, &looks);
        let contents = bytemuck::bytes_of(&uniform);
        let bind = |uniform: &PersistentUniform| {
            device.create_bind_group(
                "neuron view",
                &cache.get_bind_group_layout(&pipeline.layout),
                &BindGroupEntries::sequential((
                    uniform.buffer.as_entire_binding(),
                    buffers.centers.as_entire_binding(),
                    buffers.activity.as_entire_binding(),
                    buffers.colors.as_entire_binding(),
                    buffers.looks.as_entire_binding(),
                    buffers.emitters.as_entire_binding(),
                    buffers.order.as_entire_binding(),
                )),
            )
        };
        match gpu.views.get_mut(&view.retained_view_entity) {
            Some(state) => {
                state.uniform.write(&queue, contents);
                if state.buffers_generation != buffers.generation {
                    state.bind_group = bind(&state.uniform);
                    state.buffers_generation = buffers.generation;
                }
            }
            None => {
                let mut uniform = PersistentUniform::new(&device, "neuron view", contents);
                uniform.write(&queue, contents);
                let bind_group = bind(&uniform);
                gpu.views.insert(
                    view.retained_view_entity,
                    NeuronView {
                        uniform,
                        bind_group,
                        buffers_generation: buffers.generation,
                    },
                );
            }
        }
    }
}

/// The looks passes that draw the neurons again (besides the opaque item).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BlendPass {
    SeeThrough,
    Glow,
}

impl BlendPass {
    fn blend(self) -> Blend {
        match self {
            Self::SeeThrough => Blend::SeeThrough,
            Self::Glow => Blend::Glow,
        }
    }
}

impl GpuNeurons {
    /// Whether any drawn neuron is see-through.
    pub fn has_see_through(&self) -> bool {
        self.buffers.is_some() && self.order.see_through > 0
    }

    /// Whether anything emits light at the current time with a bloom of `glow`: the glow
    /// material, or a spike less than 6 fade constants old.
    pub fn has_glow(&self, glow: f32) -> bool {
        self.buffers.is_some() && glow > 0.0 && !self.emitters.is_empty()
    }

    /// Draws the neurons of `pass` into `render_pass` (whose targets are that pass's); false
    /// when nothing could be drawn (no buffers, the pipeline not compiled yet).
    pub fn draw_pass<'w>(
        &'w self,
        render_pass: &mut TrackedRenderPass<'w>,
        cache: &'w PipelineCache,
        view: RetainedViewEntity,
        pass: BlendPass,
    ) -> bool {
        let (Some(buffers), Some(state), Some(pipeline)) = (
            &self.buffers,
            self.views.get(&view),
            self.pass_pipelines
                .get(&(view, pass))
                .and_then(|&(id, _)| cache.get_render_pipeline(id)),
        ) else {
            return false;
        };
        // The glow pass draws the emitters only (the list indexes the other buffers).
        let vertices = match pass {
            BlendPass::SeeThrough => self.order.see_through_vertices(),
            BlendPass::Glow => 0..3 * self.emitters.len() as u32,
        };
        if vertices.is_empty() || state.buffers_generation != buffers.generation {
            return false;
        }
        render_pass.set_render_pipeline(pipeline);
        render_pass.set_bind_group(0, &state.bind_group, &[]);
        render_pass.draw(vertices, 0..1);
        true
    }
}

type DrawNeuronsCommands = (SetItemPipeline, DrawNeurons);

/// Binds the view's neuron bind group and draws one triangle per neuron.
struct DrawNeurons;

impl<P: PhaseItem> RenderCommand<P> for DrawNeurons {
    type Param = SRes<GpuNeurons>;
    type ViewQuery = Read<ExtractedView>;
    type ItemQuery = ();

    fn render<'w>(
        _item: &P,
        view: ROQueryItem<'w, '_, Self::ViewQuery>,
        _entity: Option<()>,
        gpu: SystemParamItem<'w, '_, Self::Param>,
        pass: &mut TrackedRenderPass<'w>,
    ) -> RenderCommandResult {
        let gpu = gpu.into_inner();
        let (Some(buffers), Some(state)) =
            (&gpu.buffers, gpu.views.get(&view.retained_view_entity))
        else {
            return RenderCommandResult::Skip;
        };
        let vertices = gpu.order.opaque_vertices();
        if buffers.count == 0 || vertices.is_empty() {
            return RenderCommandResult::Skip;
        }
        pass.set_bind_group(0, &state.bind_group, &[]);
        pass.draw(vertices, 0..1);
        RenderCommandResult::Success
    }
}

/// Whether the neurons can be captured: the pipeline of every view has compiled.
pub fn status(render_world: &World) -> DrawStatus {
    let (Some(gpu), Some(cache)) = (
        render_world.get_resource::<GpuNeurons>(),
        render_world.get_resource::<PipelineCache>(),
    ) else {
        return DrawStatus::Waiting("the renderer is starting".into());
    };
    if gpu.pipelines.is_empty() {
        return DrawStatus::Waiting("no 3D view has asked for the neuron pipeline yet".into());
    }
    pipelines_status(cache, "neuron", &gpu.pipelines)
}

/// Whether the neuron pipeline of every view has compiled (frames before it are blank).
pub fn pipelines_ready(render_world: &World) -> bool {
    status(render_world) == DrawStatus::Ready
}

#[cfg(test)]
mod tests {
    use super::*;

    fn neuron(x: f32, color: f32) -> NeuronInstance {
        NeuronInstance {
            position: [x, 0.0, 0.0],
            radius: 2.0,
            color: [color, color, color, 1.0],
            ..Default::default()
        }
    }

    #[test]
    fn instances_that_differ_in_colour_only_upload_colours_only() {
        let mut data = NeuronData::default();
        data.set_instances(vec![neuron(0.0, 0.5), neuron(1.0, 0.5)]);
        assert_eq!((data.generation, data.color_generation), (1, 0));
        // A report frame: new colours, same places and sizes.
        data.set_instances(vec![neuron(0.0, 0.1), neuron(1.0, 0.9)]);
        assert_eq!((data.generation, data.color_generation), (1, 1));
        // A moved neuron, or another count: everything again.
        data.set_instances(vec![neuron(0.0, 0.1), neuron(1.5, 0.9)]);
        assert_eq!((data.generation, data.color_generation), (2, 1));
        data.set_instances(vec![neuron(0.0, 0.1)]);
        assert_eq!((data.generation, data.color_generation), (3, 1));
    }
}
