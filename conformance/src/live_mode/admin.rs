//! The operator's side of a live run: one JSON request per line on the server's admin socket
//! (`"reset"`, `{"ban":{"channel":…,"user":…}}`, …), one JSON answer line each,
//! `{"ok":true}` or `{"ok":false,"error":…}`.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::format::DirectoryChange;

/// How long one request may take, connecting included.
const TIMEOUT: Duration = Duration::from_secs(5);
/// Longest answer line read.
const MAX_ANSWER: u64 = 64 * 1024;

/// Why an admin request did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("cannot connect: {0}")]
    Connect(#[source] io::Error),
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("the server closed the connection without answering")]
    NoAnswer,
    #[error("unreadable answer {answer:?}: {source}")]
    BadAnswer {
        answer: String,
        source: serde_json::Error,
    },
    #[error("refused: {0}")]
    Refused(String),
}

#[derive(Debug, Deserialize)]
struct Answer {
    ok: bool,
    #[serde(default)]
    error: Option<String>,
}

/// A server's admin socket.
#[derive(Debug, Clone)]
pub struct Admin {
    path: PathBuf,
}

impl Admin {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Sends one request on a fresh connection and waits for its answer.
    pub fn request(&self, request: &Value) -> Result<(), AdminError> {
        let mut stream = UnixStream::connect(&self.path).map_err(AdminError::Connect)?;
        stream.set_read_timeout(Some(TIMEOUT))?;
        stream.set_write_timeout(Some(TIMEOUT))?;
        let mut line = request.to_string();
        line.push('\n');
        stream.write_all(line.as_bytes())?;
        let mut answer = String::new();
        BufReader::new(stream)
            .take(MAX_ANSWER)
            .read_line(&mut answer)?;
        if answer.is_empty() {
            return Err(AdminError::NoAnswer);
        }
        let parsed: Answer =
            serde_json::from_str(&answer).map_err(|source| AdminError::BadAnswer {
                answer: answer.trim_end().to_owned(),
                source,
            })?;
        if parsed.ok {
            Ok(())
        } else {
            Err(AdminError::Refused(
                parsed.error.unwrap_or_else(|| "no reason given".to_owned()),
            ))
        }
    }
}

/// `"reset"`.
pub fn reset_request() -> Value {
    json!("reset")
}

/// `"stats"`: harmless, so a run can check the socket answers before it starts.
pub fn stats_request() -> Value {
    json!("stats")
}

/// A vector's directory change as an admin request: the same JSON.
pub fn directory_request(change: &DirectoryChange) -> Value {
    json!(change)
}

#[cfg(test)]
mod tests {
    use std::os::unix::net::UnixListener;

    use super::*;

    #[test]
    fn directory_changes_are_sent_in_the_vectors_form() {
        let line = r#"{"add_channel":{"id":"tiny","max_users":3}}"#;
        let add: DirectoryChange = serde_json::from_str(line).unwrap();
        assert_eq!(directory_request(&add).to_string(), line);
    }

    fn serve_once(
        answer: &'static str,
    ) -> (super::super::test_dir::Dir, std::thread::JoinHandle<String>) {
        let dir = super::super::test_dir::Dir::new("admin");
        let listener = UnixListener::bind(dir.path().join("admin.sock")).unwrap();
        let thread = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            (&stream).write_all(answer.as_bytes()).unwrap();
            line
        });
        (dir, thread)
    }

    #[test]
    fn a_request_is_one_line_and_ok_is_success() {
        let (dir, server) = serve_once("{\"ok\":true}\n");
        let admin = Admin::new(dir.path().join("admin.sock"));
        admin.request(&reset_request()).unwrap();
        assert_eq!(server.join().unwrap(), "\"reset\"\n");
    }

    #[test]
    fn a_refusal_carries_the_servers_reason() {
        let (dir, server) = serve_once("{\"ok\":false,\"error\":\"unknown channel\"}\n");
        let admin = Admin::new(dir.path().join("admin.sock"));
        let error = admin.request(&stats_request()).unwrap_err();
        assert_eq!(error.to_string(), "refused: unknown channel");
        server.join().unwrap();
    }

    #[test]
    fn a_missing_socket_is_a_connect_error() {
        let admin = Admin::new("/nonexistent/admin.sock");
        assert!(matches!(
            admin.request(&stats_request()),
            Err(AdminError::Connect(_))
        ));
    }
}
