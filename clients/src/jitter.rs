//! A per-sender reorder (jitter) buffer: received frames come out in sequence order, each held
//! for a target delay so that frames overtaken on the network can still take their place; a
//! frame that has not come by then is reported as a gap so a player can conceal it.
//!
//! Both protocols relay frames with the sender's own sequence numbers and without retransmission
//! (`audio.md` §7.3–§7.4, `voice.md` §6.2 and §11.8): reordering, loss and duplicates are the
//! receiver's to handle, and this module is the one place that does it for both clients.
//!
//! Everything is bounded: at most `max_senders` streams (the one heard from least recently is
//! dropped for a newcomer) and `max_frames` frames held per sender (beyond it the oldest is
//! played at once).

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use crate::ConfigError;
use crate::config_error::nonzero;

/// Bounds and delay of a [`JitterBuffer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JitterConfig {
    /// How long a frame is held after it arrives before it is played: the reordering a listener
    /// tolerates, paid as latency.
    pub target_delay: Duration,
    /// Senders tracked at once.
    pub max_senders: usize,
    /// Frames held per sender.
    pub max_frames: usize,
    /// The sender's frame duration (20 ms for the CLI's frames): the spacing against which
    /// interarrival jitter is measured.
    pub frame_interval: Duration,
}

impl Default for JitterConfig {
    /// 60 ms (three 20 ms frames) of delay; 64 senders; one second of 20 ms frames.
    fn default() -> Self {
        Self {
            target_delay: Duration::from_millis(60),
            max_senders: 64,
            max_frames: 50,
            frame_interval: Duration::from_millis(20),
        }
    }
}

impl JitterConfig {
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        nonzero("jitter.max_senders", self.max_senders)?;
        nonzero("jitter.max_frames", self.max_frames)
    }

    /// A frame this far behind the playout point is not late but the start of a new stream:
    /// the sender started numbering again (a reconnecting client, a restarted program).
    fn restart_distance(&self) -> i64 {
        i64::try_from(self.max_frames.saturating_mul(2)).unwrap_or(i64::MAX)
    }
}

/// What comes out of the buffer, in playout order per sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Playout<K, T> {
    /// The next frame of `sender`'s stream.
    Frame { sender: K, sequence: u32, frame: T },
    /// `count` frames from `first_sequence` on never came in time: conceal them.
    Gap {
        sender: K,
        first_sequence: u32,
        count: u32,
    },
}

/// What [`JitterBuffer::push`] did with a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Held for playout.
    Held,
    /// Its place in the playout order has passed (played, or reported as a gap): dropped.
    Late,
    /// A frame with this sequence is already held: dropped.
    Duplicate,
}

/// Counters since the buffer was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JitterStats {
    pub received: u64,
    pub played: u64,
    pub late: u64,
    pub duplicate: u64,
    /// Frames reported missing in gaps.
    pub lost: u64,
    /// Frames played before their delay because `max_frames` were held.
    pub overflowed: u64,
    /// Senders dropped to make room for a new one.
    pub evicted_senders: u64,
    /// Streams that started numbering again.
    pub restarts: u64,
}

#[derive(Debug)]
struct Held<T> {
    sequence: u32,
    arrived: Instant,
    frame: T,
}

/// One sender's frames. Sequences are unwrapped into `i64` positions relative to the last
/// frame pushed, so ordering survives the u32 wrap.
#[derive(Debug)]
struct Stream<T> {
    /// The last pushed frame's sequence and position.
    anchor: (u32, i64),
    /// The position of the next frame to play; `None` until the first one is played.
    next: Option<i64>,
    frames: BTreeMap<i64, Held<T>>,
    last_heard: Instant,
    /// The last held frame's position and arrival, for the jitter estimate.
    last_arrival: Option<(i64, Instant)>,
    /// Interarrival jitter in nanoseconds, smoothed as RFC 3550 §6.4.1 does.
    jitter_nanos: i128,
}

impl<T> Stream<T> {
    fn new(sequence: u32, now: Instant) -> Self {
        Self {
            anchor: (sequence, 0),
            next: None,
            frames: BTreeMap::new(),
            last_heard: now,
            last_arrival: None,
            jitter_nanos: 0,
        }
    }

    /// Folds one arrival into the jitter estimate: how far the arrival spacing strays from the
    /// sending spacing (`frame_interval` per sequence step), smoothed over 16 frames.
    fn observe_arrival(&mut self, position: i64, now: Instant, frame_interval: Duration) {
        if let Some((last_position, last_arrived)) = self.last_arrival {
            let arrival_gap = signed_nanos(now, last_arrived);
            let sending_gap = i128::from(position - last_position) * nanos(frame_interval);
            let deviation = (arrival_gap - sending_gap).abs();
            self.jitter_nanos += (deviation - self.jitter_nanos) / 16;
        }
        self.last_arrival = Some((position, now));
    }

    fn position(&self, sequence: u32) -> i64 {
        let (anchor_sequence, anchor_position) = self.anchor;
        // The signed distance on the u32 circle: the nearer way round.
        let distance = sequence.wrapping_sub(anchor_sequence) as i32;
        anchor_position + i64::from(distance)
    }
}

