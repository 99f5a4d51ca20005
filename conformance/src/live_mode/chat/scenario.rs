//! One `chat` scenario against a running server (`vectors.md` §7.7). The server is reset through
//! its admin socket and `t0` taken when the reset is answered. Each step is a batch of its own:
//! wait until `t0 + at_ms`, perform the input, wait (up to [`GRACE`]) until every frame the step
//! expects has arrived, listen a little longer for extras ([`SETTLE`], never past the next
//! step's instant, or the [`QUIET_TAIL_MS`] after the last step), and compare everything received
//! since the previous step with what the step expects.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, SocketAddr};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

use super::http;
use super::ws::{Arrival, Upgrade, WsClient};
use crate::chat_compare::{self, Received};
use crate::format::chat::{
    Bindings, EffectiveChatFixture, FrameJson, Input, ResponseJson, Scenario, Step,
};
use crate::live_mode::admin::{Admin, reset_request};
use crate::live_mode::{GRACE, SETTLE};
use crate::timing::QUIET_TAIL_MS;

/// A scenario that has not finished this long after its last step's instant is abandoned.
const SLACK: Duration = Duration::from_secs(10);
/// Inputs that go out later than this are mentioned when their step fails.
const LATE: Duration = Duration::from_millis(20);

/// Where the server under test is.
#[derive(Debug, Clone)]
pub struct Target {
    pub http: SocketAddr,
    pub admin: Admin,
}

/// The clients' connections and where what they receive goes.
struct Clients<'f> {
    fixture: &'f EffectiveChatFixture,
    open: BTreeMap<usize, WsClient>,
    /// Clients whose connection the server has closed with a close frame: the end of their
    /// stream is expected.
    closed: BTreeSet<usize>,
    tx: Sender<Arrival>,
    rx: Receiver<Arrival>,
}

impl Clients<'_> {
    fn index(&self, name: &str) -> Result<usize, String> {
        self.fixture
            .clients
            .iter()
            .position(|c| c.name == name)
            .ok_or_else(|| format!("invalid vector: unknown client {name:?}"))
    }

    fn name(&self, index: usize) -> String {
        self.fixture
            .clients
            .get(index)
            .map_or_else(|| format!("client {index}"), |c| c.name.clone())
    }

    fn open(&self, name: &str) -> Result<&WsClient, String> {
        self.open
            .get(&self.index(name)?)
            .ok_or_else(|| format!("{name} has no open connection"))
    }

    fn next_until(&self, deadline: Instant) -> Option<Arrival> {
        let wait = deadline.saturating_duration_since(Instant::now());
        self.rx.recv_timeout(wait).ok()
    }

    fn collect_until(&self, deadline: Instant, into: &mut Vec<Arrival>) {
        while let Some(arrival) = self.next_until(deadline) {
            into.push(arrival);
        }
    }
}

/// Runs `scenario` against `target`; on failure, the lines that explain the first failing step.
pub fn run(
    fixture: &EffectiveChatFixture,
    scenario: &Scenario,
    target: &Target,
) -> Result<(), Vec<String>> {
    target
        .admin
        .request(&reset_request())
        .map_err(|e| vec![format!("cannot reset the server before the scenario: {e}")])?;
    let t0 = Instant::now();
    let (tx, rx) = mpsc::channel();
    let mut clients = Clients {
        fixture,
        open: BTreeMap::new(),
        closed: BTreeSet::new(),
        tx,
        rx,
    };
    let mut bindings = Bindings::default();
    let last_ms = scenario.steps.last().map_or(0, |s| s.at_ms);
    let give_up = t0 + Duration::from_millis(last_ms) + SLACK;
    let mut received: Vec<Arrival> = Vec::new();
    for (index, step) in scenario.steps.iter().enumerate() {
        let scheduled = t0 + Duration::from_millis(step.at_ms);
        clients.collect_until(scheduled, &mut received);
        let started = Instant::now();
        if started > give_up {
            return Err(vec![format!(
                "abandoned at step {index}: more than {} s behind schedule",
                SLACK.as_secs()
            )]);
        }
        let (response, mut lines) = match perform(step, &mut clients, target) {
            Ok(response) => (response, Vec::new()),
            Err(problem) => (None, vec![problem]),
        };
        let last_input = Instant::now();
        let grace_end = last_input + GRACE;
        while !arrived(step, &received, &clients) {
            match clients.next_until(grace_end) {
                Some(arrival) => received.push(arrival),
                None => break,
            }
        }
        let listen_until = match scenario.steps.get(index + 1) {
            None => last_input + Duration::from_millis(QUIET_TAIL_MS),
            Some(next) => (last_input + SETTLE).min(t0 + Duration::from_millis(next.at_ms)),
        };
        clients.collect_until(listen_until, &mut received);
        let seen = sort(&std::mem::take(&mut received), &mut clients);
        lines.extend(chat_compare::frames(
            &step.expect.transmits,
            &seen.frames,
            &mut bindings,
        ));
        lines.extend(chat_compare::response(
            step.expect.response.as_ref(),
            response.as_ref(),
            &mut bindings,
        ));
        lines.extend(seen.problems);
        if !lines.is_empty() {
            return Err(report(
                index,
                step,
                lines,
                started.saturating_duration_since(scheduled),
                scenario,
            ));
        }
    }
    Ok(())
}

