//! The `/health` counters (stream.md §9). The runtime counts; the core writes them.

use serde::ser::{Serialize, SerializeStruct, Serializer};

/// Counters since start (or the last admin reset), and the connections open now. As serde
/// data they are flat, one field each (how the runtimes' admin `stats` carries them); the
/// `/health` body groups the status classes (stream.md §9).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StreamHealth {
    pub connections: u64,
    pub requests: u64,
    pub status_200: u64,
    pub status_206: u64,
    pub status_304: u64,
    pub status_4xx: u64,
    pub status_5xx: u64,
    /// Body bytes written.
    pub bytes_sent: u64,
}

/// The `/health` body.
struct Body<'a>(&'a StreamHealth);

/// The `responses` object: one count per status class.
struct Responses<'a>(&'a StreamHealth);

impl Serialize for Responses<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut responses = serializer.serialize_struct("responses", 5)?;
        responses.serialize_field("200", &self.0.status_200)?;
        responses.serialize_field("206", &self.0.status_206)?;
        responses.serialize_field("304", &self.0.status_304)?;
        responses.serialize_field("4xx", &self.0.status_4xx)?;
        responses.serialize_field("5xx", &self.0.status_5xx)?;
        responses.end()
    }
}

/// stream.md §9's shape: `{"status":"ok","service":"stream","connections":…,"requests":…,
/// "responses":{"200":…,"206":…,"304":…,"4xx":…,"5xx":…},"bytes_sent":…}`.
impl Serialize for Body<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut health = serializer.serialize_struct("health", 6)?;
        health.serialize_field("status", "ok")?;
        health.serialize_field("service", "stream")?;
        health.serialize_field("connections", &self.0.connections)?;
        health.serialize_field("requests", &self.0.requests)?;
        health.serialize_field("responses", &Responses(self.0))?;
        health.serialize_field("bytes_sent", &self.0.bytes_sent)?;
        health.end()
    }
}

impl StreamHealth {
    /// The JSON body.
    pub(super) fn to_json(self) -> Vec<u8> {
        // Integers and fixed strings only: serde_json cannot fail on them.
        serde_json::to_vec(&Body(&self)).unwrap_or_default()
    }
}