/// Per-sender reorder buffer keyed by `K` (a user id), holding frames of type `T`.
#[derive(Debug)]
pub struct JitterBuffer<K, T> {
    config: JitterConfig,
    streams: BTreeMap<K, Stream<T>>,
    out: VecDeque<Playout<K, T>>,
    stats: JitterStats,
}

impl<K: Ord + Clone, T> JitterBuffer<K, T> {
    pub fn new(config: JitterConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        Ok(Self {
            config,
            streams: BTreeMap::new(),
            out: VecDeque::new(),
            stats: JitterStats::default(),
        })
    }

    pub fn stats(&self) -> JitterStats {
        self.stats
    }

    /// Senders currently tracked.
    pub fn senders(&self) -> usize {
        self.streams.len()
    }

    /// `sender`'s interarrival jitter (RFC 3550 §6.4.1, with sequence numbers times
    /// `frame_interval` as the sending clock, since the headers carry none finer than seconds).
    pub fn interarrival_jitter(&self, sender: &K) -> Option<Duration> {
        let nanos = self.streams.get(sender)?.jitter_nanos;
        Some(Duration::from_nanos(
            u64::try_from(nanos).unwrap_or(u64::MAX),
        ))
    }

    /// Takes in one received frame.
    pub fn push(&mut self, now: Instant, sender: K, sequence: u32, frame: T) -> Admission {
        self.stats.received += 1;
        if !self.streams.contains_key(&sender) {
            self.make_room();
        }
        let restart_distance = self.config.restart_distance();
        let stream = self
            .streams
            .entry(sender.clone())
            .or_insert_with(|| Stream::new(sequence, now));
        stream.last_heard = now;
        let mut position = stream.position(sequence);
        if let Some(next) = stream.next
            && position < next
        {
            if next - position <= restart_distance {
                self.stats.late += 1;
                return Admission::Late;
            }
            *stream = Stream::new(sequence, now);
            position = 0;
            self.stats.restarts += 1;
        }
        if stream.frames.contains_key(&position) {
            self.stats.duplicate += 1;
            return Admission::Duplicate;
        }
        stream.anchor = (sequence, position);
        stream.observe_arrival(position, now, self.config.frame_interval);
        stream.frames.insert(
            position,
            Held {
                sequence,
                arrived: now,
                frame,
            },
        );
        if stream.frames.len() > self.config.max_frames {
            self.stats.overflowed += 1;
            release_first(stream, &sender, &mut self.out, &mut self.stats);
        }
        Admission::Held
    }

    /// Plays every frame whose delay has passed, reporting gaps in front of them.
    pub fn handle_timeout(&mut self, now: Instant) {
        let delay = self.config.target_delay;
        for (sender, stream) in &mut self.streams {
            while stream
                .frames
                .first_key_value()
                .is_some_and(|(_, held)| held.arrived + delay <= now)
            {
                release_first(stream, sender, &mut self.out, &mut self.stats);
            }
        }
    }

    /// When [`JitterBuffer::handle_timeout`] will next have something to play.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.streams
            .values()
            .filter_map(|stream| stream.frames.first_key_value())
            .map(|(_, held)| held.arrived + self.config.target_delay)
            .min()
    }

    /// The next frame or gap, in playout order per sender.
    pub fn poll_playout(&mut self) -> Option<Playout<K, T>> {
        self.out.pop_front()
    }

    /// Forgets every sender and what they had queued (the listener left the channel).
    pub fn clear(&mut self) {
        self.streams.clear();
        self.out.clear();
    }

    /// Drops the sender heard from least recently when the table is full.
    fn make_room(&mut self) {
        if self.streams.len() < self.config.max_senders {
            return;
        }
        let oldest = self
            .streams
            .iter()
            .min_by_key(|(_, stream)| stream.last_heard)
            .map(|(sender, _)| sender.clone());
        if let Some(sender) = oldest {
            self.streams.remove(&sender);
            self.stats.evicted_senders += 1;
        }
    }
}

fn nanos(duration: Duration) -> i128 {
    i128::try_from(duration.as_nanos()).unwrap_or(i128::MAX)
}

/// `later - earlier` in nanoseconds, negative when `later` is earlier.
fn signed_nanos(later: Instant, earlier: Instant) -> i128 {
    match later.checked_duration_since(earlier) {
        Some(elapsed) => nanos(elapsed),
        None => -nanos(earlier.duration_since(later)),
    }
}

/// Plays the first held frame of `stream`, after a gap if frames before it are missing.
fn release_first<K: Clone, T>(
    stream: &mut Stream<T>,
    sender: &K,
    out: &mut VecDeque<Playout<K, T>>,
    stats: &mut JitterStats,
) {
    let Some((position, held)) = stream.frames.pop_first() else {
        return;
    };
    if let Some(next) = stream.next
        && position > next
    {
        let count = u32::try_from(position - next).unwrap_or(u32::MAX);
        stats.lost += u64::from(count);
        out.push_back(Playout::Gap {
            sender: sender.clone(),
            first_sequence: held.sequence.wrapping_sub(count),
            count,
        });
    }
    stats.played += 1;
    stream.next = Some(position + 1);
    out.push_back(Playout::Frame {
        sender: sender.clone(),
        sequence: held.sequence,
        frame: held.frame,
    });
}
