//! The `stream` service's vector types (`vectors.md` §9). Stream speaks HTTP/1.1, so a scenario
//! is raw request bytes and the exact responses; each scenario file is one server
//! configuration (a group), and the fixture is a media directory whose file contents follow a
//! rule ([`content`]) instead of being stored.

pub mod content;
mod load;

use serde::Deserialize;

pub use load::{StreamGroup, StreamVectorSet, load};

/// The directory under `conformance/vectors/` and the first word of every summary line.
pub const NAME: &str = "stream";

/// `fixture.json`: the media directory every group serves.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamFixture {
    pub media: Vec<MediaJson>,
}

/// One entry of the media directory: a file (its length, modification time and content seed)
/// or a directory.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum MediaJson {
    File {
        name: String,
        len: u64,
        mtime: i64,
        seed: u64,
    },
    Directory {
        name: String,
        directory: bool,
    },
}

impl MediaJson {
    pub fn name(&self) -> &str {
        match self {
            Self::File { name, .. } | Self::Directory { name, .. } => name,
        }
    }
}

impl StreamFixture {
    /// The regular file called `name`, as (len, mtime, seed).
    pub fn file(&self, name: &str) -> Option<(u64, i64, u64)> {
        self.media.iter().find_map(|entry| match entry {
            MediaJson::File {
                name: n,
                len,
                mtime,
                seed,
            } if n == name => Some((*len, *mtime, *seed)),
            _ => None,
        })
    }
}

/// A group's server configuration (`vectors.md` §9.2): every key required.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupConfig {
    /// `SECRET_KEY`, its UTF-8 bytes as the HMAC key.
    pub secret: String,
    /// Empty: any origin.
    pub allowed_origins: Vec<String>,
    pub max_ranges: usize,
    /// The request after which a connection is closed (`stream.md` §8).
    pub keepalive_requests: u32,
    pub cache_control: String,
    /// The server's wall clock (unix seconds) during every scenario of the group.
    pub now: i64,
}

/// One scenario file: `{"config": …, "scenarios": […]}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupFile {
    pub config: GroupConfig,
    pub scenarios: Vec<Scenario>,
}

/// Request bytes sent in one write on a fresh connection, and what the server writes back.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub covers: Vec<String>,
    /// The bytes sent (UTF-8 text): one request, several pipelined, or not HTTP at all.
    pub request: String,
    /// Every response, in order.
    pub responses: Vec<ResponseJson>,
    /// Whether the server closes the connection after the last response.
    pub closed: bool,
}

/// One response: the status, every header in order, the body.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseJson {
    pub status: u16,
    /// `[name, value]` pairs; a value `<uint>` stands for any decimal number.
    pub headers: Vec<(String, String)>,
    pub body: Vec<BodyJson>,
}

/// A piece of a response body.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum BodyJson {
    /// Literal text.
    Text { text: String },
    /// Text where `<uint>` stands for any decimal number (the health counters).
    Template { template: String },
    /// `len` bytes of a fixture file from `start`.
    File { file: String, start: u64, len: u64 },
}

/// `codec/signature.json`: `hark_core::stream::signature` and `signed_path` (`stream.md` §4).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureVector {
    pub name: String,
    pub description: String,
    pub secret: String,
    pub id: String,
    pub expires: i64,
    pub signature: String,
    pub path: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misspelt_members_are_refused() {
        let file: Result<MediaJson, _> =
            serde_json::from_str(r#"{"name": "a.mp3", "len": 1, "mtime": 2, "seed": 3, "x": 0}"#);
        assert!(file.is_err());
        let part: Result<BodyJson, _> = serde_json::from_str(r#"{"text": "a", "len": 1}"#);
        assert!(part.is_err());
        let dir: Result<MediaJson, _> = serde_json::from_str(r#"{"name": "d", "directory": true}"#);
        assert!(dir.is_ok());
    }
}
