//! `hark-conformance`: replays the conformance vectors.
//!
//! ```text
//! hark-conformance core [--vectors DIR]
//! ```
//!
//! Exit status: 0 when every vector passes, 1 when one fails, 2 when the vectors cannot be read
//! or the command line is wrong.

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: hark-conformance core [--vectors DIR]\n\
    \n  core   replay the audio vectors against hark-core in-process\n\
    \n  --vectors DIR   a service's vector directory (default: this crate's vectors/audio)";

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
enum Command {
    Core { vectors: PathBuf },
    Help,
}

fn parse_args(args: &[String]) -> Result<Command, String> {
    let mut args = args.iter();
    match args.next().map(String::as_str) {
        Some("core") => {}
        Some("-h" | "--help" | "help") => return Ok(Command::Help),
        Some(other) => return Err(format!("unknown mode {other:?}")),
        None => return Err("missing mode".to_owned()),
    }
    let mut vectors = hark_conformance::default_audio_vectors();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--vectors" => {
                vectors = args
                    .next()
                    .map(PathBuf::from)
                    .ok_or("--vectors needs a directory")?;
            }
            "-h" | "--help" => return Ok(Command::Help),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Command::Core { vectors })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let vectors = match parse_args(&args) {
        Ok(Command::Core { vectors }) => vectors,
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(problem) => {
            eprintln!("hark-conformance: {problem}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match hark_conformance::run_core(&vectors) {
        Ok(report) => {
            println!("{report}");
            if report.is_success() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(problems) => {
            for problem in &problems.0 {
                eprintln!("hark-conformance: {problem}");
            }
            ExitCode::from(2)
        }
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
    fn unknown_modes_and_arguments_are_refused() {
        assert!(parse_args(&args(&["live"])).is_err());
        assert!(parse_args(&args(&["core", "--fast"])).is_err());
        assert!(parse_args(&[]).is_err());
    }
}
