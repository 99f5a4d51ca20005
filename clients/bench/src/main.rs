//! `hark-bench`: the audio relay's, the chat service's and the stream service's load generators,
//! their yardsticks (null servers, nginx), and the sweeps that compare them. See
//! `hark-bench --help` and `docs/benchmark.md`.

use std::io::Write;
use std::process::ExitCode;

use hark_bench::cli::{self, Command, USAGE};
use hark_bench::ws::{idle, load, null_chat};
use hark_bench::{BenchError, generator, http, null_relay, sweep};
use hark_driver::runtime::Runtime as _;
use hark_tokio::TokioRuntime;
use tokio::task::LocalSet;

fn main() -> ExitCode {
    let command = match cli::parse(std::env::args_os().skip(1)) {
        Ok(command) => command,
        Err(e) => {
            eprintln!("hark-bench: {e}\nrun `hark-bench --help` for usage");
            return ExitCode::from(2);
        }
    };
    if let Command::Help = command {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    // One thread, like the `hark` server: pinned to one core, more threads would only contend.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("hark-bench: cannot start the tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match run(&runtime, command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hark-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(runtime: &tokio::runtime::Runtime, command: Command) -> Result<(), BenchError> {
    match command {
        Command::Help => Ok(()),
        Command::Udp(params) => {
            let report = runtime.block_on(generator::run(&params))?;
            eprintln!("{}", report.summary());
            println!("{}", report.json());
            Ok(())
        }
        Command::NullRelay(config) => {
            let stats = runtime.block_on(null_relay::serve(&config, |addr| {
                println!("hark-bench null-relay: listening on udp://{addr}");
                let _ = std::io::stdout().flush();
            }))?;
            eprintln!(
                "hark-bench null-relay: stopped; received {}, sent {}, send errors {}, queue drops {}",
                stats.received, stats.sent, stats.send_errors, stats.queue_dropped
            );
            Ok(())
        }
        Command::Sweep(params) => sweep::run(runtime, &params).map(|_| ()),
        Command::Ws(params) => {
            let report = LocalSet::new().block_on(runtime, load::run(&params))?;
            eprintln!("{}", report.summary());
            println!("{}", report.json());
            Ok(())
        }
        Command::WsIdle(params) => {
            let report = LocalSet::new().block_on(runtime, idle::run(&params))?;
            eprintln!("{}", report.summary());
            println!("{}", report.json());
            if report.all_held() {
                Ok(())
            } else {
                Err(BenchError::new(format!(
                    "only {} of {} connections were held to the end",
                    report.alive_at_end, report.connections
                )))
            }
        }
        Command::NullChat(config) => {
            let stats = LocalSet::new().block_on(runtime, async {
                let stop = TokioRuntime.shutdown_signal()?;
                null_chat::serve(&config, stop, |addr| {
                    println!("hark-bench null-chat: chat listening on http://{addr} (WebSocket at any path)");
                    let _ = std::io::stdout().flush();
                })
                .await
            })?;
            eprintln!(
                "hark-bench null-chat: stopped; {} connections, {} messages, {} frames dropped",
                stats.connections, stats.messages, stats.dropped
            );
            Ok(())
        }
        Command::WsSweep(params) => hark_bench::ws::sweep::run(runtime, &params).map(|_| ()),
        Command::Http(params) => {
            let report = LocalSet::new().block_on(runtime, http::load::run(&params))?;
            eprintln!("{}", report.summary());
            println!("{}", report.json());
            Ok(())
        }
    }
}
