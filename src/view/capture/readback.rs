//! Reading rendered frames back from the GPU without stalling the next one.
//!
//! A frame is asked for by tagging the update that draws it ([`FrameRequest`]). Right after that
//! update's render graph, the render target is copied into a buffer of a small pool and the
//! buffer is mapped asynchronously; the pixels come back through a channel, tagged, once the GPU
//! has finished the copy. Meanwhile the caller already draws the next frame: one GPU frame per
//! movie frame, the readback of frame k overlapping the drawing of frame k + 1.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

use bevy::prelude::*;
use bevy::render::render_asset::RenderAssets;
use bevy::render::render_resource::{
    Buffer, BufferDescriptor, BufferUsages, CommandEncoderDescriptor, Extent3d, MapMode,
    TexelCopyBufferInfo, TexelCopyBufferLayout, TextureFormat,
};
use bevy::render::renderer::{RenderDevice, RenderQueue};
use bevy::render::texture::GpuImage;
use bevy::render::{Extract, ExtractSchedule, Render, RenderApp, RenderSystems};

/// The pixels of one frame: tightly packed RGBA (sRGB), rows top first.
pub struct ReadFrame {
    pub tag: u64,
    pub width: u32,
    pub height: u32,
    pub rgba: Result<Vec<u8>, String>,
}

/// Main world: the frame drawn by the next update is read back under this tag.
#[derive(Resource, Clone, Default)]
pub struct FrameRequest {
    pub target: Option<Handle<Image>>,
    pub tag: Option<u64>,
}

/// Render world: the request extracted for this frame.
#[derive(Resource, Default)]
struct PendingCopy(Option<(u64, Handle<Image>)>);

/// Buffers free for a copy, frames whose copy is not back yet, and where the pixels go.
#[derive(Resource, Clone)]
pub struct ReadbackChannel {
    free: Arc<Mutex<Vec<Buffer>>>,
    in_flight: Arc<AtomicUsize>,
    sender: Sender<ReadFrame>,
}

impl ReadbackChannel {
    /// Frames copied whose pixels have not come back yet.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }
}

/// Copies tagged frames into mapped buffers; the receiver of the pixels is kept in
/// [`FrameReceiver`] on the main world.
pub struct FrameReadbackPlugin;

/// Main world: where read-back frames arrive.
#[derive(Resource)]
pub struct FrameReceiver {
    pub receiver: Mutex<Receiver<ReadFrame>>,
    pub channel: ReadbackChannel,
}

impl Plugin for FrameReadbackPlugin {
    fn build(&self, app: &mut App) {
        let (sender, receiver) = channel();
        let shared = ReadbackChannel {
            free: Arc::default(),
            in_flight: Arc::default(),
            sender,
        };
        app.init_resource::<FrameRequest>()
            .insert_resource(FrameReceiver {
                receiver: Mutex::new(receiver),
                channel: shared.clone(),
            });
        if let Some(render_app) = app.get_sub_app_mut(RenderApp) {
            render_app
                .insert_resource(shared)
                .init_resource::<PendingCopy>()
                .add_systems(ExtractSchedule, extract_request)
                .add_systems(Render, copy_frame.in_set(RenderSystems::Cleanup));
        }
    }
}

fn extract_request(request: Extract<Res<FrameRequest>>, mut pending: ResMut<PendingCopy>) {
    pending.0 = match (&request.tag, &request.target) {
        (Some(tag), Some(target)) => Some((*tag, target.clone())),
        _ => None,
    };
}

/// Bytes of one row in a buffer a texture is copied into (rows are padded to 256 bytes).
fn padded_row(width: u32) -> u32 {
    RenderDevice::align_copy_bytes_per_row(width as usize * 4) as u32
}

/// After the render graph of a tagged frame: copy its target into a free buffer and map it.
fn copy_frame(
    mut pending: ResMut<PendingCopy>,
    images: Res<RenderAssets<GpuImage>>,
    device: Res<RenderDevice>,
    queue: Res<RenderQueue>,
    shared: Res<ReadbackChannel>,
) {
    let Some((tag, target)) = pending.0.take() else {
        return;
    };
    let Some(image) = images.get(&target) else {
        let _ = shared.sender.send(ReadFrame {
            tag,
            width: 0,
            height: 0,
            rgba: Err("the render target is not on the GPU".into()),
        });
        return;
    };
    let size = image.texture_descriptor.size;
    let format = image.texture_descriptor.format;
    let (width, height) = (size.width, size.height);
    let row = padded_row(width);
    let bytes = row as u64 * height as u64;
    let buffer = {
        let mut free = shared.free.lock().unwrap_or_else(|p| p.into_inner());
        match free.iter().position(|b| b.size() == bytes) {
            Some(i) => free.swap_remove(i),
            None => device.create_buffer(&BufferDescriptor {
                label: Some("movie frame readback"),
                size: bytes,
                usage: BufferUsages::COPY_DST | BufferUsages::MAP_READ,
                mapped_at_creation: false,
            }),
        }
    };
    let mut encoder = device.create_command_encoder(&CommandEncoderDescriptor {
        label: Some("movie frame copy"),
    });
    encoder.copy_texture_to_buffer(
        image.texture.as_image_copy(),
        TexelCopyBufferInfo {
            buffer: &buffer,
            layout: TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(row),
                rows_per_image: None,
            },
        },
        Extent3d {
            width,
            height,
            depth_or_array_layers: 1,
        },
    );
    queue.submit([encoder.finish()]);
    shared.in_flight.fetch_add(1, Ordering::AcqRel);
    let back = shared.clone();
    let mapped = buffer.clone();
    buffer.slice(..).map_async(MapMode::Read, move |result| {
        let rgba = result
            .map_err(|e| format!("mapping the frame's buffer: {e}"))
            .and_then(|()| {
                let data = mapped.slice(..).get_mapped_range();
                let pixels = unpad(&data, width, height, row, format);
                drop(data);
                mapped.unmap();
                pixels
            });
        back.free
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(mapped);
        // The receiver gone means the render was abandoned: nothing waits for these pixels.
        let _ = back.sender.send(ReadFrame {
            tag,
            width,
            height,
            rgba,
        });
        back.in_flight.fetch_sub(1, Ordering::AcqRel);
    });
}

/// Tightly packed RGBA rows from padded rows of `format`.
fn unpad(
    data: &[u8],
    width: u32,
    height: u32,
    row: u32,
    format: TextureFormat,
) -> Result<Vec<u8>, String> {
    let swap = match format {
        TextureFormat::Rgba8UnormSrgb | TextureFormat::Rgba8Unorm => false,
        TextureFormat::Bgra8UnormSrgb | TextureFormat::Bgra8Unorm => true,
        other => return Err(format!("frame in {other:?}, expected 8-bit RGBA")),
    };
    let tight = width as usize * 4;
    let mut out = Vec::with_capacity(tight * height as usize);
    for y in 0..height as usize {
        let start = y * row as usize;
        let Some(line) = data.get(start..start + tight) else {
            return Err("the frame's buffer is shorter than the frame".into());
        };
        out.extend_from_slice(line);
    }
    if swap {
        for px in out.chunks_exact_mut(4) {
            px.swap(0, 2);
        }
    }
    Ok(out)
}
