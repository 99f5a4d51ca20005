//! Why a client configuration is refused before any state machine is built.

/// A configuration value that would make a client misbehave (a zero interval would spin, zero
/// tries would never send, a zero bound would hold nothing).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} must be greater than zero")]
    Zero(&'static str),
    #[error("{field} is {value}, below the minimum of {min}")]
    TooSmall {
        field: &'static str,
        value: usize,
        min: usize,
    },
}

/// Refuses a zero `Duration` or count.
pub(crate) fn nonzero<T: PartialEq + Default>(
    field: &'static str,
    value: T,
) -> Result<(), ConfigError> {
    if value == T::default() {
        Err(ConfigError::Zero(field))
    } else {
        Ok(())
    }
}
