//! The store's journal (`<data-dir>/store.journal`): every change a commit
//! makes, appended as one record and synced before any write of the commit is
//! acknowledged. redb then commits without waiting for the disk (its pages
//! stay in memory), and a checkpoint ([`super::checkpoint`]) makes its file
//! durable from time to time and starts the journal again. A commit so costs
//! one sequential append and one sync, where redb's own durable commit wrote
//! each page it had changed (some hundred scattered writes) and synced twice.
//!
//! A record: its epoch (u64), the payload's length (u32) and a CRC-32 of the
//! three (u32), little-endian, then the payload: each change's table, key and
//! stored item (or none: deleted). The epoch is the checkpoint's count that
//! the record follows; after a checkpoint the journal is written again from
//! its start, over the older records, and a restart replays the records of
//! the file's epoch from the start, stopping at the first that is torn,
//! damaged or of another epoch: what a checkpoint made durable is never
//! replayed over newer changes. The file keeps the largest size it reached
//! (at most about [`CHECKPOINT_BYTES`](super::checkpoint::CHECKPOINT_BYTES)).

use crate::platform::files::sync_dir;
use crate::platform::store::StoreError;
use crate::platform::store::model::Key;
use redb::StorageBackend;
use std::time::Instant;

/// One change a commit made to an item: what its table now stores under its
/// key, or nothing (deleted). Replaying it is idempotent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Change {
    pub(super) table: String,
    pub(super) key: Key,
    pub(super) stored: Option<Vec<u8>>,
}

const HEADER: usize = 16;

/// The most memory the journal keeps between records for encoding them (a
/// larger batch's buffer is let go once written).
const KEEP_BUFFER: usize = 1 << 20;

/// The journal file, written only by the store's writer.
pub(super) struct Journal {
    file: Box<dyn StorageBackend>,
    /// The epoch the records written now carry.
    epoch: u64,
    /// Where the next record goes.
    len: u64,
    /// When the first record not yet synced was written (a relaxed commit's).
    pub(super) unsynced_since: Option<Instant>,
    /// When the first record since the journal started again was written.
    pub(super) oldest: Option<Instant>,
    /// Where records are encoded, kept from one to the next: allocating
    /// a batch's worth of fresh memory for each cost a page fault per page.
    buffer: Vec<u8>,
}

impl Journal {
    pub(super) fn new(file: Box<dyn StorageBackend>) -> Self {
        Self { file, epoch: 0, len: 0, unsynced_since: None, oldest: None, buffer: Vec::new() }
    }

    /// How many bytes of records it holds.
    pub(super) fn len(&self) -> u64 {
        self.len
    }

    /// Appends a record of `changes` (not synced: see [`sync`](Self::sync)).
    /// After a failure, what it wrote may be there: only a checkpoint (a new
    /// epoch) makes sure it is never replayed.
    pub(super) fn append(&mut self, changes: &[Change]) -> Result<(), StoreError> {
        if changes.is_empty() {
            return Ok(());
        }
        encode(&mut self.buffer, self.epoch, changes);
        let written = self.file.write(self.len, &self.buffer);
        let size = self.buffer.len() as u64;
        if self.buffer.capacity() > KEEP_BUFFER {
            self.buffer = Vec::new();
        }
        written.map_err(failed)?;
        self.len += size;
        self.unsynced_since.get_or_insert_with(Instant::now);
        self.oldest.get_or_insert_with(Instant::now);
        Ok(())
    }

    /// Makes every record appended so far durable.
    pub(super) fn sync(&mut self) -> Result<(), StoreError> {
        if self.unsynced_since.is_some() {
            self.file.sync_data().map_err(failed)?;
            metrics::counter!("tbs_store_journal_syncs_total").increment(1);
            self.unsynced_since = None;
        }
        Ok(())
    }

    /// Starts again, empty, at `epoch` (once a checkpoint recorded it),
    /// writing over the records before: they are of an older epoch, so the
    /// first of them after the new ones ends what is replayed. The file is not
    /// truncated: a record written over an old one changes no file size, so
    /// its sync writes the data alone, not the file's metadata too.
    pub(super) fn restart(&mut self, epoch: u64) {
        (self.epoch, self.len, self.unsynced_since, self.oldest) = (epoch, 0, None, None);
    }

    /// The changes of the records of `epoch`, in order, up to the first
    /// record that is torn, damaged or of another epoch.
    pub(super) fn read(&self, epoch: u64) -> Result<Vec<Change>, StoreError> {
        let len = usize::try_from(self.file.len().map_err(failed)?).map_err(|_| failed("too long"))?;
        let mut bytes = vec![0; len];
        self.file.read(0, &mut bytes).map_err(failed)?;
        let mut changes = Vec::new();
        let mut rest = bytes.as_slice();
        while let Some((payload, after)) = record(rest, epoch) {
            match decode(payload) {
                Some(decoded) => changes.extend(decoded),
                None => break,
            }
            rest = after;
        }
        Ok(changes)
    }
}

/// Opens (or creates) the journal file at `path`; a new one's directory
/// entry is synced, so its records cannot be lost with the entry.
pub(super) fn open_file(path: &std::path::Path) -> Result<Box<dyn StorageBackend>, StoreError> {
    let created = !path.exists();
    let file = read_write(path)?;
    if created {
        sync_dir(path.parent().unwrap_or(std::path::Path::new("."))).map_err(failed)?;
    }
    Ok(Box::new(redb::backends::FileBackend::new(file)?))
}

