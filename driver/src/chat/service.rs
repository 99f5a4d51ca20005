//! hark-core's [`ChatService`] behind the shared WebSocket loop ([`WsService`]): each input goes
//! to the core with the wall clock where it needs one; each output comes back in the loop's terms,
//! events to the log and the library user.

use std::convert::Infallible;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use hark_core::ConnectionId;
use hark_core::chat::{ChatAction, ChatEvent, ChatService, ChatTransmit, HttpRoute, route};

use super::stats::ChatServerStats;
use crate::clock::WallClock;
use crate::ws::{self, Action, Close, Head, LoopCounters, Outbox, Route, Router, WsService};

/// The one request the chat loop answers: `GET /` or `GET /health`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Health;

/// The chat service as the loop drives it.
pub(crate) struct ChatLoop {
    pub svc: ChatService,
    pub clock: WallClock,
    pub outbox: Outbox<ChatEvent, ChatServerStats>,
}

/// chat.md §1's routing, by the core ([`route`]).
pub(crate) fn router() -> Router<Health> {
    Arc::new(
        |head: &Head| match route(&head.method, &head.target, head.websocket_key.is_some()) {
            HttpRoute::Upgrade => Route::Upgrade,
            HttpRoute::Health => Route::Ask(Health),
            other => Route::Respond(route_response(other)),
        },
    )
}

/// The response to a request the core routed elsewhere than to the service.
fn route_response(route: HttpRoute) -> Bytes {
    let body = route.error_body().unwrap_or("{}");
    let extra: &[(&str, &str)] = match route {
        HttpRoute::MethodNotAllowed => &[("Allow", "GET")],
        HttpRoute::UpgradeRequired => &[("Upgrade", "websocket"), ("Sec-WebSocket-Version", "13")],
        HttpRoute::Upgrade | HttpRoute::Health | HttpRoute::NotFound => &[],
    };
    ws::response(route.status(), body, extra)
}

impl WsService for ChatLoop {
    const NAME: &'static str = "chat";
    type Request = Health;
    type Command = Infallible;
    type Report = Infallible;

    fn answer(&mut self, now: Instant, Health: Health) -> Bytes {
        let body = self.svc.health(now, self.clock.now_unix_ms());
        ws::response(200, &body, &[])
    }

    fn upgrade(&mut self, now: Instant, conn: ConnectionId, ip: IpAddr) -> Result<(), Bytes> {
        self.svc.handle_connect(now, conn, ip).map_err(|refusal| {
            let body = format!(r#"{{"error":"{}"}}"#, refusal.code());
            ws::response(refusal.status(), &body, &[])
        })
    }

    fn text(&mut self, now: Instant, conn: ConnectionId, text: &str) {
        let wall_ms = self.clock.now_unix_ms();
        self.svc.handle_text(now, wall_ms, conn, text);
    }

    fn binary(&mut self, now: Instant, conn: ConnectionId, len: usize) {
        self.svc.handle_binary(now, conn, len);
    }

    fn activity(&mut self, now: Instant, conn: ConnectionId) {
        self.svc.handle_activity(now, conn);
    }

    fn oversized(&mut self, now: Instant, conn: ConnectionId, _size: usize) {
        self.svc.handle_oversized(now, conn);
    }

    fn closed(&mut self, now: Instant, conn: ConnectionId) {
        self.svc.handle_closed(now, conn);
    }

    fn command(&mut self, _now: Instant, command: Infallible) {
        match command {}
    }

    fn report(&mut self, _now: Instant, report: Infallible) {
        match report {}
    }

    fn timeout(&mut self, now: Instant) {
        self.svc.handle_timeout(now);
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.svc.poll_timeout()
    }

    fn poll_transmit(&mut self) -> Option<(ConnectionId, Action)> {
        let ChatTransmit { conn, action } = self.svc.poll_transmit()?;
        let action = match action {
            ChatAction::Text(bytes) => Action::Text(bytes),
            ChatAction::Ping => Action::Ping,
            ChatAction::Close(code) => Action::Close(Close {
                code: code.code(),
                reason: code.reason(),
            }),
        };
        Some((conn, action))
    }

    fn flush(&mut self) -> u64 {
        let events = std::iter::from_fn(|| self.svc.poll_event());
        self.outbox.forward(events, super::log::event)
    }

    fn reset(&mut self, now: Instant) {
        self.svc.reset(now);
        self.clock.rewind();
    }

    fn close_all(&mut self, now: Instant) {
        self.svc.close_all(now);
    }

    fn publish(&mut self, counters: LoopCounters) {
        self.outbox
            .publish(ChatServerStats::new(self.svc.stats(), counters));
    }
}
