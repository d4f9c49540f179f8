//! Movies of sessions: a story's frames equal stills of the states the keys give, model time
//! follows the keys, and a raster panel's cursor sits at each frame's time. Needs a Vulkan or
//! GL adapter (Mesa's lavapipe in CI, no GPU).
#![cfg(feature = "viewer")]

use std::path::{Path, PathBuf};
use std::sync::Mutex;

#[path = "common/fixtures.rs"]
mod fixtures;

use cortexview::cli::render_session::{SessionOverrides, render_session};
use cortexview::session::Session;
use cortexview::sonata::{PopulationSpikes, SortOrder, write_spikes};
use cortexview::view::camera::CameraPreset;
use cortexview::view::capture::compose::plot_area;
use cortexview::view::capture::layout::{Layout, PanelKind, frame_rects};
use cortexview::view::capture::{RenderOptions, render_scene};
use cortexview::view::plots::{CURSOR, time_column};
use cortexview::view::scene::Scene;
use image::RgbaImage;

/// One GPU app at a time: lavapipe uses every core already.
static GPU: Mutex<()> = Mutex::new(());

const W: u32 = 320;
const H: u32 = 180;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/v1_like_n300_none")
}

/// Every v1 neuron fires regularly from 0 to 400 ms, each at its own phase and period (20 to
/// 26 ms): each frame's flashes depend on its time.
fn spikes(dir: &Path) -> PathBuf {
    let (mut node_ids, mut timestamps) = (Vec::new(), Vec::new());
    for n in 0..300u64 {
        let mut t = (n % 20) as f64 + 0.5;
        while t < 400.0 {
            node_ids.push(n);
            timestamps.push(t);
            t += 20.0 + (n % 7) as f64;
        }
    }
    let path = dir.join("spikes.h5");
    write_spikes(
        &path,
        &[PopulationSpikes {
            population: "v1".into(),
            node_ids,
            timestamps,
            sorting: None,
        }],
        SortOrder::None,
    )
    .expect("write spikes");
    path
}

/// Writes a session opening the fixture and its spikes, with `rest` (JSON object members).
fn session(dir: &Path, name: &str, rest: &str) -> PathBuf {
    let s = spikes(dir);
    let text = format!(
        r#"{{"cortexview_session": 1, "open": [{:?}, {:?}],
            "playback": {{"fade_ms": 10, "range_ms": [0, 400]}}, {rest}}}"#,
        fixture().display().to_string(),
        s.display().to_string()
    );
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write session");
    path
}

fn opts() -> RenderOptions {
    RenderOptions {
        width: W,
        height: H,
        camera: CameraPreset::Front,
        overlay: false,
        ..Default::default()
    }
}

fn frames_of(path: &Path) -> Vec<(f64, RgbaImage)> {
    let loaded = Session::load(path).expect("load session");
    let out = render_session(&loaded, &opts(), &SessionOverrides::default())
        .unwrap_or_else(|e| panic!("render {}: {e:#}", path.display()));
    out.frames
        .into_iter()
        .map(|f| (f.time_ms, f.image))
        .collect()
}

/// Pixels whose channels differ by more than 8, and the mean absolute difference per channel.
fn difference(a: &RgbaImage, b: &RgbaImage) -> (usize, f64) {
    assert_eq!(a.dimensions(), b.dimensions());
    let mut far = 0;
    let mut sum = 0u64;
    for (p, q) in a.pixels().zip(b.pixels()) {
        let d: Vec<u8> = (0..3).map(|c| p.0[c].abs_diff(q.0[c])).collect();
        if d.iter().any(|&x| x > 8) {
            far += 1;
        }
        sum += d.iter().map(|&x| x as u64).sum::<u64>();
    }
    (far, sum as f64 / (3 * a.width() * a.height()) as f64)
}

fn assert_same(a: &RgbaImage, b: &RgbaImage, what: &str) {
    let (far, mean) = difference(a, b);
    let allowed = (a.width() * a.height() / 1000) as usize;
    assert!(
        far <= allowed && mean < 0.5,
        "{what}: {far} pixels differ by more than 8 (allowed {allowed}), mean difference {mean:.3}"
    );
}

