//! Which of the outbox's snapshots the page shows. They are taken in turn but
//! may be read out of turn (a snapshot that holds something waits for its
//! reader's chunk, an empty one does not), so each carries a ticket and one
//! older than what is shown is dropped. And while the reader's chunk cannot be
//! had (offline before the service worker kept it), a [`Brief`] of the
//! snapshot keeps what the page shows true enough: the edits it queued itself
//! count until the outbox sends them, and the store's last answer is shown.

use super::{Outbox, Queued, SavedCart};

/// Tickets for snapshots, in the order they were taken.
#[derive(Debug, Default)]
pub struct Snapshots {
    taken: u64,
    shown: u64,
}

impl Snapshots {
    /// The ticket of a snapshot about to be taken, or of an edit the page
    /// shows by itself (it was queued after every snapshot taken so far).
    pub fn take(&mut self) -> u64 {
        self.taken += 1;
        self.taken
    }

    /// Whether the snapshot with `ticket` is newer than the one shown; if so
    /// it is the one shown from now on.
    pub fn show(&mut self, ticket: u64) -> bool {
        let newer = ticket > self.shown;
        if newer {
            self.shown = ticket;
        }
        newer
    }
}

/// What the page learns of the outbox.
pub enum News {
    /// A snapshot, read whole.
    Read(Outbox),
    /// A snapshot the reader's chunk could not read.
    Brief(Brief),
    /// An edit the page itself just queued.
    Queued(Queued),
}

impl News {
    /// Brings `outbox` up to date; whether it changed.
    pub fn apply(self, outbox: &mut Outbox) -> bool {
        match self {
            News::Read(read) if *outbox == read => false,
            News::Read(read) => {
                *outbox = read;
                true
            }
            News::Brief(brief) => {
                brief.apply(outbox);
                true
            }
            News::Queued(queued) if outbox.pending.iter().any(|q| q.id == queued.id) => false,
            News::Queued(queued) => {
                outbox.pending.push(queued);
                true
            }
        }
    }
}

/// What the page reads of a snapshot without the reader's chunk: which
/// queued edits still wait (their ids), and the store's last cart.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Brief {
    pending: Vec<String>,
    cart: Option<SavedCart>,
}

impl Brief {
    pub fn new(pending: Vec<String>, cart: Option<SavedCart>) -> Self {
        Self { pending, cart }
    }

    /// Brings `outbox` as far as the brief knows: an edit the outbox sent no
    /// longer waits, and the cart is the store's last answer. Refusals stay
    /// as they were until a snapshot is read whole.
    fn apply(self, outbox: &mut Outbox) {
        outbox.pending.retain(|queued| self.pending.contains(&queued.id));
        outbox.cart = self.cart;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_read_after_a_newer_one_is_not_shown() {
        let mut snapshots = Snapshots::default();
        let (older, newer) = (snapshots.take(), snapshots.take());
        assert!(snapshots.show(newer));
        assert!(!snapshots.show(older), "the older snapshot, read last, would undo the newer one");
        let queued_by_the_page = snapshots.take();
        assert!(snapshots.show(queued_by_the_page));
        assert!(!snapshots.show(newer), "taken before the page queued its edit: it may not hold it");
    }

    fn queued(id: &str) -> Queued {
        Queued { id: id.into(), kind: "cart".into(), url: format!("/api/cart/items/{id}"), ..Queued::default() }
    }

    #[test]
    fn a_brief_keeps_the_edits_still_waiting_and_takes_the_stores_cart() {
        let mut outbox = Outbox { pending: vec![queued("a"), queued("b")], ..Outbox::default() };
        let saved = SavedCart { value: r#"{"lines":[]}"#.into(), at: "2026-12-06T19:00:00Z".into() };
        assert!(News::Brief(Brief::new(vec!["b".into()], Some(saved.clone()))).apply(&mut outbox));
        assert_eq!(outbox.pending, vec![queued("b")], "a was sent: it no longer counts");
        assert_eq!(outbox.cart, Some(saved));
    }

    #[test]
    fn an_edit_the_page_queued_shows_once_and_a_snapshot_the_same_as_shown_changes_nothing() {
        let mut outbox = Outbox::default();
        assert!(News::Queued(queued("a")).apply(&mut outbox));
        assert!(!News::Queued(queued("a")).apply(&mut outbox), "already shown (its snapshot was read first)");
        assert_eq!(outbox.pending, vec![queued("a")]);
        assert!(!News::Read(outbox.clone()).apply(&mut outbox));
        assert!(News::Read(Outbox::default()).apply(&mut outbox));
        assert_eq!(outbox, Outbox::default());
    }

    #[test]
    fn an_empty_outbox_s_brief_leaves_nothing_waiting() {
        let mut outbox = Outbox { pending: vec![queued("a")], ..Outbox::default() };
        News::Brief(Brief::default()).apply(&mut outbox);
        assert_eq!(outbox, Outbox::default());
    }
}
