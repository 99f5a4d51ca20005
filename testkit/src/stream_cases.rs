//! The stream integration cases, written once, run against every server binary by
//! [`stream_integration_tests!`](crate::stream_integration_tests). Each starts its own server
//! and checks one behaviour of `conformance/spec/stream.md` (section numbers below are that
//! file's) over real sockets: HTTP/1.1 persistence and its limits, bodies byte for byte at any
//! offset, the bounds, the secret and `sign-url`. Every decision's details are the conformance
//! vectors' job.

use std::fs::OpenOptions;
use std::net::{SocketAddr, TcpListener};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::audio_cases::refused_config;
use crate::stream_client::{Closed, StreamConnection, StreamResponse, request};
use crate::stream_fixture::{SECRET, StreamFixture, config, pattern, signed, stream_addr};
use crate::{REPLY_DEADLINE, Server, TempDir, run};

/// How long a close may take to arrive.
const CLOSE_DEADLINE: Duration = Duration::from_secs(5);
const MIB: usize = 1024 * 1024;

/// Defines one `#[test]` per case of [`stream_cases`](crate::stream_cases) against the server
/// binary at `$bin`.
#[macro_export]
macro_rules! stream_integration_tests {
    ($bin:expr) => {
        $crate::stream_integration_tests!(@cases $bin;
            one_connection_serves_range_head_full_and_health_requests,
            two_pipelined_requests_in_one_write_are_answered_in_order,
            a_head_beyond_8_kib_is_answered_431_and_closed,
            a_head_that_does_not_arrive_in_time_is_answered_408_and_closed,
            a_connection_that_never_sends_is_closed_silently_at_the_header_timeout,
            an_idle_persistent_connection_is_closed_silently_after_the_keepalive_timeout,
            a_peer_that_stops_reading_is_dropped_after_the_send_timeout,
            http_1_0_is_closed_after_the_response_unless_it_asks_for_keep_alive,
            a_range_beyond_4_gib_of_a_sparse_file_is_served_from_its_offset,
            a_multi_mib_file_is_served_whole_byte_for_byte,
            several_ranges_are_served_as_multipart_byteranges_byte_for_byte,
            a_file_truncated_while_it_is_sent_ends_the_connection,
            sign_url_prints_a_url_the_server_serves_and_refuses_a_bad_id,
            health_counts_206_answers_and_admin_reset_zeroes_the_counters,
            connections_beyond_the_per_ip_bound_are_closed_at_once,
            connections_beyond_max_connections_are_closed_at_once,
            a_missing_secret_stops_production_and_is_generated_in_development,
            the_port_comes_from_stream_server_port,
            sigterm_exits_zero_with_connections_open,
        );
    };
    (@cases $bin:expr; $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                $crate::stream_cases::$case(::std::path::Path::new($bin));
            }
        )*
    };
}

/// The seed's 206 headers come first, in its order (§6).
fn assert_seed_headers(response: &StreamResponse) {
    let names = response.header_names();
    assert_eq!(
        names.get(..4),
        Some(
            &[
                "Content-Type",
                "Accept-Ranges",
                "Content-Length",
                "Content-Range"
            ][..]
        ),
        "{names:?}"
    );
}

/// §6, §7.1, §8, §9: on one persistent connection, a Range `GET` (the seed's example headers),
/// a `HEAD` (full length, no body), a whole `GET` and `/health`, each answered in turn.
pub fn one_connection_serves_range_head_full_and_health_requests(bin: &Path) {
    let data = pattern(10_000);
    let fx = StreamFixture::start(bin, "", &[("track1.mp3", &data)]);
    let target = signed("track1");
    let mut conn = StreamConnection::connect(fx.addr);

    conn.request("GET", &target, "Range: bytes=0-1023\r\n");
    let partial = conn.response(false);
    assert_eq!(partial.status, 206);
    assert_seed_headers(&partial);
    assert_eq!(partial.header("content-type"), Some("audio/mpeg"));
    assert_eq!(partial.header("content-range"), Some("bytes 0-1023/10000"));
    assert_eq!(partial.body, data[..1024]);

    conn.request("HEAD", &target, "");
    let head = conn.response(true);
    assert_eq!(head.status, 200);
    assert_eq!(head.content_length(), 10_000);
    assert_eq!(head.header("accept-ranges"), Some("bytes"));

    conn.request("GET", &target, "");
    let whole = conn.response(false);
    assert_eq!(whole.status, 200);
    assert_eq!(whole.body, data);

    conn.request("GET", "/health", "");
    let health = conn.response(false);
    assert_eq!(health.status, 200);
    assert_eq!(health.json()["service"], "stream");
}

