//! The store conformance suite (`server::platform::store::conformance`) run
//! against the embedded redb backend. The DynamoDB backend runs the same list.

use async_trait::async_trait;
use server::platform::store::conformance::{self, Harness};
use server::platform::store::{EmbeddedStore, Store};
use std::sync::Arc;

/// Each check gets its own directory; a new `EmbeddedStore` over it is a restart.
struct Embedded {
    dir: tempfile::TempDir,
}

#[async_trait]
impl Harness for Embedded {
    async fn store(&self) -> Arc<dyn Store> {
        Arc::new(EmbeddedStore::open(self.dir.path()).expect("open embedded store"))
    }
}

macro_rules! suite {
    ($($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let harness = Embedded { dir: tempfile::tempdir().unwrap() };
                conformance::$check(&harness).await;
            }
        )*

        #[test]
        fn every_conformance_check_is_run() {
            let run = [$(stringify!($check)),*];
            for check in conformance::CHECKS {
                assert!(run.contains(check), "conformance check {check} is not run against the embedded backend");
            }
            assert_eq!(run.len(), conformance::CHECKS.len());
        }
    };
}

suite!(
    put_then_get_round_trips,
    get_of_missing_item_is_none,
    put_if_absent_rejects_existing_item,
    update_requires_expected_version,
    delete_honours_condition,
    query_returns_one_partition_in_sort_order,
    query_sort_key_conditions,
    query_pages_cover_partition_exactly_once,
    index_follows_item_changes,
    transaction_is_all_or_nothing,
    transaction_applies_puts_deletes_and_checks,
    transaction_rejects_invalid_requests,
    concurrent_conditional_puts_have_one_winner,
    data_persists_across_restart,
);
