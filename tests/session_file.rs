//! Session files: read, written, versions, errors that name the file, decks.

use std::path::Path;

use cortexview::session::{
    CameraSpec, Deck, LiveSpec, RepresentationSpec, SESSION_VERSION, Session, SessionError,
};

const V1_SAMPLE: &str = "tests/data/sessions/v1_story.cvsession.json";

#[test]
fn the_committed_version_1_sample_loads() {
    let loaded = Session::load(Path::new(V1_SAMPLE)).unwrap();
    let s = &loaded.session;
    assert_eq!(s.cortexview_session, 1);
    assert_eq!(s.representations.len(), 2);
    assert_eq!(s.representations[1].material.name(), "ghost");
    assert!(!s.representations[1].visible);
    assert_eq!(s.playback.mode, "rock");
    assert_eq!(s.probe.as_ref().unwrap().kind, "np2");
    assert_eq!(s.panels.get("details"), Some(&false));
    assert_eq!(s.story.as_ref().unwrap().keys.len(), 3);
    // paths resolved against the session's folder
    let folder = std::path::absolute("tests/data/sessions").unwrap();
    assert_eq!(loaded.open[0], folder.join("net/circuit_config.json"));
    assert_eq!(loaded.missing_files().len(), 2);
    // 6 s at 25 fps, both ends
    assert_eq!(s.frame_count(), 151);
    let last = s.frame_state(6.0);
    assert_eq!(last.time_ms, 1000.0);
    assert_eq!(last.title.as_deref(), Some("late"));
}

#[test]
fn a_saved_session_reads_back_equal_with_relative_paths() {
    let dir = tempfile::tempdir().unwrap();
    let inside = dir.path().join("net/circuit_config.json");
    let outside = "/elsewhere/spikes.h5";
    let session = Session {
        open: vec![inside.to_string_lossy().into_owned(), outside.to_owned()],
        representations: vec![RepresentationSpec {
            color_by: Some("activity".into()),
            range: Some([0.0, 20.0]),
            ..RepresentationSpec::default()
        }],
        camera: Some(CameraSpec {
            position: [1.5, -2.25, 900.0],
            ..CameraSpec::default()
        }),
        time_ms: Some(123.5),
        live: Some(LiveSpec {
            config: Some(
                dir.path()
                    .join("net/sim.json")
                    .to_string_lossy()
                    .into_owned(),
            ),
            ..LiveSpec::default()
        }),
        ..Session::default()
    };
    let path = dir.path().join("scene.cvsession.json");
    session.save(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\"net/circuit_config.json\""), "{text}");
    assert!(text.contains("\"net/sim.json\""), "{text}");
    assert!(text.contains(outside));
    let loaded = Session::load(&path).unwrap();
    assert_eq!(loaded.open[0], inside);
    assert_eq!(loaded.resolved(), session);
    // no temporary file is left beside it
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1);
}

fn load_text(text: &str) -> SessionError {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.cvsession.json");
    std::fs::write(&path, text).unwrap();
    let err = Session::load(&path).unwrap_err();
    assert!(err.to_string().contains("bad.cvsession.json"), "{err}");
    err
}

#[test]
fn a_newer_version_is_refused_with_a_clear_message() {
    let err = load_text(r#"{"cortexview_session": 7, "open": []}"#);
    assert!(matches!(err, SessionError::Newer { found: 7, .. }));
    assert!(
        err.to_string().contains(&format!(
            "written by a newer cortexview (session version 7; this build reads up to {SESSION_VERSION})"
        )),
        "{err}"
    );
}

#[test]
fn broken_files_are_refused_naming_what_is_wrong() {
    let err = load_text("{\n  \"cortexview_session\": 1,\n  \"open\": [\n}");
    match err {
        SessionError::NotJson { line, .. } => assert_eq!(line, 4),
        other => panic!("{other}"),
    }
    let err = load_text(r#"{"open": []}"#);
    assert!(matches!(err, SessionError::NotASession { .. }), "{err}");
    assert!(err.to_string().contains("cortexview_session"));
    let err = load_text(r#"{"cortexview_session": 1, "time_ms": "soon"}"#);
    assert!(matches!(err, SessionError::BadValue { .. }), "{err}");
    let err = load_text(r#"{"cortexview_session": 1, "story": {"fps": 0}}"#);
    assert!(err.to_string().contains("fps"), "{err}");
    let err = load_text(r#"{"cortexview_session": "one"}"#);
    assert!(matches!(err, SessionError::Invalid { .. }), "{err}");
    let missing = Session::load(Path::new("/no/such/scene.cvsession.json")).unwrap_err();
    assert!(matches!(missing, SessionError::Unreadable { .. }));
    assert!(
        missing
            .to_string()
            .contains("/no/such/scene.cvsession.json")
    );
}

#[test]
fn a_deck_lists_its_sessions_from_a_file_or_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["b.cvsession.json", "a.cvsession.json", "notes.txt"] {
        std::fs::write(dir.path().join(name), "{}").unwrap();
    }
    let folder = Deck::load(dir.path()).unwrap();
    let names: Vec<_> = folder
        .scenes
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["a.cvsession.json", "b.cvsession.json"]);
    assert!(cortexview::session::is_deck_path(dir.path()));
    // a circuit's folder with a session saved beside it is the circuit, not a deck
    let circuit = tempfile::tempdir().unwrap();
    std::fs::write(circuit.path().join("circuit_config.json"), "{}").unwrap();
    std::fs::write(circuit.path().join("scene.cvsession.json"), "{}").unwrap();
    assert!(!cortexview::session::is_deck_path(circuit.path()));
    let file = dir.path().join("talk.json");
    std::fs::write(
        &file,
        r#"{"deck": ["b.cvsession.json", "/abs/c.cvsession.json"]}"#,
    )
    .unwrap();
    assert!(cortexview::session::is_deck_path(&file));
    let deck = Deck::load(&file).unwrap();
    assert_eq!(
        deck.scenes[0],
        std::path::absolute(dir.path().join("b.cvsession.json")).unwrap()
    );
    assert_eq!(deck.scenes[1], Path::new("/abs/c.cvsession.json"));
    std::fs::write(&file, r#"{"deck": []}"#).unwrap();
    assert!(
        Deck::load(&file)
            .unwrap_err()
            .to_string()
            .contains("no sessions")
    );
}

#[test]
fn the_example_deck_has_three_scenes_one_running_the_built_in_column() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let folder = root.join("examples/deck");
    assert!(cortexview::session::is_deck_path(&folder));
    let deck = Deck::load(&folder).unwrap();
    assert_eq!(deck.scenes.len(), 3);
    let loaded: Vec<_> = deck
        .scenes
        .iter()
        .map(|s| Session::load(s).unwrap())
        .collect();
    let live: Vec<bool> = loaded.iter().map(|l| l.shows_builtin_column()).collect();
    assert_eq!(live, [false, true, false]);
    for l in &loaded {
        assert!(l.missing_files().is_empty(), "{:?}", l.missing_files());
    }
    // the still scenes name a circuit; naming one besides a live run without a config is not
    // the built-in column
    assert!(loaded[0].session.live.is_none() && !loaded[0].open.is_empty());
    let mut named = loaded[1].clone();
    named.open = loaded[0].open.clone();
    assert!(!named.shows_builtin_column());
}
