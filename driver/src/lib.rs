//! hark-driver: everything between hark-core and an async runtime, written once.
//!
//! Drivers (loops that move bytes between sockets and a core service), configuration, logging and
//! the command line live here, generic over the small [`runtime::Runtime`] trait. `hark-tokio` and
//! `hark-smol` implement that trait and add their `main`s; no protocol decision is made in either.

mod accept;
pub mod admin;
pub mod app;
pub mod audio;
pub mod chat;
pub mod cli;
pub mod clock;
pub mod config;
mod duration;
pub mod events;
mod ip_slots;
pub mod logging;
pub mod runtime;
pub mod secret;
pub mod signal;
pub mod stream;
pub mod tcp;
pub mod udp;
mod udp_port;
pub mod voice;
mod ws;
