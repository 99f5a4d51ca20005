//! The chat benchmark (`hark-bench ws`, `ws-idle`, `null-chat`, `ws-sweep`): WebSocket clients on
//! the generator's one thread, each a tokio socket with tungstenite's protocol state over an
//! in-memory [`pipe::Pipe`]; a throughput run ([`load`]), an idle run that holds thousands of
//! connections and reads the server's memory ([`idle`]), the null chat server they are compared
//! with ([`null_chat`]), and the sweep that runs them all against freshly started servers
//! ([`sweep`]).

pub mod conn;
pub mod content;
pub mod fleet;
pub mod frames;
pub mod health;
pub mod idle;
pub mod load;
pub mod null_chat;
pub mod pipe;
pub mod proc;
pub mod report;
pub mod sweep;

#[cfg(test)]
mod tests;
