//! HS256 JWT validation against a caller-supplied wall clock.
//!
//! `jsonwebtoken` checks the shape, the algorithm and the signature; it is told not to check
//! `exp`/`nbf` because it would read the system clock. hark checks them here against the `now`
//! the caller passes in, which keeps the core deterministic (vectors replay at fixed times).

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::provider;

/// How tokens are checked.
#[derive(Debug, Clone)]
pub struct JwtSettings {
    /// The shared HS256 secret.
    pub secret: Vec<u8>,
    /// Seconds of tolerance on `exp` and `nbf`, for clock differences between issuer and server.
    pub leeway_secs: u64,
    /// Tokens longer than this are refused before any decoding.
    pub max_token_len: usize,
}

impl JwtSettings {
    pub const DEFAULT_LEEWAY_SECS: u64 = 5;
    pub const DEFAULT_MAX_TOKEN_LEN: usize = 2048;

    pub fn new(secret: impl Into<Vec<u8>>) -> Self {
        Self {
            secret: secret.into(),
            leeway_secs: Self::DEFAULT_LEEWAY_SECS,
            max_token_len: Self::DEFAULT_MAX_TOKEN_LEN,
        }
    }
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("token of {len} bytes exceeds the maximum of {max}")]
    TooLong { len: usize, max: usize },
    #[error("token is not a well-formed JWT")]
    Malformed,
    #[error("token is not signed with HS256")]
    WrongAlgorithm,
    #[error("token signature does not match the server's secret")]
    BadSignature,
    #[error("token has no numeric exp claim")]
    MissingExpiry,
    #[error("token has no sub claim")]
    MissingSubject,
    #[error("token expired at {exp} (now {now})")]
    Expired { exp: u64, now: u64 },
    #[error("token is not valid before {nbf} (now {now})")]
    NotYetValid { nbf: u64, now: u64 },
}

/// The claims hark reads. Others are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenClaims {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
}

/// A token that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    pub subject: String,
    pub expires_at: u64,
}

/// Validates tokens with one secret and one policy.
#[derive(Clone)]
pub struct JwtValidator {
    key: DecodingKey,
    validation: Validation,
    leeway_secs: u64,
    max_token_len: usize,
}

impl std::fmt::Debug for JwtValidator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtValidator")
            .field("leeway_secs", &self.leeway_secs)
            .field("max_token_len", &self.max_token_len)
            .finish_non_exhaustive()
    }
}

impl JwtValidator {
    pub fn new(settings: &JwtSettings) -> Self {
        provider::ensure_installed();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        Self {
            key: DecodingKey::from_secret(&settings.secret),
            validation,
            leeway_secs: settings.leeway_secs,
            max_token_len: settings.max_token_len,
        }
    }

    /// Checks size, shape, algorithm, signature, then `exp` (required) and `nbf` (if present)
    /// against `now_unix`, then that `sub` is present.
    pub fn verify(&self, token: &str, now_unix: u64) -> Result<VerifiedToken, JwtError> {
        if token.len() > self.max_token_len {
            return Err(JwtError::TooLong {
                len: token.len(),
                max: self.max_token_len,
            });
        }
        let data = jsonwebtoken::decode::<TokenClaims>(token, &self.key, &self.validation)
            .map_err(|e| match e.kind() {
                ErrorKind::InvalidSignature => JwtError::BadSignature,
                ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
                    JwtError::WrongAlgorithm
                }
                _ => JwtError::Malformed,
            })?;
        let claims = data.claims;
        let exp = claims.exp.ok_or(JwtError::MissingExpiry)?;
        if now_unix > exp.saturating_add(self.leeway_secs) {
            return Err(JwtError::Expired { exp, now: now_unix });
        }
        if let Some(nbf) = claims.nbf
            && nbf > now_unix.saturating_add(self.leeway_secs)
        {
            return Err(JwtError::NotYetValid { nbf, now: now_unix });
        }
        let subject = claims.sub.ok_or(JwtError::MissingSubject)?;
        Ok(VerifiedToken {
            subject,
            expires_at: exp,
        })
    }
}

