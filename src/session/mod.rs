//! Sessions (no Bevy): the state on screen as a file, stories of keyframes over it, and decks
//! of sessions.

pub mod deck;
pub mod error;
pub mod file;
pub mod format;
pub mod interpolate;
pub mod story;
#[cfg(test)]
mod story_tests;

pub use deck::{Deck, SESSION_SUFFIX, is_deck_path, is_session_path};
pub use error::SessionError;
pub use file::LoadedSession;
pub use format::{
    CameraSpec, Caption, ClipPlane, Ease, FrameState, LiveSpec, Looks, Material, PlaybackSpec,
    ProbeSpec, RepresentationSpec, SESSION_VERSION, Session, Slab, Story, StoryKey,
};
pub use interpolate::ease_fraction;
