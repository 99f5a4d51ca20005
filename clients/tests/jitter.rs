//! The per-sender reorder buffer (`hark_client::jitter`), driven by a fake clock: frames come out
//! in sequence order after the target delay; duplicates and late frames are dropped and counted;
//! missing frames are reported as gaps; senders and frames held are bounded.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::{Duration, Instant};

use hark_client::jitter::{Admission, JitterBuffer, JitterConfig, Playout};

struct Buffer {
    start: Instant,
    jitter: JitterBuffer<&'static str, u32>,
}

impl Buffer {
    /// 60 ms delay, 2 senders, 4 frames each.
    fn new() -> Self {
        let config = JitterConfig {
            target_delay: Duration::from_millis(60),
            max_senders: 2,
            max_frames: 4,
            frame_interval: Duration::from_millis(20),
        };
        Self {
            start: Instant::now(),
            jitter: JitterBuffer::new(config).unwrap(),
        }
    }

    fn at(&self, ms: u64) -> Instant {
        self.start + Duration::from_millis(ms)
    }

    /// A frame whose content is its own sequence number.
    fn push(&mut self, ms: u64, sender: &'static str, sequence: u32) -> Admission {
        self.jitter.push(self.at(ms), sender, sequence, sequence)
    }

    /// Plays what is due at `ms`, as "sender:seq" and "sender:gap first+count".
    fn play(&mut self, ms: u64) -> Vec<String> {
        self.jitter.handle_timeout(self.at(ms));
        self.drain()
    }

    fn drain(&mut self) -> Vec<String> {
        std::iter::from_fn(|| self.jitter.poll_playout())
            .map(|playout| match playout {
                Playout::Frame {
                    sender,
                    sequence,
                    frame,
                } => {
                    assert_eq!(sequence, frame);
                    format!("{sender}:{sequence}")
                }
                Playout::Gap {
                    sender,
                    first_sequence,
                    count,
                } => format!("{sender}:gap {first_sequence}+{count}"),
            })
            .collect()
    }
}

#[test]
fn frames_are_held_for_the_target_delay() {
    let mut b = Buffer::new();
    b.push(0, "bob", 1);
    assert_eq!(b.jitter.poll_timeout(), Some(b.at(60)));
    assert_eq!(b.play(59), Vec::<String>::new());
    assert_eq!(b.play(60), ["bob:1"]);
    assert_eq!(b.jitter.poll_timeout(), None);
}

#[test]
fn frames_overtaken_on_the_network_are_reordered() {
    let mut b = Buffer::new();
    b.push(0, "bob", 3);
    b.push(5, "bob", 1);
    b.push(10, "bob", 2);
    assert_eq!(b.play(100), ["bob:1", "bob:2", "bob:3"]);
}

#[test]
fn duplicates_are_dropped_and_counted() {
    let mut b = Buffer::new();
    assert_eq!(b.push(0, "bob", 1), Admission::Held);
    assert_eq!(b.push(1, "bob", 1), Admission::Duplicate);
    assert_eq!(b.play(100), ["bob:1"]);
    assert_eq!(b.jitter.stats().duplicate, 1);
}

#[test]
fn frames_after_their_turn_are_late_and_dropped() {
    let mut b = Buffer::new();
    b.push(0, "bob", 1);
    b.push(0, "bob", 3);
    assert_eq!(b.play(60), ["bob:1", "bob:gap 2+1", "bob:3"]);
    assert_eq!(b.push(70, "bob", 2), Admission::Late);
    assert_eq!(b.push(70, "bob", 1), Admission::Late);
    assert_eq!(b.play(200), Vec::<String>::new());
    let stats = b.jitter.stats();
    assert_eq!((stats.late, stats.lost, stats.played), (2, 1, 2));
}

