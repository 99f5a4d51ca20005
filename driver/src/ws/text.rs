//! Text payloads for tungstenite, checked for UTF-8 once per fan-out. The service hands every
//! recipient of a broadcast a clone of one `Bytes`; tungstenite's `Utf8Bytes` can only be made by
//! checking. A buffer is immutable, so the same address and length, while the cached clone keeps
//! the buffer alive, mean the same, already checked, text — no `unsafe` needed.

use bytes::Bytes;
use tungstenite::Utf8Bytes;

/// The last text turned into a tungstenite payload.
#[derive(Debug, Default)]
pub(crate) struct TextCache {
    last: Option<Utf8Bytes>,
}

impl TextCache {
    /// `bytes` as a text payload; checked unless it is the previous call's buffer.
    pub fn text(&mut self, bytes: Bytes) -> Result<Utf8Bytes, std::str::Utf8Error> {
        if let Some(last) = &self.last {
            let seen: &[u8] = last.as_ref();
            if seen.as_ptr() == bytes.as_ptr() && seen.len() == bytes.len() {
                return Ok(last.clone());
            }
        }
        let text = Utf8Bytes::try_from(bytes)?;
        self.last = Some(text.clone());
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(text: &Utf8Bytes) -> *const u8 {
        let bytes: &[u8] = text.as_ref();
        bytes.as_ptr()
    }

    #[test]
    fn every_clone_of_one_buffer_gets_the_same_payload() {
        let mut cache = TextCache::default();
        let buffer = Bytes::from(r#"{"type":"pong"}"#.to_owned());
        let first = cache.text(buffer.clone()).unwrap();
        let second = cache.text(buffer.clone()).unwrap();
        assert_eq!(first, second);
        assert_eq!(address(&first), buffer.as_ptr());
        assert_eq!(address(&second), buffer.as_ptr());
    }

    #[test]
    fn a_different_buffer_with_the_same_text_is_its_own_payload() {
        let mut cache = TextCache::default();
        let a = Bytes::from("same".to_owned());
        let b = Bytes::from("same".to_owned());
        cache.text(a).unwrap();
        let text = cache.text(b.clone()).unwrap();
        assert_eq!(address(&text), b.as_ptr());
    }

    #[test]
    fn a_part_of_the_cached_buffer_is_checked_on_its_own() {
        let mut cache = TextCache::default();
        let buffer = Bytes::from("héllo".to_owned());
        cache.text(buffer.clone()).unwrap();
        assert!(cache.text(buffer.slice(..2)).is_err());
    }

    #[test]
    fn invalid_utf8_is_refused() {
        let mut cache = TextCache::default();
        assert!(cache.text(Bytes::from_static(b"\xff\xfe")).is_err());
    }
}
