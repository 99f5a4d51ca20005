//! hark-core's [`SignalService`] behind the shared WebSocket loop ([`WsService`]): each input goes
//! to the core with the wall clock where it needs one; each output comes back in the loop's terms,
//! events to the log and the library user. The routing is the core's ([`route`]).

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use async_channel::Sender;
use bytes::Bytes;
use hark_core::ConnectionId;
use hark_core::directory::DirectoryChange;
use hark_core::signal::{
    HttpRequest, SignalAction, SignalEvent, SignalRoute, SignalService, SignalTransmit, route,
};
use hark_core::wire::signal::CorsOrigins;
use serde::Serialize;

use super::sfu::{SfuDialer, SfuInbound};
use super::stats::SignalServerStats;
use crate::clock::WallClock;
use crate::ws::{self, Action, Close, Head, LoopCounters, Outbox, Route, Router, WsService};

/// The pages the signal loop answers (signal.md §9.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Page {
    Health,
    DebugRooms,
    DebugUsers,
    DebugConnections,
}

/// An operator's directory change, answered on `reply` with the directory's refusal, if any.
#[derive(Debug)]
pub(crate) struct DirectoryUpdate {
    pub change: DirectoryChange,
    pub reply: Sender<Result<(), String>>,
}

/// The signal service as the loop drives it.
pub(crate) struct SignalLoop {
    pub svc: SignalService,
    pub clock: WallClock,
    pub outbox: Outbox<SignalEvent, SignalServerStats>,
    /// The SFU link's dialer (signal.md §8); `None` without `SFU_WS_HOST`.
    pub sfu: Option<SfuDialer>,
}

/// signal.md §9.1's routing, by the core ([`route`]), with the configured `CORS_ORIGIN` and
/// development mode.
pub(crate) fn router(cors: CorsOrigins, development: bool) -> Router<Page> {
    Arc::new(move |head: &Head| {
        let request = HttpRequest {
            method: &head.method,
            target: &head.target,
            is_websocket_upgrade: head.websocket_key.is_some(),
            origin: head.origin.as_deref(),
        };
        let decision = route(request, &cors, development);
        match decision {
            SignalRoute::Upgrade => Route::Upgrade,
            SignalRoute::Health => Route::Ask(Page::Health),
            SignalRoute::DebugRooms => Route::Ask(Page::DebugRooms),
            SignalRoute::DebugUsers => Route::Ask(Page::DebugUsers),
            SignalRoute::DebugConnections => Route::Ask(Page::DebugConnections),
            other => {
                let allow: &[(&str, &str)] = match other {
                    SignalRoute::MethodNotAllowed => &[("Allow", "GET")],
                    _ => &[],
                };
                let body = other.error_body().unwrap_or_else(|| "{}".to_owned());
                Route::Respond(ws::response(other.status(), &body, allow))
            }
        }
    })
}

/// A page's JSON: the core's value, serialized.
fn page(value: &impl Serialize) -> Bytes {
    match serde_json::to_string(value) {
        Ok(body) => ws::response(200, &body, &[]),
        Err(e) => ws::response(500, &format!("{{\"error\":{:?}}}", e.to_string()), &[]),
    }
}

impl WsService for SignalLoop {
    const NAME: &'static str = "signal";
    type Request = Page;
    type Command = DirectoryUpdate;
    type Report = SfuInbound;

    fn timeout(&mut self, now: Instant) {
        self.svc.handle_timeout(now);
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.svc.poll_timeout()
    }

    fn answer(&mut self, _now: Instant, request: Page) -> Bytes {
        match request {
            Page::Health => page(&self.svc.health()),
            Page::DebugRooms => page(&self.svc.debug_rooms()),
            Page::DebugUsers => page(&self.svc.debug_users()),
            Page::DebugConnections => page(&self.svc.debug_connections()),
        }
    }

    fn upgrade(&mut self, now: Instant, conn: ConnectionId, ip: IpAddr) -> Result<(), Bytes> {
        self.svc
            .handle_connect(now, conn, ip)
            .map_err(|_| ws::response(503, r#"{"error":"server full"}"#, &[]))
    }

    fn text(&mut self, now: Instant, conn: ConnectionId, text: &str) {
        let unix_ms = self.clock.now_unix_ms();
        self.svc.handle_text(now, unix_ms, conn, text);
    }

    fn binary(&mut self, now: Instant, conn: ConnectionId, len: usize) {
        self.svc.handle_binary(now, conn, len);
    }

    /// WebSocket pings and pongs carry nothing for Engine.IO, whose heartbeat is in text frames.
    fn activity(&mut self, _now: Instant, _conn: ConnectionId) {}

    /// The transport's bound is `maxPayload`, so the frame is one §2 rule 1 refuses, whatever its
    /// type: the core closes with 1009.
    fn oversized(&mut self, now: Instant, conn: ConnectionId, size: usize) {
        self.svc.handle_binary(now, conn, size);
    }

    fn closed(&mut self, now: Instant, conn: ConnectionId) {
        self.svc.handle_closed(now, conn);
    }

    fn reset(&mut self, now: Instant) {
        self.svc.reset(now);
        self.clock.rewind();
    }

    fn close_all(&mut self, now: Instant) {
        self.svc.close_all(now);
    }

    fn command(&mut self, now: Instant, update: DirectoryUpdate) {
        let result = self
            .svc
            .apply_directory_change(now, update.change)
            .map_err(|e| e.to_string());
        // The handle may have stopped waiting; nothing to do then.
        let _ = update.reply.try_send(result);
    }

    /// What happened on the SFU link, for the core (signal.md §8.7).
    fn report(&mut self, now: Instant, report: SfuInbound) {
        match report {
            SfuInbound::Open(link) => self.svc.handle_sfu_open(now, link),
            SfuInbound::Text(link, text) => self.svc.handle_sfu_text(now, link, &text),
            SfuInbound::Frame(link) => self.svc.handle_sfu_frame(now, link),
            SfuInbound::Closed(link) => self.svc.handle_sfu_closed(now, link),
        }
    }

    fn poll_transmit(&mut self) -> Option<(ConnectionId, Action)> {
        let SignalTransmit { conn, action } = self.svc.poll_transmit()?;
        let action = match action {
            SignalAction::Text(bytes) => Action::Text(bytes),
            SignalAction::Close(code) => Action::Close(Close {
                code: code.code(),
                reason: "",
            }),
        };
        Some((conn, action))
    }

    /// Also hands the SFU link's actions to the dialer, after every turn of the core.
    fn flush(&mut self) -> u64 {
        while let Some(action) = self.svc.poll_sfu() {
            if let Some(dialer) = &mut self.sfu {
                dialer.apply(action);
            }
        }
        let events = std::iter::from_fn(|| self.svc.poll_event());
        self.outbox.forward(events, super::log::event)
    }

    fn publish(&mut self, counters: LoopCounters) {
        self.outbox
            .publish(SignalServerStats::new(self.svc.stats(), counters));
    }
}
