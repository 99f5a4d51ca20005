//! The SFU link's dialer (signal.md §8.7) on tokio against a tungstenite server on 127.0.0.1:
//! what it reports for each link, and what the SFU sees of the service's actions.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use async_channel::Receiver;
use hark_core::directory::Directory;
use hark_core::signal::{CloseCode, LinkId, SfuAction, SfuSettings, SignalConfig, SignalService};
use hark_driver::signal::{SfuDialer, SfuInbound, SfuUrl};
use hark_tokio::TokioRuntime;
use tungstenite::protocol::frame::coding::CloseCode as WsCloseCode;
use tungstenite::{Message, WebSocket};

const REPORT_WAIT: Duration = Duration::from_secs(5);
const MAX_FRAME: usize = 1000;
const SEND_QUEUE: usize = 4 * 1024 * 1024;

/// A link id as the service hands it out: its first dial.
fn first_link() -> LinkId {
    let mut config = SignalConfig::new("a-test-secret-of-at-least-32-bytes!", "test.example");
    config.sfu = Some(SfuSettings::new("token"));
    let mut svc = SignalService::new(config, Directory::default(), [7; 32]).unwrap();
    match svc.poll_sfu() {
        Some(SfuAction::Dial(link)) => link,
        other => panic!("the service did not dial: {other:?}"),
    }
}

fn dialer(addr: SocketAddr, max_frame: usize) -> (SfuDialer, Receiver<SfuInbound>) {
    let (reports, receiver) = async_channel::bounded(16);
    let url: SfuUrl = format!("ws://{addr}/sfu").parse().unwrap();
    let dialer = SfuDialer::new(Arc::new(TokioRuntime), url, reports, max_frame, SEND_QUEUE);
    (dialer, receiver)
}

async fn next_report(receiver: &Receiver<SfuInbound>) -> SfuInbound {
    tokio::time::timeout(REPORT_WAIT, receiver.recv())
        .await
        .expect("no report in time")
        .expect("report channel closed")
}

/// A one-connection SFU on 127.0.0.1 running `script` on the upgraded socket.
fn sfu<T: Send + 'static>(
    script: impl FnOnce(&mut WebSocket<TcpStream>) -> T + Send + 'static,
) -> (SocketAddr, JoinHandle<T>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        stream.set_read_timeout(Some(REPORT_WAIT)).unwrap();
        let mut ws = tungstenite::accept(stream).unwrap();
        script(&mut ws)
    });
    (addr, handle)
}

/// The code of the close frame the SFU reads next, skipping anything else.
fn close_code(ws: &mut WebSocket<TcpStream>) -> Option<WsCloseCode> {
    loop {
        match ws.read() {
            Ok(Message::Close(frame)) => return frame.map(|f| f.code),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
}

#[tokio::test]
async fn a_dial_opens_carries_text_both_ways_and_reports_closed_when_the_sfu_closes() {
    let (addr, sfu) = sfu(|ws| {
        let hello = ws.read().unwrap();
        ws.send(Message::text(r#"{"type":"welcome"}"#)).unwrap();
        ws.close(None).unwrap();
        while ws.read().is_ok() {}
        hello
    });
    let (mut dialer, reports) = dialer(addr, MAX_FRAME);
    let link = first_link();
    dialer.apply(SfuAction::Dial(link));
    assert_eq!(next_report(&reports).await, SfuInbound::Open(link));
    dialer.apply(SfuAction::Text(link, r#"{"type":"hello"}"#.into()));
    assert_eq!(
        next_report(&reports).await,
        SfuInbound::Text(link, r#"{"type":"welcome"}"#.to_owned())
    );
    assert_eq!(next_report(&reports).await, SfuInbound::Closed(link));
    assert_eq!(sfu.join().unwrap(), Message::text(r#"{"type":"hello"}"#));
}

#[tokio::test]
async fn a_dial_to_a_closed_port_reports_closed() {
    let addr = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (mut dialer, reports) = dialer(addr, MAX_FRAME);
    let link = first_link();
    dialer.apply(SfuAction::Dial(link));
    assert_eq!(next_report(&reports).await, SfuInbound::Closed(link));
}

#[tokio::test]
async fn a_close_action_sends_its_code_to_the_sfu() {
    let (addr, sfu) = sfu(close_code);
    let (mut dialer, reports) = dialer(addr, MAX_FRAME);
    let link = first_link();
    dialer.apply(SfuAction::Dial(link));
    assert_eq!(next_report(&reports).await, SfuInbound::Open(link));
    dialer.apply(SfuAction::Close(link, CloseCode::PolicyViolation));
    assert_eq!(next_report(&reports).await, SfuInbound::Closed(link));
    assert_eq!(sfu.join().unwrap(), Some(WsCloseCode::Policy));
}

#[tokio::test]
async fn a_ping_reaches_the_sfu_and_its_pong_is_reported_as_a_frame() {
    let (addr, sfu) = sfu(|ws| {
        let ping = ws.read().unwrap();
        // tungstenite answers the ping with this flush.
        ws.flush().unwrap();
        close_code(ws);
        ping
    });
    let (mut dialer, reports) = dialer(addr, MAX_FRAME);
    let link = first_link();
    dialer.apply(SfuAction::Dial(link));
    assert_eq!(next_report(&reports).await, SfuInbound::Open(link));
    dialer.apply(SfuAction::Ping(link));
    assert_eq!(next_report(&reports).await, SfuInbound::Frame(link));
    dialer.apply(SfuAction::Close(link, CloseCode::Normal));
    assert_eq!(next_report(&reports).await, SfuInbound::Closed(link));
    assert!(matches!(sfu.join().unwrap(), Message::Ping(_)));
}

#[tokio::test]
async fn a_frame_over_the_bound_ends_the_link_with_1009() {
    let (addr, sfu) = sfu(|ws| {
        ws.send(Message::text("x".repeat(MAX_FRAME + 1))).unwrap();
        close_code(ws)
    });
    let (mut dialer, reports) = dialer(addr, MAX_FRAME);
    let link = first_link();
    dialer.apply(SfuAction::Dial(link));
    assert_eq!(next_report(&reports).await, SfuInbound::Open(link));
    assert_eq!(next_report(&reports).await, SfuInbound::Closed(link));
    assert_eq!(sfu.join().unwrap(), Some(WsCloseCode::Size));
}

#[tokio::test]
async fn a_close_during_the_dial_abandons_it() {
    // Accepts the TCP connection but never answers the upgrade.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (mut dialer, reports) = dialer(addr, MAX_FRAME);
    let link = first_link();
    dialer.apply(SfuAction::Dial(link));
    dialer.apply(SfuAction::Close(link, CloseCode::GoingAway));
    assert_eq!(next_report(&reports).await, SfuInbound::Closed(link));
    drop(listener);
}

#[tokio::test]
async fn text_for_a_link_that_is_not_dialled_is_ignored() {
    let (addr, sfu) = sfu(|ws| {
        let first = ws.read().unwrap();
        close_code(ws);
        first
    });
    let (mut dialer, reports) = dialer(addr, MAX_FRAME);
    let link = first_link();
    dialer.apply(SfuAction::Text(link, "early".into()));
    dialer.apply(SfuAction::Dial(link));
    assert_eq!(next_report(&reports).await, SfuInbound::Open(link));
    dialer.apply(SfuAction::Text(link, "after".into()));
    dialer.apply(SfuAction::Close(link, CloseCode::Normal));
    assert_eq!(next_report(&reports).await, SfuInbound::Closed(link));
    assert_eq!(sfu.join().unwrap(), Message::text("after"));
}
