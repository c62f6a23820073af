//! A payment the store accepted (202), or claimed, when it was killed must
//! end confirmed or declined after a restart; a retried payment goes through.

use crate::process::Tbs;
use crate::shop::Shopper;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread")]
async fn payments_accepted_just_before_a_kill_settle_after_the_restart() {
    let dir = tempfile::tempdir().unwrap();
    // Its webhooks cannot reach it before the kill (its public URL leads
    // nowhere), so whatever settles them later must have been kept.
    let nowhere = format!("http://127.0.0.1:{}", crate::process::free_port());
    let mut tbs = Tbs::spawn(dir.path(), &["--public-url", &nowhere]);
    tbs.ready(Duration::from_secs(60)).await;
    let base = tbs.base();
    let shoppers: Vec<Shopper> = (0..4).map(|_| Shopper::new()).collect();
    let mut orders = Vec::new();
    for shopper in &shoppers {
        orders.push(shopper.reserved_order(&base).await);
    }
    let paid = futures_util::future::join_all(shoppers.iter().zip(&orders).map(|(s, id)| s.pay(&base, id))).await;
    tbs.kill();
    for (status, body) in paid {
        assert_eq!(status, 202, "{body}");
    }
    let mut again = Tbs::spawn(dir.path(), &[]);
    again.ready(Duration::from_secs(60)).await;
    for (shopper, id) in shoppers.iter().zip(&orders) {
        shopper.order_until(&again.base(), id, "confirmed", |o| o["status"] == "confirmed").await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_payment_retried_after_a_kill_in_the_middle_of_paying_goes_through() {
    let dir = tempfile::tempdir().unwrap();
    let mut tbs = Tbs::spawn(dir.path(), &[]);
    tbs.ready(Duration::from_secs(60)).await;
    let shoppers: Vec<Shopper> = (0..6).map(|_| Shopper::new()).collect();
    let mut orders = Vec::new();
    for shopper in &shoppers {
        orders.push(shopper.reserved_order(&tbs.base()).await);
    }
    for (k, (shopper, id)) in shoppers.iter().zip(&orders).enumerate() {
        // Pay, and kill the store 0–20 ms into it (the request may or may
        // not have been claimed, recorded or sent to the provider).
        let (base, id_owned) = (tbs.base(), id.clone());
        let client = Shopper::new_sharing(shopper);
        let paying = tokio::spawn(async move { client.pay(&base, &id_owned).await });
        tokio::time::sleep(Duration::from_millis(4 * k as u64)).await;
        tbs.kill();
        let _ = paying.await; // answered or cut off: either way the shopper tries again
        tbs = Tbs::spawn(dir.path(), &[]);
        tbs.ready(Duration::from_secs(60)).await;
        retry_until_accepted(shopper, &tbs.base(), id).await;
        shopper.order_until(&tbs.base(), id, "confirmed", |o| o["status"] == "confirmed").await;
    }
}

/// Pays again until the store takes the payment (or says it is paid).
async fn retry_until_accepted(shopper: &Shopper, base: &str, id: &str) {
    // A claim with nothing recorded behind it is given up after 5 s; a
    // payment recorded but never sent is reconciled within a minute.
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let (status, body) = shopper.pay(base, id).await;
        let code = body["error"]["code"].as_str().unwrap_or_default().to_string();
        if status == 202 || code == "order_paid" {
            return;
        }
        assert!(status == 409 && code == "payment_in_progress", "{status}: {body}");
        assert!(Instant::now() < deadline, "the retried payment was refused for 90 s: {body}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
