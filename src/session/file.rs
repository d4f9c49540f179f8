//! Sessions read and written: the version checked, paths resolved against the session file's
//! folder on load and written relative to it on save, files written whole or not at all.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use super::error::SessionError;
use super::format::{SESSION_VERSION, Session};

/// The largest session or deck file read (sessions are kilobytes).
pub const MAX_SESSION_BYTES: u64 = 64 << 20;

/// A session as read from its file, with the paths it names resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadedSession {
    /// The session file.
    pub path: PathBuf,
    /// The session as written in the file (paths as written).
    pub session: Session,
    /// `session.open`, each resolved against the session file's folder.
    pub open: Vec<PathBuf>,
    /// `session.live.config` resolved likewise.
    pub live_config: Option<PathBuf>,
}

impl LoadedSession {
    /// The session with every path it names absolute, as the viewer opens them.
    pub fn resolved(&self) -> Session {
        let mut session = self.session.clone();
        session.open = self
            .open
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        if let (Some(live), Some(config)) = (session.live.as_mut(), &self.live_config) {
            live.config = Some(config.to_string_lossy().into_owned());
        }
        session
    }

    /// The files named by `open` (and the live config) that do not exist.
    /// Whether the session shows the built-in column running live: `live` without a config and
    /// nothing in `open` (the window opens the column's files, written to the user's cache).
    pub fn shows_builtin_column(&self) -> bool {
        self.open.is_empty()
            && self
                .session
                .live
                .as_ref()
                .is_some_and(|l| l.config.is_none())
    }

    pub fn missing_files(&self) -> Vec<PathBuf> {
        self.open
            .iter()
            .chain(self.live_config.iter())
            .filter(|p| !p.exists())
            .cloned()
            .collect()
    }
}

impl Session {
    /// Reads a session file: bounded, JSON checked, the version checked before the contents,
    /// values checked, paths resolved against the file's folder.
    pub fn load(path: &Path) -> Result<LoadedSession, SessionError> {
        let text = read_bounded(path)?;
        let session = Self::from_json(path, &text)?;
        let folder = session_folder(path);
        let open = session.open.iter().map(|p| resolve(&folder, p)).collect();
        let live_config = session
            .live
            .as_ref()
            .and_then(|l| l.config.as_deref())
            .map(|p| resolve(&folder, p));
        Ok(LoadedSession {
            path: path.to_owned(),
            session,
            open,
            live_config,
        })
    }

