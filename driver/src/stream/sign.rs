//! `sign-url` (stream.md §4): a signed URL for an id, checked by the core's own routing before
//! it is printed, so that a URL hark prints is one hark serves.

use hark_core::stream::{
    Header, HttpVersion, RequestHead, Route, StreamConfigError, StreamService, signed_path,
};

use super::config::StreamServerConfig;

/// Why no URL was made.
#[derive(Debug, thiserror::Error)]
pub enum SignUrlError {
    #[error(
        "{id:?} is not a stream id: 1 to 128 ASCII letters, digits, '_' or '-' (the server would answer {status})"
    )]
    InvalidId { id: String, status: u16 },
    #[error("invalid stream setting: {0}")]
    Service(#[from] StreamConfigError),
}

/// `{base}/stream/{id}?expires={now + ttl}&sig=…`, `now` read from the configured clock; `base`
/// defaults to `http://localhost:{port}`.
pub fn signed_url(
    config: &StreamServerConfig,
    secret: &[u8],
    id: &str,
    ttl_secs: u64,
    base: Option<&str>,
) -> Result<String, SignUrlError> {
    let now = i64::try_from(config.wall_clock.now_unix()).unwrap_or(i64::MAX);
    let expires = now.saturating_add(i64::try_from(ttl_secs).unwrap_or(i64::MAX));
    let path = signed_path(secret, id, expires);
    let service = StreamService::new(config.core.clone(), secret.to_vec())?;
    let head = RequestHead {
        method: "GET",
        target: &path,
        version: HttpVersion::Http11,
        headers: &[Header {
            name: "Host",
            value: b"localhost",
        }],
        request_number: 1,
    };
    match service.route(&head, now) {
        Route::Lookup(lookup) if lookup.id == id => {}
        Route::Respond(plan) => {
            return Err(SignUrlError::InvalidId {
                id: id.to_owned(),
                status: plan.status,
            });
        }
        Route::Lookup(_) | Route::Health => {
            return Err(SignUrlError::InvalidId {
                id: id.to_owned(),
                status: 404,
            });
        }
    }
    let base = match base {
        Some(base) => base.trim_end_matches('/').to_owned(),
        None => format!("http://localhost:{}", config.bind_addr.port()),
    };
    Ok(format!("{base}{path}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_is_the_signed_path_on_the_default_base() {
        let config = StreamServerConfig::new();
        let url = signed_url(&config, b"k", "track1", 60, None).unwrap();
        let rest = url
            .strip_prefix("http://localhost:8082/stream/track1?expires=")
            .unwrap();
        let (expires, sig) = rest.split_once("&sig=").unwrap();
        let expires: i64 = expires.parse().unwrap();
        assert_eq!(sig, hark_core::stream::signature(b"k", "track1", expires));
    }

    #[test]
    fn a_base_replaces_the_default_without_doubling_the_slash() {
        let config = StreamServerConfig::new();
        let url = signed_url(&config, b"k", "a", 60, Some("https://cdn.example/")).unwrap();
        assert!(
            url.starts_with("https://cdn.example/stream/a?expires="),
            "{url}"
        );
    }

    #[test]
    fn an_id_the_server_would_refuse_is_an_error() {
        let config = StreamServerConfig::new();
        for id in ["", "../x", "a/b", "é", &"a".repeat(129)] {
            let error = signed_url(&config, b"k", id, 60, None).unwrap_err();
            assert!(
                error.to_string().contains("not a stream id"),
                "{id}: {error}"
            );
        }
    }
}
