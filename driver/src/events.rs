//! Events for a library user: a bounded queue the loop never waits on. While the consumer is
//! slower than the server, new events are dropped (and counted) rather than slowing the relay.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_channel::{Receiver, Sender};

/// The loop's end of the queue. Events are only queued once the receiver has been taken, so a
/// program that never asks for them pays nothing.
#[derive(Debug)]
pub(crate) struct EventSink<E> {
    tx: Sender<E>,
    taken: Arc<AtomicBool>,
}

impl<E> Clone for EventSink<E> {
    fn clone(&self) -> Self {
        Self {
            tx: self.tx.clone(),
            taken: Arc::clone(&self.taken),
        }
    }
}

impl<E> EventSink<E> {
    /// A queue of `capacity` events (at least one) and its receiver, not yet taken.
    pub fn new(capacity: usize) -> (Self, Receiver<E>) {
        let (tx, rx) = async_channel::bounded(capacity.max(1));
        let sink = Self {
            tx,
            taken: Arc::new(AtomicBool::new(false)),
        };
        (sink, rx)
    }

    /// Queues `event` if someone listens; `false` if it was dropped because the queue is full.
    pub fn offer(&self, event: E) -> bool {
        !self.taken.load(Ordering::Relaxed) || self.tx.try_send(event).is_ok()
    }

    /// Logs each of `events` with `log` and offers it; returns how many were dropped.
    pub fn forward(&self, events: impl Iterator<Item = E>, log: impl Fn(&E)) -> u64 {
        let mut dropped = 0;
        for event in events {
            log(&event);
            if !self.offer(event) {
                dropped += 1;
            }
        }
        dropped
    }

    /// The receiver was handed out: queue from now on.
    pub fn mark_taken(&self) {
        self.taken.store(true, Ordering::Relaxed);
    }
}

/// Receives a server's events. Bounded: while the consumer is slower than the server, new events
/// are dropped (counted in the server's `events_dropped`) and the server never waits.
#[derive(Debug)]
pub struct EventReceiver<E>(Receiver<E>);

impl<E> EventReceiver<E> {
    pub(crate) fn new(rx: Receiver<E>) -> Self {
        Self(rx)
    }

    /// The next event; `None` once the server has stopped and every event was read.
    pub async fn recv(&mut self) -> Option<E> {
        self.0.recv().await.ok()
    }

    /// The next event if one is waiting.
    pub fn try_recv(&mut self) -> Option<E> {
        self.0.try_recv().ok()
    }
}
