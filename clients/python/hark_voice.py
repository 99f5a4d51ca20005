"""A client for hark's `voice` protocol (conformance/spec/voice.md), standard library only.

Three layers, usable separately:

- the codec: management frames (§3) and voice datagrams (§4) as dataclasses, with
  `encode_frame`/`decode_frame`, a `FrameReader` that reassembles frames from a TCP stream, and
  `encode_datagram`/`decode_datagram`; every parse failure is a `CodecError` whose `kind` is the
  spec's name for it;
- `mint_token`: the HS256 JWT that `hark token --user NAME` prints (claims `sub`, `exp`, `iat`);
- `VoiceClient`: one user's management connection and UDP socket, with a method per request that
  waits for the server's answer under a deadline. An Error frame becomes a `ServerError` carrying
  its §10 name.

Every wait takes a timeout and ends at a deadline: nothing here sleeps to let the server catch up.
"""

from __future__ import annotations

import abc
import base64
import dataclasses
import hashlib
import hmac
import json
import os
import select
import socket
import struct
import time
import typing
from dataclasses import dataclass
from typing import Annotated, Any, Callable, ClassVar, Sequence

PROTOCOL_VERSION = 1
"""The `version` a LoginRequest carries (§3.1)."""

DEFAULT_TCP_PORT = 9001
DEFAULT_UDP_PORT = 9002
MAX_FRAME_LEN = 4096
"""The default limit on a client's frame body (§3, §9)."""
MAX_SERVER_FRAME_LEN = 0xFFFF
"""A server frame's body can use the whole u16 length (§3)."""
MAX_DATAGRAM_SIZE = 1200
"""The default limit on a datagram (§4, §9)."""
MAX_RECEIVED_DATAGRAM = 0xFFFF
"""A client accepts any datagram UDP can carry: the server's `max_datagram_size` may be raised."""
VOICE_TOKEN_LEN = 16


# ------------------------------------------------------------------------------------------
# Errors
# ------------------------------------------------------------------------------------------


class VoiceError(Exception):
    """Anything this module raises about the protocol or the server."""


class CodecError(VoiceError):
    """Bytes that do not parse. `kind` is the spec's name (§3.2 for frames, §4 for datagrams)."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True)
class ErrorCode:
    """One row of §10."""

    code: int
    name: str
    fatal: bool
    message: str


ERROR_CODES: dict[int, ErrorCode] = {
    e.code: e
    for e in (
        ErrorCode(1, "malformed_frame", True, "malformed frame"),
        ErrorCode(2, "frame_too_large", True, "frame too large"),
        ErrorCode(3, "unsupported_version", True, "unsupported protocol version"),
        ErrorCode(4, "invalid_token", True, "invalid token"),
        ErrorCode(5, "token_expired", True, "token expired"),
        ErrorCode(6, "invalid_username", True, "invalid username"),
        ErrorCode(7, "username_taken", True, "username already logged in"),
        ErrorCode(8, "not_logged_in", False, "log in first"),
        ErrorCode(9, "already_logged_in", False, "already logged in"),
        ErrorCode(10, "channel_not_found", False, "channel not found"),
        ErrorCode(11, "not_a_member", False, "not a member of this channel"),
        ErrorCode(12, "banned", False, "banned from this channel"),
        ErrorCode(13, "channel_full", False, "channel is full"),
        ErrorCode(14, "not_in_voice", False, "join a voice channel first"),
        ErrorCode(15, "bad_chat_length", False, "chat message empty or too long"),
        ErrorCode(16, "rate_limited", False, "slow down"),
        ErrorCode(17, "too_many_frames", True, "too many frames"),
        ErrorCode(18, "login_timeout", True, "login not completed in time"),
        ErrorCode(19, "idle_timeout", True, "connection idle"),
        ErrorCode(20, "server_full", True, "server full"),
        ErrorCode(21, "server_closing", True, "server closing"),
    )
}
ERROR_CODE_BY_NAME: dict[str, int] = {e.name: e.code for e in ERROR_CODES.values()}

AUTH_STATUS_NAMES: dict[int, str] = {
    0: "ok",
    1: "unknown_token",
    2: "token_in_use",
    3: "address_in_use",
    4: "not_authenticated",
}
"""VoiceAuthResponse statuses (§4)."""


class ServerError(VoiceError):
    """The server answered with an Error frame (§10).

    `name` is the §10 name, or `unknown(<code>)` for a code this client does not know (§3.2
    carries unknown codes through). `fatal` says whether the server closes the connection after it.
    """

    def __init__(self, code: int, message: str) -> None:
        known = ERROR_CODES.get(code)
        self.code = code
        self.name = known.name if known else f"unknown({code})"
        self.fatal = known.fatal if known else False
        self.message = message
        super().__init__(f"server error {self.name} (code {code}): {message}")


class VoiceAuthError(VoiceError):
    """The relay refused a VoiceAuthRequest (§6.1); `name` is the §4 status name."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.name = AUTH_STATUS_NAMES.get(status, f"unknown({status})")
        super().__init__(f"voice authentication refused: {self.name} (status {status})")


