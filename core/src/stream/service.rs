//! The decision (stream.md §10): `route` before any file is touched, `respond` or `not_found`
//! once the runtime looked, `health` and `refusal` for the rest.

use super::conditional::{self, Precondition, Validators};
use super::config::{StreamConfig, StreamConfigError};
use super::cors::{self, Options};
use super::etag::etag;
use super::exchange::{self, Exchange};
use super::failure::{ALLOW_HEALTH, ALLOW_STREAM, Failure};
use super::health::StreamHealth;
use super::media::{Lookup, Media};
use super::plan::{BodyPart, ResponsePlan};
use super::query::{self, QueryError};
use super::range::{RangeOutcome, parse_range};
use super::request::{HttpVersion, RequestHead};
use super::sign::Signer;
use super::target::{self, Target};

/// What to do with a request head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Answer now (errors, preflight, `OPTIONS`, `405`, `404`, …).
    Respond(ResponsePlan),
    /// The signature is good: open the candidates in order, then call
    /// [`StreamService::respond`] with the first regular file, or [`StreamService::not_found`].
    Lookup(Lookup),
    /// `GET`/`HEAD /health`: fill a [`StreamHealth`] and call [`StreamService::health`].
    Health,
}

/// Why the runtime could not get a request head (stream.md §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadRefusal {
    /// Not HTTP/1.x: `400`.
    Malformed,
    /// Beyond 8 KiB or 64 fields: `431`.
    TooLarge,
    /// Not complete within the header timeout: `408`.
    Timeout,
}

/// The `stream` service: immutable, shared by every connection of a runtime.
#[derive(Debug)]
pub struct StreamService {
    config: StreamConfig,
    signer: Signer,
}

impl StreamService {
    /// Keys the HMAC once. Refuses an empty secret and settings that cannot work.
    pub fn new(config: StreamConfig, secret: Vec<u8>) -> Result<Self, StreamConfigError> {
        if secret.is_empty() {
            return Err(StreamConfigError::EmptySecret);
        }
        config.validate()?;
        Ok(Self {
            signer: Signer::new(&secret),
            config,
        })
    }

    pub fn config(&self) -> &StreamConfig {
        &self.config
    }

    /// stream.md §1–§4, §7.2: everything decidable before touching a file. `now_unix`: the
    /// wall clock, unix seconds.
    pub fn route(&self, head: &RequestHead<'_>, now_unix: i64) -> Route {
        let exchange = Exchange::new(&self.config, head, now_unix);
        match self.decide_route(&exchange) {
            Ok(route) => route,
            Err(failure) => Route::Respond(exchange.error(failure)),
        }
    }

    fn decide_route(&self, exchange: &Exchange<'_>) -> Result<Route, Failure> {
        let head = exchange.head;
        let fields = &exchange.fields;
        // RFC 9112 §3.2: HTTP/1.1 needs one Host; no request may carry two.
        if fields.hosts > 1 || (head.version == HttpVersion::Http11 && fields.hosts == 0) {
            return Err(Failure::BadRequest);
        }
        let target = target::parse(head.target).map_err(|_| Failure::BadRequest)?;
        match (target, head.method) {
            (Target::Asterisk, "OPTIONS") => Ok(Route::Respond(exchange.allow(ALLOW_STREAM))),
            (Target::Asterisk, _) => Err(Failure::BadRequest),
            (Target::Health, "GET" | "HEAD") => Ok(Route::Health),
            (Target::Health, _) => Err(Failure::MethodNotAllowed(ALLOW_HEALTH)),
            (Target::Other, _) => Err(Failure::NotFound),
            (Target::InvalidId, _) => Err(Failure::InvalidId),
            (Target::Stream { id, query }, "GET" | "HEAD") => {
                self.check_signature(&id, query, exchange.now)?;
                Ok(Route::Lookup(Lookup {
                    id: id.into_owned(),
                }))
            }
            (Target::Stream { .. }, "OPTIONS") => match cors::options(&self.config, head, fields) {
                Options::Plain => Ok(Route::Respond(exchange.allow(ALLOW_STREAM))),
                Options::Allowed(headers) => {
                    Ok(Route::Respond(exchange.finish(204, headers, Vec::new())))
                }
                Options::Refused => Err(Failure::OriginNotAllowed),
            },
            (Target::Stream { .. }, _) => Err(Failure::MethodNotAllowed(ALLOW_STREAM)),
        }
    }

