//! A mesh layer's buffers in the render world: each mesh's vertices, indices and instances,
//! split where a buffer would pass the device's size limit.

use super::*;

/// The most bytes one buffer of `device` may hold.
pub(super) fn max_buffer_bytes(device: &RenderDevice) -> usize {
    let limits = device.limits();
    usize::try_from(limits.max_buffer_size.min(u64::from(u32::MAX))).unwrap_or(usize::MAX)
}

/// Uploads one mesh: one draw per piece and instance range, split where a buffer would pass
/// the device's size limit.
pub(super) fn upload_mesh(
    device: &RenderDevice,
    mesh: &LayerMesh,
    topology: Topology,
    max_bytes: usize,
) -> Vec<GpuMesh> {
    if mesh.positions.is_empty() || mesh.instances.is_empty() {
        return Vec::new();
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
    let per = match topology {
        Topology::Triangles => 3,
        Topology::Lines => 2,
    };
    let pieces = mesh_chunks::split(
        &vertices,
        &mesh.indices,
        per,
        max_bytes / std::mem::size_of::<GpuVertex>(),
        max_bytes / 4,
    );
    if pieces.len() > 1 {
        info!(
            "a mesh of {} vertices and {} indices is drawn in {} pieces (buffers are limited \
             to {} MB on this device)",
            vertices.len(),
            mesh.indices.len(),
            pieces.len(),
            max_bytes >> 20
        );
    }
    let instance_buffers: Vec<(Buffer, u32)> = instances
        .chunks((max_bytes / std::mem::size_of::<GpuInstance>()).max(1))
        .map(|chunk| {
            let buffer = device.create_buffer_with_data(&BufferInitDescriptor {
                label: Some("mesh layer instances"),
                contents: bytemuck::cast_slice(chunk),
                usage: BufferUsages::VERTEX,
            });
            (buffer, chunk.len() as u32)
        })
        .collect();
    let mut meshes = Vec::new();
    for piece in pieces {
        let vertex_buffer = device.create_buffer_with_data(&BufferInitDescriptor {
            label: Some("mesh layer vertices"),
            contents: bytemuck::cast_slice(&piece.vertices),
            usage: BufferUsages::VERTEX,
        });
        let indices = (!piece.indices.is_empty()).then(|| {
            let buffer = device.create_buffer_with_data(&BufferInitDescriptor {
                label: Some("mesh layer indices"),
                contents: bytemuck::cast_slice(&piece.indices),
                usage: BufferUsages::INDEX,
            });
            (buffer, piece.indices.len() as u32)
        });
        for (instance_buffer, instance_count) in &instance_buffers {
            meshes.push(GpuMesh {
                vertices: vertex_buffer.clone(),
                indices: indices.clone(),
                vertex_count: piece.vertices.len() as u32,
                instances: instance_buffer.clone(),
                instance_count: *instance_count,
            });
        }
    }
    meshes
}

pub(super) fn prepare_layer_buffers(
    mut gpu: ResMut<GpuMeshLayers>,
    mut uploads: ResMut<MeshUploads>,
    device: Res<RenderDevice>,
) {
    let max_bytes = max_buffer_bytes(&device);
    for layer in gpu.layers.values_mut() {
        if let Some(pending) = layer.pending.take() {
            uploads.layers += 1;
            uploads.bytes += pending.gpu_bytes() as u64;
            layer.meshes = pending
                .meshes
                .iter()
                .flat_map(|m| upload_mesh(&device, m, pending.topology, max_bytes))
                .collect();
        }
    }
}
