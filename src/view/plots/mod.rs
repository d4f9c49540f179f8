//! Plots as plain images (no Bevy): the spike raster (rows, or a density image when rows
//! outnumber pixels), population rates, a probe's channels by depth, and the time cursor. The
//! window's raster panel and the movie frames' panels draw the same images.

pub mod probe_depth;
pub mod raster;
pub mod rates;
pub mod traces;

use image::{Rgba, RgbaImage};

/// The plots' background.
pub const PLOT_BACKGROUND: [u8; 3] = [10, 10, 16];

/// The time cursor's colour (as in the window).
pub const CURSOR: [u8; 3] = [255, 220, 90];

/// Column of time `t` in a plot of `width` pixels showing `[lo, hi)`; `None` outside.
pub fn time_column((lo, hi): (f64, f64), width: u32, t: f64) -> Option<u32> {
    let span = hi - lo;
    if span.is_nan() || span <= 0.0 || !t.is_finite() || t < lo || t > hi {
        return None;
    }
    let x = ((t - lo) / span * width as f64).floor() as u32;
    Some(x.min(width.saturating_sub(1)))
}

/// Draws the time cursor (2 pixels wide) at time `t` over a plot of `[lo, hi)`.
pub fn draw_cursor(img: &mut RgbaImage, window: (f64, f64), t: f64) {
    let Some(x) = time_column(window, img.width(), t) else {
        return;
    };
    for dx in 0..2u32 {
        let xx = x + dx;
        if xx >= img.width() {
            continue;
        }
        for y in 0..img.height() {
            img.put_pixel(xx, y, Rgba([CURSOR[0], CURSOR[1], CURSOR[2], 255]));
        }
    }
}

/// A plot-sized image filled with the plots' background.
pub fn blank(width: u32, height: u32) -> RgbaImage {
    let [r, g, b] = PLOT_BACKGROUND;
    RgbaImage::from_pixel(width.max(1), height.max(1), Rgba([r, g, b, 255]))
}
