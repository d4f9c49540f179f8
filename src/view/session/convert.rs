//! Session values and the viewer's own, both ways (no Bevy systems): representations,
//! camera, playback and probe.

use bevy::math::Vec3;

use crate::probe::ProbeKind;
use crate::session::{CameraSpec, PlaybackSpec, ProbeSpec, RepresentationSpec};
use crate::view::camera::OrbitCamera;
use crate::view::playback::{LoopMode, Playback};
use crate::view::probe::probe_view::{ProbeView, extent};
use crate::view::scene::{Coloring, Representation, Scene, Style};

/// A session's representation as the viewer draws it: `color_by` parsed as `render --color-by`
/// parses it, the range and colormap put on the colourings that have them.
pub fn representation_from_spec(spec: &RepresentationSpec) -> Result<Representation, String> {
    let style = Style::parse(&spec.style).ok_or_else(|| {
        let names: Vec<&str> = Style::ALL.iter().map(|s| s.name()).collect();
        format!("unknown style '{}' ({})", spec.style, names.join(", "))
    })?;
    let coloring = Coloring::from_spec(spec)?;
    Ok(Representation {
        selection: if spec.select.trim() == "all" {
            String::new()
        } else {
            spec.select.clone()
        },
        style,
        coloring,
        radius_scale: spec.size,
        enabled: spec.visible,
        material: spec.material,
        opacity: spec.opacity,
    })
}

/// The inverse of [`representation_from_spec`].
pub fn representation_to_spec(rep: &Representation) -> RepresentationSpec {
    let (color_by, colormap, range) = match &rep.coloring {
        Coloring::Solid(c) => (hex(*c), None, None),
        Coloring::ByPopulation => ("population".to_owned(), None, None),
        Coloring::ByNodeType => ("type".to_owned(), None, None),
        Coloring::ByActivity { colormap, range } => (
            "activity".to_owned(),
            Some(colormap.name().to_owned()),
            *range,
        ),
        Coloring::ByAttribute {
            name,
            range,
            colormap,
        } => (name.clone(), Some(colormap.name().to_owned()), *range),
        Coloring::BySectionType => ("section_type".to_owned(), None, None),
        Coloring::ByReport { colormap, range } => (
            "report".to_owned(),
            Some(colormap.name().to_owned()),
            *range,
        ),
    };
    RepresentationSpec {
        select: if rep.selection.trim().is_empty() {
            "all".to_owned()
        } else {
            rep.selection.clone()
        },
        style: rep.style.name().to_owned(),
        color_by: Some(color_by),
        colormap,
        range: range.map(|(a, b)| [a, b]),
        size: rep.radius_scale,
        material: rep.material,
        opacity: rep.opacity,
        visible: rep.enabled,
    }
}

fn hex(c: [f32; 3]) -> String {
    let b = c.map(|x| (x.clamp(0.0, 1.0) * 255.0).round() as u8);
    format!("#{:02x}{:02x}{:02x}", b[0], b[1], b[2])
}

/// The orbit camera that looks from `position` at `target`, rolled so that `up` points up on
/// screen (its part across the view direction).
pub fn orbit_from_spec(spec: &CameraSpec) -> OrbitCamera {
    let target = Vec3::from(spec.target);
    let offset = Vec3::from(spec.position) - target;
    let distance = offset.length().max(1e-3);
    let mut orbit = OrbitCamera {
        target,
        distance,
        yaw: offset.x.atan2(offset.z),
        pitch: (offset.y / distance).clamp(-1.0, 1.0).asin(),
        roll: 0.0,
        fov: spec.fov_deg.clamp(1.0, 170.0).to_radians(),
        orthographic: spec.orthographic,
    };
    orbit.roll_to(Vec3::from(spec.up));
    orbit
}

/// The inverse of [`orbit_from_spec`]: `up` is the one drawn with (across the view direction).
pub fn orbit_to_spec(cam: &OrbitCamera) -> CameraSpec {
    let up = cam.transform().up();
    CameraSpec {
        position: cam.eye().to_array(),
        target: cam.target.to_array(),
        up: up.to_array(),
        fov_deg: cam.fov.to_degrees(),
        orthographic: cam.orthographic,
    }
}

pub fn loop_mode_name(mode: LoopMode) -> &'static str {
    match mode {
        LoopMode::Loop => "loop",
        LoopMode::Once => "once",
        LoopMode::Rock => "rock",
    }
}

pub fn parse_loop_mode(s: &str) -> Option<LoopMode> {
    match s {
        "loop" => Some(LoopMode::Loop),
        "once" => Some(LoopMode::Once),
        "rock" => Some(LoopMode::Rock),
        _ => None,
    }
}

/// Playback set as a session says (the range only when it gives one: else the scene's stays).
pub fn apply_playback(spec: &PlaybackSpec, playback: &mut Playback) -> Result<(), String> {
    playback.playing = spec.playing;
    if spec.speed.is_finite() && spec.speed > 0.0 {
        playback.speed = spec.speed;
    }
    if spec.fade_ms.is_finite() && spec.fade_ms > 0.0 {
        playback.tau_ms = spec.fade_ms;
    }
    if let Some([a, b]) = spec.range_ms
        && a.is_finite()
        && b.is_finite()
        && b > a
    {
        playback.range = (a, b);
    }
    playback.mode = parse_loop_mode(&spec.mode)
        .ok_or_else(|| format!("unknown playback mode '{}' (loop, once, rock)", spec.mode))?;
    Ok(())
}

pub fn playback_to_spec(playback: &Playback) -> PlaybackSpec {
    PlaybackSpec {
        playing: playback.playing,
        speed: playback.speed,
        mode: loop_mode_name(playback.mode).to_owned(),
        fade_ms: playback.tau_ms,
        range_ms: Some([playback.range.0, playback.range.1]),
    }
}

