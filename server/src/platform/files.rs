//! Files written whole and durably: whenever the process or the machine
//! stops, what is left is the old file (or none) or the whole new one, and a
//! write that returned is still there after a power cut.
//!
//! The bytes go to a temporary file beside the target, which is synced,
//! renamed into place, and then the directory is synced (by the writer
//! itself, or by a [`DirSync`](super::dir_sync::DirSync) that writers
//! renaming into one directory at the same time share). The last step is
//! the one easily forgotten: a rename lives in the kernel's memory until the
//! directory is written back (up to half a minute later), so a power cut
//! could lose a file the store already records as written, such as a
//! receipt marked as sent.

use std::io::{self, Write};
use std::path::Path;

/// Whether a write may replace a file already at its path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IfExists {
    Replace,
    /// Leaves it and fails with [`io::ErrorKind::AlreadyExists`].
    Fail,
}

/// Writes `bytes` to `path`, whole and durably (see the module's notes).
pub fn write_durably(path: &Path, bytes: &[u8], if_exists: IfExists) -> io::Result<()> {
    write_whole(path, bytes, if_exists)?;
    sync_dir(parent(path))
}

/// Writes `bytes` to `path` whole, all but the last step: durable once
/// its directory is synced (by [`sync_dir`], or a shared
/// [`DirSync`](super::dir_sync::DirSync) when many files are written at once).
pub fn write_whole(path: &Path, bytes: &[u8], if_exists: IfExists) -> io::Result<()> {
    let mut file = tempfile::NamedTempFile::new_in(parent(path))?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    metrics::counter!("tbs_files_synced_total", "what" => "file").increment(1);
    match if_exists {
        IfExists::Replace => file.persist(path).map(drop).map_err(|e| e.error),
        IfExists::Fail => file.persist_noclobber(path).map(drop).map_err(|e| e.error),
    }
}

fn parent(path: &Path) -> &Path {
    path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// Makes the entries of `dir` (files created, renamed or removed in it) durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    std::fs::File::open(dir)?.sync_all()?;
    metrics::counter!("tbs_files_synced_total", "what" => "directory").increment(1);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::metrics::counted;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    #[test]
    fn a_file_is_written_whole_and_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.eml");
        write_durably(&path, b"first", IfExists::Replace).unwrap();
        write_durably(&path, b"second", IfExists::Replace).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        assert_eq!(names(dir.path()), ["a.eml"], "no temporary file is left beside it");
    }

    #[test]
    fn the_file_and_its_folder_syncs_are_counted() {
        let (file, folder) = (r#"tbs_files_synced_total{what="file"}"#, r#"tbs_files_synced_total{what="directory"}"#);
        let before = (counted(file), counted(folder));
        let dir = tempfile::tempdir().unwrap();
        write_durably(&dir.path().join("a.eml"), b"x", IfExists::Replace).unwrap();
        // Other tests write files too: at least this one's syncs were counted.
        assert!(counted(file) > before.0 && counted(folder) > before.1);
    }

    #[test]
    fn a_file_that_must_be_new_leaves_an_existing_one_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        write_durably(&path, b"kept", IfExists::Fail).unwrap();
        let refused = write_durably(&path, b"other", IfExists::Fail).unwrap_err();
        assert_eq!(refused.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&path).unwrap(), b"kept");
        assert_eq!(names(dir.path()), ["secret.key"], "the refused write left nothing behind");
    }

    #[test]
    fn a_write_into_a_missing_directory_fails_and_creates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("a.eml");
        assert_eq!(write_durably(&path, b"x", IfExists::Replace).unwrap_err().kind(), io::ErrorKind::NotFound);
        assert!(names(dir.path()).is_empty());
    }
}