/// Performs the step's input; the HTTP response of a `connect` or `http` step.
fn perform(
    step: &Step,
    clients: &mut Clients<'_>,
    target: &Target,
) -> Result<Option<ResponseJson>, String> {
    let io = |what: &'static str| move |e: std::io::Error| format!("cannot {what}: {e}");
    match &step.input {
        Input::Connect(name) => {
            let index = clients.index(name)?;
            let ip = clients
                .fixture
                .clients
                .get(index)
                .map(|c| IpAddr::V4(c.ip))
                .ok_or("no such client")?;
            // A connection the server closed is replaced.
            clients.open.remove(&index);
            clients.closed.remove(&index);
            match WsClient::connect(index, ip, target.http, clients.tx.clone())
                .map_err(io("connect"))?
            {
                Upgrade::Accepted(ws) => {
                    clients.open.insert(index, ws);
                    Ok(Some(ResponseJson {
                        status: 101,
                        body: None,
                    }))
                }
                Upgrade::Refused(response) => Ok(Some(response)),
            }
        }
        Input::Text { from, text } => clients
            .open(from)?
            .text(text)
            .map_err(io("write"))
            .map(|()| None),
        Input::Binary { from, bytes } => clients
            .open(from)?
            .binary(bytes.as_bytes())
            .map_err(io("write"))
            .map(|()| None),
        Input::Ping(name) => clients
            .open(name)?
            .ping()
            .map_err(io("write"))
            .map(|()| None),
        Input::Pong(name) => clients
            .open(name)?
            .pong()
            .map_err(io("write"))
            .map(|()| None),
        Input::Close(name) => {
            let index = clients.index(name)?;
            let ws = clients
                .open
                .remove(&index)
                .ok_or_else(|| format!("{name} has no open connection"))?;
            ws.close().map_err(io("close")).map(|()| None)
        }
        Input::Http(request) => {
            let (status, body) = http::request(target.http, &request.method, &request.path)
                .map_err(io("make the request"))?;
            Ok(Some(ResponseJson {
                status,
                body: Some(body),
            }))
        }
        Input::Reset => target
            .admin
            .request(&reset_request())
            .map(|()| None)
            .map_err(|e| format!("the reset failed: {e}")),
        Input::Tick => Ok(None),
    }
}

/// Whether every frame the step expects has arrived (counted per client; the comparison comes
/// after).
fn arrived(step: &Step, received: &[Arrival], clients: &Clients<'_>) -> bool {
    let mut wanted: BTreeMap<&str, usize> = BTreeMap::new();
    for t in &step.expect.transmits {
        *wanted.entry(t.to.as_str()).or_default() += 1;
    }
    let mut got: BTreeMap<String, usize> = BTreeMap::new();
    for arrival in received {
        if let Arrival::Frame { client, .. } = arrival {
            *got.entry(clients.name(*client)).or_default() += 1;
        }
    }
    wanted
        .iter()
        .all(|(client, n)| got.get(*client).copied().unwrap_or(0) >= *n)
}

/// What arrived during a step: frames by client, and what is always a failure.
#[derive(Debug, Default)]
struct Seen {
    frames: Vec<Received>,
    problems: Vec<String>,
}

fn sort(received: &[Arrival], clients: &mut Clients<'_>) -> Seen {
    let mut seen = Seen::default();
    for arrival in received {
        match arrival {
            Arrival::Frame { client, frame } => {
                if matches!(frame, FrameJson::Close(_)) {
                    clients.closed.insert(*client);
                }
                seen.frames.push((clients.name(*client), frame.clone()));
            }
            Arrival::Unexpected { client, what } => seen
                .problems
                .push(format!("{} received {what}", clients.name(*client))),
            Arrival::Ended { client, error } if !clients.closed.contains(client) => {
                let how = error
                    .as_deref()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default();
                seen.problems.push(format!(
                    "{}'s connection ended without a close frame{how}",
                    clients.name(*client)
                ));
            }
            Arrival::Ended { .. } => {}
        }
    }
    seen
}

