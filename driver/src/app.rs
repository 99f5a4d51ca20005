//! The server program: `serve`, `token`, `sign-url` and `admin`, for any runtime. `hark` (tokio) and
//! `hark-smol` are this function plus their runtime.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hark_core::auth::{TokenClaims, mint_token};
use hark_core::directory::Directory;
use hark_core::wire::audio::UserId;

use crate::admin::{self, AdminRequest, Services};
use crate::audio::AudioServer;
use crate::chat::ChatServer;
use crate::cli::{self, AdminArgs, Command, SignUrlArgs, TokenArgs};
use crate::config::{self, ConfigError, DEMO_CHANNEL, Flags, Loaded};
use crate::logging;
use crate::runtime::Runtime;
use crate::secret::{self, SecretSource};
use crate::signal::SignalServer;
use crate::stream::{self, StreamServer};
use crate::voice::{VoiceRelayServer, VoiceServerBuilder};

/// Lifetime of the demo token printed at start-up.
const DEMO_TOKEN_TTL: Duration = Duration::from_secs(24 * 3600);
/// The user the demo token is for.
const DEMO_USER: &str = "guest";

fn env(key: &str) -> Option<String> {
    std::env::var(key).ok()
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Runs the program named `program` with the process arguments; returns its exit code.
pub async fn main<R: Runtime + Clone>(program: &str, runtime: R) -> ExitCode {
    let command = match cli::parse(std::env::args_os().skip(1)) {
        Ok(command) => command,
        Err(e) => {
            eprintln!("{program}: {e}\nrun `{program} --help` for usage");
            return ExitCode::from(2);
        }
    };
    let result = match command {
        Command::Help => {
            println!("{}", cli::usage(program));
            Ok(())
        }
        Command::Version => {
            println!("{program} {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        Command::Serve(flags) => serve(program, runtime, &flags).await,
        Command::Token(args) => token(&args),
        Command::SignUrl(args) => sign_url(&args),
        Command::Admin(args) => admin(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{program}: {message}");
            ExitCode::FAILURE
        }
    }
}

fn invalid(e: ConfigError) -> String {
    format!("invalid configuration: {e}")
}

async fn serve<R: Runtime + Clone>(program: &str, runtime: R, flags: &Flags) -> Result<(), String> {
    let loaded = config::load(flags, &env).map_err(invalid)?;
    logging::init(&loaded.log().map_err(invalid)?);
    let data_dir = loaded.data_dir(&env);
    let (secret, source) =
        secret::resolve(loaded.jwt_secret(), &data_dir).map_err(|e| e.to_string())?;
    match &source {
        SecretSource::Configured => {}
        SecretSource::Stored(path) => println!("using the JWT secret in {}", path.display()),
        SecretSource::Generated(path) => println!(
            "generated a JWT secret in {} (mode 0600); it is reused on every start",
            path.display()
        ),
    }
    let settings = loaded
        .settings(secret.as_bytes(), &data_dir)
        .map_err(invalid)?;
    let directory = Directory::new(settings.channels.clone())
        .map_err(|e| invalid(ConfigError::new("channels", e.to_string())))?;
    if settings.audio.is_none()
        && settings.voice.is_none()
        && settings.chat.is_none()
        && settings.signal.is_none()
        && settings.stream.is_none()
    {
        return Err("no service is enabled (audio.enabled, voice.enabled and chat.enabled are false, signal.enabled and stream.enabled are not true)".into());
    }
    // Settled before anything starts: in production mode a missing key stops the server here.
    let stream_secret = match &settings.stream {
        Some(_) => Some(stream_secret(&loaded, &data_dir)?),
        None => None,
    };
    // Registered before anything starts, so a signal during start-up is not lost.
    let stop = runtime
        .shutdown_signal()
        .map_err(|e| format!("cannot install signal handlers: {e}"))?;

    let mut services = Services::default();
    let mut audio = None;
    if let Some(config) = settings.audio {
        let mut server = AudioServer::with_runtime(runtime.clone(), config, directory.clone());
        let addr = server.start().await.map_err(|e| e.to_string())?;
        println!("{program}: audio listening on udp://{addr}");
        services.audio = Some(server.controller().map_err(|e| e.to_string())?);
        audio = Some(server);
    }
    let mut voice = None;
    if let Some(config) = settings.voice {
        let (mut management, link) = VoiceServerBuilder::with_runtime(runtime.clone())
            .config(config)
            .directory(directory.clone())
            .build();
        let mut relay = VoiceRelayServer::new(link);
        let relay_addr = relay.start().await.map_err(|e| e.to_string())?;
        let management_addr = management.start().await.map_err(|e| e.to_string())?;
        println!("{program}: voice management listening on tcp://{management_addr}");
        println!("{program}: voice relay listening on udp://{relay_addr}");
        services.voice = Some(relay.controller());
        voice = Some(relay);
    }
    let mut signal = None;
    if let Some(config) = settings.signal {
        let mut server = SignalServer::with_runtime(runtime.clone(), config, directory);
        let addr = server.start().await.map_err(|e| e.to_string())?;
        // Socket.IO is at `/socket.io/` on this address.
        println!("{program}: signal listening on http://{addr}");
        services.signal = Some(server.controller());
        signal = Some(server);
    }
    let mut stream = None;
    if let (Some(config), Some(secret)) = (settings.stream, stream_secret) {
        let mut server = StreamServer::with_runtime(runtime.clone(), config, secret);
        let addr = server.start().await.map_err(|e| e.to_string())?;
        // Signed files are at `/stream/{id}` on this address, `/health` beside them.
        println!("{program}: stream listening on http://{addr}");
        services.stream = Some(server.controller());
        stream = Some(server);
    }
    let mut chat = None;
    if let Some(config) = settings.chat {
        let mut server = ChatServer::with_runtime(runtime, config);
        let addr = server.start().await.map_err(|e| e.to_string())?;
        // The WebSocket endpoint is `/ws` on this address.
        println!("{program}: chat listening on http://{addr}");
        services.chat = Some(server.controller());
        chat = Some(server);
    }
    let _admin = match &settings.admin_socket {
        Some(path) => {
            let socket = admin::serve(path, services)
                .map_err(|e| format!("admin socket {}: {e}", path.display()))?;
            println!("{program}: admin socket at {}", path.display());
            Some(socket)
        }
        None => None,
    };
    // The demo channel and its token are for audio and voice; chat has no tokens.
    if settings.demo && (audio.is_some() || voice.is_some()) {
        print_demo(program, secret.as_bytes(), flags);
    }

    stop.await;
    tracing::info!("shutting down");
    // All at once: each gives its clients up to half a second to take the goodbyes.
    let audio_stopped = async {
        match &mut audio {
            Some(server) => server.shutdown().await.map_err(|e| e.to_string()),
            None => Ok(()),
        }
    };
    let voice_stopped = async {
        match &voice {
            Some(relay) => relay.shutdown().await.map_err(|e| e.to_string()),
            None => Ok(()),
        }
    };
    let chat_stopped = async {
        match &chat {
            Some(server) => server.shutdown().await.map_err(|e| e.to_string()),
            None => Ok(()),
        }
    };
    let signal_stopped = async {
        match &signal {
            Some(server) => server
                .controller()
                .shutdown()
                .await
                .map_err(|e| e.to_string()),
            None => Ok(()),
        }
    };
    let ((audio_stopped, voice_stopped), (chat_stopped, signal_stopped)) =
        futures_lite::future::zip(
            futures_lite::future::zip(audio_stopped, voice_stopped),
            futures_lite::future::zip(chat_stopped, signal_stopped),
        )
        .await;
    let stream_stopped = match &stream {
        Some(server) => server.shutdown().await.map_err(|e| e.to_string()),
        None => Ok(()),
    };
    audio_stopped
        .and(voice_stopped)
        .and(chat_stopped)
        .and(signal_stopped)
        .and(stream_stopped)
}

/// The stream service's URL-signing key (stream.md §11), saying where it came from.
fn stream_secret(loaded: &Loaded, data_dir: &Path) -> Result<String, String> {
    let (secret, source) = secret::resolve_stream(
        loaded.stream_secret(),
        loaded.stream_development(),
        data_dir,
    )
    .map_err(|e| e.to_string())?;
    match &source {
        SecretSource::Configured => {}
        SecretSource::Stored(path) => println!("using the stream secret in {}", path.display()),
        SecretSource::Generated(path) => println!(
            "generated a stream secret in {} (mode 0600, development mode); it is reused on every start",
            path.display()
        ),
    }
    Ok(secret)
}

/// Prints one signed URL (stream.md §4), with the key `serve` would use.
fn sign_url(args: &SignUrlArgs) -> Result<(), String> {
    let loaded = config::load(&args.flags, &env).map_err(invalid)?;
    let data_dir = loaded.data_dir(&env);
    let config = loaded.stream().map_err(invalid)?;
    let (secret, _) = secret::resolve_stream(
        loaded.stream_secret(),
        loaded.stream_development(),
        &data_dir,
    )
    .map_err(|e| e.to_string())?;
    let url = stream::signed_url(
        &config,
        secret.as_bytes(),
        &args.id,
        args.ttl_secs,
        args.base.as_deref(),
    )
    .map_err(|e| e.to_string())?;
    println!("{url}");
    Ok(())
}

fn print_demo(program: &str, secret: &[u8], flags: &Flags) {
    let now = unix_now();
    let claims = TokenClaims {
        sub: Some(DEMO_USER.into()),
        exp: Some(now + DEMO_TOKEN_TTL.as_secs()),
        nbf: None,
        iat: Some(now),
    };
    let config = flags
        .config
        .as_ref()
        .map(|p| format!(" --config {}", p.display()))
        .unwrap_or_default();
    println!(
        "serving the demo channel {DEMO_CHANNEL:?}; demo token for user {DEMO_USER:?} (valid 24 h):\n  {}\nmint more: {program} token{config} --user NAME --channel {DEMO_CHANNEL} [--ttl SECS]",
        mint_token(secret, &claims)
    );
}

fn token(args: &TokenArgs) -> Result<(), String> {
    let loaded = config::load(&args.flags, &env).map_err(invalid)?;
    let data_dir = loaded.data_dir(&env);
    let secret = configured_or_stored_secret(&loaded, &data_dir)?;
    UserId::new(&args.user).map_err(|e| format!("--user {:?}: {e}", args.user))?;
    if let Some(channel) = &args.channel {
        warn_if_refused(&loaded, &secret, &data_dir, channel, &args.user)?;
    }
    let now = unix_now();
    let claims = TokenClaims {
        sub: Some(args.user.clone()),
        exp: Some(now.saturating_add(args.ttl_secs)),
        nbf: None,
        iat: Some(now),
    };
    println!("{}", mint_token(secret.as_bytes(), &claims));
    Ok(())
}

fn configured_or_stored_secret(loaded: &Loaded, data_dir: &Path) -> Result<String, String> {
    if let Some(secret) = loaded.jwt_secret() {
        return Ok(secret.to_owned());
    }
    match secret::read(data_dir).map_err(|e| e.to_string())? {
        Some((secret, _)) => Ok(secret),
        None => Err(secret::SecretError::Missing(data_dir.join(secret::SECRET_FILE)).to_string()),
    }
}

/// Tokens carry no channel: access is the directory's. Say so now rather than at handshake.
fn warn_if_refused(
    loaded: &Loaded,
    secret: &str,
    data_dir: &Path,
    channel: &str,
    user: &str,
) -> Result<(), String> {
    let settings = loaded
        .settings(secret.as_bytes(), data_dir)
        .map_err(invalid)?;
    let directory = Directory::new(settings.channels)
        .map_err(|e| invalid(ConfigError::new("channels", e.to_string())))?;
    if let Err(refusal) = directory.admit(channel, user) {
        eprintln!(
            "warning: channel {channel:?}: {refusal}; a handshake with this token will be refused"
        );
    }
    Ok(())
}

fn admin(args: &AdminArgs) -> Result<(), String> {
    let request = AdminRequest::from_words(&args.words)?;
    let path: PathBuf = match &args.socket {
        Some(path) => path.clone(),
        None => {
            let loaded = config::load(&args.flags, &env).map_err(invalid)?;
            let data_dir = loaded.data_dir(&env);
            let settings = loaded.settings(b"unused", &data_dir).map_err(invalid)?;
            settings
                .admin_socket
                .ok_or("the admin socket is disabled (admin.enabled = false)")?
        }
    };
    let response =
        admin::request(&path, &request).map_err(|e| format!("{}: {e}", path.display()))?;
    match (response.ok, response.stats, response.error) {
        (true, Some(stats), _) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&stats).map_err(|e| e.to_string())?
            );
            Ok(())
        }
        (true, None, _) => Ok(()),
        (false, _, error) => Err(error.unwrap_or_else(|| "request failed".into())),
    }
}