/// The file at `path` opened to read and write, created if missing, kept as it is.
pub(super) fn read_write(path: &std::path::Path) -> Result<std::fs::File, StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    options.open(path).map_err(|e| failed(format!("{}: {e}", path.display())))
}

fn failed(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("the store's journal: {e}"))
}

/// Encodes the record of `changes` at `epoch` into `record`, replacing what it held.
fn encode(record: &mut Vec<u8>, epoch: u64, changes: &[Change]) {
    record.clear();
    record.resize(HEADER, 0);
    for change in changes {
        put_bytes(record, change.table.as_bytes());
        put_bytes(record, change.key.pk.as_bytes());
        put_bytes(record, change.key.sk.as_bytes());
        match &change.stored {
            Some(stored) => {
                record.push(1);
                put_bytes(record, stored);
            }
            None => record.push(0),
        }
    }
    let len = (record.len() - HEADER) as u32;
    let (head, payload) = record.split_at_mut(HEADER);
    head[..8].copy_from_slice(&epoch.to_le_bytes());
    head[8..12].copy_from_slice(&len.to_le_bytes());
    let crc = checksum(&head[..12], payload);
    head[12..].copy_from_slice(&crc.to_le_bytes());
}

fn checksum(head: &[u8], payload: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(head);
    hasher.update(payload);
    hasher.finalize()
}

/// The payload of the whole, sound record of `epoch` at the start of
/// `bytes`, and what follows it.
fn record(bytes: &[u8], epoch: u64) -> Option<(&[u8], &[u8])> {
    let (head, rest) = bytes.split_at_checked(HEADER)?;
    let number = |range: std::ops::Range<usize>| head[range].iter().rev().fold(0u64, |n, b| n << 8 | u64::from(*b));
    let (own_epoch, len, crc) = (number(0..8), number(8..12), number(12..16));
    let (payload, after) = rest.split_at_checked(usize::try_from(len).ok()?)?;
    (own_epoch == epoch && u64::from(checksum(&head[..12], payload)) == crc).then_some((payload, after))
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(bytes);
}

fn decode(mut payload: &[u8]) -> Option<Vec<Change>> {
    let mut changes = Vec::new();
    while !payload.is_empty() {
        let table = text(&mut payload)?;
        let key = Key::new(text(&mut payload)?, text(&mut payload)?);
        let (tag, rest) = payload.split_first()?;
        payload = rest;
        let stored = match tag {
            1 => Some(bytes(&mut payload)?.to_vec()),
            0 => None,
            _ => return None,
        };
        changes.push(Change { table, key, stored });
    }
    Some(changes)
}

fn bytes<'a>(payload: &mut &'a [u8]) -> Option<&'a [u8]> {
    let (len, rest) = payload.split_first_chunk::<4>()?;
    let (bytes, rest) = rest.split_at_checked(u32::from_le_bytes(*len) as usize)?;
    *payload = rest;
    Some(bytes)
}

fn text(payload: &mut &[u8]) -> Option<String> {
    String::from_utf8(bytes(payload)?.to_vec()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(epoch: u64, changes: &[Change]) -> Vec<u8> {
        let mut record = Vec::new();
        encode(&mut record, epoch, changes);
        record
    }

    fn change(sk: &str, stored: Option<&str>) -> Change {
        Change { table: "carts".into(), key: Key::new("CART#1", sk), stored: stored.map(|s| s.as_bytes().to_vec()) }
    }

    /// A journal on the file `bytes` make, in a directory kept while it is used.
    fn journal_of(bytes: &[u8]) -> (tempfile::TempDir, Journal) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.journal");
        std::fs::write(&path, bytes).unwrap();
        let journal = Journal::new(open_file(&path).unwrap());
        (dir, journal)
    }

    #[test]
    fn records_are_read_back_in_order_until_one_is_torn() {
        let (_dir, mut journal) = journal_of(b"");
        journal.restart(7);
        let (first, second) = (vec![change("A", Some("{\"n\":1}")), change("B", None)], vec![change("A", Some("{}"))]);
        journal.append(&first).unwrap();
        journal.append(&second).unwrap();
        let synced = crate::platform::metrics::counted("tbs_store_journal_syncs_total");
        journal.sync().unwrap();
        assert!(crate::platform::metrics::counted("tbs_store_journal_syncs_total") > synced, "the sync is counted");
        assert_eq!(journal.read(7).unwrap(), [first.clone(), second.clone()].concat());
        assert!(journal.read(6).unwrap().is_empty(), "records of another epoch are not read");

        journal.append(&[change("C", Some("{}"))]).unwrap();
        let torn = journal.len() - 3;
        journal.file.set_len(torn).unwrap();
        assert_eq!(journal.read(7).unwrap(), [first, second].concat(), "the torn record is not read");
    }

    #[test]
    fn a_damaged_record_or_one_of_an_older_epoch_ends_what_is_read() {
        let (a, b, c) = (vec![change("A", Some("{}"))], vec![change("B", Some("{}"))], vec![change("C", None)]);
        // Records of epoch 2 written over a file of epoch 1 it could not truncate.
        let file = [encoded(2, &a), encoded(1, &b), encoded(2, &c)].concat();
        let (_dir, journal) = journal_of(&file);
        assert_eq!(journal.read(2).unwrap(), a, "no further than the first record of epoch 1");

        let mut damaged = [encoded(2, &a), encoded(2, &b), encoded(2, &c)].concat();
        let in_b = encoded(2, &a).len() + HEADER + 2;
        damaged[in_b] ^= 0x20;
        let (_dir, journal) = journal_of(&damaged);
        assert_eq!(journal.read(2).unwrap(), a, "no further than the damaged record");
    }
}
