//! Socket.IO v5 packets (signal.md §3), the text inside an Engine.IO message:
//! `<type>[<attachments>-][<nsp>,][<ackId>][<json>]`, read as `socket.io-parser`'s decoder reads
//! it and written as its encoder writes it.

use serde_json::Value;

use super::SocketError;

/// The most attachments a binary packet may announce (`socket.io-parser`'s default).
pub const MAX_ATTACHMENTS: u32 = 10;

/// Event names `socket.io-parser` refuses: they would collide with the library's own events.
const RESERVED_EVENTS: &[&str] = &[
    "connect",
    "connect_error",
    "disconnect",
    "disconnecting",
    "newListener",
    "removeListener",
];

/// A packet type. The binary types carry the number of binary frames that follow the packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PacketKind {
    Connect,
    Disconnect,
    Event,
    Ack,
    ConnectError,
    BinaryEvent { attachments: u32 },
    BinaryAck { attachments: u32 },
}

impl PacketKind {
    /// The type digit.
    pub fn digit(self) -> char {
        match self {
            PacketKind::Connect => '0',
            PacketKind::Disconnect => '1',
            PacketKind::Event => '2',
            PacketKind::Ack => '3',
            PacketKind::ConnectError => '4',
            PacketKind::BinaryEvent { .. } => '5',
            PacketKind::BinaryAck { .. } => '6',
        }
    }

    fn attachments(self) -> Option<u32> {
        match self {
            PacketKind::BinaryEvent { attachments } | PacketKind::BinaryAck { attachments } => {
                Some(attachments)
            }
            _ => None,
        }
    }
}

/// A namespace: `/` followed by anything but a comma, which ends it on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Namespace(String);

impl Namespace {
    /// The main namespace `/`, the only one hark serves.
    pub fn main() -> Namespace {
        Namespace("/".to_owned())
    }

    pub fn new(name: impl Into<String>) -> Result<Namespace, SocketError> {
        let name = name.into();
        if name.starts_with('/') && !name.contains(',') {
            Ok(Namespace(name))
        } else {
            Err(SocketError::InvalidNamespace)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_main(&self) -> bool {
        self.0 == "/"
    }
}

impl Default for Namespace {
    fn default() -> Self {
        Namespace::main()
    }
}

/// One Socket.IO packet. The decoder only returns packets that pass §3's checks; the encoder
/// writes whatever it is given, as `socket.io-parser`'s does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketPacket {
    pub kind: PacketKind,
    pub namespace: Namespace,
    pub ack_id: Option<u64>,
    pub data: Option<Value>,
}

impl SocketPacket {
    /// The packet as text, byte for byte as `socket.io-parser`'s encoder writes it. JSON is
    /// compact; object members come out in key order (`serde_json` without `preserve_order`), so
    /// data whose member order matters goes through [`SocketPacket::encode_with_json`] instead.
    pub fn encode(&self) -> String {
        let data = self.data.as_ref().map(Value::to_string);
        SocketPacket::encode_with_json(self.kind, &self.namespace, self.ack_id, data.as_deref())
    }

