//! The time stamp, legend and scale bar burnt into a rendered frame with the bitmap font; what
//! they show is computed by [`crate::view::legend`], as in the window.

use image::RgbaImage;

use crate::view::capture::font;
use crate::view::colors::srgb8;
use crate::view::legend::{Annotations, Swatch};

const TEXT: [u8; 3] = [230, 230, 230];

/// Time stamp (bottom left), legend (top left) and scale bar (bottom right).
pub fn burn_overlay(img: &mut RgbaImage, t: f64, annotations: &Annotations) {
    let scale = (img.height() / 360).max(1);
    let s = scale as i64;
    let line = 10 * s;
    let h = img.height() as i64;
    let w = img.width() as i64;
    font::draw_text(
        img,
        line,
        h - 2 * line,
        &format!("t = {t:.1} ms"),
        scale + 1,
        [255, 255, 255],
    );
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
    font::fill_rect(img, w - line - px, h - 2 * line + 3 * s, px, 2 * s, TEXT);
    let label = bar.label();
    let tw = font::text_width(&label, scale) as i64;
    font::draw_text(
        img,
        w - line - px / 2 - tw / 2,
        h - 3 * line,
        &label,
        scale,
        TEXT,
    );
}
