//! `hark-conformance`: replays the conformance vectors.
//!
//! ```text
//! hark-conformance core [--vectors DIR]
//! hark-conformance live --udp ADDR --admin SOCKET [--group G] [--scenario NAME]… [--vectors DIR]
//! hark-conformance live-plan --out DIR --data-dir DIR [--vectors DIR]
//! ```
//!
//! Exit status: 0 when every vector passes, 1 when one fails, 2 when the vectors cannot be read,
//! the server cannot be reached, or the command line is wrong.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use hark_conformance::live_mode::{self, BASE_GROUP, LiveOptions};

const USAGE: &str = "\
usage: hark-conformance core [--vectors DIR]
       hark-conformance live --udp ADDR --admin SOCKET [--group G] [--scenario NAME]...
                             [--vectors DIR]
       hark-conformance live-plan --out DIR --data-dir DIR [--vectors DIR]

  core        replay the audio vectors against hark-core in-process
  live        replay the scenarios of one group against a running server: datagrams over UDP
              to ADDR, operator steps and a reset before each scenario through its admin SOCKET
  live-plan   write one server configuration per scenario group (DIR/<group>.toml, the
              server's data directory and admin socket under --data-dir) and print the groups

  --vectors DIR   a service's vector directory (default: this crate's vectors/audio)
  --group G       the scenario group the server is configured for (default: base)
  --scenario NAME only this scenario of the group (repeatable)";

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
enum Command {
    Core {
        vectors: PathBuf,
    },
    Live {
        vectors: PathBuf,
        options: LiveOptions,
    },
    Plan {
        vectors: PathBuf,
        out: PathBuf,
        data_dir: PathBuf,
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
    let mut vectors = hark_conformance::default_audio_vectors();
    let (mut udp, mut admin, mut group, mut out, mut data_dir) = (None, None, None, None, None);
    let mut only = Vec::new();
    while let Some(arg) = args.next() {
        let mut value = |what: &str| {
            args.next()
                .cloned()
                .ok_or_else(|| format!("{arg} needs {what}"))
        };
        match (mode, arg.as_str()) {
            (_, "--vectors") => vectors = value("a directory")?.into(),
            ("live", "--udp") => {
                let text = value("an address")?;
                let addr = text
                    .parse::<SocketAddr>()
                    .map_err(|e| format!("--udp {text:?}: {e}"))?;
                udp = Some(addr);
            }
            ("live", "--admin") => admin = Some(PathBuf::from(value("a socket path")?)),
            ("live", "--group") => group = Some(value("a group name")?),
            ("live", "--scenario") => only.push(value("a scenario name")?),
            ("live-plan", "--out") => out = Some(PathBuf::from(value("a directory")?)),
            ("live-plan", "--data-dir") => data_dir = Some(PathBuf::from(value("a directory")?)),
            (_, "-h" | "--help") => return Ok(Command::Help),
            (_, other) => return Err(format!("unknown argument {other:?} for {mode}")),
        }
    }
    Ok(match mode {
        "core" => Command::Core { vectors },
        "live" => Command::Live {
            vectors,
            options: LiveOptions {
                udp: udp.ok_or("live needs --udp ADDR")?,
                admin: admin.ok_or("live needs --admin SOCKET")?,
                group: group.unwrap_or_else(|| BASE_GROUP.to_owned()),
                only,
            },
        },
        _ => Command::Plan {
            vectors,
            out: out.ok_or("live-plan needs --out DIR")?,
            data_dir: data_dir.ok_or("live-plan needs --data-dir DIR")?,
        },
    })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match parse_args(&args) {
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(command) => command,
        Err(problem) => {
            eprintln!("hark-conformance: {problem}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let vectors = match &command {
        Command::Core { vectors }
        | Command::Live { vectors, .. }
        | Command::Plan { vectors, .. } => vectors,
        Command::Help => return ExitCode::SUCCESS,
    };
    let set = match hark_conformance::load(vectors) {
        Ok(set) => set,
        Err(problems) => {
            for problem in &problems.0 {
                eprintln!("hark-conformance: {problem}");
            }
            return ExitCode::from(2);
        }
    };
    match command {
        Command::Core { .. } => {
            let report = hark_conformance::core_mode::run(&set);
            println!("{report}");
            verdict(report.is_success())
        }
        Command::Live { options, .. } => live(&set, &options),
        Command::Plan { out, data_dir, .. } => match live_mode::write_plan(&set, &out, &data_dir) {
            Ok(planned) => {
                for group in planned {
                    println!("{}", group.group);
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("hark-conformance: {e}");
                ExitCode::from(2)
            }
        },
        Command::Help => ExitCode::SUCCESS,
    }
}

fn live(set: &hark_conformance::VectorSet, options: &LiveOptions) -> ExitCode {
    println!(
        "live: group {} against udp://{} (admin {})",
        options.group,
        options.udp,
        options.admin.display()
    );
    let started = Instant::now();
    let mut progress = |name: &str, passed: bool, took: std::time::Duration| {
        let verdict = if passed { "ok  " } else { "FAIL" };
        println!("{verdict} {name} ({:.1} s)", took.as_secs_f64());
    };
    match live_mode::run(set, options, &mut progress) {
        Ok(report) => {
            println!("{report}");
            println!(
                "group {}: {:.1} s",
                report.group,
                started.elapsed().as_secs_f64()
            );
            verdict(report.is_success())
        }
        Err(e) => {
            eprintln!("hark-conformance: {e}");
            ExitCode::from(2)
        }
    }
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
    fn core_mode_defaults_to_the_audio_vectors() {
        assert_eq!(
            parse_args(&args(&["core"])),
            Ok(Command::Core {
                vectors: hark_conformance::default_audio_vectors()
            })
        );
    }

    #[test]
    fn vectors_takes_a_directory() {
        assert_eq!(
            parse_args(&args(&["core", "--vectors", "x"])),
            Ok(Command::Core {
                vectors: "x".into()
            })
        );
        assert!(parse_args(&args(&["core", "--vectors"])).is_err());
    }

    #[test]
    fn live_needs_the_server_and_defaults_to_the_base_group() {
        assert_eq!(
            parse_args(&args(&[
                "live",
                "--udp",
                "127.0.0.1:9",
                "--admin",
                "/a.sock"
            ])),
            Ok(Command::Live {
                vectors: hark_conformance::default_audio_vectors(),
                options: LiveOptions {
                    udp: "127.0.0.1:9".parse().unwrap(),
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
    fn live_plan_needs_both_directories() {
        assert_eq!(
            parse_args(&args(&["live-plan", "--out", "o", "--data-dir", "d"])),
            Ok(Command::Plan {
                vectors: hark_conformance::default_audio_vectors(),
                out: "o".into(),
                data_dir: "d".into(),
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
