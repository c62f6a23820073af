//! Syncs of one directory, shared by the writers renaming files into it.
//!
//! A file written whole ([`super::files`]) is durable once the directory
//! holding its new name is synced. Writers that finish at the same time
//! need not each sync it: one sync covers every rename made before it
//! began. So a writer asks for a sync after its rename, and either starts
//! one or waits for the next to begin and end (never for one already
//! under way, which may have begun before its rename). Under a burst of
//! receipts, the mail folder is synced about once per burst instead of once
//! per message; the disk's syncs are what bounds its writes.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, MutexGuard};

/// How a directory is synced ([`super::files::sync_dir`]; a test's own).
type SyncFn = Box<dyn Fn(&Path) -> io::Result<()> + Send + Sync>;

pub struct DirSync {
    dir: PathBuf,
    sync: SyncFn,
    state: Mutex<Asked>,
    ended: Condvar,
}

/// Syncs asked for and covered, counted: the `n`th ask is covered once a
/// sync begun after it has ended.
#[derive(Default)]
struct Asked {
    asked: u64,
    covered: u64,
    syncing: bool,
}

impl DirSync {
    pub fn new(dir: PathBuf) -> Self {
        Self::with(dir, Box::new(super::files::sync_dir))
    }

    fn with(dir: PathBuf, sync: SyncFn) -> Self {
        Self { dir, sync, state: Mutex::default(), ended: Condvar::new() }
    }

    /// Returns once the directory has been synced after this call began
    /// (blocking: for a blocking thread). An error is the failed sync's;
    /// a later call tries again.
    pub fn sync(&self) -> io::Result<()> {
        let mut state = self.state();
        state.asked += 1;
        let mine = state.asked;
        while state.covered < mine {
            if state.syncing {
                state = self.ended.wait(state).unwrap_or_else(|poisoned| poisoned.into_inner());
                continue;
            }
            let reaches = state.asked;
            state.syncing = true;
            drop(state);
            let synced = (self.sync)(&self.dir);
            state = self.state();
            state.syncing = false;
            if synced.is_ok() {
                state.covered = state.covered.max(reaches);
            }
            self.ended.notify_all();
            synced?;
        }
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    fn state(&self) -> MutexGuard<'_, Asked> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests;
