//! The story rules, one test each.
#![cfg(test)]

use super::format::*;

fn cam(x: f32, y: f32, z: f32) -> CameraSpec {
    CameraSpec {
        position: [x, y, z],
        target: [0.0, 0.0, 0.0],
        up: [0.0, 1.0, 0.0],
        fov_deg: 30.0,
        orthographic: false,
    }
}

fn key(at_s: f64) -> StoryKey {
    StoryKey {
        at_s,
        ..StoryKey::default()
    }
}

fn story(duration_s: f64, keys: Vec<StoryKey>) -> Session {
    Session {
        story: Some(Story {
            duration_s,
            fps: 10,
            keys,
        }),
        ..Session::default()
    }
}

fn two_key_linear() -> Session {
    let mut a = key(0.0);
    a.camera = Some(cam(0.0, 0.0, 1000.0));
    a.time_ms = Some(100.0);
    a.ease = Ease::Linear;
    let mut b = key(4.0);
    b.camera = Some(CameraSpec {
        target: [10.0, 20.0, 30.0],
        fov_deg: 50.0,
        ..cam(1000.0, 200.0, 0.0)
    });
    b.time_ms = Some(300.0);
    story(4.0, vec![a, b])
}

#[test]
fn without_a_story_one_frame_of_the_still_state() {
    let session = Session {
        camera: Some(cam(1.0, 2.0, 3.0)),
        time_ms: Some(42.0),
        title: Some("still".into()),
        ..Session::default()
    };
    assert_eq!(session.frame_count(), 1);
    let state = session.frame_state(3.0);
    assert_eq!(state.camera, cam(1.0, 2.0, 3.0));
    assert_eq!(state.time_ms, 42.0);
    assert_eq!(state.title.as_deref(), Some("still"));
}

#[test]
fn frames_run_from_zero_to_the_duration_both_included() {
    let session = two_key_linear();
    assert_eq!(session.frame_count(), 41);
    assert_eq!(session.frame_time_s(0), 0.0);
    assert_eq!(session.frame_time_s(40), 4.0);
}

#[test]
fn first_and_last_frames_equal_their_keys() {
    let session = two_key_linear();
    let keys = &session.story.as_ref().unwrap().keys;
    let first = session.frame_state(session.frame_time_s(0));
    let last = session.frame_state(session.frame_time_s(session.frame_count() - 1));
    assert_eq!(Some(first.camera), keys[0].camera);
    assert_eq!(Some(first.time_ms), keys[0].time_ms);
    assert_eq!(Some(last.camera), keys[1].camera);
    assert_eq!(Some(last.time_ms), keys[1].time_ms);
    // before the first key and after the last, the ends hold
    assert_eq!(session.frame_state(-1.0).camera, first.camera);
    assert_eq!(session.frame_state(9.0).camera, last.camera);
}

#[test]
fn two_linear_keys_interpolate_on_the_straight_line() {
    let session = two_key_linear();
    let mid = session.frame_state(2.0);
    assert_eq!(mid.camera.position, [500.0, 100.0, 500.0]);
    assert_eq!(mid.camera.target, [5.0, 10.0, 15.0]);
    assert_eq!(mid.camera.fov_deg, 40.0);
    assert_eq!(mid.time_ms, 200.0);
    let quarter = session.frame_state(1.0);
    assert_eq!(quarter.camera.position, [250.0, 50.0, 750.0]);
    assert_eq!(quarter.time_ms, 150.0);
}

#[test]
fn smooth_keys_ease_in_and_out() {
    let mut session = two_key_linear();
    for k in &mut session.story.as_mut().unwrap().keys {
        k.ease = Ease::Smooth;
    }
    // smoothstep: the same ends and midpoint, slower near the keys
    assert_eq!(session.frame_state(0.0).time_ms, 100.0);
    assert_eq!(session.frame_state(4.0).time_ms, 300.0);
    assert_eq!(session.frame_state(2.0).time_ms, 200.0);
    let early = session.frame_state(0.4).time_ms;
    assert!(early > 100.0 && early < 120.0, "{early}");
    assert!((early - (100.0 + 200.0 * 0.028)).abs() < 1e-9);
}

#[test]
fn the_camera_path_passes_through_every_key() {
    let positions = [
        cam(0.0, 0.0, 1000.0),
        cam(700.0, 100.0, 700.0),
        cam(1000.0, 300.0, 0.0),
        cam(600.0, 0.0, -800.0),
    ];
    let times = [0.0, 1.0, 3.0, 4.5];
    let keys = positions
        .iter()
        .zip(times)
        .map(|(c, t)| StoryKey {
            camera: Some(*c),
            ..key(t)
        })
        .collect();
    let session = story(4.5, keys);
    for (c, t) in positions.iter().zip(times) {
        let got = session.frame_state(t).camera;
        for k in 0..3 {
            assert!(
                (got.position[k] - c.position[k]).abs() < 1e-3,
                "{t}: {got:?}"
            );
        }
    }
    // between keys the path bends (it is no polyline): the point halfway in time between keys 1
    // and 2 lies off their chord
    let mid = session.frame_state(2.0).camera.position;
    let chord = [850.0, 200.0, 350.0];
    let off: f32 = (0..3)
        .map(|k| (mid[k] - chord[k]).powi(2))
        .sum::<f32>()
        .sqrt();
    assert!(off > 1.0, "{mid:?}");
}

