//! The stand-in SFU as a process, for live tests in other languages (clients/socketio):
//! `hark-sfu-standin --listen 127.0.0.1:PORT --token T`. Prints `listening on ws://ADDR/` once
//! bound, then one compact JSON line per message hark sends (signal.md §8), and runs until its
//! standard input ends or it is killed (SIGTERM's default action).

use std::io::{self, Write};
use std::net::SocketAddr;
use std::process::ExitCode;

use hark_testkit::sfu_standin::SfuStandIn;

const USAGE: &str = "usage: hark-sfu-standin --listen ADDR --token TOKEN";

fn main() -> ExitCode {
    let (listen, token) = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("hark-sfu-standin: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let standin = match SfuStandIn::start_observed(listen, &token, |message| {
        // A closed stdout (the reader went away) is no reason to stop serving hark.
        let _ = writeln!(io::stdout().lock(), "{message}");
    }) {
        Ok(standin) => standin,
        Err(e) => {
            eprintln!("hark-sfu-standin: cannot listen on {listen}: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("listening on {}", standin.url());
    // Runs until standard input ends; what it carries is ignored.
    let _ = io::copy(&mut io::stdin().lock(), &mut io::sink());
    drop(standin);
    ExitCode::SUCCESS
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<(SocketAddr, String), String> {
    let mut listen = None;
    let mut token = None;
    while let Some(arg) = args.next() {
        let value = args.next().ok_or_else(|| format!("{arg} needs a value"))?;
        match arg.as_str() {
            "--listen" => {
                let addr = value
                    .parse()
                    .map_err(|e| format!("--listen {value:?}: {e}"))?;
                listen = Some(addr);
            }
            "--token" => token = Some(value),
            _ => return Err(format!("unknown argument {arg:?}")),
        }
    }
    match (listen, token) {
        (Some(listen), Some(token)) => Ok((listen, token)),
        _ => Err("--listen and --token are required".to_owned()),
    }
}
