//! Sessions (no Bevy): the state on screen as a file, and stories of keyframes over it.

pub mod format;

pub use format::{
    CameraSpec, Caption, ClipPlane, Ease, FrameState, LiveSpec, Looks, Material, PlaybackSpec,
    ProbeSpec, RepresentationSpec, SESSION_VERSION, Session, Slab, Story, StoryKey,
};
