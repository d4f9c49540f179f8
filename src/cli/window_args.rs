//! The window's start flags shared by `view` and `live`: a scripted screenshot (scripts, docs,
//! CI under `xvfb-run`) and presenter mode.

use std::path::PathBuf;

/// How the window starts: presenter mode, a screenshot for scripts and docs (what it shows comes
/// from the path opened: a session sets playback, the picked neuron, styles, camera, raster rows).
#[derive(clap::Args, Default)]
pub struct WindowArgs {
    /// Save a screenshot of the window to this PNG, then exit.
    #[arg(long, value_name = "OUT.png")]
    pub screenshot: Option<PathBuf>,
    /// Frames drawn with the scene on screen before the screenshot.
    #[arg(long, value_name = "N", default_value_t = 90, requires = "screenshot")]
    pub screenshot_after: u32,
    /// An off-screen image of this size (e.g. 3840x2160) instead of the window.
    #[arg(long, value_name = "WxH", requires = "screenshot")]
    pub screenshot_size: Option<String>,
    /// Start in presenter mode: fullscreen, panels hidden (Tab shows them), legend, time
    /// stamp and scale bar large (F11 leaves it).
    #[arg(long)]
    pub presenter: bool,
}

#[cfg(feature = "viewer")]
impl WindowArgs {
    pub fn window(&self) -> anyhow::Result<crate::view::ui::WindowOptions> {
        Ok(crate::view::ui::WindowOptions {
            shot: self.shot()?,
            presenter: self.presenter,
        })
    }

    fn shot(&self) -> anyhow::Result<Option<crate::view::ui::ScriptedShot>> {
        let Some(path) = &self.screenshot else {
            return Ok(None);
        };
        let size = match &self.screenshot_size {
            Some(s) => Some(
                crate::view::ui::parse_size(s)
                    .map_err(|e| anyhow::anyhow!("--screenshot-size: {e}"))?,
            ),
            None => None,
        };
        Ok(Some(crate::view::ui::ScriptedShot {
            path: path.clone(),
            after_frames: self.screenshot_after,
            size,
        }))
    }
}

/// The window's live run for what it opens: a session, or a deck with a scene, that shows the
/// built-in column live gets the column built (and written to the cache the first time) so
/// that the scene can run it; anything else gets none.
#[cfg(feature = "viewer")]
pub fn live_for(path: Option<&std::path::Path>) -> anyhow::Result<crate::view::live::LiveSession> {
    use crate::session::{Deck, Session, is_deck_path, is_session_path};
    use crate::view::live::LiveSession;
    let Some(path) = path else {
        return Ok(LiveSession::default());
    };
    let scenes = if is_session_path(path) {
        vec![path.to_owned()]
    } else if is_deck_path(path) {
        // an unreadable deck is reported by the window, which opens it
        Deck::load(path).map(|d| d.scenes).unwrap_or_default()
    } else {
        Vec::new()
    };
    let runs_column = scenes
        .iter()
        .any(|s| Session::load(s).is_ok_and(|l| l.shows_builtin_column()));
    if !runs_column {
        return Ok(LiveSession::default());
    }
    let (config, demo) = super::demo::prepare_live_demo(crate::demo::DemoOptions::default())?;
    let mut live = LiveSession::for_demo(demo, config);
    // the scene that shows the column starts it
    live.start_pending = false;
    Ok(live)
}
