//! `hark-smol`: the hark server on smol. Same command line as `hark`; see `hark-smol --help`.

use std::process::ExitCode;
use std::sync::Arc;

use hark_smol::SmolRuntime;

fn main() -> ExitCode {
    // One thread runs every task and polls the reactor while they wait, as `hark` does on tokio's
    // current-thread runtime: no wake-up has to cross threads.
    let executor = Arc::new(smol::Executor::new());
    let runtime = SmolRuntime::with_executor(Arc::clone(&executor));
    smol::block_on(executor.run(hark_driver::app::main("hark-smol", runtime)))
}
