//! The embedded hub's receives, held in memory.
//!
//! A message queued by this run of the process is received without a write:
//! its lease (hidden until when, and the how-many-th receive this is) lives
//! here, and only acknowledging, delaying or dead-lettering it writes. That
//! halves the writes per message (publish and ack, where a durable claim also
//! rewrote the message), and loses nothing: the message stays stored until
//! acknowledged, and a crash forgets the leases, so everything unacknowledged
//! is received again on the next start.
//!
//! A message queued before this run started may be the one that crashed the
//! last run, so the hub claims it durably instead (counting the receive in the
//! store): a message that crashes the process every time is still redriven to
//! the fault log after [`MAX_RECEIVES`](super::MAX_RECEIVES) durable
//! receives: one crash later than if every receive were written.
//!
//! A lease's receipt is the message's key and the receive's count, so a
//! receipt from before the message was received again is refused.

use crate::platform::store::Key;
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lease {
    /// The message is hidden from other receivers until then (ms since epoch).
    pub until_ms: u64,
    /// The how-many-th receive this lease is.
    pub receive_count: u32,
}

/// The live and lapsed leases of every consumer's messages, by queue
/// (partition key) and message (sort key): a queue's are counted on every
/// receive. A lease goes when its message is acknowledged, delayed or
/// dead-lettered; a lapsed one is replaced when the message is received again.
#[derive(Default)]
pub struct Leases(Mutex<HashMap<String, HashMap<String, Lease>>>);

impl Leases {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, HashMap<String, Lease>>> {
        self.0.lock().expect("leases lock")
    }

    /// Leases `key` until `until_ms` unless a live lease holds it at `now_ms`;
    /// the receive's count (after a lapsed lease's, else after `stored_count`).
    pub fn take(&self, key: &Key, stored_count: u32, now_ms: u64, until_ms: u64) -> Option<u32> {
        let mut leases = self.lock();
        let queue = leases.entry(key.pk.clone()).or_default();
        let previous = match queue.get(&key.sk) {
            Some(lease) if lease.until_ms > now_ms => return None,
            Some(lease) => lease.receive_count,
            None => stored_count,
        };
        let receive_count = previous + 1;
        queue.insert(key.sk.clone(), Lease { until_ms, receive_count });
        Some(receive_count)
    }

    /// The lease on `key`, live or lapsed.
    pub fn get(&self, key: &Key) -> Option<Lease> {
        self.lock().get(&key.pk)?.get(&key.sk).copied()
    }

    /// Forgets the lease on `key` if it is still the `receive_count`-th receive's.
    pub fn end(&self, key: &Key, receive_count: u32) {
        let mut leases = self.lock();
        let Some(queue) = leases.get_mut(&key.pk) else { return };
        if queue.get(&key.sk).is_some_and(|lease| lease.receive_count == receive_count) {
            queue.remove(&key.sk);
        }
    }

    /// How many leases, live or lapsed, the messages of partition `pk` hold.
    pub fn held(&self, pk: &str) -> usize {
        self.lock().get(pk).map_or(0, HashMap::len)
    }
}

/// The receipt of a leased receive: the message's sort key and the count.
pub fn receipt(key: &Key, receive_count: u32) -> String {
    format!("{}@{receive_count}", key.sk)
}

/// A receipt's sort key, and its count when it is a lease's (a durable
/// claim's receipt is the claimed message's sort key alone).
pub fn parse(receipt: &str) -> (&str, Option<u32>) {
    match receipt.rsplit_once('@') {
        Some((sk, count)) => match count.parse() {
            Ok(count) => (sk, Some(count)),
            Err(_) => (receipt, None),
        },
        None => (receipt, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_lease_hides_the_message_and_a_lapsed_one_counts_on() {
        let (leases, key) = (Leases::default(), Key::new("QUEUE#c", "0001#1#life#e1"));
        assert_eq!(leases.take(&key, 0, 10, 40), Some(1), "first receive");
        assert_eq!(leases.take(&key, 0, 39, 70), None, "hidden while the lease lives");
        assert_eq!(leases.take(&key, 0, 40, 70), Some(2), "received again once it lapsed");
        leases.end(&key, 1);
        assert_eq!(leases.get(&key).map(|l| l.receive_count), Some(2), "an outdated receive ends nothing");
        leases.end(&key, 2);
        assert_eq!(leases.get(&key), None);
        assert_eq!(leases.take(&key, 1, 80, 90), Some(2), "after the stored count when no lease is left");
    }

    #[test]
    fn each_queue_counts_its_own_leases() {
        let leases = Leases::default();
        for (pk, sk) in [("QUEUE#a", "1"), ("QUEUE#a", "2"), ("QUEUE#b", "1")] {
            assert_eq!(leases.take(&Key::new(pk, sk), 0, 10, 40), Some(1));
        }
        assert_eq!((leases.held("QUEUE#a"), leases.held("QUEUE#b"), leases.held("QUEUE#c")), (2, 1, 0));
        leases.end(&Key::new("QUEUE#a", "1"), 1);
        assert_eq!((leases.held("QUEUE#a"), leases.held("QUEUE#b")), (1, 1));
        assert_eq!(leases.get(&Key::new("QUEUE#b", "2")), None, "a message of another queue is not leased");
    }

    #[test]
    fn receipts_name_the_message_and_the_receive() {
        let key = Key::new("QUEUE#c", "0000000000001#000000000007#a1b2#e1");
        assert_eq!(parse(&receipt(&key, 2)), (key.sk.as_str(), Some(2)));
        assert_eq!(parse("0000000000001#000000000007#e1"), ("0000000000001#000000000007#e1", None));
    }
}
