//! Server processes for the sweeps: a bench configuration, start pinned to one core with
//! `taskset`, learn the bound address from the "listening on" line, stop with SIGTERM.
//! A [`RunningServer`] that is dropped kills its process, so no run leaves a server behind.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::BenchError;

/// How long a server may take to print its address.
const START_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a server may take to exit after SIGTERM before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(3);
/// What every audio server prints once its socket is bound.
const LISTENING_UDP: &str = "listening on udp://";
/// What every chat server prints once it listens (`… chat listening on http://ADDR (…)`).
const LISTENING_CHAT: &str = "chat listening on http://";

/// Which server to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerKind {
    /// `hark` or `hark-smol` serving audio: `PROGRAM serve --config FILE`.
    Hark(PathBuf),
    /// `hark-bench null-relay`, this program.
    NullRelay(PathBuf),
    /// `hark` or `hark-smol` serving chat only.
    HarkChat(PathBuf),
    /// `hark-bench null-chat`, this program.
    NullChat(PathBuf),
}

impl ServerKind {
    /// The start of the line that carries the server's address.
    fn listening(&self) -> &'static str {
        match self {
            Self::Hark(_) | Self::NullRelay(_) => LISTENING_UDP,
            Self::HarkChat(_) | Self::NullChat(_) => LISTENING_CHAT,
        }
    }
}

/// A server under test and the name its figures go under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSpec {
    pub label: String,
    pub kind: ServerKind,
}

/// What every server in a sweep is given.
#[derive(Debug, Clone)]
pub struct BenchSetup {
    /// Directory for configuration files and logs.
    pub dir: PathBuf,
    pub secret: String,
    pub channel: String,
    /// Kernel socket buffer, bytes (hark's `audio.buffer_size`, the null relay's `--buffer`).
    pub buffer: usize,
    /// The core `taskset -c` pins servers to.
    pub cpu: String,
}

/// What every benchmark configuration starts with: the secret, the data directory, quiet logs
/// and no admin socket. `command` names the sweep that wrote it.
fn config_head(setup: &BenchSetup, command: &str) -> Result<String, BenchError> {
    let dir = setup.dir.display().to_string();
    if dir.contains('\'') || setup.secret.contains('\'') || setup.channel.contains('\'') {
        return Err(BenchError::new(
            "the bench directory, secret and channel must not contain a quote",
        ));
    }
    Ok(format!(
        "# Written by hark-bench {command}.\n\
         jwt_secret = '{secret}'\n\
         data_dir = '{dir}'\n\
         \n\
         [log]\n\
         filter = 'warn'\n\
         \n\
         [admin]\n\
         enabled = false\n\
         \n",
        secret = setup.secret,
    ))
}

/// The hark configuration of a benchmark: one open channel, and limits that let a benchmark
/// through (session rate, sessions per user, channel size) while every check still runs.
pub fn hark_config(setup: &BenchSetup) -> Result<String, BenchError> {
    let head = config_head(setup, "sweep")?;
    Ok(format!(
        "{head}\
         [audio]\n\
         bind_addr = '127.0.0.1:0'\n\
         buffer_size = {buffer}\n\
         session_rate = {{ per_second = 100000, burst = 100000 }}\n\
         max_sessions_per_user = 64\n\
         default_max_users_per_channel = 100000\n\
         \n\
         [voice]\n\
         enabled = false\n\
         \n\
         [chat]\n\
         enabled = false\n\
         \n\
         [[channels]]\n\
         id = '{channel}'\n",
        buffer = setup.buffer,
        channel = setup.channel,
    ))
}

/// Connections per IP and in all that the chat configuration admits: the generator's 10 000
/// connections all come from 127.0.0.1.
pub const CHAT_CONNECTIONS: usize = 20_000;

/// The hark configuration of a chat benchmark: chat alone on a free loopback port, with the limits
/// that would refuse a benchmark raised — every connection from one IP, messages at the load's
/// rate, and a join per connection — while every check still runs (validation, the sliding-minute
/// limits themselves, the heartbeat, the per-connection send queue at its default).
pub fn chat_config(setup: &BenchSetup) -> Result<String, BenchError> {
    let head = config_head(setup, "ws-sweep")?;
    Ok(format!(
        "{head}\
         [audio]\n\
         enabled = false\n\
         \n\
         [voice]\n\
         enabled = false\n\
         \n\
         [chat]\n\
         bind_addr = '127.0.0.1:0'\n\
         message_limit = 1000000\n\
         join_limit = 1000\n\
         connection_limit_per_ip = {connections}\n\
         max_connections = {connections}\n\
         \n\
         [[channels]]\n\
         id = '{channel}'\n",
        channel = setup.channel,
        connections = CHAT_CONNECTIONS,
    ))
}

/// A started server process.
#[derive(Debug)]
pub struct RunningServer {
    child: Child,
    pub addr: SocketAddr,
    pub pid: u32,
    log: PathBuf,
}

