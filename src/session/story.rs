//! A story evaluated at movie time `s` (no Bevy): the one function the window's preview and
//! `render` both draw frames from.
//!
//! Rules: keys are taken in `at_s` order. The camera's position and target follow a
//! Catmull-Rom curve through the keys that have a camera (a straight line between two), `up`
//! turns evenly from key to key (slerp: it never flips), `fov_deg` interpolates, and
//! `orbit_deg` turns the camera about its target from its key to the next (the turns add up).
//! Model time interpolates between the keys that have `time_ms` (equal times hold, a key
//! without one follows its neighbours). The numbers of representations (size, opacity, range)
//! interpolate between keys whose lists are as long; everything categorical (style, colouring,
//! material, visibility, selection) and the clip planes, looks, layout and title switch at the
//! key that sets them. Each way from a key to the next is eased by that key's `ease`. Before
//! the first key that sets something, the session's own value holds (the camera and model time:
//! the first key's).

use super::format::{CameraSpec, FrameState, RepresentationSpec, Session, Slab, Story, StoryKey};
use super::interpolate::{
    catmull_rom, ease_fraction, lerp, lerp3, rotate_about, slerp_direction, to_f32, to_f64,
};

impl Session {
    /// Frames of the movie: one every `1 / fps` from 0 to the story's duration, both ends
    /// included (`round(duration_s × fps) + 1`); 1 without a story.
    pub fn frame_count(&self) -> u64 {
        match &self.story {
            Some(story) => (story.duration_s * f64::from(story.fps.max(1))).round() as u64 + 1,
            None => 1,
        }
    }

    /// Movie time of frame `k`, s (the last frame lies at the story's duration).
    pub fn frame_time_s(&self, k: u64) -> f64 {
        match &self.story {
            Some(story) => (k as f64 / f64::from(story.fps.max(1))).min(story.duration_s),
            None => 0.0,
        }
    }

    /// What is drawn at movie time `s`: the still state without a story (or one without keys).
    pub fn frame_state(&self, s: f64) -> FrameState {
        let still = self.still_state();
        match &self.story {
            Some(story) if !story.keys.is_empty() => story_state(story, still, s),
            _ => still,
        }
    }

    /// The session's own state, without its story.
    pub fn still_state(&self) -> FrameState {
        FrameState {
            camera: self.camera.unwrap_or_default(),
            time_ms: self.time_ms.unwrap_or(0.0),
            representations: self.representations.clone(),
            slab: self.slab,
            clip: self.clip.clone(),
            looks: self.looks.clone(),
            layout: self.layout.clone(),
            title: self.title.clone(),
            captions: Vec::new(),
        }
    }
}

fn story_state(story: &Story, still: FrameState, s: f64) -> FrameState {
    let mut keys: Vec<&StoryKey> = story.keys.iter().collect();
    keys.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
    let mut camera = camera_at(&keys, s).unwrap_or(still.camera);
    let angle = orbit_angle(&keys, story.duration_s, s);
    if angle != 0.0 {
        let target = to_f64(camera.target);
        let offset = std::array::from_fn(|k| f64::from(camera.position[k]) - target[k]);
        let turned = rotate_about(offset, to_f64(camera.up), angle);
        camera.position = to_f32(std::array::from_fn(|k| target[k] + turned[k]));
    }
    let time_ms = time_at(&keys, s).unwrap_or(still.time_ms);
    FrameState {
        camera,
        time_ms,
        representations: representations_at(&keys, s).unwrap_or(still.representations),
        slab: slab_at(&keys, s).or(still.slab),
        clip: last_set(&keys, s, |k| k.clip.clone()).unwrap_or(still.clip),
        looks: last_set(&keys, s, |k| k.looks.clone()).unwrap_or(still.looks),
        layout: last_set(&keys, s, |k| k.layout.clone()).or(still.layout),
        title: last_set(&keys, s, |k| k.title.clone()).or(still.title),
        captions: keys
            .iter()
            .filter_map(|k| k.caption.as_ref().map(|c| (k.at_s, c)))
            .filter(|(at, c)| *at <= s && s < at + c.duration_s)
            .map(|(_, c)| c.text.clone())
            .collect(),
    }
}

/// Where `s` lies among the keys that set something: `Before` the first, `Within(i, u)` from
/// key `i` toward key `i + 1` (`u` eased by key `i`), or `At(i)` on or after the last.
enum Span {
    Before,
    Within(usize, f64),
    At(usize),
}

fn span(keys: &[&StoryKey], s: f64) -> Span {
    let Some(first) = keys.first() else {
        return Span::Before;
    };
    if s < first.at_s {
        return Span::Before;
    }
    let i = keys.iter().rposition(|k| k.at_s <= s).unwrap_or(0);
    if i + 1 >= keys.len() {
        return Span::At(i);
    }
    let (a, b) = (keys[i].at_s, keys[i + 1].at_s);
    let u = if b > a { (s - a) / (b - a) } else { 1.0 };
    Span::Within(i, ease_fraction(keys[i].ease, u))
}

