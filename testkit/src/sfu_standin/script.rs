//! What the stand-in SFU does, as a pure function of what hark sent (the module doc of
//! `sfu_standin` lists it). One [`Script`] per link: peers are per link, as hark announces every
//! room member again after each `welcome` (signal.md §8.4).

use std::collections::HashMap;

use hark_core::wire::signal::events::{IceCandidate, SessionDescription};
use hark_core::wire::signal::sfu::{FromSfu, ToSfu};
use serde_json::json;

use super::decode::decode_from_hark;

/// A syntactically valid audio-only offer, as a browser's SFU peer would send (no real ICE
/// agent stands behind it).
pub const FAKE_OFFER_SDP: &str = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\n\
t=0 0\r\na=group:BUNDLE 0\r\na=msid-semantic: WMS stand-in\r\n\
m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n\
a=ice-ufrag:sfus\r\na=ice-pwd:standinstandinstandin0\r\n\
a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n\
a=setup:actpass\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n";

/// The answer to a peer's own offer: [`FAKE_OFFER_SDP`] with the answerer's DTLS role.
pub const FAKE_ANSWER_SDP: &str = "v=0\r\no=- 4611731400430051337 2 IN IP4 127.0.0.1\r\ns=-\r\n\
t=0 0\r\na=group:BUNDLE 0\r\na=msid-semantic: WMS stand-in\r\n\
m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n\
a=ice-ufrag:sfus\r\na=ice-pwd:standinstandinstandin0\r\n\
a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n\
a=setup:active\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n";

/// The host candidate the stand-in offers every peer.
pub const FAKE_CANDIDATE: &str = "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host";

/// The `streamID` the stand-in reports in `track-added` for `peer_id`.
pub fn stream_id_for(peer_id: &str) -> String {
    format!("stream-{peer_id}")
}

/// The stand-in's answer to one text frame.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Step {
    /// Sent in this order.
    pub replies: Vec<FromSfu>,
    /// Close the link with 1008 and this reason (after the replies).
    pub close: Option<&'static str>,
}

/// One link's state: whether hark said `hello` with the token, and the peers it announced
/// (peerID → roomID).
#[derive(Debug)]
pub struct Script {
    token: String,
    welcomed: bool,
    peers: HashMap<String, String>,
}

impl Script {
    pub fn new(token: &str) -> Self {
        Script {
            token: token.to_owned(),
            welcomed: false,
            peers: HashMap::new(),
        }
    }

    pub fn welcomed(&self) -> bool {
        self.welcomed
    }

    /// Reacts to one text frame from hark.
    pub fn on_text(&mut self, text: &str) -> Step {
        let message = decode_from_hark(text);
        if !self.welcomed {
            return match message {
                Ok(ToSfu::Hello { token, .. }) if token == self.token => {
                    self.welcomed = true;
                    reply(vec![FromSfu::Welcome])
                }
                Ok(ToSfu::Hello { .. }) => close("wrong token"),
                _ => close("hello first"),
            };
        }
        match message {
            Ok(ToSfu::Join {
                room_id, peer_id, ..
            }) => {
                self.peers.insert(peer_id.clone(), room_id);
                reply(vec![FromSfu::Offer {
                    peer_id,
                    description: description("offer", FAKE_OFFER_SDP),
                }])
            }
            Ok(ToSfu::Leave { peer_id, .. }) => {
                self.peers.remove(&peer_id);
                Step::default()
            }
            Ok(ToSfu::Offer { peer_id, .. }) if self.peers.contains_key(&peer_id) => {
                reply(vec![FromSfu::Answer {
                    peer_id,
                    description: description("answer", FAKE_ANSWER_SDP),
                }])
            }
            Ok(ToSfu::Answer { peer_id, .. }) if self.peers.contains_key(&peer_id) => reply(vec![
                FromSfu::IceCandidate {
                    peer_id: peer_id.clone(),
                    candidate: candidate(),
                },
                FromSfu::Connected {
                    peer_id: peer_id.clone(),
                },
                FromSfu::TrackAdded {
                    stream_id: stream_id_for(&peer_id),
                    peer_id,
                },
            ]),
            _ => Step::default(),
        }
    }
}

fn reply(replies: Vec<FromSfu>) -> Step {
    Step {
        replies,
        close: None,
    }
}

fn close(reason: &'static str) -> Step {
    Step {
        replies: Vec::new(),
        close: Some(reason),
    }
}

/// The constants are valid §5.1 values (a test checks it): a panic here is a broken constant.
fn description(kind: &str, sdp: &str) -> SessionDescription {
    SessionDescription::parse(json!({"type": kind, "sdp": sdp}))
        .unwrap_or_else(|e| panic!("the stand-in's {kind} is invalid: {e}"))
}

fn candidate() -> IceCandidate {
    IceCandidate::parse(json!({
        "candidate": FAKE_CANDIDATE,
        "sdpMid": "0",
        "sdpMLineIndex": 0,
        "usernameFragment": "sfus"
    }))
    .unwrap_or_else(|e| panic!("the stand-in's candidate is invalid: {e}"))
}
