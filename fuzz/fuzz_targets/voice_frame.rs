//! The voice management-frame parser and reassembler on arbitrary bytes
//! (`conformance/spec/voice.md` §3.2: every byte string gives a frame, "incomplete", or one
//! error). The input is a TCP stream. Under several limits, `parse_frame` must not panic, and:
//! - a length over the limit is `frame_too_large` from the two prefix bytes alone;
//! - whatever parses consumes at most the input, encodes back to exactly the bytes it consumed
//!   (the encoding is canonical), and every strict prefix of those bytes is incomplete;
//! - a `FrameDecoder` fed the stream byte by byte, and in pieces cut at points drawn from the
//!   input, gives the frames, then the error or an incomplete tail, that repeated `parse_frame`
//!   calls give on the whole stream; it holds only the unfinished frame (at most
//!   `2 + max_frame_len` bytes) and, once it has failed, repeats its error and keeps nothing.
#![no_main]

use hark_core::wire::voice::{DEFAULT_MAX_FRAME_LEN, FrameError, parse_frame};
use hark_fuzz::frame_stream::{Decoded, decode_in_pieces, reference_decode};
use libfuzzer_sys::fuzz_target;

/// Streams longer than this are not also fed byte by byte (it would dominate the run time).
const BYTEWISE_MAX: usize = 4096;

fuzz_target!(|data: &[u8]| {
    for max in [usize::MAX, DEFAULT_MAX_FRAME_LEN, 64, 1, 0, data.len()] {
        check_parse(data, max);
    }
    for max in [DEFAULT_MAX_FRAME_LEN, 16] {
        let expected = reference_decode(data, max);
        if data.len() <= BYTEWISE_MAX {
            let cuts: Vec<usize> = (1..data.len()).collect();
            check_decoder(data, &cuts, max, &expected);
        }
        check_decoder(data, &cut_points(data), max, &expected);
    }
});

fn check_parse(data: &[u8], max: usize) {
    let result = parse_frame(data, max);
    if let [hi, lo, ..] = data {
        let len = usize::from(u16::from_be_bytes([*hi, *lo]));
        if len > max && len != 0 {
            let expected = Err(FrameError::FrameTooLarge { len, max });
            assert_eq!(result, expected, "the whole input");
            assert_eq!(parse_frame(&data[..2], max), expected, "the prefix alone");
        }
    }
    match result {
        Ok(Some((frame, consumed))) => {
            assert!(
                consumed <= data.len(),
                "consumed {consumed} of {}",
                data.len()
            );
            let encoded = frame
                .encode()
                .unwrap_or_else(|e| panic!("{frame:?} parsed but does not encode: {e}"));
            assert_eq!(
                encoded.as_ref(),
                &data[..consumed],
                "not canonical: {frame:?}"
            );
            for len in 0..consumed {
                assert_eq!(
                    parse_frame(&data[..len], max),
                    Ok(None),
                    "{len}-byte prefix"
                );
            }
        }
        Ok(None) => {}
        Err(error) => assert!(!error.kind().is_empty() && !error.to_string().is_empty()),
    }
}

fn check_decoder(stream: &[u8], cuts: &[usize], max: usize, expected: &Decoded) {
    match decode_in_pieces(stream, cuts, max) {
        Ok(decoded) => assert_eq!(&decoded, expected, "{} pieces under {max}", cuts.len() + 1),
        Err(broken) => panic!("{} pieces under {max}: {broken}", cuts.len() + 1),
    }
}

/// Up to 16 cut points, drawn from a generator seeded by the input so that they change as the
/// fuzzer mutates it.
fn cut_points(stream: &[u8]) -> Vec<usize> {
    let mut state = stream.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    }) | 1;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let count = usize::try_from(next() % 17).unwrap_or_default();
    let modulus = u64::try_from(stream.len())
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    let mut cuts: Vec<usize> = (0..count)
        .map(|_| usize::try_from(next() % modulus).unwrap_or_default())
        .collect();
    cuts.sort_unstable();
    cuts
}
