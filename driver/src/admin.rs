//! The admin socket: a Unix socket (mode 0600, so only the server's user can use it) taking one
//! JSON request per line — a directory change (ban, unban, membership, channels), `"reset"` or
//! `"stats"` — and answering one JSON line each, `{"ok":true}` or `{"ok":false,"error":…}`.
//! `hark admin …` is its client; the live conformance runner uses it for the vectors' directory
//! steps. Directory changes go to every directory service (`audio`, `voice`, then `signal`): they
//! serve the same directory, so a change applies to all and their answers agree. `reset` and
//! `stats` also reach `chat` and `stream`, which have no directory.
//!
//! It runs on a plain thread: admin traffic is rare, and a thread keeps it independent of the
//! runtime.

use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures_lite::future::block_on;
use hark_core::directory::DirectoryChange;
use serde::{Deserialize, Serialize};

use crate::audio::{AudioController, ServerStats};
use crate::chat::{ChatController, ChatServerStats};
use crate::signal::{SignalController, SignalServerStats};
use crate::stream::{StreamController, StreamServerStats};
use crate::voice::{VoiceController, VoiceServerStats};

/// Longest request line accepted.
const MAX_REQUEST: u64 = 64 * 1024;
/// A client that sends nothing for this long is disconnected so the next one can be served.
const IDLE: Duration = Duration::from_secs(30);

/// One admin request: `"reset"`, `"stats"`, or a directory change in the form the conformance
/// vectors use, e.g. `{"ban":{"channel":"demo","user":"mallory"}}` or
/// `{"add_channel":{"id":"news","members":["alice"]}}` (a channel as in `[[channels]]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdminRequest {
    /// Ends every session and undoes run-time directory changes, as a restart would (for `chat`:
    /// closes every connection with 1001 and forgets rooms, IP records and counters; for
    /// `stream`: zeroes the counters and rewinds a shifted clock).
    Reset,
    Stats,
    #[serde(untagged)]
    Change(DirectoryChange),
}

/// The answer to one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminResponse {
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats: Option<Stats>,
}

/// The answer to `"stats"`: each running service's counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<ServerStats>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice: Option<VoiceServerStats>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat: Option<ChatServerStats>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<SignalServerStats>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<StreamServerStats>,
}

/// The running services the socket talks to.
#[derive(Debug, Clone, Default)]
pub struct Services {
    pub audio: Option<AudioController>,
    pub voice: Option<VoiceController>,
    pub chat: Option<ChatController>,
    pub signal: Option<SignalController>,
    pub stream: Option<StreamController>,
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
        let owned = |word: &&str| (*word).to_owned();
        let change = match words.as_slice() {
            ["reset"] => return Ok(Self::Reset),
            ["stats"] => return Ok(Self::Stats),
            ["ban", c, u] => DirectoryChange::Ban {
                channel: owned(c),
                user: owned(u),
            },
            ["unban", c, u] => DirectoryChange::Unban {
                channel: owned(c),
                user: owned(u),
            },
            ["add-member", c, u] => DirectoryChange::AddMember {
                channel: owned(c),
                user: owned(u),
            },
            ["remove-member", c, u] => DirectoryChange::RemoveMember {
                channel: owned(c),
                user: owned(u),
            },
            ["remove-channel", c] => DirectoryChange::RemoveChannel { channel: owned(c) },
            _ => return Err(format!("unknown admin request {:?}", words.join(" "))),
        };
        Ok(Self::Change(change))
    }
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
pub fn serve(path: &Path, services: Services) -> io::Result<AdminSocket> {
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
                if let Err(e) = handle(stream, &services) {
                    tracing::debug!(error = %e, "admin connection ended");
                }
            }
        })?;
    Ok(AdminSocket {
        path: path.to_owned(),
    })
}

