/// A service setting that cannot work, named by its configuration key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{key} is invalid: {reason}")]
    Invalid { key: &'static str, reason: String },
}
