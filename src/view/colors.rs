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

/// Colours of the morphology section types (SWC types 1..4: soma, axon, basal and apical
/// dendrite), one hue each as NeuroMorphoVis colours them; other types are [`MISSING`].
pub const SECTION_TYPE_COLORS: [(u8, &str, [f32; 3]); 4] = [
    (1, "soma", [0.96, 0.84, 0.26]),
    (2, "axon", [0.27, 0.58, 1.0]),
    (3, "basal dendrite", [0.92, 0.26, 0.24]),
    (4, "apical dendrite", [0.74, 0.38, 0.96]),
];

/// The colour of SWC section type `ty` ([`SECTION_TYPE_COLORS`]).
pub fn section_type_color(ty: u8) -> [f32; 3] {
    SECTION_TYPE_COLORS
        .iter()
        .find(|(t, _, _)| *t == ty)
        .map_or(MISSING, |(_, _, c)| *c)
}

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
    Colormap::Viridis.map(t)
}

/// A colormap from 0..1 to sRGB 0..1: matplotlib's published tables of 256 colours
/// ([`crate::view::colormap_tables`]), sampled as matplotlib samples them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Colormap {
    #[default]
    Viridis,
    Magma,
    Inferno,
    Plasma,
    /// Viridis made readable with colour-vision deficiencies (Nuñez et al. 2018).
    Cividis,
    /// Google's rainbow (Mikhailov 2019): high contrast, not perceptually uniform.
    Turbo,
    /// Moreland's diverging blue through grey to red (rest potential to spike).
    Coolwarm,
    /// ColorBrewer's diverging blue through white to red (matplotlib's `RdBu_r`).
    RdBu,
    Grays,
}

impl Colormap {
    pub const ALL: [Colormap; 9] = [
        Colormap::Viridis,
        Colormap::Magma,
        Colormap::Inferno,
        Colormap::Plasma,
        Colormap::Cividis,
        Colormap::Turbo,
        Colormap::Coolwarm,
        Colormap::RdBu,
        Colormap::Grays,
    ];

    /// The spelling of `--colormap`, sessions' `"colormap"` and the UI.
    pub fn name(self) -> &'static str {
        match self {
            Colormap::Viridis => "viridis",
            Colormap::Magma => "magma",
            Colormap::Inferno => "inferno",
            Colormap::Plasma => "plasma",
            Colormap::Cividis => "cividis",
            Colormap::Turbo => "turbo",
            Colormap::Coolwarm => "coolwarm",
            Colormap::RdBu => "rdbu",
            Colormap::Grays => "grays",
        }
    }

    /// Parses [`Colormap::name`], in any case; matplotlib's spellings `RdBu_r`, `gray`,
    /// `grey` and `greys` are taken too.
    pub fn parse(s: &str) -> Option<Self> {
        let lower = s.trim().to_ascii_lowercase();
        match lower.as_str() {
            "rdbu_r" => Some(Colormap::RdBu),
            "gray" | "grey" | "greys" => Some(Colormap::Grays),
            _ => Self::ALL.into_iter().find(|m| m.name() == lower),
        }
    }

    /// The names of all colormaps, for messages.
    pub fn names() -> String {
        let names: Vec<&str> = Self::ALL.iter().map(|m| m.name()).collect();
        names.join(", ")
    }

    fn table(self) -> &'static [[u8; 3]; 256] {
        use crate::view::colormap_tables as t;
        match self {
            Colormap::Viridis => &t::VIRIDIS,
            Colormap::Magma => &t::MAGMA,
            Colormap::Inferno => &t::INFERNO,
            Colormap::Plasma => &t::PLASMA,
            Colormap::Cividis => &t::CIVIDIS,
            Colormap::Turbo => &t::TURBO,
            Colormap::Coolwarm => &t::COOLWARM,
            Colormap::RdBu => &t::RDBU,
            Colormap::Grays => &t::GRAYS,
        }
    }

    /// The colour at `t` (clamped to 0..1; not finite: the lowest colour): table entry
    /// `floor(t * 256)`, the last one at 1, as matplotlib's `cmap(t)`.
    pub fn map(self, t: f32) -> [f32; 3] {
        let t = if t.is_finite() {
            t.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let table = self.table();
        let i = ((t * table.len() as f32) as usize).min(table.len() - 1);
        table[i].map(|c| f32::from(c) / 255.0)
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
    fn every_name_parses_back() {
        for m in Colormap::ALL {
            assert_eq!(Colormap::parse(m.name()), Some(m));
            assert_eq!(Colormap::parse(&m.name().to_uppercase()), Some(m));
        }
        assert_eq!(Colormap::parse("RdBu_r"), Some(Colormap::RdBu));
        assert_eq!(Colormap::parse("gray"), Some(Colormap::Grays));
        assert_eq!(Colormap::parse("jet"), None);
    }

    #[test]
    fn eight_bit_channels_clamp() {
        assert_eq!(srgb8([0.0, 0.5, 1.0]), [0, 127, 255]);
        assert_eq!(srgb8([-1.0, 2.0, f32::NAN]), [0, 255, 0]);
        assert_eq!(parse_hex_color("#ff8000"), Some([1.0, 128.0 / 255.0, 0.0]));
        assert_eq!(parse_hex_color("ff8000"), None);
    }
}
