//! The neuron pipeline: the view uniform `shaders/neurons.wgsl` reads, its bind group layout, and
//! the variants by [`NeuronKey`] (view, blending, sphere depth).

use super::*;

/// The uniform of `shaders/neurons.wgsl` (`NeuronView`).
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub(super) struct NeuronViewUniform {
    clip_from_world: [[f32; 4]; 4],
    camera: [f32; 4],
    right: [f32; 4],
    up: [f32; 4],
    forward: [f32; 4],
    params: [f32; 4],
    flash: [f32; 4],
    looks: [f32; 4],
}

impl NeuronViewUniform {
    pub(super) fn new(view: &ExtractedView, p: &NeuronParams, looks: &DrawnLooks) -> Self {
        let axes = ViewAxes::of(view);
        let (near, far) = looks.depth_range(
            Vec3::from_slice(&axes.camera[..3]),
            Vec3::from_slice(&axes.forward[..3]),
        );
        let lin = |c: f32| {
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        Self {
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
            looks: [looks.glow, near, far, GHOST_OPACITY],
        }
    }
}

pub(super) fn neuron_layout() -> BindGroupLayoutDescriptor {
    BindGroupLayoutDescriptor::new(
        "neuron view layout",
        &BindGroupLayoutEntries::sequential(
            ShaderStages::VERTEX_FRAGMENT,
            (
                uniform_buffer_sized(false, None),
                storage_buffer_read_only_sized(false, None),
                storage_buffer_read_only_sized(false, None),
                storage_buffer_read_only_sized(false, None),
                storage_buffer_read_only_sized(false, None),
                storage_buffer_read_only_sized(false, None),
                storage_buffer_read_only_sized(false, None),
            ),
        ),
    )
}

/// The neuron pipeline's shader and layout (render world); its variants by [`NeuronKey`].
#[derive(Resource)]
pub(super) struct NeuronPipeline {
    pub(super) shader: Handle<Shader>,
    pub(super) layout: BindGroupLayoutDescriptor,
}

/// What a neuron pipeline variant depends on: the view's samples and format, whether the
/// spheres are opaque or blended over what is behind, and whether fragments write the depth of
/// the sphere ([`NeuronParams::exact_depth`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NeuronKey {
    pub view: ViewKey,
    pub exact_depth: bool,
}

impl SpecializedRenderPipeline for NeuronPipeline {
    type Key = NeuronKey;

    fn specialize(&self, key: Self::Key) -> RenderPipelineDescriptor {
        let NeuronKey {
            view: key,
            exact_depth,
        } = key;
        let shader_defs = if exact_depth {
            vec!["EXACT_DEPTH".into()]
        } else {
            Vec::new()
        };
        let (vertex, fragment) = match key.blend {
            Blend::Opaque | Blend::Translucent => ("vertex", "fragment"),
            Blend::SeeThrough => ("vertex_see_through", "fragment_oit"),
            Blend::Glow => ("vertex_glow", "fragment_glow"),
        };
        RenderPipelineDescriptor {
            label: Some("neurons".into()),
            layout: vec![self.layout.clone()],
            vertex: VertexState {
                shader: self.shader.clone(),
                entry_point: Some(vertex.into()),
                shader_defs: shader_defs.clone(),
                ..default()
            },
            fragment: Some(FragmentState {
                shader: self.shader.clone(),
                entry_point: Some(fragment.into()),
                shader_defs,
                targets: key.color_targets(),
            }),
            depth_stencil: key.depth_stencil(),
            multisample: MultisampleState {
                count: key.samples,
                ..default()
            },
            ..default()
        }
    }
}
