//! Writes a crash may lose without harm, because what they do is done
//! again after a restart: publishing an event still in a durable outbox and
//! deleting it from the outbox afterwards, acknowledging a delivered message
//! (delivered again to an idempotent consumer), and all a consumer writes
//! whose every effect is in the store (see
//! [`Effects`](crate::platform::consumer::Effects): the event it handles
//! stays in its queue until the acknowledgement, which commits after those
//! writes). Made inside [`relaxed`], such writes may be answered before they
//! are durable; the next durable commit makes them durable too. A backend
//! that does not relax writes (DynamoDB: every write durable when answered)
//! ignores this.

tokio::task_local! {
    static RELAXED: ();
}

/// Runs `work` with every write it makes on this task relaxed.
pub async fn relaxed<F: Future>(work: F) -> F::Output {
    RELAXED.scope((), work).await
}

/// Whether the running task's writes are relaxed.
pub(crate) fn here() -> bool {
    RELAXED.try_with(|_| ()).is_ok()
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn only_work_run_relaxed_is_and_not_what_it_spawns() {
        assert!(!super::here());
        assert!(super::relaxed(async { super::here() }).await);
        let spawned = super::relaxed(async { tokio::spawn(async { super::here() }).await.unwrap() }).await;
        assert!(!spawned, "a spawned task has its own say");
    }
}
