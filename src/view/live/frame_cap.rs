//! The window's frame rate while a run is live. The engine thread and the renderer share the
//! machine's cores (lavapipe draws on the CPU: with 20,000 cells its rasteriser threads take
//! about as much CPU as the engine), so while the simulation runs the window updates at most
//! `frame_cap` times a second (input is taken at the next frame), and, when the engine falls behind its speed cap,
//! fewer: the frame rate is lowered step by step (to 3 fps at least) until the engine keeps
//! up, and raised again while it does. Real time first, frames with what is left. Without a
//! run, or with no cap, the window updates as Bevy's default does.
use std::time::{Duration, Instant};

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

/// The frame rate is never lowered below this while live.
const MIN_FPS: f64 = 3.0;

/// How often the frame rate is adjusted (s): the engine's rate and the window's frames are
/// measured over that interval.
const ADJUST_EVERY_S: f64 = 2.0;

/// The frame rate in force, and the wall time, model time and frame count when it was last
/// adjusted.
#[derive(Default)]
pub(super) struct Governor {
    fps: Option<f64>,
    applied: Option<Option<u64>>,
    mark: Option<(Instant, f64)>,
    frames: u32,
}

/// The next frame rate from the one in force (`fps`) and the frames the window made
/// (`drawn_fps`): lower than what was drawn when the engine is behind its speed cap, higher (up
/// to the cap) when it keeps up.
fn next_fps(
    fps: f64,
    drawn_fps: f64,
    cap: f64,
    engine_ms_per_s: f64,
    speed_cap: Option<f64>,
) -> f64 {
    let Some(target) = speed_cap else {
        return cap;
    };
    let ratio = engine_ms_per_s / target;
    if ratio < 0.98 {
        (fps.min(drawn_fps) * 0.75).max(MIN_FPS)
    } else if ratio > 0.995 {
        (fps * 1.15 + 0.2).min(cap)
    } else {
        fps
    }
}

/// Keeps the window's update mode to the governed frame rate while a run is live.
pub(super) fn cap_frames_while_live(
    session: Res<LiveSession>,
    settings: Option<ResMut<WinitSettings>>,
    mut governor: Local<Governor>,
) {
    let Some(mut settings) = settings else {
        return;
    };
    let live = session.running() && !session.paused;
    let wanted = match (session.frame_cap.filter(|c| *c > 0.0), live) {
        (Some(cap), true) => {
            let mut fps = governor.fps.unwrap_or(cap).min(cap);
            governor.frames += 1;
            if let Some(feed) = &session.feed {
                let now = (Instant::now(), feed.until_ms());
                match governor.mark {
                    Some((t, model)) if t.elapsed().as_secs_f64() >= ADJUST_EVERY_S => {
                        let wall = t.elapsed().as_secs_f64();
                        // (a reset sends the model time back: measure again from there)
                        if now.1 >= model {
                            let drawn = governor.frames as f64 / wall;
                            fps = next_fps(fps, drawn, cap, (now.1 - model) / wall, session.speed);
                        }
                        governor.mark = Some(now);
                        governor.frames = 0;
                    }
                    Some(_) => {}
                    None => {
                        governor.mark = Some(now);
                        governor.frames = 0;
                    }
                }
            }
            governor.fps = Some(fps);
            Some(fps)
        }
        _ => {
            governor.fps = None;
            governor.mark = None;
            None
        }
    };
    // the update mode changes only when the rate does (by a tenth of a frame or more)
    let key = wanted.map(|f| (f * 10.0).round() as u64);
    if governor.applied == Some(key) {
        return;
    }
    governor.applied = Some(key);
    *settings = match wanted {
        Some(fps) => {
            // updates on the clock only: the UI asks for a repaint every frame while live (its
            // labels change), and input waits for the next tick
            let mode = UpdateMode::Reactive {
                wait: Duration::from_secs_f64(1.0 / fps),
                react_to_device_events: false,
                react_to_user_events: false,
                react_to_window_events: false,
            };
            WinitSettings {
                focused_mode: mode,
                unfocused_mode: mode,
            }
        }
        None => WinitSettings::default(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_give_way_to_an_engine_behind_its_cap_and_come_back() {
        let real_time = Some(1000.0);
        // behind: below what the window managed to draw
        assert_eq!(next_fps(15.0, 8.0, 15.0, 800.0, real_time), 6.0);
        assert_eq!(next_fps(12.0, 15.0, 15.0, 800.0, real_time), 9.0);
        assert_eq!(next_fps(3.5, 3.5, 15.0, 500.0, real_time), MIN_FPS);
        // keeping up: back toward the cap
        assert!(next_fps(9.0, 9.0, 15.0, 1000.0, real_time) > 9.0);
        assert_eq!(next_fps(14.9, 14.9, 15.0, 1000.0, real_time), 15.0);
        assert_eq!(next_fps(9.0, 9.0, 15.0, 990.0, real_time), 9.0);
        // uncapped engine: nothing to keep up with
        assert_eq!(next_fps(5.0, 5.0, 15.0, 300.0, None), 15.0);
    }
}
