//! `hark-conformance`: replays the conformance vectors.
//!
//! ```text
//! hark-conformance core [--service S] [--vectors DIR]
//! hark-conformance live [--service S] --udp ADDR [--tcp ADDR] --admin SOCKET [--group G]
//!                       [--scenario NAME]… [--vectors DIR]
//! hark-conformance live --service chat|signal|stream --http ADDR --admin SOCKET [--group G]
//!                       [--sfu ADDR] [--scenario NAME]… [--vectors DIR]
//! hark-conformance live-plan [--service S] --out DIR --data-dir DIR [--sfu ADDR] [--vectors DIR]
//! ```
//!
//! Exit status: 0 when every vector passes, 1 when one fails, 2 when the vectors cannot be read,
//! the server cannot be reached, or the command line is wrong.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use hark_conformance::format::ServiceFormat;
use hark_conformance::format::audio::Audio;
use hark_conformance::format::chat;
use hark_conformance::format::signal;
use hark_conformance::format::stream;
use hark_conformance::format::voice::Voice;
use hark_conformance::live_mode::signal::SignalLiveOptions;
use hark_conformance::live_mode::{
    self, BASE_GROUP, HttpLiveOptions, LiveError, LiveOptions, LiveReport, LiveService, PlanError,
    Planned,
};
use hark_conformance::{
    LoadErrors, Report, default_vectors, load, run_core, run_core_chat, run_core_signal,
    run_core_stream,
};

const USAGE: &str = "\
usage: hark-conformance core [--service S] [--vectors DIR]
       hark-conformance live [--service S] --udp ADDR [--tcp ADDR] --admin SOCKET [--group G]
                             [--scenario NAME]... [--vectors DIR]
       hark-conformance live --service chat|signal|stream --http ADDR --admin SOCKET [--group G]
                             [--sfu ADDR] [--scenario NAME]... [--vectors DIR]
       hark-conformance live-plan [--service S] --out DIR --data-dir DIR [--sfu ADDR]
                             [--vectors DIR]

  core        replay the vectors against hark-core in-process (every service's, unless
              --service or --vectors names one)
  live        replay the scenarios of one group against a running server: datagrams over UDP
              to ADDR, management connections (voice) over TCP to the --tcp ADDR, chat's
              WebSocket and HTTP steps and stream's requests to the --http ADDR, operator
              steps and a reset before each scenario through its admin SOCKET
  live-plan   write one server configuration per scenario group (DIR/<group>.toml, the
              server's data directory and admin socket under --data-dir) and print the groups

  --service S     audio, voice, chat, signal or stream (default: audio, except for a bare
                  `core`)
  --sfu ADDR      signal: where the runner listens as the SFU, and the plan's SFU_WS_HOST
                  (default 127.0.0.1:47311)
  --vectors DIR   the service's vector directory (default: this crate's vectors/<service>)
  --group G       the scenario group the server is configured for (default: base)
  --scenario NAME only this scenario of the group (repeatable)";

/// A service the runner knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Service {
    Audio,
    Voice,
    Chat,
    Signal,
    Stream,
}

impl Service {
    const ALL: [Service; 5] = [
        Service::Audio,
        Service::Voice,
        Service::Chat,
        Service::Signal,
        Service::Stream,
    ];

    fn name(self) -> &'static str {
        match self {
            Service::Audio => Audio::NAME,
            Service::Voice => Voice::NAME,
            Service::Chat => chat::NAME,
            Service::Signal => signal::NAME,
            Service::Stream => stream::NAME,
        }
    }

    fn parse(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|s| s.name() == text)
            .ok_or_else(|| {
                format!("unknown service {text:?} (audio, voice, chat, signal or stream)")
            })
    }
}

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
enum Command {
    /// Each service with its vector directory, in order.
    Core {
        runs: Vec<(Service, PathBuf)>,
    },
    Live {
        service: Service,
        vectors: PathBuf,
        options: LiveOptions,
    },
    LiveChat {
        vectors: PathBuf,
        options: HttpLiveOptions,
    },
    LiveSignal {
        vectors: PathBuf,
        options: SignalLiveOptions,
    },
    LiveStream {
        vectors: PathBuf,
        options: HttpLiveOptions,
    },
    Plan {
        service: Service,
        vectors: PathBuf,
        out: PathBuf,
        data_dir: PathBuf,
        sfu: SocketAddr,
    },
    Help,
}

