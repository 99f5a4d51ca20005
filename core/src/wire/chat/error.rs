//! Why a frame is not a valid client message: the §6 code the server answers with, and which
//! check of §4–§5 failed, for logs and tests.

use super::ErrorCode;

/// A refused client frame (`conformance/spec/chat.md` §5 steps 1–2). The connection stays open;
/// the server sends `code`'s `error` message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}: {detail}", code.code())]
pub struct ChatError {
    pub code: ErrorCode,
    /// The failed check, e.g. `"data.room is not a string"`.
    pub detail: &'static str,
}

impl ChatError {
    pub(crate) fn new(code: ErrorCode, detail: &'static str) -> Self {
        ChatError { code, detail }
    }
}
