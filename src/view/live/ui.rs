//! The live simulation's panel, built from the model: run, pause, reset, follow; speed cap; a
//! rate slider per virtual population with spike inputs and a weight slider per edge population
//! and E/I class; stimuli into a selection; saving the spikes with the interventions.

use std::path::{Path, PathBuf};

use bevy_egui::egui;

use super::FRAME_CAPS;
use super::feed::save_live_spikes;
use super::plugin::{LiveSession, LiveSource, SPEEDS, StimulusKind};
use super::stimulus::stimulate;
use crate::sim::control::RateKind;
use crate::sim::interventions::{self, Action};
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
    if session.source.is_none() {
        offer_run_live(ui, session, state);
        message_ui(ui, session);
        return;
    }
    if session.model.is_none() {
        if session.refusal.is_none() {
            ui.label("building the network…");
        }
        message_ui(ui, session);
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
    ui.horizontal(|ui| {
        if ui.button("Save spikes…").clicked() {
            save_dialog(session, state);
        }
        ui.label(format!("{} interventions logged", session.log.len()));
    });
    message_ui(ui, session);
}

fn message_ui(ui: &mut egui::Ui, session: &LiveSession) {
    if let Some((error, text)) = &session.message {
        let color = if *error {
            egui::Color32::LIGHT_RED
        } else {
            egui::Color32::GRAY
        };
        ui.colored_label(color, text);
    }
}

/// "Run live" for a loaded simulation config.
fn offer_run_live(ui: &mut egui::Ui, session: &mut LiveSession, state: &ViewerState) {
    let config = state
        .scene
        .as_deref()
        .filter(|s| s.circuit.simulation.is_some())
        .map(|s| s.circuit.source.clone());
    match config {
        Some(path) => {
            if ui
                .button("▶ Run live")
                .on_hover_text("simulate this config with the embedded engine, in the window")
                .clicked()
            {
                session.source = Some(LiveSource::Config(path));
                session.refusal = None;
                session.start_pending = true;
            }
        }
        None => {
            ui.label("Live simulation: open a simulation config, or the built-in column (cortexview live).");
        }
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

/// Saves the live spikes, and beside them the interventions that made them.
pub fn save_to(session: &mut LiveSession, scene: &Scene, path: PathBuf) {
    let log_path = path
        .parent()
        .unwrap_or(Path::new("."))
        .join(interventions::FILE_NAME);
    let saved = save_live_spikes(scene, &path).and_then(|n| {
        interventions::write(&log_path, &session.log)?;
        Ok(n)
    });
    match saved {
        Ok(n) => session.say(
            false,
            format!(
                "saved {n} spikes to {} and {} interventions to {}",
                path.display(),
                session.log.len(),
                log_path.display()
            ),
        ),
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
                let action = if session.paused {
                    Action::Pause
                } else {
                    Action::Resume
                };
                session.intervene(action);
            }
        }
        if ui
            .button(if running { "⟲ Reset" } else { "▶ Start" })
            .on_hover_text("start again from t = 0 with the current settings")
            .clicked()
        {
            if running {
                session.intervene(Action::Reset);
            } else {
                super::start::start_run(session, state, playback);
            }
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
    egui::ComboBox::from_label("window while live")
        .selected_text(
            FRAME_CAPS
                .iter()
                .find(|c| c.0 == session.frame_cap)
                .map_or("?", |c| c.1),
        )
        .show_ui(ui, |ui| {
            for (c, name) in FRAME_CAPS {
                if ui.selectable_label(session.frame_cap == c, name).clicked() {
                    session.frame_cap = c;
                }
            }
        })
        .response
        .on_hover_text("fewer frames leave more of the CPU to the simulation");
}

/// A slider whose value goes to the engine when let go (or typed): one intervention per change.
fn factor_slider(ui: &mut egui::Ui, value: &mut f64, label: &str) -> bool {
    let r = ui.add(egui::Slider::new(value, 0.0..=3.0).text(label));
    r.drag_stopped() || (r.changed() && !r.dragged())
}

/// Input rates and weight factors, as the model offers them.
fn network_ui(ui: &mut egui::Ui, session: &mut LiveSession) {
    let Some(model) = session.model.clone() else {
        return;
    };
    if !model.panel.rate_inputs.is_empty() {
        ui.label("Input rate (x the inputs' mean rate)");
    }
    for input in &model.panel.rate_inputs {
        let name = &input.population;
        let mut v = session.rates.get(name).copied().unwrap_or(1.0);
        let label = match input.kind {
            RateKind::Poisson => format!("{name} (Poisson, {:.1} Hz)", input.mean_rate_hz),
            RateKind::Trains { .. } => format!("{name} ({:.1} Hz)", input.mean_rate_hz),
        };
        let send = factor_slider(ui, &mut v, &label);
        session.rates.insert(name.clone(), v);
        if send {
            session.intervene(Action::SetRate {
                population: name.clone(),
                factor: v,
            });
        }
    }
    ui.label("Weights (x the model's weights)");
    for group in &model.panel.weight_groups {
        let name = &group.name;
        let mut v = session.weights.get(name).copied().unwrap_or(1.0);
        let send = factor_slider(ui, &mut v, name);
        session.weights.insert(name.clone(), v);
        if send {
            session.intervene(Action::ScaleWeights {
                edges: name.clone(),
                factor: v,
            });
        }
    }
}

/// A spike volley or current pulse into a selection.
fn stimulus_ui(ui: &mut egui::Ui, session: &mut LiveSession, state: &ViewerState) {
    ui.label("Stimulate a selection");
    if matches!(session.source, Some(LiveSource::Demo { .. })) {
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
    }
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
