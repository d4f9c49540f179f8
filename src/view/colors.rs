//! Colours of the viewer (no Bevy): the categorical palette, colormaps, `#rrggbb` parsing and
//! the conversions to 8-bit and egui colours. All colours are sRGB in 0..1.

use bevy_egui::egui;

/// Grey for nodes that lack the attribute being coloured by.
pub const MISSING: [f32; 3] = [0.35, 0.35, 0.35];

/// Presynaptic partners of the picked neuron in 3D.
pub const PRE_COLOR: [f32; 3] = [0.25, 0.62, 1.0];
/// Postsynaptic partners.
pub const POST_COLOR: [f32; 3] = [1.0, 0.45, 0.12];
/// Partners both ways (reciprocal).
pub const BOTH_COLOR: [f32; 3] = [0.9, 0.3, 0.95];

/// A categorical palette (Glasbey-like, distinct on a dark background), sRGB.
const PALETTE: [[u8; 3]; 20] = [
    [31, 119, 180],
    [255, 127, 14],
    [44, 160, 44],
    [214, 39, 40],
    [148, 103, 189],
    [140, 86, 75],
    [227, 119, 194],
    [188, 189, 34],
    [23, 190, 207],
    [174, 199, 232],
    [255, 187, 120],
    [152, 223, 138],
    [255, 152, 150],
    [197, 176, 213],
    [196, 156, 148],
    [247, 182, 210],
    [219, 219, 141],
    [158, 218, 229],
    [255, 255, 102],
    [102, 194, 165],
];

/// Colour `i` of the categorical palette, in sRGB 0..1: 20 hand-picked colours, then hues a
/// golden angle apart at alternating saturation and value.
pub fn categorical(i: usize) -> [f32; 3] {
    if let Some(c) = PALETTE.get(i) {
        return [
            c[0] as f32 / 255.0,
            c[1] as f32 / 255.0,
            c[2] as f32 / 255.0,
        ];
    }
    let k = (i - PALETTE.len()) as f32;
    let hue = (k * 137.507_77 + 15.0) % 360.0;
    let (s, v) = if i.is_multiple_of(2) {
        (0.55, 0.95)
    } else {
        (0.8, 0.75)
    };
    hsv(hue, s, v)
}

fn hsv(h: f32, s: f32, v: f32) -> [f32; 3] {
    let c = v * s;
    let x = c * (1.0 - ((h / 60.0) % 2.0 - 1.0).abs());
    let m = v - c;
    let (r, g, b) = match (h / 60.0) as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    [r + m, g + m, b + m]
}

/// The viridis colormap at `t` in 0..1, sRGB 0..1.
pub fn viridis(t: f32) -> [f32; 3] {
    const STOPS: [[f32; 3]; 9] = [
        [0.267, 0.005, 0.329],
        [0.283, 0.141, 0.458],
        [0.254, 0.265, 0.530],
        [0.207, 0.372, 0.553],
        [0.164, 0.471, 0.558],
        [0.128, 0.567, 0.551],
        [0.135, 0.659, 0.518],
        [0.267, 0.749, 0.441],
        [0.993, 0.906, 0.144],
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = t * (STOPS.len() - 1) as f32;
    let i = (x.floor() as usize).min(STOPS.len() - 2);
    let f = x - i as f32;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    [
        a[0] + (b[0] - a[0]) * f,
        a[1] + (b[1] - a[1]) * f,
        a[2] + (b[2] - a[2]) * f,
    ]
}

/// A colormap from 0..1 to sRGB 0..1.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Colormap {
    #[default]
    Viridis,
    /// Blue through white to red (diverging: rest potential to spike).
    Coolwarm,
    Grays,
}

impl Colormap {
    pub const ALL: [Colormap; 3] = [Colormap::Viridis, Colormap::Coolwarm, Colormap::Grays];

    pub fn name(self) -> &'static str {
        match self {
            Colormap::Viridis => "viridis",
            Colormap::Coolwarm => "coolwarm",
            Colormap::Grays => "grays",
        }
    }

    /// The colour at `t` (clamped to 0..1; not finite: the lowest colour).
    pub fn map(self, t: f32) -> [f32; 3] {
        let t = if t.is_finite() {
            t.clamp(0.0, 1.0)
        } else {
            0.0
        };
        match self {
            Colormap::Viridis => viridis(t),
            Colormap::Grays => {
                let g = 0.12 + 0.88 * t;
                [g, g, g]
            }
            Colormap::Coolwarm => {
                const COOL: [f32; 3] = [0.23, 0.30, 0.75];
                const MID: [f32; 3] = [0.87, 0.87, 0.87];
                const WARM: [f32; 3] = [0.71, 0.02, 0.15];
                let (a, b, f) = if t < 0.5 {
                    (COOL, MID, t * 2.0)
                } else {
                    (MID, WARM, t * 2.0 - 1.0)
                };
                [
                    a[0] + (b[0] - a[0]) * f,
                    a[1] + (b[1] - a[1]) * f,
                    a[2] + (b[2] - a[2]) * f,
                ]
            }
        }
    }

    /// The colour of `v` over `(lo, hi)`.
    pub fn of(self, v: f64, (lo, hi): (f64, f64)) -> [f32; 3] {
        self.map(((v - lo) / (hi - lo).max(1e-12)) as f32)
    }
}

/// `#rrggbb` to sRGB 0..1.
pub fn parse_hex_color(s: &str) -> Option<[f32; 3]> {
    let h = s.strip_prefix('#')?;
    if h.len() != 6 {
        return None;
    }
    let v = u32::from_str_radix(h, 16).ok()?;
    Some([
        ((v >> 16) & 255) as f32 / 255.0,
        ((v >> 8) & 255) as f32 / 255.0,
        (v & 255) as f32 / 255.0,
    ])
}

/// An sRGB colour in 0..1 as 8-bit channels (clamped; not a number: 0).
pub fn srgb8(c: [f32; 3]) -> [u8; 3] {
    [
        (c[0].clamp(0.0, 1.0) * 255.0) as u8,
        (c[1].clamp(0.0, 1.0) * 255.0) as u8,
        (c[2].clamp(0.0, 1.0) * 255.0) as u8,
    ]
}

/// An sRGB colour in 0..1 as egui's colour.
pub fn color32(c: [f32; 3]) -> egui::Color32 {
    let [r, g, b] = srgb8(c);
    egui::Color32::from_rgb(r, g, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colormaps_span_their_ends() {
        for m in Colormap::ALL {
            assert_ne!(m.map(0.0), m.map(1.0), "{}", m.name());
            assert_eq!(m.map(-3.0), m.map(0.0));
            assert_eq!(m.map(f32::NAN), m.map(0.0));
        }
        assert_eq!(Colormap::Viridis.of(5.0, (0.0, 10.0)), viridis(0.5));
    }

    #[test]
    fn eight_bit_channels_clamp() {
        assert_eq!(srgb8([0.0, 0.5, 1.0]), [0, 127, 255]);
        assert_eq!(srgb8([-1.0, 2.0, f32::NAN]), [0, 255, 0]);
        assert_eq!(parse_hex_color("#ff8000"), Some([1.0, 128.0 / 255.0, 0.0]));
        assert_eq!(parse_hex_color("ff8000"), None);
    }
}
