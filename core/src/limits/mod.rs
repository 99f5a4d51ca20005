//! Rate limiting primitives shared by the services.

mod gcra;
mod window;

pub use gcra::{RateLimit, RateLimiter};
pub use window::{SlidingWindow, SlidingWindowLimit};
