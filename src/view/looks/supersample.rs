//! 2x2 supersampling of a frame rendered at twice the size (no Bevy): each output pixel is the
//! average of four, in linear light.

use image::RgbaImage;

fn to_linear(c: u8) -> f32 {
    let c = c as f32 / 255.0;
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

fn to_srgb8(l: f32) -> u8 {
    let c = if l <= 0.0031308 {
        l * 12.92
    } else {
        1.055 * l.powf(1.0 / 2.4) - 0.055
    };
    (c.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// Halves `image` in both directions (an odd last row or column is dropped).
pub fn downsample_2x(image: &RgbaImage) -> RgbaImage {
    let (w, h) = (image.width() / 2, image.height() / 2);
    RgbaImage::from_fn(w.max(1), h.max(1), |x, y| {
        let mut sum = [0.0f32; 4];
        for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            let (sx, sy) = (
                (2 * x + dx).min(image.width() - 1),
                (2 * y + dy).min(image.height() - 1),
            );
            let p = image.get_pixel(sx, sy).0;
            for c in 0..3 {
                sum[c] += to_linear(p[c]);
            }
            sum[3] += p[3] as f32;
        }
        image::Rgba([
            to_srgb8(sum[0] / 4.0),
            to_srgb8(sum[1] / 4.0),
            to_srgb8(sum[2] / 4.0),
            (sum[3] / 4.0).round() as u8,
        ])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hard_edge_becomes_the_linear_average() {
        // Left column white, right column black: each output pixel averages one of each.
        let img = RgbaImage::from_fn(4, 2, |x, _| {
            if x % 2 == 0 {
                image::Rgba([255, 255, 255, 255])
            } else {
                image::Rgba([0, 0, 0, 255])
            }
        });
        let half = downsample_2x(&img);
        assert_eq!((half.width(), half.height()), (2, 1));
        // Half of white in linear light is sRGB 188, not 128.
        assert_eq!(half.get_pixel(0, 0).0, [188, 188, 188, 255]);
        let same = RgbaImage::from_pixel(2, 2, image::Rgba([10, 200, 30, 255]));
        assert_eq!(downsample_2x(&same).get_pixel(0, 0).0, [10, 200, 30, 255]);
    }
}
