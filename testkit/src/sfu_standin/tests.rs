//! The stand-in against a tungstenite client playing hark's side of signal.md §8.

use std::net::TcpStream;
use std::time::Duration;

use hark_core::wire::signal::DEFAULT_MAX_PAYLOAD;
use hark_core::wire::signal::events::{IceCandidate, SessionDescription};
use hark_core::wire::signal::sfu::{FromSfu, ToSfu, decode_from_sfu};
use serde_json::{Value, json};
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::{Message, WebSocket};

use super::*;

const TOKEN: &str = "sfu-secret";
const WAIT: Duration = Duration::from_secs(5);

fn standin() -> SfuStandIn {
    SfuStandIn::start("127.0.0.1:0".parse().unwrap(), TOKEN).unwrap()
}

/// hark's end of one link.
struct Hark {
    ws: WebSocket<TcpStream>,
}

impl Hark {
    fn dial(standin: &SfuStandIn) -> Self {
        let stream = TcpStream::connect(standin.addr()).unwrap();
        stream.set_read_timeout(Some(WAIT)).unwrap();
        let (ws, _) = tungstenite::client(standin.url(), stream).unwrap();
        Hark { ws }
    }

    fn send(&mut self, message: &ToSfu) {
        self.ws.send(Message::text(message.encode())).unwrap();
    }

    fn hello(&mut self, token: &str) {
        self.send(&ToSfu::Hello {
            token: token.to_owned(),
            server: "techial.example.com".to_owned(),
        });
    }

    /// A link that got its `welcome`.
    fn welcomed(standin: &SfuStandIn) -> Self {
        let mut hark = Hark::dial(standin);
        hark.hello(TOKEN);
        assert_eq!(hark.recv(), FromSfu::Welcome);
        hark
    }

    fn join(&mut self, peer: &str) {
        self.send(&ToSfu::Join {
            room_id: "techial_voice".to_owned(),
            peer_id: peer.to_owned(),
            user_id: format!("user-{peer}"),
        });
    }

    /// The next message, decoded as hark decodes it.
    fn recv(&mut self) -> FromSfu {
        match self.ws.read().unwrap() {
            Message::Text(text) => decode_from_sfu(text.as_str(), DEFAULT_MAX_PAYLOAD).unwrap(),
            other => panic!("expected a text message, got {other:?}"),
        }
    }

    /// The close code the stand-in closes with.
    fn expect_close(&mut self) -> CloseCode {
        loop {
            match self.ws.read() {
                Ok(Message::Close(Some(frame))) => return frame.code,
                Ok(Message::Close(None)) => panic!("a close without a code"),
                Ok(_) => {}
                Err(e) => panic!("no close frame: {e}"),
            }
        }
    }
}

fn answer() -> SessionDescription {
    SessionDescription::parse(json!({"type": "answer", "sdp": "v=0\r\nclient-answer\r\n"})).unwrap()
}

#[test]
fn hello_with_the_token_is_welcomed() {
    let standin = standin();
    Hark::welcomed(&standin);
}

#[test]
fn hello_with_a_wrong_token_is_closed_1008() {
    let standin = standin();
    let mut hark = Hark::dial(&standin);
    hark.hello("guess");
    assert_eq!(hark.expect_close(), CloseCode::Policy);
}

#[test]
fn a_message_before_hello_is_closed_1008() {
    let standin = standin();
    let mut hark = Hark::dial(&standin);
    hark.join("p1");
    assert_eq!(hark.expect_close(), CloseCode::Policy);
}

#[test]
fn join_gets_a_valid_offer_for_the_peer() {
    let standin = standin();
    let mut hark = Hark::welcomed(&standin);
    hark.join("p1");
    let expected = FromSfu::Offer {
        peer_id: "p1".to_owned(),
        description: SessionDescription::parse(json!({"type": "offer", "sdp": FAKE_OFFER_SDP}))
            .unwrap(),
    };
    assert_eq!(hark.recv(), expected);
}

#[test]
fn the_peer_s_answer_gets_a_candidate_then_connected_then_track_added() {
    let standin = standin();
    let mut hark = Hark::welcomed(&standin);
    hark.join("p1");
    hark.recv();
    hark.send(&ToSfu::Answer {
        peer_id: "p1".to_owned(),
        description: answer(),
    });
    let FromSfu::IceCandidate { peer_id, candidate } = hark.recv() else {
        panic!("expected an ice-candidate first");
    };
    assert_eq!(
        (peer_id.as_str(), candidate.candidate()),
        ("p1", FAKE_CANDIDATE)
    );
    assert_eq!(
        hark.recv(),
        FromSfu::Connected {
            peer_id: "p1".to_owned()
        }
    );
    assert_eq!(
        hark.recv(),
        FromSfu::TrackAdded {
            peer_id: "p1".to_owned(),
            stream_id: "stream-p1".to_owned()
        }
    );
}

