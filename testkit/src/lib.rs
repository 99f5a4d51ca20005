//! Test support shared by the runtime crates: start a real hark binary ([`Server`]), talk to it
//! as an audio client over UDP ([`Client`]), a voice client over TCP and UDP ([`VoiceClient`]), a
//! chat client over WebSocket ([`ChatClient`]) or a Socket.IO client ([`SignalClient`]), and the
//! integration cases every server binary must pass ([`audio_cases`], [`voice_cases`],
//! [`chat_cases`] and [`signal_cases`], instantiated per binary by [`audio_integration_tests!`],
//! [`voice_integration_tests!`], [`chat_integration_tests!`] and [`signal_integration_tests!`]).
//!
//! Nothing here sleeps to synchronise: every wait is a blocking read or a condition variable
//! bounded by a deadline, and "nothing else arrived" is shown with a barrier ([`Client::sync`])
//! wherever the client has a session.

// Test support: a failed expectation is a panic with a message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

pub mod audio_cases;
pub mod chat_cases;
mod chat_client;
mod client;
mod process;
mod server;
pub mod sfu_standin;
pub mod signal_cases;
mod signal_client;
pub mod stream_cases;
mod stream_client;
pub mod stream_fixture;
pub mod voice_cases;
mod voice_client;

pub use chat_client::{
    ChatClient, HttpResponse, Received, http_exchange, http_request, upgrade_request,
};
pub use client::{
    Client, MAX_QUIET, REPLY_DEADLINE, assert_spec_error, spec_error, token, unix_now,
};
pub use process::{COMMAND_DEADLINE, Finished, Process, TempDir, run};
pub use server::{START_DEADLINE, STOP_DEADLINE, Server};
pub use signal_client::{SOCKET_IO_PATH, SignalClient};
pub use stream_client::{Closed, StreamConnection, StreamResponse};
pub use voice_client::{Login, VoiceClient};

/// Defines one `#[test]` per case of [`audio_cases`] against the server binary at `$bin` (a
/// `&str` path, normally `env!("CARGO_BIN_EXE_…")`).
#[macro_export]
macro_rules! audio_integration_tests {
    ($bin:expr) => {
        $crate::audio_integration_tests!(@cases $bin;
            handshake_json_format_is_acknowledged,
            handshake_legacy_format_is_acknowledged,
            joined_audio_fans_out_exact_bytes_to_the_others_not_the_sender,
            mute_is_relayed_and_silences_audio_until_unmute,
            leave_stops_delivery_to_the_leaver,
            wrong_secret_is_refused_invalid_token_and_others_are_served,
            expired_token_is_refused_token_expired_and_others_are_served,
            banned_user_is_refused_banned_and_others_are_served,
            non_member_is_refused_not_a_member_and_others_are_served,
            unknown_channel_is_refused_channel_not_found_and_others_are_served,
            garbage_gets_no_reply_larger_than_itself_and_others_are_served,
            admin_ban_ends_the_session_with_banned_and_others_keep_talking,
            token_command_prints_a_token_that_completes_a_handshake,
            bad_environment_value_fails_startup_naming_the_key,
            unknown_config_key_fails_startup_naming_the_key,
            sigterm_sends_server_closing_and_exits_zero_within_a_second,
            sigint_sends_server_closing_and_exits_zero_within_a_second,
            embedded_default_serves_the_demo_channel_with_a_persistent_secret,
        );
    };
    (@cases $bin:expr; $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                $crate::audio_cases::$case(::std::path::Path::new($bin));
            }
        )*
    };
}

/// Defines one `#[test]` per case of [`voice_cases`] against the server binary at `$bin`.
#[macro_export]
macro_rules! voice_integration_tests {
    ($bin:expr) => {
        $crate::voice_integration_tests!(@cases $bin;
            login_lists_the_others_and_presence_follows_connections,
            a_forged_token_is_refused_and_the_connection_closed,
            chat_reaches_every_member_of_the_channel,
            voice_fans_out_exact_bytes_to_the_other_members_not_the_sender,
            voice_from_an_unbound_address_is_answered_not_authenticated,
            a_client_that_never_reads_is_dropped_and_the_others_keep_chatting,
            admin_ban_removes_the_member_from_voice,
            admin_reset_closes_every_connection_with_server_closing,
            sigterm_sends_server_closing_to_every_connection_and_exits_zero,
            management_and_relay_ports_come_from_the_environment,
            bad_voice_setting_fails_startup_naming_the_key,
            bad_port_in_the_environment_fails_startup_naming_the_variable,
        );
    };
    (@cases $bin:expr; $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                $crate::voice_cases::$case(::std::path::Path::new($bin));
            }
        )*
    };
}

/// Defines one `#[test]` per case of [`chat_cases`] against the server binary at `$bin`.
#[macro_export]
macro_rules! chat_integration_tests {
    ($bin:expr) => {
        $crate::chat_integration_tests!(@cases $bin;
            joiners_get_the_user_list_and_messages_reach_the_whole_room,
            health_answers_the_seed_json_at_root_and_health,
            other_paths_methods_and_plain_requests_on_ws_are_refused_with_json,
            malformed_and_oversized_request_heads_are_refused,
            connections_beyond_the_per_ip_limit_are_refused_429,
            connections_silent_in_their_request_head_are_bounded,
            a_client_that_never_reads_is_closed_1008_and_the_room_keeps_talking,
            a_message_beyond_the_transport_bound_is_answered_and_closed_1009,
            a_text_frame_that_is_not_utf8_is_closed_1007,
            sigterm_sends_1001_to_every_connection_and_exits_zero,
            admin_reset_closes_every_connection_with_1001_and_stats_count_them,
            port_comes_from_the_environment,
            a_bad_rate_limit_in_the_environment_fails_startup_naming_the_variable,
        );
    };
    (@cases $bin:expr; $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                $crate::chat_cases::$case(::std::path::Path::new($bin));
            }
        )*
    };
}

/// Defines one `#[test]` per case of [`signal_cases`] against the server binary at `$bin`.
#[macro_export]
macro_rules! signal_integration_tests {
    ($bin:expr) => {
        $crate::signal_integration_tests!(@cases $bin;
            the_session_opens_with_the_open_packet,
            connect_with_a_token_is_acknowledged_then_info,
            a_bad_token_is_refused_with_connect_error,
            joiners_see_each_other_and_mute_reaches_the_room,
            a_join_without_an_sfu_is_told_voice_is_unavailable,
            the_sfu_link_relays_a_joiners_negotiation,
            polling_is_refused_400_code_0,
            an_origin_outside_cors_origin_is_refused_code_3,
            health_answers_the_counters,
            debug_pages_are_not_found_by_default,
            debug_pages_are_served_in_development_mode,
            heartbeat_pings_are_answered_and_the_session_stays,
            a_burst_of_connects_from_one_ip_is_rate_limited,
            sigterm_closes_every_session_with_1001,
            admin_reset_closes_every_session_and_stats_count_them,
            signal_port_comes_from_the_environment,
            a_bad_environment_value_fails_startup_naming_the_variable,
        );
    };
    (@cases $bin:expr; $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                $crate::signal_cases::$case(::std::path::Path::new($bin));
            }
        )*
    };
}
