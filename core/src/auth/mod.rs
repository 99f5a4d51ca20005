//! Credentials: HS256 JWT validation and minting.

mod jwt;
mod provider;

pub use jwt::{JwtError, JwtSettings, JwtValidator, TokenClaims, VerifiedToken, mint_token};