    /// Parses a session's text; `path` names it in errors.
    pub fn from_json(path: &Path, text: &str) -> Result<Session, SessionError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| SessionError::NotJson {
                path: path.to_owned(),
                line: e.line(),
                column: e.column(),
                message: e.to_string(),
            })?;
        let version = value
            .as_object()
            .and_then(|o| o.get("cortexview_session"))
            .ok_or_else(|| SessionError::NotASession {
                path: path.to_owned(),
            })?;
        match version.as_u64() {
            Some(v) if v > u64::from(SESSION_VERSION) => {
                return Err(SessionError::Newer {
                    path: path.to_owned(),
                    found: v,
                });
            }
            Some(v) if v >= 1 => {}
            _ => {
                return Err(SessionError::Invalid {
                    path: path.to_owned(),
                    message: format!(
                        "\"cortexview_session\" must be a version number from 1 to {SESSION_VERSION}, not {version}"
                    ),
                });
            }
        }
        let session: Session = serde_json::from_str(text).map_err(|e| SessionError::BadValue {
            path: path.to_owned(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        session.check().map_err(|message| SessionError::Invalid {
            path: path.to_owned(),
            message,
        })?;
        Ok(session)
    }

    /// Writes the session whole or not at all. Absolute paths (in `open` and the live config)
    /// that lie below the session file's folder are written relative to it; relative paths
    /// are taken as relative to that folder already and written as they are.
    pub fn save(&self, path: &Path) -> Result<(), SessionError> {
        let folder = session_folder(path);
        let mut out = self.clone();
        out.cortexview_session = SESSION_VERSION;
        out.open = self.open.iter().map(|p| relative_to(&folder, p)).collect();
        if let Some(config) = out.live.as_mut().and_then(|l| l.config.as_mut()) {
            *config = relative_to(&folder, config);
        }
        let text = out.to_json().map_err(|e| SessionError::Unwritable {
            path: path.to_owned(),
            source: std::io::Error::other(e),
        })?;
        crate::atomic_file::write_atomically(
            path,
            |tmp| {
                std::fs::write(tmp, text.as_bytes()).map_err(|source| SessionError::Unwritable {
                    path: path.to_owned(),
                    source,
                })
            },
            |p, source| SessionError::Unwritable {
                path: p.to_owned(),
                source,
            },
        )
    }

    /// The session as pretty JSON with a final newline.
    pub fn to_json(&self) -> serde_json::Result<String> {
        let mut text = serde_json::to_string_pretty(self)?;
        text.push('\n');
        Ok(text)
    }

    /// Values serde accepts but a session cannot use.
    fn check(&self) -> Result<(), String> {
        if let Some(camera) = &self.camera {
            check_camera(camera, "camera")?;
        }
        if let Some(t) = self.time_ms
            && !t.is_finite()
        {
            return Err(format!("\"time_ms\" must be a finite number, not {t}"));
        }
        let Some(story) = &self.story else {
            return Ok(());
        };
        if !(story.duration_s.is_finite() && story.duration_s >= 0.0) {
            return Err(format!(
                "story \"duration_s\" must be a finite number >= 0, not {}",
                story.duration_s
            ));
        }
        if story.fps == 0 || story.fps > 1000 {
            return Err(format!(
                "story \"fps\" must be from 1 to 1000, not {}",
                story.fps
            ));
        }
        for (i, key) in story.keys.iter().enumerate() {
            if !key.at_s.is_finite() {
                return Err(format!("story key {i}: \"at_s\" must be a finite number"));
            }
            if let Some(camera) = &key.camera {
                check_camera(camera, &format!("story key {i} camera"))?;
            }
            if let Some(t) = key.time_ms
                && !t.is_finite()
            {
                return Err(format!(
                    "story key {i}: \"time_ms\" must be a finite number"
                ));
            }
            if let Some(a) = key.orbit_deg
                && !a.is_finite()
            {
                return Err(format!(
                    "story key {i}: \"orbit_deg\" must be a finite number"
                ));
            }
        }
        Ok(())
    }
}

fn check_camera(camera: &super::format::CameraSpec, what: &str) -> Result<(), String> {
    let finite = camera
        .position
        .iter()
        .chain(&camera.target)
        .chain(&camera.up)
        .all(|v| v.is_finite());
    if !finite {
        return Err(format!(
            "{what}: position, target and up must be finite numbers"
        ));
    }
    if !(camera.fov_deg > 0.0 && camera.fov_deg < 180.0) {
        return Err(format!(
            "{what}: \"fov_deg\" must lie between 0 and 180, not {}",
            camera.fov_deg
        ));
    }
    Ok(())
}

/// A regular file of at most `MAX_SESSION_BYTES`, as UTF-8 text.
pub(crate) fn read_bounded(path: &Path) -> Result<String, SessionError> {
    let unreadable = |source| SessionError::Unreadable {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let meta = file.metadata().map_err(unreadable)?;
    if !meta.is_file() || meta.len() > MAX_SESSION_BYTES {
        return Err(SessionError::NotAFile {
            path: path.to_owned(),
            max_mb: MAX_SESSION_BYTES >> 20,
        });
    }
    let mut bytes = Vec::new();
    file.take(MAX_SESSION_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    String::from_utf8(bytes).map_err(|e| SessionError::NotJson {
        path: path.to_owned(),
        line: 0,
        column: 0,
        message: format!(
            "not UTF-8 text (byte {} is not part of a UTF-8 character)",
            e.utf8_error().valid_up_to()
        ),
    })
}

/// The absolute folder holding a session file.
pub(crate) fn session_folder(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    normalize(absolute.parent().unwrap_or(Path::new("/")))
}

/// `p` as written in a session, resolved against the session's folder.
pub(crate) fn resolve(folder: &Path, p: &str) -> PathBuf {
    let path = Path::new(p);
    if path.is_absolute() {
        normalize(path)
    } else {
        normalize(&folder.join(path))
    }
}

/// `p` relative to `folder` when it lies below it; otherwise as given.
pub(crate) fn relative_to(folder: &Path, p: &str) -> String {
    let path = Path::new(p);
    if !path.is_absolute() {
        return p.to_owned();
    }
    let path = normalize(path);
    match path.strip_prefix(folder) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/"),
        _ => path.to_string_lossy().into_owned(),
    }
}

/// `.` and `..` taken out lexically (the files may not exist yet).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_below_the_folder_are_written_relative_and_read_back_absolute() {
        let folder = Path::new("/data/movies");
        assert_eq!(
            relative_to(folder, "/data/movies/net/config.json"),
            "net/config.json"
        );
        assert_eq!(
            relative_to(folder, "/data/other/config.json"),
            "/data/other/config.json"
        );
        assert_eq!(relative_to(folder, "net/a.h5"), "net/a.h5");
        assert_eq!(
            resolve(folder, "../other/./config.json"),
            Path::new("/data/other/config.json")
        );
        assert_eq!(resolve(folder, "/abs/x.h5"), Path::new("/abs/x.h5"));
    }
}
