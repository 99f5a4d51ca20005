//! The audio loop: one task owns the [`AudioService`] and the socket. It waits for datagrams, a
//! command or the service's deadline, feeds the service, and drains what it decided. No protocol
//! decision is made here.

use std::future::poll_fn;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use async_channel::{Receiver, Sender};
use bytes::Bytes;
use futures_lite::StreamExt;
use hark_core::Transmit;
use hark_core::audio::{AudioConfig, AudioEvent, AudioService};
use hark_core::directory::{Directory, DirectoryChange, DirectoryError};
use hark_core::wire::audio::{ChannelId, UserId};

use super::stats::ServerStats;
use crate::clock::WallClock;
use crate::events::EventSink;
use crate::runtime::{AsyncTimer, Runtime};
use crate::udp_port::UdpPort;

/// How long shutdown waits for the socket to take the goodbye datagrams.
const SHUTDOWN_FLUSH: Duration = Duration::from_millis(500);

/// A request from the [`super::AudioServer`] handle to its loop.
#[derive(Debug)]
pub(crate) enum Command {
    Send {
        dst: std::net::SocketAddr,
        payload: Bytes,
    },
    Broadcast {
        channel_id: ChannelId,
        exclude_user: Option<UserId>,
        payload: Bytes,
        reply: Sender<usize>,
    },
    Directory {
        change: DirectoryChange,
        reply: Sender<Result<(), DirectoryError>>,
    },
    Reset {
        reply: Sender<()>,
    },
    Shutdown {
        reply: Sender<()>,
    },
}

enum Wake {
    Received(usize),
    Command(Command),
    /// Every handle is gone: nobody can stop the loop any more, so it stops itself.
    Detached,
    Writable,
    /// A receive failed (already logged); poll again.
    RecvFailed,
    Timeout,
}

pub(crate) struct AudioDriver {
    pub svc: AudioService,
    /// What the service was started with, for `reset`.
    pub initial: (AudioConfig, Directory),
    pub udp: UdpPort,
    pub timer: Pin<Box<dyn AsyncTimer>>,
    pub runtime: Arc<dyn Runtime>,
    pub commands: Pin<Box<Receiver<Command>>>,
    pub events: EventSink<AudioEvent>,
    pub stats: Arc<Mutex<ServerStats>>,
    pub clock: WallClock,
    pub counters: ServerStats,
}

impl AudioDriver {
    pub async fn run(mut self) {
        loop {
            let wake = poll_fn(|cx| self.poll_wake(cx)).await;
            let now = Instant::now();
            let wall = self.clock.now_unix();
            match wake {
                Wake::Received(filled) => {
                    let svc = &mut self.svc;
                    self.udp.receive(filled, |from, datagram| {
                        svc.handle_datagram(now, wall, from, datagram);
                    });
                    self.drain();
                    // A batch can fan out to thousands of sends. Let the runtime run its other
                    // tasks and drivers (signals, the program's own tasks) between batches:
                    // tokio's budget counts only readiness polls, so a loaded relay would
                    // otherwise hold a single-threaded runtime for seconds.
                    self.runtime.yield_now().await;
                    continue;
                }
                Wake::Timeout => self.svc.handle_timeout(now, wall),
                Wake::Writable | Wake::RecvFailed => {}
                Wake::Command(command) => {
                    if let Some(reply) = self.command(now, wall, command) {
                        self.stop(now, wall).await;
                        // The handle may have stopped waiting; nothing to do then.
                        let _ = reply.try_send(());
                        return;
                    }
                }
                Wake::Detached => {
                    self.stop(now, wall).await;
                    return;
                }
            }
            self.drain();
        }
    }

    fn poll_wake(&mut self, cx: &mut Context<'_>) -> Poll<Wake> {
        match self.commands.as_mut().poll_next(cx) {
            Poll::Ready(Some(command)) => return Poll::Ready(Wake::Command(command)),
            Poll::Ready(None) => return Poll::Ready(Wake::Detached),
            Poll::Pending => {}
        }
        if self.udp.poll_writable(cx) {
            return Poll::Ready(Wake::Writable);
        }
        match self.udp.poll_recv(cx) {
            Poll::Ready(Some(filled)) => return Poll::Ready(Wake::Received(filled)),
            Poll::Ready(None) => return Poll::Ready(Wake::RecvFailed),
            Poll::Pending => {}
        }
        if self.timer.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Wake::Timeout);
        }
        Poll::Pending
    }

    /// Applies a command; returns the reply channel when the command is a shutdown.
    fn command(&mut self, now: Instant, wall: u64, command: Command) -> Option<Sender<()>> {
        match command {
            Command::Send { dst, payload } => self.udp.queue(Transmit { dst, payload }),
            Command::Broadcast {
                channel_id,
                exclude_user,
                payload,
                reply,
            } => {
                let queued = self.svc.send_to_channel(channel_id, exclude_user, payload);
                let _ = reply.try_send(queued);
            }
            Command::Directory { change, reply } => {
                let result = self.svc.apply_directory_change(now, wall, change);
                let _ = reply.try_send(result);
            }
            Command::Reset { reply } => {
                self.restart(now, wall);
                let _ = reply.try_send(());
            }
            Command::Shutdown { reply } => return Some(reply),
        }
        None
    }

    /// Ends every session (telling each client) and starts over with the configured directory and
    /// clock, as a restart of the process would.
    fn restart(&mut self, now: Instant, wall: u64) {
        self.svc.reset(now, wall);
        self.drain();
        let (config, directory) = self.initial.clone();
        match AudioService::new(config, directory, now) {
            Ok(svc) => self.svc = svc,
            // The same settings were accepted at start-up; keep the reset service if not.
            Err(e) => tracing::error!(error = %e, "cannot restart the audio service"),
        }
        self.clock.rewind();
    }

    /// Moves the service's decisions out: transmits to the socket, events to the log and the
    /// library user; then re-arms the timer and publishes the counters.
    fn drain(&mut self) {
        while let Some(transmit) = self.svc.poll_transmit() {
            self.udp.queue(transmit);
        }
        self.udp.flush();
        let events = std::iter::from_fn(|| self.svc.poll_event());
        self.counters.events_dropped += self.events.forward(events, super::log::event);
        self.timer.as_mut().reset(self.svc.poll_timeout());
        self.publish();
    }

    fn publish(&mut self) {
        self.counters.set_service(self.svc.stats());
        self.counters.set_udp(self.udp.counters());
        if let Ok(mut shared) = self.stats.lock() {
            *shared = self.counters;
        }
    }

    /// Tells every session the server is closing and gives the socket a moment to send it.
    async fn stop(&mut self, now: Instant, wall: u64) {
        self.svc.reset(now, wall);
        self.drain();
        let mut timer = self.runtime.new_timer(Instant::now() + SHUTDOWN_FLUSH);
        while !self.udp.wait_to_flush(&mut timer, |_| true).await {
            self.drain();
        }
        tracing::info!(sent = self.counters.packets_sent, "audio server stopped");
    }
}