    /// A packet whose data is already JSON text, e.g. an event array serialized from structs in
    /// the member order the spec fixes. The text is written as given: it must be compact JSON
    /// that satisfies `kind`'s rule, or the packet will not decode.
    pub fn encode_with_json(
        kind: PacketKind,
        namespace: &Namespace,
        ack_id: Option<u64>,
        data: Option<&str>,
    ) -> String {
        let mut text = String::with_capacity(16 + data.map_or(0, str::len));
        text.push(kind.digit());
        if let Some(attachments) = kind.attachments() {
            text.push_str(&attachments.to_string());
            text.push('-');
        }
        if !namespace.is_main() {
            text.push_str(namespace.as_str());
            text.push(',');
        }
        if let Some(ack_id) = ack_id {
            text.push_str(&ack_id.to_string());
        }
        if let Some(data) = data {
            text.push_str(data);
        }
        text
    }
}

/// Decodes one Engine.IO message payload. The length check comes first, so an oversize payload is
/// refused before any of it is read; JSON nesting is bounded by `serde_json`'s recursion limit
/// (128), beyond which the data is `invalid_json`.
pub fn decode_socket(text: &str, max_len: usize) -> Result<SocketPacket, SocketError> {
    if text.len() > max_len {
        return Err(SocketError::TooLarge {
            len: text.len(),
            max: max_len,
        });
    }
    let mut chars = text.chars();
    let digit = chars.next().ok_or(SocketError::Empty)?;
    let rest = chars.as_str();
    let (kind, rest) = match digit {
        '0' => (PacketKind::Connect, rest),
        '1' => (PacketKind::Disconnect, rest),
        '2' => (PacketKind::Event, rest),
        '3' => (PacketKind::Ack, rest),
        '4' => (PacketKind::ConnectError, rest),
        '5' => {
            let (attachments, rest) = attachments(rest)?;
            (PacketKind::BinaryEvent { attachments }, rest)
        }
        '6' => {
            let (attachments, rest) = attachments(rest)?;
            (PacketKind::BinaryAck { attachments }, rest)
        }
        other => return Err(SocketError::UnknownType(other)),
    };
    if kind.attachments().is_none() {
        let (count, after) = split_digits(rest);
        if !count.is_empty() && after.starts_with('-') {
            return Err(SocketError::UnexpectedAttachments);
        }
    }
    let (namespace, rest) = namespace(rest);
    let (ack_id, rest) = ack_id(rest)?;
    check_ack_id(kind, ack_id)?;
    let data = if rest.is_empty() {
        None
    } else {
        Some(serde_json::from_str::<Value>(rest).map_err(|_| SocketError::InvalidJson)?)
    };
    check_data(kind, data.as_ref())?;
    Ok(SocketPacket {
        kind,
        namespace,
        ack_id,
        data,
    })
}

/// `<digits>-` after a binary type: 1 to [`MAX_ATTACHMENTS`].
fn attachments(rest: &str) -> Result<(u32, &str), SocketError> {
    let (count, after) = split_digits(rest);
    let after = after
        .strip_prefix('-')
        .ok_or(SocketError::InvalidAttachments)?;
    match count.parse::<u32>() {
        Ok(n) if (1..=MAX_ATTACHMENTS).contains(&n) => Ok((n, after)),
        _ => Err(SocketError::InvalidAttachments),
    }
}

/// A namespace starts with `/` and runs to the first comma (consumed) or the end.
fn namespace(rest: &str) -> (Namespace, &str) {
    if !rest.starts_with('/') {
        return (Namespace::main(), rest);
    }
    match rest.split_once(',') {
        Some((name, after)) => (Namespace(name.to_owned()), after),
        None => (Namespace(rest.to_owned()), ""),
    }
}

fn ack_id(rest: &str) -> Result<(Option<u64>, &str), SocketError> {
    let (digits, after) = split_digits(rest);
    if digits.is_empty() {
        return Ok((None, rest));
    }
    let id = digits
        .parse::<u64>()
        .map_err(|_| SocketError::AckIdOutOfRange)?;
    Ok((Some(id), after))
}

/// Ack ids ask for an answer, so only events carry them, and an ACK answers one.
fn check_ack_id(kind: PacketKind, ack_id: Option<u64>) -> Result<(), SocketError> {
    match (kind, ack_id) {
        (PacketKind::Event | PacketKind::BinaryEvent { .. }, _) => Ok(()),
        (PacketKind::Ack | PacketKind::BinaryAck { .. }, Some(_)) => Ok(()),
        (PacketKind::Ack | PacketKind::BinaryAck { .. }, None) => Err(SocketError::MissingAckId),
        (_, Some(_)) => Err(SocketError::UnexpectedAckId),
        (_, None) => Ok(()),
    }
}

fn check_data(kind: PacketKind, data: Option<&Value>) -> Result<(), SocketError> {
    match (kind, data) {
        (PacketKind::Connect, None | Some(Value::Object(_))) => Ok(()),
        (PacketKind::Connect, Some(_)) => Err(SocketError::InvalidConnectData),
        (PacketKind::Disconnect, None) => Ok(()),
        (PacketKind::Disconnect, Some(_)) => Err(SocketError::UnexpectedData),
        (PacketKind::ConnectError, Some(Value::Object(_) | Value::String(_))) => Ok(()),
        (PacketKind::ConnectError, Some(_)) => Err(SocketError::InvalidConnectErrorData),
        (PacketKind::Event | PacketKind::BinaryEvent { .. }, Some(Value::Array(args))) => {
            match args.first() {
                Some(Value::String(name)) if RESERVED_EVENTS.contains(&name.as_str()) => {
                    Err(SocketError::ReservedEventName(name.clone()))
                }
                Some(Value::String(_)) => Ok(()),
                _ => Err(SocketError::InvalidEventData),
            }
        }
        (PacketKind::Event | PacketKind::BinaryEvent { .. }, Some(_)) => {
            Err(SocketError::InvalidEventData)
        }
        (PacketKind::Ack | PacketKind::BinaryAck { .. }, Some(Value::Array(_))) => Ok(()),
        (PacketKind::Ack | PacketKind::BinaryAck { .. }, Some(_)) => {
            Err(SocketError::InvalidAckData)
        }
        (_, None) => Err(SocketError::MissingData),
    }
}

/// Splits off the leading ASCII digits.
fn split_digits(text: &str) -> (&str, &str) {
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    text.split_at_checked(end).unwrap_or((text, ""))
}
