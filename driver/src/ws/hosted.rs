//! What every WebSocket server keeps around its loop, written once: the handle and the commands
//! waiting for the loop to start, the event queue for the library user, the published counters,
//! and, once started, the running loop ([`Hosted`]); what the loop's service uses to report
//! ([`Outbox`]); and the runtime-free handle a server gives out ([`Controller`]).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use async_channel::Receiver;

use super::server::{Commands, Handle, Running, Stopped};
use crate::events::{EventReceiver, EventSink};

/// A server's state outside its loop; `C` its commands, `E` its events, `St` its counters.
#[derive(Debug)]
pub(crate) struct Hosted<C, E, St> {
    handle: Handle<C>,
    /// Taken by the loop when it starts.
    commands: Option<Commands<C>>,
    events: EventSink<E>,
    events_rx: Option<Receiver<E>>,
    stats: Arc<Mutex<St>>,
    running: Option<Running>,
}

impl<C, E, St: Default> Hosted<C, E, St> {
    /// Holds at most `event_queue` events for a slow library user.
    pub fn new(event_queue: usize) -> Self {
        let (handle, commands) = Handle::new();
        let (events, events_rx) = EventSink::new(event_queue);
        Self {
            handle,
            commands: Some(commands),
            events,
            events_rx: Some(events_rx),
            stats: Arc::default(),
            running: None,
        }
    }
}

impl<C, E, St> Hosted<C, E, St> {
    /// The commands for the loop; `None` once a loop has taken them.
    pub fn take_commands(&mut self) -> Option<Commands<C>> {
        self.commands.take()
    }

    /// Where the loop's service reports.
    pub fn outbox(&self) -> Outbox<E, St> {
        Outbox {
            events: self.events.clone(),
            stats: Arc::clone(&self.stats),
        }
    }

    /// Records the started loop; returns its address.
    pub fn started(&mut self, running: Running) -> SocketAddr {
        let addr = running.local_addr;
        self.running = Some(running);
        addr
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.running.as_ref().map(|running| running.local_addr)
    }

    /// Waits until the loop stops; at once if it never started.
    pub async fn stopped(&mut self) {
        if let Some(running) = self.running.take() {
            // Nothing is ever sent: this ends when the loop drops its sender.
            let _ = running.stopped.recv().await;
        }
    }

    /// The event stream; `Some` once. Events are only queued after it has been taken.
    pub fn take_event_receiver(&mut self) -> Option<EventReceiver<E>> {
        let rx = self.events_rx.take()?;
        self.events.mark_taken();
        Some(EventReceiver::new(rx))
    }

    pub fn controller(&self) -> Controller<C, St> {
        Controller {
            handle: self.handle.clone(),
            stats: Arc::clone(&self.stats),
        }
    }
}

/// Where a loop's service sends its events and counters.
pub(crate) struct Outbox<E, St> {
    events: EventSink<E>,
    stats: Arc<Mutex<St>>,
}

impl<E, St> Outbox<E, St> {
    /// Logs each event with `log` and offers it to the library user; returns how many were
    /// dropped.
    pub fn forward(&self, events: impl Iterator<Item = E>, log: impl Fn(&E)) -> u64 {
        self.events.forward(events, log)
    }

    /// Publishes the counters for the handles.
    pub fn publish(&self, stats: St) {
        if let Ok(mut shared) = self.stats.lock() {
            *shared = stats;
        }
    }
}

/// A cloneable, runtime-free handle to a loop and its counters.
#[derive(Debug)]
pub(crate) struct Controller<C, St> {
    handle: Handle<C>,
    stats: Arc<Mutex<St>>,
}

impl<C, St> Clone for Controller<C, St> {
    fn clone(&self) -> Self {
        Self {
            handle: self.handle.clone(),
            stats: Arc::clone(&self.stats),
        }
    }
}

impl<C, St: Clone + Default> Controller<C, St> {
    pub fn get_stats(&self) -> St {
        self.stats.lock().map(|s| s.clone()).unwrap_or_default()
    }

    pub async fn reset(&self) -> Result<(), Stopped> {
        self.handle.reset().await
    }

    pub async fn shutdown(&self) -> Result<(), Stopped> {
        self.handle.shutdown().await
    }

    pub async fn service(&self, command: C) -> Result<(), Stopped> {
        self.handle.service(command).await
    }
}

/// `configured`, or 32 bytes from the operating system's RNG (a service's id seed).
pub(crate) fn seed_or_random(configured: Option<[u8; 32]>) -> Result<[u8; 32], getrandom::Error> {
    match configured {
        Some(seed) => Ok(seed),
        None => {
            let mut seed = [0u8; 32];
            getrandom::fill(&mut seed)?;
            Ok(seed)
        }
    }
}
