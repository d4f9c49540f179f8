//! What the viewer's own draws (neurons, mesh layers) share: the part of a pipeline key that
//! comes from the view and the blending, the colour target and depth test it implies, the
//! view's axes for their uniforms, a uniform buffer written only when it changes, and the
//! bookkeeping of what each of them queued into a view's opaque phase.

use std::collections::HashMap;

use bevy::asset::uuid::Uuid;
use bevy::core_pipeline::core_3d::{
    CORE_3D_DEPTH_FORMAT, Opaque3d, Opaque3dBatchSetKey, Opaque3dBinKey,
};
use bevy::mesh::Mesh;
use bevy::prelude::*;
use bevy::render::mesh::allocator::MeshSlabs;
use bevy::render::render_phase::{
    BinnedRenderPhase, BinnedRenderPhaseType, DrawFunctionId, InputUniformIndex,
};
use bevy::render::render_resource::{
    BlendComponent, BlendFactor, BlendOperation, BlendState, Buffer, BufferDescriptor,
    BufferUsages, CachedPipelineState, CachedRenderPipelineId, ColorTargetState, ColorWrites,
    CompareFunction, DepthStencilState, PipelineCache, TextureFormat,
};
use bevy::render::renderer::{RenderDevice, RenderQueue};
use bevy::render::sync_world::MainEntity;
use bevy::render::view::{ExtractedView, RetainedViewEntity, ViewTarget};

/// How a draw composes with what is already in the view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Blend {
    /// Writes colour and depth; queued in the `Opaque3d` phase.
    Opaque,
    /// Blended over what is behind, tested against depth without writing it; for the
    /// `Transparent3d` phase (sorted back to front).
    Translucent,
    /// The see-through pass: weighted blended order-independent transparency into
    /// [`ACCUM_FORMAT`] and [`REVEAL_FORMAT`] targets, tested against the opaque depth without
    /// writing it.
    SeeThrough,
    /// The glow pass: emitted light added into a [`GLOW_FORMAT`] target, tested against the
    /// opaque depth without writing it.
    Glow,
}

/// The see-through pass's accumulation target: premultiplied colour and alpha, each times a
/// depth weight, summed.
pub const ACCUM_FORMAT: TextureFormat = TextureFormat::Rgba16Float;
/// The see-through pass's revealage target: the product of (1 - alpha).
pub const REVEAL_FORMAT: TextureFormat = TextureFormat::R16Float;
/// The glow pass's target: emitted light, blurred into bloom.
pub const GLOW_FORMAT: TextureFormat = TextureFormat::Rgba16Float;

/// Adds source to destination (accumulation, emitted light).
const ADD: BlendComponent = BlendComponent {
    src_factor: BlendFactor::One,
    dst_factor: BlendFactor::One,
    operation: BlendOperation::Add,
};

/// The part of a pipeline key that the view and the blending decide.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ViewKey {
    pub samples: u32,
    pub format: TextureFormat,
    pub blend: Blend,
}

impl ViewKey {
    pub fn of(target: &ViewTarget, msaa: &Msaa, blend: Blend) -> Self {
        Self {
            samples: msaa.samples(),
            format: target.main_texture_format(),
            blend,
        }
    }

    /// The colour targets, blended as the key says: one of the view's format, or the
    /// see-through pass's two, or the glow target.
    pub fn color_targets(&self) -> Vec<Option<ColorTargetState>> {
        let target = |format, blend| {
            Some(ColorTargetState {
                format,
                blend,
                write_mask: ColorWrites::ALL,
            })
        };
        match self.blend {
            Blend::Opaque => vec![target(self.format, None)],
            Blend::Translucent => vec![target(self.format, Some(BlendState::ALPHA_BLENDING))],
            Blend::SeeThrough => vec![
                target(
                    ACCUM_FORMAT,
                    Some(BlendState {
                        color: ADD,
                        alpha: ADD,
                    }),
                ),
                // revealage *= 1 - alpha
                target(
                    REVEAL_FORMAT,
                    Some(BlendState {
                        color: BlendComponent {
                            src_factor: BlendFactor::Zero,
                            dst_factor: BlendFactor::OneMinusSrc,
                            operation: BlendOperation::Add,
                        },
                        alpha: ADD,
                    }),
                ),
            ],
            Blend::Glow => vec![target(
                GLOW_FORMAT,
                Some(BlendState {
                    color: ADD,
                    alpha: ADD,
                }),
            )],
        }
    }

    /// The key of the see-through or glow pass of a view (their targets have one sample and
    /// formats of their own).
    pub fn pass(blend: Blend) -> Self {
        Self {
            samples: 1,
            format: match blend {
                Blend::Glow => GLOW_FORMAT,
                _ => ACCUM_FORMAT,
            },
            blend,
        }
    }

    /// Tested against the 3D pass's depth buffer (so that spheres and meshes hide each other
    /// correctly); written by opaque draws only.
    pub fn depth_stencil(&self) -> Option<DepthStencilState> {
        Some(DepthStencilState {
            format: CORE_3D_DEPTH_FORMAT,
            depth_write_enabled: Some(self.blend == Blend::Opaque),
            // Bevy uses reversed z: nearer is greater.
            depth_compare: Some(CompareFunction::GreaterEqual),
            stencil: default(),
            bias: default(),
        })
    }
}

/// A view's matrices and axes as the shaders' uniforms take them.
pub struct ViewAxes {
    pub clip_from_world: [[f32; 4]; 4],
    /// Camera position, and 1 in `w` for an orthographic projection.
    pub camera: [f32; 4],
    pub right: [f32; 4],
    pub up: [f32; 4],
    pub forward: [f32; 4],
}

