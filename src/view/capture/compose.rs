//! A movie frame put together: the 3D view in its cell, the plot panels (drawn once per movie,
//! the time cursor per frame) and the title band.

use image::{Rgba, RgbaImage, imageops};

use super::font;
use super::layout::{Layout, PanelKind, PixelRect, frame_rects, title_band};
use crate::view::plots::traces::TraceLine;
use crate::view::plots::{self, blank, draw_cursor, raster::RasterMode};
use crate::view::probe::probe_view::{ProbeView, activity_by_depth};
use crate::view::scene::{NeuronInstance, Rates, Scene};

const FRAME_BACKGROUND: [u8; 3] = [0, 0, 0];
const HEADING: [u8; 3] = [200, 200, 200];
const AXIS: [u8; 3] = [150, 150, 150];

/// A plot panel's picture without its cursor, and where its data area lies in the panel.
#[derive(Clone)]
struct PanelPicture {
    kind: PanelKind,
    rect: PixelRect,
    /// The whole panel, heading and axis labels included.
    image: RgbaImage,
    /// The plot's data area inside the panel (the cursor is drawn there).
    plot: PixelRect,
}

/// What the panels show: the data and the time window they span.
pub struct PanelData<'a> {
    pub scene: &'a Scene,
    pub instances: &'a [NeuronInstance],
    pub rates: &'a Rates,
    pub probe: Option<&'a ProbeView>,
    /// Time window of the plots, ms.
    pub window: (f64, f64),
    /// The traces of the named neurons (`population:node_id`; none named: a default few).
    pub traces: Option<&'a TraceSource<'a>>,
}

/// Reads the traces of neurons named `population:node_id` over a time window.
pub type TraceSource<'a> = dyn Fn(&[String], (f64, f64)) -> anyhow::Result<Vec<TraceLine>> + 'a;

/// Frames of one layout and size: the panels drawn once, composed with each 3D view.
pub struct FrameComposer {
    width: u32,
    height: u32,
    title: Option<String>,
    view: PixelRect,
    window: (f64, f64),
    panels: Vec<PanelPicture>,
}

impl FrameComposer {
    /// Lays out a `width` x `height` frame and draws its plot panels from `data`.
    pub fn new(
        layout: &Layout,
        width: u32,
        height: u32,
        title: Option<&str>,
        data: &PanelData,
    ) -> Self {
        let rects = frame_rects(layout, width, height, title);
        let view = rects.iter().find(|(k, _)| *k == PanelKind::View3d).map_or(
            PixelRect {
                x: 0,
                y: 0,
                width,
                height,
            },
            |(_, r)| *r,
        );
        // `frame_rects` keeps the order of the layout's panels.
        let panels = rects
            .iter()
            .zip(&layout.panels)
            .filter(|((k, _), _)| *k != PanelKind::View3d)
            .map(|((k, r), p)| draw_panel(*k, *r, &p.neurons, data))
            .collect();
        Self {
            width,
            height,
            title: title.map(str::to_owned),
            view,
            window: data.window,
            panels,
        }
    }

    /// Frames that are the 3D view alone.
    pub fn view_only(width: u32, height: u32) -> Self {
        Self {
            width,
            height,
            title: None,
            view: PixelRect {
                x: 0,
                y: 0,
                width,
                height,
            },
            window: (0.0, 1.0),
            panels: Vec::new(),
        }
    }

    /// Where the 3D view goes (render it at this size).
    pub fn view_rect(&self) -> PixelRect {
        self.view
    }

    /// Whether the frame is the 3D view alone (nothing to compose).
    pub fn is_view_only(&self) -> bool {
        self.panels.is_empty() && self.title.is_none() && self.view.width == self.width
    }

    /// The movie frame at model time `t` around the 3D view `view` (of [`Self::view_rect`]'s
    /// size); `title` replaces the layout's title when given.
    pub fn compose(&self, view: &RgbaImage, t: f64) -> RgbaImage {
        if self.is_view_only() && view.width() == self.width && view.height() == self.height {
            return view.clone();
        }
        let [r, g, b] = FRAME_BACKGROUND;
        let mut frame = RgbaImage::from_pixel(self.width, self.height, Rgba([r, g, b, 255]));
        imageops::replace(&mut frame, view, self.view.x as i64, self.view.y as i64);
        for p in &self.panels {
            let mut panel = p.image.clone();
            let mut plot =
                imageops::crop(&mut panel, p.plot.x, p.plot.y, p.plot.width, p.plot.height)
                    .to_image();
            draw_cursor(&mut plot, self.window, t);
            imageops::replace(&mut panel, &plot, p.plot.x as i64, p.plot.y as i64);
            imageops::replace(&mut frame, &panel, p.rect.x as i64, p.rect.y as i64);
        }
        if let Some(title) = &self.title {
            let band = title_band(self.height, Some(title));
            let scale = (band / 10).max(1);
            let tw = font::text_width(title, scale) as i64;
            let y = (band as i64 - 7 * scale as i64) / 2;
            font::draw_text(
                &mut frame,
                (self.width as i64 - tw) / 2,
                y,
                title,
                scale,
                [240, 240, 240],
            );
        }
        frame
    }

