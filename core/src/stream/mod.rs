//! The `stream` service (seed 004): audio files behind HMAC-SHA256 signed, expiring URLs,
//! served over HTTP/1.1 with Range so players can seek.
//!
//! The core decides every response; the runtime parses request heads, opens files and moves
//! bytes:
//!
//! ```text
//! match svc.route(&head, now_unix) {                       // §1–§4, §7.2
//!     Route::Respond(plan) => write(plan),
//!     Route::Health => write(svc.health(&head, &counters, now_unix)),     // §9
//!     Route::Lookup(lookup) => match first_regular_file(lookup.candidates()) {
//!         Some(media) => write(svc.respond(&head, &media, now_unix)),     // §5–§8
//!         None => write(svc.not_found(&head, now_unix)),
//!     },
//! }
//! // a head that could not be read: write(svc.refusal(HeadRefusal::TooLarge, now_unix))
//! ```
//!
//! Behaviour is specified in `conformance/spec/stream.md`; section numbers refer to it.

mod conditional;
mod config;
mod cors;
mod etag;
mod exchange;
mod failure;
mod health;
mod hex;
mod http_date;
mod media;
mod multipart;
mod percent;
mod persistence;
mod plan;
mod query;
mod range;
mod request;
mod service;
mod sign;
mod target;

pub use config::{StreamConfig, StreamConfigError};
pub use health::StreamHealth;
pub use http_date::{format_http_date, parse_http_date};
pub use media::{Lookup, MEDIA_TYPES, Media, MediaType};
pub use plan::{BodyPart, ResponsePlan};
pub use range::{ByteRange, RangeOutcome, RangeRequest, RangeSpec, parse_range};
pub use request::{Header, HttpVersion, RequestHead};
pub use service::{HeadRefusal, Route, StreamService};
pub use sign::{SIGNATURE_HEX_LEN, signature, signed_path};
