//! A session's [`FrameState`] applied to the viewer's resources: the camera, the model time, the
//! representations, slab, clip planes and looks. Plain resources in, so the window's preview
//! and the headless renderer apply a frame the same way.

use bevy::prelude::*;

use crate::probe::ProbeKind;
use crate::session::{CameraSpec, FrameState, ProbeSpec, RepresentationSpec};
use crate::view::ViewerState;
use crate::view::camera::OrbitCamera;
use crate::view::playback::Playback;
use crate::view::probe::probe_view::ProbeView;
use crate::view::scene::{Coloring, Representation, Scene, Style};

/// What applying a frame changed that needs more than one update to show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// The representations, slab or clip planes changed: the instances are styled again and
    /// uploaded.
    pub restyled: bool,
}

/// The orbit camera that looks from `spec.position` at `spec.target` (the up vector is world
/// y, as everywhere in the viewer; a view straight down keeps the orbit's own up).
pub fn orbit_from_spec(spec: &CameraSpec) -> OrbitCamera {
    let target = Vec3::from(spec.target);
    let offset = Vec3::from(spec.position) - target;
    let distance = offset.length().max(1e-3);
    let dir = offset / distance;
    OrbitCamera {
        target,
        distance,
        yaw: dir.x.atan2(dir.z),
        pitch: dir.y.clamp(-1.0, 1.0).asin(),
        fov: spec.fov_deg.clamp(1.0, 170.0).to_radians(),
    }
}

/// The camera spec of an orbit camera (the inverse of [`orbit_from_spec`]).
pub fn spec_from_orbit(orbit: &OrbitCamera) -> CameraSpec {
    CameraSpec {
        position: orbit.eye().to_array(),
        target: orbit.target.to_array(),
        up: [0.0, 1.0, 0.0],
        fov_deg: orbit.fov.to_degrees(),
        orthographic: false,
    }
}

/// A session's representation as the viewer draws it; an unknown style is an error naming it.
pub fn representation_from_spec(spec: &RepresentationSpec) -> anyhow::Result<Representation> {
    let style = Style::parse(&spec.style).ok_or_else(|| {
        let names: Vec<&str> = Style::ALL.iter().map(|s| s.name()).collect();
        anyhow::anyhow!(
            "representation style \"{}\" is not one of {}",
            spec.style,
            names.join(", ")
        )
    })?;
    let selection = match spec.select.trim() {
        "all" => String::new(),
        s => s.to_owned(),
    };
    Ok(Representation {
        selection,
        style,
        coloring: spec
            .color_by
            .as_deref()
            .map(Coloring::parse)
            .unwrap_or(Coloring::ByPopulation),
        radius_scale: spec.size,
        enabled: spec.visible,
        material: spec.material,
        opacity: spec.opacity,
    })
}

/// The probe a session places: its kind, with its tip where the session puts it and its shank
/// along `direction` (tip to shank top); the shank reaches above the scene.
pub fn probe_from_spec(scene: &Scene, spec: &ProbeSpec) -> anyhow::Result<ProbeView> {
    let kind = ProbeKind::parse(&spec.kind).ok_or_else(|| {
        anyhow::anyhow!(
            "probe kind \"{}\" is not one of np1, np2, np2-4shank",
            spec.kind
        )
    })?;
    let mut view = ProbeView::default_for(scene, kind);
    let up = spec.direction;
    let len = (up[0] * up[0] + up[1] * up[1] + up[2] * up[2]).sqrt();
    if !(len.is_finite() && len > 0.0) || spec.tip.iter().any(|v| !v.is_finite()) {
        anyhow::bail!(
            "probe: tip {:?} and direction {:?} do not place a probe",
            spec.tip,
            spec.direction
        );
    }
    // The view's direction runs from the entry down to the tip.
    let down = [-up[0] / len, -up[1] / len, -up[2] / len];
    view.tilt_deg = (-down[1]).clamp(-1.0, 1.0).acos().to_degrees();
    view.azimuth_deg = down[2].atan2(down[0]).to_degrees();
    let (lo, hi) = crate::view::probe::probe_view::extent(scene);
    view.depth_um = (spec.tip[1] - hi[1]).abs().max(hi[1] - lo[1]) + 50.0;
    view.entry = [0, 1, 2].map(|k| spec.tip[k] - down[k] * view.depth_um);
    view.update(scene);
    Ok(view)
}

/// Applies `frame` to the viewer: camera, model time (and fade), and, when they differ from
/// what is drawn, representations (an empty list keeps the current ones), slab, clip planes and
/// looks.
pub fn apply_frame_state(
    frame: &FrameState,
    state: &mut ViewerState,
    playback: &mut Playback,
    camera: &mut OrbitCamera,
) -> anyhow::Result<Applied> {
    *camera = orbit_from_spec(&frame.camera);
    let t = frame.time_ms;
    playback.range = (playback.range.0.min(t), playback.range.1.max(t));
    playback.seek(t);
    let mut applied = Applied::default();
    if !frame.representations.is_empty() {
        let reps = frame
            .representations
            .iter()
            .map(representation_from_spec)
            .collect::<anyhow::Result<Vec<_>>>()?;
        if reps != state.representations {
            state.representations = reps;
            state.keep_representations = true;
            applied.restyled = true;
        }
    }
    if state.slab != frame.slab {
        state.slab = frame.slab;
        applied.restyled = true;
    }
    if state.clip != frame.clip {
        state.clip = frame.clip.clone();
        applied.restyled = true;
    }
    if state.looks != frame.looks {
        state.looks = frame.looks.clone();
    }
    if applied.restyled {
        state.restyle = true;
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camera_specs_round_trip_through_the_orbit_camera() {
        let spec = CameraSpec {
            position: [300.0, 400.0, -500.0],
            target: [10.0, -20.0, 30.0],
            up: [0.0, 1.0, 0.0],
            fov_deg: 40.0,
            orthographic: false,
        };
        let back = spec_from_orbit(&orbit_from_spec(&spec));
        for k in 0..3 {
            assert!(
                (back.position[k] - spec.position[k]).abs() < 1e-2,
                "{back:?}"
            );
            assert!((back.target[k] - spec.target[k]).abs() < 1e-4, "{back:?}");
        }
        assert!((back.fov_deg - 40.0).abs() < 1e-4);
    }
}
