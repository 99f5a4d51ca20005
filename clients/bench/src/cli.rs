//! The `hark-bench` command line.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use lexopt::prelude::*;

use super::generator::UdpParams;
use super::http::load::HttpParams;
use super::http::target::HttpTarget;
use super::null_relay::NullRelayConfig;
use super::server::{BenchSetup, ServerKind, ServerSpec};
use super::sweep::SweepParams;
use super::ws::conn::WsTarget;
use super::ws::idle::IdleParams;
use super::ws::load::WsParams;
use super::ws::null_chat::NullChatConfig;
use super::ws::sweep::WsSweepParams;

pub const USAGE: &str = "\
hark-bench: load generator for hark's UDP audio relay, its WebSocket chat and its stream service

usage:
  hark-bench udp --target ADDR --secret SECRET [--channel ID] [--clients N] [--speakers K]
                 [--rate R] [--secs D] [--payload BYTES] [--grace SECS] [--groups G]
                 [--probes P] [--poll-ms MS] [--label NAME] [--server-pid PID]
      N clients handshake into channel ID (default bnch) of the server at ADDR; K of them send R
      audio packets/s each for D seconds (defaults: 200, 20, 50, 5; payload 160 B). P evenly
      spaced clients (default 8) receive on readiness and time every datagram; the others are
      drained every MS milliseconds (default 5) by G tasks (default 4) and only count. Prints one
      summary line on stderr and the figures as JSON on stdout.
  hark-bench null-relay [--bind ADDR] [--buffer BYTES] [--max-peers N]
      The null relay: hark's batched UDP I/O without the protocol. Relays until SIGINT/SIGTERM.
  hark-bench sweep [--hark PATH] [--hark-smol PATH] [--servers LIST] [--clients N] [--speakers K]
                   [--rate R] [--secs D] [--payload BYTES] [--grace SECS] [--groups G]
                   [--probes P] [--poll-ms MS] [--step F] [--max-steps S] [--refine B] [--loss-limit FRACTION]
                   [--server-cpu CPU] [--buffer BYTES] [--quiet-wait SECS] [--attempts A]
                   [--dir DIR] [--json FILE]
      For each server of LIST (default null-relay,hark,hark-smol): start it with
      `taskset -c CPU` (default 0), run scenario (a) (N, K, R), then multiply the offered load by
      F (default 1.25) until loss passes the limit (default 0.01), then bisect B times (default
      2). Before each step, wait up to --quiet-wait seconds (default 120) for every core to be
      idle, and run a step again (up to A times, default 3) if other processes took more than
      10% of a core during it, keeping the least disturbed run. Run the sweep itself under `taskset -c 1`. Servers default to the hark and hark-smol
      next to this program.
  hark-bench ws --url ws://IP:PORT/ws [--rooms R] [--clients C] [--rate M] [--secs D] [--size B]
                [--grace SECS] [--concurrency K] [--label NAME] [--server-pid PID]
      R rooms x C clients each (defaults 100 x 10) connect, upgrade and join (K at a time,
      default 64); then every client sends M messages per minute (default 60) for D seconds
      (default 10), each a base64 \"ciphertext\" of B bytes (default 96) carrying its send time,
      and everyone receives its room's fan-out. Reports delivered messages/s, one-way latency,
      setup time (connect + upgrade + join -> userList) and errors: one line on stderr, JSON on
      stdout. The server's message_limit must allow M per minute.
  hark-bench ws-idle --url ws://IP:PORT/ws [--connections N] [--room-size K] [--hold SECS]
                     [--concurrency K] [--label NAME] [--server-pid PID]
      N connections (default 10000) join rooms of K (default 100) and stay idle for SECS
      (default 35, past the server's 30 s heartbeat); then each pings and waits for its pong.
      With --server-pid, the server's RSS growth per connection. Needs N open files (ulimit -n).
  hark-bench null-chat [--bind ADDR]
      The null chat server: the same WebSocket stack, rooms and fan-out, no protocol. Serves
      until SIGINT/SIGTERM.
  hark-bench ws-sweep [--hark PATH] [--hark-smol PATH] [--servers LIST] [--scenarios LIST]
                      [--secs D] [--size B] [--idle N] [--room-size K] [--hold SECS]
                      [--server-cpu CPU] [--quiet-wait SECS] [--dir DIR] [--json FILE]
      For each server of LIST (default null-chat,hark,hark-smol), each a fresh process under
      `taskset -c CPU` (default 0): every throughput scenario of LIST (default
      10x10@60,100x10@60,100x10@300,100x10@600: ROOMSxCLIENTS@RATE per minute), then the idle
      run with N connections (default 10000; 0 skips it). Run it under `taskset -c 1`.
  hark-bench http --url http://IP:PORT --secret SECRET [--id ID] [--connections N] [--secs D]
                  [--range BYTES] [--ttl SECS] [--label NAME] [--server-pid PID]
                  [--quiet-wait SECS]
      Signs /stream/ID (default id bench) with SECRET as `hark sign-url` does, learns the file's
      length with a HEAD, then N keep-alive connections (default 64) each GET random BYTES-long
      Ranges of it (default 65536) back to back for D seconds (default 10). Anything but a 206
      with the whole range is an error. Reports requests/s, MiB/s, latency (request to last body
      byte) and errors: one line on stderr, JSON on stdout. With --quiet-wait, first waits up to
      SECS for every core to be idle. clients/bench/run_http.sh compares hark, hark-smol and
      nginx with it.";

/// What to do.
#[derive(Debug, Clone)]
pub enum Command {
    Udp(UdpParams),
    NullRelay(NullRelayConfig),
    Sweep(Box<SweepParams>),
    Ws(WsParams),
    WsIdle(IdleParams),
    NullChat(NullChatConfig),
    WsSweep(Box<WsSweepParams>),
    Http(HttpParams),
    Help,
}

/// Parses the arguments after the program name.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, lexopt::Error> {
    let mut parser = lexopt::Parser::from_args(args);
    let Some(arg) = parser.next()? else {
        return Ok(Command::Help);
    };
    match arg {
        Long("help") | Short('h') => Ok(Command::Help),
        Value(word) => match word.string()?.as_str() {
            "udp" => udp(&mut parser),
            "null-relay" => null_relay(&mut parser),
            "sweep" => sweep(&mut parser),
            "ws" => ws(&mut parser),
            "ws-idle" => ws_idle(&mut parser),
            "null-chat" => null_chat(&mut parser),
            "ws-sweep" => ws_sweep(&mut parser),
            "http" => http(&mut parser),
            "help" => Ok(Command::Help),
            other => Err(format!("unknown command {other:?}").into()),
        },
        other => Err(other.unexpected()),
    }
}

