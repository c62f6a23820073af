//! Combining: requests of one process that would each commit a small change
//! to the same hot items (a best-selling product's stock) are handed to
//! whoever is writing at the moment; when it is done, the next writer takes
//! every request that waited meanwhile and writes them together: one read of
//! the hot items and one transaction for the batch, instead of one each.
//! Nothing waits to fill a batch: a request that finds nobody writing is
//! written at once, alone.

use std::future::Future;
use std::sync::Mutex;
use tokio::sync::{Mutex as Desk, oneshot};

/// The request was taken into a batch whose writer stopped before it
/// finished (its task was cancelled); what became of it is unknown.
#[derive(Debug, thiserror::Error)]
#[error("the batch carrying this request was abandoned")]
pub struct Abandoned;

type Waiting<R, T> = Vec<(R, oneshot::Sender<T>)>;

/// Requests `R`, each answered with an outcome `T`, written in batches of at most `most`.
pub struct Combiner<R, T> {
    waiting: Mutex<Waiting<R, T>>,
    /// Held by the one writing a batch.
    desk: Desk<()>,
    most: usize,
}

impl<R, T> Combiner<R, T> {
    pub fn new(most: usize) -> Self {
        Self { waiting: Mutex::new(Vec::new()), desk: Desk::new(()), most: most.max(1) }
    }

    /// Hands `request` in and returns its outcome, once `write` has written
    /// the batch that carried it. `write` gets a batch's requests in the
    /// order they came and returns one outcome for each, in that order.
    pub async fn submit<F, Fut>(&self, request: R, write: F) -> Result<T, Abandoned>
    where
        F: Fn(Vec<R>) -> Fut,
        Fut: Future<Output = Vec<T>>,
    {
        let (sender, mut outcome) = oneshot::channel();
        self.waiting.lock().expect("combiner lock").push((request, sender));
        loop {
            let _desk = self.desk.lock().await;
            // Whoever held the desk before may have written this request already.
            match outcome.try_recv() {
                Ok(done) => return Ok(done),
                Err(oneshot::error::TryRecvError::Closed) => return Err(Abandoned),
                Err(oneshot::error::TryRecvError::Empty) => {}
            }
            let batch = self.take_batch();
            let (requests, senders): (Vec<R>, Vec<_>) = batch.into_iter().unzip();
            let outcomes = write(requests).await;
            debug_assert_eq!(outcomes.len(), senders.len(), "one outcome per request");
            for (sender, done) in senders.into_iter().zip(outcomes) {
                let _ = sender.send(done); // its caller may have gone; the write stands
            }
            if let Ok(done) = outcome.try_recv() {
                return Ok(done);
            } // else it was beyond this batch's `most`: the next one takes it
        }
    }

    /// The oldest waiting requests, at most `most`.
    fn take_batch(&self) -> Waiting<R, T> {
        let mut waiting = self.waiting.lock().expect("combiner lock");
        let n = waiting.len().min(self.most);
        waiting.drain(..n).collect()
    }
}

/// A batch's outcomes: `together`'s, one per request, when its one attempt
/// at the whole batch succeeded (`Some`); else each request's from `alone`,
/// one after another. A batch of one goes to `alone` directly.
pub async fn together_or_alone<'b, R, T, F, Fut>(
    batch: &'b [R],
    together: impl Future<Output = Option<Vec<T>>>,
    alone: F,
) -> Vec<T>
where
    F: Fn(&'b R) -> Fut,
    Fut: Future<Output = T>,
{
    if batch.len() > 1
        && let Some(outcomes) = together.await
    {
        return outcomes;
    }
    let mut outcomes = Vec::with_capacity(batch.len());
    for request in batch {
        outcomes.push(alone(request).await);
    }
    outcomes
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    /// Writes a batch after a pause (a commit), recording its size; each
    /// outcome is its request doubled.
    async fn write(sizes: &Mutex<Vec<usize>>, batch: Vec<u32>) -> Vec<u32> {
        sizes.lock().unwrap().push(batch.len());
        tokio::time::sleep(Duration::from_millis(20)).await;
        batch.into_iter().map(|r| r * 2).collect()
    }

    #[tokio::test]
    async fn requests_that_wait_for_a_write_go_together_and_each_gets_its_own_outcome() {
        let combiner = Arc::new(Combiner::new(8));
        let sizes = Arc::new(Mutex::new(Vec::new()));
        let tasks: Vec<_> = (0..20u32)
            .map(|n| {
                let (combiner, sizes) = (combiner.clone(), sizes.clone());
                tokio::spawn(async move { combiner.submit(n, |batch| write(&sizes, batch)).await.unwrap() })
            })
            .collect();
        for (n, task) in tasks.into_iter().enumerate() {
            assert_eq!(task.await.unwrap(), n as u32 * 2);
        }
        let sizes = sizes.lock().unwrap().clone();
        assert_eq!(sizes.iter().sum::<usize>(), 20, "every request written once: {sizes:?}");
        assert!(sizes.len() < 20, "some were written together: {sizes:?}");
        assert!(sizes.iter().all(|&s| s <= 8), "no batch over `most`: {sizes:?}");
    }

    #[tokio::test]
    async fn a_lone_request_is_written_at_once() {
        let combiner = Combiner::new(8);
        let sizes = Mutex::new(Vec::new());
        assert_eq!(combiner.submit(21, |batch| write(&sizes, batch)).await.unwrap(), 42);
        assert_eq!(*sizes.lock().unwrap(), vec![1]);
    }

    /// First writes `[1]` when `go` is notified; never finishes any other batch.
    async fn stall(go: &tokio::sync::Notify, batch: Vec<u32>) -> Vec<u32> {
        if batch == [1] {
            go.notified().await;
            return batch;
        }
        std::future::pending().await
    }

    #[tokio::test]
    async fn a_request_in_a_batch_whose_writer_stopped_is_told_so() {
        tokio::time::timeout(Duration::from_secs(10), abandoned_batch()).await.expect("within 10 s");
    }

    async fn abandoned_batch() {
        let combiner = Arc::new(Combiner::new(8));
        let go = Arc::new(tokio::sync::Notify::new());
        let submit = |n: u32| {
            let (combiner, go) = (combiner.clone(), go.clone());
            tokio::spawn(async move { combiner.submit(n, |batch| stall(&go, batch)).await })
        };
        let first = submit(1);
        while combiner.desk.try_lock().is_ok() {
            tokio::task::yield_now().await;
        }
        let (second, third) = (submit(2), submit(3));
        while combiner.waiting.lock().unwrap().len() < 2 {
            tokio::task::yield_now().await;
        }
        go.notify_one();
        assert_eq!(first.await.unwrap().unwrap(), 1);
        // The second writes [2, 3] and never finishes; stopping it leaves the third's outcome unknown.
        while !combiner.waiting.lock().unwrap().is_empty() {
            tokio::task::yield_now().await;
        }
        second.abort();
        let third = tokio::time::timeout(Duration::from_secs(5), third).await.expect("answered").unwrap();
        assert!(matches!(third, Err(Abandoned)), "{third:?}");
    }
}
