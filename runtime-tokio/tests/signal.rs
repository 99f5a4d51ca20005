//! The `hark` binary's signal service over real TCP (HTTP and Socket.IO over WebSocket): the
//! cases of `hark_testkit::signal_cases`.

hark_testkit::signal_integration_tests!(env!("CARGO_BIN_EXE_hark"));
