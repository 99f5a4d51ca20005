//! The generator against the null chat server, in one process: a small load is delivered in full
//! with the fan-out the spec describes, and idle connections are all held to the final ping.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::LocalSet;

use super::conn::WsTarget;
use super::idle::{self, IdleParams};
use super::load::{self, WsParams};
use super::null_chat::{self, NullChatConfig};

/// Runs `scenario` against a null chat server started on a free loopback port.
fn against_null_chat<T>(scenario: impl AsyncFnOnce(WsTarget) -> T) -> T {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    LocalSet::new().block_on(&runtime, async {
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let (addr_tx, addr_rx) = oneshot::channel::<SocketAddr>();
        let config = NullChatConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        };
        let server = tokio::task::spawn_local(async move {
            let stop = async {
                let _ = stop_rx.await;
            };
            null_chat::serve(&config, stop, |addr| {
                let _ = addr_tx.send(addr);
            })
            .await
        });
        let target = WsTarget::new(addr_rx.await.unwrap());
        let outcome = scenario(target).await;
        let _ = stop_tx.send(());
        server.await.unwrap().unwrap();
        outcome
    })
}

#[test]
fn every_message_reaches_its_whole_room_the_sender_included() {
    let report = against_null_chat(async |target| {
        let mut params = WsParams::new(target);
        params.rooms = 3;
        params.clients = 4;
        params.rate = 600.0;
        params.secs = 0.5;
        params.grace = Duration::from_millis(500);
        load::run(&params).await.unwrap()
    });
    assert_eq!(report.connections, 12);
    assert_eq!(report.sent, 12 * 5);
    assert_eq!(report.expected, 12 * 5 * 4);
    assert_eq!(report.received, report.expected);
    assert_eq!(report.errors.total(), 0);
    assert!(report.latency.p50 > 0.0);
}

#[test]
fn idle_connections_are_held_until_each_answers_the_final_ping() {
    let report = against_null_chat(async |target| {
        let mut params = IdleParams::new(target);
        params.connections = 25;
        params.room_size = 10;
        params.hold = Duration::from_millis(100);
        idle::run(&params).await.unwrap()
    });
    assert_eq!(report.opened, 25);
    assert_eq!(report.alive_at_end, 25);
    assert!(report.all_held());
    assert_eq!(report.health_active_connections, None);
}