    /// The plot area of the first panel of `kind`, in frame pixels (for checks).
    pub fn plot_rect(&self, kind: PanelKind) -> Option<PixelRect> {
        self.panels
            .iter()
            .find(|p| p.kind == kind)
            .map(|p| PixelRect {
                x: p.rect.x + p.plot.x,
                y: p.rect.y + p.plot.y,
                width: p.plot.width,
                height: p.plot.height,
            })
    }

    pub fn window(&self) -> (f64, f64) {
        self.window
    }
}

/// The text scale of a panel of `rect`'s size.
fn panel_scale(rect: PixelRect) -> u32 {
    (rect.height.min(rect.width * 9 / 16) / 240).max(1)
}

/// Where the plot's data area lies in a panel of `rect`'s size (relative to the panel):
/// below the heading, above the time labels.
pub fn plot_area(rect: PixelRect) -> PixelRect {
    let scale = panel_scale(rect);
    let (line, margin) = (10 * scale, 4 * scale);
    PixelRect {
        x: margin,
        y: line + margin,
        width: rect.width.saturating_sub(2 * margin).max(1),
        height: rect.height.saturating_sub(2 * line + 2 * margin).max(1),
    }
}

/// A panel: heading at the top, time labels at the bottom, the plot between.
fn draw_panel(
    kind: PanelKind,
    rect: PixelRect,
    neurons: &[String],
    data: &PanelData,
) -> PanelPicture {
    let scale = panel_scale(rect);
    let margin = 4 * scale;
    let mut image = blank(rect.width, rect.height);
    let plot = plot_area(rect);
    let (w, h) = (plot.width, plot.height);
    let picture = match kind {
        PanelKind::Raster => plots::raster::scene_raster(
            data.scene,
            data.instances,
            data.window,
            w,
            h,
            RasterMode::Auto,
        ),
        PanelKind::Rates => plots::rates::rates_image(data.rates, data.window, w, h),
        PanelKind::Probe => match data.probe {
            Some(probe) => {
                let heights = probe.channel_heights();
                let (lo, hi) = data.window;
                let bins = w as usize;
                let events = probe.events(data.scene, lo, hi);
                let counts = activity_by_depth(&events, heights.len(), lo, hi, bins);
                plots::probe_depth::depth_image(&counts, &heights, bins, w, h)
            }
            None => {
                let mut img = blank(w, h);
                font::draw_text(&mut img, 4, 4, "no probe", scale, AXIS);
                img
            }
        },
        PanelKind::Traces => {
            let lines = match data.traces {
                Some(source) => source(neurons, data.window),
                None => Err(anyhow::anyhow!("no report")),
            };
            match lines {
                Ok(lines) => plots::traces::traces_image(&lines, data.window, w, h),
                Err(e) => {
                    // Said in the panel (a movie frame has nowhere else to say it) and logged.
                    eprintln!("traces panel: {e:#}");
                    let mut img = blank(w, h);
                    font::draw_text(&mut img, 4, 4, &format!("{e:#}"), scale, AXIS);
                    img
                }
            }
        }
        PanelKind::View3d => blank(w, h),
    };
    imageops::replace(&mut image, &picture, plot.x as i64, plot.y as i64);
    font::draw_text(
        &mut image,
        margin as i64,
        (margin / 2) as i64,
        kind.heading(),
        scale,
        HEADING,
    );
    let (lo, hi) = data.window;
    let bottom = (plot.y + plot.height + margin / 2) as i64;
    font::draw_text(
        &mut image,
        margin as i64,
        bottom,
        &format!("{lo:.0} ms"),
        scale,
        AXIS,
    );
    let right = format!("{hi:.0} ms");
    let tw = font::text_width(&right, scale) as i64;
    font::draw_text(
        &mut image,
        (plot.x + plot.width) as i64 - tw,
        bottom,
        &right,
        scale,
        AXIS,
    );
    PanelPicture {
        kind,
        rect,
        image,
        plot,
    }
}
