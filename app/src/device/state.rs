//! [`Device`]: the device's state as signals, provided to every page.

#[cfg(feature = "hydrate")]
use super::snapshots::{News, Snapshots};
use super::{NewChange, Outbox};
use leptos::prelude::*;

/// Whether the store answers, what the outbox holds, and the notices.
/// On the server everything stays at its default (online, nothing queued).
#[derive(Clone, Copy)]
pub struct Device {
    /// Whether the store itself last answered.
    pub online: RwSignal<bool>,
    /// When it last answered (UTC, RFC 3339).
    pub last_sync: RwSignal<Option<String>>,
    /// What the page shows is a copy saved on this device at this time (UTC).
    pub saved_at: RwSignal<Option<String>>,
    /// A new release is installed and waits for a reload.
    pub update_ready: RwSignal<bool>,
    pub outbox: RwSignal<Outbox>,
    /// The signed-in account (its id), once known: queued edits carry it.
    pub account: RwSignal<Option<String>>,
    /// A failure to queue an edit on this device (storage refused).
    pub problem: RwSignal<Option<String>>,
}

impl Device {
    /// Makes the device's state and, in the browser, starts following it.
    pub fn provide() -> Self {
        let device = Self {
            online: RwSignal::new(true),
            last_sync: RwSignal::new(None),
            saved_at: RwSignal::new(None),
            update_ready: RwSignal::new(false),
            outbox: RwSignal::new(Outbox::default()),
            account: RwSignal::new(None),
            problem: RwSignal::new(None),
        };
        provide_context(device);
        #[cfg(feature = "hydrate")]
        Effect::new(move |_| {
            if crate::hydration::done() {
                untrack(|| device.follow());
            }
        });
        device
    }

    /// Queues an edit (made by the signed-in account, if any) and shows it at once.
    pub fn queue(self, change: NewChange) {
        self.queue_then(change, |_| ());
    }

    /// Queues an edit; `queued` gets its change id once it is kept on the
    /// device. From then on it is in [`Outbox::pending`] until the store
    /// answered, then in [`Outbox::refused`] if the store refused it.
    pub fn queue_then(self, mut change: NewChange, queued: impl FnOnce(String) + 'static) {
        change.owner = self.account.get_untracked();
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            match super::js::enqueue(&change).await {
                Ok(id) => {
                    self.show_queued(&id, change);
                    self.refresh().await;
                    queued(id);
                }
                Err(_) => self.problem.set(Some("This browser would not keep the change; try again.".into())),
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (change, queued);
    }

    /// What became of the queued change `id`: `None` while it waits; then
    /// `Ok` (the store has it) or the store's refusal, which is dismissed as
    /// it is handed over (the caller shows it).
    pub fn answer(self, id: &str) -> Option<Result<(), String>> {
        let outbox = self.outbox.get();
        if outbox.pending.iter().any(|q| q.id == id) {
            return None;
        }
        match outbox.refused.iter().find(|r| r.id == id) {
            Some(refused) => {
                self.dismiss(refused.id.clone());
                Some(Err(refused.message.clone()))
            }
            None => Some(Ok(())),
        }
    }

    /// Forgets a refusal the person has read.
    pub fn dismiss(self, id: String) {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let _ = super::js::dismiss(&id).await;
            self.refresh().await;
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = id;
    }

    /// The signed-in account is known: the device's private data is its own.
    pub fn signed_in_as(self, account: Option<String>) {
        self.account.set(account.clone());
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let _ = super::js::belongs_to(account).await;
        });
    }

    /// Takes the new release.
    pub fn reload(self) {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let _ = super::js::reload().await;
        });
    }

    /// Has the service worker save each page the app shows in place (no
    /// page load passes through the worker then), like a page loaded by address.
    pub fn save_visited_pages(self) {
        #[cfg(feature = "hydrate")]
        {
            let location = leptos_router::hooks::use_location();
            Effect::new(move |first: Option<()>| {
                let (path, query) = (location.pathname.get(), location.search.get());
                if first.is_some() {
                    let query =
                        if query.is_empty() { String::new() } else { format!("?{}", query.trim_start_matches('?')) };
                    super::js::visited(&format!("{path}{query}"));
                }
            });
        }
    }

    /// Edits waiting, for "N changes waiting".
    pub fn waiting(self) -> usize {
        self.outbox.with(|o| o.pending.len())
    }

    /// Shows the outbox's state now, unless a newer snapshot was shown while
    /// this one was read.
    #[cfg(feature = "hydrate")]
    async fn refresh(self) {
        let ticket = SNAPSHOTS.with_borrow_mut(Snapshots::take);
        if let Ok(news) = super::js::snapshot().await {
            self.learn(ticket, news);
        }
    }

    /// Shows the edit just queued as `id` at once, whether or not a snapshot
    /// can be read: the page knows what it queued.
    #[cfg(feature = "hydrate")]
    fn show_queued(self, id: &str, change: NewChange) {
        let ticket = SNAPSHOTS.with_borrow_mut(Snapshots::take);
        let NewChange { kind, url, label, cart, .. } = change;
        self.learn(ticket, News::Queued(super::Queued { id: id.into(), kind: kind.into(), url, label, cart }));
    }

    /// Shows `news` on the outbox, unless it is older than what is shown.
    #[cfg(feature = "hydrate")]
    fn learn(self, ticket: u64, news: News) {
        if SNAPSHOTS.with_borrow_mut(|s| s.show(ticket)) {
            self.outbox.maybe_update(|outbox| news.apply(outbox));
        }
    }

    /// Mirrors `<html data-…>` (kept by pwa.js) and the outbox, now and on every change.
    #[cfg(feature = "hydrate")]
    fn follow(self) {
        use gloo_events::EventListener;
        let read = move || {
            let Some(root) = document().document_element() else { return };
            changed(self.online, root.get_attribute("data-network").as_deref() != Some("offline"));
            changed(self.last_sync, root.get_attribute("data-last-sync"));
            changed(self.saved_at, root.get_attribute("data-saved-at"));
            changed(self.update_ready, root.get_attribute("data-update").as_deref() == Some("ready"));
        };
        read();
        // For the page's lifetime: the app's root context never goes away.
        EventListener::new(&window(), "tbs-device", move |_| read()).forget();
        EventListener::new(&window(), "tbs-outbox", move |_| leptos::task::spawn_local(self.refresh())).forget();
        leptos::task::spawn_local(self.refresh());
    }
}

#[cfg(feature = "hydrate")]
thread_local! {
    /// The order of the outbox's snapshots (they may be read out of turn);
    /// the page has one device.
    static SNAPSHOTS: std::cell::RefCell<Snapshots> = Default::default();
}

/// Sets `signal` only when `value` differs (the heartbeat repeats itself every
/// second; what follows the connection must not restart each time).
#[cfg(feature = "hydrate")]
fn changed<T: PartialEq + Send + Sync + 'static>(signal: RwSignal<T>, value: T) {
    signal.maybe_update(|current| {
        let differs = *current != value;
        if differs {
            *current = value;
        }
        differs
    });
}