const CAM_A: &str = r#"{"position": [0, -400, 1600], "target": [0, -400, 0], "fov_deg": 30}"#;
const CAM_B: &str = r#"{"position": [800, -300, 1400], "target": [0, -400, 0], "fov_deg": 30}"#;
const CAM_MID: &str = r#"{"position": [400, -350, 1500], "target": [0, -400, 0], "fov_deg": 30}"#;

/// A two-key linear story over 2 s at 2 fps: the middle frame (s = 1) equals a still of the
/// interpolated camera and time; the first and last frames equal stills of their keys.
#[test]
fn story_frames_equal_stills_of_their_keys_and_of_the_middle() {
    let _gpu = GPU.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().expect("tempdir");
    let story = session(
        dir.path(),
        "story.cvsession.json",
        &format!(
            r#""story": {{"duration_s": 2, "fps": 2, "keys": [
                {{"at_s": 0, "camera": {CAM_A}, "time_ms": 100, "ease": "linear"}},
                {{"at_s": 2, "camera": {CAM_B}, "time_ms": 300}}]}}"#
        ),
    );
    let frames = frames_of(&story);
    assert_eq!(frames.len(), 5);
    let times: Vec<f64> = frames.iter().map(|f| f.0).collect();
    assert_eq!(times, vec![100.0, 150.0, 200.0, 250.0, 300.0]);
    for (k, cam, t) in [(0, CAM_A, 100), (2, CAM_MID, 200), (4, CAM_B, 300)] {
        let still = session(
            dir.path(),
            &format!("still{k}.cvsession.json"),
            &format!(r#""camera": {cam}, "time_ms": {t}"#),
        );
        let still = frames_of(&still);
        assert_eq!(still.len(), 1);
        assert_same(&frames[k].1, &still[0].1, &format!("story frame {k}"));
    }
    // The comparison can fail: the frames differ from one another.
    let (far, _) = difference(&frames[0].1, &frames[2].1);
    assert!(far > 100, "frames 0 and 2 differ in only {far} pixels");
}

/// Model time follows the keys (slow motion, a hold, fast): frame k equals `render --t0 T
/// --t1 T` at the time T the keys give for it (same fitted front camera: the story sets none).
#[test]
fn story_frames_equal_renders_at_the_keys_times() {
    let _gpu = GPU.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().expect("tempdir");
    let story = session(
        dir.path(),
        "times.cvsession.json",
        r#""story": {"duration_s": 3, "fps": 2, "keys": [
            {"at_s": 0, "time_ms": 100, "ease": "linear"},
            {"at_s": 1, "time_ms": 150, "ease": "linear"},
            {"at_s": 2, "time_ms": 150, "ease": "linear"},
            {"at_s": 3, "time_ms": 350}]}"#,
    );
    let frames = frames_of(&story);
    // Piecewise linear through the keys at s = 0, 0.5, ..., 3.
    let expected = [100.0, 125.0, 150.0, 150.0, 150.0, 250.0, 350.0];
    let times: Vec<f64> = frames.iter().map(|f| f.0).collect();
    assert_eq!(times, expected);
    // Time shows: frames at different times differ (a frame read back late, showing the state
    // before it, would not equal the render at its own time).
    for (a, b) in [(0usize, 1usize), (1, 2), (4, 5)] {
        let (far, _) = difference(&frames[a].1, &frames[b].1);
        assert!(far > 20, "frames {a} and {b} differ in only {far} pixels");
    }
    let scene = Scene::open(&fixture(), &[&dir.path().join("spikes.h5")]).expect("open");
    for k in [1usize, 3, 5] {
        let t = expected[k];
        let flags = RenderOptions {
            t0: t,
            t1: Some(t),
            tau_ms: 10.0,
            ..opts()
        };
        let out = render_scene(scene.clone(), &flags).expect("render");
        assert_same(
            &frames[k].1,
            &out.frames[0].image,
            &format!("frame {k} at {t} ms"),
        );
    }
}

