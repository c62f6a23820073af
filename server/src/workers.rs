//! Background work beside the HTTP server: one outbox relay per service
//! table and one loop per event consumer, all stopped by the same shutdown
//! signal as the server, plus periodic jobs.

use crate::platform::consumer::{self, Handler, RetryPolicy};
use crate::platform::hub::EventHub;
use crate::platform::outbox::Relay;
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::watch;
use tokio::task::JoinSet;

pub struct Workers {
    pub hub: Arc<dyn EventHub>,
    pub relays: Vec<Relay>,
    pub handlers: Vec<Arc<dyn Handler>>,
    /// Other periodic work (e.g. cancelling unpaid orders), each given the shutdown signal.
    pub jobs: Vec<Job>,
}

/// A background loop that ends when its shutdown signal turns true.
pub type Job = Box<dyn FnOnce(watch::Receiver<bool>) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send>;

/// Running workers; [`Running::stop`] ends them and waits.
pub struct Running {
    shutdown: watch::Sender<bool>,
    tasks: JoinSet<()>,
}

impl Workers {
    pub fn spawn(self) -> Running {
        let (shutdown, signal) = watch::channel(false);
        let mut tasks = JoinSet::new();
        for relay in self.relays {
            tasks.spawn(relay.run(signal.clone()));
        }
        for job in self.jobs {
            tasks.spawn(job(signal.clone()));
        }
        for handler in self.handlers {
            tasks.spawn(consumer::run(self.hub.clone(), handler, RetryPolicy::default(), signal.clone()));
        }
        tracing::info!(workers = tasks.len(), "background workers started");
        Running { shutdown, tasks }
    }
}

impl Running {
    pub async fn stop(mut self) {
        let _ = self.shutdown.send(true);
        while let Some(result) = self.tasks.join_next().await {
            if let Err(e) = result {
                tracing::error!(error = %e, "a background worker panicked");
            }
        }
    }
}