#[test]
fn a_missing_frame_is_a_gap_once_the_next_one_has_waited_its_delay() {
    let mut b = Buffer::new();
    b.push(0, "bob", 10);
    assert_eq!(b.play(60), ["bob:10"]);
    b.push(40, "bob", 12);
    b.push(60, "bob", 13);
    assert_eq!(b.play(99), Vec::<String>::new(), "11 may still come");
    assert_eq!(b.play(100), ["bob:gap 11+1", "bob:12"]);
    assert_eq!(b.play(120), ["bob:13"]);
}

#[test]
fn senders_are_independent() {
    let mut b = Buffer::new();
    b.push(0, "bob", 7);
    b.push(0, "carol", 1);
    b.push(1, "bob", 8);
    assert_eq!(b.play(100), ["bob:7", "bob:8", "carol:1"]);
}

#[test]
fn the_sender_heard_least_recently_makes_room_for_a_new_one() {
    let mut b = Buffer::new();
    b.push(0, "bob", 1);
    b.push(10, "carol", 1);
    b.push(20, "dave", 1);
    assert_eq!(b.jitter.senders(), 2);
    assert_eq!(b.jitter.stats().evicted_senders, 1);
    assert_eq!(b.play(100), ["carol:1", "dave:1"]);
}

#[test]
fn beyond_max_frames_the_oldest_is_played_at_once() {
    let mut b = Buffer::new();
    for sequence in 1..=4 {
        b.push(0, "bob", sequence);
    }
    assert_eq!(b.drain(), Vec::<String>::new());
    b.push(0, "bob", 5);
    assert_eq!(b.drain(), ["bob:1"]);
    assert_eq!(b.jitter.stats().overflowed, 1);
    assert_eq!(b.play(60), ["bob:2", "bob:3", "bob:4", "bob:5"]);
}

#[test]
fn sequence_numbers_wrap() {
    let mut b = Buffer::new();
    b.push(0, "bob", u32::MAX);
    b.push(1, "bob", 1);
    b.push(2, "bob", 0);
    assert_eq!(
        b.play(100),
        [format!("bob:{}", u32::MAX), "bob:0".into(), "bob:1".into()]
    );
}

#[test]
fn a_sender_numbering_again_from_far_behind_is_a_new_stream() {
    let mut b = Buffer::new();
    b.push(0, "bob", 5000);
    assert_eq!(b.play(60), ["bob:5000"]);
    assert_eq!(b.push(100, "bob", 1), Admission::Held);
    assert_eq!(b.play(160), ["bob:1"]);
    assert_eq!(b.jitter.stats().restarts, 1);
}

#[test]
fn frames_arriving_at_their_sending_pace_have_no_jitter() {
    let mut b = Buffer::new();
    for sequence in 1..=4u32 {
        b.push(u64::from(sequence) * 20, "bob", sequence);
    }
    assert_eq!(b.jitter.interarrival_jitter(&"bob"), Some(Duration::ZERO));
}

#[test]
fn interarrival_jitter_is_smoothed_over_sixteen_frames() {
    let mut b = Buffer::new();
    b.push(0, "bob", 1);
    b.push(30, "bob", 2);
    assert_eq!(
        b.jitter.interarrival_jitter(&"bob"),
        Some(Duration::from_micros(625)),
        "10 ms off the 20 ms pace, over 16"
    );
    b.push(40, "bob", 4);
    assert_eq!(
        b.jitter.interarrival_jitter(&"bob"),
        Some(Duration::from_nanos(625_000 + (30_000_000 - 625_000) / 16)),
        "a lost frame in between counts as two steps: 10 ms for 40 ms of sending"
    );
    assert_eq!(b.jitter.interarrival_jitter(&"carol"), None);
}

#[test]
fn clear_forgets_every_sender() {
    let mut b = Buffer::new();
    b.push(0, "bob", 1);
    b.jitter.clear();
    assert_eq!(b.jitter.senders(), 0);
    assert_eq!(b.play(100), Vec::<String>::new());
}

#[test]
fn a_buffer_that_holds_nothing_is_refused() {
    let config = JitterConfig {
        max_frames: 0,
        ..JitterConfig::default()
    };
    assert!(JitterBuffer::<u32, ()>::new(config).is_err());
}