class Timeout(VoiceError, TimeoutError):
    """What was waited for did not arrive before the deadline."""


class ConnectionClosed(VoiceError, ConnectionError):
    """The server closed the management connection."""


# ------------------------------------------------------------------------------------------
# Field codecs (§2)
# ------------------------------------------------------------------------------------------


class _Reader:
    """Reads fields in order from one frame body or datagram; a short read is `truncated`."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def take(self, n: int) -> bytes:
        end = self._pos + n
        if end > len(self._data):
            raise CodecError("truncated", f"needs {end} bytes, has {len(self._data)}")
        out = self._data[self._pos : end]
        self._pos = end
        return out

    def rest(self) -> bytes:
        out = self._data[self._pos :]
        self._pos = len(self._data)
        return out

    def remaining(self) -> int:
        return len(self._data) - self._pos


class _Field(abc.ABC):
    """How one field type is read, written and shown in vector JSON (vectors.md §6.1)."""

    @abc.abstractmethod
    def read(self, r: _Reader) -> Any: ...

    @abc.abstractmethod
    def write(self, value: Any) -> bytes: ...

    def to_json(self, value: Any) -> Any:
        return value

    def from_json(self, value: Any) -> Any:
        return value


class _Int(_Field):
    def __init__(self, fmt: str) -> None:
        self._struct = struct.Struct(">" + fmt)
        self._max = (1 << (8 * self._struct.size)) - 1

    def read(self, r: _Reader) -> int:
        return self._struct.unpack(r.take(self._struct.size))[0]

    def write(self, value: Any) -> bytes:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= self._max:
            raise ValueError(f"{value!r} is not an integer in 0..{self._max}")
        return self._struct.pack(value)


class _Bool(_Field):
    def read(self, r: _Reader) -> bool:
        byte = r.take(1)[0]
        if byte > 1:
            raise CodecError("invalid_bool", f"0x{byte:02x}")
        return byte == 1

    def write(self, value: Any) -> bytes:
        if not isinstance(value, bool):
            raise ValueError(f"{value!r} is not a bool")
        return b"\x01" if value else b"\x00"


class _Str(_Field):
    def __init__(self, length: _Int) -> None:
        self._length = length

    def read(self, r: _Reader) -> str:
        raw = r.take(self._length.read(r))
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise CodecError("invalid_utf8", str(e)) from None

    def write(self, value: Any) -> bytes:
        if not isinstance(value, str):
            raise ValueError(f"{value!r} is not a string")
        raw = value.encode("utf-8")
        return self._length.write(len(raw)) + raw


class _Bytes(_Field):
    """Raw bytes: a fixed number of them (a voice token), or every remaining byte (a voice
    payload); hex in JSON."""

    def __init__(self, size: int | None) -> None:
        self._size = size

    def read(self, r: _Reader) -> bytes:
        return r.rest() if self._size is None else r.take(self._size)

    def write(self, value: Any) -> bytes:
        if not isinstance(value, (bytes, bytearray)):
            raise ValueError(f"{value!r} is not bytes")
        if self._size is not None and len(value) != self._size:
            raise ValueError(f"{value!r} is not {self._size} bytes")
        return bytes(value)

    def to_json(self, value: bytes) -> str:
        return value.hex()

    def from_json(self, value: str) -> bytes:
        return bytes.fromhex(value)


class _List(_Field):
    """A u16 count, then that many items."""

    def __init__(self, item: _Field) -> None:
        self._item = item

    def read(self, r: _Reader) -> tuple:
        count = _U16.read(r)
        return tuple(self._item.read(r) for _ in range(count))

    def write(self, value: Any) -> bytes:
        items = list(value)
        return _U16.write(len(items)) + b"".join(self._item.write(v) for v in items)

    def to_json(self, value: tuple) -> list:
        return [self._item.to_json(v) for v in value]

    def from_json(self, value: list) -> tuple:
        return tuple(self._item.from_json(v) for v in value)


_U8 = _Int("B")
_U16 = _Int("H")
_U32 = _Int("I")
_U64 = _Int("Q")

# A message's fields are annotated with these: the Python type, and how the field is on the wire.
U8 = Annotated[int, _U8]
U16 = Annotated[int, _U16]
U32 = Annotated[int, _U32]
U64 = Annotated[int, _U64]
Bool = Annotated[bool, _Bool()]
Str8 = Annotated[str, _Str(_U8)]
Str16 = Annotated[str, _Str(_U16)]
VoiceToken = Annotated[bytes, _Bytes(VOICE_TOKEN_LEN)]
Payload = Annotated[bytes, _Bytes(None)]


class _Struct:
    """A dataclass whose annotated fields (`user_id: U32`, …) are, in order, its wire fields."""

    FIELDS: ClassVar[tuple[tuple[str, _Field], ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Each field is named once, in the class body; the codec comes from its annotation.
        super().__init_subclass__(**kwargs)
        hints = typing.get_type_hints(cls, include_extras=True)
        cls.FIELDS = tuple(
            (name, hints[name].__metadata__[0])
            for name in cls.__dict__.get("__annotations__", {})
            if typing.get_origin(hints[name]) is Annotated
        )

    @classmethod
    def read_fields(cls, r: _Reader) -> Any:
        return cls(**{name: codec.read(r) for name, codec in cls.FIELDS})

    def write_fields(self) -> bytes:
        return b"".join(codec.write(getattr(self, name)) for name, codec in self.FIELDS)

    def fields_json(self) -> dict[str, Any]:
        return {name: codec.to_json(getattr(self, name)) for name, codec in self.FIELDS}

    @classmethod
    def from_fields_json(cls, obj: dict[str, Any]) -> Any:
        names = {name for name, _ in cls.FIELDS}
        unknown = set(obj) - names
        if unknown:
            raise ValueError(f"{cls.__name__}: unknown members {sorted(unknown)}")
        return cls(**{name: codec.from_json(obj[name]) for name, codec in cls.FIELDS})


class _StructField(_Field):
    def __init__(self, cls: type[_Struct]) -> None:
        self._cls = cls

    def read(self, r: _Reader) -> Any:
        return self._cls.read_fields(r)

    def write(self, value: Any) -> bytes:
        if not isinstance(value, self._cls):
            raise ValueError(f"{value!r} is not a {self._cls.__name__}")
        return value.write_fields()

    def to_json(self, value: Any) -> dict:
        return value.fields_json()

    def from_json(self, value: dict) -> Any:
        return self._cls.from_fields_json(value)


class _Message(_Struct):
    """A frame or a datagram: a type byte, then its fields.

    `Frame` and `Datagram` are the two families. Each message class of a family gives its type
    byte and its vector-JSON name (vectors.md §6.1) as class keywords, which registers it there.
    """

    TYPE: ClassVar[int]
    NAME: ClassVar[str]
    BY_TYPE: ClassVar[dict[int, Any]]
    BY_NAME: ClassVar[dict[str, Any]]

    def __init_subclass__(
        cls, type_byte: int | None = None, name: str | None = None, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        if type_byte is None or name is None:  # a family: its messages register below
            cls.BY_TYPE, cls.BY_NAME = {}, {}
            return
        if type_byte in cls.BY_TYPE or name in cls.BY_NAME:
            raise TypeError(f"{cls.__name__}: type 0x{type_byte:02x} or {name!r} is taken")
        cls.TYPE, cls.NAME = type_byte, name
        cls.BY_TYPE[type_byte] = cls
        cls.BY_NAME[name] = cls

    def body(self) -> bytes:
        return bytes([self.TYPE]) + self.write_fields()

    @classmethod
    def parse_body(cls, data: bytes) -> Any:
        """The message of this family whose type byte and fields are all of `data`."""
        message_cls = cls.BY_TYPE.get(data[0])
        if message_cls is None:
            raise CodecError("unknown_type", f"0x{data[0]:02x}")
        r = _Reader(bytes(data[1:]))
        message = message_cls.read_fields(r)
        if r.remaining():
            raise CodecError("trailing_bytes", f"{r.remaining()} after the last field")
        return message

    def to_json(self) -> dict[str, Any]:
        return {"type": self.NAME, **self.fields_json()}

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Any:
        fields = dict(obj)
        name = fields.pop("type")
        message_cls = cls.BY_NAME.get(name)
        if message_cls is None:
            raise ValueError(f"unknown {cls.__name__.lower()} type {name!r}")
        return message_cls.from_fields_json(fields)


# ------------------------------------------------------------------------------------------
# Management frames (§3)
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Participant(_Struct):
    """A logged-in user as LoginResponse lists them; `channel` is "" when in none."""

    user_id: U32
    username: Str8
    muted: Bool
    channel: Str8


class Frame(_Message):
    """A management message (§3.1)."""


@dataclass(frozen=True)
class LoginRequest(Frame, type_byte=0x01, name="login_request"):
    # First on the wire, yet defaulted: keyword-only, so username and token stay positional.
    version: U8 = dataclasses.field(default=PROTOCOL_VERSION, kw_only=True)
    username: Str8
    token: Str16


@dataclass(frozen=True)
class ChatSend(Frame, type_byte=0x02, name="chat_send"):
    text: Str16


@dataclass(frozen=True)
class SetMute(Frame, type_byte=0x03, name="set_mute"):
    muted: Bool


@dataclass(frozen=True)
class JoinVoice(Frame, type_byte=0x04, name="join_voice"):
    channel: Str8


@dataclass(frozen=True)
class LeaveVoice(Frame, type_byte=0x05, name="leave_voice"):
    """No fields: the body is the type byte alone."""


@dataclass(frozen=True)
class Ping(Frame, type_byte=0x06, name="ping"):
    nonce: U64


@dataclass(frozen=True)
class LoginResponse(Frame, type_byte=0x81, name="login_response"):
    user_id: U32
    voice_token: VoiceToken
    participants: Annotated[tuple[Participant, ...], _List(_StructField(Participant))]


@dataclass(frozen=True)
class UserJoined(Frame, type_byte=0x82, name="user_joined"):
    user_id: U32
    username: Str8


@dataclass(frozen=True)
class UserLeft(Frame, type_byte=0x83, name="user_left"):
    user_id: U32


@dataclass(frozen=True)
class ChatMessage(Frame, type_byte=0x84, name="chat_message"):
    user_id: U32
    channel: Str8
    text: Str16


@dataclass(frozen=True)
class UserMuted(Frame, type_byte=0x85, name="user_muted"):
    user_id: U32
    muted: Bool


@dataclass(frozen=True)
class JoinVoiceResponse(Frame, type_byte=0x86, name="join_voice_response"):
    channel: Str8
    members: Annotated[tuple[int, ...], _List(_U32)]


@dataclass(frozen=True)
class UserJoinedVoice(Frame, type_byte=0x87, name="user_joined_voice"):
    user_id: U32
    channel: Str8


@dataclass(frozen=True)
class UserLeftVoice(Frame, type_byte=0x88, name="user_left_voice"):
    user_id: U32
    channel: Str8


@dataclass(frozen=True)
class Error(Frame, type_byte=0x89, name="error"):
    code: U16
    message: Str8

    def to_exception(self) -> ServerError:
        return ServerError(self.code, self.message)


@dataclass(frozen=True)
class Pong(Frame, type_byte=0x8A, name="pong"):
    nonce: U64


FRAME_TYPES: dict[int, type[Frame]] = Frame.BY_TYPE


def encode_frame(frame: Frame) -> bytes:
    """The frame's bytes, length prefix included. Out-of-range fields raise ValueError."""
    body = frame.body()
    if len(body) > MAX_SERVER_FRAME_LEN:
        raise ValueError(f"frame body of {len(body)} bytes exceeds the u16 length")
    return _U16.write(len(body)) + body


