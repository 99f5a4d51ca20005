//! The `hark-smol` binary's stream service over real TCP (HTTP/1.1): the cases of
//! `hark_testkit::stream_cases`.

hark_testkit::stream_integration_tests!(env!("CARGO_BIN_EXE_hark-smol"));
