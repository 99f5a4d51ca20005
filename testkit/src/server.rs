//! A real hark server process on an ephemeral port.

use std::ffi::{OsStr, OsString};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use crate::process::{Process, TempDir, run};

/// How long a server may take to bind its socket.
pub const START_DEADLINE: Duration = Duration::from_secs(10);
/// How long [`Server::stop`] waits for the exit after SIGTERM.
pub const STOP_DEADLINE: Duration = Duration::from_secs(5);

/// The first line a serving binary prints, whichever services are enabled.
const READY: &str = " listening on ";
const AUDIO: &str = "audio listening on udp://";
const VOICE_MANAGEMENT: &str = "voice management listening on tcp://";
const VOICE_RELAY: &str = "voice relay listening on udp://";
const CHAT: &str = "chat listening on http://";
const SIGNAL: &str = "signal listening on http://";
const ADMIN: &str = "admin socket at ";

/// A running `serve`. Killed, and its temporary directory removed, on drop.
#[derive(Debug)]
pub struct Server {
    // Declared before `dir`: the process is killed before its directory is removed.
    process: Process,
    config: Option<PathBuf>,
    dir: Option<TempDir>,
}

impl Server {
    /// Writes `config_toml` to `hark.toml` in a fresh temporary directory, which is also the data
    /// directory, and runs `binary serve --config … --data-dir …` until it listens.
    pub fn start(binary: &Path, config_toml: &str) -> Self {
        Self::start_with_config_env(binary, config_toml, &[])
    }

    /// As [`Server::start`], with environment variables.
    pub fn start_with_config_env(binary: &Path, config_toml: &str, envs: &[(&str, &str)]) -> Self {
        let dir = TempDir::new();
        let config = dir.path().join("hark.toml");
        std::fs::write(&config, config_toml)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", config.display()));
        let args: Vec<OsString> = vec![
            "serve".into(),
            "--config".into(),
            config.clone().into(),
            "--data-dir".into(),
            dir.path().into(),
        ];
        let mut server = Self::start_with_env(binary, args, envs);
        server.config = Some(config);
        server.dir = Some(dir);
        server
    }

    /// Runs `binary` with `args` (which should say `serve`) until it prints its listening line.
    /// Whatever directory the arguments name is the caller's to clean up.
    pub fn start_with_args<I, S>(binary: &Path, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        Self::start_with_env(binary, args, &[])
    }

    /// As [`Server::start_with_args`], with environment variables.
    pub fn start_with_env<I, S>(binary: &Path, args: I, envs: &[(&str, &str)]) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let process = Process::spawn(binary, args, envs);
        let deadline = Instant::now() + START_DEADLINE;
        let ready = process.wait_stdout(0, deadline, |line| line.contains(READY).then_some(()));
        if ready.is_none() {
            // The transcript (stderr included) is printed when `process` is dropped.
            panic!(
                "{} did not print {READY:?} within {START_DEADLINE:?}",
                process.name()
            );
        }
        Self {
            process,
            config: None,
            dir: None,
        }
    }

    /// The address in the ready line that contains `marker`.
    fn listening(&self, marker: &str) -> SocketAddr {
        let found = self
            .process
            .wait_stdout(0, Instant::now() + START_DEADLINE, |line| {
                let (_, addr) = line.split_once(marker)?;
                Some(addr.trim().parse::<SocketAddr>().unwrap_or_else(|e| {
                    panic!("bad address in {line:?}: {e}");
                }))
            });
        match found {
            Some((_, addr)) => addr,
            None => panic!("{} did not print {marker:?}", self.process.name()),
        }
    }

    /// The audio service's UDP address.
    pub fn addr(&self) -> SocketAddr {
        self.listening(AUDIO)
    }

    /// The voice service's management (TCP) address.
    pub fn voice_management_addr(&self) -> SocketAddr {
        self.listening(VOICE_MANAGEMENT)
    }

    /// The voice service's relay (UDP) address.
    pub fn voice_relay_addr(&self) -> SocketAddr {
        self.listening(VOICE_RELAY)
    }

    /// The chat service's HTTP and WebSocket (TCP) address.
    pub fn chat_addr(&self) -> SocketAddr {
        self.listening(CHAT)
    }

    /// The signal service's HTTP and WebSocket (TCP) address.
    pub fn signal_addr(&self) -> SocketAddr {
        self.listening(SIGNAL)
    }

    /// The config file written by [`Server::start`].
    pub fn config_path(&self) -> &Path {
        self.config
            .as_deref()
            .expect("the server was started without a config file")
    }

    /// The temporary (data) directory made by [`Server::start`].
    pub fn dir(&self) -> &Path {
        self.dir
            .as_ref()
            .map(TempDir::path)
            .expect("the server was started without a temporary directory")
    }

    /// The admin socket's path, from the line the server prints after its listening lines.
    pub fn admin_socket(&self) -> PathBuf {
        let found = self
            .process
            .wait_stdout(0, Instant::now() + START_DEADLINE, |line| {
                line.split_once(ADMIN)
                    .map(|(_, path)| PathBuf::from(path.trim()))
            });
        match found {
            Some((_, path)) => path,
            None => panic!("{} did not print {ADMIN:?}", self.process.name()),
        }
    }

    /// Runs `bin admin --socket … WORDS…` against the server (`words` split at spaces); returns its
    /// stdout. Panics if the command fails.
    pub fn admin(&self, bin: &Path, words: &str) -> String {
        let mut args: Vec<OsString> = vec!["admin".into(), "--socket".into()];
        args.push(self.admin_socket().into_os_string());
        args.extend(words.split(' ').map(Into::into));
        let finished = run(bin, &args, &[]);
        assert!(
            finished.status.success(),
            "`admin {words}` failed: {:?} {:?}",
            finished.status,
            finished.stderr
        );
        finished.stdout.join("\n")
    }

    /// `bin admin --socket … stats`'s answer as JSON.
    pub fn admin_stats(&self, bin: &Path) -> serde_json::Value {
        let printed = self.admin(bin, "stats");
        serde_json::from_str(&printed).unwrap_or_else(|e| panic!("stats {printed:?}: {e}"))
    }

    /// The server's process, e.g. to read its output.
    pub fn process(&self) -> &Process {
        &self.process
    }

    /// The stdout line right after the first one containing `marker`.
    pub fn stdout_line_after(&self, marker: &str) -> String {
        let deadline = Instant::now() + START_DEADLINE;
        let found = self
            .process
            .wait_stdout(0, deadline, |line| line.contains(marker).then_some(()))
            .and_then(|(i, ())| {
                self.process
                    .wait_stdout(i + 1, deadline, |line| Some(line.to_owned()))
            });
        match found {
            Some((_, line)) => line,
            None => panic!(
                "{} printed no line after one containing {marker:?}",
                self.process.name()
            ),
        }
    }

    /// SIGTERM, then waits up to [`STOP_DEADLINE`] for the exit.
    pub fn stop(&mut self) -> ExitStatus {
        self.stop_with("TERM")
    }

    /// Sends `signal` (`TERM`, `INT`, …), then waits up to [`STOP_DEADLINE`] for the exit.
    pub fn stop_with(&mut self, signal: &str) -> ExitStatus {
        self.process.signal(signal);
        match self.process.wait_exit(Instant::now() + STOP_DEADLINE) {
            Some(status) => status,
            None => panic!(
                "{} still running {STOP_DEADLINE:?} after SIG{signal}",
                self.process.name()
            ),
        }
    }
}
