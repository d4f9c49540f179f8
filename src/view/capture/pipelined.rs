//! One GPU frame per movie frame: [`HeadlessViewer::draw_tagged`] draws the current state once
//! and asks for its pixels, which come back (tagged) while the next frames are drawn.

use anyhow::{Context, bail};
use bevy::render::render_resource::PollType;
use bevy::render::renderer::RenderDevice;
use image::RgbaImage;

use super::HeadlessViewer;
use super::readback::{FrameReceiver, FrameRequest, ReadFrame};

/// Frames whose pixels may be on their way back at once; more wait for the GPU.
pub const MAX_IN_FLIGHT: usize = 3;

/// A frame read back: its tag and its pixels.
pub struct TaggedFrame {
    pub tag: u64,
    pub image: RgbaImage,
}

impl HeadlessViewer {
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// Draws the current state once (one `app.update()`) and reads that frame back under
    /// `tag`; returns the frames that came back meanwhile (earlier ones, in tag order).
    pub fn draw_tagged(&mut self, tag: u64) -> anyhow::Result<Vec<TaggedFrame>> {
        self.app.world_mut().resource_mut::<FrameRequest>().tag = Some(tag);
        self.app.update();
        self.app.world_mut().resource_mut::<FrameRequest>().tag = None;
        self.poll(false);
        // Bounded memory and latency: wait for the oldest copies, not for the frame just drawn.
        for _ in 0..20_000 {
            if self.in_flight() <= MAX_IN_FLIGHT {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
            self.poll(false);
        }
        self.arrived()
    }

    /// Waits for every frame asked for and returns those not yet returned, in tag order.
    pub fn finish_reads(&mut self) -> anyhow::Result<Vec<TaggedFrame>> {
        for _ in 0..1000 {
            if self.in_flight() == 0 {
                break;
            }
            self.poll(true);
        }
        self.arrived()
    }

    /// Frames copied whose pixels have not come back yet.
    fn in_flight(&self) -> usize {
        self.app
            .world()
            .resource::<FrameReceiver>()
            .channel
            .in_flight()
    }

    /// Draws the current state and waits for its pixels (a single still).
    pub fn capture_now(&mut self) -> anyhow::Result<RgbaImage> {
        let mut frames = self.draw_tagged(u64::MAX)?;
        frames.extend(self.finish_reads()?);
        match frames.into_iter().find(|f| f.tag == u64::MAX) {
            Some(f) => Ok(f.image),
            None => bail!("no frame came back from the GPU"),
        }
    }

    /// Lets the GPU run the callbacks of finished copies; `wait`: until all submitted work is
    /// done.
    fn poll(&self, wait: bool) {
        if let Some(r) = self.app.get_sub_app(bevy::render::RenderApp)
            && let Some(device) = r.world().get_resource::<RenderDevice>()
        {
            let how = if wait {
                PollType::wait_indefinitely()
            } else {
                PollType::Poll
            };
            // A poll error means the device is lost: the frames that do not come back are
            // reported as missing by the caller.
            let _ = device.poll(how);
        }
    }

    fn arrived(&self) -> anyhow::Result<Vec<TaggedFrame>> {
        let receiver = self.app.world().resource::<FrameReceiver>();
        let rx = receiver
            .receiver
            .lock()
            .map_err(|_| anyhow::anyhow!("the frame channel is poisoned"))?;
        let mut out: Vec<ReadFrame> = rx.try_iter().collect();
        drop(rx);
        out.sort_by_key(|f| f.tag);
        out.into_iter()
            .map(|f| {
                let rgba = f
                    .rgba
                    .map_err(anyhow::Error::msg)
                    .with_context(|| format!("reading frame {} back from the GPU", f.tag))?;
                let image = RgbaImage::from_raw(f.width, f.height, rgba)
                    .context("a read-back frame has the wrong size")?;
                Ok(TaggedFrame { tag: f.tag, image })
            })
            .collect()
    }
}