/// The leftmost column of `rect` (frame pixels) that is the cursor's colour from top to bottom.
fn cursor_column(img: &RgbaImage, x0: u32, y0: u32, w: u32, h: u32) -> Option<u32> {
    (x0..x0 + w).find(|&x| (y0..y0 + h).all(|y| img.get_pixel(x, y).0[..3] == CURSOR))
}

/// A `3d+raster` story: each frame has the raster panel with the cursor at its time, moving
/// right as time advances, and the raster shows spikes.
#[test]
fn raster_panel_cursor_sits_at_each_frames_time() {
    let _gpu = GPU.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().expect("tempdir");
    let story = session(
        dir.path(),
        "raster.cvsession.json",
        r#""layout": "3d+raster", "story": {"duration_s": 2, "fps": 1, "keys": [
            {"at_s": 0, "time_ms": 50, "ease": "linear"},
            {"at_s": 2, "time_ms": 350}]}"#,
    );
    let frames = frames_of(&story);
    assert_eq!(frames.len(), 3);
    let layout = Layout::named("3d+raster").expect("layout");
    let (_, panel) = frame_rects(&layout, W, H, None)
        .into_iter()
        .find(|(k, _)| *k == PanelKind::Raster)
        .expect("a raster panel");
    let plot = plot_area(panel);
    let (x0, y0) = (panel.x + plot.x, panel.y + plot.y);
    let mut columns = Vec::new();
    for (t, img) in &frames {
        let expected = time_column((0.0, 400.0), plot.width, *t).expect("in the window");
        let found = cursor_column(img, x0, y0, plot.width, plot.height);
        assert_eq!(found, Some(x0 + expected), "cursor of the frame at {t} ms");
        columns.push(x0 + expected);
        // Spikes: pixels of the plot that are neither the background nor the cursor.
        let spikes = (y0..y0 + plot.height)
            .flat_map(|y| (x0..x0 + plot.width).map(move |x| (x, y)))
            .filter(|&(x, y)| {
                let p = img.get_pixel(x, y).0;
                p[..3] != cortexview::view::plots::PLOT_BACKGROUND && p[..3] != CURSOR
            })
            .count();
        assert!(spikes > 100, "only {spikes} spike pixels in the raster");
    }
    assert!(columns.windows(2).all(|w| w[0] < w[1]), "{columns:?}");
}