impl ViewAxes {
    pub fn of(view: &ExtractedView) -> Self {
        let world_from_view = view.world_from_view.to_matrix();
        let clip_from_world = view.clip_from_view * world_from_view.inverse();
        let ortho = view.clip_from_view.w_axis.w == 1.0;
        let t = view.world_from_view.translation();
        let axis = |v: Vec4| v.truncate().normalize_or_zero().extend(0.0).to_array();
        Self {
            clip_from_world: clip_from_world.to_cols_array_2d(),
            camera: [t.x, t.y, t.z, if ortho { 1.0 } else { 0.0 }],
            right: axis(world_from_view.x_axis),
            up: axis(world_from_view.y_axis),
            forward: axis(-world_from_view.z_axis),
        }
    }
}

/// A uniform buffer that lives as long as its view and is written only when its contents
/// change (a still camera and a paused clock write nothing).
pub struct PersistentUniform {
    pub buffer: Buffer,
    last: Vec<u8>,
}

impl PersistentUniform {
    pub fn new(device: &RenderDevice, label: &'static str, contents: &[u8]) -> Self {
        let buffer = device.create_buffer(&BufferDescriptor {
            label: Some(label),
            size: contents.len() as u64,
            usage: BufferUsages::UNIFORM | BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        Self {
            buffer,
            last: Vec::new(),
        }
    }

    /// Writes `contents` if they differ from what was written last; true if it wrote.
    pub fn write(&mut self, queue: &RenderQueue, contents: &[u8]) -> bool {
        if self.last == contents {
            return false;
        }
        queue.write_buffer(&self.buffer, 0, contents);
        self.last.clear();
        self.last.extend_from_slice(contents);
        true
    }
}

/// One item queued into a view's opaque phase: the entity it is drawn for and its pipeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PhaseEntry {
    pub entity: Entity,
    pub main_entity: MainEntity,
    pub pipeline: CachedRenderPipelineId,
}

/// What one plugin queued into each view's `Opaque3d` phase. The binned phase keeps its items
/// from frame to frame, so items are removed and added only when what is wanted changes.
#[derive(Default)]
pub struct QueuedItems {
    by_view: HashMap<RetainedViewEntity, Vec<PhaseEntry>>,
}

impl QueuedItems {
    /// Makes `phase` hold exactly `wanted` (in this order) of this plugin's items.
    pub fn sync(
        &mut self,
        view: RetainedViewEntity,
        phase: &mut BinnedRenderPhase<Opaque3d>,
        draw_function: DrawFunctionId,
        wanted: Vec<PhaseEntry>,
    ) {
        let queued = self.by_view.entry(view).or_default();
        if *queued == wanted {
            return;
        }
        for old in queued.iter() {
            phase.remove(old.main_entity);
        }
        for item in &wanted {
            phase.add(
                Opaque3dBatchSetKey {
                    pipeline: item.pipeline,
                    draw_function,
                    material_bind_group_index: None,
                    lightmap_slab: None,
                    slabs: MeshSlabs::default(),
                },
                // One bin per item: the phase draws bins in the order they were added (neurons,
                // then layers by name), where a bin's entities would come in hash order.
                Opaque3dBinKey {
                    asset_id: AssetId::<Mesh>::Uuid {
                        uuid: Uuid::from_u64_pair(0, item.main_entity.id().to_bits()),
                    }
                    .untyped(),
                },
                (item.entity, item.main_entity),
                InputUniformIndex::default(),
                // No Bevy mesh: no preprocessing, no batching, the draw command does it all.
                BinnedRenderPhaseType::NonMesh,
            );
        }
        *queued = wanted;
    }

    /// Forgets views that are gone (their phases went with them).
    pub fn retain_views(&mut self, live: impl Fn(&RetainedViewEntity) -> bool) {
        self.by_view.retain(|v, _| live(v));
    }
}

/// Whether a draw can be captured yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DrawStatus {
    Ready,
    /// Still compiling or uploading: what is waited for.
    Waiting(String),
    /// Will never be ready: what failed (a shader or pipeline error, a buffer over the
    /// device's limits).
    Failed(String),
}

impl DrawStatus {
    /// The first status that is not ready, failures first.
    pub fn all(statuses: impl IntoIterator<Item = DrawStatus>) -> DrawStatus {
        let mut waiting = None;
        for status in statuses {
            match status {
                DrawStatus::Ready => {}
                DrawStatus::Failed(_) => return status,
                DrawStatus::Waiting(_) => {
                    waiting.get_or_insert(status);
                }
            }
        }
        waiting.unwrap_or(DrawStatus::Ready)
    }
}

/// The status of the pipelines `ids` of the draw called `what`.
pub fn pipelines_status<'a>(
    cache: &PipelineCache,
    what: &str,
    ids: impl IntoIterator<Item = &'a CachedRenderPipelineId>,
) -> DrawStatus {
    DrawStatus::all(
        ids.into_iter()
            .map(|&id| match cache.get_render_pipeline_state(id) {
                CachedPipelineState::Ok(_) => DrawStatus::Ready,
                CachedPipelineState::Err(e) => {
                    DrawStatus::Failed(format!("the {what} pipeline failed to compile: {e}"))
                }
                CachedPipelineState::Queued | CachedPipelineState::Creating(_) => {
                    DrawStatus::Waiting(format!("the {what} pipeline is compiling"))
                }
            }),
    )
}
