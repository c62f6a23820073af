//! HMAC-SHA256 signatures: signed cookie values, and the secret they use.

use crate::platform::files::{IfExists, write_durably};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::path::Path;

type HmacSha256 = Hmac<Sha256>;

/// Signs values so a client can hold them but not forge them.
#[derive(Clone)]
pub struct Signer {
    /// Keyed once: each signature clones it, and so hashes its own value
    /// alone, not the key's two blocks again (half the work of checking a
    /// cart's cookie, which every cart request does).
    mac: HmacSha256,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(..)")
    }
}

impl Signer {
    /// A signer for one purpose (`context`), so a signature made for one use
    /// is never valid for another.
    pub fn new(secret: &[u8], context: &str) -> Self {
        Self { mac: keyed(&hmac_sha256(secret, context.as_bytes())) }
    }

    /// `value.signature` (hex).
    pub fn sign(&self, value: &str) -> String {
        format!("{value}.{}", hex::encode(digest(&self.mac, value.as_bytes())))
    }

    /// The value of a token made by [`Signer::sign`] with this signer's key.
    pub fn verify<'a>(&self, token: &'a str) -> Option<&'a str> {
        let (value, signature) = token.rsplit_once('.')?;
        let signature = hex::decode(signature).ok()?;
        let mut mac = self.mac.clone();
        mac.update(value.as_bytes());
        mac.verify_slice(&signature).ok().map(|()| value)
    }
}

/// The tokens in orders' links (the receipt e-mail's): a token proves the
/// link came from the store, so a guest can follow their order without an
/// account. One key for every service that makes or checks them.
#[derive(Clone)]
pub struct OrderLinks {
    /// Keyed once, as [`Signer`]'s.
    mac: HmacSha256,
}

impl std::fmt::Debug for OrderLinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OrderLinks(..)")
    }
}

impl OrderLinks {
    pub fn new(secret: &[u8]) -> Self {
        Self { mac: keyed(secret) }
    }

    pub fn token(&self, order_id: &str) -> String {
        hex::encode(&digest(&self.mac, format!("order link {order_id}").as_bytes())[..16])
    }

    /// Whether `token` is this order's (compared in constant time).
    pub fn matches(&self, order_id: &str, token: &str) -> bool {
        use subtle::ConstantTimeEq;
        self.token(order_id).as_bytes().ct_eq(token.as_bytes()).into()
    }
}

/// HMAC-SHA256 of `message` under `key`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    digest(&keyed(key), message)
}

/// HMAC-SHA256 of `message` with a `keyed` state, which stays as it was.
fn digest(keyed: &HmacSha256, message: &[u8]) -> [u8; 32] {
    let mut mac = keyed.clone();
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// An HMAC-SHA256 state keyed with `key`, ready for a message.
fn keyed(key: &[u8]) -> HmacSha256 {
    HmacSha256::new_from_slice(key).expect("HMAC takes any key length")
}

/// The configured secret, or (when `may_generate`: the embedded backend,
/// one machine) the one kept in `data_dir/secret.key`, created with 32
/// random bytes on first use. The file is written whole and durably
/// ([`write_durably`]), so a crash never leaves it empty, and a power cut
/// cannot lose it after cookies were signed with it.
pub fn load_secret(configured: Option<&str>, data_dir: &Path, may_generate: bool) -> anyhow::Result<Vec<u8>> {
    if let Some(secret) = configured {
        anyhow::ensure!(secret.len() >= 32, "the secret must be at least 32 characters");
        return Ok(secret.as_bytes().to_vec());
    }
    anyhow::ensure!(
        may_generate,
        "set the signing secret (--secret or TBS_SECRET, 32+ characters): on this backend every process must \
         share one, and none is generated into a local file"
    );
    let path = data_dir.join("secret.key");
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let secret = hex::decode(text.trim()).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            anyhow::ensure!(secret.len() == 32, "{}: expected 32 bytes in hex", path.display());
            Ok(secret)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(data_dir)?;
            let secret: [u8; 32] = rand::random();
            write_durably(&path, hex::encode(secret).as_bytes(), IfExists::Fail)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
            tracing::info!(path = %path.display(), "generated a new signing secret");
            Ok(secret.to_vec())
        }
        Err(e) => anyhow::bail!("cannot read {}: {e}", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_value_verifies_and_a_tampered_one_does_not() {
        let signer = Signer::new(b"0123456789abcdef0123456789abcdef", "cart");
        let token = signer.sign("abc");
        assert_eq!(signer.verify(&token), Some("abc"));
        assert_eq!(signer.verify(&token.replacen("abc", "abd", 1)), None);
        assert_eq!(signer.verify("abc"), None);
        let other = Signer::new(b"0123456789abcdef0123456789abcdef", "session");
        assert_eq!(other.verify(&token), None, "a signature is bound to its context");
    }

    /// Cookies and links given out before keep working: a signature is
    /// still HMAC-SHA256 under the purpose's key (RFC 4231's first vector
    /// pins the function itself).
    #[test]
    fn signatures_are_what_they_were() {
        let rfc4231 = hmac_sha256(&[0x0b; 20], b"Hi There");
        assert_eq!(hex::encode(rfc4231), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
        let secret = b"0123456789abcdef0123456789abcdef";
        let purpose_key = hmac_sha256(secret, b"cart");
        let expected = format!("abc.{}", hex::encode(hmac_sha256(&purpose_key, b"abc")));
        let signer = Signer::new(secret, "cart");
        assert_eq!(signer.sign("abc"), expected);
        assert_eq!(signer.sign("abc"), expected, "the kept state is not used up by a signature");
        let links = OrderLinks::new(secret);
        let token = hex::encode(&hmac_sha256(secret, b"order link o-1")[..16]);
        assert_eq!(links.token("o-1"), token);
        assert!(links.matches("o-1", &token) && !links.matches("o-2", &token));
    }

    #[test]
    fn the_secret_is_created_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_secret(None, dir.path(), true).unwrap();
        assert_eq!(first.len(), 32);
        assert_eq!(load_secret(None, dir.path(), true).unwrap(), first);
        assert!(load_secret(Some("short"), dir.path(), true).is_err());
    }

    #[test]
    fn without_a_configured_secret_a_shared_backend_refuses_to_start() {
        let dir = tempfile::tempdir().unwrap();
        let refused = load_secret(None, dir.path(), false).unwrap_err().to_string();
        assert!(refused.contains("TBS_SECRET"), "{refused}");
        assert!(!dir.path().join("secret.key").exists(), "nothing generated");
        let configured = "x".repeat(32);
        assert_eq!(load_secret(Some(&configured), dir.path(), false).unwrap(), configured.as_bytes());
    }

    #[test]
    fn a_truncated_secret_file_is_an_error_not_an_empty_key() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("secret.key"), "").unwrap();
        assert!(load_secret(None, dir.path(), true).is_err());
    }
}