/// The lossless movie streamed into ffmpeg holds exactly the frames written as PNGs, in order
/// (decoded back with ffmpeg); skipped where ffmpeg is absent.
#[test]
fn lossless_movie_frames_equal_the_png_frames() {
    let _gpu = GPU.lock().unwrap_or_else(|e| e.into_inner());
    let have_ffmpeg = std::process::Command::new("ffmpeg")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_ffmpeg {
        println!("ffmpeg absent: nothing to compare");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let render = |format: &str| {
        let out = dir.path().join(format);
        let run = std::process::Command::new(env!("CARGO_BIN_EXE_cortexview"))
            .arg("render")
            .arg(fixture())
            .args(["--t0", "0", "--t1", "60", "--fps", "30", "--width", "160"])
            .args(["--height", "96", "--format", format, "--out"])
            .arg(&out)
            .output()
            .expect("run cortexview render");
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        out
    };
    let pngs = render("png");
    let movie = render("lossless").join("movie.mkv");
    let decoded = dir.path().join("decoded");
    std::fs::create_dir_all(&decoded).expect("mkdir");
    let run = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(&movie)
        .arg(decoded.join("d_%05d.png"))
        .output()
        .expect("ffmpeg decodes");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let count = std::fs::read_dir(&pngs).expect("pngs").count();
    assert_eq!(count, 19);
    assert_eq!(std::fs::read_dir(&decoded).expect("decoded").count(), count);
    for k in 0..count {
        let a = image::open(pngs.join(format!("frame_{k:05}.png")))
            .expect("png")
            .to_rgb8();
        // ffmpeg numbers decoded frames from 1
        let b = image::open(decoded.join(format!("d_{:05}.png", k + 1)))
            .expect("decoded")
            .to_rgb8();
        assert!(a == b, "movie frame {k} differs from frame_{k:05}.png");
    }
}

/// A grid with a traces panel of 9_cells' cortex node 0 (its membrane potential report): the
/// line crosses the plot, and its peaks (top 40 % of the value axis) lie at the node's spikes
/// in the simulation's spikes file, which most of its spikes show as peaks.
#[test]
fn traces_panel_peaks_at_the_neurons_spikes() {
    let Some(nine) = fixtures::shared_fixture("sonata-examples/9_cells") else {
        return;
    };
    let _gpu = GPU.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().expect("tempdir");
    let (w, h) = (640u32, 360u32);
    let path = dir.path().join("nine.cvsession.json");
    let text = format!(
        r#"{{"cortexview_session": 1, "open": [{:?}], "time_ms": 1500,
            "playback": {{"range_ms": [0, 3000]}},
            "layout": {{"grid": {{"columns": [1, 1], "rows": [1], "panels": [
                {{"panel": "3d", "cell": [0, 0]}},
                {{"panel": "traces", "cell": [0, 1], "neurons": ["cortex:0"]}}]}}}}}}"#,
        nine.join("simulation_config.json").display().to_string()
    );
    std::fs::write(&path, text).expect("write session");
    let loaded = Session::load(&path).expect("load");
    let opts = RenderOptions {
        width: w,
        height: h,
        ..opts()
    };
    let out = render_session(&loaded, &opts, &SessionOverrides::default()).expect("render");
    let img = &out.frames[0].image;
    let layout = Layout::parse(loaded.session.layout.as_ref()).expect("layout");
    let (_, panel) = frame_rects(&layout, w, h, None)
        .into_iter()
        .find(|(k, _)| *k == PanelKind::Traces)
        .expect("a traces panel");
    let plot = plot_area(panel);
    let (x0, y0) = (panel.x + plot.x, panel.y + plot.y);
    let colour = cortexview::view::colors::srgb8(cortexview::view::colors::categorical(0));
    // Topmost line pixel per column, below the labels (the top 4 text lines).
    let label_rows = 50;
    let top: Vec<Option<u32>> = (x0..x0 + plot.width)
        .map(|x| {
            (y0..y0 + plot.height).find(|&y| {
                img.get_pixel(x, y).0[..3] == colour && (y - y0 >= label_rows || x - x0 > 120)
            })
        })
        .collect();
    let drawn = top.iter().filter(|t| t.is_some()).count();
    assert!(
        drawn * 10 >= plot.width as usize * 9,
        "line in {drawn} of {} columns",
        plot.width
    );
    let spikes = cortexview::sonata::read_spikes(&nine.join("output/spikes.h5")).expect("spikes");
    let times: Vec<f64> = spikes
        .iter()
        .filter(|p| p.population == "cortex")
        .flat_map(|p| p.node_ids.iter().zip(&p.timestamps))
        .filter(|(n, _)| **n == 0)
        .map(|(_, t)| *t)
        .collect();
    assert!(times.len() >= 3, "node 0 spikes {} times", times.len());
    let spike_columns: Vec<u32> = times
        .iter()
        .filter_map(|&t| time_column((0.0, 3000.0), plot.width, t))
        .collect();
    let threshold = y0 + plot.height * 2 / 5;
    let peaks: Vec<u32> = top
        .iter()
        .enumerate()
        .filter(|(_, t)| t.is_some_and(|y| y < threshold))
        .map(|(x, _)| x as u32)
        .collect();
    let near = |a: u32, set: &[u32]| set.iter().any(|&b| a.abs_diff(b) <= 2);
    for p in &peaks {
        assert!(
            near(*p, &spike_columns),
            "a peak at column {p} with no spike near it"
        );
    }
    let shown = spike_columns.iter().filter(|c| near(**c, &peaks)).count();
    assert!(
        shown * 5 >= spike_columns.len() * 4,
        "{shown} of {} spikes show as peaks",
        spike_columns.len()
    );
}
