//! Sessions (no Bevy): the state on screen as a file, and stories of keyframes over it.

pub mod format;

pub use format::{
    Caption, CameraSpec, ClipPlane, Ease, FrameState, LiveSpec, Looks, Material, PlaybackSpec,
    ProbeSpec, RepresentationSpec, Session, SESSION_VERSION, Slab, Story, StoryKey,
};
