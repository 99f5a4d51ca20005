//! The driver's half of the SFU link (signal.md §8): the `SFU_WS_HOST` address, and the dialer
//! that opens the link and carries its frames. The service (`hark_core::signal::SignalService`)
//! decides everything else about the link.

mod dialer;
mod handshake;
mod task;
mod url;

pub use dialer::{SfuDialer, SfuInbound};
pub use url::{SfuUrl, SfuUrlError};