fn report(
    index: usize,
    step: &Step,
    lines: Vec<String>,
    late: Duration,
    scenario: &Scenario,
) -> Vec<String> {
    let note = step
        .note
        .as_ref()
        .map(|n| format!(" ({n})"))
        .unwrap_or_default();
    let mut out = vec![format!("step {index} at {} ms{note}:", step.at_ms)];
    out.extend(lines.into_iter().map(|line| format!("  {line}")));
    if late > LATE {
        out.push(format!(
            "  (its input went out {} ms late)",
            late.as_millis()
        ));
    }
    if index + 1 < scenario.steps.len() {
        out.push(format!(
            "  (steps {}..{} not run: the state has diverged)",
            index + 1,
            scenario.steps.len() - 1
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;
    use std::os::unix::net::UnixListener;

    use tungstenite::Message;

    use super::*;
    use crate::format::chat::ChatFixture;
    use crate::live_mode::test_dir::Dir;

    /// What a stand-in chat server answers to one text message.
    type Answer = fn(&str) -> Vec<String>;

    /// An admin socket that accepts everything, and a WebSocket listener that answers each text
    /// message with `answer`'s texts — or, with `refuse`, refuses every upgrade with `429`.
    struct FakeServer {
        _dir: Dir,
        target: Target,
    }

    fn fake_server(answer: Answer, refuse: bool) -> FakeServer {
        let dir = Dir::new("live-chat");
        let path = dir.path().join("admin.sock");
        let admin = UnixListener::bind(&path).unwrap();
        std::thread::spawn(move || {
            for stream in admin.incoming().flatten() {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap_or(0) > 0 {
                    (&stream).write_all(b"{\"ok\":true}\n").unwrap();
                    line.clear();
                }
            }
        });
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let http = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                if refuse {
                    // The whole request is read first: closing with unread bytes would reset.
                    let mut head = String::new();
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    while reader.read_line(&mut head).unwrap_or(0) > 2 {
                        head.clear();
                    }
                    let body = r#"{"error":"TOO_MANY_CONNECTIONS"}"#;
                    let _ = write!(
                        stream,
                        "HTTP/1.1 429 Too Many Requests\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    continue;
                }
                std::thread::spawn(move || {
                    let Ok(mut ws) = tungstenite::accept(stream) else {
                        return;
                    };
                    while let Ok(message) = ws.read() {
                        if let Message::Text(text) = message {
                            for reply in answer(text.as_str()) {
                                let _ = ws.send(Message::text(reply));
                            }
                        }
                    }
                });
            }
        });
        FakeServer {
            _dir: dir,
            target: Target {
                http,
                admin: Admin::new(path),
            },
        }
    }

    fn fixture() -> EffectiveChatFixture {
        let text =
            std::fs::read_to_string(crate::default_vectors("chat").join("fixture.json")).unwrap();
        let fixture: ChatFixture = serde_json::from_str(&text).unwrap();
        fixture.effective(None).unwrap()
    }

    fn scenario(steps: &str) -> Scenario {
        serde_json::from_str(&format!(
            r#"{{"name":"t","description":"","covers":[],"steps":[{steps}]}}"#
        ))
        .unwrap()
    }

    const PING: &str = r#"{\"type\":\"ping\"}"#;
    const PONG: &str = r#"{\"type\":\"pong\"}"#;

    fn ping_scenario() -> Scenario {
        scenario(&format!(
            r#"{{"at_ms":0,"connect":"alice","expect":{{"transmits":[],
                 "response":{{"status":101}},"events":[]}}}},
               {{"at_ms":0,"from":"alice","text":"{PING}","expect":{{"transmits":[
                 {{"to":"alice","text":"{PONG}"}}],"events":[]}}}}"#
        ))
    }

    #[test]
    fn a_server_answering_as_expected_passes() {
        let server = fake_server(|_| vec![r#"{"type":"pong"}"#.to_owned()], false);
        assert_eq!(run(&fixture(), &ping_scenario(), &server.target), Ok(()));
    }

    #[test]
    fn a_frame_nobody_expected_fails_its_step() {
        let server = fake_server(
            |_| {
                vec![
                    r#"{"type":"pong"}"#.to_owned(),
                    r#"{"type":"pong"}"#.to_owned(),
                ]
            },
            false,
        );
        let lines = run(&fixture(), &ping_scenario(), &server.target).unwrap_err();
        assert!(lines[0].starts_with("step 1 at 0 ms"), "{lines:?}");
        assert_eq!(lines[1], "  frames to alice differ:");
    }

    #[test]
    fn a_refused_upgrade_is_compared_by_status_and_body() {
        let server = fake_server(|_| Vec::new(), true);
        let refused = scenario(
            r#"{"at_ms":0,"connect":"alice","expect":{"transmits":[],
                "response":{"status":429,"body":"{\"error\":\"TOO_MANY_CONNECTIONS\"}"},
                "events":[]}}"#,
        );
        assert_eq!(run(&fixture(), &refused, &server.target), Ok(()));
        let lines = run(&fixture(), &ping_scenario(), &server.target).unwrap_err();
        assert!(
            lines.iter().any(|l| l.contains("expected response 101")),
            "{lines:?}"
        );
    }
}
