//! The window's frame rate while a run is live: the engine thread and the renderer share the
//! machine's cores (lavapipe draws on the CPU), so while the simulation runs the window updates
//! at most `fps` times a second (and on input), leaving the rest to the engine. Without a run,
//! or with no cap, the window updates as Bevy's default does.
use std::time::Duration;

use bevy::prelude::*;
use bevy::winit::{UpdateMode, WinitSettings};

use super::plugin::LiveSession;

/// Frame caps offered in the panel.
pub const FRAME_CAPS: [(Option<f64>, &str); 4] = [
    (Some(10.0), "10 fps"),
    (Some(15.0), "15 fps"),
    (Some(30.0), "30 fps"),
    (None, "no cap"),
];

/// The cap unless the command line or the panel sets another.
pub const DEFAULT_FRAME_CAP: Option<f64> = Some(15.0);

/// Keeps the window's update mode to the cap while a run is live.
pub(super) fn cap_frames_while_live(
    session: Res<LiveSession>,
    settings: Option<ResMut<WinitSettings>>,
    mut applied: Local<Option<Option<u64>>>,
) {
    let Some(mut settings) = settings else {
        return;
    };
    let wanted = session
        .frame_cap
        .filter(|fps| *fps > 0.0 && session.running() && !session.paused);
    let key = wanted.map(f64::to_bits);
    if *applied == Some(key) {
        return;
    }
    *applied = Some(key);
    *settings = match wanted {
        Some(fps) => {
            let wait = Duration::from_secs_f64(1.0 / fps);
            WinitSettings {
                focused_mode: UpdateMode::reactive(wait),
                unfocused_mode: UpdateMode::reactive_low_power(wait),
            }
        }
        None => WinitSettings::default(),
    };
}