#[test]
fn the_peer_s_offer_gets_an_answer() {
    let standin = standin();
    let mut hark = Hark::welcomed(&standin);
    hark.join("p1");
    hark.recv();
    hark.send(&ToSfu::Offer {
        peer_id: "p1".to_owned(),
        description: SessionDescription::parse(json!({"type": "offer", "sdp": "v=0\r\n"})).unwrap(),
    });
    let FromSfu::Answer {
        peer_id,
        description,
    } = hark.recv()
    else {
        panic!("expected an answer");
    };
    assert_eq!(
        (peer_id.as_str(), description.sdp()),
        ("p1", FAKE_ANSWER_SDP)
    );
}

#[test]
fn a_peer_that_left_gets_no_reply() {
    let standin = standin();
    let mut hark = Hark::welcomed(&standin);
    hark.join("p1");
    hark.recv();
    hark.send(&ToSfu::Leave {
        room_id: "techial_voice".to_owned(),
        peer_id: "p1".to_owned(),
    });
    hark.send(&ToSfu::Answer {
        peer_id: "p1".to_owned(),
        description: answer(),
    });
    // A barrier: the next reply is the offer to a new peer, nothing for p1 before it.
    hark.join("p2");
    let next = hark.recv();
    assert_eq!(next.peer_id(), Some("p2"), "{next:?}");
}

#[test]
fn everything_received_is_recorded_in_arrival_order() {
    let standin = standin();
    let mut hark = Hark::welcomed(&standin);
    hark.join("p1");
    hark.recv();
    let candidate = IceCandidate::parse(json!({"candidate": "", "sdpMid": "0"})).unwrap();
    hark.send(&ToSfu::IceCandidate {
        peer_id: "p1".to_owned(),
        candidate,
    });
    hark.ws.send(Message::text("not json")).unwrap();
    assert!(standin.wait_for(WAIT, |m| m == "not json").is_some());
    let types: Vec<Value> = standin
        .received()
        .iter()
        .map(|m| m["type"].clone())
        .collect();
    assert_eq!(
        types,
        [
            json!("hello"),
            json!("join"),
            json!("ice-candidate"),
            Value::Null
        ]
    );
}

#[test]
fn the_observer_sees_each_message() {
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let standin = SfuStandIn::start_observed("127.0.0.1:0".parse().unwrap(), TOKEN, move |m| {
        tx.lock().unwrap().send(m.clone()).unwrap();
    })
    .unwrap();
    Hark::welcomed(&standin);
    assert_eq!(rx.recv_timeout(WAIT).unwrap()["type"], "hello");
}

#[test]
fn send_reaches_welcomed_links_only() {
    let standin = standin();
    let mut hark = Hark::welcomed(&standin);
    let _unwelcomed = Hark::dial(&standin);
    hark.join("p1");
    hark.recv();
    let notice = FromSfu::Disconnected {
        peer_id: "p1".to_owned(),
    };
    assert_eq!(standin.send(&notice), 1);
    assert_eq!(hark.recv(), notice);
}

#[test]
fn close_links_closes_with_1001() {
    let standin = standin();
    let mut hark = Hark::welcomed(&standin);
    standin.close_links();
    assert_eq!(hark.expect_close(), CloseCode::Away);
}

#[test]
fn dropping_the_stand_in_closes_its_links_with_1001() {
    let standin = standin();
    let mut hark = Hark::welcomed(&standin);
    drop(standin);
    assert_eq!(hark.expect_close(), CloseCode::Away);
}

#[test]
fn hark_s_own_encoding_decodes_to_itself() {
    let join = ToSfu::Join {
        room_id: "techial_voice".to_owned(),
        peer_id: "p1".to_owned(),
        user_id: "ada".to_owned(),
    };
    assert_eq!(decode_from_hark(&join.encode()), Ok(join));
}

#[test]
fn an_undecodable_message_is_named() {
    assert_eq!(
        decode_from_hark(r#"{"type":"join","roomID":"r"}"#),
        Err(Undecodable("a member is missing or not a string"))
    );
}