/// §8: two requests in one write are answered in order, the second from the bytes already read.
pub fn two_pipelined_requests_in_one_write_are_answered_in_order(bin: &Path) {
    let data = pattern(4096);
    let fx = StreamFixture::start(bin, "", &[("t.ogg", &data)]);
    let target = signed("t");
    let mut conn = StreamConnection::connect(fx.addr);
    let both = request("GET", &target, "Range: bytes=100-199\r\n")
        + &request("GET", &target, "Range: bytes=-10\r\n");
    conn.send(both.as_bytes());
    let first = conn.response(false);
    assert_eq!(first.header("content-range"), Some("bytes 100-199/4096"));
    assert_eq!(first.header("content-type"), Some("audio/ogg"));
    assert_eq!(first.body, data[100..200]);
    let second = conn.response(false);
    assert_eq!(second.header("content-range"), Some("bytes 4086-4095/4096"));
    assert_eq!(second.body, data[4086..]);
}

/// §1: a head longer than 8 KiB is answered `431` with `Connection: close`, then closed.
pub fn a_head_beyond_8_kib_is_answered_431_and_closed(bin: &Path) {
    let fx = StreamFixture::start(bin, "", &[]);
    let mut conn = StreamConnection::connect(fx.addr);
    let filler = "a".repeat(9 * 1024);
    conn.request("GET", "/health", &format!("X-Filler: {filler}\r\n"));
    let refused = conn.response(false);
    assert_eq!(refused.status, 431);
    assert_eq!(refused.header("connection"), Some("close"));
    assert_eq!(refused.text(), "request header fields too large\n");
    assert_eq!(conn.closed_within(CLOSE_DEADLINE), Closed::Yes);
}

