//! What the session's `looks` asks for, checked and resolved for one adapter (no Bevy): colours
//! parsed, strengths clamped, the anti-aliasing mode, and on a software rasteriser the effects
//! that cannot keep an interactive frame rate switched off, with the reason.

use crate::session::Looks;
use crate::view::colors::parse_hex_color;

/// How edges are smoothed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Antialias {
    None,
    /// Multisampling of the 3D pass (GPU adapters; only while no effect reads the depth).
    Msaa,
    /// Fast approximate anti-aliasing: one full-screen pass, works on every adapter.
    Fxaa,
    /// 2x2 supersampling of movie frames (rendered at twice the size, averaged down); in the
    /// window, FXAA.
    Ssaa2,
}

impl Antialias {
    pub const ALL: [Self; 4] = [Self::None, Self::Msaa, Self::Fxaa, Self::Ssaa2];

    /// The spelling of sessions and of the UI.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Msaa => "msaa",
            Self::Fxaa => "fxaa",
            Self::Ssaa2 => "ssaa2",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == s)
    }
}

/// An effect of the looks, for the software budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    DepthShading,
    Fog,
    Outline,
    Glow,
    Antialias,
}

impl Effect {
    pub fn name(self) -> &'static str {
        match self {
            Self::DepthShading => "depth shading",
            Self::Fog => "depth cueing",
            Self::Outline => "outline",
            Self::Glow => "glow",
            Self::Antialias => "anti-aliasing",
        }
    }
}

/// Effects switched off in the window on a software rasteriser, so that all somata of the
/// 230,924-neuron column keep 2 frames per second at 1280x720 with every other look on
/// (`examples/bench_looks.rs` measures each). None at present: with every look on, the column
/// costs 1.4 times the CPU time of plain drawing, about 2.5 frames per second on two otherwise
/// idle cores. Rendered frames (movies, screenshots) keep everything anyway.
pub const TOO_SLOW_ON_SOFTWARE: &[Effect] = &[];

/// The looks as drawn: colours parsed (sRGB), strengths in range.
#[derive(Clone, Debug, PartialEq)]
pub struct ResolvedLooks {
    /// sRGB, the bottom of the gradient.
    pub background: [f32; 3],
    /// sRGB, the top of a vertical gradient.
    pub background_top: Option<[f32; 3]>,
    /// Eye-dome lighting strength, 0..
    pub depth_shading: f32,
    /// 0..1
    pub fog: f32,
    pub outline: bool,
    /// Bloom strength, 0..
    pub glow: f32,
    pub antialias: Antialias,
    /// What was not taken as asked and why (a bad colour, an effect off on this adapter).
    pub notes: Vec<String>,
}

impl ResolvedLooks {
    /// `looks` as drawn on an adapter (`software`: a CPU rasteriser). `interactive`: a window
    /// (it must keep its frame rate; rendered frames need not). `allow_slow`: draw even what a
    /// software rasteriser cannot keep at 2 frames per second.
    pub fn resolve(looks: &Looks, software: bool, interactive: bool, allow_slow: bool) -> Self {
        let mut notes = Vec::new();
        let background = parse_hex_color(&looks.background).unwrap_or_else(|| {
            notes.push(format!(
                "background '{}' is not #rrggbb: black",
                looks.background
            ));
            [0.0; 3]
        });
        let background_top = looks.background_top.as_ref().and_then(|s| {
            let c = parse_hex_color(s);
            if c.is_none() {
                notes.push(format!("background_top '{s}' is not #rrggbb: no gradient"));
            }
            c
        });
        let strength = |v: f32, max: f32| {
            if v.is_finite() {
                v.clamp(0.0, max)
            } else {
                0.0
            }
        };
        let antialias = Antialias::parse(&looks.antialias).unwrap_or_else(|| {
            notes.push(format!(
                "antialias '{}' is none of none, msaa, fxaa, ssaa2: none",
                looks.antialias
            ));
            Antialias::None
        });
        let mut out = Self {
            background,
            background_top,
            depth_shading: strength(looks.depth_shading, 10.0),
            fog: strength(looks.fog, 1.0),
            outline: looks.outline,
            glow: strength(looks.glow, 10.0),
            antialias,
            notes,
        };
        if software && interactive && !allow_slow {
            for &effect in TOO_SLOW_ON_SOFTWARE {
                if out.switch_off(effect) {
                    out.notes.push(format!(
                        "{} is off on this software renderer (it cannot keep 2 frames per \
                         second there)",
                        effect.name()
                    ));
                }
            }
        }
        if software && out.antialias == Antialias::Msaa {
            out.antialias = Antialias::Fxaa;
            out.notes
                .push("MSAA is slow on a software renderer: FXAA instead".to_owned());
        }
        out
    }