def decode_frame(data: bytes, max_frame_len: int = MAX_FRAME_LEN) -> tuple[Frame, int] | None:
    """Parses the first frame of `data` (§3.2).

    Returns the frame and the number of bytes it used, or None when `data` is a proper prefix of
    a frame (incomplete: not an error). Raises CodecError otherwise.
    """
    if len(data) < 2:
        return None
    length = int.from_bytes(data[:2], "big")
    if length == 0:
        raise CodecError("empty_frame")
    if length > max_frame_len:
        raise CodecError("frame_too_large", f"{length} bytes, limit {max_frame_len}")
    end = 2 + length
    if len(data) < end:
        return None
    return Frame.parse_body(data[2:end]), end


class FrameReader:
    """Reassembles frames from a byte stream (§3.2): `feed` bytes, then take `next_frame()`s.

    After a CodecError the stream is unusable (its framing can no longer be trusted) and every
    later call raises the same error.
    """

    def __init__(self, max_frame_len: int = MAX_SERVER_FRAME_LEN) -> None:
        self._max = max_frame_len
        self._buf = bytearray()
        self._failed: CodecError | None = None

    def feed(self, data: bytes) -> None:
        self._buf += data

    def buffered(self) -> int:
        """Bytes received but not yet returned as a frame."""
        return len(self._buf)

    def next_frame(self) -> Frame | None:
        """The next complete frame, or None until more bytes arrive."""
        if self._failed is not None:
            raise self._failed
        try:
            parsed = decode_frame(self._buf, self._max)
        except CodecError as e:
            self._failed = e
            raise
        if parsed is None:
            return None
        frame, used = parsed
        del self._buf[:used]
        return frame


