//! The `hark` binary's chat service over real TCP (HTTP and WebSocket): the cases of
//! `hark_testkit::chat_cases`.

hark_testkit::chat_integration_tests!(env!("CARGO_BIN_EXE_hark"));
