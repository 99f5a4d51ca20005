"""A client for hark's `audio` protocol (conformance/spec/audio.md): the standard library, plus
PyJWT to mint tokens.

Seed 000 ships a Python `AudioClient` that cannot work: it packs the header with `'!BIII'`
(13 bytes; an 8-byte user id does not fit a 4-byte `I`). This module keeps that class's shape
(`send_handshake`, `send_audio`, `send_join_channel`, `send_leave_channel`, `send_set_mute`,
`send_heartbeat`) on the real 21-byte header, and adds what the seed left out: receiving,
parsed into typed packets, and the legacy handshake format beside the JSON one.

Three layers, usable separately:

- the codec: one frozen dataclass per packet type (§3), each carrying the header fields (§2);
  `encode(packet)` and `decode(datagram)`; every parse failure is a `CodecError` whose `kind`
  is the §6 name for it, found in §6's order;
- `mint_token`: an HS256 JWT with `sub`, `iat` and `exp`, what the server accepts (§4);
- `AudioClient`: one UDP socket talking to one server as one user in one channel. The `send_*`
  methods send and return at once (the seed's shape); `handshake`, `join_channel`,
  `leave_channel`, `set_mute` and `heartbeat` also wait for the server's Ack, and raise
  `ServerError` when an Error answers instead.

Every wait takes a timeout and ends at a deadline: nothing here sleeps to let the server catch up.
"""

from __future__ import annotations

import json
import select
import socket
import struct
import time
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, cast

HEADER_LEN = 21
"""type 1 + sequence 4 + user id 8 + channel id 4 + timestamp 4 (§2; the seed's "16" is wrong)."""
USER_ID_LEN = 8
CHANNEL_ID_LEN = 4
DEFAULT_MAX_PACKET_SIZE = 1024
"""The server's default limit on a datagram (§1, §9)."""
MAX_RECEIVED_DATAGRAM = 0xFFFF
"""A client accepts any datagram UDP can carry: the server's `max_packet_size` may be raised."""
MAX_FIELD_LEN = 0xFFFF
"""A u16 length field's largest value (§3)."""
MAX_SEQUENCE = 0xFFFF_FFFF

_HEADER = struct.Struct(">BI8s4sI")
_U16 = struct.Struct(">H")
_ERROR_FIXED = struct.Struct(">HB")
_ACK = struct.Struct(">BI")
_TOKEN_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


# ------------------------------------------------------------------------------------------
# Errors
# ------------------------------------------------------------------------------------------


class AudioError(Exception):
    """Anything this module raises about the protocol or the server."""


