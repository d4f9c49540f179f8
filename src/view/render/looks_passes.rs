//! The looks passes of every 3D view, run after Bevy's main pass and before tonemapping:
//!
//! 1. see-through: the transparent and ghost somata and see-through mesh instances into an
//!    accumulation and a revealage target (weighted blended order-independent transparency,
//!    McGuire and Bavoil 2013), depth tested against the opaque depth, never writing it: no
//!    sorting, whatever the number of overlapping spheres;
//! 2. glow: what emits light (spiking neurons, the glow material) into a glow target, averaged
//!    to a quarter of the size and blurred by one separable Gaussian (bloom);
//! 3. composite (`shaders/looks_post.wgsl`): background and gradient, eye-dome lighting, depth
//!    cueing and outlines from the depth buffer, the see-through layers over the opaque image,
//!    the glow added;
//! 4. FXAA (`shaders/looks_filter.wgsl`).
//!
//! Each step runs only when something needs it ([`Plan`]); with nothing to do a view costs
//! nothing. The depth effects read the depth buffer, so cameras get a sampled depth texture
//! (the looks plugin asks for it) and multisampling off while they run.

use bevy::asset::{Assets, Handle};
use bevy::core_pipeline::core_3d::Opaque3d;
use bevy::core_pipeline::tonemapping::tonemapping;
use bevy::core_pipeline::{Core3d, Core3dSystems, FullscreenShader};
use bevy::prelude::*;
use bevy::render::extract_resource::ExtractResourcePlugin;
use bevy::render::render_phase::ViewBinnedRenderPhases;
use bevy::render::render_resource::binding_types::{
    sampler, texture_2d, texture_depth_2d, uniform_buffer_sized,
};
use bevy::render::render_resource::{
    AddressMode, BindGroupEntries, BindGroupLayoutDescriptor, BindGroupLayoutEntries, Buffer,
    BufferInitDescriptor, BufferUsages, CachedRenderPipelineId, ColorTargetState, ColorWrites,
    Extent3d, FilterMode, FragmentState, LoadOp, Operations, PipelineCache,
    RenderPassColorAttachment, RenderPassDescriptor, RenderPipelineDescriptor, Sampler,
    SamplerBindingType, SamplerDescriptor, ShaderStages, SpecializedRenderPipeline,
    SpecializedRenderPipelines, StoreOp, TextureDescriptor, TextureDimension, TextureFormat,
    TextureSampleType, TextureUsages, TextureView,
};
use bevy::render::renderer::{RenderContext, RenderDevice, ViewQuery};
use bevy::render::texture::{CachedTexture, TextureCache};
use bevy::render::view::{ExtractedView, ViewDepthTexture, ViewTarget};
use bevy::render::{Render, RenderApp, RenderSystems};
use bevy::shader::Shader;

use super::looks_settings::DrawnLooks;
use super::meshes::GpuMeshLayers;
use super::neurons::{BlendPass, GpuNeurons};
use super::render_util::{ACCUM_FORMAT, DrawStatus, GLOW_FORMAT, REVEAL_FORMAT, pipelines_status};

/// The looks passes of every 3D view (and the copy of [`DrawnLooks`] to the render world).
pub struct LooksPassesPlugin;

