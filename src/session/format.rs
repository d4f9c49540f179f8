//! The session file's types (`*.cvsession.json`): everything needed to reproduce what is on
//! screen, and a story of keyframes over it. Plain serde data, no Bevy: the viewer applies
//! and captures them, `render` draws them. The layout is documented in `docs/session-format.md`.
//!
//! Every struct reads with defaults for what it omits, so an old or hand-written session opens;
//! unknown keys are kept out of the way by serde (ignored), never an error.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::sim::interventions::Intervention;

/// The version this build writes and the newest it reads.
pub const SESSION_VERSION: u32 = 1;

/// A whole session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Session {
    /// The format version (`"cortexview_session": 1`).
    pub cortexview_session: u32,
    /// What to load: a config, folder or file first, then extra spike and report files. Paths
    /// below the session file's folder are written relative to it.
    pub open: Vec<String>,
    /// Representations, later ones drawn on top (VND's order).
    pub representations: Vec<RepresentationSpec>,
    /// `"3d"`, `"3d+raster"`, `"3d+raster+probe"`, ... or a grid description (see the layout
    /// module of the renderer); absent: `"3d"`.
    pub layout: Option<serde_json::Value>,
    pub camera: Option<CameraSpec>,
    /// Model time on screen, ms.
    pub time_ms: Option<f64>,
    pub playback: PlaybackSpec,
    pub probe: Option<ProbeSpec>,
    /// Which panels of the window show, by name (`"scene"`, `"details"`, `"playback"`,
    /// `"raster"`, `"legend"`, ...); absent names keep the window's default.
    pub panels: BTreeMap<String, bool>,
    /// Keep the neurons whose soma centre lies within `thickness_um / 2` of the plane.
    pub slab: Option<Slab>,
    /// Keep the side each normal points to.
    pub clip: Vec<ClipPlane>,
    pub looks: Looks,
    /// The live simulation, when the scene is live.
    pub live: Option<LiveSpec>,
    pub story: Option<Story>,
    /// A title drawn over the 3D view and in movie frames.
    pub title: Option<String>,
    /// The picked neuron: its instance (the index among the scene's neurons, populations in
    /// the circuit's order).
    pub picked: Option<usize>,
    /// Raster rows selected (instances `[first, end)`): highlighted in 3D, the rest dimmed.
    pub raster_rows: Option<[usize; 2]>,
}

impl Default for Session {
    fn default() -> Self {
        Self {
            cortexview_session: SESSION_VERSION,
            open: Vec::new(),
            representations: Vec::new(),
            layout: None,
            camera: None,
            time_ms: None,
            playback: PlaybackSpec::default(),
            probe: None,
            panels: BTreeMap::new(),
            slab: None,
            clip: Vec::new(),
            looks: Looks::default(),
            live: None,
            story: None,
            title: None,
            picked: None,
            raster_rows: None,
        }
    }
}

/// One representation: a selection, a style, a colouring and a material.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RepresentationSpec {
    /// The selection language; `"all"` (or empty) selects everything.
    pub select: String,
    /// `soma`, `points`, `hidden`, `morphology`, `morphology_line`.
    pub style: String,
    /// What `render --color-by` takes: `population`, `type`, `activity`, `report`, an
    /// attribute name, `#rrggbb`; absent: by population.
    pub color_by: Option<String>,
    /// A colormap name for continuous colourings (`viridis`, `magma`, ...).
    pub colormap: Option<String>,
    /// The colour range of a continuous colouring; absent: the data's range.
    pub range: Option<[f64; 2]>,
    /// Radius multiplier over the scene's default radius.
    pub size: f32,
    pub material: Material,
    /// 0..1; used by the `transparent` and `ghost` materials.
    pub opacity: f32,
    pub visible: bool,
}

impl Default for RepresentationSpec {
    fn default() -> Self {
        Self {
            select: "all".to_owned(),
            style: "soma".to_owned(),
            color_by: None,
            colormap: None,
            range: None,
            size: 1.0,
            material: Material::Opaque,
            opacity: 1.0,
            visible: true,
        }
    }
}

/// How a representation's surfaces are shaded and composited.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Material {
    #[default]
    Opaque,
    /// See-through with the representation's opacity.
    Transparent,
    /// Dim and see-through; never hides what lies behind it.
    Ghost,
    /// Emissive: blooms like a spiking neuron.
    Glow,
}

impl Material {
    pub const ALL: [Self; 4] = [Self::Opaque, Self::Transparent, Self::Ghost, Self::Glow];

    /// The spelling of sessions, `--material` and the UI.
    pub fn name(self) -> &'static str {
        match self {
            Self::Opaque => "opaque",
            Self::Transparent => "transparent",
            Self::Ghost => "ghost",
            Self::Glow => "glow",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.name() == s)
    }
}

/// A camera in world micrometres.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CameraSpec {
    pub position: [f32; 3],
    pub target: [f32; 3],
    pub up: [f32; 3],
    /// Vertical field of view of the perspective camera, degrees.
    pub fov_deg: f32,
    /// An orthographic camera whose view height at the target equals the perspective one's.
    pub orthographic: bool,
}

impl Default for CameraSpec {
    fn default() -> Self {
        Self {
            position: [0.0, 0.0, 1000.0],
            target: [0.0; 3],
            up: [0.0, 1.0, 0.0],
            fov_deg: 30.0,
            orthographic: false,
        }
    }
}

/// Model-time playback.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlaybackSpec {
    pub playing: bool,
    /// Model ms per wall-clock second.
    pub speed: f64,
    /// `loop`, `once`, `rock`.
    pub mode: String,
    /// The fade time constant of a spike's flash, ms.
    pub fade_ms: f64,
    /// The time range played, ms; absent: the scene's.
    pub range_ms: Option<[f64; 2]>,
}