def frame_to_json(frame: Frame) -> dict[str, Any]:
    """The vector JSON of a frame (vectors.md §6.1)."""
    return frame.to_json()


def frame_from_json(obj: dict[str, Any]) -> Frame:
    """The frame a vector's `{"type": ..., fields...}` describes."""
    return Frame.from_json(obj)


# ------------------------------------------------------------------------------------------
# Voice datagrams (§4)
# ------------------------------------------------------------------------------------------


class Datagram(_Message):
    """A voice-relay packet (§4)."""


@dataclass(frozen=True)
class VoiceAuthRequest(Datagram, type_byte=0x01, name="voice_auth_request"):
    token: VoiceToken


@dataclass(frozen=True)
class VoiceAuthResponse(Datagram, type_byte=0x02, name="voice_auth_response"):
    status: U8
    user_id: U32

    @property
    def status_name(self) -> str:
        return AUTH_STATUS_NAMES.get(self.status, f"unknown({self.status})")


@dataclass(frozen=True)
class VoiceData(Datagram, type_byte=0x03, name="voice_data"):
    user_id: U32
    sequence: U32
    payload: Payload = b""

    def __repr__(self) -> str:
        shown = self.payload[:8].hex() + ("…" if len(self.payload) > 8 else "")
        return (
            f"VoiceData(user_id={self.user_id}, sequence={self.sequence}, "
            f"payload=<{len(self.payload)} bytes {shown}>)"
        )


