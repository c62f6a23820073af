//! HMAC-SHA256 signatures: signed cookie values, and the secret they use.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::path::Path;

type HmacSha256 = Hmac<Sha256>;

/// Signs values so a client can hold them but not forge them.
#[derive(Clone)]
pub struct Signer {
    key: Vec<u8>,
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
        Self { key: hmac_sha256(secret, context.as_bytes()).to_vec() }
    }

    /// `value.signature` (hex).
    pub fn sign(&self, value: &str) -> String {
        format!("{value}.{}", hex::encode(hmac_sha256(&self.key, value.as_bytes())))
    }

    /// The value of a token made by [`Signer::sign`] with this signer's key.
    pub fn verify<'a>(&self, token: &'a str) -> Option<&'a str> {
        let (value, signature) = token.rsplit_once('.')?;
        let signature = hex::decode(signature).ok()?;
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(value.as_bytes());
        mac.verify_slice(&signature).ok().map(|()| value)
    }
}

/// HMAC-SHA256 of `message` under `key`.
/// The token in an order's link (the receipt e-mail's): it proves the link
/// came from the store, so a guest can follow their order without an account.
pub fn order_link_token(secret: &[u8], order_id: &str) -> String {
    hex::encode(&hmac_sha256(secret, format!("order link {order_id}").as_bytes())[..16])
}

pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// The configured secret, or the one kept in `data_dir/secret.key`
/// (created with 32 random bytes on first use).
pub fn load_secret(configured: Option<&str>, data_dir: &Path) -> anyhow::Result<Vec<u8>> {
    if let Some(secret) = configured {
        anyhow::ensure!(secret.len() >= 32, "the secret must be at least 32 characters");
        return Ok(secret.as_bytes().to_vec());
    }
    let path = data_dir.join("secret.key");
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(hex::decode(text.trim()).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(data_dir)?;
            let secret: [u8; 32] = rand::random();
            std::fs::write(&path, hex::encode(secret))?;
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

    #[test]
    fn the_secret_is_created_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_secret(None, dir.path()).unwrap();
        assert_eq!(first.len(), 32);
        assert_eq!(load_secret(None, dir.path()).unwrap(), first);
        assert!(load_secret(Some("short"), dir.path()).is_err());
    }
}
