//! The admin socket: a Unix socket (mode 0600, so only the server's user can use it) taking one
//! JSON request per line — ban, unban, membership and channel changes, reset, stats — and
//! answering one JSON line each. `hark admin …` is its client; the live conformance runner uses it
//! for the vectors' directory steps.
//!
//! It runs on a plain thread: admin traffic is rare, and a thread keeps it independent of the
//! runtime.

use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use hark_core::directory::{ChannelConfig, DirectoryChange};
use serde::{Deserialize, Serialize, Serializer};

use crate::audio::{AudioController, ServerStats};

/// Longest request line accepted.
const MAX_REQUEST: u64 = 64 * 1024;
/// A client that sends nothing for this long is disconnected so the next one can be served.
const IDLE: Duration = Duration::from_secs(30);

/// One admin request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum AdminRequest {
    Ban {
        channel: String,
        user: String,
    },
    Unban {
        channel: String,
        user: String,
    },
    AddMember {
        channel: String,
        user: String,
    },
    RemoveMember {
        channel: String,
        user: String,
    },
    RemoveChannel {
        channel: String,
    },
    /// Adds a channel, written as in the configuration's `[[channels]]`:
    /// `{"op":"add_channel","channel":{"id":"news","members":["alice"]}}`.
    AddChannel {
        #[serde(serialize_with = "serialize_channel")]
        channel: ChannelConfig,
    },
    /// Ends every session and undoes run-time directory changes, as a restart would.
    Reset,
    Stats,
}

/// The answer to one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminResponse {
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats: Option<ServerStats>,
}

impl AdminResponse {
    fn ok() -> Self {
        Self {
            ok: true,
            error: None,
            stats: None,
        }
    }

    fn error(message: impl Into<String>) -> Self {
        Self {
            ok: false,
            error: Some(message.into()),
            stats: None,
        }
    }
}

impl AdminRequest {
    /// Reads the command-line form: `ban CHANNEL USER`, `reset`, ….
    pub fn from_words(words: &[String]) -> Result<Self, String> {
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let pair = |channel: &str, user: &str| (channel.to_owned(), user.to_owned());
        Ok(match words.as_slice() {
            ["ban", c, u] => {
                let (channel, user) = pair(c, u);
                Self::Ban { channel, user }
            }
            ["unban", c, u] => {
                let (channel, user) = pair(c, u);
                Self::Unban { channel, user }
            }
            ["add-member", c, u] => {
                let (channel, user) = pair(c, u);
                Self::AddMember { channel, user }
            }
            ["remove-member", c, u] => {
                let (channel, user) = pair(c, u);
                Self::RemoveMember { channel, user }
            }
            ["remove-channel", c] => Self::RemoveChannel {
                channel: (*c).to_owned(),
            },
            ["reset"] => Self::Reset,
            ["stats"] => Self::Stats,
            _ => return Err(format!("unknown admin request {:?}", words.join(" "))),
        })
    }

    fn directory_change(self) -> Option<DirectoryChange> {
        Some(match self {
            Self::Ban { channel, user } => DirectoryChange::Ban { channel, user },
            Self::Unban { channel, user } => DirectoryChange::Unban { channel, user },
            Self::AddMember { channel, user } => DirectoryChange::AddMember { channel, user },
            Self::RemoveMember { channel, user } => DirectoryChange::RemoveMember { channel, user },
            Self::RemoveChannel { channel } => DirectoryChange::RemoveChannel { channel },
            Self::AddChannel { channel } => DirectoryChange::AddChannel(channel),
            Self::Reset | Self::Stats => return None,
        })
    }
}

/// `ChannelConfig` only reads itself; this writes it back in the same shape, omitting what is unset.
fn serialize_channel<S: Serializer>(
    channel: &ChannelConfig,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct ChannelJson<'a> {
        id: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        members: Option<&'a [String]>,
        #[serde(skip_serializing_if = "<[String]>::is_empty")]
        banned: &'a [String],
        #[serde(skip_serializing_if = "Option::is_none")]
        max_users: Option<u32>,
    }
    ChannelJson {
        id: &channel.id,
        name: channel.name.as_deref(),
        members: channel.members.as_deref(),
        banned: &channel.banned,
        max_users: channel.max_users,
    }
    .serialize(serializer)
}

