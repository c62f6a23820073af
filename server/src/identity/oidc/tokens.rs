//! The issuer's JWTs: verified against its published keys (fetched again
//! when a token names a key not yet seen), and read into the store's claims.

use super::{Claims, Oidc, OidcError};
use app::account::Role;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use std::time::{Duration, Instant};

/// How long a JWKS fetched for an unknown key id is trusted before the next fetch.
const JWKS_REFRESH_FLOOR: Duration = Duration::from_secs(10);

impl Oidc {
    /// Verifies a bearer JWT for the API: signature, issuer, audience, expiry.
    pub async fn verify_bearer(&self, token: &str) -> Result<Claims, OidcError> {
        let claims = self.verify(token, &self.settings.audience).await?;
        self.claims(claims)
    }

    pub(super) async fn verify(&self, token: &str, audience: &str) -> Result<serde_json::Value, OidcError> {
        let header = jsonwebtoken::decode_header(token).map_err(|e| OidcError::Rejected(format!("not a JWT: {e}")))?;
        if matches!(header.alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512) {
            return Err(OidcError::Rejected("tokens must be signed with the issuer's public key".into()));
        }
        let key = self.key(header.kid.as_deref()).await?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.settings.issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = self.settings.clock_skew.as_secs();
        jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation)
            .map(|data| data.claims)
            .map_err(|e| OidcError::Rejected(format!("the token is not valid: {e}")))
    }

    /// The issuer's key named `kid`, fetching the JWKS again when it is not known.
    async fn key(&self, kid: Option<&str>) -> Result<DecodingKey, OidcError> {
        let find = |set: &JwkSet| match kid {
            Some(kid) => set.find(kid).cloned(),
            None if set.keys.len() == 1 => set.keys.first().cloned(),
            None => None,
        };
        if let Some((set, _)) = &*self.keys.read().await
            && let Some(jwk) = find(set)
        {
            return DecodingKey::from_jwk(&jwk).map_err(|e| OidcError::Rejected(format!("unusable key: {e}")));
        }
        let mut keys = self.keys.write().await;
        let stale = keys.as_ref().is_none_or(|(_, at)| at.elapsed() >= JWKS_REFRESH_FLOOR);
        if stale {
            let url = self.discovery().await?.jwks_uri.clone();
            *keys = Some((self.get_json(&url).await?, Instant::now()));
        }
        let jwk = keys
            .as_ref()
            .and_then(|(set, _)| find(set))
            .ok_or_else(|| OidcError::Rejected("the token is signed with a key the issuer does not publish".into()))?;
        DecodingKey::from_jwk(&jwk).map_err(|e| OidcError::Rejected(format!("unusable key: {e}")))
    }

    pub(super) fn claims(&self, claims: serde_json::Value) -> Result<Claims, OidcError> {
        let text = |name: &str| claims.get(name).and_then(|v| v.as_str()).map(str::to_string);
        Ok(Claims {
            issuer: self.settings.issuer.clone(),
            subject: text("sub").ok_or_else(|| OidcError::Rejected("the token has no subject".into()))?,
            email: text("email"),
            email_verified: claims.get("email_verified").and_then(|v| v.as_bool()).unwrap_or(false),
            name: text("name"),
            roles: roles(claims.get(&self.settings.roles_claim)),
        })
    }
}

/// The store's roles named by a roles claim: a list, or one space- or
/// comma-separated string; names the store does not know are ignored.
pub fn roles(claim: Option<&serde_json::Value>) -> Vec<Role> {
    let names: Vec<String> = match claim {
        Some(serde_json::Value::Array(items)) => items.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
        Some(serde_json::Value::String(s)) => {
            s.split([' ', ',']).filter(|p| !p.is_empty()).map(str::to_string).collect()
        }
        _ => Vec::new(),
    };
    let mut roles = vec![Role::Shopper];
    for name in names {
        let role = match name.to_ascii_lowercase().as_str() {
            "admin" | "admins" | "administrator" | "administrators" => Role::Admin,
            "dispatcher" | "dispatchers" | "dispatch" => Role::Dispatcher,
            _ => continue,
        };
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    roles
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn roles_come_from_a_list_or_a_string_and_unknown_names_are_ignored() {
        assert_eq!(roles(Some(&json!(["admin", "staff"]))), vec![Role::Shopper, Role::Admin]);
        assert_eq!(roles(Some(&json!("Dispatchers, admin"))), vec![Role::Shopper, Role::Dispatcher, Role::Admin]);
        assert_eq!(roles(Some(&json!(42))), vec![Role::Shopper]);
        assert_eq!(roles(None), vec![Role::Shopper]);
    }
}
