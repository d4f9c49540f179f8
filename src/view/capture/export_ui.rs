//! File > Export movie…: the screen (or its story) rendered off-screen by `cortexview render`
//! run as a child process of this executable, with a progress bar and Cancel; the window stays
//! usable meanwhile. The state is saved to a temporary session that the child renders; a
//! cancelled or failed export leaves no partial movie and none of its frames behind.

use std::path::PathBuf;
use std::sync::atomic::Ordering;

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::export_job::{
    CANCEL_GRACE, ExportJob, ExportSettings, ask_to_cancel, remove_partial, spawn_render,
};
use super::layout::LAYOUT_NAMES;
use super::movie_writer::{MovieFormat, have_ffmpeg};
use crate::session::{Ease, Session, Story, StoryKey};
use crate::view::playback::Playback;
use crate::view::session::capture_session;

/// The export dialog's settings and the running export.
#[derive(Resource)]
pub struct MovieExport {
    pub open: bool,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub format: MovieFormat,
    /// `None`: the session's own layout.
    pub layout: Option<String>,
    pub out: Option<PathBuf>,
    start: bool,
    job: Option<ExportJob>,
    /// Whether ffmpeg runs (asked once).
    ffmpeg: Option<bool>,
    /// What the last export ended with.
    pub message: Option<String>,
}

impl Default for MovieExport {
    fn default() -> Self {
        Self {
            open: false,
            width: 1280,
            height: 720,
            fps: 30,
            format: MovieFormat::Mp4,
            layout: None,
            out: None,
            start: false,
            job: None,
            ffmpeg: None,
            message: None,
        }
    }
}

/// The export dialog and its child process.
pub struct MovieExportPlugin;

impl Plugin for MovieExportPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<MovieExport>()
            .add_systems(Update, (start_export, watch_export))
            .add_systems(EguiPrimaryContextPass, export_ui);
    }
}

/// Opens the dialog (the menu's entry).
pub fn open_export_dialog(commands: &mut Commands) {
    commands.queue(|world: &mut World| {
        world.resource_mut::<MovieExport>().open = true;
    });
}

fn export_ui(mut contexts: EguiContexts, mut export: ResMut<MovieExport>) -> Result {
    if !export.open {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    let mut open = true;
    egui::Window::new("Export movie")
        .open(&mut open)
        .resizable(false)
        .show(ctx, |ui| dialog_ui(ui, &mut export));
    if !open && export.job.is_none() {
        export.open = false;
    }
    Ok(())
}

fn dialog_ui(ui: &mut egui::Ui, export: &mut MovieExport) {
    if let Some(job) = &export.job {
        let done = job.done.load(Ordering::Relaxed);
        let frac = done as f32 / job.total.max(1) as f32;
        ui.label(format!("Rendering into {}", job.out.display()));
        ui.add(egui::ProgressBar::new(frac).text(format!("frame {done} of {}", job.total)));
        if job.cancelled.is_some() {
            ui.label("Cancelling…");
        } else if ui.button("Cancel").clicked()
            && let Some(job) = export.job.as_mut()
        {
            ask_to_cancel(job);
        }
        return;
    }
    egui::Grid::new("export").num_columns(2).show(ui, |ui| {
        ui.label("Size");
        egui::ComboBox::from_id_salt("export size")
            .selected_text(format!("{} x {}", export.width, export.height))
            .show_ui(ui, |ui| {
                for (w, h) in [(1280, 720), (1920, 1080), (3840, 2160), (1080, 1080)] {
                    if ui
                        .selectable_label(
                            (export.width, export.height) == (w, h),
                            format!("{w} x {h}"),
                        )
                        .clicked()
                    {
                        (export.width, export.height) = (w, h);
                    }
                }
            });
        ui.end_row();
        ui.label("Frames per second");
        ui.add(egui::DragValue::new(&mut export.fps).range(1..=120));
        ui.end_row();
        ui.label("Format");
        egui::ComboBox::from_id_salt("export format")
            .selected_text(format_name(export.format))
            .show_ui(ui, |ui| {
                for f in [MovieFormat::Mp4, MovieFormat::Lossless, MovieFormat::Png] {
                    ui.selectable_value(&mut export.format, f, format_name(f));
                }
            });
        ui.end_row();
        ui.label("Layout");
        egui::ComboBox::from_id_salt("export layout")
            .selected_text(export.layout.as_deref().unwrap_or("the session's"))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut export.layout, None, "the session's");
                for name in LAYOUT_NAMES {
                    ui.selectable_value(&mut export.layout, Some(name.to_owned()), name);
                }
            });
        ui.end_row();
        ui.label("Folder");
        ui.horizontal(|ui| {
            let shown = export
                .out
                .as_ref()
                .map_or("(choose)".to_owned(), |p| p.display().to_string());
            ui.label(shown);
            if ui.button("Choose…").clicked()
                && let Some(dir) = rfd::FileDialog::new().pick_folder()
            {
                export.out = Some(dir);
            }
        });
        ui.end_row();
    });
    ui.small("The story when there is one; else the playback range at its speed, camera held.");
    let ffmpeg = *export.ffmpeg.get_or_insert_with(have_ffmpeg);
    let needs_ffmpeg = export.format != MovieFormat::Png;
    let ready = export.out.is_some() && (!needs_ffmpeg || ffmpeg);
    if needs_ffmpeg && !ffmpeg {
        ui.colored_label(
            egui::Color32::YELLOW,
            "ffmpeg is not on the PATH: PNG frames only",
        );
    }
    if ui.add_enabled(ready, egui::Button::new("Render")).clicked() {
        export.start = true;
    }
    if let Some(m) = &export.message {
        ui.label(m);
    }
}

