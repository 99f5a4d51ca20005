//! Wire formats: one module per protocol, each a total decoder, an encoder and a typed error.
//!
//! The binary protocols (`audio`, `voice`) are `nom` parsers over the received [`bytes::Bytes`],
//! so payloads come out as zero-copy slices of it; `chat` is JSON text decoded with `serde_json`.

pub mod audio;
pub mod chat;
pub mod signal;
pub mod voice;