@dataclass(frozen=True)
class Keepalive(Datagram, type_byte=0x04, name="keepalive"):
    nonce: U64


DATAGRAM_TYPES: dict[int, type[Datagram]] = Datagram.BY_TYPE


def encode_datagram(packet: Datagram) -> bytes:
    """The datagram's bytes. Out-of-range fields raise ValueError."""
    return packet.body()


def decode_datagram(data: bytes, max_datagram_size: int = MAX_DATAGRAM_SIZE) -> Datagram:
    """Parses one datagram (§4); raises CodecError with the §4 kind."""
    if len(data) > max_datagram_size:
        raise CodecError("oversize", f"{len(data)} bytes, limit {max_datagram_size}")
    if not data:
        raise CodecError("truncated", "empty datagram")
    return Datagram.parse_body(data)


def datagram_to_json(packet: Datagram) -> dict[str, Any]:
    """The vector JSON of a datagram (vectors.md §6.1)."""
    return packet.to_json()


def datagram_from_json(obj: dict[str, Any]) -> Datagram:
    """The datagram a vector's `{"type": ..., fields...}` describes."""
    return Datagram.from_json(obj)


# ------------------------------------------------------------------------------------------
# Tokens (audio.md §4)
# ------------------------------------------------------------------------------------------


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def mint_token(
    secret: str | bytes, user: str, ttl_secs: int = 3600, now: int | None = None
) -> str:
    """An HS256 JWT for `user`, valid `ttl_secs` from `now` (default: the wall clock).

    Byte for byte what `hark token --user USER --ttl TTL` prints at the same second: header
    `{"typ":"JWT","alg":"HS256"}`, claims `{"sub":…,"exp":…,"iat":…}`, compact JSON.
    """
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    issued = int(time.time()) if now is None else now
    header = {"typ": "JWT", "alg": "HS256"}
    claims = {"sub": user, "exp": issued + ttl_secs, "iat": issued}

    def compact(obj: dict) -> bytes:
        return json.dumps(obj, separators=(",", ":")).encode("utf-8")

    signing_input = f"{_b64url(compact(header))}.{_b64url(compact(claims))}"
    mac = hmac.new(key, signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{_b64url(mac)}"


# ------------------------------------------------------------------------------------------
# The client
# ------------------------------------------------------------------------------------------


class Deadline:
    """A point in monotonic time; `remaining()` never goes below zero."""

    def __init__(self, seconds: float) -> None:
        self._at = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self._at - time.monotonic())

    def expired(self) -> bool:
        return self.remaining() == 0.0

    def within(self, seconds: float) -> Deadline:
        """The earlier of this deadline and `seconds` from now."""
        return Deadline(min(seconds, self.remaining()))


@dataclass(frozen=True)
class Login:
    """What LoginResponse told us."""

    user_id: int
    voice_token: bytes
    participants: tuple[Participant, ...]


