//! The spike raster as an image: time across, one row per neuron down. When the rows fit, each
//! spike is a tick in its neuron's colour; when rows outnumber pixels, the raster is a density
//! image (datashader's idea): each pixel counts the spikes that fall into it and shows the mean
//! colour of their neurons, brighter with more spikes (log scale up to the most crowded
//! pixel), so layers and bursts of 230k neurons stay readable.

use image::{Rgba, RgbaImage};

use super::{PLOT_BACKGROUND, blank};
use crate::view::scene::{NeuronInstance, Scene};

/// How spikes become pixels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RasterMode {
    /// Rows when they fit, density otherwise.
    #[default]
    Auto,
    Rows,
    Density,
}

/// One spike: its row, its time (ms) and its row's colour (sRGB 0..1).
pub type RasterSpike = (usize, f64, [f32; 3]);

/// The spikes of the drawn neurons in `[lo, hi)`, one row per instance (hidden instances keep
/// their row and draw nothing).
pub fn scene_spikes<'a>(
    scene: &'a Scene,
    instances: &'a [NeuronInstance],
    (lo, hi): (f64, f64),
) -> impl Iterator<Item = RasterSpike> + 'a {
    scene.spikes.iter().flat_map(move |s| {
        s.index.window(lo, hi).filter_map(move |k| {
            let inst = *s.instance_of.get(s.index.node_ids[k] as usize)? as usize;
            let d = instances.get(inst).filter(|d| d.radius > 0.0)?;
            Some((inst, s.index.times[k], [d.color[0], d.color[1], d.color[2]]))
        })
    })
}

/// The raster of a scene's drawn neurons over `window`, `width` x `height` pixels.
pub fn scene_raster(
    scene: &Scene,
    instances: &[NeuronInstance],
    window: (f64, f64),
    width: u32,
    height: u32,
    mode: RasterMode,
) -> RgbaImage {
    raster_image(
        scene_spikes(scene, instances, window),
        instances.len(),
        window,
        width,
        height,
        mode,
    )
}

/// The raster of `spikes` over `rows` rows and the time window `[lo, hi)`.
pub fn raster_image(
    spikes: impl Iterator<Item = RasterSpike>,
    rows: usize,
    (lo, hi): (f64, f64),
    width: u32,
    height: u32,
    mode: RasterMode,
) -> RgbaImage {
    let (w, h) = (width.max(1) as usize, height.max(1) as usize);
    let n = rows.max(1);
    let density = match mode {
        RasterMode::Auto => n > h,
        RasterMode::Rows => false,
        RasterMode::Density => true,
    };
    let span = (hi - lo).max(1e-9);
    let column = |t: f64| {
        let x = ((t - lo) / span * w as f64).floor();
        (x >= 0.0 && x < w as f64).then_some(x as usize)
    };
    if !density {
        let mut img = blank(w as u32, h as u32);
        // Each row gets h / n pixels; a spike is a tick over most of them.
        let row_px = h as f64 / n as f64;
        let tick = ((row_px * 0.8).floor() as usize).max(1);
        for (row, t, color) in spikes {
            let Some(x) = column(t) else { continue };
            let top = ((row as f64 * row_px + 0.5 * (row_px - tick as f64)).floor()).max(0.0);
            let px = rgba(color);
            for y in (top as usize)..(top as usize + tick).min(h) {
                img.put_pixel(x as u32, y as u32, px);
            }
        }
        return img;
    }
    let mut counts = vec![0u32; w * h];
    let mut sums = vec![[0f32; 3]; w * h];
    for (row, t, color) in spikes {
        let Some(x) = column(t) else { continue };
        let y = ((row as f64 + 0.5) / n as f64 * h as f64) as usize;
        if y >= h {
            continue;
        }
        let i = y * w + x;
        counts[i] += 1;
        for c in 0..3 {
            sums[i][c] += color[c];
        }
    }
    shade_density(&counts, &sums, w, h)
}