fn value<T: FromStr>(parser: &mut lexopt::Parser) -> Result<T, lexopt::Error>
where
    T::Err: Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
{
    parser.value()?.parse()
}

fn seconds(parser: &mut lexopt::Parser) -> Result<Duration, lexopt::Error> {
    let secs: f64 = value(parser)?;
    Duration::try_from_secs_f64(secs).map_err(|e| e.to_string().into())
}

/// The flags shared by `udp` and `sweep`: the load's shape.
const LOAD_FLAGS: [&str; 9] = [
    "clients", "speakers", "rate", "secs", "payload", "grace", "groups", "probes", "poll-ms",
];

/// Parses the value of `--flag`, one of [`LOAD_FLAGS`].
fn load_flag(
    flag: &str,
    parser: &mut lexopt::Parser,
    load: &mut UdpParams,
) -> Result<(), lexopt::Error> {
    match flag {
        "clients" => load.clients = value(parser)?,
        "speakers" => load.speakers = value(parser)?,
        "rate" => load.rate = value(parser)?,
        "secs" => load.secs = value(parser)?,
        "payload" => load.payload = value(parser)?,
        "grace" => load.grace = seconds(parser)?,
        "groups" => load.groups = value(parser)?,
        "probes" => load.probes = value(parser)?,
        _ => load.poll_interval = Duration::from_millis(value(parser)?),
    }
    Ok(())
}

fn udp(parser: &mut lexopt::Parser) -> Result<Command, lexopt::Error> {
    let mut params = UdpParams::new(SocketAddr::from(([127, 0, 0, 1], 0)), "");
    let mut target = None;
    let mut secret = None;
    while let Some(arg) = parser.next()? {
        match arg {
            Long(flag) if LOAD_FLAGS.contains(&flag) => {
                let flag = flag.to_owned();
                load_flag(&flag, parser, &mut params)?;
            }
            Long("target") => target = Some(value(parser)?),
            Long("secret") => secret = Some(parser.value()?.string()?),
            Long("channel") => params.channel = parser.value()?.string()?,
            Long("label") => params.label = parser.value()?.string()?,
            Long("server-pid") => params.server_pid = Some(value(parser)?),
            Long("help") | Short('h') => return Ok(Command::Help),
            other => return Err(other.unexpected()),
        }
    }
    params.target = target.ok_or("--target ADDR is required")?;
    params.secret = secret.ok_or("--secret SECRET is required (the server's jwt_secret)")?;
    Ok(Command::Udp(params))
}