impl Plugin for LooksPassesPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<DrawnLooks>()
            .add_plugins(ExtractResourcePlugin::<DrawnLooks>::default());
        let mut shaders = app.world_mut().resource_mut::<Assets<Shader>>();
        let post = shaders.add(Shader::from_wgsl(
            include_str!("../../../shaders/looks_post.wgsl"),
            "shaders/looks_post.wgsl",
        ));
        let filter = shaders.add(Shader::from_wgsl(
            include_str!("../../../shaders/looks_filter.wgsl"),
            "shaders/looks_filter.wgsl",
        ));
        let Some(render_app) = app.get_sub_app_mut(RenderApp) else {
            return;
        };
        let Some(fullscreen) = render_app
            .world()
            .get_resource::<FullscreenShader>()
            .cloned()
        else {
            return;
        };
        render_app
            .init_resource::<DrawnLooks>()
            .insert_resource(LooksPipeline {
                post,
                filter,
                fullscreen,
                post_layout: post_layout(),
                filter_layout: filter_layout(),
                sampler: None,
                ids: Default::default(),
            })
            .init_resource::<SpecializedRenderPipelines<LooksPipeline>>()
            .add_systems(
                Render,
                prepare_looks_views.in_set(RenderSystems::PrepareBindGroups),
            )
            .add_systems(
                Core3d,
                looks_passes
                    .in_set(Core3dSystems::PostProcess)
                    .before(tonemapping),
            );
    }
}

/// A full-screen step of the looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stage {
    Composite,
    GlowDown,
    BlurH,
    BlurV,
    Fxaa,
}

/// What a full-screen pipeline depends on: its step and the format it writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LooksKey {
    pub stage: Stage,
    pub format: TextureFormat,
}

/// The full-screen pipelines' shaders, layouts, sampler and compiled variants (render world).
#[derive(Resource)]
pub struct LooksPipeline {
    post: Handle<Shader>,
    filter: Handle<Shader>,
    fullscreen: FullscreenShader,
    post_layout: BindGroupLayoutDescriptor,
    filter_layout: BindGroupLayoutDescriptor,
    sampler: Option<Sampler>,
    /// Variants asked for, to tell when they have compiled.
    ids: std::collections::HashMap<LooksKey, CachedRenderPipelineId>,
}

fn post_layout() -> BindGroupLayoutDescriptor {
    let float = TextureSampleType::Float { filterable: true };
    BindGroupLayoutDescriptor::new(
        "looks composite layout",
        &BindGroupLayoutEntries::sequential(
            ShaderStages::FRAGMENT,
            (
                uniform_buffer_sized(false, None),
                texture_2d(float),
                texture_depth_2d(),
                texture_2d(float),
                texture_2d(float),
                texture_2d(float),
                sampler(SamplerBindingType::Filtering),
                texture_2d(float),
            ),
        ),
    )
}

fn filter_layout() -> BindGroupLayoutDescriptor {
    BindGroupLayoutDescriptor::new(
        "looks filter layout",
        &BindGroupLayoutEntries::sequential(
            ShaderStages::FRAGMENT,
            (
                texture_2d(TextureSampleType::Float { filterable: true }),
                sampler(SamplerBindingType::Filtering),
            ),
        ),
    )
}

impl SpecializedRenderPipeline for LooksPipeline {
    type Key = LooksKey;

    fn specialize(&self, key: Self::Key) -> RenderPipelineDescriptor {
        let (shader, layout, entry) = match key.stage {
            Stage::Composite => (&self.post, &self.post_layout, "composite"),
            Stage::GlowDown => (&self.filter, &self.filter_layout, "glow_down"),
            Stage::BlurH => (&self.filter, &self.filter_layout, "blur_h"),
            Stage::BlurV => (&self.filter, &self.filter_layout, "blur_v"),
            Stage::Fxaa => (&self.filter, &self.filter_layout, "fxaa"),
        };
        RenderPipelineDescriptor {
            label: Some("looks".into()),
            layout: vec![layout.clone()],
            vertex: self.fullscreen.to_vertex_state(),
            fragment: Some(FragmentState {
                shader: shader.clone(),
                entry_point: Some(entry.into()),
                targets: vec![Some(ColorTargetState {
                    format: key.format,
                    blend: None,
                    write_mask: ColorWrites::ALL,
                })],
                ..default()
            }),
            ..default()
        }
    }
}

/// Which steps run for a view this frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub see_through: bool,
    pub glow: bool,
    pub composite: bool,
    pub fxaa: bool,
}

