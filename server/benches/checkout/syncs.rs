//! The disk syncs the store spends: its journal's, and those of files
//! written whole (receipts) and of the folders they are renamed into. A
//! disk takes so many syncs a second, so syncs per order bound orders/s
//! on a disk that is slow to sync.

/// Syncs counted so far: the journal's, files', folders'.
pub(super) struct Syncs([f64; 3]);

const COUNTERS: [&str; 3] = [
    "tbs_store_journal_syncs_total",
    r#"tbs_files_synced_total{what="file"}"#,
    r#"tbs_files_synced_total{what="directory"}"#,
];

impl Syncs {
    pub(super) fn now() -> Self {
        Self(COUNTERS.map(|series| server::platform::metrics::counted(series) as f64))
    }

    pub(super) fn print_per(&self, earlier: &Syncs, orders: usize) {
        let [journal, files, folders] = [0, 1, 2].map(|i| (self.0[i] - earlier.0[i]) / orders as f64);
        println!(
            "  disk syncs per completed order: {:.2} (the store's journal {journal:.2}, files written whole {files:.2}, \
             their folders {folders:.2})",
            journal + files + folders
        );
    }
}
