//! The stream benchmark (`hark-bench http`): N keep-alive HTTP/1.1 connections on the generator's
//! one thread, each asking for random fixed-size byte ranges of one signed file (stream.md §4,
//! §7.1) as fast as the server answers, for a bounded time. The same load runs against hark and
//! against nginx serving the same file (`run_http.sh`), so the ratio says what hark's stack costs.

pub mod conn;
pub mod load;
pub mod ranges;
pub mod report;
pub mod target;
