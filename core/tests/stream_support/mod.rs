//! What the `stream` behaviour tests share: a service with a known secret, requests built in a
//! line, a file's metadata, and readers for plans. Each `core/tests/stream_*.rs` includes it as
//! `mod stream_support;` and uses part of it.
#![allow(dead_code)]

use hark_core::stream::{
    BodyPart, Header, HttpVersion, MEDIA_TYPES, Media, RequestHead, ResponsePlan, Route,
    StreamConfig, StreamService, signed_path,
};

pub const SECRET: &[u8] = b"stream-test-secret";
/// The wall clock of every test unless it says otherwise: Tue, 14 Nov 2023 22:13:20 GMT.
pub const NOW: i64 = 1_700_000_000;
pub const NOW_DATE: &str = "Tue, 14 Nov 2023 22:13:20 GMT";
/// The test file's modification time: Sun, 13 Sep 2020 12:26:40 GMT.
pub const MODIFIED: i64 = 1_600_000_000;
pub const MODIFIED_DATE: &str = "Sun, 13 Sep 2020 12:26:40 GMT";
/// An hour from now: what `sign-url` gives by default.
pub const EXPIRES: i64 = NOW + 3600;

pub fn service() -> StreamService {
    service_with(StreamConfig::default())
}

pub fn service_with(config: StreamConfig) -> StreamService {
    StreamService::new(config, SECRET.to_vec()).unwrap()
}

/// A signed target for `id`, valid for an hour.
pub fn signed(id: &str) -> String {
    signed_path(SECRET, id, EXPIRES)
}

/// An MP3 of `len` bytes modified at [`MODIFIED`].
pub fn media(len: u64) -> Media {
    Media {
        media_type: MEDIA_TYPES[0],
        len,
        modified_unix: MODIFIED,
    }
}

/// The ETag of [`media`]`(len)`.
pub fn etag(len: u64) -> String {
    format!("\"{MODIFIED:x}-{len:x}\"")
}

/// A request under construction. HTTP/1.1 with `Host` unless changed.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    pub target: String,
    pub version: HttpVersion,
    pub headers: Vec<(String, Vec<u8>)>,
    pub request_number: u32,
}

pub fn request(method: &str, target: &str) -> Req {
    Req {
        method: method.to_owned(),
        target: target.to_owned(),
        version: HttpVersion::Http11,
        headers: vec![("Host".to_owned(), b"localhost:8082".to_vec())],
        request_number: 1,
    }
}

pub fn get(target: &str) -> Req {
    request("GET", target)
}

pub fn head(target: &str) -> Req {
    request("HEAD", target)
}

impl Req {
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers
            .push((name.to_owned(), value.as_bytes().to_vec()));
        self
    }

    pub fn without_host(mut self) -> Self {
        self.headers
            .retain(|(name, _)| !name.eq_ignore_ascii_case("host"));
        self
    }

    pub fn http10(mut self) -> Self {
        self.version = HttpVersion::Http10;
        self
    }

    pub fn number(mut self, request_number: u32) -> Self {
        self.request_number = request_number;
        self
    }

    /// Calls `f` with the request as the runtime would hand it over.
    pub fn with_head<T>(&self, f: impl FnOnce(&RequestHead<'_>) -> T) -> T {
        let headers: Vec<Header<'_>> = self
            .headers
            .iter()
            .map(|(name, value)| Header { name, value })
            .collect();
        f(&RequestHead {
            method: &self.method,
            target: &self.target,
            version: self.version,
            headers: &headers,
            request_number: self.request_number,
        })
    }

    pub fn route(&self, svc: &StreamService, now: i64) -> Route {
        self.with_head(|head| svc.route(head, now))
    }

    /// The plan of a request `route` answers at once.
    pub fn answer(&self, svc: &StreamService) -> ResponsePlan {
        match self.route(svc, NOW) {
            Route::Respond(plan) => plan,
            other => panic!("expected an immediate answer, got {other:?}"),
        }
    }

    /// Routes (which must ask for a lookup) and responds with `media` as the file found.
    pub fn serve(&self, svc: &StreamService, media: &Media) -> ResponsePlan {
        match self.route(svc, NOW) {
            Route::Lookup(_) => self.with_head(|head| svc.respond(head, media, NOW)),
            other => panic!("expected a lookup, got {other:?}"),
        }
    }
}

/// The header names in order.
pub fn names(plan: &ResponsePlan) -> Vec<&'static str> {
    plan.headers.iter().map(|(name, _)| *name).collect()
}

/// A literal-only body as text.
pub fn text(plan: &ResponsePlan) -> String {
    let mut out = Vec::new();
    for part in &plan.body {
        match part {
            BodyPart::Bytes(bytes) => out.extend_from_slice(bytes),
            BodyPart::File { .. } => panic!("the body reads the file"),
        }
    }
    String::from_utf8(out).unwrap()
}

/// The file ranges of a body, as (start, len).
pub fn file_parts(plan: &ResponsePlan) -> Vec<(u64, u64)> {
    plan.body
        .iter()
        .filter_map(|part| match part {
            BodyPart::File { start, len } => Some((*start, *len)),
            BodyPart::Bytes(_) => None,
        })
        .collect()
}
