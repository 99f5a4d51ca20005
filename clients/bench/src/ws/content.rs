//! The "ciphertext" a benchmark message carries: base64 of a timing stamp followed by filler, as
//! an end-to-end-encrypted client would send base64 of its ciphertext. The relay never reads it
//! (chat.md §4: printable ASCII), so only its size matters to the server; the generator reads the
//! stamp back from the first 24 characters, which decode to 18 bytes, enough for the 16-byte stamp.
//! Senders and receivers share one process and one `Instant` base, so receive time − `sent_ns` is a
//! true one-way delay on loopback.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/// Bytes of the stamp: sent time (ns since the shared base), sender, sequence.
const STAMP_LEN: usize = 16;
/// Base64 characters that hold the stamp (24 characters = 18 bytes).
const STAMP_CHARS: usize = 24;
/// Smallest ciphertext: the stamp, rounded up to whole base64 quanta.
pub const MIN_SIZE: usize = 18;

/// What a message's content says about its sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentStamp {
    pub sent_ns: u64,
    pub sender: u32,
    pub sequence: u32,
}

impl ContentStamp {
    /// Base64 of `size` bytes (at least [`MIN_SIZE`]) that start with this stamp.
    pub fn encode(&self, size: usize) -> String {
        let mut bytes = Vec::with_capacity(size.max(MIN_SIZE));
        bytes.extend_from_slice(&self.sent_ns.to_be_bytes());
        bytes.extend_from_slice(&self.sender.to_be_bytes());
        bytes.extend_from_slice(&self.sequence.to_be_bytes());
        // Filler that looks like ciphertext rather than zeros; it is never read.
        let mut x = self.sent_ns ^ u64::from(self.sequence);
        while bytes.len() < size.max(MIN_SIZE) {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            bytes.push((x >> 56) as u8);
        }
        base64(&bytes)
    }

    /// Reads the stamp from the start of a content; `None` if it is not one of ours.
    pub fn decode(content: &str) -> Option<Self> {
        let chars = content.as_bytes().get(..STAMP_CHARS)?;
        let mut bytes = [0u8; 18];
        for (quantum, out) in chars.chunks_exact(4).zip(bytes.chunks_exact_mut(3)) {
            let mut n: u32 = 0;
            for &c in quantum {
                n = (n << 6) | u32::from(sextet(c)?);
            }
            let [_, a, b, c] = n.to_be_bytes();
            out.copy_from_slice(&[a, b, c]);
        }
        let (sent, rest) = bytes.split_first_chunk::<8>()?;
        let (sender, rest) = rest.split_first_chunk::<4>()?;
        let (sequence, _) = rest.split_first_chunk::<4>()?;
        Some(Self {
            sent_ns: u64::from_be_bytes(*sent),
            sender: u32::from_be_bytes(*sender),
            sequence: u32::from_be_bytes(*sequence),
        })
    }
}

/// Standard base64 with padding (RFC 4648 §4).
fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let mut n: u32 = 0;
        for (i, b) in chunk.iter().enumerate() {
            n |= u32::from(*b) << (16 - 8 * i);
        }
        for i in 0..4 {
            if i <= chunk.len() {
                let index = ((n >> (18 - 6 * i)) & 63) as usize;
                out.push(char::from(ALPHABET.get(index).copied().unwrap_or(b'A')));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn sextet(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

const _: () = assert!(STAMP_CHARS / 4 * 3 >= STAMP_LEN);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(&[0xfb, 0xff]), "+/8=");
    }

    #[test]
    fn a_stamp_survives_the_content() {
        let stamp = ContentStamp {
            sent_ns: 0x0123_4567_89ab_cdef,
            sender: 9_999,
            sequence: 42,
        };
        let content = stamp.encode(96);
        assert_eq!(content.len(), 128);
        assert!(content.bytes().all(|b| (0x20..=0x7e).contains(&b)));
        assert_eq!(ContentStamp::decode(&content), Some(stamp));
    }

    #[test]
    fn a_small_size_still_carries_the_stamp() {
        let stamp = ContentStamp {
            sent_ns: 1,
            sender: 2,
            sequence: 3,
        };
        assert_eq!(stamp.encode(0).len(), 24);
        assert_eq!(ContentStamp::decode(&stamp.encode(0)), Some(stamp));
    }

    #[test]
    fn foreign_content_has_no_stamp() {
        assert_eq!(ContentStamp::decode("short"), None);
        assert_eq!(
            ContentStamp::decode("{not base64 at all, but long enough}"),
            None
        );
    }
}
