//! The command line shared by `hark` and `hark-smol`.

use std::ffi::OsString;
use std::path::PathBuf;

use lexopt::prelude::*;

use crate::config::Flags;

/// What to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Serve(Flags),
    Token(TokenArgs),
    SignUrl(SignUrlArgs),
    Admin(AdminArgs),
    Help,
    Version,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct TokenArgs {
    pub flags: Flags,
    pub user: String,
    pub channel: Option<String>,
    pub ttl_secs: u64,
}

/// `sign-url ID [--ttl SECS] [--base URL]` (stream.md §4).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SignUrlArgs {
    pub flags: Flags,
    pub id: String,
    pub ttl_secs: u64,
    /// `scheme://host[:port]` the path is appended to; `None`: `http://localhost:{stream port}`.
    pub base: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AdminArgs {
    pub flags: Flags,
    pub socket: Option<PathBuf>,
    /// The request words, e.g. `["ban", "demo", "mallory"]`.
    pub words: Vec<String>,
}

/// Default token and signed URL lifetime: one hour.
pub const DEFAULT_TTL_SECS: u64 = 3600;

pub fn usage(program: &str) -> String {
    format!(
        "\
{program}: self-hosted voice and real-time messaging server

usage:
  {program} serve [--config FILE] [--bind ADDR] [--data-dir DIR] [--log-format text|json]
  {program} token --user USER [--channel CHANNEL] [--ttl SECS] [--config FILE] [--data-dir DIR]
  {program} sign-url ID [--ttl SECS] [--base URL] [--config FILE] [--data-dir DIR]
  {program} admin [--socket PATH | --config FILE | --data-dir DIR] REQUEST...
  {program} --help | --version

admin requests:
  ban CHANNEL USER · unban CHANNEL USER · add-member CHANNEL USER · remove-member CHANNEL USER
  remove-channel CHANNEL · reset · stats

environment: AUDIO_BIND_ADDR, AUDIO_MAX_PACKET_SIZE, AUDIO_BUFFER_SIZE, MANAGEMENT_PORT,
VOICE_RELAY_PORT, PORT (chat), RATE_LIMIT_MESSAGE_LIMIT, RATE_LIMIT_JOIN_LIMIT,
RATE_LIMIT_CONNECTION_LIMIT_PER_IP, RATE_LIMIT_MAX_MESSAGE_SIZE, JWT_SECRET, STREAM_SERVER_PORT,
STREAM_MEDIA_DIR, SECRET_KEY, ALLOWED_ORIGINS, NODE_ENV, HARK_DATA_DIR, RUST_LOG, LOG_FORMAT
(override the config file; flags override both)"
    )
}

/// Parses `args` (without the program name).
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, lexopt::Error> {
    let mut parser = lexopt::Parser::from_args(args);
    let Some(arg) = parser.next()? else {
        return Ok(Command::Help);
    };
    match arg {
        Long("help") | Short('h') => Ok(Command::Help),
        Long("version") | Short('V') => Ok(Command::Version),
        Value(word) => match word.string()?.as_str() {
            "serve" => serve(&mut parser),
            "token" => token(&mut parser),
            "sign-url" => sign_url(&mut parser),
            "admin" => admin(&mut parser),
            "help" => Ok(Command::Help),
            other => Err(format!("unknown command {other:?}").into()),
        },
        other => Err(other.unexpected()),
    }
}

/// A flag every command takes.
enum CommonFlag {
    Config,
    DataDir,
}

impl CommonFlag {
    fn of(arg: &lexopt::Arg<'_>) -> Option<Self> {
        match arg {
            Long("config") | Short('c') => Some(Self::Config),
            Long("data-dir") => Some(Self::DataDir),
            _ => None,
        }
    }

    fn set(self, flags: &mut Flags, value: OsString) {
        let slot = match self {
            Self::Config => &mut flags.config,
            Self::DataDir => &mut flags.data_dir,
        };
        *slot = Some(value.into());
    }
}

fn serve(parser: &mut lexopt::Parser) -> Result<Command, lexopt::Error> {
    let mut flags = Flags::default();
    while let Some(arg) = parser.next()? {
        if let Some(flag) = CommonFlag::of(&arg) {
            flag.set(&mut flags, parser.value()?);
            continue;
        }
        match arg {
            Long("bind") => flags.bind = Some(parser.value()?.string()?),
            Long("log-format") => flags.log_format = Some(parser.value()?.string()?),
            Long("help") | Short('h') => return Ok(Command::Help),
            other => return Err(other.unexpected()),
        }
    }
    Ok(Command::Serve(flags))
}

