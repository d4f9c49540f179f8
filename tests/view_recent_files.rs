//! The window's recent files live under `$XDG_CONFIG_HOME` when it is set, newest first, and
//! opening a scene headless writes nothing there.
#![cfg(feature = "viewer")]

use bevy::prelude::*;
use cortexview::view::playback::Playback;
use cortexview::view::render::neurons::NeuronData;
use cortexview::view::ui::{recent_files, recent_files_path, remember_recent};
use cortexview::view::{LoadTask, ScenePlugin, ViewerState};

#[test]
fn recent_files_follow_xdg_config_home_and_headless_loads_write_none() {
    let config = tempfile::tempdir().unwrap();
    // The only test of this binary: no other thread reads the environment meanwhile.
    unsafe { std::env::set_var("XDG_CONFIG_HOME", config.path()) };
    let file = config.path().join("cortexview").join("recent.txt");
    assert_eq!(recent_files_path(), Some(file.clone()));
    assert!(recent_files().is_empty());

    // The viewer's load path (background load taken on screen by the scene plugin), as
    // `render` and the tests run it without a window, leaves the folder untouched.
    let data = tempfile::tempdir().unwrap();
    let circuit =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/v1_like_n300_none");
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .init_resource::<Playback>()
        .init_resource::<NeuronData>()
        .add_plugins(ScenePlugin);
    app.world_mut()
        .resource_scope(|world, mut task: Mut<LoadTask>| {
            task.start(&circuit, &mut world.resource_mut::<ViewerState>())
        });
    for _ in 0..10_000 {
        app.update();
        if app.world().resource::<ViewerState>().scene.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let state = app.world().resource::<ViewerState>();
    assert!(
        state.scene.is_some(),
        "the scene did not load: {:?}",
        state.error
    );
    assert_eq!(state.opened.as_deref(), Some(circuit.as_path()));
    assert!(!file.exists(), "loading wrote {}", file.display());
    assert!(std::fs::read_dir(config.path()).unwrap().next().is_none());

    let a = data.path().join("a.json");
    let b = data.path().join("b.json");
    std::fs::write(&a, "{}").unwrap();
    std::fs::write(&b, "{}").unwrap();
    assert_eq!(remember_recent(&a).unwrap(), file);
    remember_recent(&b).unwrap();
    remember_recent(&a).unwrap();
    let a_abs = std::fs::canonicalize(&a).unwrap();
    let b_abs = std::fs::canonicalize(&b).unwrap();
    assert_eq!(recent_files(), vec![a_abs, b_abs]);
    assert!(std::fs::read_to_string(&file).unwrap().contains("b.json"));
}