/// Signs `claims` with HS256. For the `token` command, tests and clients; the server never mints.
pub fn mint_token(secret: &[u8], claims: &TokenClaims) -> String {
    provider::ensure_installed();
    // Encoding a plain struct with an HMAC key cannot fail: no key parsing, no fallible serde.
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"test-secret";
    const NOW: u64 = 1_700_000_000;

    fn claims(sub: &str, exp: u64) -> TokenClaims {
        TokenClaims {
            sub: Some(sub.into()),
            exp: Some(exp),
            nbf: None,
            iat: None,
        }
    }

    fn validator() -> JwtValidator {
        JwtValidator::new(&JwtSettings::new(SECRET))
    }

    #[test]
    fn a_fresh_token_verifies() {
        let token = mint_token(SECRET, &claims("alice", NOW + 60));
        assert_eq!(
            validator().verify(&token, NOW),
            Ok(VerifiedToken {
                subject: "alice".into(),
                expires_at: NOW + 60
            })
        );
    }

    #[test]
    fn a_token_signed_with_another_secret_has_a_bad_signature() {
        let token = mint_token(b"other", &claims("alice", NOW + 60));
        assert_eq!(validator().verify(&token, NOW), Err(JwtError::BadSignature));
    }

    #[test]
    fn expiry_is_checked_against_the_given_clock_with_leeway() {
        let token = mint_token(SECRET, &claims("alice", NOW));
        assert!(validator().verify(&token, NOW + 5).is_ok());
        assert_eq!(
            validator().verify(&token, NOW + 6),
            Err(JwtError::Expired {
                exp: NOW,
                now: NOW + 6
            })
        );
    }

    #[test]
    fn exp_is_required() {
        let mut c = claims("alice", 0);
        c.exp = None;
        let token = mint_token(SECRET, &c);
        assert_eq!(
            validator().verify(&token, NOW),
            Err(JwtError::MissingExpiry)
        );
    }

    #[test]
    fn nbf_is_honoured() {
        let mut c = claims("alice", NOW + 600);
        c.nbf = Some(NOW + 100);
        let token = mint_token(SECRET, &c);
        assert_eq!(
            validator().verify(&token, NOW),
            Err(JwtError::NotYetValid {
                nbf: NOW + 100,
                now: NOW
            })
        );
        assert!(validator().verify(&token, NOW + 100).is_ok());
    }

    #[test]
    fn alg_none_is_refused() {
        // {"alg":"none","typ":"JWT"} . {"sub":"alice","exp":9999999999} . (empty signature)
        let token =
            "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhbGljZSIsImV4cCI6OTk5OTk5OTk5OX0.";
        assert_eq!(validator().verify(token, NOW), Err(JwtError::Malformed));
    }

    #[test]
    fn other_algorithms_are_refused() {
        // {"alg":"HS512","typ":"JWT"} with the HS256 claims and signature of a valid token.
        let valid = mint_token(SECRET, &claims("alice", NOW + 60));
        let mut parts = valid.splitn(2, '.');
        parts.next();
        let token = format!(
            "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.{}",
            parts.next().unwrap()
        );
        assert_eq!(
            validator().verify(&token, NOW),
            Err(JwtError::WrongAlgorithm)
        );
    }

    #[test]
    fn oversize_tokens_are_refused_before_decoding() {
        let token = "a".repeat(JwtSettings::DEFAULT_MAX_TOKEN_LEN + 1);
        assert!(matches!(
            validator().verify(&token, NOW),
            Err(JwtError::TooLong { .. })
        ));
    }

    #[test]
    fn garbage_is_malformed() {
        assert_eq!(
            validator().verify("not.a.jwt", NOW),
            Err(JwtError::Malformed)
        );
    }
}
