//! The neurons' storage buffers in the render world: made whole when the instances change,
//! colours alone for a report frame, the drawing order, the emitters of the glow pass, and
//! this frame's spikes written into the last-spike buffer.

use super::*;

pub(super) fn centers_of(instances: &[NeuronInstance]) -> Vec<[f32; 4]> {
    instances
        .iter()
        .map(|i| [i.position[0], i.position[1], i.position[2], i.radius])
        .collect()
}

pub(super) fn colors_of(instances: &[NeuronInstance]) -> Vec<[f32; 4]> {
    instances.iter().map(|i| i.color).collect()
}

pub(super) fn looks_of(instances: &[NeuronInstance]) -> Vec<InstanceLook> {
    instances.iter().map(|i| i.look).collect()
}

/// Which neurons are drawn with the glow material.
pub(super) fn glowing_of(instances: &[NeuronInstance]) -> Vec<u32> {
    instances
        .iter()
        .enumerate()
        .filter(|(_, i)| i.radius > 0.0 && i.look.material() == crate::session::Material::Glow)
        .map(|(k, _)| k as u32)
        .collect()
}

/// A storage buffer holding `contents`, or 16 zero bytes for none (bindings may not be empty).
pub(super) fn storage_buffer<T: bytemuck::Pod>(
    device: &RenderDevice,
    label: &str,
    contents: &[T],
) -> Buffer {
    let bytes: &[u8] = if contents.is_empty() {
        &[0u8; 16]
    } else {
        bytemuck::cast_slice(contents)
    };
    device.create_buffer_with_data(&BufferInitDescriptor {
        label: Some(label),
        contents: bytes,
        usage: BufferUsages::STORAGE | BufferUsages::COPY_DST,
    })
}

/// Uploads new instances or colours: buffers are replaced when the count changes, else written.
pub(super) fn upload_instances(gpu: &mut GpuNeurons, device: &RenderDevice, queue: &RenderQueue) {
    if let Some(instances) = gpu.pending_instances.take() {
        let count = instances.len() as u32;
        let (centers, colors) = (centers_of(&instances), colors_of(&instances));
        let looks = looks_of(&instances);
        gpu.order = DrawOrder::of(&instances);
        gpu.glowing = glowing_of(&instances);
        match &gpu.buffers {
            Some(b) if b.count == count => {
                queue.write_buffer(&b.centers, 0, bytemuck::cast_slice(&centers));
                queue.write_buffer(&b.colors, 0, bytemuck::cast_slice(&colors));
                queue.write_buffer(&b.looks, 0, bytemuck::cast_slice(&looks));
                write_order(queue, &b.order, &gpu.order);
            }
            _ => {
                // New circuit: fresh buffers, everything "never spiked".
                gpu.activity = vec![NEVER; instances.len().max(1)];
                gpu.latest_spike = NEVER;
                let generation = gpu.buffers.as_ref().map_or(0, |b| b.generation + 1);
                gpu.buffers = Some(NeuronBuffers {
                    count,
                    centers: storage_buffer(device, "neuron centres", &centers),
                    colors: storage_buffer(device, "neuron colours", &colors),
                    looks: storage_buffer(device, "neuron materials", &looks),
                    order: order_buffer(device, &gpu.order, instances.len()),
                    activity: storage_buffer(device, "neuron last spike times", &gpu.activity),
                    emitters: storage_buffer::<u32>(device, "neurons emitting light", &[]),
                    emitters_capacity: 0,
                    generation,
                });
            }
        }
    }
    if let Some(instances) = gpu.pending_colors.take()
        && let Some(b) = &gpu.buffers
        && b.count as usize == instances.len()
    {
        queue.write_buffer(&b.colors, 0, bytemuck::cast_slice(&colors_of(&instances)));
        queue.write_buffer(&b.looks, 0, bytemuck::cast_slice(&looks_of(&instances)));
        gpu.order = DrawOrder::of(&instances);
        gpu.glowing = glowing_of(&instances);
        write_order(queue, &b.order, &gpu.order);
    }
}

/// The order buffer of a circuit of `count` neurons (room for all of them), holding `order`.
pub(super) fn order_buffer(device: &RenderDevice, order: &DrawOrder, count: usize) -> Buffer {
    let mut contents = order.indices.clone();
    contents.resize(count.max(contents.len()), 0);
    storage_buffer(device, "neuron drawing order", &contents)
}

pub(super) fn write_order(queue: &RenderQueue, buffer: &Buffer, order: &DrawOrder) {
    if !order.indices.is_empty() {
        queue.write_buffer(buffer, 0, bytemuck::cast_slice(&order.indices));
    }
}

/// Neurons per block of the activity buffer written at once.
pub(super) const BLOCK: usize = 256;

pub(super) fn prepare_neuron_buffers(
    mut gpu: ResMut<GpuNeurons>,
    device: Res<RenderDevice>,
    queue: Res<RenderQueue>,
    looks: Res<DrawnLooks>,
) {
    let gpu = &mut *gpu;
    upload_instances(gpu, &device, &queue);
    upload_activity(gpu, &queue);
    if looks.glow > 0.0 {
        upload_emitters(gpu, &device, &queue);
    }
}

/// Lists the neurons that emit light at the current time and uploads the list (the glow
/// pass draws only these: a few percent of the neurons, where drawing all would cost a
/// software rasteriser a full vertex pass).
pub(super) fn upload_emitters(gpu: &mut GpuNeurons, device: &RenderDevice, queue: &RenderQueue) {
    let Some(buffers) = &mut gpu.buffers else {
        return;
    };
    let (time, horizon) = (gpu.params.time_ms, 6.0 * gpu.params.tau_ms);
    let count = buffers.count as usize;
    let emits = |t: f32| (0.0..horizon).contains(&(time - t));
    gpu.emitters.clear();
    if gpu.params.glow_gain > 0.0 && (0.0..horizon).contains(&(time - gpu.latest_spike)) {
        gpu.emitters.extend(
            gpu.activity[..count.min(gpu.activity.len())]
                .iter()
                .enumerate()
                .filter(|(_, t)| emits(**t))
                .map(|(i, _)| i as u32),
        );
    }
    for &i in &gpu.glowing {
        // Drawn once: a spiking glow neuron is already listed.
        if !(gpu.params.glow_gain > 0.0 && gpu.activity.get(i as usize).is_some_and(|t| emits(*t)))
        {
            gpu.emitters.push(i);
        }
    }
    if gpu.emitters.len() > buffers.emitters_capacity {
        let capacity = gpu.emitters.len().next_power_of_two();
        let mut contents = gpu.emitters.clone();
        contents.resize(capacity, 0);
        buffers.emitters = storage_buffer(device, "neurons emitting light", &contents);
        buffers.emitters_capacity = capacity;
        buffers.generation += 1;
    } else if !gpu.emitters.is_empty() {
        queue.write_buffer(&buffers.emitters, 0, bytemuck::cast_slice(&gpu.emitters));
    }
}

/// Applies this frame's activity changes to the last-spike buffer (dirty blocks only).
pub(super) fn upload_activity(gpu: &mut GpuNeurons, queue: &RenderQueue) {
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
            gpu.latest_spike = NEVER;
            all_dirty = true;
        }
        for (i, t) in update.spikes {
            if let Some(slot) = gpu.activity.get_mut(i as usize) {
                gpu.latest_spike = gpu.latest_spike.max(t);
                *slot = t;
                dirty[i as usize / BLOCK] = true;
            }
        }
    }
    let Some(buf) = gpu.buffers.as_ref().map(|b| &b.activity) else {
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