fn token(parser: &mut lexopt::Parser) -> Result<Command, lexopt::Error> {
    let mut args = TokenArgs {
        ttl_secs: DEFAULT_TTL_SECS,
        ..TokenArgs::default()
    };
    let mut user = None;
    while let Some(arg) = parser.next()? {
        if let Some(flag) = CommonFlag::of(&arg) {
            flag.set(&mut args.flags, parser.value()?);
            continue;
        }
        match arg {
            Long("user") | Short('u') => user = Some(parser.value()?.string()?),
            Long("channel") => args.channel = Some(parser.value()?.string()?),
            Long("ttl") => args.ttl_secs = parser.value()?.parse()?,
            Long("help") | Short('h') => return Ok(Command::Help),
            other => return Err(other.unexpected()),
        }
    }
    args.user = user.ok_or("token needs --user USER")?;
    Ok(Command::Token(args))
}

fn sign_url(parser: &mut lexopt::Parser) -> Result<Command, lexopt::Error> {
    let mut args = SignUrlArgs {
        ttl_secs: DEFAULT_TTL_SECS,
        ..SignUrlArgs::default()
    };
    let mut id = None;
    while let Some(arg) = parser.next()? {
        if let Some(flag) = CommonFlag::of(&arg) {
            flag.set(&mut args.flags, parser.value()?);
            continue;
        }
        match arg {
            Long("ttl") => args.ttl_secs = parser.value()?.parse()?,
            Long("base") => args.base = Some(parser.value()?.string()?),
            Long("help") | Short('h') => return Ok(Command::Help),
            Value(word) if id.is_none() => id = Some(word.string()?),
            other => return Err(other.unexpected()),
        }
    }
    args.id = id.ok_or("sign-url needs an ID, e.g. `sign-url track1`")?;
    Ok(Command::SignUrl(args))
}

fn admin(parser: &mut lexopt::Parser) -> Result<Command, lexopt::Error> {
    let mut args = AdminArgs::default();
    while let Some(arg) = parser.next()? {
        if let Some(flag) = CommonFlag::of(&arg) {
            flag.set(&mut args.flags, parser.value()?);
            continue;
        }
        match arg {
            Long("socket") => args.socket = Some(parser.value()?.into()),
            Long("help") | Short('h') => return Ok(Command::Help),
            Value(word) => args.words.push(word.string()?),
            other => return Err(other.unexpected()),
        }
    }
    if args.words.is_empty() {
        return Err("admin needs a request, e.g. `admin stats`".into());
    }
    Ok(Command::Admin(args))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_words(words: &[&str]) -> Result<Command, lexopt::Error> {
        parse(words.iter().map(OsString::from))
    }

    #[test]
    fn serve_takes_a_config_file_and_a_bind_address() {
        let Command::Serve(flags) =
            parse_words(&["serve", "--config", "h.toml", "--bind", "127.0.0.1:9"]).unwrap()
        else {
            panic!("not serve")
        };
        assert_eq!(flags.config, Some(PathBuf::from("h.toml")));
        assert_eq!(flags.bind.as_deref(), Some("127.0.0.1:9"));
    }

    #[test]
    fn token_needs_a_user_and_defaults_to_an_hour() {
        assert!(
            parse_words(&["token"])
                .unwrap_err()
                .to_string()
                .contains("--user")
        );
        let Command::Token(args) = parse_words(&["token", "--user", "alice"]).unwrap() else {
            panic!("not token")
        };
        assert_eq!((args.user.as_str(), args.ttl_secs), ("alice", 3600));
    }

    #[test]
    fn sign_url_takes_an_id_a_ttl_and_a_base() {
        let Command::SignUrl(args) = parse_words(&["sign-url", "track1"]).unwrap() else {
            panic!("not sign-url")
        };
        assert_eq!(
            (args.id.as_str(), args.ttl_secs, args.base),
            ("track1", 3600, None)
        );
        let Command::SignUrl(args) = parse_words(&[
            "sign-url",
            "--ttl",
            "60",
            "track2",
            "--base",
            "https://cdn.example",
        ])
        .unwrap() else {
            panic!("not sign-url")
        };
        assert_eq!(args.id, "track2");
        assert_eq!(args.ttl_secs, 60);
        assert_eq!(args.base.as_deref(), Some("https://cdn.example"));
    }

    #[test]
    fn sign_url_needs_exactly_one_id() {
        assert!(
            parse_words(&["sign-url"])
                .unwrap_err()
                .to_string()
                .contains("ID")
        );
        assert!(parse_words(&["sign-url", "a", "b"]).is_err());
    }

    #[test]
    fn admin_collects_its_request_words() {
        let Command::Admin(args) = parse_words(&["admin", "ban", "demo", "mallory"]).unwrap()
        else {
            panic!("not admin")
        };
        assert_eq!(args.words, ["ban", "demo", "mallory"]);
    }

    #[test]
    fn unknown_commands_and_flags_are_errors() {
        assert!(parse_words(&["launch"]).is_err());
        assert!(parse_words(&["serve", "--port", "1"]).is_err());
    }

    #[test]
    fn no_arguments_prints_help() {
        assert_eq!(parse_words(&[]).unwrap(), Command::Help);
    }
}