FrameMatch = Callable[[Frame], bool]
DatagramMatch = Callable[[Datagram], bool]


class VoiceClient:
    """One user: a management connection (TCP) and a voice socket (UDP) to one server.

    Frames and datagrams that arrive while the client waits for something else are kept, in
    order, in `frames` and `datagrams` until a later wait takes them. `presence` follows every
    received frame: the other logged-in users by user id, with their mute state and channel.
    Methods that wait take a `timeout` in seconds (default `self.timeout`); with a `deadline`,
    no wait goes past it, whatever its timeout.

    Connecting raises OSError when the management port cannot be reached.
    """

    def __init__(
        self,
        host: str,
        tcp_port: int = DEFAULT_TCP_PORT,
        udp_port: int = DEFAULT_UDP_PORT,
        timeout: float = 5.0,
        deadline: Deadline | None = None,
    ) -> None:
        self.host = host
        self.tcp_port = tcp_port
        self.udp_port = udp_port
        self.timeout = timeout
        self.deadline = deadline
        self.user_id = 0
        self.username = ""
        self.voice_token = b""
        self.channel = ""
        self.muted = False
        self.presence: dict[int, Participant] = {}
        self.frames: list[Frame] = []
        self.datagrams: list[Datagram] = []
        self._reader = FrameReader()
        self._closed = False
        self._tcp = socket.create_connection((host, tcp_port), timeout=self._timeout(None))
        self._tcp.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        family, kind, proto, _, addr = socket.getaddrinfo(host, udp_port, type=socket.SOCK_DGRAM)[0]
        self._udp = socket.socket(family, kind, proto)
        self._udp.connect(addr)

    def __repr__(self) -> str:
        return f"VoiceClient({self._who()!r}, user_id={self.user_id})"

    # -- lifecycle --------------------------------------------------------------------------

    def _timeout(self, timeout: float | None) -> float:
        seconds = self.timeout if timeout is None else timeout
        return seconds if self.deadline is None else min(seconds, self.deadline.remaining())

    def logout(self) -> None:
        """Closes the management connection, which ends the login (§5.6).

        The UDP socket stays open: datagrams sent from it now show the binding is gone.
        """
        self._tcp.close()

    def close(self) -> None:
        """Closes both sockets."""
        if not self._closed:
            self._closed = True
            self._tcp.close()
            self._udp.close()

    def __enter__(self) -> VoiceClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def udp_address(self) -> tuple:
        """The local address the relay sees this client's datagrams come from."""
        return self._udp.getsockname()

    # -- raw sending ------------------------------------------------------------------------

    def send_frame(self, frame: Frame) -> None:
        self.send_bytes(encode_frame(frame))

    def send_bytes(self, data: bytes) -> None:
        """Writes raw bytes on the management connection (any number of frames, or part of one)."""
        self._tcp.sendall(data)

    def send_datagram(self, packet: Datagram) -> None:
        self._udp.send(encode_datagram(packet))

    # -- receiving --------------------------------------------------------------------------

    def wait_frame(
        self, match: FrameMatch, timeout: float | None = None, what: str = "matching frame"
    ) -> Frame:
        """The first frame (already kept or still to come) that `match` accepts.

        Other frames are kept in `self.frames`. An Error frame that `match` does not accept is
        raised as a ServerError; end of stream is ConnectionClosed; the deadline is Timeout,
        whose message names `what` was awaited.
        """
        return self._wait(self.frames, self._read_frame, match, timeout, what)

    def wait_type(self, cls: type[Frame], timeout: float | None = None, **fields: Any) -> Any:
        """The first frame of class `cls` whose attributes equal `fields`."""
        return self.wait_frame(_matching(cls, fields), timeout, _describe(cls, fields))

    def take_frames(self, cls: type[Frame] | None = None) -> list[Frame]:
        """Removes and returns the kept frames (only those of class `cls`, if given)."""
        return _take(self.frames, cls)

    def wait_closed(self, timeout: float | None = None) -> list[Frame]:
        """Reads until the server closes the connection; returns the frames that came first."""
        seconds = self._timeout(timeout)
        deadline = Deadline(seconds)
        while True:
            try:
                self.frames.append(self._read_frame(deadline))
            except ConnectionClosed:
                return self.take_frames()
            except Timeout:
                raise self._timed_out("end of stream", seconds, self.frames) from None

    def _read_frame(self, deadline: Deadline) -> Frame:
        while True:
            frame = self._reader.next_frame()
            if frame is not None:
                self._track(frame)
                return frame
            data = self._recv(self._tcp, deadline)
            if not data:
                raise ConnectionClosed(
                    f"server closed the connection ({self._reader.buffered()} bytes of a "
                    "partial frame unread)"
                    if self._reader.buffered()
                    else "server closed the connection"
                )
            self._reader.feed(data)

    def wait_datagram(
        self, match: DatagramMatch, timeout: float | None = None, what: str = "matching datagram"
    ) -> Datagram:
        """The first datagram (already kept or still to come) that `match` accepts.

        Others are kept in `self.datagrams`; datagrams that do not parse are dropped, as the
        relay drops them (§6.3). The deadline is Timeout, whose message names `what`.
        """
        return self._wait(self.datagrams, self._read_datagram, match, timeout, what)

    def take_datagrams(self, cls: type[Datagram] | None = None) -> list[Datagram]:
        """Removes and returns the kept datagrams (only those of class `cls`, if given)."""
        return _take(self.datagrams, cls)

    def _read_datagram(self, deadline: Deadline) -> Datagram | None:
        """The next datagram, or None for one that does not parse."""
        try:
            return decode_datagram(self._recv(self._udp, deadline), MAX_RECEIVED_DATAGRAM)
        except CodecError:
            return None

    def _wait(
        self,
        kept: list[Any],
        read: Callable[[Deadline], Any],
        match: Callable[[Any], bool],
        timeout: float | None,
        what: str,
    ) -> Any:
        """`wait_frame` and `wait_datagram`: the first of `kept`, else of what `read` returns
        before the deadline, that `match` accepts; what it does not accept is kept (None, a
        datagram that did not parse, is dropped), or raised if an Error frame."""
        for i, item in enumerate(kept):
            if match(item):
                return kept.pop(i)
        seconds = self._timeout(timeout)
        deadline = Deadline(seconds)
        while True:
            try:
                item = read(deadline)
            except Timeout:
                raise self._timed_out(what, seconds, kept) from None
            if item is None:
                continue
            if match(item):
                return item
            if isinstance(item, Error):
                raise item.to_exception()
            kept.append(item)

    def _recv(self, sock: socket.socket, deadline: Deadline) -> bytes:
        readable, _, _ = select.select([sock], [], [], deadline.remaining())
        if not readable:
            raise Timeout()
        try:
            return sock.recv(65536)
        except ConnectionResetError:
            return b""
        except ConnectionRefusedError as e:
            raise ConnectionError(f"{self._who()}: the relay port refused a datagram") from e

    def _who(self) -> str:
        return self.username or f"{self.host}:{self.tcp_port}"

    def _timed_out(self, what: str, seconds: float, kept: Sequence[object]) -> Timeout:
        meanwhile = f"; kept meanwhile: {', '.join(map(repr, kept[-5:]))}" if kept else ""
        return Timeout(f"{self._who()}: no {what} within {seconds:.2f} s{meanwhile}")

    def _track(self, frame: Frame) -> None:
        """Keeps `presence` and this user's own state in step with what the server says."""
        own = self.user_id != 0 and getattr(frame, "user_id", None) == self.user_id
        if isinstance(frame, LoginResponse):
            self.presence = {p.user_id: p for p in frame.participants}
        elif isinstance(frame, UserJoined):
            self.presence[frame.user_id] = Participant(frame.user_id, frame.username, False, "")
        elif isinstance(frame, UserLeft):
            self.presence.pop(frame.user_id, None)
        elif isinstance(frame, JoinVoiceResponse):
            self.channel = frame.channel
        elif own and isinstance(frame, UserMuted):
            self.muted = frame.muted
        elif own and isinstance(frame, UserLeftVoice):
            self.channel = ""
        elif isinstance(frame, (UserMuted, UserJoinedVoice, UserLeftVoice)):
            known = self.presence.get(frame.user_id)
            if known is not None:
                self.presence[frame.user_id] = _updated(known, frame)

    # -- requests ---------------------------------------------------------------------------

    def login(self, username: str, token: str, timeout: float | None = None) -> Login:
        """Logs in (§5.2); returns our user id, voice token and the other users."""
        self.send_frame(LoginRequest(username=username, token=token))
        response = self.wait_type(LoginResponse, timeout)
        self.user_id = response.user_id
        self.username = username
        self.voice_token = response.voice_token
        return Login(response.user_id, response.voice_token, response.participants)

    def voice_auth(self, timeout: float | None = None, retry_every: float = 0.25) -> int:
        """Binds this UDP socket to our login (§6.1); returns the user id the relay confirmed.

        UDP can lose either packet, and asking again is harmless (§6.1 step 4), so the request is
        repeated every `retry_every` seconds until an answer or the deadline.
        """
        if not self.voice_token:
            raise VoiceError("voice_auth needs a login first (no voice token yet)")
        deadline = Deadline(self._timeout(timeout))
        while True:
            self.send_datagram(VoiceAuthRequest(self.voice_token))
            try:
                answer = self.wait_datagram(
                    lambda d: isinstance(d, VoiceAuthResponse),
                    deadline.within(retry_every).remaining(),
                    "VoiceAuthResponse",
                )
            except Timeout:
                if deadline.expired():
                    raise
                continue
            if answer.status != 0:
                raise VoiceAuthError(answer.status)
            return answer.user_id

    def join_voice(self, channel: str, timeout: float | None = None) -> tuple[int, ...]:
        """Joins a voice channel (§5.3); returns the other members' user ids."""
        self.send_frame(JoinVoice(channel))
        return self.wait_type(JoinVoiceResponse, timeout, channel=channel).members

    def leave_voice(self, timeout: float | None = None) -> str:
        """Leaves the voice channel (§5.3); returns the channel left."""
        self.send_frame(LeaveVoice())
        return self.wait_type(UserLeftVoice, timeout, user_id=self.user_id).channel

    def set_mute(self, muted: bool, timeout: float | None = None) -> None:
        """Sets our mute state (§5.4) and waits for the server's UserMuted."""
        self.send_frame(SetMute(muted))
        self.wait_type(UserMuted, timeout, user_id=self.user_id, muted=muted)

    def chat(self, text: str, timeout: float | None = None) -> ChatMessage:
        """Sends chat to our voice channel (§5.5); returns the server's echo to us."""
        self.send_frame(ChatSend(text))
        return self.wait_type(ChatMessage, timeout, user_id=self.user_id, text=text)

    def ping(self, nonce: int | None = None, timeout: float | None = None) -> float:
        """Pings the management connection; returns the round trip in seconds.

        Frames that arrive before the Pong are kept, so a ping is also a barrier: what the server
        sent on this connection before answering it is in `self.frames` afterwards.
        """
        nonce = int.from_bytes(os.urandom(8), "big") if nonce is None else nonce
        start = time.monotonic()
        self.send_frame(Ping(nonce))
        self.wait_type(Pong, timeout, nonce=nonce)
        return time.monotonic() - start

    def keepalive(self, nonce: int | None = None, timeout: float | None = None) -> float:
        """Sends a Keepalive and waits for its echo (§6.2); returns the round trip in seconds.

        Datagrams that arrive before the echo are kept, so this is a barrier for the relay: what
        it sent to this address before echoing is in `self.datagrams` afterwards.
        """
        nonce = int.from_bytes(os.urandom(8), "big") if nonce is None else nonce
        start = time.monotonic()
        self.send_datagram(Keepalive(nonce))
        self.wait_datagram(
            lambda d: isinstance(d, Keepalive) and d.nonce == nonce,
            timeout,
            f"Keepalive(nonce={nonce}) echo",
        )
        return time.monotonic() - start

    def send_voice(self, sequence: int, payload: bytes) -> bytes:
        """Sends a VoiceData from our user id; returns the datagram's exact bytes."""
        data = encode_datagram(VoiceData(self.user_id, sequence, payload))
        self._udp.send(data)
        return data

    def recv_voice(self, timeout: float | None = None, **fields: Any) -> VoiceData:
        """The next VoiceData whose attributes equal `fields` (e.g. `user_id=...`)."""
        match = _matching(VoiceData, fields)
        return self.wait_datagram(match, timeout, _describe(VoiceData, fields))


def _matching(cls: type, fields: dict[str, Any]) -> Callable[[object], bool]:
    """Accepts an instance of `cls` whose attributes equal `fields`."""
    return lambda item: isinstance(item, cls) and all(
        getattr(item, k) == v for k, v in fields.items()
    )


def _describe(cls: type, fields: dict[str, Any]) -> str:
    return f"{cls.__name__}({', '.join(f'{k}={v!r}' for k, v in fields.items())})"


def _take(kept: list[Any], cls: type | None) -> list[Any]:
    """Removes from `kept` and returns its items of class `cls` (every item if None)."""
    taken = [item for item in kept if cls is None or isinstance(item, cls)]
    kept[:] = [item for item in kept if not (cls is None or isinstance(item, cls))]
    return taken


def _updated(known: Participant, frame: Frame) -> Participant:
    if isinstance(frame, UserMuted):
        return dataclasses.replace(known, muted=frame.muted)
    if isinstance(frame, UserJoinedVoice):
        return dataclasses.replace(known, channel=frame.channel)
    return dataclasses.replace(known, channel="")
