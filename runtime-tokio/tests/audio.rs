//! The `hark` binary over real UDP sockets: the cases of `hark_testkit::audio_cases`.

hark_testkit::audio_integration_tests!(env!("CARGO_BIN_EXE_hark"));