fn handle(stream: UnixStream, services: &Services) -> io::Result<()> {
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
                Ok(request) => answer(request, services),
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

fn answer(request: AdminRequest, services: &Services) -> AdminResponse {
    tracing::info!(?request, "admin request");
    let (audio, voice, chat, signal, stream) = match request {
        AdminRequest::Stats => {
            let stats = Stats {
                audio: services.audio.as_ref().map(AudioController::get_stats),
                voice: services.voice.as_ref().map(VoiceController::get_stats),
                chat: services.chat.as_ref().map(ChatController::get_stats),
                signal: services.signal.as_ref().map(SignalController::get_stats),
                stream: services.stream.as_ref().map(StreamController::get_stats),
            };
            return AdminResponse {
                stats: Some(stats),
                ..AdminResponse::ok()
            };
        }
        AdminRequest::Reset => (
            services
                .audio
                .as_ref()
                .map(|audio| block_on(audio.reset()).map_err(|e| e.to_string())),
            services
                .voice
                .as_ref()
                .map(|voice| block_on(voice.reset()).map_err(|e| e.to_string())),
            services
                .chat
                .as_ref()
                .map(|chat| block_on(chat.reset()).map_err(|e| e.to_string())),
            services
                .signal
                .as_ref()
                .map(|signal| block_on(signal.reset()).map_err(|e| e.to_string())),
            services
                .stream
                .as_ref()
                .map(|stream| block_on(stream.reset()).map_err(|e| e.to_string())),
        ),
        AdminRequest::Change(change) => {
            let change_for_signal = change.clone();
            (
                services.audio.as_ref().map(|audio| {
                    block_on(audio.apply_directory_change(change.clone()))
                        .map_err(|e| e.to_string())
                }),
                services.voice.as_ref().map(|voice| {
                    block_on(voice.apply_directory_change(change)).map_err(|e| e.to_string())
                }),
                None,
                services.signal.as_ref().map(|signal| {
                    block_on(signal.apply_directory_change(change_for_signal))
                        .map_err(|e| e.to_string())
                }),
                None,
            )
        }
    };
    // Every service was asked even if one refused: the directory services hold the same
    // directory, so they refuse alike, and asking both keeps them alike if they ever did not.
    match audio
        .into_iter()
        .chain(voice)
        .chain(chat)
        .chain(signal)
        .chain(stream)
        .find_map(Result::err)
    {
        None => AdminResponse::ok(),
        Some(error) => AdminResponse::error(error),
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
    use hark_core::directory::ChannelConfig;

    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split(' ').map(str::to_owned).collect()
    }

    #[test]
    fn control_requests_are_bare_words() {
        assert_eq!(
            serde_json::from_str::<AdminRequest>(r#""reset""#).unwrap(),
            AdminRequest::Reset
        );
        assert_eq!(
            serde_json::to_string(&AdminRequest::Stats).unwrap(),
            r#""stats""#
        );
    }

    #[test]
    fn directory_changes_use_the_vectors_form() {
        let line = r#"{"add_channel":{"id":"news","members":["alice"],"max_users":3}}"#;
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
            AdminRequest::Change(DirectoryChange::AddChannel(channel))
        );
        assert_eq!(serde_json::to_string(&request).unwrap(), line);
    }

    #[test]
    fn unknown_keys_are_refused() {
        let line = r#"{"add_channel":{"id":"news","memebrs":["alice"]}}"#;
        assert!(serde_json::from_str::<AdminRequest>(line).is_err());
        assert!(serde_json::from_str::<AdminRequest>(r#"{"ban":{"channel":"a"}}"#).is_err());
    }

    #[test]
    fn stats_carry_chat_with_its_slow_reader_count() {
        let stats = Stats {
            chat: Some(ChatServerStats {
                slow_clients_dropped: 2,
                ..ChatServerStats::default()
            }),
            ..Stats::default()
        };
        let line = serde_json::to_string(&stats).unwrap();
        assert!(
            line.starts_with(r#"{"chat":{"active_connections":0,"#),
            "{line}"
        );
        assert!(line.contains(r#""slow_clients_dropped":2"#), "{line}");
        assert_eq!(serde_json::from_str::<Stats>(&line).unwrap(), stats);
    }

    #[test]
    fn stats_carry_stream_with_its_counters() {
        let stats = Stats {
            stream: Some(StreamServerStats {
                health: hark_core::stream::StreamHealth {
                    status_206: 3,
                    ..hark_core::stream::StreamHealth::default()
                },
                ..StreamServerStats::default()
            }),
            ..Stats::default()
        };
        let line = serde_json::to_string(&stats).unwrap();
        assert!(line.starts_with(r#"{"stream":{"connections":0,"#), "{line}");
        assert!(line.contains(r#""status_206":3"#), "{line}");
        assert_eq!(serde_json::from_str::<Stats>(&line).unwrap(), stats);
    }

    #[test]
    fn the_command_line_form_maps_to_requests() {
        assert_eq!(
            AdminRequest::from_words(&words("ban demo mallory")),
            Ok(AdminRequest::Change(DirectoryChange::Ban {
                channel: "demo".into(),
                user: "mallory".into()
            }))
        );
        assert_eq!(
            AdminRequest::from_words(&words("remove-channel demo")),
            Ok(AdminRequest::Change(DirectoryChange::RemoveChannel {
                channel: "demo".into()
            }))
        );
        assert!(AdminRequest::from_words(&words("ban demo")).is_err());
    }
}
