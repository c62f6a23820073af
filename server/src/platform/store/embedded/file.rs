//! The store's database file, opened so that a crash at any instant of its
//! creation leaves either no file or a whole one.
//!
//! redb writes a new file's header in place, so a process killed while
//! creating `store.redb` could leave a file of zeros that redb refuses for
//! ever ("magic number mismatch"). A new file is therefore made beside the
//! real one (`store.redb.new`), initialised, synced, and
//! only then renamed into place. A file of nothing but zeros at the real path
//! (left by a version without this rule) holds no data and is made again.

use super::StoreError;
use crate::platform::files::sync_dir;
use redb::Database;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Opens the database at `path`, creating it atomically when it does not
/// exist yet.
pub(super) fn open_or_create(path: &Path) -> Result<Database, StoreError> {
    if path.exists() && never_initialised(path)? {
        tracing::warn!(path = %path.display(), "remaking a database file a crash left uninitialised");
        std::fs::remove_file(path).map_err(|e| io(path, e))?;
    }
    if !path.exists() {
        create_atomically(path)?;
    }
    Ok(Database::create(path)?)
}

fn create_atomically(path: &Path) -> Result<(), StoreError> {
    let staging = staging_path(path);
    match std::fs::remove_file(&staging) {
        Ok(()) => tracing::info!(path = %staging.display(), "removed a half-made database file"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(&staging, e)),
    }
    drop(Database::create(&staging)?);
    File::open(&staging).and_then(|f| f.sync_all()).map_err(|e| io(&staging, e))?;
    std::fs::rename(&staging, path).map_err(|e| io(path, e))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    sync_dir(dir).map_err(|e| io(dir, e))
}

fn staging_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".new");
    path.with_file_name(name)
}

/// Whether the file holds nothing but zeros (or nothing at all).
fn never_initialised(path: &Path) -> Result<bool, StoreError> {
    let mut file = File::open(path).map_err(|e| io(path, e))?;
    let mut buffer = [0u8; 64 * 1024];
    loop {
        let read = file.read(&mut buffer).map_err(|e| io(path, e))?;
        if read == 0 {
            return Ok(true);
        }
        if buffer[..read].iter().any(|b| *b != 0) {
            return Ok(false);
        }
    }
}

fn io(path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Backend(format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_of_zeros_left_by_a_crash_is_made_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.redb");
        std::fs::write(&path, vec![0u8; 4096]).unwrap();
        assert!(Database::create(&path).is_err(), "redb refuses such a file");
        open_or_create(&path).expect("opens after remaking it");
    }

    #[test]
    fn a_half_made_staging_file_is_discarded_and_the_table_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.redb");
        std::fs::write(staging_path(&path), b"half a header").unwrap();
        open_or_create(&path).expect("created");
        assert!(!staging_path(&path).exists());
        drop(open_or_create(&path).expect("opens again"));
    }

    #[test]
    fn a_file_with_data_is_never_remade() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.redb");
        std::fs::write(&path, b"\0\0not a database").unwrap();
        assert!(open_or_create(&path).is_err(), "a damaged file with data is an error, not erased");
        assert!(path.exists());
    }
}
