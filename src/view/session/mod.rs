//! Sessions in the viewer: a session or a story's frame put on screen and the screen captured
//! as a session (`apply`, `convert`, `added_files`: no systems), opening sessions and decks
//! (`open`), the plugin, the Story panel and presenter mode.

pub mod added_files;
pub mod apply;
pub mod convert;
pub mod open;
mod plugin;
pub mod presenter;
pub mod state;
mod story_ui;

pub use apply::{FrameParts, apply_frame_state, apply_session, capture_session};
pub use open::{apply_pending_session, open_session, opens_as_session};
pub use plugin::SessionPlugin;
pub use state::{OpenRequests, PanelsShown, SaveRequest, SessionScene};
