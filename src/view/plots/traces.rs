//! Traces of single neurons (e.g. membrane potential from a report) over time, one line each
//! in its colour, on a shared value axis.

use image::RgbaImage;

use super::blank;
use super::rates::line;
use crate::view::capture::font;
use crate::view::colors::srgb8;

/// One neuron's values: the first at `t0`, then every `dt` ms.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceLine {
    pub label: String,
    pub color: [f32; 3],
    pub t0: f64,
    pub dt: f64,
    pub values: Vec<f32>,
}

/// The value range of `lines` (finite values), padded by 5 % each side.
pub fn value_range(lines: &[TraceLine]) -> Option<(f64, f64)> {
    let (lo, hi) = lines
        .iter()
        .flat_map(|l| l.values.iter().copied())
        .filter(|v| v.is_finite())
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if lo > hi {
        return None;
    }
    let pad = (0.05 * (hi - lo) as f64).max(1e-3);
    Some((lo as f64 - pad, hi as f64 + pad))
}

/// The traces over `[lo, hi)` ms on `width` x `height` pixels, labelled with their names and
/// the value range at the top left.
pub fn traces_image(
    lines: &[TraceLine],
    (lo, hi): (f64, f64),
    width: u32,
    height: u32,
) -> RgbaImage {
    let mut img = blank(width, height);
    let scale = (height / 120).max(1);
    let Some((vlo, vhi)) = value_range(lines) else {
        font::draw_text(&mut img, 4, 4, "no trace", scale, [200, 200, 200]);
        return img;
    };
    let (w, h) = (img.width() as f64, img.height() as f64);
    let span = (hi - lo).max(1e-9);
    for l in lines {
        let c = srgb8(l.color);
        let mut prev: Option<(f64, f64)> = None;
        for (k, &v) in l.values.iter().enumerate() {
            let t = l.t0 + k as f64 * l.dt;
            if t < lo || t > hi || !v.is_finite() {
                prev = None;
                continue;
            }
            let p = (
                (t - lo) / span * w,
                h - 1.0 - (v as f64 - vlo) / (vhi - vlo) * (h - 1.0),
            );
            if let Some(q) = prev {
                line(&mut img, q, p, c);
            }
            prev = Some(p);
        }
    }
    let step = 10 * scale as i64;
    font::draw_text(
        &mut img,
        4,
        4,
        &format!("{vlo:.1} to {vhi:.1}"),
        scale,
        [200, 200, 200],
    );
    for (k, l) in lines.iter().enumerate() {
        font::draw_text(
            &mut img,
            4,
            4 + step * (k as i64 + 1),
            &l.label,
            scale,
            srgb8(l.color),
        );
    }
    img
}
