//! What every stream case starts from: a media directory of its own, a server serving it with a
//! known secret, and signed targets for its files.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Instant;

use crate::{START_DEADLINE, Server, TempDir, unix_now};

/// The key the cases' servers sign with.
pub const SECRET: &str = "stream-test-secret";

/// The ready line's marker (stream.md; `{program}: stream listening on http://{addr}`).
const READY: &str = "stream listening on http://";

/// A media directory and a server serving it.
#[derive(Debug)]
pub struct StreamFixture {
    // Declared first: the server stops before its media directory is removed.
    pub server: Server,
    pub media: TempDir,
    pub addr: SocketAddr,
}

/// Only stream, on an ephemeral port, serving `media`, `extra` appended to `[stream]`.
pub fn config(media: &Path, extra: &str) -> String {
    format!(
        "[audio]\nenabled = false\n\n[voice]\nenabled = false\n\n[chat]\nenabled = false\n\n\
         [stream]\nenabled = true\nbind_addr = \"127.0.0.1:0\"\nsecret = \"{SECRET}\"\n\
         media_dir = \"{}\"\n{extra}\n",
        media.display()
    )
}

impl StreamFixture {
    /// A server with `extra` settings in `[stream]`; `files` are `(name, bytes)` written first.
    pub fn start(bin: &Path, extra: &str, files: &[(&str, &[u8])]) -> Self {
        let media = TempDir::new();
        for (name, bytes) in files {
            std::fs::write(media.path().join(name), bytes).unwrap();
        }
        let server = Server::start(bin, &config(media.path(), extra));
        let addr = stream_addr(&server);
        Self {
            server,
            media,
            addr,
        }
    }

    /// The path of `name` in the media directory.
    pub fn file(&self, name: &str) -> std::path::PathBuf {
        self.media.path().join(name)
    }
}

/// The stream service's address, from its ready line.
pub fn stream_addr(server: &Server) -> SocketAddr {
    let found = server
        .process()
        .wait_stdout(0, Instant::now() + START_DEADLINE, |line| {
            let (_, addr) = line.split_once(READY)?;
            Some(addr.trim().parse::<SocketAddr>().expect("an address"))
        });
    match found {
        Some((_, addr)) => addr,
        None => panic!("{} did not print {READY:?}", server.process().name()),
    }
}

/// `/stream/{id}?expires=…&sig=…`, valid for an hour.
pub fn signed(id: &str) -> String {
    let expires = i64::try_from(unix_now() + 3600).unwrap();
    hark_core::stream::signed_path(SECRET.as_bytes(), id, expires)
}

/// `len` bytes that differ from one offset to the next (a counter hashed a little), so that a
/// byte served from the wrong offset shows.
pub fn pattern(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| {
            let x = (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            (x >> 56) as u8 ^ (i as u8)
        })
        .collect()
}