    /// stream.md §4's checks, in order.
    fn check_signature(&self, id: &str, query: &str, now_unix: i64) -> Result<(), Failure> {
        let params = query::signed_params(query).map_err(|error| match error {
            QueryError::BadEscape => Failure::BadRequest,
            QueryError::Missing => Failure::MissingSignature,
            QueryError::Duplicate => Failure::InvalidSignature,
            QueryError::InvalidExpiry => Failure::InvalidExpiry,
        })?;
        if now_unix > params.expires {
            return Err(Failure::LinkExpired);
        }
        if !self
            .signer
            .verify(id.as_bytes(), &params.expires_text, &params.sig)
        {
            return Err(Failure::InvalidSignature);
        }
        Ok(())
    }

    /// stream.md §5–§8 for the file found.
    pub fn respond(&self, head: &RequestHead<'_>, media: &Media, now_unix: i64) -> ResponsePlan {
        let exchange = Exchange::new(&self.config, head, now_unix);
        let etag = etag(media);
        let validators = Validators {
            etag: &etag,
            modified_unix: media.modified_unix,
        };
        match conditional::evaluate(head, &exchange.fields, validators) {
            Precondition::Failed => return exchange.error(Failure::PreconditionFailed),
            Precondition::NotModified => return exchange.not_modified(etag, media),
            Precondition::Proceed => {}
        }
        let outcome = match exchange.fields.range.get() {
            Some(range)
                if !exchange.is_head()
                    && conditional::if_range_allows(&exchange.fields, validators) =>
            {
                parse_range(range, self.config.max_ranges)
                    .map_or(RangeOutcome::Full, |request| request.satisfy(media.len))
            }
            _ => RangeOutcome::Full,
        };
        match outcome {
            RangeOutcome::Full => exchange.file(etag, media, &[]),
            RangeOutcome::Unsatisfiable => exchange.error(Failure::RangeNotSatisfiable(media.len)),
            RangeOutcome::Partial(ranges) => exchange.file(etag, media, &ranges),
        }
    }

    /// stream.md §5: no candidate could be opened as a regular file.
    pub fn not_found(&self, head: &RequestHead<'_>, now_unix: i64) -> ResponsePlan {
        Exchange::new(&self.config, head, now_unix).error(Failure::NotFound)
    }

    /// stream.md §9.
    pub fn health(
        &self,
        head: &RequestHead<'_>,
        health: &StreamHealth,
        now_unix: i64,
    ) -> ResponsePlan {
        let exchange = Exchange::new(&self.config, head, now_unix);
        let json = health.to_json();
        let mut headers = Vec::with_capacity(8);
        headers.push(("Content-Type", "application/json".to_owned()));
        headers.push(("Content-Length", json.len().to_string()));
        headers.push(("Cache-Control", "no-store".to_owned()));
        exchange.cors(&mut headers);
        let body = exchange.body(vec![BodyPart::Bytes(json)]);
        exchange.finish(200, headers, body)
    }

    /// stream.md §1: `400`/`408`/`431` with `Connection: close`. There is no request head to
    /// read CORS or the version from, so the answer is the same for everyone.
    pub fn refusal(&self, refusal: HeadRefusal, now_unix: i64) -> ResponsePlan {
        let failure = match refusal {
            HeadRefusal::Malformed => Failure::BadRequest,
            HeadRefusal::TooLarge => Failure::HeaderFieldsTooLarge,
            HeadRefusal::Timeout => Failure::RequestTimeout,
        };
        let mut headers = Vec::with_capacity(6);
        failure.push_headers(&mut headers);
        exchange::push_date(&mut headers, now_unix);
        headers.push(("Connection", "close".to_owned()));
        ResponsePlan {
            status: failure.status(),
            headers,
            body: vec![BodyPart::Bytes(failure.body())],
            keep_alive: false,
        }
    }
}