impl RunningServer {
    /// Starts `spec` pinned to `setup.cpu` and waits for its address.
    pub fn start(spec: &ServerSpec, setup: &BenchSetup) -> Result<Self, BenchError> {
        let log = setup.dir.join(format!("{}.log", spec.label));
        let mut command = Command::new("taskset");
        command.arg("-c").arg(&setup.cpu);
        match &spec.kind {
            ServerKind::Hark(program) | ServerKind::HarkChat(program) => {
                let config = setup.dir.join(format!("{}.toml", spec.label));
                let text = match spec.kind {
                    ServerKind::HarkChat(_) => chat_config(setup)?,
                    _ => hark_config(setup)?,
                };
                std::fs::write(&config, text)?;
                command
                    .arg(program)
                    .arg("serve")
                    .arg("--config")
                    .arg(config);
            }
            ServerKind::NullRelay(program) => {
                command
                    .arg(program)
                    .args(["null-relay", "--bind", "127.0.0.1:0", "--buffer"])
                    .arg(setup.buffer.to_string());
            }
            ServerKind::NullChat(program) => {
                command
                    .arg(program)
                    .args(["null-chat", "--bind", "127.0.0.1:0"]);
            }
        }
        let stderr = std::fs::File::create(&log)?;
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .map_err(|e| BenchError::from(e).context(format!("starting {}", spec.label)))?;
        let pid = child.id();
        let Some(stdout) = child.stdout.take() else {
            let _ = child.kill();
            return Err(BenchError::new("no stdout pipe"));
        };
        let (tx, rx) = mpsc::channel();
        let listening = spec.kind.listening();
        // Reads every line so the server never blocks on a full pipe; the address of the first
        // "listening" line is passed on.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some((_, rest)) = line.split_once(listening) {
                    let addr = rest.split_whitespace().next().unwrap_or_default();
                    let _ = tx.send(addr.to_owned());
                }
            }
        });
        let mut server = Self {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            pid,
            log,
        };
        let addr = rx
            .recv_timeout(START_TIMEOUT)
            .map_err(|_| server.failure(&format!("{} did not start", spec.label)))?;
        server.addr = addr.parse().map_err(|_| {
            server.failure(&format!("{} printed a bad address {addr:?}", spec.label))
        })?;
        Ok(server)
    }

    /// The error for a server that failed, with the end of its log.
    fn failure(&self, what: &str) -> BenchError {
        BenchError::new(format!(
            "{what}; its log ({}):\n{}",
            self.log.display(),
            tail(&self.log)
        ))
    }

    /// Asks the server to stop (SIGTERM: hark says goodbye to its sessions) and waits for it;
    /// kills it if it takes too long.
    pub fn stop(mut self) -> Result<(), BenchError> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + STOP_TIMEOUT;
        while Instant::now() < deadline {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.child.kill()?;
        self.child.wait()?;
        Err(BenchError::new(format!(
            "pid {} had not exited {STOP_TIMEOUT:?} after SIGTERM and was killed",
            self.pid
        )))
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The last lines of a log, for an error message.
fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines
        .get(lines.len().saturating_sub(10)..)
        .unwrap_or_default()
        .join("\n")
}

/// The CPUs this process may run on (`Cpus_allowed_list` of `/proc/self/status`, e.g. `1` or
/// `0-1`), to warn when the generator shares the server's core.
pub fn allowed_cpus() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
        .map(|v| v.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bench_config_is_what_hark_reads() {
        let setup = BenchSetup {
            dir: "/tmp/x".into(),
            secret: "s3cret".into(),
            channel: "bnch".into(),
            buffer: 4 << 20,
            cpu: "0".into(),
        };
        let config = hark_config(&setup).unwrap();
        assert!(config.contains("jwt_secret = 's3cret'"));
        assert!(config.contains("buffer_size = 4194304"));
        assert!(config.contains("id = 'bnch'"));
        // hark's own loader accepts it, with the values meant.
        let file =
            std::env::temp_dir().join(format!("hark-bench-config-{}.toml", std::process::id()));
        std::fs::write(&file, &config).unwrap();
        let flags = hark_driver::config::Flags {
            config: Some(file.clone()),
            ..Default::default()
        };
        let loaded = hark_driver::config::load(&flags, &|_| None).unwrap();
        std::fs::remove_file(&file).unwrap();
        assert_eq!(loaded.jwt_secret(), Some("s3cret"));
        let settings = loaded.settings(b"s3cret", Path::new("/tmp/x")).unwrap();
        let audio = settings.audio.unwrap();
        assert_eq!(audio.buffer_size, 4 << 20);
        assert_eq!(audio.bind_addr, SocketAddr::from(([127, 0, 0, 1], 0)));
        assert_eq!(audio.core.max_sessions_per_user, 64);
        assert!(settings.admin_socket.is_none());
        assert!(settings.voice.is_none());
        assert!(settings.chat.is_none());
        assert_eq!(settings.channels.len(), 1);
        let quoted = BenchSetup {
            dir: "/tmp/it's".into(),
            ..setup
        };
        assert!(hark_config(&quoted).is_err());
    }

    #[test]
    fn the_chat_bench_config_is_what_hark_reads() {
        let setup = BenchSetup {
            dir: "/tmp/x".into(),
            secret: "s3cret".into(),
            channel: "bnch".into(),
            buffer: 4 << 20,
            cpu: "0".into(),
        };
        let file = std::env::temp_dir().join(format!(
            "hark-bench-chat-config-{}.toml",
            std::process::id()
        ));
        std::fs::write(&file, chat_config(&setup).unwrap()).unwrap();
        let flags = hark_driver::config::Flags {
            config: Some(file.clone()),
            ..Default::default()
        };
        let loaded = hark_driver::config::load(&flags, &|_| None).unwrap();
        std::fs::remove_file(&file).unwrap();
        let settings = loaded.settings(b"s3cret", Path::new("/tmp/x")).unwrap();
        assert!(settings.audio.is_none() && settings.voice.is_none());
        let chat = settings.chat.unwrap();
        assert_eq!(chat.bind_addr, SocketAddr::from(([127, 0, 0, 1], 0)));
        let guard = &chat.core.ip_guard;
        assert_eq!(guard.connection_limit_per_ip as usize, CHAT_CONNECTIONS);
        assert_eq!(guard.max_connections, CHAT_CONNECTIONS);
        assert_eq!(chat.core.message_limit, 1_000_000);
        assert_eq!(chat.core.max_users_per_room, 100);
    }
}
