//! Comparing what a `chat` step produced with what its vector expects (`vectors.md` §7.3, §7.4),
//! as human-readable differences, the same for `core` and `live` mode: frames per client in
//! order, text frames and bodies as templates, and the HTTP response of a `connect` or `http`
//! step.

use std::collections::{BTreeMap, BTreeSet};

use crate::format::chat::{Bindings, FrameJson, ResponseJson, TransmitJson, matches};

/// A frame a client received: its client and the frame (a text frame with the actual text).
pub type Received = (String, FrameJson);

/// Per client, the expected frames in order must be exactly the received ones; text frames match
/// as templates, binding message-id names in `bindings`. One block of lines per client that
/// differs.
pub fn frames(
    expected: &[TransmitJson],
    actual: &[Received],
    bindings: &mut Bindings,
) -> Vec<String> {
    let mut wanted: BTreeMap<&str, Vec<&FrameJson>> = BTreeMap::new();
    for t in expected {
        wanted.entry(t.to.as_str()).or_default().push(&t.frame);
    }
    let mut got: BTreeMap<&str, Vec<&FrameJson>> = BTreeMap::new();
    for (client, frame) in actual {
        got.entry(client.as_str()).or_default().push(frame);
    }
    let clients: BTreeSet<&str> = wanted.keys().chain(got.keys()).copied().collect();
    let mut lines = Vec::new();
    for client in clients {
        let want = wanted.get(client).map_or(&[][..], Vec::as_slice);
        let have = got.get(client).map_or(&[][..], Vec::as_slice);
        if same_frames(want, have, bindings) {
            continue;
        }
        lines.push(format!("frames to {client} differ:"));
        for (label, list) in [("expected", want), ("actual", have)] {
            lines.push(format!("  {label}:"));
            if list.is_empty() {
                lines.push("    (none)".to_owned());
            }
            lines.extend(list.iter().map(|frame| format!("    {frame}")));
        }
    }
    lines
}

/// Whether `have` is `want`, frame by frame; bindings are kept only if every frame matches.
fn same_frames(want: &[&FrameJson], have: &[&FrameJson], bindings: &mut Bindings) -> bool {
    if want.len() != have.len() {
        return false;
    }
    let mut local = bindings.clone();
    let all = want.iter().zip(have).all(|(w, h)| match (w, h) {
        (FrameJson::Text(template), FrameJson::Text(text)) => matches(template, text, &mut local),
        (w, h) => w == h,
    });
    if all {
        *bindings = local;
    }
    all
}

/// The HTTP response of a `connect` or `http` step: the status, and the body as a template when
/// the vector gives one.
pub fn response(
    expected: Option<&ResponseJson>,
    actual: Option<&ResponseJson>,
    bindings: &mut Bindings,
) -> Vec<String> {
    let show = |r: &ResponseJson| match &r.body {
        Some(body) => format!("{} {body}", r.status),
        None => r.status.to_string(),
    };
    let same = match (expected, actual) {
        (None, None) => true,
        (Some(want), Some(got)) => {
            want.status == got.status
                && match (&want.body, &got.body) {
                    (None, _) => true,
                    (Some(template), Some(body)) => matches(template, body, bindings),
                    (Some(_), None) => false,
                }
        }
        _ => false,
    };
    if same {
        return Vec::new();
    }
    vec![
        format!(
            "expected response {}",
            expected.map_or("(none)".to_owned(), show)
        ),
        format!(
            "     got response {}",
            actual.map_or("(none)".to_owned(), show)
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tx(to: &str, frame: FrameJson) -> TransmitJson {
        TransmitJson {
            to: to.into(),
            frame,
        }
    }

    fn text(t: &str) -> FrameJson {
        FrameJson::Text(t.into())
    }

    #[test]
    fn clients_may_interleave_but_each_clients_frames_keep_their_order() {
        let want = [
            tx("a", text("1")),
            tx("b", text("x")),
            tx("a", FrameJson::Close(1008)),
        ];
        let got = [
            ("b".to_owned(), text("x")),
            ("a".to_owned(), text("1")),
            ("a".to_owned(), FrameJson::Close(1008)),
        ];
        assert!(frames(&want, &got, &mut Bindings::default()).is_empty());
        let swapped = [
            ("b".to_owned(), text("x")),
            ("a".to_owned(), FrameJson::Close(1008)),
            ("a".to_owned(), text("1")),
        ];
        let lines = frames(&want, &swapped, &mut Bindings::default());
        assert_eq!(lines[0], "frames to a differ:");
    }

    #[test]
    fn a_frame_nobody_expected_is_a_difference() {
        let lines = frames(
            &[],
            &[("a".to_owned(), FrameJson::Ping)],
            &mut Bindings::default(),
        );
        assert_eq!(
            lines,
            [
                "frames to a differ:",
                "  expected:",
                "    (none)",
                "  actual:",
                "    ping"
            ]
        );
    }

    #[test]
    fn a_body_is_compared_when_given() {
        let want = ResponseJson {
            status: 429,
            body: Some(r#"{"error":"TOO_MANY_CONNECTIONS"}"#.into()),
        };
        let mut b = Bindings::default();
        assert!(response(Some(&want), Some(&want.clone()), &mut b).is_empty());
        let other = ResponseJson {
            status: 429,
            body: Some("{}".into()),
        };
        assert_eq!(response(Some(&want), Some(&other), &mut b).len(), 2);
        let upgraded = ResponseJson {
            status: 101,
            body: None,
        };
        assert!(response(Some(&upgraded), Some(&upgraded.clone()), &mut b).is_empty());
    }
}
