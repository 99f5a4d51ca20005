//! What the codec properties of both protocols (`core/tests/codec_properties.rs`,
//! `core/tests/voice_codec_properties.rs`) generate alike: text that is long, multi-byte or
//! anything, damage to encoded bytes, and how many cases a property gets.

use quickcheck::{Arbitrary, Gen, QuickCheck, Testable};

const CASES: u64 = 2_000;

/// Bytes at the edges of the field checks: bool values and NUL, the first bytes past printable
/// ASCII, UTF-8 lead and continuation bytes.
const EDGE_BYTES: [u8; 8] = [0x00, 0x01, 0x02, 0x7F, 0x80, 0xC3, 0xF0, 0xFF];

pub fn check<A: Testable>(property: A) {
    QuickCheck::new().tests(CASES).quickcheck(property);
}

pub fn below(g: &mut Gen, n: usize) -> usize {
    usize::arbitrary(g) % n
}

/// Any text of at most `max` bytes: quickcheck's (any characters), multi-byte throughout, or long
/// ASCII.
pub fn text(g: &mut Gen, max: usize) -> String {
    let text = match below(g, 3) {
        0 => String::arbitrary(g),
        1 => "é€😀".repeat(below(g, 80)),
        _ => "x".repeat(below(g, 400)),
    };
    cut(text, max)
}

/// `text` cut to at most `max` bytes at a character boundary.
fn cut(mut text: String, max: usize) -> String {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text
}

/// Damage to encoded bytes, at a place taken modulo their length.
#[derive(Debug, Clone, Copy)]
pub enum Edit {
    Flip { at: usize, mask: u8 },
    Set { at: usize, byte: u8 },
    Insert { at: usize, byte: u8 },
    Delete { at: usize },
    Truncate { len: usize },
}

impl Arbitrary for Edit {
    fn arbitrary(g: &mut Gen) -> Self {
        let at = usize::arbitrary(g);
        match below(g, 5) {
            0 => Edit::Flip {
                at,
                mask: u8::arbitrary(g).max(1),
            },
            4 => Edit::Set {
                at,
                byte: *g.choose(&EDGE_BYTES).unwrap(),
            },
            1 => Edit::Insert {
                at,
                byte: u8::arbitrary(g),
            },
            2 => Edit::Delete { at },
            _ => Edit::Truncate { len: at },
        }
    }
}

impl Edit {
    fn apply(self, bytes: &mut Vec<u8>) {
        let len = bytes.len();
        match self {
            Edit::Flip { at, mask } => {
                if len > 0 {
                    bytes[at % len] ^= mask;
                }
            }
            Edit::Set { at, byte } => {
                if len > 0 {
                    bytes[at % len] = byte;
                }
            }
            Edit::Insert { at, byte } => bytes.insert(at % (len + 1), byte),
            Edit::Delete { at } => {
                if len > 0 {
                    bytes.remove(at % len);
                }
            }
            Edit::Truncate { len: keep } => bytes.truncate(keep % (len + 1)),
        }
    }
}

/// `bytes` after the first four of `edits`.
pub fn damaged(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for edit in edits.iter().take(4) {
        edit.apply(&mut bytes);
    }
    bytes
}