class CodecError(AudioError):
    """Bytes that do not parse. `kind` is the §6 name (`truncated`, `non_ascii_id`, …)."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.detail = detail


ERROR_NAMES: dict[int, str] = {
    1: "invalid_token",
    2: "token_expired",
    3: "channel_not_found",
    4: "not_a_member",
    5: "banned",
    6: "handshake_timeout",
    7: "session_expired",
    8: "not_authenticated",
    9: "malformed_packet",
    10: "packet_too_large",
    11: "clock_skew",
    12: "channel_mismatch",
    13: "channel_full",
    14: "too_many_sessions",
    15: "server_closing",
}
"""Error codes (§5)."""
ERROR_CODES: dict[str, int] = {name: code for code, name in ERROR_NAMES.items()}

ACTION_NAMES: dict[int, str] = {
    0: "none",
    1: "retry_later",
    2: "renew_token",
    3: "reconnect",
    4: "fix_client",
    5: "contact_admin",
}
"""Suggested actions (§5)."""


def error_name(code: int) -> str:
    """The §5 name of an error code; `unknown(<code>)` for one this client does not know."""
    return ERROR_NAMES.get(code, f"unknown({code})")


def action_name(action: int) -> str:
    """The §5 name of a suggested action; `unknown(<action>)` for one this client does not know."""
    return ACTION_NAMES.get(action, f"unknown({action})")


class ServerError(AudioError):
    """The server answered with an Error packet (§5).

    `name` and `action_name` are the §5 names (`unknown(<n>)` for numbers this client does not
    know: §3 carries them through); `packet` is the Error itself, header included.
    """

    def __init__(self, packet: Error) -> None:
        self.packet = packet
        self.code = packet.code
        self.name = packet.name
        self.action = packet.action
        self.action_name = packet.action_name
        self.message = packet.message
        super().__init__(
            f"server error {self.name} (code {self.code}, action {self.action_name}): "
            f"{self.message!r}"
        )


class Timeout(AudioError, TimeoutError):
    """What was waited for did not arrive before the deadline."""


# ------------------------------------------------------------------------------------------
# Packets (§2, §3)
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Packet:
    """The header fields every packet has (§2). Ids are text without their NUL padding.

    Each packet type below gives its type byte and its vector name (vectors.md §2.1) as class
    keywords, which registers it in `Packet.BY_TYPE`.
    """

    TYPE: ClassVar[int]
    NAME: ClassVar[str]
    BY_TYPE: ClassVar[dict[int, type[Packet]]] = {}

    sequence: int = 0
    user_id: str = ""
    channel_id: str = ""
    timestamp: int = 0

    def __init_subclass__(cls, type_byte: int, name: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if type_byte in Packet.BY_TYPE:
            raise TypeError(f"{cls.__name__}: type 0x{type_byte:02x} is taken")
        cls.TYPE, cls.NAME = type_byte, name
        Packet.BY_TYPE[type_byte] = cls

    def payload(self) -> bytes:
        """The bytes after the header; header-only types have none."""
        return b""

    @classmethod
    def parse_payload(cls, header: dict[str, Any], payload: bytes) -> Packet:
        _end(payload)
        return cls(**header)


@dataclass(frozen=True, kw_only=True)
class Handshake(Packet, type_byte=0x01, name="handshake"):
    """Credentials (§4): the JSON format when `channel_id_json` is set, else the legacy one (the
    payload is the token itself)."""

    token: str
    channel_id_json: str | None = None

    @property
    def format(self) -> str:
        return "legacy" if self.channel_id_json is None else "json"

    def payload(self) -> bytes:
        _check_token(self.token, ValueError)
        if self.channel_id_json is None:
            credentials = self.token.encode("ascii")
        else:
            # §4: `{"token":"<token>","channel_id":"<id>"}`, no spaces, as the server writes it.
            channel = json.dumps(self.channel_id_json, ensure_ascii=False)
            credentials = f'{{"token":"{self.token}","channel_id":{channel}}}'.encode("utf-8")
        return _length_prefixed(credentials)

    @classmethod
    def parse_payload(cls, header: dict[str, Any], payload: bytes) -> Packet:
        credentials = _take_length_prefixed(payload)
        if credentials[:1] == b"{":
            token, channel = _parse_json_credentials(credentials)
            _check_token(token, CodecError)
            return cls(**header, token=token, channel_id_json=channel)
        try:
            token = credentials.decode("ascii")
        except UnicodeDecodeError:
            raise CodecError("invalid_token_encoding", "not ASCII") from None
        _check_token(token, CodecError)
        return cls(**header, token=token)


@dataclass(frozen=True, kw_only=True)
class Audio(Packet, type_byte=0x02, name="audio"):
    data: bytes = b""

    def payload(self) -> bytes:
        return _length_prefixed(bytes(self.data))

    @classmethod
    def parse_payload(cls, header: dict[str, Any], payload: bytes) -> Packet:
        return cls(**header, data=_take_length_prefixed(payload))


@dataclass(frozen=True, kw_only=True)
class JoinChannel(Packet, type_byte=0x03, name="join_channel"):
    pass


@dataclass(frozen=True, kw_only=True)
class LeaveChannel(Packet, type_byte=0x04, name="leave_channel"):
    pass


@dataclass(frozen=True, kw_only=True)
class SetMute(Packet, type_byte=0x05, name="set_mute"):
    muted: bool

    def payload(self) -> bytes:
        if not isinstance(self.muted, bool):
            raise ValueError(f"muted must be a bool, not {self.muted!r}")
        return b"\x01" if self.muted else b"\x00"

    @classmethod
    def parse_payload(cls, header: dict[str, Any], payload: bytes) -> Packet:
        if not payload:
            raise CodecError("truncated", f"needs {HEADER_LEN + 1} bytes")
        if payload[0] > 1:
            raise CodecError("invalid_mute_byte", f"0x{payload[0]:02x}")
        _end(payload[1:])
        return cls(**header, muted=payload[0] == 1)


@dataclass(frozen=True, kw_only=True)
class Heartbeat(Packet, type_byte=0x06, name="heartbeat"):
    pass


@dataclass(frozen=True, kw_only=True)
class Error(Packet, type_byte=0x07, name="error"):
    """Sent by the server (§5). Codes and actions it does not list are kept as numbers."""

    code: int
    action: int
    message: str = ""

    @property
    def name(self) -> str:
        return error_name(self.code)

    @property
    def action_name(self) -> str:
        return action_name(self.action)

    def to_exception(self) -> ServerError:
        return ServerError(self)

    def payload(self) -> bytes:
        return _pack(_ERROR_FIXED, self.code, self.action) + _length_prefixed(
            self.message.encode("utf-8")
        )

    @classmethod
    def parse_payload(cls, header: dict[str, Any], payload: bytes) -> Packet:
        if len(payload) < _ERROR_FIXED.size:
            raise CodecError("truncated", f"needs {HEADER_LEN + _ERROR_FIXED.size + 2} bytes")
        code, action = _ERROR_FIXED.unpack_from(payload)
        raw = _take_length_prefixed(payload[_ERROR_FIXED.size :])
        try:
            message = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise CodecError("invalid_error_message", "not UTF-8") from None
        return cls(**header, code=code, action=action, message=message)


@dataclass(frozen=True, kw_only=True)
class Ack(Packet, type_byte=0x08, name="ack"):
    """Sent by the server: the type byte and sequence of the packet it acknowledges."""

    acked_type: int
    acked_sequence: int

    def payload(self) -> bytes:
        if self.acked_type not in Packet.BY_TYPE:
            raise ValueError(f"acked_type 0x{self.acked_type:02x} is not a packet type")
        return _pack(_ACK, self.acked_type, self.acked_sequence)

    @classmethod
    def parse_payload(cls, header: dict[str, Any], payload: bytes) -> Packet:
        if len(payload) < _ACK.size:
            raise CodecError("truncated", f"needs {HEADER_LEN + _ACK.size} bytes")
        acked_type, acked_sequence = _ACK.unpack_from(payload)
        if acked_type not in Packet.BY_TYPE:
            raise CodecError("invalid_acked_type", f"0x{acked_type:02x}")
        _end(payload[_ACK.size :])
        return cls(**header, acked_type=acked_type, acked_sequence=acked_sequence)


# ------------------------------------------------------------------------------------------
# The codec (§2, §6)
# ------------------------------------------------------------------------------------------


def encode(packet: Packet) -> bytes:
    """The datagram for `packet`. Raises ValueError for a field that does not fit (§2.1 ids,
    u32 numbers, a payload over 65535 bytes, a token outside the JWT alphabet)."""
    header = _pack(
        _HEADER,
        packet.TYPE,
        packet.sequence,
        _id_field(packet.user_id, USER_ID_LEN, "user id"),
        _id_field(packet.channel_id, CHANNEL_ID_LEN, "channel id"),
        packet.timestamp,
    )
    return header + packet.payload()


def decode(data: bytes, max_packet_size: int = DEFAULT_MAX_PACKET_SIZE) -> Packet:
    """The packet in one datagram, checked in §6's order; the first failure is a CodecError."""
    data = bytes(data)
    if len(data) > max_packet_size:
        raise CodecError("oversize", f"{len(data)} bytes, the limit is {max_packet_size}")
    if len(data) < HEADER_LEN:
        raise CodecError("truncated", f"needs {HEADER_LEN} bytes, has {len(data)}")
    type_byte, sequence, user_field, channel_field, timestamp = _HEADER.unpack_from(data)
    cls = Packet.BY_TYPE.get(type_byte)
    if cls is None:
        raise CodecError("unknown_type", f"0x{type_byte:02x}")
    header = {
        "sequence": sequence,
        "user_id": _parse_id(user_field, "user id"),
        "channel_id": _parse_id(channel_field, "channel id"),
        "timestamp": timestamp,
    }
    return cls.parse_payload(header, data[HEADER_LEN:])


