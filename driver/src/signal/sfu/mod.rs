//! The driver's half of the SFU link (signal.md §8): the `SFU_WS_HOST` address. The service
//! (`hark_core::signal::SignalService`) decides everything else about the link.

mod url;

pub use url::{SfuUrl, SfuUrlError};
