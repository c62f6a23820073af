//! Turns on hot items: the writers of one process that read-modify-write the
//! same item (a best-selling product's stock, the order-number counter, a
//! month of the report) queue for it in memory instead of racing at the
//! store, where all but one would lose, read again and pause. Optimistic
//! versions still guard against other processes; turns only spare this one
//! its own lost races.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use tokio::sync::{Mutex as Turn, OwnedMutexGuard};

/// Entries kept before the ones nobody holds are swept out.
const SWEEP_AT: usize = 1024;

/// A set of named turns (one per item), created on first use.
#[derive(Default)]
pub struct Turns {
    turns: Mutex<HashMap<String, Weak<Turn<()>>>>,
}

/// Held turns; dropping it lets the next writer of each item go.
pub struct Held {
    _turns: Vec<OwnedMutexGuard<()>>,
}

impl Turns {
    /// Waits for the turn on every one of `items`, taken in sorted order so
    /// two writers wanting overlapping items never wait for each other in a circle.
    pub async fn take<I, S>(&self, items: I) -> Held
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut names: Vec<String> = items.into_iter().map(Into::into).collect();
        names.sort();
        names.dedup();
        let mut held = Vec::with_capacity(names.len());
        for name in names {
            held.push(self.turn(name).lock_owned().await);
        }
        Held { _turns: held }
    }

    fn turn(&self, name: String) -> Arc<Turn<()>> {
        let mut turns = self.turns.lock().expect("turns lock");
        if let Some(turn) = turns.get(&name).and_then(Weak::upgrade) {
            return turn;
        }
        if turns.len() >= SWEEP_AT {
            turns.retain(|_, turn| turn.strong_count() > 0);
        }
        let turn = Arc::new(Turn::new(()));
        turns.insert(name, Arc::downgrade(&turn));
        turn
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn writers_of_one_item_take_turns_and_others_do_not_wait() {
        let turns = Arc::new(Turns::default());
        let first = turns.take(["KIT-001"]).await;
        let waiting = tokio::spawn({
            let turns = turns.clone();
            async move { turns.take(["KIT-002", "KIT-001"]).await }
        });
        let other = tokio::time::timeout(Duration::from_secs(5), turns.take(["KIT-003"])).await;
        assert!(other.is_ok(), "another item's turn is free");
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished(), "KIT-001 is held");
        drop(first);
        tokio::time::timeout(Duration::from_secs(5), waiting).await.expect("its turn came").unwrap();
    }

    #[tokio::test]
    async fn turns_nobody_holds_are_swept() {
        let turns = Turns::default();
        for n in 0..SWEEP_AT + 1 {
            drop(turns.take([format!("item-{n}")]).await);
        }
        assert!(turns.turns.lock().unwrap().len() <= 2, "only the newest is kept");
    }
}