/// §1: a head still incomplete at the header timeout is answered `408`, then closed.
pub fn a_head_that_does_not_arrive_in_time_is_answered_408_and_closed(bin: &Path) {
    let fx = StreamFixture::start(bin, r#"header_timeout = "300ms""#, &[]);
    let mut conn = StreamConnection::connect(fx.addr);
    let started = Instant::now();
    conn.send(b"GET /health HTTP/1.1\r\nHost: loc");
    let refused = conn.response(false);
    assert_eq!(refused.status, 408);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(refused.header("connection"), Some("close"));
    assert_eq!(conn.closed_within(CLOSE_DEADLINE), Closed::Yes);
}

/// §1: a connection that sends no byte at all (a browser's preconnect) is closed at the header
/// timeout without a `408` nobody asked for.
pub fn a_connection_that_never_sends_is_closed_silently_at_the_header_timeout(bin: &Path) {
    let fx = StreamFixture::start(bin, r#"header_timeout = "300ms""#, &[]);
    let mut conn = StreamConnection::connect(fx.addr);
    let started = Instant::now();
    assert_eq!(conn.closed_within(CLOSE_DEADLINE), Closed::Yes);
    assert!(started.elapsed() >= Duration::from_millis(250));
}

/// §1: a persistent connection with no request after its answer is closed after the
/// keep-alive timeout, without a `408`.
pub fn an_idle_persistent_connection_is_closed_silently_after_the_keepalive_timeout(bin: &Path) {
    let fx = StreamFixture::start(bin, r#"keepalive_timeout = "300ms""#, &[]);
    let mut conn = StreamConnection::connect(fx.addr);
    conn.request("GET", "/health", "");
    assert_eq!(conn.response(false).status, 200);
    let answered = Instant::now();
    assert_eq!(conn.closed_within(CLOSE_DEADLINE), Closed::Yes);
    assert!(answered.elapsed() >= Duration::from_millis(250));
}

/// §1: a response the peer stops reading ends the connection after the send timeout, short of
/// its length, rather than holding it.
pub fn a_peer_that_stops_reading_is_dropped_after_the_send_timeout(bin: &Path) {
    let fx = StreamFixture::start(bin, r#"send_timeout = "300ms""#, &[]);
    let len: u64 = 256 * 1024 * 1024;
    let file = OpenOptions::new()
        .create_new(true)
        .write(true)
        .open(fx.file("long.mp3"))
        .unwrap();
    file.set_len(len).unwrap();
    let mut conn = StreamConnection::connect(fx.addr);
    conn.request("GET", &signed("long"), "");
    assert_eq!(conn.read_head().0, 200);
    // Not reading is the behaviour under test: the socket buffers fill and the server waits.
    std::thread::sleep(Duration::from_secs(1));
    let received = conn
        .drain_until_closed(CLOSE_DEADLINE)
        .expect("the connection was left open");
    assert!(received < len, "{received} bytes: the whole length arrived");
}

/// §8: HTTP/1.0 is answered and closed; with `Connection: keep-alive` it is kept and says so.
pub fn http_1_0_is_closed_after_the_response_unless_it_asks_for_keep_alive(bin: &Path) {
    let data = pattern(300);
    let fx = StreamFixture::start(bin, "", &[("t.mp3", &data)]);
    let target = signed("t");

    let mut once = StreamConnection::connect(fx.addr);
    once.send(format!("GET {target} HTTP/1.0\r\n\r\n").as_bytes());
    let response = once.response(false);
    assert_eq!(response.status, 200);
    assert_eq!(response.body, data);
    assert_eq!(response.header("connection"), Some("close"));
    assert_eq!(once.closed_within(CLOSE_DEADLINE), Closed::Yes);

    let mut kept = StreamConnection::connect(fx.addr);
    let keep_alive = format!("GET {target} HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    kept.send(keep_alive.as_bytes());
    let first = kept.response(false);
    assert_eq!(first.header("connection"), Some("keep-alive"));
    kept.send(keep_alive.as_bytes());
    assert_eq!(kept.response(false).body, data);
}

/// §7.1, §10: offsets beyond 32 bits are served from the right place (a sparse 5 GiB file
/// with a marker past 4 GiB).
pub fn a_range_beyond_4_gib_of_a_sparse_file_is_served_from_its_offset(bin: &Path) {
    let fx = StreamFixture::start(bin, "", &[]);
    let len: u64 = 5 * 1024 * 1024 * 1024 + 10;
    let at: u64 = 4 * 1024 * 1024 * 1024 + 1000;
    let marker = b"hark-past-4-gib";
    let file = OpenOptions::new()
        .create_new(true)
        .write(true)
        .open(fx.file("big.flac"))
        .unwrap();
    file.set_len(len).unwrap();
    file.write_at(marker, at).unwrap();
    drop(file);

    let mut conn = StreamConnection::connect(fx.addr);
    let last = at + marker.len() as u64 - 1;
    conn.request(
        "GET",
        &signed("big"),
        &format!("Range: bytes={at}-{last}\r\n"),
    );
    let response = conn.response(false);
    assert_eq!(response.status, 206);
    assert_eq!(
        response.header("content-range"),
        Some(format!("bytes {at}-{last}/{len}").as_str())
    );
    assert_eq!(response.body, marker);

    conn.request("GET", &signed("big"), "Range: bytes=-4\r\n");
    let tail = conn.response(false);
    assert_eq!(
        tail.header("content-range"),
        Some(format!("bytes {}-{}/{len}", len - 4, len - 1).as_str())
    );
    assert_eq!(tail.body, [0; 4]);
}

/// §10: a file of several MiB is served whole, every byte in place.
pub fn a_multi_mib_file_is_served_whole_byte_for_byte(bin: &Path) {
    let data = pattern(3 * MIB + 123);
    let fx = StreamFixture::start(bin, "", &[("long.wav", &data)]);
    let mut conn = StreamConnection::connect(fx.addr);
    conn.request("GET", &signed("long"), "");
    let response = conn.response(false);
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("audio/wav"));
    assert!(response.body == data, "the body differs from the file");
}

/// §7.1.1: several ranges are one `multipart/byteranges` body, exactly as specified.
pub fn several_ranges_are_served_as_multipart_byteranges_byte_for_byte(bin: &Path) {
    let data = pattern(5000);
    let fx = StreamFixture::start(bin, "", &[("m.mp3", &data)]);
    let mut conn = StreamConnection::connect(fx.addr);
    conn.request("GET", &signed("m"), "Range: bytes=4990-,0-9,100-199\r\n");
    let response = conn.response(false);
    assert_eq!(response.status, 206);
    let content_type = response.header("content-type").unwrap();
    let boundary = content_type
        .strip_prefix("multipart/byteranges; boundary=")
        .unwrap_or_else(|| panic!("{content_type:?}"));
    assert!(
        boundary.starts_with("hark-") && boundary.len() == 21,
        "{boundary}"
    );
    let mut expected = Vec::new();
    for (first, last) in [(0usize, 9usize), (100, 199), (4990, 4999)] {
        expected.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Type: audio/mpeg\r\nContent-Range: bytes {first}-{last}/5000\r\n\r\n"
            )
            .as_bytes(),
        );
        expected.extend_from_slice(&data[first..=last]);
        expected.extend_from_slice(b"\r\n");
    }
    expected.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    assert_eq!(response.body, expected);
    assert_eq!(response.header("content-range"), None);
}

/// §10: a file cut short while it is sent ends the connection (before `Content-Length`)
/// instead of leaving the client waiting.
pub fn a_file_truncated_while_it_is_sent_ends_the_connection(bin: &Path) {
    let fx = StreamFixture::start(bin, "", &[]);
    let len: u64 = 256 * 1024 * 1024;
    let file = OpenOptions::new()
        .create_new(true)
        .write(true)
        .open(fx.file("cut.mp3"))
        .unwrap();
    file.set_len(len).unwrap();

    let mut conn = StreamConnection::connect(fx.addr);
    conn.request("GET", &signed("cut"), "");
    let (status, _) = conn.read_head();
    assert_eq!(status, 200);
    file.set_len(MIB as u64).unwrap();
    let received = conn
        .drain_until_closed(CLOSE_DEADLINE)
        .expect("the connection was left open after the file ended");
    assert!(received < len, "{received} bytes: the whole length arrived");
}

/// §4: `sign-url` prints a URL, under the same configuration and secret as `serve`, that the
/// server answers; an id the server would refuse is an error naming the rule.
pub fn sign_url_prints_a_url_the_server_serves_and_refuses_a_bad_id(bin: &Path) {
    let data = pattern(2000);
    let fx = StreamFixture::start(bin, "", &[("track1.mp3", &data)]);
    let base = format!("http://{}", fx.addr);
    let config = fx.server.config_path().as_os_str().to_owned();
    let dir = fx.server.dir().as_os_str().to_owned();
    let args = |id: &str| -> Vec<std::ffi::OsString> {
        vec![
            "sign-url".into(),
            id.into(),
            "--ttl".into(),
            "60".into(),
            "--base".into(),
            base.clone().into(),
            "--config".into(),
            config.clone(),
            "--data-dir".into(),
            dir.clone(),
        ]
    };
    let finished = run(bin, args("track1"), &[]);
    assert!(finished.status.success(), "{finished:?}");
    let url = finished.stdout.join("");
    let target = url
        .strip_prefix(&base)
        .unwrap_or_else(|| panic!("{url:?} is not on {base}"));
    assert!(target.starts_with("/stream/track1?expires="), "{target}");
    let mut conn = StreamConnection::connect(fx.addr);
    conn.request("GET", target, "");
    assert_eq!(conn.response(false).body, data);

    let refused = run(bin, args("../etc/passwd"), &[]);
    assert!(!refused.status.success());
    assert!(
        refused.stderr.join("\n").contains("not a stream id"),
        "{refused:?}"
    );
}

/// §9: `/health` counts `206` answers and the bytes sent; the admin socket's `stats` carries the
/// same counters and `reset` zeroes them.
pub fn health_counts_206_answers_and_admin_reset_zeroes_the_counters(bin: &Path) {
    let data = pattern(1000);
    let fx = StreamFixture::start(bin, "", &[("t.mp3", &data)]);
    let mut conn = StreamConnection::connect(fx.addr);
    for range in ["0-99", "100-199", "-50"] {
        conn.request("GET", &signed("t"), &format!("Range: bytes={range}\r\n"));
        assert_eq!(conn.response(false).status, 206);
    }
    conn.request("GET", "/health", "");
    let health = conn.response(false).json();
    assert_eq!(health["responses"]["206"], 3, "{health}");
    assert_eq!(health["bytes_sent"], 250, "{health}");
    assert_eq!(health["connections"], 1, "{health}");

    let stats = fx.server.admin_stats(bin);
    assert_eq!(stats["stream"]["status_206"], 3, "{stats}");
    fx.server.admin(bin, "reset");
    let stats = fx.server.admin_stats(bin);
    assert_eq!(stats["stream"]["status_206"], 0, "{stats}");
    assert_eq!(stats["stream"]["connections"], 1, "{stats}");
}

/// Serves `/health` on a fresh connection once the server admits it again (a closed
/// connection's place is given back when its task ends).
fn admitted_again(addr: SocketAddr) {
    let deadline = Instant::now() + CLOSE_DEADLINE;
    loop {
        let mut conn = StreamConnection::connect(addr);
        conn.request("GET", "/health", "Connection: close\r\n");
        if conn
            .drain_until_closed(REPLY_DEADLINE)
            .is_some_and(|n| n > 0)
        {
            return;
        }
        assert!(Instant::now() < deadline, "no connection is admitted again");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Two connections that are served (so admitted).
fn two_served(addr: SocketAddr) -> [StreamConnection; 2] {
    [(); 2].map(|()| {
        let mut conn = StreamConnection::connect(addr);
        conn.request("GET", "/health", "");
        assert_eq!(conn.response(false).status, 200);
        conn
    })
}

/// With `connection_limit_per_ip = 2`, a third connection from the address is closed
/// unanswered; once one closes, the address is served again.
pub fn connections_beyond_the_per_ip_bound_are_closed_at_once(bin: &Path) {
    let fx = StreamFixture::start(bin, "connection_limit_per_ip = 2", &[]);
    let [first, _second] = two_served(fx.addr);
    let mut third = StreamConnection::connect(fx.addr);
    assert_eq!(third.closed_within(CLOSE_DEADLINE), Closed::Yes);
    drop(first);
    admitted_again(fx.addr);
    assert_eq!(
        fx.server.admin_stats(bin)["stream"]["connections_refused"],
        1
    );
}

/// With `max_connections = 2`, a third connection is closed unanswered, whatever its address.
pub fn connections_beyond_max_connections_are_closed_at_once(bin: &Path) {
    let fx = StreamFixture::start(bin, "max_connections = 2", &[]);
    let [first, _second] = two_served(fx.addr);
    let mut third = StreamConnection::connect(fx.addr);
    assert_eq!(third.closed_within(CLOSE_DEADLINE), Closed::Yes);
    drop(first);
    admitted_again(fx.addr);
}

/// §11: without `SECRET_KEY`, production mode stops at start naming it; development mode
/// generates a key once, keeps it in the data directory, and `sign-url` signs with it.
pub fn a_missing_secret_stops_production_and_is_generated_in_development(bin: &Path) {
    let media = TempDir::new();
    let data = pattern(64);
    std::fs::write(media.path().join("t.mp3"), &data).unwrap();
    let without_secret = config(media.path(), "").replace(&format!("secret = \"{SECRET}\"\n"), "");
    let line = refused_config(bin, &without_secret, &[]);
    assert!(line.contains("SECRET_KEY"), "{line:?}");

    let server =
        Server::start_with_config_env(bin, &without_secret, &[("NODE_ENV", "development")]);
    let addr = stream_addr(&server);
    let stored = std::fs::read_to_string(server.dir().join("stream_secret")).unwrap();
    assert_eq!(stored.trim().len(), 64, "{stored:?}");
    let expires = i64::try_from(crate::unix_now() + 60).unwrap();
    let target = hark_core::stream::signed_path(stored.trim().as_bytes(), "t", expires);
    let mut conn = StreamConnection::connect(addr);
    conn.request("GET", &target, "");
    assert_eq!(conn.response(false).body, data);
}

/// The seed's `STREAM_SERVER_PORT` chooses the port (on the configured address).
pub fn the_port_comes_from_stream_server_port(bin: &Path) {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("no free TCP port");
    let media = TempDir::new();
    let server = Server::start_with_config_env(
        bin,
        &config(media.path(), ""),
        &[("STREAM_SERVER_PORT", port.to_string().as_str())],
    );
    assert_eq!(
        stream_addr(&server),
        SocketAddr::from(([127, 0, 0, 1], port))
    );
}

/// SIGTERM stops the server with exit status 0 even while persistent connections are open.
pub fn sigterm_exits_zero_with_connections_open(bin: &Path) {
    let mut fx = StreamFixture::start(bin, "", &[]);
    let mut conn = StreamConnection::connect(fx.addr);
    conn.request("GET", "/health", "");
    assert_eq!(conn.response(false).status, 200);
    let status = fx.server.stop();
    assert!(status.success(), "exit status {status:?}");
}
