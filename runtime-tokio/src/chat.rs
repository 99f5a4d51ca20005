//! The `chat` service (seed 003) on tokio: HTTP health and the WebSocket relay on one TCP port.
//!
//! ```no_run
//! use hark_tokio::chat::{ChatServer, ChatServerConfig};
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let mut config = ChatServerConfig::new();
//!     config.core.message_limit = 60;
//!     let mut server = ChatServer::new(config);
//!     let addr = server.start().await?; // config.bind_addr, 0.0.0.0:8080; WebSocket at /ws
//!     println!("chat on http://{addr}");
//!     let mut events = server.take_event_receiver().expect("taken once");
//!     while let Some(event) = events.recv().await {
//!         println!("{event:?}");
//!     }
//!     Ok(())
//! }
//! ```

use crate::TokioRuntime;

pub use hark_driver::chat::{
    ChatController, ChatEventReceiver, ChatServerConfig, ChatServerError, ChatServerStats,
};

/// The chat server (TCP, seed port 8080).
pub type ChatServer = hark_driver::chat::ChatServer<TokioRuntime>;
/// The events a library user receives: the core's, unchanged.
pub type ChatServerEvent = hark_core::chat::ChatEvent;
