//! One `debug` line per answered request (status, method, id, the Range asked for, body bytes),
//! one `info` line per refused head or connection, one line per response cut short (`warn` when
//! the file was).
//! The request target is never logged: it carries a signature that is valid until it expires.

use std::net::SocketAddr;

use hark_core::stream::{HeadRefusal, RequestHead};

use super::send::SendError;

/// What the log says about a request, taken from its head only when `debug` is on.
#[derive(Debug, Default)]
pub(crate) struct Note {
    method: Option<String>,
    id: Option<String>,
    range: Option<String>,
}

impl Note {
    pub fn of(head: &RequestHead<'_>) -> Self {
        if !tracing::enabled!(tracing::Level::DEBUG) {
            return Self::default();
        }
        let range = head
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case("range"))
            .map(|h| String::from_utf8_lossy(h.value).into_owned());
        Self {
            method: Some(head.method.to_owned()),
            id: None,
            range,
        }
    }

    /// The file id the core looked up.
    pub fn id(&mut self, id: String) {
        if self.method.is_some() {
            self.id = Some(id);
        }
    }
}

/// One answered request.
#[derive(Debug)]
pub(crate) struct Answered<'a> {
    pub peer: SocketAddr,
    pub status: u16,
    pub note: &'a Note,
    pub bytes: u64,
}

pub(crate) fn answered(a: Answered<'_>) {
    tracing::debug!(
        peer = %a.peer,
        status = a.status,
        method = a.note.method.as_deref(),
        id = a.note.id.as_deref(),
        range = a.note.range.as_deref(),
        bytes = a.bytes,
        "answered"
    );
}

pub(crate) fn refused(peer: SocketAddr, refusal: HeadRefusal) {
    tracing::info!(%peer, ?refusal, "request head refused");
}

pub(crate) fn connection_refused(peer: SocketAddr) {
    tracing::info!(%peer, "connection refused: too many open connections");
}

/// A peer that stops reading or leaves is ordinary (`debug`); a file that changed while it was
/// sent is the operator's to know (`warn`).
pub(crate) fn send_failed(peer: SocketAddr, error: &SendError) {
    match error {
        SendError::Truncated { .. } => {
            tracing::warn!(%peer, %error, "response cut short; connection closed")
        }
        _ => tracing::debug!(%peer, %error, "response cut short; connection closed"),
    }
}
