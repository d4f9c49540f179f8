//! The live simulation's panel: run, pause, reset, follow; speed cap; input rates and
//! recurrent weight classes; stimuli into a selection; saving the spikes.

use std::path::PathBuf;

use bevy_egui::egui;

use super::feed::save_live_spikes;
use super::plugin::{LiveSession, SPEEDS, StimulusKind, WEIGHT_FLOOR, start_run, stimulate};
use crate::demo::live::CLASS_PROJECTIONS;
use crate::sim::live::LiveCommand;
use crate::view::ViewerState;
use crate::view::playback::Playback;
use crate::view::scene::Scene;

/// The live controls (window UI).
pub fn live_ui(
    ui: &mut egui::Ui,
    session: &mut LiveSession,
    state: &mut ViewerState,
    playback: &mut Playback,
) {
    if session.demo.is_none() {
        ui.label("Live simulation: open the built-in column (cortexview with no arguments, or cortexview live).");
        return;
    }
    let (until, rate, spikes) = session.feed.as_ref().map_or((0.0, 0.0, 0), |f| {
        (f.until_ms(), f.model_ms_per_second(), f.spike_count())
    });
    run_controls_ui(ui, session, state, playback);
    ui.label(format!(
        "t = {:.0} ms   {:.2}x real time   {} spikes",
        until,
        rate / 1000.0,
        spikes
    ));
    speed_ui(ui, session);
    ui.separator();
    network_ui(ui, session);
    ui.separator();
    stimulus_ui(ui, session, state);
    ui.separator();
    if ui.button("Save spikes…").clicked() {
        save_dialog(session, state);
    }
    if let Some((error, text)) = &session.message {
        let color = if *error {
            egui::Color32::LIGHT_RED
        } else {
            egui::Color32::GRAY
        };
        ui.colored_label(color, text);
    }
}

fn save_dialog(session: &mut LiveSession, state: &ViewerState) {
    let Some(scene) = state.scene.as_deref() else {
        return;
    };
    let Some(path) = rfd::FileDialog::new()
        .set_file_name("live_spikes.h5")
        .add_filter("SONATA spikes", &["h5"])
        .save_file()
    else {
        return;
    };
    save_to(session, scene, path);
}

fn save_to(session: &mut LiveSession, scene: &Scene, path: PathBuf) {
    match save_live_spikes(scene, &path) {
        Ok(n) => session.say(false, format!("saved {n} spikes to {}", path.display())),
        Err(e) => session.say(true, format!("{e:#}")),
    }
}

/// Run or pause, start again, follow the simulation.
fn run_controls_ui(
    ui: &mut egui::Ui,
    session: &mut LiveSession,
    state: &mut ViewerState,
    playback: &mut Playback,
) {
    ui.horizontal(|ui| {
        let running = session.feed.is_some();
        if running {
            let label = if session.paused {
                "▶ Run"
            } else {
                "⏸ Pause"
            };
            if ui.button(label).clicked() {
                session.paused = !session.paused;
                let c = if session.paused {
                    LiveCommand::Pause
                } else {
                    LiveCommand::Resume
                };
                session.send(c);
            }
        }
        if ui
            .button(if running { "⟲ Reset" } else { "▶ Start" })
            .on_hover_text("start again from t = 0 with the current settings")
            .clicked()
        {
            start_run(session, state, playback);
        }
        let follow = ui.selectable_label(session.follow, "● follow");
        if follow.clicked() {
            session.follow = true;
        }
    });
}

/// The speed cap of the engine thread.
fn speed_ui(ui: &mut egui::Ui, session: &mut LiveSession) {
    egui::ComboBox::from_label("speed cap")
        .selected_text(
            SPEEDS
                .iter()
                .find(|s| s.0 == session.speed)
                .map_or("?", |s| s.1),
        )
        .show_ui(ui, |ui| {
            for (s, name) in SPEEDS {
                if ui.selectable_label(session.speed == s, name).clicked() {
                    session.speed = s;
                    session.send(LiveCommand::SetSpeed(s));
                }
            }
        });
}

/// Input rates and recurrent weight classes of the running network.
fn network_ui(ui: &mut egui::Ui, session: &mut LiveSession) {
    ui.label("Input rate (x the built-in rate)");
    for (i, (source, name)) in [("lgn", "LGN"), ("bkg", "background")].iter().enumerate() {
        let mut v = session.input_scale[i];
        let r = ui.add(egui::Slider::new(&mut v, 0.0..=3.0).text(*name));
        if r.drag_stopped() || (r.changed() && !r.dragged()) {
            session.input_scale[i] = v;
            session.send(LiveCommand::SetSourceRate {
                source: (*source).into(),
                factor: v,
            });
        } else if r.changed() {
            session.input_scale[i] = v;
        }
    }
    ui.label("Recurrent weights (x the built-in weights)");
    for (i, name) in ["E->E", "E->I", "I->E", "I->I"].iter().enumerate() {
        let old = session.weight_scale[i];
        let mut v = old;
        if ui
            .add(egui::Slider::new(&mut v, 0.0..=3.0).text(*name))
            .changed()
        {
            session.weight_scale[i] = v;
            let factor = v.max(WEIGHT_FLOOR) / old.max(WEIGHT_FLOOR);
            session.send(LiveCommand::ScaleProjection {
                projection: CLASS_PROJECTIONS[i].into(),
                factor,
            });
        }
    }
}

/// A spike volley or current pulse into a selection.
fn stimulus_ui(ui: &mut egui::Ui, session: &mut LiveSession, state: &ViewerState) {
    ui.label("Stimulate a selection");
    ui.horizontal_wrapped(|ui| {
        for (label, sel) in [
            ("L2/3", "layer == 'L23'"),
            ("L4", "layer == 'L4'"),
            ("L5", "layer == 'L5'"),
            ("L6", "layer == 'L6'"),
            ("exc", "ei == 'e'"),
            ("inh", "ei == 'i'"),
        ] {
            if ui.small_button(label).clicked() {
                session.stim_selection = sel.into();
            }
        }
    });
    ui.text_edit_singleline(&mut session.stim_selection);
    ui.horizontal(|ui| {
        ui.radio_value(
            &mut session.stim_kind,
            StimulusKind::SpikeVolley,
            "spike volley",
        );
        ui.radio_value(
            &mut session.stim_kind,
            StimulusKind::CurrentPulse,
            "current pulse",
        );
    });
    if session.stim_kind == StimulusKind::CurrentPulse {
        ui.add(egui::Slider::new(&mut session.stim_amp_pa, -500.0..=1500.0).text("pA"));
        ui.add(egui::Slider::new(&mut session.stim_ms, 1.0..=500.0).text("ms"));
    }
    if ui.button("⚡ Stimulate").clicked() {
        stimulate(session, state);
    }
}
