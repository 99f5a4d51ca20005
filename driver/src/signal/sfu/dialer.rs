//! The driver's side of the SFU link (signal.md §8.7): carries out the service's [`SfuAction`]s —
//! one task per dial ([`LinkTask`]), one outgoing queue per link, bounded in bytes as a client
//! connection's is — and reports what happened on each link as [`SfuInbound`]s, which the loop
//! hands back to the service.

use std::sync::Arc;

use async_channel::Sender;
use hark_core::signal::{LinkId, SfuAction};
use tungstenite::protocol::WebSocketConfig;
use tungstenite::{Message, Utf8Bytes};

use super::task::{LinkTask, close};
use super::url::SfuUrl;
use crate::runtime::Runtime;
use crate::ws::{Close, Link, Outgoing};

/// What happened on one link, for the service's `handle_sfu_*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SfuInbound {
    /// The TCP connection and the upgrade succeeded: `handle_sfu_open`.
    Open(LinkId),
    /// One text frame: `handle_sfu_text`.
    Text(LinkId, String),
    /// Any other frame (ping, pong, binary): `handle_sfu_frame`.
    Frame(LinkId),
    /// The dial failed or the link ended, for any reason; sent once per dial, last:
    /// `handle_sfu_closed`.
    Closed(LinkId),
}

/// 1001, what an open link gets when the dialer itself goes away (shutdown).
const GOING_AWAY: u16 = 1001;

/// Dials the SFU and carries the service's frames; see the module docs.
#[derive(Debug)]
pub struct SfuDialer {
    runtime: Arc<dyn Runtime>,
    url: Arc<SfuUrl>,
    reports: Sender<SfuInbound>,
    config: WebSocketConfig,
    send_queue_bytes: usize,
    /// The link the service uses, and its queue. Actions for any other link are ignored.
    current: Option<(LinkId, Arc<Link>)>,
}

impl SfuDialer {
    /// A dialer for `url`, reporting on `reports`. A message from the SFU larger than
    /// `max_frame_bytes` (the core's `max_payload`) ends the link with 1009 (§8.1); a message to
    /// it that does not fit `send_queue_bytes` of unwritten messages ends the link with 1008
    /// (§8.6: the send queue overflowing).
    pub fn new(
        runtime: Arc<dyn Runtime>,
        url: SfuUrl,
        reports: Sender<SfuInbound>,
        max_frame_bytes: usize,
        send_queue_bytes: usize,
    ) -> Self {
        let config = WebSocketConfig::default()
            .write_buffer_size(0)
            .max_message_size(Some(max_frame_bytes))
            .max_frame_size(Some(max_frame_bytes));
        Self {
            runtime,
            url: Arc::new(url),
            reports,
            config,
            send_queue_bytes,
            current: None,
        }
    }

    /// Carries out one of the service's decisions.
    pub fn apply(&mut self, action: SfuAction) {
        match action {
            SfuAction::Dial(link) => self.dial(link),
            SfuAction::Text(link, bytes) => match Utf8Bytes::try_from(bytes) {
                Ok(text) => self.queue(link, Message::Text(text)),
                Err(e) => {
                    tracing::error!(error = %e, "the service produced an SFU message that is not UTF-8");
                }
            },
            SfuAction::Ping(link) => self.queue(link, Message::Ping(Default::default())),
            SfuAction::Close(link, code) => {
                if let Some(queue) = self.take(link) {
                    queue.close(Some(close(code.code())));
                }
            }
        }
    }

    fn dial(&mut self, link: LinkId) {
        // The service closes a link before it dials the next; a link it forgot is closed here.
        if let Some((_, old)) = self.current.take() {
            old.close(Some(close(GOING_AWAY)));
        }
        let queue = Arc::new(Link::new(self.send_queue_bytes));
        self.current = Some((link, Arc::clone(&queue)));
        let task = LinkTask {
            link,
            url: Arc::clone(&self.url),
            runtime: Arc::clone(&self.runtime),
            queue,
            reports: self.reports.clone(),
            config: self.config,
        };
        self.runtime.spawn(Box::pin(task.run()));
    }

    /// Queues `message` on `link` if it is the current one. A message that does not fit ends the
    /// link with 1008; the task reports it closed.
    fn queue(&mut self, link: LinkId, message: Message) {
        let Some((current, queue)) = &self.current else {
            return;
        };
        if *current != link {
            return;
        }
        if queue.push(Outgoing::Message(message)).is_err() {
            tracing::warn!(
                limit = self.send_queue_bytes,
                "the SFU reads too slowly: link closed"
            );
            queue.drop_queue_and_close(Close::POLICY_VIOLATION);
            self.current = None;
        }
    }

    /// The current link's queue, if `link` is the current one; the dialer forgets it.
    fn take(&mut self, link: LinkId) -> Option<Arc<Link>> {
        match &self.current {
            Some((current, _)) if *current == link => self.current.take().map(|(_, queue)| queue),
            _ => None,
        }
    }
}

impl Drop for SfuDialer {
    /// The loop is gone: the open link is closed with 1001 after what is queued.
    fn drop(&mut self) {
        if let Some((_, queue)) = self.current.take() {
            queue.close(Some(close(GOING_AWAY)));
        }
    }
}
