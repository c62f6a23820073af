//! A kill at any point of the very first start (while the store's file and
//! its tables are being created, the secret written, the catalog seeded) must
//! leave a data directory the next start opens.

use crate::process::{Tbs, entries};
use std::time::{Duration, Instant};

/// Kills spread evenly over the first start, besides one as each file appears.
const MOMENTS: u32 = 12;

#[tokio::test]
async fn serve_starts_again_after_a_kill_at_any_point_of_its_first_start() {
    let (files_when_ready, first_start) = {
        let dir = tempfile::tempdir().unwrap();
        let started = Instant::now();
        let mut tbs = Tbs::spawn(dir.path(), &[]);
        tbs.ready(Duration::from_secs(60)).await;
        let took = started.elapsed();
        tbs.kill();
        (entries(dir.path()).len(), took)
    };
    assert!(files_when_ready >= 2, "a fresh start makes the store's file and the secret");
    // Kill as soon as the k-th file appears, for every k, and a few moments
    // after each appears (mid-creation).
    for k in 0..=files_when_ready {
        for after in [Duration::ZERO, Duration::from_millis(3)] {
            kill_then_start_again(|data| async move {
                let until = Instant::now() + Duration::from_secs(60);
                while entries(&data).len() < k {
                    assert!(Instant::now() < until, "the first start never made {k} files");
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                tokio::time::sleep(after).await;
            })
            .await;
        }
    }
    // And at moments spread over the whole first start.
    for moment in 1..=MOMENTS {
        let at = first_start * moment / MOMENTS;
        kill_then_start_again(|_| tokio::time::sleep(at)).await;
    }
}

/// Starts `tbs` on a new data directory, kills it once `until` is done, and
/// checks that it starts again on what was left.
async fn kill_then_start_again<F: std::future::Future<Output = ()>>(until: impl FnOnce(std::path::PathBuf) -> F) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let tbs = Tbs::spawn(&data, &[]);
    until(data.clone()).await;
    tbs.kill();
    let mut again = Tbs::spawn(&data, &[]);
    again.ready(Duration::from_secs(60)).await;
    again.kill();
}