#[test]
fn model_time_holds_between_equal_keys_and_a_key_without_time_follows() {
    let mut keys = vec![key(0.0), key(1.0), key(2.0), key(3.0)];
    keys[0].time_ms = Some(100.0);
    keys[1].time_ms = Some(100.0);
    keys[3].time_ms = Some(400.0);
    for k in &mut keys {
        k.ease = Ease::Linear;
    }
    let session = story(3.0, keys);
    assert_eq!(session.frame_state(0.5).time_ms, 100.0);
    assert_eq!(session.frame_state(1.0).time_ms, 100.0);
    // key 2 has no time: from 1 s to 3 s model time goes 100 -> 400 straight through it
    assert_eq!(session.frame_state(2.0).time_ms, 250.0);
    assert_eq!(session.frame_state(3.0).time_ms, 400.0);
}

#[test]
fn an_orbit_turns_about_the_target_from_its_key_to_the_next() {
    let mut a = key(0.0);
    a.camera = Some(cam(0.0, 0.0, 1000.0));
    a.orbit_deg = Some(90.0);
    a.ease = Ease::Linear;
    let session = story(2.0, vec![a, key(2.0)]);
    let half = session.frame_state(1.0).camera.position;
    let s = 1000.0 * std::f32::consts::FRAC_1_SQRT_2;
    assert!(
        (half[0] - s).abs() < 1e-2 && (half[2] - s).abs() < 1e-2,
        "{half:?}"
    );
    let end = session.frame_state(2.0).camera.position;
    assert!(
        (end[0] - 1000.0).abs() < 1e-2 && end[2].abs() < 1e-2,
        "{end:?}"
    );
    // and holds after it
    assert_eq!(session.frame_state(5.0).camera.position, end);
}

#[test]
fn numbers_interpolate_and_categories_switch_at_the_key() {
    let rep = |size: f32, style: &str, range: [f64; 2]| RepresentationSpec {
        size,
        style: style.into(),
        range: Some(range),
        opacity: 1.0,
        ..RepresentationSpec::default()
    };
    let mut a = key(0.0);
    a.representations = Some(vec![rep(1.0, "soma", [0.0, 10.0])]);
    a.ease = Ease::Linear;
    let mut b = key(2.0);
    b.representations = Some(vec![rep(3.0, "points", [10.0, 30.0])]);
    let session = story(2.0, vec![a, b]);
    let mid = &session.frame_state(1.0).representations[0];
    assert_eq!(mid.size, 2.0);
    assert_eq!(mid.range, Some([5.0, 20.0]));
    assert_eq!(mid.style, "soma");
    let just_before = &session.frame_state(1.999).representations[0];
    assert_eq!(just_before.style, "soma");
    let at = &session.frame_state(2.0).representations[0];
    assert_eq!(at.style, "points");
    assert_eq!(at.size, 3.0);
}

#[test]
fn representation_lists_of_different_lengths_switch_whole() {
    let mut a = key(0.0);
    a.representations = Some(vec![RepresentationSpec::default()]);
    let mut b = key(2.0);
    let big = RepresentationSpec {
        size: 5.0,
        ..RepresentationSpec::default()
    };
    b.representations = Some(vec![big.clone(), big]);
    let session = story(2.0, vec![a, b]);
    assert_eq!(session.frame_state(1.0).representations.len(), 1);
    assert_eq!(session.frame_state(1.0).representations[0].size, 1.0);
    assert_eq!(session.frame_state(2.0).representations.len(), 2);
}

#[test]
fn titles_switch_and_captions_show_for_their_duration() {
    let mut a = key(0.0);
    a.title = Some("Before".into());
    a.caption = Some(Caption {
        text: "stimulus on".into(),
        duration_s: 1.5,
    });
    let mut b = key(2.0);
    b.title = Some("After".into());
    let mut session = story(4.0, vec![a, b]);
    session.title = Some("Session".into());
    assert_eq!(session.frame_state(1.0).title.as_deref(), Some("Before"));
    assert_eq!(session.frame_state(1.0).captions, ["stimulus on"]);
    assert!(session.frame_state(1.6).captions.is_empty());
    assert_eq!(session.frame_state(2.0).title.as_deref(), Some("After"));
}

#[test]
fn a_slab_moves_between_keys() {
    let slab = |y: f32, t: f32| Slab {
        normal: [0.0, 1.0, 0.0],
        center: [0.0, y, 0.0],
        thickness_um: t,
    };
    let mut a = key(0.0);
    a.slab = Some(slab(0.0, 100.0));
    a.ease = Ease::Linear;
    let mut b = key(1.0);
    b.slab = Some(slab(-400.0, 300.0));
    let session = story(1.0, vec![a, b]);
    let mid = session.frame_state(0.5).slab.unwrap();
    assert_eq!(mid.center, [0.0, -200.0, 0.0]);
    assert_eq!(mid.thickness_um, 200.0);
}
