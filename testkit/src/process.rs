//! Child processes with captured output: spawn, wait for a line, signal, wait for the exit — every
//! wait bounded by a deadline, none of them a sleep.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Environment variables the server reads; removed from every child so the developer's shell
/// cannot change what a test means.
const SERVER_ENV: &[&str] = &[
    "AUDIO_BIND_ADDR",
    "AUDIO_MAX_PACKET_SIZE",
    "AUDIO_BUFFER_SIZE",
    "MANAGEMENT_PORT",
    "VOICE_RELAY_PORT",
    "PORT",
    "RATE_LIMIT_MESSAGE_LIMIT",
    "RATE_LIMIT_JOIN_LIMIT",
    "RATE_LIMIT_CONNECTION_LIMIT_PER_IP",
    "RATE_LIMIT_MAX_MESSAGE_SIZE",
    "JWT_SECRET",
    "SIGNAL_PORT",
    "SERVER_NAME",
    "SERVER_ICON",
    "STUN_SERVERS",
    "SERVER_INVITE_ONLY",
    "SERVER_INVITE_CODES",
    "CORS_ORIGIN",
    "SFU_WS_HOST",
    "SERVER_TOKEN",
    "RATE_LIMIT_SERVER_JOIN",
    "RATE_LIMIT_SIGNAL",
    "RATE_LIMIT_CHAT_SEND",
    "RATE_LIMIT_CHAT_REACT",
    "STREAM_SERVER_PORT",
    "STREAM_MEDIA_DIR",
    "SECRET_KEY",
    "ALLOWED_ORIGINS",
    "NODE_ENV",
    "HARK_DATA_DIR",
    "RUST_LOG",
    "LOG_FORMAT",
];

