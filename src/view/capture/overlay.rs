//! The time stamp, legend and scale bar burnt into a rendered frame with the bitmap font; what
//! they show is computed by [`crate::view::legend`], as in the window.

use image::RgbaImage;

use crate::view::capture::font;
use crate::view::colors::srgb8;
use crate::view::legend::{Annotations, Swatch};

const TEXT: [u8; 3] = [230, 230, 230];
/// How much the backing under each block of text darkens the scene.
const BACKING: f32 = 0.6;

/// Time stamp (bottom left), legend (top left) and scale bar (bottom right).
pub fn burn_overlay(img: &mut RgbaImage, t: f64, annotations: &Annotations) {
    let scale = (img.height() / 360).max(1);
    let s = scale as i64;
    let line = 10 * s;
    let h = img.height() as i64;
    let w = img.width() as i64;
    let stamp = format!("t = {t:.1} ms");
    let pad = 3 * s;
    font::shade_rect(
        img,
        line - pad,
        h - 2 * line - pad,
        font::text_width(&stamp, scale + 1) as i64 + 2 * pad,
        7 * (s + 1) + 2 * pad,
        BACKING,
    );
    font::draw_text(img, line, h - 2 * line, &stamp, scale + 1, [255, 255, 255]);
    let legend_width = annotations
        .rows
        .iter()
        .map(|row| {
            let swatch = match &row.swatch {
                Swatch::Solid(_) => 10 * s,
                Swatch::Ramp(colors) => (colors.len() as i64 + 4) * s,
            };
            swatch + font::text_width(&row.text, scale) as i64
        })
        .max()
        .unwrap_or(0);
    let legend_rows = annotations.rows.len() as i64 + i64::from(annotations.more > 0);
    if legend_rows > 0 {
        font::shade_rect(
            img,
            line - pad,
            line - pad,
            legend_width + 2 * pad,
            legend_rows * line + 2 * pad - 3 * s,
            BACKING,
        );
    }
    let mut y = line;
    for row in &annotations.rows {
        let text_x = match &row.swatch {
            Swatch::Solid(color) => {
                font::fill_rect(img, line, y, 7 * s, 7 * s, srgb8(*color));
                line + 10 * s
            }
            Swatch::Ramp(colors) => {
                for (k, c) in colors.iter().enumerate() {
                    font::fill_rect(img, line + k as i64 * s, y, s, 7 * s, srgb8(*c));
                }
                line + (colors.len() as i64 + 4) * s
            }
        };
        font::draw_text(img, text_x, y, &row.text, scale, TEXT);
        y += line;
    }
    if annotations.more > 0 {
        let more = format!("+ {} more", annotations.more);
        font::draw_text(img, line, y, &more, scale, [200, 200, 200]);
    }
    let bar = annotations.scale_bar;
    let px = bar.length_px as i64;
    let label = bar.label();
    let tw = font::text_width(&label, scale) as i64;
    let block = px.max(tw);
    font::shade_rect(
        img,
        w - line - px / 2 - block / 2 - pad,
        h - 3 * line - pad,
        block + 2 * pad,
        line + 5 * s + 2 * pad,
        BACKING,
    );
    font::fill_rect(img, w - line - px, h - 2 * line + 3 * s, px, 2 * s, TEXT);
    font::draw_text(
        img,
        w - line - px / 2 - tw / 2,
        h - 3 * line,
        &label,
        scale,
        TEXT,
    );
}
