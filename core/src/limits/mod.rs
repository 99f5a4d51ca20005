//! Rate limiting primitives shared by the services.

mod gcra;
mod ip_guard;
mod score;
mod window;

pub use gcra::{RateLimit, RateLimiter};
pub use ip_guard::{Block, IpGuard, IpGuardConfig, IpGuardConfigError, IpGuardStats, Refusal};
pub use score::{
    RateLimitEnvError, RateLimitError, RateLimitRule, RateLimitRuleError, RateLimited, RateLimits,
    RuleField, ScoreLimiter,
};
pub use window::{SlidingWindow, SlidingWindowLimit};
