//! Templates (`vectors.md` §7.4): the text a server writes, byte for byte, except for what it
//! generates — message ids, timestamps, the uptime — which is written as a placeholder matched
//! by shape. A named id placeholder binds to the first id it matches, so that one message shown
//! to several clients is shown to carry one id. `signal`'s session ids (`vectors.md` §8.3) are
//! named placeholders of their own, `"<sid:NAME>"`, which [`fill`] also writes back into the text
//! a runner sends.

use std::collections::BTreeMap;

const UUID: &str = "\"<uuid>\"";
const NAMED_UUID: &str = "\"<uuid:";
const TIMESTAMP: &str = "\"<timestamp>\"";
const UINT: &str = "<uint>";
const NAMED_SID: &str = "\"<sid:";

/// Names bound to message ids so far in a scenario.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bindings(BTreeMap<String, String>);

impl Bindings {
    /// Whether `id` may be bound to `name`: the name's id if it has one, else an id no other
    /// name has.
    fn allows(&self, name: &str, id: &str) -> bool {
        match self.0.get(name) {
            Some(bound) => bound == id,
            None => !self.0.values().any(|bound| bound == id),
        }
    }
}

/// Whether `actual` is `template` with its placeholders filled in; on a match, names seen for
/// the first time are bound in `bindings` (which is left unchanged otherwise).
pub fn matches(template: &str, actual: &str, bindings: &mut Bindings) -> bool {
    let mut local = bindings.clone();
    let (mut t, mut a) = (template, actual);
    loop {
        let Some(at) = next_placeholder(t) else {
            if t == a {
                *bindings = local;
                return true;
            }
            return false;
        };
        let (literal, rest) = t.split_at(at);
        let Some(after_literal) = a.strip_prefix(literal) else {
            return false;
        };
        a = after_literal;
        let Some((consumed_t, consumed_a)) = placeholder(rest, a, &mut local) else {
            return false;
        };
        t = rest.get(consumed_t..).unwrap_or_default();
        a = a.get(consumed_a..).unwrap_or_default();
    }
}

/// Where the next placeholder starts in `template`.
fn next_placeholder(template: &str) -> Option<usize> {
    [UUID, NAMED_UUID, TIMESTAMP, UINT, NAMED_SID]
        .iter()
        .filter_map(|p| template.find(p))
        .min()
}

/// Matches the placeholder at the start of `template` against the start of `actual`: how many
/// bytes of each it takes.
fn placeholder(template: &str, actual: &str, bindings: &mut Bindings) -> Option<(usize, usize)> {
    if template.starts_with(UUID) {
        let id = quoted(actual, 36)?;
        return is_uuid_v4(id).then_some((UUID.len(), 38));
    }
    if template.starts_with(TIMESTAMP) {
        let stamp = quoted(actual, 24)?;
        return is_timestamp(stamp).then_some((TIMESTAMP.len(), 26));
    }
    if template.starts_with(UINT) {
        let digits = actual.bytes().take_while(u8::is_ascii_digit).count();
        let leading_zero = digits > 1 && actual.starts_with('0');
        return (digits > 0 && !leading_zero).then_some((UINT.len(), digits));
    }
    if template.starts_with(NAMED_SID) {
        let name_end = template.find(">\"")?;
        let name = template.get(NAMED_SID.len()..name_end)?;
        let id = session_id(actual)?;
        if !bindings.allows(name, id) {
            return None;
        }
        bindings.0.insert(name.to_owned(), id.to_owned());
        return Some((name_end + 2, id.len() + 2));
    }
    let name_end = template.find(">\"")?;
    let name = template.get(NAMED_UUID.len()..name_end)?;
    let id = quoted(actual, 36)?;
    if !is_uuid_v4(id) || !bindings.allows(name, id) {
        return None;
    }
    bindings.0.insert(name.to_owned(), id.to_owned());
    Some((name_end + 2, 38))
}

/// A session id between quotes at the start of `text`: one or more characters of the URL-safe
/// base64 alphabet (`signal.md` §2: engine.io's `base64id`; any unique string is valid, but one
/// that needs JSON escaping is not a session id a client can use in a URL).
fn session_id(text: &str) -> Option<&str> {
    let rest = text.strip_prefix('"')?;
    let len = rest
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
        .count();
    (len > 0 && rest.get(len..)?.starts_with('"')).then(|| rest.get(..len))?
}

/// `template` with every bound `"<sid:NAME>"` replaced by its id: the text a runner sends for a
/// vector that names a session (the SFU's `peerID`). `Err` names a placeholder not bound yet.
pub fn fill(template: &str, bindings: &Bindings) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(at) = rest.find(NAMED_SID) {
        let (literal, tail) = rest.split_at(at);
        out.push_str(literal);
        let end = tail
            .find(">\"")
            .ok_or_else(|| format!("an unterminated placeholder in {template:?}"))?;
        let name = tail.get(NAMED_SID.len()..end).unwrap_or_default();
        let id = bindings
            .0
            .get(name)
            .ok_or_else(|| format!("<sid:{name}> is not bound yet"))?;
        out.push('"');
        out.push_str(id);
        out.push('"');
        rest = tail.get(end + 2..).unwrap_or_default();
    }
    out.push_str(rest);
    Ok(out)
}