def _pack(layout: struct.Struct, *values: Any) -> bytes:
    for value in values:
        if isinstance(value, bool) or (isinstance(value, int) and value < 0):
            raise ValueError(f"{value!r} is not an unsigned integer")
    try:
        return layout.pack(*values)
    except struct.error as e:
        raise ValueError(str(e)) from None


def _is_id_byte(byte: int) -> bool:
    return 0x21 <= byte <= 0x7E


def _id_field(text: str, width: int, what: str) -> bytes:
    """An id NUL-padded to its field (§2.1)."""
    if len(text) > width or not all(_is_id_byte(ord(c)) for c in text):
        raise ValueError(f"{what} {text!r}: at most {width} printable ASCII characters, no space")
    return text.encode("ascii").ljust(width, b"\x00")


def _parse_id(field: bytes, what: str) -> str:
    """§2.1: id characters, then NULs only; checked in that order."""
    text, nul, padding = field.partition(b"\x00")
    if not all(_is_id_byte(b) for b in text):
        raise CodecError("non_ascii_id", f"{what} {field!r}")
    if nul and padding.strip(b"\x00"):
        raise CodecError("id_not_nul_padded", f"{what} {field!r}")
    return text.decode("ascii")


def _length_prefixed(value: bytes) -> bytes:
    if len(value) > MAX_FIELD_LEN:
        raise ValueError(f"{len(value)} bytes do not fit a u16 length")
    return _U16.pack(len(value)) + value


