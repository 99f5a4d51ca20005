//! Building the responses to one request: the shapes of stream.md §6 (errors, `204`, `304`,
//! `200`/`206`), with what every response to the request shares.

use super::config::StreamConfig;
use super::cors;
use super::failure::Failure;
use super::http_date::write_http_date;
use super::media::Media;
use super::multipart;
use super::persistence;
use super::plan::{BodyPart, ResponsePlan};
use super::range::ByteRange;
use super::request::{Fields, RequestHead};

/// `Date`: the server's clock as an IMF-fixdate (stream.md §6).
pub(super) fn push_date(headers: &mut Vec<(&'static str, String)>, now_unix: i64) {
    let mut date = String::with_capacity(29);
    write_http_date(&mut date, now_unix);
    headers.push(("Date", date));
}

/// One request being answered: what every response to it shares (CORS, `Date`, persistence,
/// no body for `HEAD`).
pub(super) struct Exchange<'a> {
    config: &'a StreamConfig,
    pub(super) head: &'a RequestHead<'a>,
    pub(super) fields: Fields<'a>,
    pub(super) now: i64,
}

impl<'a> Exchange<'a> {
    pub(super) fn new(config: &'a StreamConfig, head: &'a RequestHead<'a>, now: i64) -> Self {
        Self {
            config,
            head,
            fields: Fields::read(head),
            now,
        }
    }

    pub(super) fn is_head(&self) -> bool {
        self.head.method == "HEAD"
    }

    /// stream.md §7.3.
    pub(super) fn cors(&self, headers: &mut Vec<(&'static str, String)>) {
        cors::push_response_headers(self.config, &self.fields, headers);
    }

    /// `HEAD` gets the headers without the body (stream.md §6).
    pub(super) fn body(&self, body: Vec<BodyPart>) -> Vec<BodyPart> {
        if self.is_head() { Vec::new() } else { body }
    }

    /// `Date` last among the core's headers, then `Connection` (stream.md §6, §8).
    pub(super) fn finish(
        &self,
        status: u16,
        mut headers: Vec<(&'static str, String)>,
        body: Vec<BodyPart>,
    ) -> ResponsePlan {
        push_date(&mut headers, self.now);
        let keep_alive = persistence::keep_alive(self.config, self.head, &self.fields, status);
        if let Some(value) = persistence::connection_value(self.head.version, keep_alive) {
            headers.push(("Connection", value.to_owned()));
        }
        ResponsePlan {
            status,
            headers,
            body,
            keep_alive,
        }
    }

    pub(super) fn error(&self, failure: Failure) -> ResponsePlan {
        let mut headers = Vec::with_capacity(10);
        failure.push_headers(&mut headers);
        self.cors(&mut headers);
        let body = self.body(vec![BodyPart::Bytes(failure.body())]);
        self.finish(failure.status(), headers, body)
    }

    /// `204` with `Allow` (stream.md §1, §7.2).
    pub(super) fn allow(&self, allow: &'static str) -> ResponsePlan {
        let mut headers = Vec::with_capacity(6);
        headers.push(("Allow", allow.to_owned()));
        self.cors(&mut headers);
        self.finish(204, headers, Vec::new())
    }

    /// stream.md §6.1: the validators and caching headers of the `200`, in its order, without
    /// a body or its description.
    pub(super) fn not_modified(&self, etag: String, media: &Media) -> ResponsePlan {
        let mut headers = Vec::with_capacity(9);
        headers.push(("Accept-Ranges", "bytes".to_owned()));
        self.push_validators(&mut headers, etag, media);
        self.finish(304, headers, Vec::new())
    }

    /// `ETag`, `Last-Modified`, `Cache-Control`, CORS.
    fn push_validators(
        &self,
        headers: &mut Vec<(&'static str, String)>,
        etag: String,
        media: &Media,
    ) {
        headers.push(("ETag", etag));
        let mut last_modified = String::with_capacity(29);
        write_http_date(&mut last_modified, media.modified_unix);
        headers.push(("Last-Modified", last_modified));
        headers.push(("Cache-Control", self.config.cache_control.clone()));
        self.cors(headers);
    }

    /// `200` for no ranges (the whole file), `206` for one or several (stream.md §6, §7.1).
    pub(super) fn file(&self, etag: String, media: &Media, ranges: &[ByteRange]) -> ResponsePlan {
        let mut headers = Vec::with_capacity(12);
        let (status, body) = match ranges {
            [] => {
                headers.push(("Content-Type", media.media_type.content_type.to_owned()));
                headers.push(("Accept-Ranges", "bytes".to_owned()));
                headers.push(("Content-Length", media.len.to_string()));
                let body = if media.len == 0 {
                    Vec::new()
                } else {
                    vec![BodyPart::File {
                        start: 0,
                        len: media.len,
                    }]
                };
                (200, body)
            }
            [range] => {
                headers.push(("Content-Type", media.media_type.content_type.to_owned()));
                headers.push(("Accept-Ranges", "bytes".to_owned()));
                headers.push(("Content-Length", range.byte_count().to_string()));
                headers.push((
                    "Content-Range",
                    format!("bytes {}-{}/{}", range.first, range.last, media.len),
                ));
                let body = vec![BodyPart::File {
                    start: range.first,
                    len: range.byte_count(),
                }];
                (206, body)
            }
            _ => {
                let multipart = multipart::byteranges(&etag, media, ranges);
                let len = multipart
                    .body
                    .iter()
                    .map(BodyPart::len)
                    .fold(0, u64::saturating_add);
                headers.push((
                    "Content-Type",
                    format!("multipart/byteranges; boundary={}", multipart.boundary),
                ));
                headers.push(("Accept-Ranges", "bytes".to_owned()));
                headers.push(("Content-Length", len.to_string()));
                (206, multipart.body)
            }
        };
        self.push_validators(&mut headers, etag, media);
        let body = self.body(body);
        self.finish(status, headers, body)
    }
}