/// The listening socket; removed from the file system when dropped.
#[derive(Debug)]
pub struct AdminSocket {
    path: PathBuf,
}

impl Drop for AdminSocket {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Listens at `path` (replacing a stale socket, never another kind of file) and serves requests
/// on a background thread.
pub fn serve(path: &Path, controller: AudioController) -> io::Result<AdminSocket> {
    if let Ok(meta) = fs::symlink_metadata(path) {
        if !meta.file_type().is_socket() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("{} exists and is not a socket", path.display()),
            ));
        }
        fs::remove_file(path)?;
    }
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    let listener = UnixListener::bind(path)?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
    std::thread::Builder::new()
        .name("hark-admin".into())
        .spawn(move || {
            for stream in listener.incoming().flatten() {
                if let Err(e) = handle(stream, &controller) {
                    tracing::debug!(error = %e, "admin connection ended");
                }
            }
        })?;
    Ok(AdminSocket {
        path: path.to_owned(),
    })
}

fn handle(stream: UnixStream, controller: &AudioController) -> io::Result<()> {
    stream.set_read_timeout(Some(IDLE))?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        let read = reader.by_ref().take(MAX_REQUEST + 1).read_line(&mut line)?;
        if read == 0 {
            return Ok(());
        }
        let too_long = u64::try_from(line.len()).unwrap_or(u64::MAX) > MAX_REQUEST;
        let response = if too_long {
            AdminResponse::error("request too long")
        } else {
            match serde_json::from_str::<AdminRequest>(&line) {
                Ok(request) => answer(request, controller),
                Err(e) => AdminResponse::error(format!("bad request: {e}")),
            }
        };
        let mut out = serde_json::to_string(&response).map_err(io::Error::other)?;
        out.push('\n');
        writer.write_all(out.as_bytes())?;
        if too_long {
            return Ok(());
        }
    }
}

fn answer(request: AdminRequest, controller: &AudioController) -> AdminResponse {
    tracing::info!(?request, "admin request");
    let result = match request {
        AdminRequest::Stats => {
            return AdminResponse {
                stats: Some(controller.get_stats()),
                ..AdminResponse::ok()
            };
        }
        AdminRequest::Reset => futures_lite::future::block_on(controller.reset()),
        change => match change.directory_change() {
            Some(change) => {
                futures_lite::future::block_on(controller.apply_directory_change(change))
            }
            None => Ok(()),
        },
    };
    match result {
        Ok(()) => AdminResponse::ok(),
        Err(e) => AdminResponse::error(e.to_string()),
    }
}

/// Sends one request to the server listening at `path`.
pub fn request(path: &Path, request: &AdminRequest) -> io::Result<AdminResponse> {
    let mut stream = UnixStream::connect(path)?;
    stream.set_read_timeout(Some(IDLE))?;
    let mut line = serde_json::to_string(request).map_err(io::Error::other)?;
    line.push('\n');
    stream.write_all(line.as_bytes())?;
    let mut answer = String::new();
    BufReader::new(stream)
        .take(MAX_REQUEST)
        .read_line(&mut answer)?;
    serde_json::from_str(&answer).map_err(io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_channel_reads_a_channel_as_configured() {
        let line =
            r#"{"op":"add_channel","channel":{"id":"news","members":["alice"],"max_users":3}}"#;
        let request: AdminRequest = serde_json::from_str(line).unwrap();
        let channel = ChannelConfig {
            id: "news".into(),
            name: None,
            members: Some(vec!["alice".into()]),
            banned: Vec::new(),
            max_users: Some(3),
        };
        assert_eq!(
            request,
            AdminRequest::AddChannel {
                channel: channel.clone()
            }
        );
        assert_eq!(serde_json::to_string(&request).unwrap(), line);
        assert_eq!(
            request.directory_change(),
            Some(DirectoryChange::AddChannel(channel))
        );
    }

    #[test]
    fn add_channel_refuses_unknown_channel_keys() {
        let line = r#"{"op":"add_channel","channel":{"id":"news","memebrs":["alice"]}}"#;
        assert!(serde_json::from_str::<AdminRequest>(line).is_err());
        assert!(serde_json::from_str::<AdminRequest>(r#"{"op":"add_channel"}"#).is_err());
    }
}
