//! The stamp a speaker writes at the front of every audio payload: when it was sent, by whom, with
//! which sequence. Speakers and listeners live in one process and read one monotonic clock (an
//! `Instant` base they share), so `receive time − sent_ns` is a true one-way delay on loopback —
//! no clock synchronisation, no round trip halved.

use bytes::{BufMut, Bytes, BytesMut};
use hark_core::wire::audio::{HEADER_LEN, PacketType};

/// Bytes the stamp occupies at the start of the payload.
pub const STAMP_LEN: usize = 16;
/// The audio payload starts after the header and its u16 length.
const PAYLOAD_OFFSET: usize = HEADER_LEN + 2;

/// What a speaker writes into each audio payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// Nanoseconds since the run's shared `Instant` base.
    pub sent_ns: u64,
    pub speaker: u32,
    pub sequence: u32,
}

impl Stamp {
    /// A payload of `len` bytes (at least [`STAMP_LEN`]) that starts with this stamp; the rest is
    /// zeros, standing in for 20 ms of compressed audio.
    pub fn payload(&self, len: usize) -> Bytes {
        let len = len.max(STAMP_LEN);
        let mut buf = BytesMut::with_capacity(len);
        buf.put_u64(self.sent_ns);
        buf.put_u32(self.speaker);
        buf.put_u32(self.sequence);
        buf.put_bytes(0, len - STAMP_LEN);
        buf.freeze()
    }

    /// Reads the stamp of a whole Audio datagram as the relay delivered it; `None` for any other
    /// datagram (an Ack, an Error, a datagram too short to carry a stamp). Only the bytes the
    /// stamp needs are read: the relay, not the generator, is being measured.
    pub fn from_datagram(datagram: &[u8]) -> Option<Self> {
        if datagram.first() != Some(&PacketType::Audio.to_wire()) {
            return None;
        }
        let stamp = datagram.get(PAYLOAD_OFFSET..PAYLOAD_OFFSET + STAMP_LEN)?;
        let (sent, rest) = stamp.split_first_chunk::<8>()?;
        let (speaker, rest) = rest.split_first_chunk::<4>()?;
        let (sequence, _) = rest.split_first_chunk::<4>()?;
        Some(Self {
            sent_ns: u64::from_be_bytes(*sent),
            speaker: u32::from_be_bytes(*speaker),
            sequence: u32::from_be_bytes(*sequence),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packets::{Identity, audio};

    #[test]
    fn a_stamp_survives_the_audio_codec() {
        let stamp = Stamp {
            sent_ns: 123_456_789_012,
            speaker: 7,
            sequence: 42,
        };
        let payload = stamp.payload(160);
        assert_eq!(payload.len(), 160);
        let identity = Identity::new("b0000001", "bnch").unwrap();
        let datagram = audio(&identity, 42, 1_700_000_000, payload).unwrap();
        assert_eq!(Stamp::from_datagram(&datagram), Some(stamp));
    }

    #[test]
    fn other_datagrams_carry_no_stamp() {
        assert_eq!(Stamp::from_datagram(&[]), None);
        assert_eq!(Stamp::from_datagram(&[2; 30]), None);
        let mut ack = vec![8u8; 60];
        ack[0] = 8;
        assert_eq!(Stamp::from_datagram(&ack), None);
    }

    #[test]
    fn a_short_payload_is_widened_to_hold_the_stamp() {
        let stamp = Stamp {
            sent_ns: 1,
            speaker: 2,
            sequence: 3,
        };
        assert_eq!(stamp.payload(4).len(), STAMP_LEN);
    }
}
