//! Why a client's EVENT is not a valid signaling event: the §5 code the server answers with, and
//! which check failed, for logs and tests.

use super::EventErrorCode;

/// A refused client event (`signal.md` §5). The connection stays open; the server answers with
/// `code`'s `error` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}: {detail}", code.code())]
pub struct EventError {
    pub code: EventErrorCode,
    /// The failed check, e.g. `"updateMute takes one boolean"`.
    pub detail: &'static str,
}

impl EventError {
    pub(crate) fn new(code: EventErrorCode, detail: &'static str) -> Self {
        EventError { code, detail }
    }
}
