//! Reassembling management frames from a TCP byte stream, which may split a frame anywhere and
//! deliver several at once (`conformance/spec/voice.md` §3.2).

use bytes::{Buf, BytesMut};

use super::{Frame, FrameError, parse_frame};

/// A frame reassembler for one connection.
///
/// Bounded (§9): after [`FrameDecoder::next_frame`] returns `Ok(None)` it holds only the bytes of
/// the one frame that is not complete yet, at most `2 + max_frame_len` of them, since a length
/// over the limit is refused as soon as its two bytes are in. After an error it is poisoned: the
/// framing is lost, so every later call returns the same error, and it keeps nothing.
#[derive(Debug)]
pub struct FrameDecoder {
    max_frame_len: usize,
    buffer: BytesMut,
    poisoned: Option<FrameError>,
}

impl FrameDecoder {
    pub fn new(max_frame_len: usize) -> Self {
        Self {
            max_frame_len,
            buffer: BytesMut::new(),
            poisoned: None,
        }
    }

    /// Appends bytes received from the stream. A poisoned decoder drops them.
    pub fn push(&mut self, data: &[u8]) {
        if self.poisoned.is_none() {
            self.buffer.extend_from_slice(data);
        }
    }

    /// The next complete frame; `Ok(None)` when more bytes are needed. Call it until it returns
    /// `Ok(None)` or an error after every [`FrameDecoder::push`].
    pub fn next_frame(&mut self) -> Result<Option<Frame>, FrameError> {
        if let Some(error) = &self.poisoned {
            return Err(error.clone());
        }
        match parse_frame(&self.buffer, self.max_frame_len) {
            Ok(Some((frame, consumed))) => {
                self.buffer.advance(consumed);
                Ok(Some(frame))
            }
            Ok(None) => Ok(None),
            Err(error) => {
                self.buffer = BytesMut::new();
                self.poisoned = Some(error.clone());
                Err(error)
            }
        }
    }

    /// The bytes received and not yet returned as a frame.
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ping(nonce: u64) -> Vec<u8> {
        Frame::Ping { nonce }.encode().unwrap().to_vec()
    }

    #[test]
    fn a_frame_split_across_pushes_comes_out_once_complete() {
        let bytes = ping(7);
        let mut decoder = FrameDecoder::new(64);
        decoder.push(&bytes[..1]);
        assert_eq!(decoder.next_frame(), Ok(None));
        decoder.push(&bytes[1..5]);
        assert_eq!(decoder.next_frame(), Ok(None));
        decoder.push(&bytes[5..]);
        assert_eq!(decoder.next_frame(), Ok(Some(Frame::Ping { nonce: 7 })));
        assert_eq!(decoder.next_frame(), Ok(None));
        assert_eq!(decoder.buffered(), 0);
    }

    #[test]
    fn several_frames_in_one_push_come_out_in_order() {
        let mut decoder = FrameDecoder::new(64);
        let mut bytes = ping(1);
        bytes.extend(ping(2));
        bytes.extend(&ping(3)[..4]);
        decoder.push(&bytes);
        assert_eq!(decoder.next_frame(), Ok(Some(Frame::Ping { nonce: 1 })));
        assert_eq!(decoder.next_frame(), Ok(Some(Frame::Ping { nonce: 2 })));
        assert_eq!(decoder.next_frame(), Ok(None));
        assert_eq!(decoder.buffered(), 4);
    }

    #[test]
    fn a_length_over_the_limit_fails_before_the_body_arrives() {
        let mut decoder = FrameDecoder::new(4096);
        decoder.push(&[0x10, 0x01]);
        assert_eq!(
            decoder.next_frame(),
            Err(FrameError::FrameTooLarge {
                len: 4097,
                max: 4096
            })
        );
    }

    #[test]
    fn after_an_error_every_call_returns_it_and_nothing_is_kept() {
        let mut decoder = FrameDecoder::new(64);
        decoder.push(&[0, 1, 0x7F]);
        assert_eq!(decoder.next_frame(), Err(FrameError::UnknownType(0x7F)));
        decoder.push(&ping(1));
        assert_eq!(decoder.next_frame(), Err(FrameError::UnknownType(0x7F)));
        assert_eq!(decoder.buffered(), 0);
    }

    #[test]
    fn frames_before_a_bad_one_are_still_delivered() {
        let mut decoder = FrameDecoder::new(64);
        let mut bytes = ping(1);
        bytes.extend([0, 0]);
        decoder.push(&bytes);
        assert_eq!(decoder.next_frame(), Ok(Some(Frame::Ping { nonce: 1 })));
        assert_eq!(decoder.next_frame(), Err(FrameError::EmptyFrame));
    }
}