fn camera_at(keys: &[&StoryKey], s: f64) -> Option<CameraSpec> {
    let track: Vec<&StoryKey> = keys
        .iter()
        .copied()
        .filter(|k| k.camera.is_some())
        .collect();
    let cams: Vec<CameraSpec> = track.iter().filter_map(|k| k.camera).collect();
    let times: Vec<f64> = track.iter().map(|k| k.at_s).collect();
    match span(&track, s) {
        Span::Before => cams.first().copied(),
        Span::At(i) => Some(cams[i]),
        Span::Within(i, u) => {
            let (a, b) = (cams[i], cams[i + 1]);
            let positions: Vec<[f64; 3]> = cams.iter().map(|c| to_f64(c.position)).collect();
            let targets: Vec<[f64; 3]> = cams.iter().map(|c| to_f64(c.target)).collect();
            let position = catmull_rom(&positions, &times, i, u);
            let target = catmull_rom(&targets, &times, i, u);
            let view = std::array::from_fn(|k| target[k] - position[k]);
            Some(CameraSpec {
                position: to_f32(position),
                target: to_f32(target),
                up: to_f32(slerp_direction(to_f64(a.up), to_f64(b.up), u, view)),
                fov_deg: lerp(f64::from(a.fov_deg), f64::from(b.fov_deg), u) as f32,
                orthographic: a.orthographic,
            })
        }
    }
}

/// The sum of the orbits begun by `s`: each key's `orbit_deg` turns from its key to the next
/// key (or the story's end), eased by its key.
fn orbit_angle(keys: &[&StoryKey], duration_s: f64, s: f64) -> f64 {
    let mut angle = 0.0;
    for (i, key) in keys.iter().enumerate() {
        let Some(deg) = key.orbit_deg else { continue };
        if s < key.at_s {
            continue;
        }
        let end = keys[i + 1..]
            .iter()
            .map(|k| k.at_s)
            .find(|&t| t > key.at_s)
            .unwrap_or(duration_s);
        let u = if end > key.at_s {
            ease_fraction(key.ease, (s - key.at_s) / (end - key.at_s))
        } else {
            1.0
        };
        angle += f64::from(deg) * u;
    }
    angle
}

fn time_at(keys: &[&StoryKey], s: f64) -> Option<f64> {
    let track: Vec<&StoryKey> = keys
        .iter()
        .copied()
        .filter(|k| k.time_ms.is_some())
        .collect();
    let t = |i: usize| track[i].time_ms.unwrap_or(0.0);
    match span(&track, s) {
        Span::Before => track.first().map(|_| t(0)),
        Span::At(i) => Some(t(i)),
        Span::Within(i, u) => Some(lerp(t(i), t(i + 1), u)),
    }
}

fn representations_at(keys: &[&StoryKey], s: f64) -> Option<Vec<RepresentationSpec>> {
    let track: Vec<&StoryKey> = keys
        .iter()
        .copied()
        .filter(|k| k.representations.is_some())
        .collect();
    let reps = |i: usize| track[i].representations.clone().unwrap_or_default();
    match span(&track, s) {
        Span::Before => None,
        Span::At(i) => Some(reps(i)),
        Span::Within(i, u) => {
            let (a, b) = (reps(i), reps(i + 1));
            if a.len() != b.len() {
                return Some(a);
            }
            Some(
                a.iter()
                    .zip(&b)
                    .map(|(a, b)| blend_representation(a, b, u))
                    .collect(),
            )
        }
    }
}

/// `a` with its numbers moved toward `b`'s by `u`; its categories kept.
pub fn blend_representation(
    a: &RepresentationSpec,
    b: &RepresentationSpec,
    u: f64,
) -> RepresentationSpec {
    let mut out = a.clone();
    out.size = lerp(f64::from(a.size), f64::from(b.size), u) as f32;
    out.opacity = lerp(f64::from(a.opacity), f64::from(b.opacity), u) as f32;
    if let (Some(ra), Some(rb)) = (a.range, b.range) {
        out.range = Some([lerp(ra[0], rb[0], u), lerp(ra[1], rb[1], u)]);
    }
    out
}

fn slab_at(keys: &[&StoryKey], s: f64) -> Option<Slab> {
    let track: Vec<&StoryKey> = keys.iter().copied().filter(|k| k.slab.is_some()).collect();
    let slab = |i: usize| track[i].slab;
    match span(&track, s) {
        Span::Before => None,
        Span::At(i) => slab(i),
        Span::Within(i, u) => {
            let (a, b) = (slab(i)?, slab(i + 1)?);
            Some(Slab {
                normal: a.normal,
                center: to_f32(lerp3(to_f64(a.center), to_f64(b.center), u)),
                thickness_um: lerp(f64::from(a.thickness_um), f64::from(b.thickness_um), u) as f32,
            })
        }
    }
}

/// The value of the last key at or before `s` that sets it.
fn last_set<T>(keys: &[&StoryKey], s: f64, get: impl Fn(&StoryKey) -> Option<T>) -> Option<T> {
    keys.iter()
        .rev()
        .filter(|k| k.at_s <= s)
        .find_map(|k| get(k))
}