/// The `len` bytes between quotes at the start of `text`.
fn quoted(text: &str, len: usize) -> Option<&str> {
    let inner = text.strip_prefix('"')?.get(..len)?;
    text.get(len + 1..)?.starts_with('"').then_some(inner)
}

/// A lowercase version 4 UUID: `8-4-4-4-12` hex digits, version `4`, variant `8`–`b`.
fn is_uuid_v4(text: &str) -> bool {
    let bytes = text.as_bytes();
    let shape = bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(b),
        });
    shape
        && bytes.get(14) == Some(&b'4')
        && matches!(bytes.get(19), Some(b'8' | b'9' | b'a' | b'b'))
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
fn is_timestamp(text: &str) -> bool {
    const SHAPE: &[u8; 24] = b"dddd-dd-ddTdd:dd:dd.dddZ";
    text.len() == 24
        && text.bytes().zip(SHAPE).all(|(b, s)| match s {
            b'd' => b.is_ascii_digit(),
            other => b == *other,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "3f0c8d1e-5b2a-4c6d-9e8f-0a1b2c3d4e5f";
    const OTHER: &str = "00000000-0000-4000-8000-000000000000";

    fn message(id: &str, stamp: &str) -> String {
        format!(r#"{{"type":"message","id":"{id}","content":"x","timestamp":"{stamp}"}}"#)
    }

    #[test]
    fn literal_text_must_be_equal() {
        let mut b = Bindings::default();
        assert!(matches(r#"{"type":"pong"}"#, r#"{"type":"pong"}"#, &mut b));
        assert!(!matches(
            r#"{"type":"pong"}"#,
            r#"{"type": "pong"}"#,
            &mut b
        ));
        assert!(!matches(
            r#"{"type":"pong"}"#,
            r#"{"type":"pong"} "#,
            &mut b
        ));
    }

    #[test]
    fn ids_and_timestamps_match_by_shape() {
        let mut b = Bindings::default();
        let template = message("<uuid>", "<timestamp>");
        assert!(matches(
            &template,
            &message(ID, "2023-11-14T22:13:20.007Z"),
            &mut b
        ));
        assert!(!matches(
            &template,
            &message(&ID.to_uppercase(), "2023-11-14T22:13:20.007Z"),
            &mut b
        ));
        let v1 = ID.replacen("-4c6d", "-1c6d", 1);
        assert!(!matches(
            &template,
            &message(&v1, "2023-11-14T22:13:20.007Z"),
            &mut b
        ));
        assert!(!matches(
            &template,
            &message(ID, "2023-11-14T22:13:20Z"),
            &mut b
        ));
    }

    #[test]
    fn a_named_id_is_one_id_and_names_differ() {
        let mut b = Bindings::default();
        let m1 = message("<uuid:m1>", "<timestamp>");
        let stamp = "2023-11-14T22:13:20.007Z";
        assert!(matches(&m1, &message(ID, stamp), &mut b));
        assert!(matches(&m1, &message(ID, stamp), &mut b));
        assert!(!matches(&m1, &message(OTHER, stamp), &mut b));
        let m2 = message("<uuid:m2>", "<timestamp>");
        assert!(
            !matches(&m2, &message(ID, stamp), &mut b),
            "m2 is not m1's id"
        );
        assert!(matches(&m2, &message(OTHER, stamp), &mut b));
    }

    #[test]
    fn a_failed_match_binds_nothing() {
        let mut b = Bindings::default();
        let template = format!("{}x", message("<uuid:m1>", "<timestamp>"));
        assert!(!matches(
            &template,
            &message(ID, "2023-11-14T22:13:20.007Z"),
            &mut b
        ));
        assert_eq!(b, Bindings::default());
    }

    #[test]
    fn a_named_session_id_binds_and_fills_back() {
        let mut b = Bindings::default();
        let open = r#"0{"sid":"<sid:ada.e1>","upgrades":[]}"#;
        assert!(matches(
            open,
            r#"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[]}"#,
            &mut b
        ));
        assert!(!matches(
            r#"{"peerID":"<sid:bob.s1>"}"#,
            r#"{"peerID":"lv_VI97HAXpY6yYWAAAC"}"#,
            &mut b
        ));
        assert!(!matches(r#"{"sid":"<sid:x>"}"#, r#"{"sid":""}"#, &mut b));
        assert_eq!(
            fill(r#"{"peerID":"<sid:ada.e1>"}"#, &b).unwrap(),
            r#"{"peerID":"lv_VI97HAXpY6yYWAAAC"}"#
        );
        assert!(fill(r#"{"peerID":"<sid:nobody>"}"#, &b).is_err());
    }

    #[test]
    fn an_unsigned_integer_has_no_leading_zero() {
        let mut b = Bindings::default();
        assert!(matches(r#"{"up":<uint>}"#, r#"{"up":0}"#, &mut b));
        assert!(matches(r#"{"up":<uint>}"#, r#"{"up":3600}"#, &mut b));
        assert!(!matches(r#"{"up":<uint>}"#, r#"{"up":07}"#, &mut b));
        assert!(!matches(r#"{"up":<uint>}"#, r#"{"up":-1}"#, &mut b));
    }
}
