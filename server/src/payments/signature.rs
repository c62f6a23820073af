//! Stripe's webhook signature: header `Stripe-Signature: t=<unix>,v1=<hex>[,v1=…]`
//! where each `v1` is HMAC-SHA256 over `"<t>.<payload>"` keyed by the webhook secret.

use crate::platform::signing::hmac_sha256;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Signatures older (or further in the future) than this are refused.
pub const TOLERANCE_SECS: i64 = 300;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("missing Stripe-Signature header")]
    Missing,
    #[error("malformed Stripe-Signature header")]
    Malformed,
    #[error("signature timestamp outside the {TOLERANCE_SECS} s tolerance")]
    Expired,
    #[error("no v1 signature matches")]
    Mismatch,
}

/// The header value signing `payload` at time `t`.
pub fn sign(secret: &str, payload: &[u8], t: i64) -> String {
    let mut message = format!("{t}.").into_bytes();
    message.extend_from_slice(payload);
    format!("t={t},v1={}", hex::encode(hmac_sha256(secret.as_bytes(), &message)))
}

/// Checks `header` against `payload` at time `now` (unix seconds).
pub fn verify(secret: &str, header: Option<&str>, payload: &[u8], now: i64) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        let (name, value) = part.trim().split_once('=').ok_or(SignatureError::Malformed)?;
        match name {
            "t" => timestamp = Some(value.parse::<i64>().map_err(|_| SignatureError::Malformed)?),
            "v1" => signatures.push(hex::decode(value).map_err(|_| SignatureError::Malformed)?),
            _ => {} // v0 and future schemes are ignored, as Stripe advises
        }
    }
    let t = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now - t).abs() > TOLERANCE_SECS {
        return Err(SignatureError::Expired);
    }
    let mut message = format!("{t}.").into_bytes();
    message.extend_from_slice(payload);
    let matches = signatures.iter().any(|signature| {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
        mac.update(&message);
        mac.verify_slice(signature).is_ok() // constant-time comparison
    });
    if matches { Ok(()) } else { Err(SignatureError::Mismatch) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";

    #[test]
    fn a_fresh_signature_verifies() {
        let header = sign(SECRET, b"{}", 1_000);
        assert_eq!(verify(SECRET, Some(&header), b"{}", 1_000 + TOLERANCE_SECS), Ok(()));
    }

    #[test]
    fn any_of_several_v1_values_may_match() {
        let good = sign(SECRET, b"{}", 1_000);
        let v1 = good.split("v1=").nth(1).unwrap();
        let header = format!("t=1000,v1={},v0=abc,v1={v1}", "00".repeat(32));
        assert_eq!(verify(SECRET, Some(&header), b"{}", 1_000), Ok(()));
    }

    #[test]
    fn tampering_age_wrong_secret_and_garbage_are_refused() {
        let header = sign(SECRET, b"{\"a\":1}", 1_000);
        assert_eq!(verify(SECRET, Some(&header), b"{\"a\":2}", 1_000), Err(SignatureError::Mismatch));
        assert_eq!(verify("whsec_other", Some(&header), b"{\"a\":1}", 1_000), Err(SignatureError::Mismatch));
        assert_eq!(
            verify(SECRET, Some(&header), b"{\"a\":1}", 1_000 + TOLERANCE_SECS + 1),
            Err(SignatureError::Expired)
        );
        assert_eq!(
            verify(SECRET, Some(&header), b"{\"a\":1}", 1_000 - TOLERANCE_SECS - 1),
            Err(SignatureError::Expired)
        );
        assert_eq!(verify(SECRET, None, b"", 1_000), Err(SignatureError::Missing));
        assert_eq!(verify(SECRET, Some("t=1000"), b"", 1_000), Err(SignatureError::Malformed));
        assert_eq!(verify(SECRET, Some("v1=zz,t=1"), b"", 1), Err(SignatureError::Malformed));
    }
}