/// One view's looks this frame (render world, on the view entity).
#[derive(Component)]
pub struct LooksView {
    plan: Plan,
    uniform: Buffer,
    accum: CachedTexture,
    reveal: CachedTexture,
    glow: CachedTexture,
    glow_a: CachedTexture,
    glow_b: CachedTexture,
    pipelines: [Option<CachedRenderPipelineId>; 5],
}

/// The uniform of `shaders/looks_post.wgsl` (`Post`).
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct PostUniform {
    unproject: [f32; 4],
    background: [f32; 4],
    background_top: [f32; 4],
    effects: [f32; 4],
    depth: [f32; 4],
}

fn texture(
    cache: &mut TextureCache,
    device: &RenderDevice,
    label: &'static str,
    size: Extent3d,
    format: TextureFormat,
) -> CachedTexture {
    cache.get(
        device,
        TextureDescriptor {
            label: Some(label),
            size,
            mip_level_count: 1,
            sample_count: 1,
            dimension: TextureDimension::D2,
            format,
            usage: TextureUsages::RENDER_ATTACHMENT | TextureUsages::TEXTURE_BINDING,
            view_formats: &[],
        },
    )
}

type LooksViewItems<'a> = (
    Entity,
    &'a ExtractedView,
    &'a ViewTarget,
    &'a ViewDepthTexture,
    &'a Msaa,
);

/// Decides each 3D view's plan, and gets its targets, uniform and pipelines ready.
#[allow(clippy::too_many_arguments)]
fn prepare_looks_views(
    mut commands: Commands,
    views: Query<LooksViewItems>,
    phases: Res<ViewBinnedRenderPhases<Opaque3d>>,
    looks: Res<DrawnLooks>,
    neurons: Res<GpuNeurons>,
    layers: Res<GpuMeshLayers>,
    mut pipeline: ResMut<LooksPipeline>,
    mut pipelines: ResMut<SpecializedRenderPipelines<LooksPipeline>>,
    cache: Res<PipelineCache>,
    mut textures: ResMut<TextureCache>,
    device: Res<RenderDevice>,
    mut warned: Local<bool>,
) {
    for (entity, view, target, depth, msaa) in &views {
        if !phases.contains_key(&view.retained_view_entity) {
            continue;
        }
        let see_through = neurons.has_see_through() || layers.has_see_through();
        let glow = neurons.has_glow(looks.glow);
        let wanted = see_through || glow || looks.needs_post();
        let depth_sampled = depth
            .texture
            .usage()
            .contains(TextureUsages::TEXTURE_BINDING);
        if !wanted || msaa.samples() > 1 || !depth_sampled {
            if wanted && !*warned {
                *warned = true;
                warn!(
                    "the looks (see-through materials, glow, depth effects) are not drawn in a \
                     view with multisampling or without a sampled depth texture"
                );
            }
            commands.entity(entity).remove::<LooksView>();
            continue;
        }
        let plan = Plan {
            see_through,
            glow,
            composite: see_through || glow || (looks.needs_post() && !only_fxaa(&looks)),
            fxaa: looks.fxaa,
        };
        let size = target.main_texture().size();
        let quarter = Extent3d {
            width: size.width.div_ceil(4).max(1),
            height: size.height.div_ceil(4).max(1),
            depth_or_array_layers: 1,
        };
        let tex = &mut *textures;
        let accum = texture(tex, &device, "looks accumulation", size, ACCUM_FORMAT);
        let reveal = texture(tex, &device, "looks revealage", size, REVEAL_FORMAT);
        let glow_full = texture(tex, &device, "looks glow", size, GLOW_FORMAT);
        let glow_a = texture(tex, &device, "looks glow blur a", quarter, GLOW_FORMAT);
        let glow_b = texture(tex, &device, "looks glow blur b", quarter, GLOW_FORMAT);

        if pipeline.sampler.is_none() {
            pipeline.sampler = Some(device.create_sampler(&SamplerDescriptor {
                label: Some("looks"),
                address_mode_u: AddressMode::ClampToEdge,
                address_mode_v: AddressMode::ClampToEdge,
                mag_filter: FilterMode::Linear,
                min_filter: FilterMode::Linear,
                ..default()
            }));
        }
        let format = target.main_texture_format();
        let mut ids = [None; 5];
        let stages = [
            (Stage::Composite, plan.composite, format),
            (Stage::GlowDown, plan.glow, GLOW_FORMAT),
            (Stage::BlurH, plan.glow, GLOW_FORMAT),
            (Stage::BlurV, plan.glow, GLOW_FORMAT),
            (Stage::Fxaa, plan.fxaa, format),
        ];
        for (i, (stage, on, format)) in stages.into_iter().enumerate() {
            if on {
                let key = LooksKey { stage, format };
                let id = pipelines.specialize(&cache, &pipeline, key);
                pipeline.ids.insert(key, id);
                ids[i] = Some(id);
            }
        }

        let axes_camera = view.world_from_view.translation();
        let forward = view.world_from_view.forward().as_vec3();
        let (near, far) = looks.depth_range(axes_camera, forward);
        let bottom = looks.background;
        let top = looks.background_top.unwrap_or(bottom);
        let view_from_clip = view.clip_from_view.inverse();
        let uniform = PostUniform {
            unproject: [
                view_from_clip.z_axis.z,
                view_from_clip.w_axis.z,
                view_from_clip.z_axis.w,
                view_from_clip.w_axis.w,
            ],
            background: [
                bottom[0],
                bottom[1],
                bottom[2],
                if looks.background_top.is_some() {
                    1.0
                } else {
                    0.0
                },
            ],
            background_top: [top[0], top[1], top[2], 0.0],
            effects: [
                looks.depth_shading,
                looks.fog,
                if looks.outline { 1.0 } else { 0.0 },
                looks.glow,
            ],
            depth: [
                near,
                far,
                if plan.see_through { 1.0 } else { 0.0 },
                if plan.glow { 1.0 } else { 0.0 },
            ],
        };
        let uniform = device.create_buffer_with_data(&BufferInitDescriptor {
            label: Some("looks composite"),
            contents: bytemuck::bytes_of(&uniform),
            usage: BufferUsages::UNIFORM,
        });
        commands.entity(entity).insert(LooksView {
            plan,
            uniform,
            accum,
            reveal,
            glow: glow_full,
            glow_a,
            glow_b,
            pipelines: ids,
        });
    }
}

