//! Screenshots of the window: `S` (whole window), scripted ones for docs and CI
//! (`--screenshot` on `view` and `live`), and off-screen high-resolution shots.

use std::path::PathBuf;

use bevy::core_pipeline::tonemapping::{DebandDither, Tonemapping};
use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};

use super::state::WindowView;
use crate::view::camera::OrbitCamera;
use crate::view::capture::save_png_whole;
use crate::view::{BACKGROUND, ViewerState};

/// Bevy's `save_to_disk`, but the PNG is written whole or not at all.
fn save_screenshot(path: impl Into<PathBuf>) -> impl FnMut(On<ScreenshotCaptured>) {
    let path = path.into();
    move |captured| match captured.image.clone().try_into_dynamic() {
        Ok(image) => match save_png_whole(&image.to_rgb8(), &path) {
            Ok(()) => info!("Screenshot saved to {}", path.display()),
            Err(e) => error!("cannot save the screenshot: {e:#}"),
        },
        Err(e) => error!("cannot save the screenshot {}: {e}", path.display()),
    }
}

pub fn take_screenshot(commands: &mut Commands) {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let path = format!("cortexview-{stamp}.png");
    info!("screenshot: {path}");
    commands
        .spawn(Screenshot::primary_window())
        .observe(save_screenshot(path));
}

/// A screenshot the command line asked for (`view`/`live --screenshot OUT.png
/// [--screenshot-after N] [--screenshot-size WxH]`): the window after `after_frames` frames
/// with the scene on screen, or an off-screen image of `size`; the window closes once it is
/// written. What the scene shows (playing, picked, style, camera, raster rows) comes from a
/// session opened with it.
#[derive(Resource, Clone, Debug, PartialEq)]
pub struct ScriptedShot {
    pub path: PathBuf,
    pub after_frames: u32,
    pub size: Option<(u32, u32)>,
}

/// Parses `WxH` (`--screenshot-size`).
pub fn parse_size(s: &str) -> Result<(u32, u32), String> {
    s.split_once('x')
        .and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)))
        .filter(|&(w, h): &(u32, u32)| (16..=7680).contains(&w) && (16..=4320).contains(&h))
        .ok_or_else(|| format!("'{s}' is no size WxH from 16x16 to 7680x4320"))
}

/// Counts frames once the scene is on screen and takes the scripted screenshot, then exits.
pub fn scripted_screenshot(
    shot: Option<Res<ScriptedShot>>,
    mut frames: Local<u32>,
    mut since: Local<Option<std::time::Instant>>,
    mut commands: Commands,
    state: Res<ViewerState>,
    mut hires: ResMut<HiResShot>,
) {
    let Some(shot) = shot else {
        return;
    };
    if state.scene.is_none() || state.loading.is_some() {
        return;
    }
    *frames += 1;
    if since.is_none() {
        *since = Some(std::time::Instant::now());
    }
    if *frames != shot.after_frames.max(1) {
        return;
    }
    if let Some(t) = *since {
        let secs = t.elapsed().as_secs_f64();
        info!(
            "window: {} frames with the scene in {secs:.2} s ({:.2} fps)",
            *frames,
            f64::from(*frames) / secs.max(1e-9)
        );
    }
    let exit = |_: On<ScreenshotCaptured>, mut exit: MessageWriter<AppExit>| {
        exit.write(AppExit::Success);
    };
    match shot.size {
        Some(size) => {
            hires.request = Some(size);
            hires.path = Some(shot.path.clone());
            hires.exit_after = true;
        }
        None => {
            commands
                .spawn(Screenshot::primary_window())
                .observe(save_screenshot(shot.path.clone()))
                .observe(exit);
        }
    }
}

/// A screenshot at a resolution of its own (up to 8K), from an off-screen camera that copies
/// the view's camera for a few frames.
#[derive(Resource, Default)]
pub struct HiResShot {
    pub request: Option<(u32, u32)>,
    /// Where to write it (else a name with the time); exit once written (scripted shots).
    pub path: Option<PathBuf>,
    pub exit_after: bool,
    camera: Option<(Entity, u32)>,
    pending: Option<(Handle<Image>, PathBuf)>,
}

pub fn hires_screenshot(
    mut shot: ResMut<HiResShot>,
    mut commands: Commands,
    mut images: ResMut<Assets<Image>>,
    view: Query<&OrbitCamera, With<WindowView>>,
) {
    if let Some((entity, frames)) = shot.camera {
        // Frame 2: the camera has rendered once, capture; frame 8: done, remove it.
        if frames == 6
            && let Some((handle, path)) = shot.pending.take()
        {
            let mut shot_entity = commands.spawn(Screenshot::image(handle));
            shot_entity.observe(save_screenshot(path));
            if shot.exit_after {
                shot_entity.observe(
                    |_: On<ScreenshotCaptured>, mut exit: MessageWriter<AppExit>| {
                        exit.write(AppExit::Success);
                    },
                );
            }
        }
        if frames == 0 {
            commands.entity(entity).despawn();
            shot.camera = None;
        } else {
            shot.camera = Some((entity, frames - 1));
        }
        return;
    }
    let Some((w, h)) = shot.request.take() else {
        return;
    };
    let Some(orbit) = view.iter().next().copied() else {
        return;
    };
    let (w, h) = (w.clamp(16, 7680), h.clamp(16, 4320));
    let mut image = Image::new_target_texture(
        w,
        h,
        bevy::render::render_resource::TextureFormat::Rgba8UnormSrgb,
        None,
    );
    image.texture_descriptor.usage |= bevy::render::render_resource::TextureUsages::COPY_SRC;
    let handle = images.add(image);
    let entity = commands
        .spawn((
            Camera3d::default(),
            Camera {
                order: -1,
                clear_color: ClearColorConfig::Custom(BACKGROUND),
                ..default()
            },
            bevy::camera::RenderTarget::Image(handle.clone().into()),
            Msaa::Off,
            Tonemapping::None,
            DebandDither::Disabled,
            orbit.transform(),
            orbit.projection(),
            orbit,
        ))
        .id();
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let path = shot
        .path
        .take()
        .unwrap_or_else(|| PathBuf::from(format!("cortexview-{stamp}-{w}x{h}.png")));
    info!("screenshot: {}", path.display());
    shot.pending = Some((handle, path));
    shot.camera = Some((entity, 8));
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn screenshot_sizes_are_width_x_height_within_limits() {
        assert_eq!(parse_size("3840x2160"), Ok((3840, 2160)));
        assert!(parse_size("3840").is_err());
        assert!(parse_size("0x100").is_err());
        assert!(parse_size("9000x100").unwrap_err().contains("9000x100"));
    }
}