fn parse_args(args: &[String]) -> Result<Command, String> {
    let mut args = args.iter();
    let mode = match args.next().map(String::as_str) {
        Some(mode @ ("core" | "live" | "live-plan")) => mode,
        Some("-h" | "--help" | "help") => return Ok(Command::Help),
        Some(other) => return Err(format!("unknown mode {other:?}")),
        None => return Err("missing mode".to_owned()),
    };
    let (mut service, mut vectors) = (None, None);
    let (mut udp, mut tcp, mut admin, mut group, mut out, mut data_dir) =
        (None, None, None, None, None, None);
    let (mut http, mut sfu) = (None, None);
    let mut only = Vec::new();
    let address = |flag: &str, text: String| {
        text.parse::<SocketAddr>()
            .map_err(|e| format!("{flag} {text:?}: {e}"))
    };
    while let Some(arg) = args.next() {
        let mut value = |what: &str| {
            args.next()
                .cloned()
                .ok_or_else(|| format!("{arg} needs {what}"))
        };
        match (mode, arg.as_str()) {
            (_, "--service") => service = Some(Service::parse(&value("a service")?)?),
            (_, "--vectors") => vectors = Some(PathBuf::from(value("a directory")?)),
            ("live", "--udp") => udp = Some(address(arg, value("an address")?)?),
            ("live", "--tcp") => tcp = Some(address(arg, value("an address")?)?),
            ("live", "--http") => http = Some(address(arg, value("an address")?)?),
            ("live" | "live-plan", "--sfu") => sfu = Some(address(arg, value("an address")?)?),
            ("live", "--admin") => admin = Some(PathBuf::from(value("a socket path")?)),
            ("live", "--group") => group = Some(value("a group name")?),
            ("live", "--scenario") => only.push(value("a scenario name")?),
            ("live-plan", "--out") => out = Some(PathBuf::from(value("a directory")?)),
            ("live-plan", "--data-dir") => data_dir = Some(PathBuf::from(value("a directory")?)),
            (_, "-h" | "--help") => return Ok(Command::Help),
            (_, other) => return Err(format!("unknown argument {other:?} for {mode}")),
        }
    }
    if mode == "core" && service.is_none() && vectors.is_none() {
        let runs = Service::ALL
            .into_iter()
            .map(|s| (s, default_vectors(s.name())))
            .collect();
        return Ok(Command::Core { runs });
    }
    let service = service.unwrap_or(Service::Audio);
    if sfu.is_some() && service != Service::Signal {
        return Err("--sfu is for --service signal".to_owned());
    }
    let sfu = match sfu {
        Some(addr) => addr,
        None => address("--sfu", live_mode::signal::DEFAULT_SFU_ADDR.to_owned())?,
    };
    let vectors = vectors.unwrap_or_else(|| default_vectors(service.name()));
    let udp_or_tcp = udp.is_some() || tcp.is_some();
    Ok(match mode {
        "core" => Command::Core {
            runs: vec![(service, vectors)],
        },
        "live" if service == Service::Chat => Command::LiveChat {
            vectors,
            options: over_http(service, udp_or_tcp, http, admin, group, only)?,
        },
        "live" if service == Service::Signal => {
            let HttpLiveOptions {
                http,
                admin,
                group,
                only,
            } = over_http(service, udp_or_tcp, http, admin, group, only)?;
            Command::LiveSignal {
                vectors,
                options: SignalLiveOptions {
                    http,
                    admin,
                    group,
                    only,
                    sfu,
                },
            }
        }
        "live" if service == Service::Stream => Command::LiveStream {
            vectors,
            options: over_http(service, udp_or_tcp, http, admin, group, only)?,
        },
        "live" if http.is_some() => {
            return Err("--http is for --service chat, signal or stream".to_owned());
        }
        "live" => Command::Live {
            service,
            vectors,
            options: LiveOptions {
                udp: udp.ok_or("live needs --udp ADDR")?,
                tcp,
                admin: admin.ok_or("live needs --admin SOCKET")?,
                group: group.unwrap_or_else(|| BASE_GROUP.to_owned()),
                only,
            },
        },
        _ => Command::Plan {
            service,
            vectors,
            out: out.ok_or("live-plan needs --out DIR")?,
            data_dir: data_dir.ok_or("live-plan needs --data-dir DIR")?,
            sfu,
        },
    })
}

