//! Live streams that follow the tracking view itself, so any process can
//! serve any stream (with several processes consuming tracking events, an
//! entry is stored by whichever consumed it). A stream re-reads what it
//! follows when woken — at once by this process's own broadcast, and every
//! [`POLL_EVERY`] for entries other processes stored — and sends the
//! entries it has not sent yet.

use super::{BY_ACCOUNT, Tracking, Update};
use crate::platform::store::{Query, SortKeyCondition, StoreError};
use app::tracking::TimelineEntry;
use futures_util::Stream;
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::broadcast;

/// How often a stream looks for entries other processes stored.
pub const POLL_EVERY: Duration = Duration::from_secs(1);
/// How far back an account's stream looks (entries are keyed by when their
/// event happened, which may be a little before they are stored).
const ACCOUNT_WINDOW: time::Duration = time::Duration::minutes(10);

/// What a stream follows.
#[derive(Clone, Debug)]
pub enum Followed {
    Order(String),
    Account(String),
}

impl Followed {
    /// Whether a local update is one of the followed entries.
    fn concerns(&self, update: &Update) -> bool {
        match self {
            Followed::Order(order_id) => &update.order_id == order_id,
            Followed::Account(account) => update.account_id.as_ref() == Some(account),
        }
    }
}

struct Following {
    tracking: Arc<Tracking>,
    what: Followed,
    wake: broadcast::Receiver<Update>,
    poll: tokio::time::Interval,
    sent: HashSet<String>,
    ready: VecDeque<Update>,
    started: bool,
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
        let account_id = match what {
            Followed::Account(account) => Some(account.clone()),
            Followed::Order(_) => None,
        };
        let page = self.table.query(query.limit(500)).await?;
        page.items
            .iter()
            .map(|item| {
                let entry: TimelineEntry = item.record()?;
                let order_id = item.key.pk.trim_start_matches("ORDER#").to_string();
                let key = format!("{}/{}", item.key.pk, item.key.sk);
                Ok((key, Update { order_id, account_id: account_id.clone(), entry }))
            })
            .collect()
    }
}

/// The entries of `what` stored from now on, wherever they are stored.
pub fn follow(tracking: Arc<Tracking>, what: Followed) -> impl Stream<Item = Update> {
    let wake = tracking.subscribe();
    let mut poll = tokio::time::interval(POLL_EVERY);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let state = Following { tracking, what, wake, poll, sent: HashSet::new(), ready: VecDeque::new(), started: false };
    futures_util::stream::unfold(state, |mut s| async move {
        loop {
            if let Some(update) = s.ready.pop_front() {
                return Some((update, s));
            }
            if s.started {
                tokio::select! {
                    woken = s.wake.recv() => match woken {
                        Ok(update) if !s.what.concerns(&update) => continue,
                        Err(broadcast::error::RecvError::Closed) => return None,
                        _ => {} // ours, or fell behind: look
                    },
                    _ = s.poll.tick() => {}
                }
            }
            let Ok(entries) = s.tracking.entries_of(&s.what).await else {
                if !s.started {
                    s.poll.tick().await;
                }
                continue; // the store is briefly unavailable: look again
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
