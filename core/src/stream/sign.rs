//! Signed URLs (stream.md §4): `sig = lowercase hex(HMAC-SHA256(secret, "{id}|{expires}"))`, as
//! the seed's `generate_signature`.

use hmac::digest::{Key, KeyInit};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::hex::{hex_digit, hex_value};

/// Hex digits in a signature: 32 bytes of HMAC-SHA256.
pub const SIGNATURE_HEX_LEN: usize = 64;

/// The HMAC keyed once with the secret; each check clones it, so the key schedule (two
/// compression rounds) is not redone per request.
#[derive(Clone)]
pub(super) struct Signer {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for Signer {
    /// Never prints the key material.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(..)")
    }
}

impl Signer {
    pub(super) fn new(secret: &[u8]) -> Self {
        // HMAC hashes a key longer than its 64-byte block and pads a shorter one with zeros;
        // doing both here gives the same MAC through the fixed-size constructor, which cannot
        // fail.
        let mut key = Key::<Hmac<Sha256>>::default();
        if secret.len() > key.len() {
            let digest = Sha256::digest(secret);
            key.iter_mut().zip(digest).for_each(|(k, d)| *k = d);
        } else {
            key.iter_mut().zip(secret).for_each(|(k, s)| *k = *s);
        }
        Self {
            mac: <Hmac<Sha256> as KeyInit>::new(&key),
        }
    }

    fn keyed(&self, id: &[u8], expires: &[u8]) -> Hmac<Sha256> {
        let mut mac = self.mac.clone();
        mac.update(id);
        mac.update(b"|");
        mac.update(expires);
        mac
    }

    /// The signature's 32 bytes.
    pub(super) fn sign(&self, id: &[u8], expires: &[u8]) -> [u8; 32] {
        self.keyed(id, expires).finalize().into_bytes().into()
    }

    /// Whether `sig_hex` (64 hex digits, either case) is the signature of `id` and `expires`
    /// (its canonical decimal). Constant time in the signature's bytes (`verify_slice`).
    pub(super) fn verify(&self, id: &[u8], expires: &[u8], sig_hex: &[u8]) -> bool {
        let Some(sig) = decode_hex_32(sig_hex) else {
            return false;
        };
        self.keyed(id, expires).verify_slice(&sig).is_ok()
    }
}

/// stream.md §4. Lowercase hex of HMAC-SHA256(secret, "{id}|{expires}").
pub fn signature(secret: &[u8], id: &str, expires: i64) -> String {
    let digest = Signer::new(secret).sign(id.as_bytes(), expires.to_string().as_bytes());
    encode_hex(&digest)
}

/// `/stream/{id}?expires={expires}&sig={signature}` (stream.md §4). The id is not escaped:
/// valid ids (stream.md §3) need none.
pub fn signed_path(secret: &[u8], id: &str, expires: i64) -> String {
    let sig = signature(secret, id, expires);
    format!("/stream/{id}?expires={expires}&sig={sig}")
}

fn encode_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(hex_digit(b >> 4));
        out.push(hex_digit(b & 0x0f));
    }
    out
}

fn decode_hex_32(hex: &[u8]) -> Option<[u8; 32]> {
    if hex.len() != SIGNATURE_HEX_LEN {
        return None;
    }
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
        let [high, low] = pair else {
            return None;
        };
        *byte = (hex_value(*high)? << 4) | hex_value(*low)?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hex HMAC of `data` under a [`Signer`] made from `key`.
    fn signer_hmac(key: &[u8], data: &[u8]) -> String {
        let mut mac = Signer::new(key).mac;
        mac.update(data);
        encode_hex(&mac.finalize().into_bytes())
    }

    /// RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
    #[test]
    fn the_hmac_is_rfc_4231_hmac_sha256() {
        assert_eq!(
            signer_hmac(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    /// RFC 4231 test case 6: a 131-byte key is hashed first.
    #[test]
    fn a_key_longer_than_the_block_is_hashed() {
        assert_eq!(
            signer_hmac(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            ),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn the_signature_covers_id_bar_expires() {
        let via_mac = {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(b"secret").unwrap();
            mac.update(b"track1|1700000000");
            encode_hex(&mac.finalize().into_bytes())
        };
        assert_eq!(signature(b"secret", "track1", 1_700_000_000), via_mac);
    }

    #[test]
    fn the_signed_path_has_expires_then_sig() {
        let sig = signature(b"k", "a", 5);
        assert_eq!(
            signed_path(b"k", "a", 5),
            format!("/stream/a?expires=5&sig={sig}")
        );
    }

    #[test]
    fn verify_accepts_either_hex_case() {
        let signer = Signer::new(b"k");
        let sig = signature(b"k", "a", 5);
        assert!(signer.verify(b"a", b"5", sig.as_bytes()));
        assert!(signer.verify(b"a", b"5", sig.to_uppercase().as_bytes()));
    }

    #[test]
    fn verify_refuses_a_short_or_non_hex_signature() {
        let signer = Signer::new(b"k");
        let sig = signature(b"k", "a", 5);
        assert!(!signer.verify(b"a", b"5", &sig.as_bytes()[..62]));
        let mut bad = sig.into_bytes();
        bad[0] = b'g';
        assert!(!signer.verify(b"a", b"5", &bad));
    }

    #[test]
    fn verify_refuses_another_message() {
        let signer = Signer::new(b"k");
        let sig = signature(b"k", "a", 5);
        assert!(!signer.verify(b"a", b"6", sig.as_bytes()));
        assert!(!signer.verify(b"b", b"5", sig.as_bytes()));
    }
}