impl Default for PlaybackSpec {
    fn default() -> Self {
        Self {
            playing: false,
            speed: 100.0,
            mode: "loop".to_owned(),
            fade_ms: 8.0,
            range_ms: None,
        }
    }
}

/// A placed Neuropixels probe.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProbeSpec {
    /// `np1`, `np2`, `np2-4shank` (the probe layer's names).
    pub kind: String,
    /// Tip position, µm.
    pub tip: [f64; 3],
    /// Insertion direction (tip to shank top), unit.
    pub direction: [f64; 3],
    /// Roll about the shank, degrees.
    pub roll_deg: f64,
}

impl Default for ProbeSpec {
    fn default() -> Self {
        Self {
            kind: "np1".to_owned(),
            tip: [0.0; 3],
            direction: [0.0, 1.0, 0.0],
            roll_deg: 0.0,
        }
    }
}

/// Keeps what lies within `thickness_um / 2` of the plane through `center`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Slab {
    pub normal: [f32; 3],
    pub center: [f32; 3],
    pub thickness_um: f32,
}

/// Keeps the side `normal` points to.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClipPlane {
    pub normal: [f32; 3],
    pub point: [f32; 3],
}

/// Scene-wide looks: background, depth shading, glow, anti-aliasing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Looks {
    /// `#rrggbb`.
    pub background: String,
    /// `#rrggbb` at the top of a vertical gradient; absent: a flat background.
    pub background_top: Option<String>,
    /// Eye-dome lighting (or ambient occlusion) strength, 0 = off.
    pub depth_shading: f32,
    /// Depth cueing toward the background, 0 = off, 1 = the far side fully faded.
    pub fog: f32,
    /// Dark outlines where depth jumps.
    pub outline: bool,
    /// Spike glow (bloom) strength, 0 = off.
    pub glow: f32,
    /// `none`, `msaa`, `fxaa`, `ssaa2` (2x2 supersampling, for movie frames).
    pub antialias: String,
    /// Spheres drawn with the depth where each ray meets them (overlapping spheres meet in
    /// their true curve), or with the depth of their nearest point all over their disc (~1.5x
    /// faster on a software rasteriser; the same picture where spheres do not overlap).
    /// Absent: exact on GPUs, nearest point on software adapters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exact_depth: Option<bool>,
}

impl Default for Looks {
    fn default() -> Self {
        Self {
            background: "#000000".to_owned(),
            background_top: None,
            depth_shading: 0.0,
            fog: 0.0,
            outline: false,
            glow: 0.0,
            antialias: "none".to_owned(),
            exact_depth: None,
        }
    }
}

/// A live simulation: the model, its controls, and what was done to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LiveSpec {
    /// The simulation config run live; absent: the built-in column.
    pub config: Option<String>,
    pub running: bool,
    /// Model ms per wall-clock second at most; absent: as fast as it runs.
    pub speed_cap: Option<f64>,
    /// Rate factor per virtual population.
    pub rates: BTreeMap<String, f64>,
    /// Weight factor per edge population or E/I class.
    pub weights: BTreeMap<String, f64>,
    /// What was done to the run, in model time; replayed when the session opens.
    pub interventions: Vec<Intervention>,
}

impl Default for LiveSpec {
    fn default() -> Self {
        Self {
            config: None,
            running: true,
            speed_cap: None,
            rates: BTreeMap::new(),
            weights: BTreeMap::new(),
            interventions: Vec::new(),
        }
    }
}

/// Keyframes over movie time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Story {
    pub duration_s: f64,
    pub fps: u32,
    pub keys: Vec<StoryKey>,
}

impl Default for Story {
    fn default() -> Self {
        Self {
            duration_s: 10.0,
            fps: 30,
            keys: Vec::new(),
        }
    }
}

/// One key: what holds at movie time `at_s`. What a key omits follows the neighbouring keys.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StoryKey {
    pub at_s: f64,
    pub camera: Option<CameraSpec>,
    /// Orbit about the camera's target by this many degrees from this key to the next.
    pub orbit_deg: Option<f32>,
    pub time_ms: Option<f64>,
    /// How the way from this key to the next is eased.
    pub ease: Ease,
    /// Representations from this key on: numbers interpolate toward the next key's, categories
    /// switch at the key.
    pub representations: Option<Vec<RepresentationSpec>>,
    pub slab: Option<Slab>,
    pub clip: Option<Vec<ClipPlane>>,
    pub looks: Option<Looks>,
    pub layout: Option<serde_json::Value>,
    pub title: Option<String>,
    /// A caption shown from this key for `duration_s`.
    pub caption: Option<Caption>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ease {
    Linear,
    #[default]
    Smooth,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Caption {
    pub text: String,
    pub duration_s: f64,
}

impl Default for Caption {
    fn default() -> Self {
        Self {
            text: String::new(),
            duration_s: 3.0,
        }
    }
}

/// What is drawn at one instant: a session's still, or its story at movie time `s`. The window's
/// preview and `render` draw frames from this alone.
#[derive(Clone, Debug, PartialEq)]
pub struct FrameState {
    pub camera: CameraSpec,
    pub time_ms: f64,
    pub representations: Vec<RepresentationSpec>,
    pub slab: Option<Slab>,
    pub clip: Vec<ClipPlane>,
    pub looks: Looks,
    pub layout: Option<serde_json::Value>,
    pub title: Option<String>,
    pub captions: Vec<String>,
}
