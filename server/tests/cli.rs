//! The `tbs` binary's commands, run as a user would.

use server::contracts::{StockLine, StockReserved};
use server::platform::events::Envelope;
use server::platform::hub::{EmbeddedHub, EventHub, Subscription};
use server::platform::store::EmbeddedStore;
use std::process::Command;
use std::time::Duration;

fn tbs(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tbs")).args(args).env_remove("TBS_DATA_DIR").output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

#[test]
fn serve_help_documents_every_setting_and_its_variable() {
    let (ok, help, _) = tbs(&["serve", "--help"]);
    assert!(ok);
    for needle in [
        "--addr",
        "TBS_ADDR",
        "--data-dir",
        "TBS_DATA_DIR",
        "--site-root",
        "--log-format",
        "--seed-demo",
        "--request-timeout-secs",
        "--config",
        "--services",
        "TBS_SERVICES",
        "--payment-timeout-secs",
        "--smtp-url",
        "--mail-dir",
        "--public-url",
        "--secret",
        "--stripe-webhook-secret",
    ] {
        assert!(help.contains(needle), "serve --help lacks {needle}");
    }
}

#[tokio::test]
async fn faults_are_listed_and_resubmitted_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let event = Envelope::new(
        "catalog",
        &StockReserved { order_id: "o1".into(), lines: vec![StockLine { sku: "X-1".into(), quantity: 1 }] },
        "",
        None,
    );
    let fault_id = {
        let store = EmbeddedStore::open(dir.path()).unwrap();
        let hub = EmbeddedHub::open(&store, vec![Subscription::new("tally", &["StockReserved"])]).await.unwrap();
        hub.publish(std::slice::from_ref(&event)).await.unwrap();
        let delivery = hub.receive("tally", 1, Duration::from_secs(1)).await.unwrap().remove(0);
        hub.dead_letter(&delivery, "tally table unavailable").await.unwrap().id
    };

    let (ok, table, err) = tbs(&["faults", "list", "--data-dir", data]);
    assert!(ok, "{err}");
    assert!(
        table.contains(&fault_id) && table.contains("tally table unavailable") && table.contains("StockReserved"),
        "{table}"
    );
    let (ok, json, _) = tbs(&["faults", "list", "--json", "--data-dir", data]);
    assert!(ok);
    let listed: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!(listed["event"]["id"], event.id.to_string());

    let (ok, said, err) = tbs(&["faults", "resubmit", &fault_id, "--data-dir", data]);
    assert!(ok, "{err}");
    assert!(said.contains("resubmitted"), "{said}");
    let (ok, table, _) = tbs(&["faults", "list", "--data-dir", data]);
    assert!(ok && table.contains("no faults"), "{table}");
    let (ok, _, err) = tbs(&["faults", "resubmit", &fault_id, "--data-dir", data]);
    assert!(!ok && err.contains("no fault"), "{err}");

    // The event is back on the consumer's queue.
    let store = EmbeddedStore::open(dir.path()).unwrap();
    let hub = EmbeddedHub::open(&store, vec![Subscription::new("tally", &["StockReserved"])]).await.unwrap();
    let again = hub.receive("tally", 1, Duration::from_secs(1)).await.unwrap();
    assert_eq!(again[0].envelope.id, event.id);
}

#[tokio::test]
async fn users_create_bootstraps_an_administrator_who_can_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("db");
    let create = |email: &str| {
        Command::new(env!("CARGO_BIN_EXE_tbs"))
            .args(["users", "create", "--email", email, "--name", "Ada Admin", "--role", "admin"])
            .arg("--data-dir")
            .arg(&data)
            .env("TBS_NEW_USER_PASSWORD", "admin password 1")
            .output()
            .unwrap()
    };
    let out = create("ada@example.com");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("shopper, admin"));
    let again = create("ADA@example.com");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists"));

    let store = server::platform::store::EmbeddedStore::open(&data).unwrap();
    let identity = server::identity::Identity::open(&store, false, None).await.unwrap();
    let input = app::account::SignInInput { email: "ada@example.com".into(), password: "admin password 1".into() };
    let (account, _cookie) = identity.sign_in(input).await.unwrap();
    assert!(account.roles.contains(&app::account::Role::Admin));
}
