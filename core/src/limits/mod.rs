//! Rate limiting primitives shared by the services.

mod gcra;

pub use gcra::{RateLimit, RateLimiter};
