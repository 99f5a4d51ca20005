//! `hark`: the hark server on tokio. See `hark --help`.

use std::process::ExitCode;

use hark_tokio::TokioRuntime;

fn main() -> ExitCode {
    // One thread: the core is single-threaded by design, and a relay is bound by syscalls.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("hark: cannot start the tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(hark_driver::app::main("hark", TokioRuntime))
}