/// The options of a live run over HTTP (chat, signal and stream), which takes an --http ADDR
/// instead of --udp or --tcp.
fn over_http(
    service: Service,
    udp_or_tcp: bool,
    http: Option<SocketAddr>,
    admin: Option<PathBuf>,
    group: Option<String>,
    only: Vec<String>,
) -> Result<HttpLiveOptions, String> {
    let name = service.name();
    if udp_or_tcp {
        return Err(format!(
            "live --service {name} takes --http ADDR, not --udp or --tcp"
        ));
    }
    Ok(HttpLiveOptions {
        http: http.ok_or_else(|| format!("live --service {name} needs --http ADDR"))?,
        admin: admin.ok_or("live needs --admin SOCKET")?,
        group: group.unwrap_or_else(|| BASE_GROUP.to_owned()),
        only,
    })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match parse_args(&args) {
        Ok(Command::Help) => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Ok(Command::Core { runs }) => {
            let mut worst = ExitCode::SUCCESS;
            for (service, vectors) in runs {
                let code = core(match service {
                    Service::Audio => run_core::<Audio>(&vectors),
                    Service::Voice => run_core::<Voice>(&vectors),
                    Service::Chat => run_core_chat(&vectors),
                    Service::Signal => run_core_signal(&vectors),
                    Service::Stream => run_core_stream(&vectors),
                });
                if code != ExitCode::SUCCESS {
                    worst = code;
                }
            }
            worst
        }
        Ok(Command::Live {
            service,
            vectors,
            options,
        }) => match service {
            Service::Audio => live_udp::<Audio>(&vectors, &options),
            Service::Voice => live_udp::<Voice>(&vectors, &options),
            Service::Chat => usage_error("live --service chat takes --http ADDR"),
            Service::Signal => usage_error("live --service signal takes --http ADDR"),
            Service::Stream => usage_error("live --service stream takes --http ADDR"),
        },
        Ok(Command::LiveChat { vectors, options }) => live(
            chat::load(&vectors),
            &http_banner(chat::NAME, &options),
            |set| live_mode::chat::run(set, &options, &mut progress),
        ),
        Ok(Command::LiveSignal { vectors, options }) => live(
            signal::load(&vectors),
            &format!(
                "signal group {} against http://{} (admin {}, SFU on {})",
                options.group,
                options.http,
                options.admin.display(),
                options.sfu
            ),
            |set| live_mode::signal::run(set, &options, &mut progress),
        ),
        Ok(Command::LiveStream { vectors, options }) => live(
            stream::load(&vectors),
            &http_banner(stream::NAME, &options),
            |set| live_mode::stream::run(set, &options, &mut progress),
        ),
        Ok(Command::Plan {
            service,
            vectors,
            out,
            data_dir,
            sfu,
        }) => {
            let (out, data_dir) = (out.as_path(), data_dir.as_path());
            match service {
                Service::Audio => plan(load::<Audio>(&vectors), |set| {
                    live_mode::write_plan(set, out, data_dir)
                }),
                Service::Voice => plan(load::<Voice>(&vectors), |set| {
                    live_mode::write_plan(set, out, data_dir)
                }),
                Service::Chat => plan(chat::load(&vectors), |set| {
                    live_mode::chat::write_plan(set, out, data_dir)
                }),
                Service::Signal => plan(signal::load(&vectors), |set| {
                    live_mode::signal::write_plan(set, out, data_dir, sfu)
                }),
                Service::Stream => plan(stream::load(&vectors), |set| {
                    live_mode::stream::write_plan(set, out, data_dir)
                }),
            }
        }
        Err(problem) => usage_error(&problem),
    }
}

/// A wrong command line: the problem and the usage, exit status 2.
fn usage_error(problem: &str) -> ExitCode {
    eprintln!("hark-conformance: {problem}\n{USAGE}");
    ExitCode::from(2)
}

/// Vectors that cannot be read: every problem, exit status 2.
fn unreadable(problems: &LoadErrors) -> ExitCode {
    for problem in &problems.0 {
        eprintln!("hark-conformance: {problem}");
    }
    ExitCode::from(2)
}

/// A live run or plan that could not be carried out: why, exit status 2.
fn not_run(e: &dyn std::error::Error) -> ExitCode {
    eprintln!("hark-conformance: {e}");
    ExitCode::from(2)
}

/// `core`: one service's report, or why its vectors could not be read.
fn core(run: Result<Report, LoadErrors>) -> ExitCode {
    match run {
        Ok(report) => {
            println!("{report}");
            verdict(report.is_success())
        }
        Err(problems) => unreadable(&problems),
    }
}

/// `live-plan`: writes one service's plan from its vectors and prints the groups planned.
fn plan<T>(
    loaded: Result<T, LoadErrors>,
    write: impl FnOnce(&T) -> Result<Vec<Planned>, PlanError>,
) -> ExitCode {
    let set = match loaded {
        Ok(set) => set,
        Err(problems) => return unreadable(&problems),
    };
    match write(&set) {
        Ok(planned) => {
            for group in planned {
                println!("{}", group.group);
            }
            ExitCode::SUCCESS
        }
        Err(e) => not_run(&e),
    }
}

