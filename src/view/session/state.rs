//! What the session layer keeps in the viewer (main world): the session on screen, the one
//! being opened, which panels show, and the story being previewed.

use std::collections::BTreeMap;
use std::path::PathBuf;

use bevy::prelude::*;

use crate::session::{CameraSpec, Deck, ProbeSpec, Session, Story};
use crate::view::camera::OrbitCamera;

/// The session on screen, as far as the viewer has no other place for it.
#[derive(Resource, Default, Debug)]
pub struct SessionScene {
    /// The session file on screen (saving offers it).
    pub path: Option<PathBuf>,
    /// The title drawn now (a story key may change it) and the session's own.
    pub title: Option<String>,
    pub still_title: Option<String>,
    pub captions: Vec<String>,
    pub layout: Option<serde_json::Value>,
    pub story: Option<Story>,
    /// The camera a session set and the orbit it became (capturing the unmoved camera gives
    /// the spec back exactly).
    pub applied_camera: Option<(CameraSpec, OrbitCamera)>,
    /// A probe waiting for the probe plugin to place its own first, and the one placed.
    pub pending_probe: Option<ProbeSpec>,
    pub applied_probe: Option<ProbeSpec>,
    /// The last load looked at for being a session or deck.
    pub load_checked: Option<PathBuf>,
}

/// A session being opened: its scene loads, then the rest is applied.
#[derive(Debug)]
pub struct Pending {
    pub path: PathBuf,
    /// Paths absolute.
    pub session: Session,
    /// The circuit loaded first (none: every file is missing).
    pub circuit: Option<PathBuf>,
    /// Spike and report files added once the circuit is on screen.
    pub extras: Vec<PathBuf>,
    pub missing: Vec<PathBuf>,
    /// Fly the camera to the session's over a second instead of cutting (deck steps).
    pub fly: bool,
}

#[derive(Resource, Default, Debug)]
pub struct PendingSession(pub Option<Pending>);

/// Paths asked to open as sessions or decks (the command line, the menu, dropped files).
#[derive(Resource, Default, Debug)]
pub struct OpenRequests(pub Vec<PathBuf>);

/// Where a file chooser asked to save the session.
#[derive(Resource, Default, Debug)]
pub struct SaveRequest(pub Option<PathBuf>);

/// The deck being presented and the scene shown.
#[derive(Resource, Default, Debug)]
pub struct DeckState {
    pub deck: Option<Deck>,
    pub index: usize,
}

/// The Story panel's preview: movie time and whether it plays.
#[derive(Resource, Default, Debug)]
pub struct StoryPreview {
    pub s: f64,
    pub playing: bool,
    /// Set to draw the frame at `s` once (a scrub, a key added or moved).
    pub dirty: bool,
}

/// A camera flight (deck steps): from one camera to another over `duration_s`.
#[derive(Resource, Default, Debug)]
pub struct CameraFlight(pub Option<Flight>);

#[derive(Debug, Clone)]
pub struct Flight {
    pub from: CameraSpec,
    pub to: CameraSpec,
    pub elapsed_s: f64,
    pub duration_s: f64,
}

/// Which panels of the window show; `all_hidden` (Tab) hides them all at once.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct PanelsShown {
    pub scene: bool,
    pub details: bool,
    pub playback: bool,
    pub story: bool,
    pub all_hidden: bool,
    /// Presenter mode: fullscreen, large legend, time stamp and scale bar.
    pub presenter: bool,
}

impl Default for PanelsShown {
    fn default() -> Self {
        Self {
            scene: true,
            details: true,
            playback: true,
            story: false,
            all_hidden: false,
            presenter: false,
        }
    }
}

impl PanelsShown {
    /// The names sessions use.
    pub const NAMES: [&str; 4] = ["scene", "details", "playback", "story"];

    fn slot(&mut self, name: &str) -> Option<&mut bool> {
        match name {
            "scene" => Some(&mut self.scene),
            "details" => Some(&mut self.details),
            "playback" | "raster" => Some(&mut self.playback),
            "story" => Some(&mut self.story),
            _ => None,
        }
    }

    /// Sets the panels a session names (unknown names are left alone).
    pub fn set_from(&mut self, panels: &BTreeMap<String, bool>) {
        for (name, &shown) in panels {
            if let Some(slot) = self.slot(name) {
                *slot = shown;
            }
        }
    }

    pub fn to_map(&self) -> BTreeMap<String, bool> {
        let mut copy = self.clone();
        Self::NAMES
            .iter()
            .filter_map(|&n| copy.slot(n).map(|v| (n.to_owned(), *v)))
            .collect()
    }

    /// Whether a panel shows now.
    pub fn shows(&self, panel: bool) -> bool {
        panel && !self.all_hidden
    }
}