fn null_relay(parser: &mut lexopt::Parser) -> Result<Command, lexopt::Error> {
    let mut config = NullRelayConfig::new(SocketAddr::from(([127, 0, 0, 1], 0)));
    while let Some(arg) = parser.next()? {
        match arg {
            Long("bind") => config.bind = value(parser)?,
            Long("buffer") => config.buffer = value(parser)?,
            Long("max-peers") => config.max_peers = value(parser)?,
            Long("help") | Short('h') => return Ok(Command::Help),
            other => return Err(other.unexpected()),
        }
    }
    Ok(Command::NullRelay(config))
}

fn sweep(parser: &mut lexopt::Parser) -> Result<Command, lexopt::Error> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let sibling = |name: &str| me.with_file_name(name);
    let mut hark = sibling("hark");
    let mut hark_smol = sibling("hark-smol");
    let mut servers = vec!["null-relay".to_owned(), "hark".into(), "hark-smol".into()];
    let mut base = UdpParams::new(SocketAddr::from(([127, 0, 0, 1], 0)), "");
    let mut setup = BenchSetup {
        dir: std::env::temp_dir().join(format!("hark-bench-{}", std::process::id())),
        secret: format!("hark-bench-secret-{}", std::process::id()),
        channel: base.channel.clone(),
        buffer: 4 << 20,
        cpu: "0".into(),
    };
    let mut step: f64 = 1.25;
    let mut max_steps = 12;
    let mut refine = 2;
    let mut loss_limit = 0.01;
    let mut quiet_wait = Duration::from_secs(120);
    let mut attempts = 3;
    let mut json: Option<PathBuf> = None;
    while let Some(arg) = parser.next()? {
        match arg {
            Long(flag) if LOAD_FLAGS.contains(&flag) => {
                let flag = flag.to_owned();
                load_flag(&flag, parser, &mut base)?;
            }
            Long("hark") => hark = parser.value()?.into(),
            Long("hark-smol") => hark_smol = parser.value()?.into(),
            Long("servers") => {
                servers = parser
                    .value()?
                    .string()?
                    .split(',')
                    .map(|s| s.trim().to_owned())
                    .collect();
            }
            Long("step") => step = value(parser)?,
            Long("max-steps") => max_steps = value(parser)?,
            Long("refine") => refine = value(parser)?,
            Long("loss-limit") => loss_limit = value(parser)?,
            Long("quiet-wait") => quiet_wait = seconds(parser)?,
            Long("attempts") => attempts = value(parser)?,
            Long("server-cpu") => setup.cpu = parser.value()?.string()?,
            Long("buffer") => setup.buffer = value(parser)?,
            Long("dir") => setup.dir = parser.value()?.into(),
            Long("json") => json = Some(parser.value()?.into()),
            Long("help") | Short('h') => return Ok(Command::Help),
            other => return Err(other.unexpected()),
        }
    }
    if !(step > 1.0 && step.is_finite()) {
        return Err("--step: a factor greater than 1".into());
    }
    let servers = servers
        .iter()
        .map(|name| {
            let kind = match name.as_str() {
                "null-relay" | "null" => ServerKind::NullRelay(me.clone()),
                "hark" => ServerKind::Hark(hark.clone()),
                "hark-smol" => ServerKind::Hark(hark_smol.clone()),
                other => return Err(format!("--servers: unknown server {other:?}")),
            };
            Ok(ServerSpec {
                label: if name == "null" {
                    "null-relay".into()
                } else {
                    name.clone()
                },
                kind,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    base.client_buffer = setup.buffer;
    Ok(Command::Sweep(Box::new(SweepParams {
        servers,
        setup,
        base,
        step,
        max_steps,
        refine,
        loss_limit,
        quiet_wait,
        attempts,
        json,
    })))
}

/// A literal loopback address, the default of every chat command.
fn unset_target() -> WsTarget {
    WsTarget::new(SocketAddr::from(([127, 0, 0, 1], 0)))
}

fn ws(parser: &mut lexopt::Parser) -> Result<Command, lexopt::Error> {
    let mut params = WsParams::new(unset_target());
    let mut url = None;
    while let Some(arg) = parser.next()? {
        match arg {
            Long("url") => url = Some(value(parser)?),
            Long("rooms") => params.rooms = value(parser)?,
            Long("clients") => params.clients = value(parser)?,
            Long("rate") => params.rate = value(parser)?,
            Long("secs") => params.secs = value(parser)?,
            Long("size") => params.size = value(parser)?,
            Long("grace") => params.grace = seconds(parser)?,
            Long("concurrency") => params.concurrency = value(parser)?,
            Long("label") => params.label = parser.value()?.string()?,
            Long("server-pid") => params.server_pid = Some(value(parser)?),
            Long("help") | Short('h') => return Ok(Command::Help),
            other => return Err(other.unexpected()),
        }
    }
    params.target = url.ok_or("--url ws://IP:PORT/PATH is required")?;
    Ok(Command::Ws(params))
}

fn ws_idle(parser: &mut lexopt::Parser) -> Result<Command, lexopt::Error> {
    let mut params = IdleParams::new(unset_target());
    let mut url = None;
    while let Some(arg) = parser.next()? {
        match arg {
            Long("url") => url = Some(value(parser)?),
            Long("connections") => params.connections = value(parser)?,
            Long("room-size") => params.room_size = value(parser)?,
            Long("hold") => params.hold = seconds(parser)?,
            Long("concurrency") => params.concurrency = value(parser)?,
            Long("label") => params.label = parser.value()?.string()?,
            Long("server-pid") => params.server_pid = Some(value(parser)?),
            Long("help") | Short('h') => return Ok(Command::Help),
            other => return Err(other.unexpected()),
        }
    }
    params.target = url.ok_or("--url ws://IP:PORT/PATH is required")?;
    Ok(Command::WsIdle(params))
}

fn null_chat(parser: &mut lexopt::Parser) -> Result<Command, lexopt::Error> {
    let mut config = NullChatConfig {
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
    };
    while let Some(arg) = parser.next()? {
        match arg {
            Long("bind") => config.bind = value(parser)?,
            Long("help") | Short('h') => return Ok(Command::Help),
            other => return Err(other.unexpected()),
        }
    }
    Ok(Command::NullChat(config))
}

fn ws_sweep(parser: &mut lexopt::Parser) -> Result<Command, lexopt::Error> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut params = WsSweepParams::new(&me);
    let mut servers = None;
    while let Some(arg) = parser.next()? {
        match arg {
            Long("hark") => params.hark = parser.value()?.into(),
            Long("hark-smol") => params.hark_smol = parser.value()?.into(),
            Long("servers") => servers = Some(parser.value()?.string()?),
            Long("scenarios") => {
                params.scenarios = parser
                    .value()?
                    .string()?
                    .split(',')
                    .map(|s| s.trim().parse())
                    .collect::<Result<_, String>>()?;
            }
            Long("secs") => params.secs = value(parser)?,
            Long("size") => params.size = value(parser)?,
            Long("idle") => params.idle = value(parser)?,
            Long("room-size") => params.room_size = value(parser)?,
            Long("hold") => params.hold = seconds(parser)?,
            Long("server-cpu") => params.cpu = parser.value()?.string()?,
            Long("quiet-wait") => params.quiet_wait = seconds(parser)?,
            Long("dir") => params.dir = parser.value()?.into(),
            Long("json") => params.json = Some(parser.value()?.into()),
            Long("help") | Short('h') => return Ok(Command::Help),
            other => return Err(other.unexpected()),
        }
    }
    if let Some(servers) = servers {
        params.set_servers(&servers)?;
    } else {
        params.set_servers("null-chat,hark,hark-smol")?;
    }
    Ok(Command::WsSweep(Box::new(params)))
}

fn http(parser: &mut lexopt::Parser) -> Result<Command, lexopt::Error> {
    let mut params = HttpParams::new(HttpTarget {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
    });
    let mut url = None;
    let mut secret = None;
    while let Some(arg) = parser.next()? {
        match arg {
            Long("url") => url = Some(value(parser)?),
            Long("secret") => secret = Some(parser.value()?.string()?),
            Long("id") => params.id = parser.value()?.string()?,
            Long("connections") => params.connections = value(parser)?,
            Long("secs") => params.secs = value(parser)?,
            Long("range") => params.range = value(parser)?,
            Long("ttl") => params.ttl = value(parser)?,
            Long("label") => params.label = parser.value()?.string()?,
            Long("server-pid") => params.server_pid = Some(value(parser)?),
            Long("quiet-wait") => params.quiet_wait = seconds(parser)?,
            Long("help") | Short('h') => return Ok(Command::Help),
            other => return Err(other.unexpected()),
        }
    }
    params.target = url.ok_or("--url http://IP:PORT is required")?;
    params.secret = secret.ok_or("--secret SECRET is required (the server's SECRET_KEY)")?;
    Ok(Command::Http(params))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_words(words: &[&str]) -> Result<Command, lexopt::Error> {
        parse(words.iter().map(OsString::from))
    }

    #[test]
    fn udp_needs_a_target_and_a_secret() {
        assert!(parse_words(&["udp", "--secret", "s"]).is_err());
        let Command::Udp(params) = parse_words(&[
            "udp",
            "--target",
            "127.0.0.1:9",
            "--secret",
            "s",
            "--clients",
            "10",
            "--speakers",
            "2",
            "--rate",
            "25.5",
        ])
        .unwrap() else {
            panic!("not udp");
        };
        assert_eq!(params.target, SocketAddr::from(([127, 0, 0, 1], 9)));
        assert_eq!(
            (params.clients, params.speakers, params.rate),
            (10, 2, 25.5)
        );
        assert_eq!(params.payload, 160);
    }

    #[test]
    fn sweep_defaults_to_three_servers_and_knows_them_by_name() {
        let Command::Sweep(params) = parse_words(&["sweep", "--secs", "2"]).unwrap() else {
            panic!("not sweep");
        };
        let labels: Vec<_> = params.servers.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["null-relay", "hark", "hark-smol"]);
        assert_eq!(params.base.secs, 2.0);
        assert!(parse_words(&["sweep", "--servers", "nginx"]).is_err());
    }

    #[test]
    fn ws_needs_a_url_and_takes_the_load_s_shape() {
        assert!(parse_words(&["ws", "--rooms", "2"]).is_err());
        let Command::Ws(params) = parse_words(&[
            "ws",
            "--url",
            "ws://127.0.0.1:8080/ws",
            "--rooms",
            "3",
            "--clients",
            "4",
            "--rate",
            "120",
        ])
        .unwrap() else {
            panic!("not ws");
        };
        assert_eq!(params.target.addr, SocketAddr::from(([127, 0, 0, 1], 8080)));
        assert_eq!((params.rooms, params.clients, params.rate), (3, 4, 120.0));
    }

    #[test]
    fn ws_idle_defaults_to_ten_thousand_connections_in_rooms_of_a_hundred() {
        let Command::WsIdle(params) =
            parse_words(&["ws-idle", "--url", "ws://127.0.0.1:1/ws"]).unwrap()
        else {
            panic!("not ws-idle");
        };
        assert_eq!((params.connections, params.room_size), (10_000, 100));
    }

    #[test]
    fn http_needs_a_url_and_a_secret_and_defaults_to_64_connections_of_64_kib() {
        assert!(parse_words(&["http", "--secret", "s"]).is_err());
        assert!(parse_words(&["http", "--url", "http://127.0.0.1:1"]).is_err());
        let Command::Http(params) = parse_words(&[
            "http",
            "--url",
            "http://127.0.0.1:8082",
            "--secret",
            "s",
            "--id",
            "track1",
        ])
        .unwrap() else {
            panic!("not http");
        };
        assert_eq!(params.target.addr, SocketAddr::from(([127, 0, 0, 1], 8082)));
        assert_eq!((params.connections, params.range), (64, 65_536));
        assert_eq!(
            (params.secret.as_str(), params.id.as_str()),
            ("s", "track1")
        );
    }

    #[test]
    fn ws_sweep_reads_scenarios_as_rooms_by_clients_at_a_rate() {
        let Command::WsSweep(params) =
            parse_words(&["ws-sweep", "--scenarios", "2x3@30", "--servers", "hark"]).unwrap()
        else {
            panic!("not ws-sweep");
        };
        assert_eq!(params.scenarios.len(), 1);
        assert_eq!(params.servers.len(), 1);
        assert!(parse_words(&["ws-sweep", "--scenarios", "2x3"]).is_err());
    }
}