def _take_length_prefixed(payload: bytes) -> bytes:
    """A u16 length and exactly that many bytes, which must end the datagram (§3, §6)."""
    if len(payload) < _U16.size:
        raise CodecError("truncated", "the length field is cut short")
    (declared,) = _U16.unpack_from(payload)
    value = payload[_U16.size :]
    if declared > len(value):
        raise CodecError("length_mismatch", f"declares {declared}, {len(value)} follow")
    _end(value[declared:])
    return value[:declared]


def _end(rest: bytes) -> None:
    if rest:
        raise CodecError("trailing_bytes", f"{len(rest)} after the last field")


def _check_token(token: str, error: type[Exception]) -> None:
    """§4: non-empty, only `A–Z a–z 0–9 - _ .` (the JWT alphabet)."""
    raw = token.encode("utf-8")
    if not raw or not all(b in _TOKEN_BYTES for b in raw):
        if error is CodecError:
            raise CodecError("invalid_token_encoding", f"{token[:16]!r}…")
        raise error(f"token {token[:16]!r}…: non-empty, JWT alphabet only (A-Z a-z 0-9 - _ .)")


def _parse_json_credentials(credentials: bytes) -> tuple[str, str]:
    """§4 JSON credentials: an object with string members `token` and `channel_id`.

    Parsed as strictly as the server's serde_json: UTF-8 only, no NaN/Infinity, no repeated
    member; other members are ignored.
    """

    def malformed(detail: str) -> CodecError:
        return CodecError("malformed_handshake_json", detail)

    def no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        names = [name for name, _ in pairs]
        for name in ("token", "channel_id"):
            if names.count(name) > 1:
                raise malformed(f"member {name!r} repeated")
        return dict(pairs)

    def no_constant(name: str) -> Any:
        raise malformed(f"{name} is not JSON")

    try:
        obj = json.loads(
            credentials.decode("utf-8"),
            object_pairs_hook=no_repeats,
            parse_constant=no_constant,
        )
    except (UnicodeDecodeError, ValueError) as e:
        if isinstance(e, CodecError):
            raise
        raise malformed(str(e)) from None
    token, channel = obj.get("token"), obj.get("channel_id")
    if not isinstance(token, str) or not isinstance(channel, str):
        raise malformed("needs string members token and channel_id")
    return token, channel


# ------------------------------------------------------------------------------------------
# Tokens (§4)
# ------------------------------------------------------------------------------------------


def mint_token(
    secret: str | bytes,
    user_id: str,
    ttl_secs: int = 3600,
    now: int | None = None,
    **claims: Any,
) -> str:
    """An HS256 JWT for `user_id` (`sub`), issued at `now` (default: the wall clock) and expiring
    `ttl_secs` later; `claims` are added (§4 ignores claims it does not know).

    PyJWT is imported here, not at the top, so that the codec and the client work without it
    for those who get their tokens elsewhere (`hark token --user USER`).
    """
    import jwt  # PyJWT

    issued = int(time.time()) if now is None else now
    body = {"sub": user_id, "iat": issued, "exp": issued + ttl_secs, **claims}
    return jwt.encode(body, secret, algorithm="HS256")


# ------------------------------------------------------------------------------------------
# The client
# ------------------------------------------------------------------------------------------


class Deadline:
    """A point in monotonic time; `remaining()` never goes below zero."""

    def __init__(self, seconds: float) -> None:
        self._at = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self._at - time.monotonic())


