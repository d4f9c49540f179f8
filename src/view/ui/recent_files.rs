//! Recently opened paths (no Bevy), newest first, in `cortexview/recent.txt` under the user's
//! configuration folder (`$XDG_CONFIG_HOME`, else `~/.config`). Only the window writes it.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// Paths kept.
pub const MAX_RECENT: usize = 10;

/// The file the list is kept in (`None` when the system names no configuration folder).
pub fn recent_files_path() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("cortexview").join("recent.txt"))
}

/// Recently opened paths, newest first (none when the file is absent or unreadable).
pub fn recent_files() -> Vec<PathBuf> {
    recent_files_path()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .map(|s| {
            s.lines()
                .filter(|l| !l.is_empty())
                .map(PathBuf::from)
                .collect()
        })
        .unwrap_or_default()
}

/// Puts `path` (made absolute where it exists) first in the list; returns the file written.
pub fn remember_recent(path: &Path) -> anyhow::Result<PathBuf> {
    let file = recent_files_path().context("no configuration folder for the recent files")?;
    let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    let mut list = recent_files();
    list.retain(|p| p != &abs);
    list.insert(0, abs);
    list.truncate(MAX_RECENT);
    let text: String = list.iter().map(|p| format!("{}\n", p.display())).collect();
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(&file, text).with_context(|| format!("writing {}", file.display()))?;
    Ok(file)
}