/// Whether FXAA is the only full-screen work asked for (no composite needed).
fn only_fxaa(looks: &DrawnLooks) -> bool {
    let mut without = looks.clone();
    without.fxaa = false;
    looks.fxaa && !without.needs_post()
}

fn attachment(view: &TextureView, clear: LinearRgba) -> Option<RenderPassColorAttachment<'_>> {
    Some(RenderPassColorAttachment {
        view,
        depth_slice: None,
        resolve_target: None,
        ops: Operations {
            load: LoadOp::Clear(clear.into()),
            store: StoreOp::Store,
        },
    })
}

/// Runs the view's plan (see the module's documentation for the steps).
fn looks_passes(
    view: ViewQuery<(
        &ExtractedView,
        &ViewTarget,
        &ViewDepthTexture,
        Option<&LooksView>,
    )>,
    neurons: Res<GpuNeurons>,
    layers: Res<GpuMeshLayers>,
    pipeline: Res<LooksPipeline>,
    cache: Res<PipelineCache>,
    mut ctx: RenderContext,
) {
    let (extracted, target, depth, looks) = view.into_inner();
    let (Some(looks), Some(sampler)) = (looks, &pipeline.sampler) else {
        return;
    };
    let plan = looks.plan;
    let retained = extracted.retained_view_entity;
    let get = |i: usize| looks.pipelines[i].and_then(|id| cache.get_render_pipeline(id));

    if plan.see_through {
        let color_attachments = [
            attachment(&looks.accum.default_view, LinearRgba::NONE),
            attachment(&looks.reveal.default_view, LinearRgba::WHITE),
        ];
        let mut pass = ctx.begin_tracked_render_pass(RenderPassDescriptor {
            label: Some("looks see-through"),
            color_attachments: &color_attachments,
            depth_stencil_attachment: Some(depth.get_attachment(StoreOp::Store)),
            ..default()
        });
        neurons.draw_pass(&mut pass, &cache, retained, BlendPass::SeeThrough);
        layers.draw_see_through(&mut pass, &cache, retained);
    }

    if plan.glow {
        {
            let color_attachments = [attachment(&looks.glow.default_view, LinearRgba::NONE)];
            let mut pass = ctx.begin_tracked_render_pass(RenderPassDescriptor {
                label: Some("looks glow"),
                color_attachments: &color_attachments,
                depth_stencil_attachment: Some(depth.get_attachment(StoreOp::Store)),
                ..default()
            });
            neurons.draw_pass(&mut pass, &cache, retained, BlendPass::Glow);
        }
        // Down to a quarter, then the separable blur (one wide Gaussian in bilinear taps).
        let (full, a, b) = (
            &looks.glow.default_view,
            &looks.glow_a.default_view,
            &looks.glow_b.default_view,
        );
        let steps = [(1, full, a), (2, a, b), (3, b, a)];
        for (stage, source, destination) in steps {
            let Some(p) = get(stage) else {
                continue;
            };
            let bind_group = ctx.render_device().create_bind_group(
                "looks glow filter",
                &cache.get_bind_group_layout(&pipeline.filter_layout),
                &BindGroupEntries::sequential((source, sampler)),
            );
            filter_pass(&mut ctx, "looks glow filter", p, &bind_group, destination);
        }
    }

    if plan.composite
        && let Some(p) = get(0)
    {
        let post = target.post_process_write();
        let bind_group = ctx.render_device().create_bind_group(
            "looks composite",
            &cache.get_bind_group_layout(&pipeline.post_layout),
            &BindGroupEntries::sequential((
                looks.uniform.as_entire_binding(),
                post.source,
                depth.view(),
                &looks.accum.default_view,
                &looks.reveal.default_view,
                &looks.glow_a.default_view,
                sampler,
                &looks.glow.default_view,
            )),
        );
        filter_pass(
            &mut ctx,
            "looks composite",
            p,
            &bind_group,
            post.destination,
        );
    }

    if plan.fxaa
        && let Some(p) = get(4)
    {
        let post = target.post_process_write();
        let bind_group = ctx.render_device().create_bind_group(
            "looks fxaa",
            &cache.get_bind_group_layout(&pipeline.filter_layout),
            &BindGroupEntries::sequential((post.source, sampler)),
        );
        filter_pass(&mut ctx, "looks fxaa", p, &bind_group, post.destination);
    }
}

/// One full-screen triangle with `pipeline` into `destination`.
fn filter_pass(
    ctx: &mut RenderContext,
    label: &'static str,
    pipeline: &bevy::render::render_resource::RenderPipeline,
    bind_group: &bevy::render::render_resource::BindGroup,
    destination: &TextureView,
) {
    let color_attachments = [attachment(destination, LinearRgba::NONE)];
    let mut pass = ctx
        .command_encoder()
        .begin_render_pass(&RenderPassDescriptor {
            label: Some(label),
            color_attachments: &color_attachments,
            ..default()
        });
    pass.set_pipeline(pipeline);
    pass.set_bind_group(0, bind_group, &[]);
    pass.draw(0..3, 0..1);
}

/// Whether the looks' full-screen pipelines asked for so far have compiled.
pub fn status(render_world: &World) -> DrawStatus {
    let (Some(pipeline), Some(cache)) = (
        render_world.get_resource::<LooksPipeline>(),
        render_world.get_resource::<PipelineCache>(),
    ) else {
        return DrawStatus::Ready;
    };
    pipelines_status(cache, "looks", pipeline.ids.values())
}
