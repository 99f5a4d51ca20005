//! The `signal` service (seed 002) on tokio: Socket.IO v4 over WebSocket, `/health` and the
//! development pages on one TCP port.
//!
//! ```no_run
//! use hark_core::directory::Directory;
//! use hark_tokio::signal::{SignalServer, SignalServerConfig};
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let mut config = SignalServerConfig::new("the suite's JWT secret");
//!     config.core.server_name = "techial.example.com".into();
//!     let mut server = SignalServer::new(config, Directory::default());
//!     let addr = server.start().await?; // 0.0.0.0:5000; Socket.IO at /socket.io/
//!     println!("signal on http://{addr}");
//!     let mut events = server.take_event_receiver().expect("taken once");
//!     while let Some(event) = events.recv().await {
//!         println!("{event:?}");
//!     }
//!     Ok(())
//! }
//! ```

use crate::TokioRuntime;

pub use hark_driver::signal::{
    SignalController, SignalEventReceiver, SignalServerConfig, SignalServerError, SignalServerStats,
};

/// The signal server (TCP, seed port 5000).
pub type SignalServer = hark_driver::signal::SignalServer<TokioRuntime>;
/// The events a library user receives: the core's, unchanged.
pub type SignalServerEvent = hark_core::signal::SignalEvent;
