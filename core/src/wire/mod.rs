//! Wire formats: one module per protocol, each a `nom` parser, an encoder and a typed error.
//!
//! Parsers take the received datagram as [`bytes::Bytes`] so that payloads come out as
//! zero-copy slices of it.

pub mod audio;
pub mod chat;
pub mod voice;