/// A fresh directory under the system's temporary directory, removed (with its contents) on drop.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new() -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            // Short: the admin socket lives here, and Unix socket paths are limited to ~108 bytes.
            let path =
                std::env::temp_dir().join(format!("hark-it-{}-{n}-{nanos:x}", std::process::id()));
            match std::fs::create_dir(&path) {
                Ok(()) => return Self { path },
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => panic!("cannot create {}: {e}", path.display()),
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Default for TempDir {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[derive(Debug, Default)]
struct Streams {
    stdout: Vec<String>,
    stderr: Vec<String>,
    /// Pipes not yet at end of file.
    open: u8,
}

/// The lines a child wrote so far, filled by one reader thread per pipe.
#[derive(Debug, Default)]
struct Captured {
    streams: Mutex<Streams>,
    changed: Condvar,
}

impl Captured {
    fn lock(&self) -> MutexGuard<'_, Streams> {
        self.streams.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn read(self: &Arc<Self>, pipe: impl Read + Send + 'static, is_stdout: bool) {
        let captured = Arc::clone(self);
        std::thread::spawn(move || {
            let mut reader = BufReader::new(pipe);
            let mut line = Vec::new();
            loop {
                line.clear();
                let more = matches!(reader.read_until(b'\n', &mut line), Ok(n) if n > 0);
                let mut streams = captured.lock();
                if !more {
                    streams.open = streams.open.saturating_sub(1);
                    captured.changed.notify_all();
                    return;
                }
                let text = String::from_utf8_lossy(&line).trim_end().to_owned();
                if is_stdout {
                    streams.stdout.push(text);
                } else {
                    streams.stderr.push(text);
                }
                captured.changed.notify_all();
            }
        });
    }

    /// Waits until `done` holds or `deadline` passes; returns what `done` returned last.
    fn wait_until<T>(
        &self,
        deadline: Instant,
        mut done: impl FnMut(&Streams) -> Option<T>,
    ) -> Option<T> {
        let mut streams = self.lock();
        loop {
            if let Some(found) = done(&streams) {
                return Some(found);
            }
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            streams = self
                .changed
                .wait_timeout(streams, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

/// A running child process whose stdout and stderr are captured line by line. Killed on drop if
/// it has not exited.
#[derive(Debug)]
pub struct Process {
    name: String,
    child: Child,
    captured: Arc<Captured>,
    status: Option<ExitStatus>,
}

impl Process {
    /// Spawns `program` with `args` and `envs` (the server's own environment variables are
    /// cleared first), stdin empty, stdout and stderr captured.
    pub fn spawn<I, S>(program: &Path, args: I, envs: &[(&str, &str)]) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<S> = args.into_iter().collect();
        let mut name = program.display().to_string();
        for arg in &args {
            name.push(' ');
            name.push_str(&arg.as_ref().to_string_lossy());
        }
        let mut command = Command::new(program);
        command
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for key in SERVER_ENV {
            command.env_remove(key);
        }
        command.envs(envs.iter().copied());
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
        let captured = Arc::new(Captured::default());
        captured.lock().open = 2;
        if let Some(stdout) = child.stdout.take() {
            captured.read(stdout, true);
        }
        if let Some(stderr) = child.stderr.take() {
            captured.read(stderr, false);
        }
        Self {
            name,
            child,
            captured,
            status: None,
        }
    }

    /// The command line, for messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Every stdout line so far.
    pub fn stdout(&self) -> Vec<String> {
        self.captured.lock().stdout.clone()
    }

    /// Every stderr line so far.
    pub fn stderr(&self) -> Vec<String> {
        self.captured.lock().stderr.clone()
    }

    /// Waits for the first stdout line at index `from` or later for which `pick` returns `Some`.
    /// `None` when the deadline passes or stdout ends first.
    pub fn wait_stdout<T>(
        &self,
        from: usize,
        deadline: Instant,
        mut pick: impl FnMut(&str) -> Option<T>,
    ) -> Option<(usize, T)> {
        self.captured.wait_until(deadline, |streams| {
            let found = streams
                .stdout
                .iter()
                .enumerate()
                .skip(from)
                .find_map(|(i, line)| pick(line).map(|t| Some((i, t))));
            match found {
                Some(found) => Some(found),
                None if streams.open == 0 => Some(None),
                None => None,
            }
        })?
    }

    /// Sends `signal` (a name such as `TERM`) with `kill(1)`. The child is not reaped before
    /// [`Process::wait_exit`], so its pid is still its own.
    pub fn signal(&self, signal: &str) {
        assert!(self.status.is_none(), "{} has already exited", self.name);
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.pid().to_string())
            .status()
            .unwrap_or_else(|e| panic!("cannot run kill: {e}"));
        assert!(
            status.success(),
            "kill -{signal} {} failed: {status}",
            self.pid()
        );
    }

    /// Waits for the child to exit: both pipes at end of file (the child closes them when it
    /// exits), then reaps it. `None` if the deadline passes first.
    pub fn wait_exit(&mut self, deadline: Instant) -> Option<ExitStatus> {
        if let Some(status) = self.status {
            return Some(status);
        }
        self.captured
            .wait_until(deadline, |streams| (streams.open == 0).then_some(()))?;
        let status = self
            .child
            .wait()
            .unwrap_or_else(|e| panic!("cannot wait for {}: {e}", self.name));
        self.status = Some(status);
        Some(status)
    }

    /// Everything the child wrote, for failure messages.
    pub fn transcript(&self) -> String {
        let streams = self.captured.lock();
        format!(
            "--- stdout of {} ---\n{}\n--- stderr ---\n{}",
            self.name,
            streams.stdout.join("\n"),
            streams.stderr.join("\n")
        )
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if self.status.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        if std::thread::panicking() {
            eprintln!("{}", self.transcript());
        }
    }
}

/// What a finished command printed.
#[derive(Debug, Clone)]
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: Vec<String>,
    pub stderr: Vec<String>,
}

/// How long a short command (`token`, `admin`, a `serve` expected to fail) may take.
pub const COMMAND_DEADLINE: Duration = Duration::from_secs(10);

/// Runs `program` to completion within [`COMMAND_DEADLINE`]; panics if it does not finish.
pub fn run<I, S>(program: &Path, args: I, envs: &[(&str, &str)]) -> Finished
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut process = Process::spawn(program, args, envs);
    let Some(status) = process.wait_exit(Instant::now() + COMMAND_DEADLINE) else {
        // The transcript is printed when `process` is dropped.
        panic!(
            "{} did not finish within {COMMAND_DEADLINE:?}",
            process.name()
        );
    };
    Finished {
        status,
        stdout: process.stdout(),
        stderr: process.stderr(),
    }
}
