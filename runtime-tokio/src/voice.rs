//! The `voice` service (seed 001) on tokio: the seed's two servers and the link between them.
//!
//! ```no_run
//! use hark_tokio::voice::{ManagementServer, VoiceRelayServer};
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let (mgmt_server, events_rx) = ManagementServer::new();
//!     let mut voice_server = VoiceRelayServer::new(events_rx);
//!     tokio::spawn(async move { mgmt_server.run(9001).await });
//!     voice_server.run(9002).await?;
//!     Ok(())
//! }
//! ```
//!
//! `ManagementServer::new()` checks logins with the secret `hark serve` keeps in its data
//! directory (generated there on first start), so `hark token --user alice` mints a token for it,
//! and serves no channels. To choose them:
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use hark_core::directory::{ChannelConfig, Directory};
//! use hark_tokio::voice::{ManagementServer, VoiceRelayServer, VoiceServerConfig};
//!
//! let directory = Directory::new([ChannelConfig {
//!     id: "lobby".into(),
//!     name: None,
//!     members: None,
//!     banned: vec!["mallory".into()],
//!     max_users: Some(16),
//! }])?;
//! let mut config = VoiceServerConfig::new("change-me");
//! config.core.max_chat_len = 500;
//! let (mut management, link) = ManagementServer::builder()
//!     .config(config)
//!     .directory(directory)
//!     .build();
//! let mut relay = VoiceRelayServer::new(link);
//! let relay_addr = relay.start().await?; // config.relay_addr, 0.0.0.0:9002
//! let management_addr = management.start().await?; // config.management_addr, 0.0.0.0:9001
//! let mut events = relay.take_event_receiver().expect("taken once");
//! while let Some(event) = events.recv().await {
//!     println!("{event:?}");
//! }
//! # Ok(()) }
//! ```

use crate::TokioRuntime;

pub use hark_driver::voice::{
    VoiceController, VoiceServerConfig, VoiceServerError, VoiceServerStats,
};

/// The management server (TCP, seed port 9001).
pub type ManagementServer = hark_driver::voice::ManagementServer<TokioRuntime>;
/// The relay server (UDP, seed port 9002), which runs the voice service's loop.
pub type VoiceRelayServer = hark_driver::voice::VoiceRelayServer<TokioRuntime>;
/// What [`ManagementServer::new`] hands to [`VoiceRelayServer::new`] (the seed's `events_rx`).
pub type ManagementLink = hark_driver::voice::ManagementLink<TokioRuntime>;
/// Settings for both halves; see [`ManagementServer::builder`].
pub type VoiceServerBuilder = hark_driver::voice::VoiceServerBuilder<TokioRuntime>;
/// The voice server's events.
pub type VoiceEventReceiver = hark_driver::voice::VoiceEventReceiver;
/// The events a library user receives: the core's, unchanged.
pub type VoiceServerEvent = hark_core::voice::VoiceEvent;
