//! The playback bar of the window: play, step, seek, speed, fade, loop mode.

use bevy_egui::egui;

use crate::view::playback::{LoopMode, Playback, PlaybackStats};

/// Play/pause, steps, the time slider, speed, fade and loop mode, and this frame's cost.
pub fn playback_ui(ui: &mut egui::Ui, playback: &mut Playback, stats: &PlaybackStats) {
    // Wrapped, so that a narrow window does not widen the panel past the raster.
    ui.horizontal_wrapped(|ui| {
        if ui
            .button(if playback.playing {
                "⏸ Pause"
            } else {
                "▶ Play"
            })
            .clicked()
        {
            playback.playing = !playback.playing;
        }
        if ui.button("⏮").clicked() {
            let lo = playback.range.0;
            playback.seek(lo);
        }
        if ui.button("-1 ms").clicked() {
            let t = playback.time_ms - 1.0;
            playback.seek(t);
        }
        if ui.button("+1 ms").clicked() {
            let t = playback.time_ms + 1.0;
            playback.seek(t);
        }
        let (lo, hi) = playback.range;
        let mut t = playback.time_ms;
        if ui
            .add(
                egui::Slider::new(&mut t, lo..=hi)
                    .text("ms")
                    .fixed_decimals(1),
            )
            .changed()
        {
            playback.seek(t);
        }
        ui.add(
            egui::Slider::new(&mut playback.speed, 1.0..=2000.0)
                .logarithmic(true)
                .text("ms/s"),
        );
        ui.add(
            egui::Slider::new(&mut playback.tau_ms, 0.5..=100.0)
                .logarithmic(true)
                .text("fade ms"),
        );
        egui::ComboBox::from_id_salt("loop")
            .selected_text(format!("{:?}", playback.mode))
            .show_ui(ui, |ui| {
                for m in [LoopMode::Loop, LoopMode::Once, LoopMode::Rock] {
                    ui.selectable_value(&mut playback.mode, m, format!("{m:?}"));
                }
            });
        ui.label(format!(
            "{} spikes this frame, {:.0} µs",
            stats.spikes, stats.cpu_us
        ));
    });
}
