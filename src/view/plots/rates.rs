//! Population rates (Hz) over time as lines, one per population in its colour.

use image::RgbaImage;

use super::blank;
use crate::view::capture::font;
use crate::view::colors::srgb8;
use crate::view::scene::Rates;

/// The rates in `[lo, hi)` as lines over a `width` x `height` plot; the y axis runs from 0 to
/// 1.1 times the highest rate, labelled at the top left.
pub fn rates_image(rates: &Rates, (lo, hi): (f64, f64), width: u32, height: u32) -> RgbaImage {
    let mut img = blank(width, height);
    let (w, h) = (img.width() as f64, img.height() as f64);
    let max = rates
        .series
        .iter()
        .flat_map(|(_, _, v)| v.iter().copied())
        .fold(1.0f32, f32::max) as f64
        * 1.1;
    let span = (hi - lo).max(1e-9);
    for (_, color, values) in &rates.series {
        let c = srgb8(*color);
        let mut prev: Option<(f64, f64)> = None;
        for (b, &hz) in values.iter().enumerate() {
            let t = rates.t0 + (b as f64 + 0.5) * rates.bin_ms;
            if t < lo || t > hi {
                prev = None;
                continue;
            }
            let p = ((t - lo) / span * w, h - 1.0 - hz as f64 / max * (h - 1.0));
            if let Some(q) = prev {
                line(&mut img, q, p, c);
            }
            prev = Some(p);
        }
    }
    let scale = (height / 120).max(1);
    font::draw_text(
        &mut img,
        4,
        4,
        &format!("{:.0} Hz", max),
        scale,
        [200, 200, 200],
    );
    img
}

/// A line of 1-pixel dots from `a` to `b`.
pub fn line(img: &mut RgbaImage, a: (f64, f64), b: (f64, f64), c: [u8; 3]) {
    let steps = (b.0 - a.0).abs().max((b.1 - a.1).abs()).ceil().max(1.0) as usize;
    for s in 0..=steps {
        let f = s as f64 / steps as f64;
        let (x, y) = (a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f);
        if x >= 0.0 && y >= 0.0 && (x as u32) < img.width() && (y as u32) < img.height() {
            img.put_pixel(x as u32, y as u32, image::Rgba([c[0], c[1], c[2], 255]));
        }
    }
}
