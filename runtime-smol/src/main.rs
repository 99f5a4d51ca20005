//! `hark-smol`: the hark server on smol. Same command line as `hark`; see `hark-smol --help`.

use std::process::ExitCode;

use hark_smol::SmolRuntime;

fn main() -> ExitCode {
    smol::block_on(hark_driver::app::main("hark-smol", SmolRuntime))
}
