//! Screenshots of the window: `S` (whole window), scripted ones for docs and CI
//! (`CORTEXVIEW_AUTOSHOT*`), and off-screen high-resolution shots.

use std::path::PathBuf;

use bevy::core_pipeline::tonemapping::{DebandDither, Tonemapping};
use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};

use super::state::WindowView;
use crate::view::camera::OrbitCamera;
use crate::view::capture::save_png_whole;
use crate::view::playback::Playback;
use crate::view::scene::Style;
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

/// For scripted screenshots (docs, CI under Xvfb): `CORTEXVIEW_AUTOSHOT=out.png` saves the
/// window after `CORTEXVIEW_AUTOSHOT_FRAME` frames (default 90) and exits;
/// `CORTEXVIEW_AUTOPLAY=1` starts playback; `CORTEXVIEW_AUTOPICK=N` picks instance N;
/// `CORTEXVIEW_AUTOSHOT_HIRES=3840x2160` also saves an off-screen image of that size;
/// `CORTEXVIEW_AUTOROWS=A-B` selects raster rows (instances A..B) as a shift-drag would;
/// `CORTEXVIEW_AUTOSTYLE=morphology` gives the first representation that style;
/// `CORTEXVIEW_AUTOZOOM=F` moves the camera F times closer at frame 60 (after the fit), onto
/// the picked neuron when there is one.
#[allow(clippy::too_many_arguments)]
pub fn auto_screenshot(
    mut frame: Local<u32>,
    mut cameras: Query<&mut OrbitCamera>,
    mut since: Local<Option<(std::time::Instant, u32)>>,
    mut commands: Commands,
    mut playback: ResMut<Playback>,
    mut state: ResMut<ViewerState>,
    mut hires: ResMut<HiResShot>,
) {
    let Some(path) = std::env::var_os("CORTEXVIEW_AUTOSHOT") else {
        return;
    };
    *frame += 1;
    // CORTEXVIEW_AUTOSHOT_HIRES=WxH: also save an off-screen image of that size.
    if *frame == 20
        && let Some((w, h)) = std::env::var("CORTEXVIEW_AUTOSHOT_HIRES")
            .ok()
            .and_then(|v| {
                v.split_once('x')
                    .map(|(a, b)| (a.parse().ok(), b.parse().ok()))
            })
            .and_then(|(a, b)| Some((a?, b?)))
    {
        hires.request = Some((w, h));
    }
    if *frame == 60
        && let Some(f) = std::env::var("CORTEXVIEW_AUTOZOOM")
            .ok()
            .and_then(|v| v.parse::<f32>().ok())
            .filter(|f| *f > 0.0)
    {
        let picked = state
            .picked
            .zip(state.scene.as_deref())
            .and_then(|(i, scene)| scene.positions.get(i).copied());
        for mut c in &mut cameras {
            c.distance /= f;
            if let Some(p) = picked {
                c.target = Vec3::from(p);
            }
        }
    }
    if *frame == 1 && std::env::var_os("CORTEXVIEW_AUTOPLAY").is_some() {
        playback.playing = true;
    }
    if state.scene.is_some()
        && state.raster_rows.is_none()
        && let Some((a, b)) = std::env::var("CORTEXVIEW_AUTOROWS")
            .ok()
            .and_then(|v| {
                v.split_once('-')
                    .map(|(a, b)| (a.parse().ok(), b.parse().ok()))
            })
            .and_then(|(a, b)| Some((a?, b?)))
    {
        state.raster_rows = Some(a..b);
        state.restyle = true;
    }
    if state.scene.is_some()
        && let Some(style) = std::env::var("CORTEXVIEW_AUTOSTYLE")
            .ok()
            .and_then(|v| Style::parse(&v))
        && let Some(rep) = state.representations.first_mut()
        && rep.style != style
    {
        rep.style = style;
        state.restyle = true;
    }
    if state.scene.is_some()
        && state.picked.is_none()
        && let Some(i) = std::env::var("CORTEXVIEW_AUTOPICK")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
    {
        state.picked = Some(i);
    }
    let at = std::env::var("CORTEXVIEW_AUTOSHOT_FRAME")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(90);
    if state.scene.is_some() && since.is_none() {
        *since = Some((std::time::Instant::now(), *frame));
    }
    if *frame == at {
        if let Some((t, f)) = *since {
            let secs = t.elapsed().as_secs_f64();
            info!(
                "window: {} frames with the scene in {secs:.2} s ({:.2} fps)",
                *frame - f,
                (*frame - f) as f64 / secs.max(1e-9)
            );
        }
        commands
            .spawn(Screenshot::primary_window())
            .observe(save_screenshot(PathBuf::from(path)))
            .observe(
                |_: On<ScreenshotCaptured>, mut exit: MessageWriter<AppExit>| {
                    exit.write(AppExit::Success);
                },
            );
    }
}

/// A screenshot at a resolution of its own (up to 8K), from an off-screen camera that copies
/// the view's camera for a few frames.
#[derive(Resource, Default)]
pub struct HiResShot {
    pub request: Option<(u32, u32)>,
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
            commands
                .spawn(Screenshot::image(handle))
                .observe(save_screenshot(path));
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
    let path = PathBuf::from(format!("cortexview-{stamp}-{w}x{h}.png"));
    info!("screenshot: {}", path.display());
    shot.pending = Some((handle, path));
    shot.camera = Some((entity, 8));
}