/// The session spelling of a probe kind.
pub fn probe_kind_id(kind: ProbeKind) -> &'static str {
    match kind {
        ProbeKind::Np1 => "np1",
        ProbeKind::Np2 => "np2",
        ProbeKind::Np2FourShank => "np2-4shank",
    }
}

/// A probe placed as a session says: its tip where given, inserted along `-direction` from the
/// top of the circuit (the shank's entry point).
pub fn probe_from_spec(spec: &ProbeSpec, scene: &Scene) -> Result<(ProbeKind, ProbeView), String> {
    let kind = ProbeKind::parse(&spec.kind)
        .ok_or_else(|| format!("unknown probe '{}' (np1, np2, np2-4shank)", spec.kind))?;
    let mut view = ProbeView::default_for(scene, kind);
    let up = Vec3::from(spec.direction.map(|x| x as f32)).normalize_or(Vec3::Y);
    let insert = -up;
    let tilt = (-insert.y).clamp(-1.0, 1.0).acos();
    let azimuth = insert.z.atan2(insert.x);
    let (_, hi) = extent(scene);
    let tip = spec.tip;
    let depth = if insert.y < -0.1 {
        ((hi[1] - tip[1]) / f64::from(-insert.y)).max(100.0)
    } else {
        1000.0
    };
    view.tilt_deg = f64::from(tilt).to_degrees();
    view.azimuth_deg = f64::from(azimuth).to_degrees();
    view.depth_um = depth;
    view.entry = std::array::from_fn(|k| tip[k] - f64::from(insert[k]) * depth);
    view.update(scene);
    Ok((kind, view))
}

pub fn probe_to_spec(kind: ProbeKind, view: &ProbeView) -> ProbeSpec {
    let placement = view.placement();
    ProbeSpec {
        kind: probe_kind_id(kind).to_owned(),
        tip: placement.tip,
        direction: placement.direction.map(|x| -x),
        roll_deg: placement.roll.to_degrees(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn representations_read_back_as_written() {
        for color_by in [
            "population",
            "type",
            "activity",
            "layer",
            "#ff8800",
            "report",
        ] {
            let spec = RepresentationSpec {
                select: "population == v1".into(),
                style: "points".into(),
                color_by: Some(color_by.into()),
                // Continuous colourings always write the colormap they draw with.
                colormap: match color_by {
                    "report" => Some("coolwarm".to_owned()),
                    "activity" => Some("magma".to_owned()),
                    "layer" => Some("viridis".to_owned()),
                    _ => None,
                },
                range: (color_by == "layer" || color_by == "report").then_some([1.0, 4.0]),
                size: 1.5,
                opacity: 0.25,
                visible: false,
                ..RepresentationSpec::default()
            };
            let rep = representation_from_spec(&spec).unwrap();
            assert_eq!(representation_to_spec(&rep), spec, "{color_by}");
        }
        assert!(
            representation_from_spec(&RepresentationSpec {
                style: "blobs".into(),
                ..RepresentationSpec::default()
            })
            .unwrap_err()
            .contains("blobs")
        );
    }

    #[test]
    fn a_camera_looks_from_its_position_at_its_target() {
        let spec = CameraSpec {
            position: [300.0, 400.0, 1200.0],
            target: [10.0, -20.0, 30.0],
            fov_deg: 40.0,
            ..CameraSpec::default()
        };
        let orbit = orbit_from_spec(&spec);
        let back = orbit_to_spec(&orbit);
        for k in 0..3 {
            assert!(
                (back.position[k] - spec.position[k]).abs() < 1e-2,
                "{back:?}"
            );
        }
        assert_eq!(back.target, spec.target);
        assert!((back.fov_deg - 40.0).abs() < 1e-4);
        assert!(
            (Vec3::from(back.up) - Vec3::Y).length() < 0.5,
            "unrolled: world y is up on screen ({:?})",
            back.up
        );
    }

    #[test]
    fn a_camera_keeps_the_up_it_is_given() {
        // looking along -z at the target: every up across z is drawn as given
        for up in [
            [1.0, 0.0, 0.0],
            [-1.0, 0.0, 0.0],
            [0.0, -1.0, 0.0],
            [0.6, 0.8, 0.0],
        ] {
            let spec = CameraSpec {
                position: [0.0, 0.0, 1000.0],
                up,
                ..CameraSpec::default()
            };
            let orbit = orbit_from_spec(&spec);
            let back = orbit_to_spec(&orbit);
            for k in 0..3 {
                assert!((back.up[k] - up[k]).abs() < 1e-5, "{up:?} -> {:?}", back.up);
            }
            // the screen's up in the camera's transform is that vector
            assert!((*orbit.transform().up() - Vec3::from(up)).length() < 1e-5);
        }
        // from an oblique position, an up with a part along the view keeps its part across it
        let spec = CameraSpec {
            position: [300.0, 400.0, 1200.0],
            target: [10.0, -20.0, 30.0],
            up: [1.0, 0.0, 0.0],
            ..CameraSpec::default()
        };
        let orbit = orbit_from_spec(&spec);
        let back = Vec3::from(orbit_to_spec(&orbit).up);
        let view = (Vec3::from(spec.target) - Vec3::from(spec.position)).normalize();
        let across = (Vec3::X - view * Vec3::X.dot(view)).normalize();
        assert!((back - across).length() < 1e-5, "{back:?} vs {across:?}");
        // and it rolls the picture: re-read from what it wrote, the same orbit
        let again = orbit_from_spec(&orbit_to_spec(&orbit));
        assert!((again.roll - orbit.roll).abs() < 1e-5);
        assert!(orbit.roll.abs() > 0.5);
    }
}
