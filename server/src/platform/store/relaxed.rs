//! Writes relaxed for the work that makes them, not for the table handle:
//! what a consumer does whose every effect is in the store (see
//! [`Effects`](crate::platform::consumer::Effects)) is done again after a
//! crash, because the event it handles stays in its queue until the
//! acknowledgement, which commits after those writes. So its writes may be
//! answered before they are durable, as a [`Table::relaxed`](super::Table::relaxed)
//! handle's are. A backend that does not relax writes ignores this.

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
