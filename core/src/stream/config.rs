//! The `stream` service's settings (stream.md §6, §7.1, §7.2, §8).

/// Settings of one [`super::StreamService`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamConfig {
    /// Origins allowed by CORS, compared byte for byte with the request's `Origin`. Empty: any
    /// origin (stream.md §7.2, the seed's `allow_origin(Any)`).
    pub allowed_origins: Vec<String>,
    /// The `Cache-Control` value of successful responses (stream.md §6). Default
    /// `private, max-age=3600`: shared caches must not serve a signed URL after it expired.
    pub cache_control: String,
    /// A `Range` with more specs than this is ignored (stream.md §7.1; nginx's `max_ranges`).
    /// Default 16.
    pub max_ranges: usize,
    /// The response to a connection's request number `keepalive_requests` closes it (stream.md
    /// §8; nginx's `keepalive_requests`). Default 1000.
    pub keepalive_requests: u32,
}

impl Default for StreamConfig {
    fn default() -> Self {
        Self {
            allowed_origins: Vec::new(),
            cache_control: "private, max-age=3600".to_owned(),
            max_ranges: 16,
            keepalive_requests: 1000,
        }
    }
}

/// Settings a [`super::StreamService`] cannot work with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StreamConfigError {
    /// Anyone could sign URLs with an empty key.
    #[error("the stream secret key is empty")]
    EmptySecret,
    #[error("stream.max_ranges must be at least 1")]
    ZeroMaxRanges,
    #[error("stream.keepalive_requests must be at least 1")]
    ZeroKeepaliveRequests,
    /// A value written into response heads must be visible ASCII, spaces or tabs: anything
    /// else (a CR or LF above all) would corrupt or split the response.
    #[error("{key} is not a valid header value")]
    InvalidHeaderValue { key: &'static str },
}

impl StreamConfig {
    /// Refuses settings that cannot work, naming the key.
    pub fn validate(&self) -> Result<(), StreamConfigError> {
        if self.max_ranges == 0 {
            return Err(StreamConfigError::ZeroMaxRanges);
        }
        if self.keepalive_requests == 0 {
            return Err(StreamConfigError::ZeroKeepaliveRequests);
        }
        if !is_header_value(&self.cache_control) {
            return Err(StreamConfigError::InvalidHeaderValue {
                key: "stream.cache_control",
            });
        }
        if !self
            .allowed_origins
            .iter()
            .all(|origin| is_header_value(origin))
        {
            return Err(StreamConfigError::InvalidHeaderValue {
                key: "stream.allowed_origins",
            });
        }
        Ok(())
    }
}

/// Visible ASCII, spaces and tabs, not starting or ending with whitespace (RFC 9110 §5.5).
pub(super) fn is_header_value(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes
        .iter()
        .all(|&b| b == b'\t' || (b' '..=b'~').contains(&b))
        && !bytes.first().is_some_and(|b| b.is_ascii_whitespace())
        && !bytes.last().is_some_and(|b| b.is_ascii_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid() {
        assert_eq!(StreamConfig::default().validate(), Ok(()));
    }

    #[test]
    fn zero_max_ranges_is_refused() {
        let config = StreamConfig {
            max_ranges: 0,
            ..StreamConfig::default()
        };
        assert_eq!(config.validate(), Err(StreamConfigError::ZeroMaxRanges));
    }

    #[test]
    fn zero_keepalive_requests_is_refused() {
        let config = StreamConfig {
            keepalive_requests: 0,
            ..StreamConfig::default()
        };
        assert_eq!(
            config.validate(),
            Err(StreamConfigError::ZeroKeepaliveRequests)
        );
    }

    #[test]
    fn a_cache_control_with_a_line_break_is_refused() {
        let config = StreamConfig {
            cache_control: "public\r\nSet-Cookie: x=1".into(),
            ..StreamConfig::default()
        };
        assert!(matches!(
            config.validate(),
            Err(StreamConfigError::InvalidHeaderValue { .. })
        ));
    }

    #[test]
    fn an_origin_with_a_line_break_is_refused() {
        let config = StreamConfig {
            allowed_origins: vec!["https://a.example\n".into()],
            ..StreamConfig::default()
        };
        assert!(matches!(
            config.validate(),
            Err(StreamConfigError::InvalidHeaderValue { .. })
        ));
    }
}
