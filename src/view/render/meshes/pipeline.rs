//! The mesh pipeline: the view uniform `shaders/meshes.wgsl` reads, its bind group layout, and
//! the variants by [`MeshKey`].

use super::*;

/// The uniform of `shaders/meshes.wgsl` (`MeshView`).
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub(super) struct MeshViewUniform {
    pub(super) clip_from_world: [[f32; 4]; 4],
    pub(super) camera: [f32; 4],
    pub(super) forward: [f32; 4],
    /// x, y: nearest and farthest depth of the scene along the view (see-through weights).
    pub(super) depth_range: [f32; 4],
}

pub(super) fn mesh_layout() -> BindGroupLayoutDescriptor {
    BindGroupLayoutDescriptor::new(
        "mesh layer view layout",
        &BindGroupLayoutEntries::single(
            ShaderStages::VERTEX_FRAGMENT,
            uniform_buffer_sized(false, None),
        ),
    )
}

/// The mesh-layer pipeline's shader and layout (render world); its variants by [`MeshKey`].
#[derive(Resource)]
pub(super) struct MeshPipeline {
    pub(super) shader: Handle<Shader>,
    pub(super) layout: BindGroupLayoutDescriptor,
}

/// What a mesh-layer pipeline variant depends on: the view and blending, and the topology.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MeshKey {
    pub view: ViewKey,
    pub topology: Topology,
}

impl SpecializedRenderPipeline for MeshPipeline {
    type Key = MeshKey;

    fn specialize(&self, key: Self::Key) -> RenderPipelineDescriptor {
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
        let see_through = key.view.blend == Blend::SeeThrough;
        let (primitive, fragment) = match (key.topology, see_through) {
            (Topology::Triangles, false) => (PrimitiveTopology::TriangleList, "fragment_lit"),
            (Topology::Lines, false) => (PrimitiveTopology::LineList, "fragment_flat"),
            (Topology::Triangles, true) => (PrimitiveTopology::TriangleList, "fragment_lit_oit"),
            (Topology::Lines, true) => (PrimitiveTopology::LineList, "fragment_flat_oit"),
        };
        let vertex_entry = if see_through {
            "vertex_see_through"
        } else {
            "vertex"
        };
        RenderPipelineDescriptor {
            label: Some("mesh layers".into()),
            layout: vec![self.layout.clone()],
            vertex: VertexState {
                shader: self.shader.clone(),
                entry_point: Some(vertex_entry.into()),
                buffers: vec![vertex, instance],
                ..default()
            },
            fragment: Some(FragmentState {
                shader: self.shader.clone(),
                entry_point: Some(fragment.into()),
                targets: key.view.color_targets(),
                ..default()
            }),
            primitive: PrimitiveState {
                topology: primitive,
                // Tubes are open at their ends and seen from inside there: no culling.
                cull_mode: None,
                ..default()
            },
            depth_stencil: key.view.depth_stencil(),
            multisample: MultisampleState {
                count: key.view.samples,
                ..default()
            },
            ..default()
        }
    }
}
