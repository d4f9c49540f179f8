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

/// A file written over time (a report streamed while a simulation runs) under a temporary name
/// beside its target: [`PendingFile::commit`] renames it over the target; dropped uncommitted
/// (an error, a panic), the temporary file is removed and the target left as it was.
#[derive(Debug)]
pub struct PendingFile {
    target: PathBuf,
    tmp: PathBuf,
    committed: bool,
}

impl PendingFile {
    /// Prepares the folder of `path`; nothing is created until the caller writes `self.path()`.
    pub fn new(path: &Path) -> std::io::Result<Self> {
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let name = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Self {
            target: path.to_owned(),
            tmp: dir.join(format!(".{name}.{}.tmp", std::process::id())),
            committed: false,
        })
    }

    /// The temporary path to write.
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// Where the file goes on commit.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Marks the file as renamed into place by its set: dropping it removes nothing.
    fn disarm(mut self) {
        self.committed = true;
    }

    /// Renames the temporary file over the target (the caller has closed it).
    pub fn commit(mut self) -> std::io::Result<()> {
        std::fs::rename(&self.tmp, &self.target)?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Files of one result (a simulation's spikes and reports) written under temporary names and
/// renamed over their targets together, only once every one of them was written: a failure
/// while writing any of them leaves all targets as they were, and the temporaries are removed
/// when the set is dropped uncommitted.
#[derive(Debug, Default)]
pub struct PendingSet {
    files: Vec<PendingFile>,
}

impl PendingSet {
    /// Adds a written (and closed) file.
    pub fn push(&mut self, file: PendingFile) {
        self.files.push(file);
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Renames every file over its target, all or none: first every temporary file must be
    /// there and no target a folder; then the old targets are moved aside, the new files
    /// renamed in, and the old ones removed. If a rename fails, what was renamed is put back and
    /// the error names the file. The temporary files are removed either way.
    pub fn commit(self) -> Result<(), (PathBuf, std::io::Error)> {
        for f in &self.files {
            if let Err(e) = std::fs::metadata(f.path()) {
                return Err((f.target().to_owned(), e));
            }
            if f.target().is_dir() {
                let e = std::io::Error::other("a folder is in the way");
                return Err((f.target().to_owned(), e));
            }
        }
        let mut aside: Vec<(PathBuf, PathBuf)> = Vec::new();
        for f in &self.files {
            if f.target().exists() {
                let old = f.tmp.with_extension("old");
                if let Err(e) = std::fs::rename(f.target(), &old) {
                    put_back(&aside, &[]);
                    return Err((f.target().to_owned(), e));
                }
                aside.push((f.target().to_owned(), old));
            }
        }
        let mut renamed: Vec<PathBuf> = Vec::new();
        for f in &self.files {
            if let Err(e) = std::fs::rename(f.path(), f.target()) {
                put_back(&aside, &renamed);
                return Err((f.target().to_owned(), e));
            }
            renamed.push(f.target().to_owned());
        }
        for (_, old) in &aside {
            let _ = std::fs::remove_file(old);
        }
        for f in self.files {
            f.disarm();
        }
        Ok(())
    }
}

/// Undoes a partial commit: removes the new files renamed in, moves the old ones back.
fn put_back(aside: &[(PathBuf, PathBuf)], renamed: &[PathBuf]) {
    for target in renamed {
        let _ = std::fs::remove_file(target);
    }
    for (target, old) in aside {
        let _ = std::fs::rename(old, target);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_set_is_committed_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.h5");
        let b = dir.path().join("b.h5");
        std::fs::write(&a, "old a").unwrap();
        // dropped uncommitted: temporaries gone, targets unchanged
        {
            let mut set = PendingSet::default();
            for target in [&a, &b] {
                let f = PendingFile::new(target).unwrap();
                std::fs::write(f.path(), "new").unwrap();
                set.push(f);
            }
            assert_eq!(names(dir.path()).len(), 3);
        }
        assert_eq!(names(dir.path()), ["a.h5"]);
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "old a");
        // one file never written: nothing is renamed
        let mut set = PendingSet::default();
        let fa = PendingFile::new(&a).unwrap();
        std::fs::write(fa.path(), "new a").unwrap();
        set.push(fa);
        set.push(PendingFile::new(&b).unwrap());
        let (target, _) = set.commit().unwrap_err();
        assert_eq!(target, b);
        assert_eq!(names(dir.path()), ["a.h5"]);
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "old a");
        // all written: all renamed
        let mut set = PendingSet::default();
        for target in [&a, &b] {
            let f = PendingFile::new(target).unwrap();
            std::fs::write(f.path(), "new").unwrap();
            set.push(f);
        }
        set.commit().unwrap();
        assert_eq!(names(dir.path()), ["a.h5", "b.h5"]);
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "new");
        // a folder in the way of one: none is renamed, the temporaries are removed
        std::fs::remove_file(&b).unwrap();
        std::fs::create_dir(&b).unwrap();
        let mut set = PendingSet::default();
        for target in [&a, &b] {
            let f = PendingFile::new(target).unwrap();
            std::fs::write(f.path(), "newer").unwrap();
            set.push(f);
        }
        let (target, _) = set.commit().unwrap_err();
        assert_eq!(target, b);
        assert_eq!(names(dir.path()), ["a.h5", "b.h5"]);
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "new");
    }
}
