//! Password hashes: argon2id with the crate's defaults (OWASP's m=19 MiB, t=2, p=1),
//! in the PHC string format, so parameters can be raised later without a migration.
//!
//! Each hash takes 19 MiB and a core for tens of milliseconds, so anonymous
//! sign-ins could take the server's memory and CPU: at most one hash per
//! core runs at a time ([`hashed`], [`verified`]); the rest wait their turn
//! for [`QUEUE_WAIT`] and are then turned away as busy (503, Retry-After).

use argon2::password_hash::SaltString;
use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;

/// How long a sign-in waits for a free hashing slot before it is refused.
pub const QUEUE_WAIT: Duration = Duration::from_secs(5);

static SLOTS: LazyLock<Semaphore> =
    LazyLock::new(|| Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())));
static RUNNING: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("too many sign-ins at once; try again in a moment")]
    Busy,
    #[error("hashing failed: {0}")]
    Failed(String),
}

/// [`hash`] in a hashing slot, off the async threads.
pub async fn hashed(password: String) -> Result<String, HashError> {
    gated(move || hash(&password)).await?.map_err(|e| HashError::Failed(e.to_string()))
}

/// [`verify`] in a hashing slot, off the async threads.
pub async fn verified(password: String, stored: String) -> Result<bool, HashError> {
    gated(move || verify(&password, &stored)).await
}

async fn gated<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, HashError> {
    let _slot = tokio::time::timeout(QUEUE_WAIT, SLOTS.acquire())
        .await
        .map_err(|_| HashError::Busy)?
        .map_err(|e| HashError::Failed(e.to_string()))?;
    let running = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
    PEAK.fetch_max(running, Ordering::SeqCst);
    let done = tokio::task::spawn_blocking(work).await;
    RUNNING.fetch_sub(1, Ordering::SeqCst);
    done.map_err(|e| HashError::Failed(e.to_string()))
}

/// The most hashes that ever ran at once in this process.
#[cfg(test)]
pub fn peak_concurrency() -> usize {
    PEAK.load(Ordering::SeqCst)
}

pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>()).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hash: {e}"))?
        .to_string())
}

pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A hash to verify against when the account does not exist, so an unknown
/// e-mail takes as long to refuse as a wrong password.
pub fn decoy() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash("decoy password, never matches").expect("hashing works"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2id_hashes_verify_only_the_right_password() {
        let stored = hash("correct horse battery").unwrap();
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(verify("correct horse battery", &stored));
        assert!(!verify("correct horse batterY", &stored));
        assert_ne!(hash("correct horse battery").unwrap(), stored, "salted");
        assert!(!verify("x", "not a hash"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn no_more_hashes_run_at_once_than_there_are_cores() {
        let stored = hash("correct horse battery").unwrap();
        let checks = (0..24).map(|_| verified("wrong".into(), stored.clone()));
        for checked in futures_util::future::join_all(checks).await {
            assert!(!checked.expect("each waits its turn"));
        }
        let cores = std::thread::available_parallelism().unwrap().get();
        assert!(peak_concurrency() <= cores, "{} hashes at once on {cores} cores", peak_concurrency());
    }
}
