//! Live streams that follow the tracking view itself, so any process can
//! serve any stream (with several processes consuming tracking events, an
//! entry is stored by whichever consumed it). A stream re-reads what it
//! follows when woken, and sends the entries it has not sent yet: at once
//! when this process stores one of its entries ([`Followers`]), and, where
//! other processes write the table too (DynamoDB), every [`POLL_EVERY`].
//! On the embedded store this process makes every write, so an idle stream
//! reads nothing.

use super::followers::{Followed, Wake};
use super::{BY_ACCOUNT, Tracking, Update};
use crate::platform::store::{Query, SortKeyCondition, StoreError};
use app::tracking::TimelineEntry;
use futures_util::Stream;
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// How often a stream looks for entries other processes stored.
pub const POLL_EVERY: Duration = Duration::from_secs(1);
/// How far back an account's stream looks (entries are keyed by when their
/// event happened, which may be a little before they are stored).
const ACCOUNT_WINDOW: time::Duration = time::Duration::minutes(10);
/// How long a stream waits to read again after the store failed it.
const RETRY_AFTER: Duration = Duration::from_millis(500);

struct Following {
    tracking: Arc<Tracking>,
    wake: Wake,
    /// Where other processes store entries too.
    poll: Option<tokio::time::Interval>,
    sent: HashSet<String>,
    ready: VecDeque<Update>,
    started: bool,
}

impl Following {
    /// Waits until there may be entries not sent yet.
    async fn woken(&mut self) {
        match &mut self.poll {
            Some(poll) => tokio::select! {
                _ = self.wake.due() => {}
                _ = poll.tick() => {}
            },
            None => self.wake.due().await,
        }
    }
}

impl Tracking {
    /// The stored entries of what is followed, with their keys.
    async fn entries_of(&self, what: &Followed) -> Result<Vec<(String, Update)>, StoreError> {
        let query = match what {
            Followed::Order(order_id) => {
                Query::partition(format!("ORDER#{order_id}")).sort_key(SortKeyCondition::BeginsWith("AT#".into()))
            }
            Followed::Account(account) => {
                let since = (OffsetDateTime::now_utc() - ACCOUNT_WINDOW).unix_timestamp_nanos() / 1000;
                Query::partition(format!("ACCOUNT#{account}"))
                    .on_index(BY_ACCOUNT)
                    .sort_key(SortKeyCondition::GreaterThan(format!("AT#{since:020}")))
            }
        };
        let page = self.table.query(query.limit(500)).await?;
        page.items
            .iter()
            .map(|item| {
                let entry: TimelineEntry = item.record()?;
                let order_id = item.key.pk.trim_start_matches("ORDER#").to_string();
                let key = format!("{}/{}", item.key.pk, item.key.sk);
                Ok((key, Update { order_id, entry }))
            })
            .collect()
    }
}

/// The entries of `what` stored from now on, wherever they are stored.
pub fn follow(tracking: Arc<Tracking>, what: Followed) -> impl Stream<Item = Update> {
    let wake = tracking.followers.follow(what);
    let poll = tracking.written_elsewhere().then(|| {
        let mut poll = tokio::time::interval(POLL_EVERY);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        poll
    });
    let state = Following { tracking, wake, poll, sent: HashSet::new(), ready: VecDeque::new(), started: false };
    futures_util::stream::unfold(state, |mut s| async move {
        loop {
            if let Some(update) = s.ready.pop_front() {
                return Some((update, s));
            }
            if s.started {
                s.woken().await;
            }
            let entries = loop {
                match s.tracking.entries_of(s.wake.what()).await {
                    Ok(entries) => break entries,
                    // The store is briefly unavailable: look again (until the client goes).
                    Err(_) => tokio::time::sleep(RETRY_AFTER).await,
                }
            };
            for (key, update) in entries {
                if s.sent.insert(key) && s.started {
                    s.ready.push_back(update);
                }
            }
            s.started = true;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::signing::OrderLinks;
    use crate::platform::store::{Condition, Item, Key, Page, Table, WriteOp};
    use async_trait::async_trait;
    use futures_util::StreamExt;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// An empty table that counts the queries made of it, written by this
    /// process alone (as the embedded store is) or by others too.
    struct Counted {
        queries: AtomicUsize,
        only_here: bool,
    }

    #[async_trait]
    impl Table for Counted {
        fn name(&self) -> &str {
            "tracking"
        }
        async fn get(&self, _: &Key) -> Result<Option<Item>, StoreError> {
            Ok(None)
        }
        async fn put(&self, item: Item, _: Condition) -> Result<Item, StoreError> {
            Ok(item)
        }
        async fn delete(&self, _: &Key, _: Condition) -> Result<(), StoreError> {
            Ok(())
        }
        async fn query(&self, _: Query) -> Result<Page, StoreError> {
            self.queries.fetch_add(1, Ordering::SeqCst);
            Ok(Page { items: Vec::new(), next: None })
        }
        async fn transact_write(&self, _: Vec<WriteOp>) -> Result<(), StoreError> {
            Ok(())
        }
        async fn delete_batch(&self, _: Vec<Key>) -> Result<(), StoreError> {
            Ok(())
        }
        fn changes(&self) -> Option<u64> {
            self.only_here.then_some(0)
        }
    }

    /// A stream of order `o1` kept running on a table `only_here` or not; its table.
    fn following(only_here: bool) -> (Arc<Tracking>, Arc<Counted>) {
        let table = Arc::new(Counted { queries: AtomicUsize::new(0), only_here });
        let tracking = Arc::new(Tracking {
            table: table.clone(),
            followers: Arc::default(),
            links: OrderLinks::new(b"0123456789abcdef0123456789abcdef"),
        });
        let stream = follow(tracking.clone(), Followed::Order("o1".into()));
        tokio::spawn(async move { stream.for_each(|_| async {}).await });
        (tracking, table)
    }

    /// Waits up to `within` for the table to have been queried `n` times; whether it was.
    async fn queried(table: &Counted, n: usize, within: Duration) -> bool {
        tokio::time::timeout(within, async {
            while table.queries.load(Ordering::SeqCst) < n {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await
        .is_ok()
    }

    #[tokio::test]
    async fn where_only_this_process_writes_an_idle_stream_reads_only_when_woken() {
        let (tracking, table) = following(true);
        assert!(queried(&table, 1, Duration::from_secs(10)).await, "a stream reads what is there when it opens");
        assert!(!queried(&table, 2, POLL_EVERY * 2).await, "and then nothing while nothing is stored");
        tracking.followers.stored("o2", None);
        assert!(!queried(&table, 2, POLL_EVERY / 4).await, "another order's entry does not wake it");
        tracking.followers.stored("o1", None);
        assert!(queried(&table, 2, Duration::from_secs(10)).await, "its own entry does");
    }

    #[tokio::test]
    async fn where_other_processes_write_too_a_stream_looks_every_poll() {
        let (_tracking, table) = following(false);
        assert!(queried(&table, 3, POLL_EVERY * 10).await, "it looks for entries it cannot be woken by");
    }
}
