//! A kill at any point of the very first start (while every table's file is
//! being created) must leave a data directory the next start opens.

use crate::process::{Tbs, entries};
use std::time::{Duration, Instant};

#[tokio::test]
async fn serve_starts_again_after_a_kill_at_any_point_of_its_first_start() {
    let files_when_ready = {
        let dir = tempfile::tempdir().unwrap();
        let mut tbs = Tbs::spawn(dir.path(), &[]);
        tbs.ready(Duration::from_secs(60)).await;
        tbs.kill();
        entries(dir.path()).len()
    };
    assert!(files_when_ready >= 5, "a fresh start makes the tables' files");
    // Kill as soon as the k-th file appears, for every k, then once more at
    // a few moments after each appears (mid-creation), and start again.
    for k in 0..=files_when_ready {
        for after in [Duration::ZERO, Duration::from_millis(3)] {
            let dir = tempfile::tempdir().unwrap();
            let data = dir.path().join("data");
            let tbs = Tbs::spawn(&data, &[]);
            let until = Instant::now() + Duration::from_secs(60);
            while entries(&data).len() < k {
                assert!(Instant::now() < until, "the first start never made {k} files");
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            tokio::time::sleep(after).await;
            tbs.kill();
            let mut again = Tbs::spawn(&data, &[]);
            again.ready(Duration::from_secs(60)).await;
            again.kill();
        }
    }
}
