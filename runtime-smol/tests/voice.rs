//! The `hark-smol` binary's voice service over real TCP and UDP sockets: the cases of
//! `hark_testkit::voice_cases`.

hark_testkit::voice_integration_tests!(env!("CARGO_BIN_EXE_hark-smol"));