PacketMatch = Callable[[Packet], bool]


class AudioClient:
    """One user in one channel of an `audio` server, over one UDP socket.

    The seed's shape: `send_handshake`, `send_audio`, `send_join_channel`, `send_leave_channel`,
    `send_set_mute` and `send_heartbeat` send one datagram and return its bytes. `send_audio`
    numbers audio 1, 2, 3… (§7.4's replay window applies to audio only). Control packets carry
    their own counter, 1, 2, 3…, instead of the seed's constant 0: the server copies it into
    the Ack or Error that answers (§7.5), which tells which request that was.

    Receiving: `recv` parses the next datagram; `wait` returns the first packet, already kept or
    still to come, that a test accepts, keeping the others in `self.received` in order (an
    Error it does not accept is raised as ServerError). `handshake`, `join_channel`,
    `leave_channel`, `set_mute` and `heartbeat` send, then wait for their Ack. A heartbeat is
    also a barrier: what the server sent this client before answering it is in `self.received`
    once it returns.

    The socket is connected to the server, so datagrams from anyone else are not seen.
    `clock` gives the header timestamp (unix seconds; §10.10 checks it on every packet).
    """

    def __init__(
        self,
        server_addr: tuple[str, int],
        jwt_token: str,
        user_id: str,
        channel_id: str,
        *,
        timeout: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        _id_field(user_id, USER_ID_LEN, "user id")
        _id_field(channel_id, CHANNEL_ID_LEN, "channel id")
        self.server_addr = server_addr
        self.jwt_token = jwt_token
        self.user_id = user_id
        self.channel_id = channel_id
        self.timeout = timeout
        self.clock = clock
        self.sequence = 0
        self.control_sequence = 0
        self.received: list[Packet] = []
        host, port = server_addr
        family, kind, proto, _, addr = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)[0]
        self.socket = socket.socket(family, kind, proto)
        self.socket.connect(addr)

    def __repr__(self) -> str:
        return f"AudioClient({self.user_id!r} in {self.channel_id!r} from {self.local_address()})"

    def close(self) -> None:
        self.socket.close()

    def __enter__(self) -> AudioClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def local_address(self) -> tuple:
        """The address the server sees this client's datagrams come from (its session key)."""
        return self.socket.getsockname()

    # -- sending (the seed's methods) -------------------------------------------------------

    def send_handshake(self, legacy: bool = False) -> bytes:
        """Sends the credentials (§4): JSON `{"token","channel_id"}`, or with `legacy` the bare
        token."""
        channel = None if legacy else self.channel_id
        header = self._header(self._next_control())
        return self.send_packet(Handshake(**header, token=self.jwt_token, channel_id_json=channel))

    def send_audio(self, audio_data: bytes) -> bytes:
        """Sends audio under the next sequence number (§7.3: never acknowledged)."""
        self.sequence = (self.sequence + 1) & MAX_SEQUENCE
        return self.send_packet(Audio(**self._header(self.sequence), data=bytes(audio_data)))

    def send_join_channel(self) -> bytes:
        return self.send_packet(JoinChannel(**self._header(self._next_control())))

    def send_leave_channel(self) -> bytes:
        return self.send_packet(LeaveChannel(**self._header(self._next_control())))

    def send_set_mute(self, muted: bool) -> bytes:
        return self.send_packet(SetMute(**self._header(self._next_control()), muted=muted))

    def send_heartbeat(self) -> bytes:
        return self.send_packet(Heartbeat(**self._header(self._next_control())))

    def send_packet(self, packet: Packet) -> bytes:
        """Sends any packet as it is, header included; returns the datagram."""
        return self.send_bytes(encode(packet))

    def send_bytes(self, data: bytes) -> bytes:
        """Sends one raw datagram; returns it."""
        self.socket.send(data)
        return data

    def _header(self, sequence: int) -> dict[str, Any]:
        return {
            "sequence": sequence,
            "user_id": self.user_id,
            "channel_id": self.channel_id,
            "timestamp": int(self.clock()) & MAX_SEQUENCE,
        }

    def _next_control(self) -> int:
        self.control_sequence = (self.control_sequence + 1) & MAX_SEQUENCE
        return self.control_sequence

    # -- receiving --------------------------------------------------------------------------

    def recv(self, timeout: float | None = None) -> Packet:
        """The next datagram from the server, parsed; CodecError if it does not parse."""
        return self._read(Deadline(self._timeout(timeout)))

    def wait(
        self, match: PacketMatch, timeout: float | None = None, what: str = "matching packet"
    ) -> Packet:
        """The first packet, kept or still to come, that `match` accepts (see the class)."""
        for i, packet in enumerate(self.received):
            if match(packet):
                return self.received.pop(i)
        seconds = self._timeout(timeout)
        deadline = Deadline(seconds)
        while True:
            try:
                packet = self._read(deadline)
            except Timeout:
                kept = ", ".join(map(repr, self.received[-5:]))
                meanwhile = f"; kept meanwhile: {kept}" if kept else ""
                raise Timeout(
                    f"{self.user_id}: no {what} within {seconds:.2f} s{meanwhile}"
                ) from None
            if match(packet):
                return packet
            if isinstance(packet, Error):
                raise packet.to_exception()
            self.received.append(packet)

    def wait_ack(
        self, acked_type: type[Packet], acked_sequence: int, timeout: float | None = None
    ) -> Ack:
        """The Ack of the `acked_type` packet numbered `acked_sequence`; an Error raises."""

        def match(packet: Packet) -> bool:
            return (
                isinstance(packet, Ack)
                and packet.acked_type == acked_type.TYPE
                and packet.acked_sequence == acked_sequence
            )

        what = f"Ack({acked_type.__name__}, {acked_sequence})"
        return cast(Ack, self.wait(match, timeout, what))

    def take(self, cls: type[Packet] | None = None) -> list[Packet]:
        """Removes and returns the kept packets (only those of class `cls`, if given)."""
        taken = [p for p in self.received if cls is None or isinstance(p, cls)]
        self.received = [p for p in self.received if not (cls is None or isinstance(p, cls))]
        return taken

    def recv_audio(self, timeout: float | None = None, **fields: Any) -> Audio:
        """The next Audio whose attributes equal `fields` (e.g. `user_id="bob"`)."""

        def match(packet: Packet) -> bool:
            return isinstance(packet, Audio) and all(
                getattr(packet, k) == v for k, v in fields.items()
            )

        described = ", ".join(f"{k}={v!r}" for k, v in fields.items())
        return cast(Audio, self.wait(match, timeout, f"Audio({described})"))

    def _read(self, deadline: Deadline) -> Packet:
        readable, _, _ = select.select([self.socket], [], [], deadline.remaining())
        if not readable:
            raise Timeout(f"{self.user_id}: nothing received")
        try:
            data = self.socket.recv(MAX_RECEIVED_DATAGRAM)
        except ConnectionRefusedError as e:
            raise ConnectionError(f"{self.user_id}: {self.server_addr} refused a datagram") from e
        return decode(data, MAX_RECEIVED_DATAGRAM)

    def _timeout(self, timeout: float | None) -> float:
        return self.timeout if timeout is None else timeout

    # -- requests that wait for their answer ------------------------------------------------

    def handshake(self, legacy: bool = False, timeout: float | None = None) -> Ack:
        """Authenticates (§7.2) and waits for the Ack; an Error raises ServerError."""
        self.send_handshake(legacy)
        return self.wait_ack(Handshake, self.control_sequence, timeout)

    def join_channel(self, timeout: float | None = None) -> Ack:
        """Becomes an active member, who sends and receives audio (§7.3)."""
        self.send_join_channel()
        return self.wait_ack(JoinChannel, self.control_sequence, timeout)

    def leave_channel(self, timeout: float | None = None) -> Ack:
        """Stops being an active member; the session stays (§7.3)."""
        self.send_leave_channel()
        return self.wait_ack(LeaveChannel, self.control_sequence, timeout)

    def set_mute(self, muted: bool, timeout: float | None = None) -> Ack:
        """Sets this user's mute state in the channel (§7.3)."""
        self.send_set_mute(muted)
        return self.wait_ack(SetMute, self.control_sequence, timeout)

    def heartbeat(self, timeout: float | None = None) -> float:
        """Keeps the session alive (§8) and waits for the Ack; returns the round trip in
        seconds. A long-lived client calls it every 10 s or so (`session_timeout` is 30 s)."""
        start = time.monotonic()
        self.send_heartbeat()
        self.wait_ack(Heartbeat, self.control_sequence, timeout)
        return time.monotonic() - start
