//! A voice management stream decoded two ways, for the checks that they agree: repeated
//! `parse_frame` calls over the whole stream, and a `FrameDecoder` fed it in pieces. Shared by
//! `core/tests/voice_codec_properties.rs` and the `voice_frame` fuzz target (`fuzz/src/lib.rs`
//! includes this file).

use hark_core::wire::voice::{FRAME_HEADER_LEN, Frame, FrameDecoder, FrameError, parse_frame};

/// The frames of a stream, then the error that stopped it or `None` for an incomplete tail.
pub type Decoded = (Vec<Frame>, Option<FrameError>);

/// What repeated `parse_frame` calls over the whole stream give.
pub fn reference_decode(stream: &[u8], max: usize) -> Decoded {
    let mut frames = Vec::new();
    let mut rest = stream;
    loop {
        match parse_frame(rest, max) {
            Ok(Some((frame, consumed))) => {
                frames.push(frame);
                rest = rest.get(consumed..).unwrap_or_default();
            }
            Ok(None) => return (frames, None),
            Err(error) => return (frames, Some(error)),
        }
    }
}

/// The stream pushed into a `FrameDecoder` under `max` in pieces ending at each of `cuts`
/// (ascending, none past the stream's end) and at the end, drained after every push. `Err` when
/// the decoder holds more than the unfinished frame (at most `2 + max` bytes), or once it has
/// failed does not repeat its error or keeps bytes.
pub fn decode_in_pieces(stream: &[u8], cuts: &[usize], max: usize) -> Result<Decoded, String> {
    let mut decoder = FrameDecoder::new(max);
    let (mut frames, mut consumed, mut start) = (Vec::new(), 0, 0);
    for &cut in cuts.iter().chain([&stream.len()]) {
        decoder.push(stream.get(start..cut).unwrap_or_default());
        start = cut;
        loop {
            match decoder.next_frame() {
                Ok(Some(frame)) => {
                    consumed += frame.encode().map(|b| b.len()).unwrap_or_default();
                    frames.push(frame);
                }
                Ok(None) => break,
                Err(error) => {
                    decoder.push(stream);
                    return match decoder.next_frame() {
                        Err(again) if again == error && decoder.buffered() == 0 => {
                            Ok((frames, Some(error)))
                        }
                        other => Err(format!("after {error:?} the decoder gave {other:?}")),
                    };
                }
            }
        }
        if decoder.buffered() != start - consumed {
            return Err(format!(
                "holds {} bytes, {} are unconsumed",
                decoder.buffered(),
                start - consumed
            ));
        }
        if decoder.buffered() > FRAME_HEADER_LEN.saturating_add(max) {
            return Err(format!(
                "holds {} bytes under the limit {max}",
                decoder.buffered()
            ));
        }
    }
    Ok((frames, None))
}
