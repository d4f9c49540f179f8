//! A probe's channels by depth: events per channel and time bin as a heat map, the channel
//! nearest the surface at the top.

use image::{Rgba, RgbaImage};

use super::blank;
use crate::view::colors::{srgb8, viridis};

/// `counts[c * bins + b]` (events of channel `c` in time bin `b`) drawn with channels ordered
/// by `heights` (distance from the tip, µm: the highest at the top) over `width` x `height`.
pub fn depth_image(
    counts: &[u32],
    heights: &[f64],
    bins: usize,
    width: u32,
    height: u32,
) -> RgbaImage {
    let mut img = blank(width, height);
    let channels = heights.len();
    if channels == 0 || bins == 0 || counts.len() < channels * bins {
        return img;
    }
    let (lo, hi) = heights
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &h| {
            (a.min(h), b.max(h))
        });
    let top = counts.iter().copied().max().unwrap_or(0).max(1) as f32;
    let (w, h) = (img.width(), img.height());
    let band = ((h as f64 / channels as f64).ceil() as u32).max(1);
    for (c, &z) in heights.iter().enumerate() {
        let y0 = if hi > lo {
            ((hi - z) / (hi - lo) * (h - band) as f64) as u32
        } else {
            0
        };
        for x in 0..w {
            let b = (x as usize * bins / w as usize).min(bins - 1);
            let n = counts[c * bins + b];
            if n == 0 {
                continue;
            }
            let v = (1.0 + n as f32).ln() / (1.0 + top).ln();
            let [r, g, bl] = srgb8(viridis(v));
            for y in y0..(y0 + band).min(h) {
                img.put_pixel(x, y, Rgba([r, g, bl, 255]));
            }
        }
    }
    img
}
