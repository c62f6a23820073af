//! A forgotten password, reset through the link the store e-mails: the
//! answer never tells whether an address has an account, a second request
//! within the minute sends no second link, the link works once, and using
//! it ends every other session of the account.

use crate::harness::Store;
use serde_json::json;
use std::time::{Duration, Instant};

on_both_backends!(a_forgotten_password_is_reset_once_through_the_emailed_link, payment_timeout_secs = 1800);

async fn a_forgotten_password_is_reset_once_through_the_emailed_link(store: Store) {
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let email = format!("fay-{tag}@example.com");
    let mut fay = store.shopper();
    assert_eq!(fay.register(&email, "Fay").await.status, 201);
    let mut someone = store.shopper();
    let ask = |email: &str| json!({ "email": email });
    let asked = someone.call("POST", "/api/account/password-reset", Some(ask(&email))).await;
    assert_eq!(asked.status, 202, "{}", asked.body);
    let nobody = someone.call("POST", "/api/account/password-reset", Some(ask(&format!("no-{tag}@example.com")))).await;
    assert_eq!((nobody.status, &nobody.body), (asked.status, &asked.body), "the same answer without an account");
    let bad = someone.call("POST", "/api/account/password-reset", Some(ask("not an address"))).await;
    assert_eq!((bad.status, bad.body["error"]["field"].clone()), (400, json!("email")));
    let token = reset_token(&store, &email).await;
    let again = someone.call("POST", "/api/account/password-reset", Some(ask(&email))).await;
    assert_eq!(again.status, 202, "asked again within the minute: no new link, the first still works");

    let set = |token: &str| json!({ "token": token, "new_password": "a brand new pw" });
    let forged = forged(&token);
    let refused = someone.call("POST", "/api/account/password-reset/complete", Some(set(&forged))).await;
    assert_eq!((refused.status, refused.body["error"]["field"].clone()), (400, json!("token")), "{}", refused.body);
    let done = someone.call("POST", "/api/account/password-reset/complete", Some(set(&token))).await;
    assert_eq!((done.status, done.body["email"].clone()), (200, json!(email)), "{}", done.body);
    assert_eq!(someone.call("GET", "/api/account/me", None).await.status, 200, "signed in by the new password");
    let used = store.shopper().call("POST", "/api/account/password-reset/complete", Some(set(&token))).await;
    assert_eq!((used.status, used.body["error"]["field"].clone()), (400, json!("token")), "the link works once");

    assert_eq!(fay.call("GET", "/api/account/me", None).await.status, 401, "every other session ended");
    let sign_in = |password: &str| json!({ "email": email, "password": password });
    let old = store.shopper().call("POST", "/api/account/sign-in", Some(sign_in("long enough pw"))).await;
    assert_eq!(old.status, 401, "the old password is gone");
    let new = store.shopper().call("POST", "/api/account/sign-in", Some(sign_in("a brand new pw"))).await;
    assert_eq!(new.status, 200, "{}", new.body);
}

/// The token of the password-reset link e-mailed to `email`, once it has come.
async fn reset_token(store: &Store, email: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mails = store.mails().into_iter().map(|m| crate::harness::unwrapped(&m));
        let links: Vec<String> = mails
            .filter(|m| m.contains(email) && m.contains("Choose a new password"))
            .filter_map(|m| m.split("/account/reset-password?token=").nth(1).map(token_of))
            .collect();
        if let Some(token) = links.first() {
            assert_eq!(links.len(), 1, "one link e-mailed: {links:?}");
            return token.clone();
        }
        assert!(Instant::now() < deadline, "no reset link came for {email}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `token` with its signature's last character changed (to another one: a
/// signature ending in '0' once made this "forgery" the token itself).
fn forged(token: &str) -> String {
    let (kept, last) = token.split_at(token.len() - 1);
    format!("{kept}{}", if last == "0" { '1' } else { '0' })
}

fn token_of(rest: &str) -> String {
    rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-').collect()
}
