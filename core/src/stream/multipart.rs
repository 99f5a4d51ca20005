//! `multipart/byteranges` (RFC 9110 §14.6, stream.md §7.1.1) with a deterministic boundary, so
//! the same request always gets the same bytes.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use super::hex::hex_digit;
use super::media::Media;
use super::plan::BodyPart;
use super::range::ByteRange;

/// The boundary and the body of a multipart answer for two or more coalesced ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Multipart {
    pub(super) boundary: String,
    pub(super) body: Vec<BodyPart>,
}

/// `hark-` and the first 16 hex digits of `SHA-256("{etag}|{first}-{last},…")`.
pub(super) fn boundary(etag: &str, ranges: &[ByteRange]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(etag.as_bytes());
    hasher.update(b"|");
    let mut text = String::new();
    for (i, range) in ranges.iter().enumerate() {
        text.clear();
        if i > 0 {
            text.push(',');
        }
        // Writing into a String cannot fail.
        let _ = write!(text, "{}-{}", range.first, range.last);
        hasher.update(text.as_bytes());
    }
    let digest = hasher.finalize();
    let mut boundary = String::with_capacity(5 + 16);
    boundary.push_str("hark-");
    for &byte in digest.iter().take(8) {
        boundary.push(hex_digit(byte >> 4));
        boundary.push(hex_digit(byte & 0x0f));
    }
    boundary
}

/// For each range `--{B}\r\nContent-Type: {type}\r\nContent-Range: bytes {first}-{last}/{len}
/// \r\n\r\n{bytes}\r\n`, then `--{B}--\r\n`. Each range's trailing CRLF travels with the next
/// delimiter, so the body alternates literal chunks and file ranges.
pub(super) fn byteranges(etag: &str, media: &Media, ranges: &[ByteRange]) -> Multipart {
    let boundary = boundary(etag, ranges);
    let mut body = Vec::with_capacity(ranges.len() * 2 + 1);
    let mut literal = String::new();
    for range in ranges {
        // Writing into a String cannot fail.
        let _ = write!(
            literal,
            "--{boundary}\r\nContent-Type: {}\r\nContent-Range: bytes {}-{}/{}\r\n\r\n",
            media.media_type.content_type, range.first, range.last, media.len
        );
        body.push(BodyPart::Bytes(std::mem::take(&mut literal).into_bytes()));
        body.push(BodyPart::File {
            start: range.first,
            len: range.byte_count(),
        });
        literal.push_str("\r\n");
    }
    let _ = write!(literal, "--{boundary}--\r\n");
    body.push(BodyPart::Bytes(literal.into_bytes()));
    Multipart { boundary, body }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::media::MEDIA_TYPES;

    const ETAG: &str = "\"6553f100-64\"";

    fn media() -> Media {
        Media {
            media_type: MEDIA_TYPES[0],
            len: 100,
            modified_unix: 1_700_000_000,
        }
    }

    fn ranges() -> [ByteRange; 2] {
        [
            ByteRange { first: 0, last: 9 },
            ByteRange {
                first: 20,
                last: 29,
            },
        ]
    }

    #[test]
    fn the_boundary_hashes_the_etag_and_the_ranges() {
        let digest = Sha256::digest(format!("{ETAG}|0-9,20-29").as_bytes());
        let expected: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        assert_eq!(boundary(ETAG, &ranges()), format!("hark-{expected}"));
    }

    #[test]
    fn the_body_alternates_delimiters_and_file_ranges() {
        let multipart = byteranges(ETAG, &media(), &ranges());
        let b = &multipart.boundary;
        assert_eq!(
            multipart.body,
            vec![
                BodyPart::Bytes(
                    format!("--{b}\r\nContent-Type: audio/mpeg\r\nContent-Range: bytes 0-9/100\r\n\r\n")
                        .into_bytes()
                ),
                BodyPart::File { start: 0, len: 10 },
                BodyPart::Bytes(
                    format!("\r\n--{b}\r\nContent-Type: audio/mpeg\r\nContent-Range: bytes 20-29/100\r\n\r\n")
                        .into_bytes()
                ),
                BodyPart::File { start: 20, len: 10 },
                BodyPart::Bytes(format!("\r\n--{b}--\r\n").into_bytes()),
            ]
        );
    }
}
