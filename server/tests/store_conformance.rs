//! The store conformance suite (`server::platform::store::conformance`) run
//! unchanged against every backend: embedded redb always, DynamoDB (against
//! the moto server `cargo xtask test` starts) with the `aws` feature.

use async_trait::async_trait;
use server::platform::store::conformance::{self, Harness};
use server::platform::store::{EmbeddedStore, Store};
use std::sync::Arc;

/// Generates one test per check for a backend, plus a guard that none is missing.
macro_rules! suite {
    ($backend:ident, $harness:expr, [$($check:ident),* $(,)?]) => {
        mod $backend {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $check() {
                    let harness = $harness;
                    conformance::$check(&harness).await;
                }
            )*

            #[test]
            fn every_conformance_check_is_run() {
                let run = [$(stringify!($check)),*];
                for check in conformance::CHECKS {
                    assert!(run.contains(check), "conformance check {check} is not run against {}", stringify!($backend));
                }
                assert_eq!(run.len(), conformance::CHECKS.len());
            }
        }
    };
}

macro_rules! all_checks {
    ($backend:ident, $harness:expr) => {
        suite!(
            $backend,
            $harness,
            [
                put_then_get_round_trips,
                get_of_missing_item_is_none,
                put_if_absent_rejects_existing_item,
                update_requires_expected_version,
                delete_honours_condition,
                batch_delete_removes_every_key,
                query_returns_one_partition_in_sort_order,
                query_sort_key_conditions,
                query_pages_cover_partition_exactly_once,
                index_follows_item_changes,
                transaction_is_all_or_nothing,
                transaction_applies_puts_deletes_and_checks,
                transaction_rejects_invalid_requests,
                concurrent_conditional_puts_have_one_winner,
                concurrent_versioned_transactions_have_one_winner,
                data_persists_across_restart,
                a_table_gains_an_index_declared_after_it_was_made,
                an_expiry_is_kept_as_written,
            ]
        );
    };
}

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

all_checks!(embedded, Embedded { dir: tempfile::tempdir().unwrap() });

#[cfg(feature = "aws")]
mod aws_harness {
    use super::*;
    use server::platform::store::dynamodb::DynamoStore;

    /// Each check gets its own table-name prefix on the moto server; a new
    /// client over the same prefix is a restart.
    pub struct Dynamo {
        endpoint: String,
        prefix: String,
    }

    impl Dynamo {
        pub fn new() -> Self {
            let endpoint = std::env::var("TBS_TEST_AWS_ENDPOINT")
                .expect("TBS_TEST_AWS_ENDPOINT is not set: run these tests with `cargo xtask test`, which starts moto");
            let prefix = format!("conf-{}-", &uuid::Uuid::new_v4().simple().to_string()[..12]);
            Self { endpoint, prefix }
        }
    }

    #[async_trait]
    impl Harness for Dynamo {
        async fn store(&self) -> Arc<dyn Store> {
            let client = server::platform::aws::test_clients(&self.endpoint).dynamodb;
            Arc::new(DynamoStore::new(client, self.prefix.clone(), true))
        }
    }
}

#[cfg(feature = "aws")]
all_checks!(dynamodb, aws_harness::Dynamo::new());

/// DynamoDB removes expired items itself: every table has its time to live
/// on, on the attribute the store writes the expiry to.
#[cfg(feature = "aws")]
#[tokio::test]
async fn a_dynamodb_table_has_its_time_to_live_on() {
    use server::platform::store::TableSpec;
    let endpoint = std::env::var("TBS_TEST_AWS_ENDPOINT").expect("run with `cargo xtask test`, which starts moto");
    let client = server::platform::aws::test_clients(&endpoint).dynamodb;
    let prefix = format!("ttl-{}-", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let store = server::platform::store::dynamodb::DynamoStore::new(client.clone(), prefix.clone(), true);
    for _ in 0..2 {
        // Opened twice: turning it on again is not an error.
        store.open_table(&TableSpec::new("expiring")).await.expect("open table");
    }
    let found = client.describe_time_to_live().table_name(format!("{prefix}expiring")).send().await.unwrap();
    let ttl = found.time_to_live_description().expect("a time to live");
    assert_eq!(ttl.time_to_live_status().map(|s| s.as_str()), Some("ENABLED"));
    assert_eq!(ttl.attribute_name(), Some("expires_at"));
}
