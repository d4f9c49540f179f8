//! Files written whole or not at all: the content goes to a temporary file beside the target,
//! which is renamed over it only when everything was written.

use std::path::{Path, PathBuf};

/// Writes `path` through `write(temporary path)`; on any error the temporary file is removed
/// and `path` is left as it was. `io_error` turns a file-system error into the caller's type.
pub fn write_atomically<E>(
    path: &Path,
    write: impl FnOnce(&Path) -> Result<(), E>,
    io_error: impl Fn(&Path, std::io::Error) -> E,
) -> Result<(), E> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    let name = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp: PathBuf = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    if let Err(err) = write(&tmp) {
        let _ = std::fs::remove_file(&tmp);
        return Err(err);
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io_error(path, e)
    })
}
