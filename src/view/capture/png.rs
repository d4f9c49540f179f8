//! PNG files written whole or not at all.

use std::path::Path;

use anyhow::Context;

/// Saves `image` as a PNG at `path`, whole or not at all (a temporary file renamed over it).
pub fn save_png_whole<P, C>(image: &image::ImageBuffer<P, C>, path: &Path) -> anyhow::Result<()>
where
    P: image::PixelWithColorType,
    [P::Subpixel]: image::EncodableLayout,
    C: std::ops::Deref<Target = [P::Subpixel]>,
{
    crate::atomic_file::write_atomically(
        path,
        |tmp| {
            image
                .save_with_format(tmp, image::ImageFormat::Png)
                .with_context(|| format!("writing {}", path.display()))
        },
        |p, e| anyhow::Error::new(e).context(format!("writing {}", p.display())),
    )
}