    /// Switches `effect` off; whether it was on.
    fn switch_off(&mut self, effect: Effect) -> bool {
        let on = self.is_on(effect);
        match effect {
            Effect::DepthShading => self.depth_shading = 0.0,
            Effect::Fog => self.fog = 0.0,
            Effect::Outline => self.outline = false,
            Effect::Glow => self.glow = 0.0,
            Effect::Antialias => self.antialias = Antialias::None,
        }
        on
    }

    pub fn is_on(&self, effect: Effect) -> bool {
        match effect {
            Effect::DepthShading => self.depth_shading > 0.0,
            Effect::Fog => self.fog > 0.0,
            Effect::Outline => self.outline,
            Effect::Glow => self.glow > 0.0,
            Effect::Antialias => self.antialias != Antialias::None,
        }
    }

    /// Whether a full-screen pass runs for the depth effects or the gradient.
    pub fn reads_depth(&self) -> bool {
        self.depth_shading > 0.0 || self.fog > 0.0 || self.outline
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_are_parsed_and_clamped() {
        let looks = Looks {
            background: "#ff8000".into(),
            background_top: Some("#0000ff".into()),
            depth_shading: 50.0,
            fog: -1.0,
            outline: true,
            glow: f32::NAN,
            antialias: "fxaa".into(),
            exact_depth: None,
        };
        let r = ResolvedLooks::resolve(&looks, false, true, false);
        assert_eq!(r.background, [1.0, 128.0 / 255.0, 0.0]);
        assert_eq!(r.background_top, Some([0.0, 0.0, 1.0]));
        assert_eq!((r.depth_shading, r.fog, r.glow), (10.0, 0.0, 0.0));
        assert_eq!(r.antialias, Antialias::Fxaa);
        assert!(r.notes.is_empty(), "{:?}", r.notes);
        assert!(r.reads_depth());
    }

    #[test]
    fn bad_values_are_said_and_replaced() {
        let looks = Looks {
            background: "red".into(),
            background_top: Some("#12".into()),
            antialias: "taa".into(),
            ..Default::default()
        };
        let r = ResolvedLooks::resolve(&looks, false, true, false);
        assert_eq!(r.background, [0.0; 3]);
        assert_eq!(r.background_top, None);
        assert_eq!(r.antialias, Antialias::None);
        assert_eq!(r.notes.len(), 3, "{:?}", r.notes);
    }

    #[test]
    fn a_software_renderer_gets_fxaa_for_msaa() {
        let looks = Looks {
            antialias: "msaa".into(),
            ..Default::default()
        };
        assert_eq!(
            ResolvedLooks::resolve(&looks, false, true, false).antialias,
            Antialias::Msaa
        );
        let r = ResolvedLooks::resolve(&looks, true, true, false);
        assert_eq!(r.antialias, Antialias::Fxaa);
        assert_eq!(r.notes.len(), 1);
    }

    #[test]
    fn a_software_window_switches_off_what_is_too_slow_there_and_says_so() {
        let looks = Looks {
            glow: 1.0,
            depth_shading: 1.0,
            ..Default::default()
        };
        let window = ResolvedLooks::resolve(&looks, true, true, false);
        for effect in TOO_SLOW_ON_SOFTWARE {
            assert!(!window.is_on(*effect), "{effect:?}");
        }
        assert_eq!(window.notes.len(), TOO_SLOW_ON_SOFTWARE.len());
        assert!(
            window
                .notes
                .iter()
                .all(|n| n.contains("2 frames per second"))
        );
        // What is not too slow stays; rendered frames, a GPU or "anyway" keep everything.
        assert_eq!(window.depth_shading, 1.0);
        for (software, interactive, allow_slow) in [
            (true, false, false),
            (false, true, false),
            (true, true, true),
        ] {
            let r = ResolvedLooks::resolve(&looks, software, interactive, allow_slow);
            assert_eq!((r.glow, r.depth_shading), (1.0, 1.0));
            assert!(r.notes.is_empty());
        }
    }
}