fn format_name(f: MovieFormat) -> &'static str {
    match f {
        MovieFormat::Mp4 => "mp4 (H.264)",
        MovieFormat::Lossless => "lossless (mkv)",
        MovieFormat::Png => "PNG frames",
    }
}

/// The screen as a session to render: with a story, or one over the playback range.
fn session_to_render(world: &mut World, fps: u32) -> Session {
    let mut session = capture_session(world);
    let has_keys = session.story.as_ref().is_some_and(|s| !s.keys.is_empty());
    if has_keys {
        if let Some(story) = session.story.as_mut() {
            story.fps = fps;
        }
        return session;
    }
    let playback = world.resource::<Playback>();
    let (lo, hi) = playback.range;
    let speed = playback.speed.abs().max(1e-3);
    session.story = Some(Story {
        duration_s: ((hi - lo) / speed).max(1.0 / f64::from(fps.max(1))),
        fps,
        keys: vec![
            StoryKey {
                at_s: 0.0,
                time_ms: Some(lo),
                ease: Ease::Linear,
                camera: session.camera,
                ..Default::default()
            },
            StoryKey {
                at_s: ((hi - lo) / speed).max(1.0 / f64::from(fps.max(1))),
                time_ms: Some(hi),
                ..Default::default()
            },
        ],
    });
    session
}

/// Starts the child render asked for by the dialog.
fn start_export(world: &mut World) {
    let (start, fps) = {
        let e = world.resource::<MovieExport>();
        (e.start && e.job.is_none(), e.fps)
    };
    if !start {
        return;
    }
    world.resource_mut::<MovieExport>().start = false;
    let session = session_to_render(world, fps);
    let mut export = world.resource_mut::<MovieExport>();
    let settings = ExportSettings {
        out: export.out.clone(),
        width: export.width,
        height: export.height,
        format: export.format,
        layout: export.layout.clone(),
    };
    match spawn_render(&settings, &session) {
        Ok(job) => {
            export.message = None;
            export.job = Some(job);
        }
        Err(e) => export.message = Some(format!("Export failed: {e:#}")),
    }
}

/// Reports the child's end.
fn watch_export(mut export: ResMut<MovieExport>) {
    let Some(job) = export.job.as_mut() else {
        return;
    };
    let status = match job.child.try_wait() {
        Ok(None) => {
            if job.cancelled.is_some_and(|t| t.elapsed() > CANCEL_GRACE) {
                // Best effort: it may end on its own at this very moment.
                let _ = job.child.kill();
            }
            return;
        }
        Ok(Some(status)) => Ok(status),
        Err(e) => Err(e),
    };
    let Some(job) = export.job.take() else {
        return;
    };
    if job.cancelled.is_some() {
        remove_partial(&job);
        export.message = Some("Export cancelled".to_owned());
        return;
    }
    export.message = Some(match status {
        Ok(s) if s.success() => match job.format.file_name() {
            Some(name) => format!("Written: {}", job.out.join(name).display()),
            None => format!("Written: {} frames in {}", job.total, job.out.display()),
        },
        Ok(s) => {
            // Give the stderr reader a moment to collect the message after the child ended.
            std::thread::sleep(std::time::Duration::from_millis(50));
            let why = job.stderr.lock().map(|e| e.clone()).unwrap_or_default();
            let last = why
                .lines()
                .rev()
                .find(|l| l.starts_with("error"))
                .unwrap_or(why.trim());
            remove_partial(&job);
            format!("Export failed ({s}): {last}")
        }
        Err(e) => {
            remove_partial(&job);
            format!("Export failed: {e}")
        }
    });
    drop(job.session);
}