/// `live`: announces the run (`live: <what>`), runs one group of one service's vectors against
/// the server, and prints its report and how long it took.
fn live<T>(
    loaded: Result<T, LoadErrors>,
    what: &str,
    run: impl FnOnce(&T) -> Result<LiveReport, LiveError>,
) -> ExitCode {
    let set = match loaded {
        Ok(set) => set,
        Err(problems) => return unreadable(&problems),
    };
    println!("live: {what}");
    let started = Instant::now();
    match run(&set) {
        Ok(report) => {
            println!("{report}");
            println!(
                "group {}: {:.1} s",
                report.group,
                started.elapsed().as_secs_f64()
            );
            verdict(report.is_success())
        }
        Err(e) => not_run(&e),
    }
}

/// The announcement of an HTTP service's live run: `chat group base against http://ADDR (admin
/// SOCKET)`.
fn http_banner(service: &str, options: &HttpLiveOptions) -> String {
    format!(
        "{service} group {} against http://{} (admin {})",
        options.group,
        options.http,
        options.admin.display()
    )
}

/// `live` for a service over UDP (and TCP, for voice's management connections).
fn live_udp<S: LiveService>(vectors: &Path, options: &LiveOptions) -> ExitCode {
    let tcp = options
        .tcp
        .map(|tcp| format!(" and tcp://{tcp}"))
        .unwrap_or_default();
    let what = format!(
        "{} group {} against udp://{}{tcp} (admin {})",
        S::NAME,
        options.group,
        options.udp,
        options.admin.display()
    );
    live(load::<S>(vectors), &what, |set| {
        live_mode::run(set, options, &mut progress)
    })
}

/// One line per scenario as it finishes.
fn progress(name: &str, passed: bool, took: std::time::Duration) {
    let verdict = if passed { "ok  " } else { "FAIL" };
    println!("{verdict} {name} ({:.1} s)", took.as_secs_f64());
}

