//! Who follows what, so that a stored entry wakes only the streams that
//! follow its order or its account's orders.
//!
//! One channel for every stream woke every open stream for every entry
//! stored: W open order pages times the entries a second, most of it to
//! find the entry was someone else's. At a sale, with many shoppers
//! watching their orders while many orders move, that is the whole CPU.
//! Here each thing followed has its own counter, bumped when one of its
//! entries is stored; a stream waits on the counter of what it follows
//! (a `watch` channel, so a bump while the stream is busy is not lost),
//! and the counter goes when its last stream does, so memory follows the
//! streams open.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::watch;

/// What a stream follows.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Followed {
    Order(String),
    Account(String),
}

/// The counters of everything some stream follows.
#[derive(Default)]
pub struct Followers(Mutex<HashMap<Followed, watch::Sender<u64>>>);

impl Followers {
    /// Starts following `what`: the wake is due whenever an entry of it is
    /// stored from now on.
    pub fn follow(self: &Arc<Self>, what: Followed) -> Wake {
        let changes = self.lock().entry(what.clone()).or_insert_with(|| watch::channel(0).0).subscribe();
        Wake { followers: self.clone(), what, changes }
    }

    /// Wakes the streams following the order `order_id` and, if it has one,
    /// its account.
    pub fn stored(&self, order_id: &str, account_id: Option<&str>) {
        let followers = self.lock();
        let order = Followed::Order(order_id.to_string());
        let account = account_id.map(|a| Followed::Account(a.to_string()));
        for what in std::iter::once(&order).chain(account.as_ref()) {
            if let Some(counter) = followers.get(what) {
                counter.send_modify(|n| *n += 1);
            }
        }
    }

    /// How many things are followed (tests of the bound).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Followed, watch::Sender<u64>>> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// One stream's hold on what it follows.
pub struct Wake {
    followers: Arc<Followers>,
    what: Followed,
    changes: watch::Receiver<u64>,
}

impl Wake {
    /// Waits until an entry of what is followed was stored since the last wait.
    pub async fn due(&mut self) {
        // The sender lives in the map for as long as this receiver does, so
        // the wait only ends with a change.
        let _ = self.changes.changed().await;
    }

    pub fn what(&self) -> &Followed {
        &self.what
    }
}

impl Drop for Wake {
    /// The last stream of a thing takes its counter with it (this one's
    /// receiver is still counted: it goes after this runs).
    fn drop(&mut self) {
        let mut followers = self.followers.lock();
        if followers.get(&self.what).is_some_and(|counter| counter.receiver_count() <= 1) {
            followers.remove(&self.what);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// Whether `wake` is due now (without waiting for a change to come).
    async fn is_due(wake: &mut Wake) -> bool {
        tokio::time::timeout(Duration::from_millis(20), wake.due()).await.is_ok()
    }

    #[tokio::test]
    async fn an_entry_wakes_the_streams_of_its_order_and_account_only() {
        let followers = Arc::new(Followers::default());
        let mut order = followers.follow(Followed::Order("o1".into()));
        let mut same_order = followers.follow(Followed::Order("o1".into()));
        let mut account = followers.follow(Followed::Account("a1".into()));
        let mut other_order = followers.follow(Followed::Order("o2".into()));
        let mut other_account = followers.follow(Followed::Account("a2".into()));
        followers.stored("o1", Some("a1"));
        assert!(is_due(&mut order).await && is_due(&mut same_order).await && is_due(&mut account).await);
        assert!(!is_due(&mut other_order).await && !is_due(&mut other_account).await);
        assert!(!is_due(&mut order).await, "woken once per entry");
        followers.stored("o2", None);
        assert!(is_due(&mut other_order).await);
        assert!(!is_due(&mut account).await && !is_due(&mut other_account).await, "a guest's order has no account");
    }

    #[tokio::test]
    async fn an_entry_stored_while_a_stream_is_busy_wakes_it_when_it_next_waits() {
        let followers = Arc::new(Followers::default());
        let mut order = followers.follow(Followed::Order("o1".into()));
        followers.stored("o1", None);
        followers.stored("o1", None);
        assert!(is_due(&mut order).await);
        assert!(!is_due(&mut order).await, "two entries while busy: one look finds both");
    }

    #[test]
    fn a_counter_goes_with_the_last_stream_that_follows_it() {
        let followers = Arc::new(Followers::default());
        let first = followers.follow(Followed::Order("o1".into()));
        let second = followers.follow(Followed::Order("o1".into()));
        let other = followers.follow(Followed::Account("a1".into()));
        assert_eq!(followers.len(), 2);
        drop(first);
        assert_eq!(followers.len(), 2, "o1 still has a stream");
        drop((second, other));
        assert_eq!(followers.len(), 0);
        followers.stored("o1", Some("a1"));
        assert_eq!(followers.len(), 0, "storing for nobody keeps nothing");
    }
}