/// Mean colour of each pixel's spikes, scaled by log(1 + count) / log(1 + the most crowded
/// pixel's count): the log scale keeps one spike visible beside a burst of thousands.
fn shade_density(counts: &[u32], sums: &[[f32; 3]], w: usize, h: usize) -> RgbaImage {
    let top = counts.iter().copied().max().unwrap_or(1).max(1) as f32;
    let norm = (1.0 + top).ln();
    let bg = PLOT_BACKGROUND.map(|c| c as f32 / 255.0);
    let mut img = blank(w as u32, h as u32);
    for (i, (&c, sum)) in counts.iter().zip(sums).enumerate() {
        if c == 0 {
            continue;
        }
        let v = ((1.0 + c as f32).ln() / norm).min(1.0);
        // At least a faint dot for a single spike.
        let v = 0.2 + 0.8 * v;
        let mean = sum.map(|s| s / c as f32);
        let color = [0, 1, 2].map(|k| bg[k] + (mean[k] - bg[k]) * v);
        img.put_pixel((i % w) as u32, (i / w) as u32, rgba(color));
    }
    img
}

fn rgba(c: [f32; 3]) -> Rgba<u8> {
    let [r, g, b] = crate::view::colors::srgb8(c);
    Rgba([r, g, b, 255])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brightness(img: &RgbaImage, x: u32) -> f64 {
        (0..img.height())
            .map(|y| {
                let p = img.get_pixel(x, y).0;
                p[0] as f64 + p[1] as f64 + p[2] as f64
            })
            .sum()
    }

    /// 100,000 neurons firing sparsely over 1 s, all of them at 600 ms (a burst): the burst's
    /// column is the brightest of the density raster, and far brighter than the quiet ones.
    #[test]
    fn density_raster_shows_a_burst_column_brighter() {
        let rows = 100_000usize;
        let mut spikes = Vec::new();
        // Quiet background: each neuron once, at a time spread over the second.
        for r in 0..rows {
            spikes.push((r, ((r * 7919) % 1000) as f64 + 0.25, [0.2, 0.6, 1.0]));
        }
        // The burst: every neuron within 2 ms of 600 ms.
        for r in 0..rows {
            spikes.push((r, 600.0 + (r % 20) as f64 * 0.1, [0.2, 0.6, 1.0]));
        }
        let (w, h) = (200u32, 100u32);
        let img = raster_image(
            spikes.into_iter(),
            rows,
            (0.0, 1000.0),
            w,
            h,
            RasterMode::Auto,
        );
        let burst_col = super::super::time_column((0.0, 1000.0), w, 600.0).unwrap_or(0);
        let burst = brightness(&img, burst_col);
        let quiet: Vec<f64> = (0..w)
            .filter(|&x| x.abs_diff(burst_col) > 1)
            .map(|x| brightness(&img, x))
            .collect();
        let brightest_quiet = quiet.iter().copied().fold(0.0, f64::max);
        assert!(
            burst > 2.0 * brightest_quiet,
            "burst column {burst} vs brightest quiet column {brightest_quiet}"
        );
        // Every quiet column still shows spikes (the density is not thresholded away).
        assert!(quiet.iter().all(|&b| b > brightness(&blank(w, h), 0)));
    }

    /// Few rows: each spike is a tick in its row's band, in its row's colour.
    #[test]
    fn rows_that_fit_are_drawn_one_by_one() {
        let spikes = vec![(0usize, 10.0, [1.0, 0.0, 0.0]), (3, 50.0, [0.0, 1.0, 0.0])];
        let img = raster_image(
            spikes.into_iter(),
            4,
            (0.0, 100.0),
            100,
            40,
            RasterMode::Auto,
        );
        // Row 0 spans y 0..10, row 3 spans 30..40; ticks of 8 pixels centred in them.
        assert_eq!(img.get_pixel(10, 5).0, [255, 0, 0, 255]);
        assert_eq!(img.get_pixel(50, 35).0, [0, 255, 0, 255]);
        assert_eq!(img.get_pixel(10, 35).0[..3], PLOT_BACKGROUND);
        assert_eq!(img.get_pixel(50, 5).0[..3], PLOT_BACKGROUND);
    }
}