fn verdict(success: bool) -> ExitCode {
    if success {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_bare_core_runs_every_service() {
        assert_eq!(
            parse_args(&args(&["core"])),
            Ok(Command::Core {
                runs: vec![
                    (Service::Audio, default_vectors("audio")),
                    (Service::Voice, default_vectors("voice")),
                    (Service::Chat, default_vectors("chat")),
                    (Service::Signal, default_vectors("signal")),
                    (Service::Stream, default_vectors("stream")),
                ]
            })
        );
    }

    #[test]
    fn signal_runs_live_over_http_with_the_runner_as_its_sfu() {
        let live = args(&[
            "live",
            "--service",
            "signal",
            "--http",
            "127.0.0.1:5000",
            "--admin",
            "a",
            "--sfu",
            "127.0.0.1:6000",
        ]);
        assert_eq!(
            parse_args(&live),
            Ok(Command::LiveSignal {
                vectors: default_vectors("signal"),
                options: SignalLiveOptions {
                    http: "127.0.0.1:5000".parse().unwrap(),
                    admin: "a".into(),
                    group: BASE_GROUP.to_owned(),
                    only: Vec::new(),
                    sfu: "127.0.0.1:6000".parse().unwrap(),
                },
            })
        );
        let udp = args(&["live", "--service", "signal", "--udp", "127.0.0.1:9"]);
        assert!(parse_args(&udp).is_err());
        let sfu_for_chat = args(&[
            "live-plan",
            "--service",
            "chat",
            "--out",
            "o",
            "--data-dir",
            "d",
            "--sfu",
            "127.0.0.1:1",
        ]);
        assert!(parse_args(&sfu_for_chat).is_err());
    }

    #[test]
    fn stream_runs_live_over_http() {
        let live = args(&[
            "live",
            "--service",
            "stream",
            "--http",
            "127.0.0.1:8082",
            "--admin",
            "a",
            "--group",
            "strict",
        ]);
        assert_eq!(
            parse_args(&live),
            Ok(Command::LiveStream {
                vectors: default_vectors("stream"),
                options: HttpLiveOptions {
                    http: "127.0.0.1:8082".parse().unwrap(),
                    admin: "a".into(),
                    group: "strict".to_owned(),
                    only: Vec::new(),
                },
            })
        );
        let udp = args(&["live", "--service", "stream", "--udp", "127.0.0.1:9"]);
        assert!(parse_args(&udp).is_err());
    }

    #[test]
    fn core_runs_one_service_when_asked() {
        assert_eq!(
            parse_args(&args(&["core", "--service", "voice"])),
            Ok(Command::Core {
                runs: vec![(Service::Voice, default_vectors("voice"))]
            })
        );
        assert!(parse_args(&args(&["core", "--service", "video"])).is_err());
    }

    #[test]
    fn vectors_takes_a_directory_of_audio_vectors_unless_told_otherwise() {
        assert_eq!(
            parse_args(&args(&["core", "--vectors", "x"])),
            Ok(Command::Core {
                runs: vec![(Service::Audio, "x".into())]
            })
        );
        assert_eq!(
            parse_args(&args(&["core", "--vectors", "x", "--service", "voice"])),
            Ok(Command::Core {
                runs: vec![(Service::Voice, "x".into())]
            })
        );
        assert!(parse_args(&args(&["core", "--vectors"])).is_err());
    }

    #[test]
    fn live_needs_the_server_and_defaults_to_audio_and_the_base_group() {
        assert_eq!(
            parse_args(&args(&[
                "live",
                "--udp",
                "127.0.0.1:9",
                "--admin",
                "/a.sock"
            ])),
            Ok(Command::Live {
                service: Service::Audio,
                vectors: default_vectors("audio"),
                options: LiveOptions {
                    udp: "127.0.0.1:9".parse().unwrap(),
                    tcp: None,
                    admin: "/a.sock".into(),
                    group: "base".into(),
                    only: Vec::new(),
                },
            })
        );
        let with_group = args(&[
            "live",
            "--udp",
            "127.0.0.1:9",
            "--admin",
            "a",
            "--group",
            "g",
        ]);
        assert!(matches!(
            parse_args(&with_group),
            Ok(Command::Live { options, .. }) if options.group == "g"
        ));
        assert!(parse_args(&args(&["live", "--admin", "a"])).is_err());
        assert!(parse_args(&args(&["live", "--udp", "localhost", "--admin", "a"])).is_err());
    }

    #[test]
    fn live_voice_takes_the_management_address() {
        let voice = args(&[
            "live",
            "--service",
            "voice",
            "--tcp",
            "127.0.0.1:8",
            "--udp",
            "127.0.0.1:9",
            "--admin",
            "a",
        ]);
        assert!(matches!(
            parse_args(&voice),
            Ok(Command::Live { service: Service::Voice, vectors, options })
                if options.tcp == Some("127.0.0.1:8".parse().unwrap())
                    && vectors == default_vectors("voice")
        ));
        assert!(parse_args(&args(&["live", "--tcp", "nowhere"])).is_err());
    }

    #[test]
    fn live_chat_takes_the_http_address_only() {
        let chat = args(&[
            "live",
            "--service",
            "chat",
            "--http",
            "127.0.0.1:8",
            "--admin",
            "a",
        ]);
        assert!(matches!(
            parse_args(&chat),
            Ok(Command::LiveChat { vectors, options })
                if options.http == "127.0.0.1:8".parse().unwrap()
                    && vectors == default_vectors("chat")
        ));
        let with_udp = args(&[
            "live",
            "--service",
            "chat",
            "--http",
            "127.0.0.1:8",
            "--udp",
            "127.0.0.1:9",
            "--admin",
            "a",
        ]);
        assert!(parse_args(&with_udp).is_err());
        assert!(parse_args(&args(&["live", "--service", "chat", "--admin", "a"])).is_err());
        let audio_with_http = args(&[
            "live",
            "--http",
            "127.0.0.1:8",
            "--udp",
            "127.0.0.1:9",
            "--admin",
            "a",
        ]);
        assert!(parse_args(&audio_with_http).is_err());
    }

    #[test]
    fn live_plan_needs_both_directories() {
        assert_eq!(
            parse_args(&args(&["live-plan", "--out", "o", "--data-dir", "d"])),
            Ok(Command::Plan {
                service: Service::Audio,
                vectors: default_vectors("audio"),
                out: "o".into(),
                data_dir: "d".into(),
                sfu: live_mode::signal::DEFAULT_SFU_ADDR.parse().unwrap(),
            })
        );
        assert!(parse_args(&args(&["live-plan", "--out", "o"])).is_err());
    }

    #[test]
    fn unknown_modes_and_arguments_are_refused() {
        assert!(parse_args(&args(&["replay"])).is_err());
        assert!(parse_args(&args(&["core", "--fast"])).is_err());
        assert!(parse_args(&args(&["core", "--udp", "127.0.0.1:9"])).is_err());
        assert!(parse_args(&[]).is_err());
    }
}
