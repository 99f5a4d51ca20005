#!/usr/bin/env python3
"""Generates the `voice` conformance vectors in conformance/vectors/voice/.

Everything here is written from conformance/spec/voice.md (and vectors.md §6 for the format),
with the Python standard library only: frames and datagrams are packed with `struct`, JWTs and
voice tokens are made with `hmac`/`hashlib` (what the audio generator also needs is in
vectorlib.py beside this file). Nothing is taken from hark-core, so a vector that hark-core fails
is a disagreement between the code and the spec, not between the code and itself.

    python3 conformance/tools/gen_voice_vectors.py          # (re)write the JSON files
    python3 conformance/tools/gen_voice_vectors.py --check  # exit 1 if a file would change

Scenario expectations are not written by hand: each scenario is a list of inputs, and a small
model of voice.md §5–§8 (one `Server` object, a few hundred lines below) computes what the server
sends, which connections it closes, the events and the counters. The model is checked against
itself while generating: every scenario is replayed with its inputs arriving late (as a real
server sees them, vectors.md §4.3) and must give the same outputs; timer firings keep their
margins; and the places where voice.md does not fix an output are asserted never to be reached.

The output is deterministic: fixed seeds, fixed claims, and JSON written in a fixed layout.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import re
import struct
import sys
from pathlib import Path

from vectorlib import SECRET, START, TIMER_MARGIN_MS, check_second, claims, codec_files, jwt
from vectorlib import main as write_or_check
from vectorlib import pattern, refill_ms, render, scenario_files, token, wall

OUT = Path(__file__).resolve().parent.parent / "vectors" / "voice"

# --------------------------------------------------------------------------------------------
# The spec's numbers (voice.md §3, §4, §10)
# --------------------------------------------------------------------------------------------

CLIENT_FRAMES = {  # §3.1, sent by the client
    "login_request": 0x01,
    "chat_send": 0x02,
    "set_mute": 0x03,
    "join_voice": 0x04,
    "leave_voice": 0x05,
    "ping": 0x06,
}
SERVER_FRAMES = {  # §3.1, sent by the server
    "login_response": 0x81,
    "user_joined": 0x82,
    "user_left": 0x83,
    "chat_message": 0x84,
    "user_muted": 0x85,
    "join_voice_response": 0x86,
    "user_joined_voice": 0x87,
    "user_left_voice": 0x88,
    "error": 0x89,
    "pong": 0x8A,
}
FRAME_TYPES = {**CLIENT_FRAMES, **SERVER_FRAMES}
FRAME_NAMES = {value: name for name, value in FRAME_TYPES.items()}

# Each frame's fields in wire order, under their §3.1 names (the names of vectors.md §6.1).
FRAME_FIELDS = {
    "login_request": [("version", "u8"), ("username", "str8"), ("token", "str16")],
    "chat_send": [("text", "str16")],
    "set_mute": [("muted", "bool")],
    "join_voice": [("channel", "str8")],
    "leave_voice": [],
    "ping": [("nonce", "u64")],
    "login_response": [("user_id", "u32"), ("voice_token", "token16"),
                       ("participants", "participants")],
    "user_joined": [("user_id", "u32"), ("username", "str8")],
    "user_left": [("user_id", "u32")],
    "chat_message": [("user_id", "u32"), ("channel", "str8"), ("text", "str16")],
    "user_muted": [("user_id", "u32"), ("muted", "bool")],
    "join_voice_response": [("channel", "str8"), ("members", "members")],
    "user_joined_voice": [("user_id", "u32"), ("channel", "str8")],
    "user_left_voice": [("user_id", "u32"), ("channel", "str8")],
    "error": [("code", "u16"), ("message", "str8")],
    "pong": [("nonce", "u64")],
}
PARTICIPANT_FIELDS = [("user_id", "u32"), ("username", "str8"), ("muted", "bool"),
                      ("channel", "str8")]

PACKET_TYPES = {  # §4
    "voice_auth_request": 0x01,
    "voice_auth_response": 0x02,
    "voice_data": 0x03,
    "keepalive": 0x04,
}
PACKET_NAMES = {value: name for name, value in PACKET_TYPES.items()}
TOKEN_LEN = 16  # §2: a voice token is 16 raw bytes
VOICE_DATA_HEADER = 9  # §4: type, u32 user_id, u32 sequence

# §4 VoiceAuthResponse statuses.
OK, UNKNOWN_TOKEN, TOKEN_IN_USE, ADDRESS_IN_USE, NOT_AUTHENTICATED = 0, 1, 2, 3, 4

# §10: name -> (code, exact message). Fatal ones close the connection.
ERRORS = {
    "malformed_frame": (1, "malformed frame"),
    "frame_too_large": (2, "frame too large"),
    "unsupported_version": (3, "unsupported protocol version"),
    "invalid_token": (4, "invalid token"),
    "token_expired": (5, "token expired"),
    "invalid_username": (6, "invalid username"),
    "username_taken": (7, "username already logged in"),
    "not_logged_in": (8, "log in first"),
    "already_logged_in": (9, "already logged in"),
    "channel_not_found": (10, "channel not found"),
    "not_a_member": (11, "not a member of this channel"),
    "banned": (12, "banned from this channel"),
    "channel_full": (13, "channel is full"),
    "not_in_voice": (14, "join a voice channel first"),
    "bad_chat_length": (15, "chat message empty or too long"),
    "rate_limited": (16, "slow down"),
    "too_many_frames": (17, "too many frames"),
    "login_timeout": (18, "login not completed in time"),
    "idle_timeout": (19, "connection idle"),
    "server_full": (20, "server full"),
    "server_closing": (21, "server closing"),
}
assert [code for code, _ in ERRORS.values()] == list(range(1, 22))

PROTOCOL_VERSION = 1  # §3.1
USERNAME = re.compile(rb"[A-Za-z0-9_.-]{1,32}")  # §5.2 step 2

# --------------------------------------------------------------------------------------------
# The fixture (vectors.md §3, §6.2)
# --------------------------------------------------------------------------------------------

# The secret and the wall clock at the start are vectors.md §3's (SECRET, START in vectorlib).
# The voice-token generator's seed (voice.md §5.7): any fixed 32 bytes.
RNG_SEED = "6861726b2d766f6963652d636f6e666f726d616e63652d7365656421212121ff"
CLIENTS = ["alice", "alice_phone", "bob", "bob_nat", "carol", "dave", "erin", "mallory",
           "stranger"]

# The same files run against a real server (live mode), so the fixture departs from the spec's
# defaults (voice.md §8, §9) where a default would make a run slow or fragile:
# - timers are short (10 s / 30 s / 30 s would make a run last minutes);
# - every rate refills at 10 per second (one token per 100 ms), so a step that waits for "one
#   more token" has ±50 ms of slack on a real clock (vectors.md §4.3);
# - bursts are small enough to write in a vector but larger than any ordinary exchange:
#   chat 5 (a 6th message at one instant is refused), frames and voice 50, replies 20.
LOGIN_TIMEOUT_MS = 2_000
IDLE_TIMEOUT_MS = 4_000
UDP_TIMEOUT_MS = 3_000
CONFIG = {
    "max_frame_len": 4096,
    "max_datagram_size": 1200,
    "max_connections": 1024,
    "login_timeout_ms": LOGIN_TIMEOUT_MS,
    "idle_timeout_ms": IDLE_TIMEOUT_MS,
    "udp_timeout_ms": UDP_TIMEOUT_MS,
    "max_token_len": 2048,
    "jwt_leeway_secs": 5,
    "max_chat_len": 1000,
    "default_max_users_per_channel": 256,
    "frame_rate": {"per_second": 10, "burst": 50},
    "chat_rate": {"per_second": 10, "burst": 5},
    "voice_rate": {"per_second": 10, "burst": 50},
    "unauthenticated_reply_rate": {"per_second": 10, "burst": 20},
}
CHANNELS = [
    # Open to every user but mallory.
    {"id": "main", "name": "Main hall", "banned": ["mallory"]},
    # Members only; mallory is a banned member, erin a banned non-member.
    {"id": "team", "members": ["alice", "bob", "carol", "mallory"], "banned": ["mallory", "erin"]},
    # Open, at most two voice members.
    {"id": "tiny", "max_users": 2},
]

# Live-mode timing rules (vectors.md §4.3): a timer firing is at least MARGIN_MS from every
# step; a step whose outcome depends on the wall-clock second is not just before a whole second
# (`check_second`); rates are tested 1.5 refill intervals after the burst.
MARGIN_MS = TIMER_MARGIN_MS
# Inputs reach a real server a little late: the self-check replays every scenario with each
# batch delayed by up to this much and requires the same outputs.
JITTER_MS = 45


def voice_token(n: int) -> bytes:
    """§5.7: the token of the n-th successful login (from 0) since the service started."""
    mac = hmac.new(bytes.fromhex(RNG_SEED), b"hark voice token" + struct.pack(">Q", n),
                   hashlib.sha256)
    return mac.digest()[:TOKEN_LEN]


# --------------------------------------------------------------------------------------------
# JWT (HS256), voice.md §5.2 step 3 and audio.md §4
# --------------------------------------------------------------------------------------------


def b64url_decode(text: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def token_of_length(user: str, length: int) -> str:
    """A valid token for `user` exactly `length` characters long (a custom claim pads it)."""
    for kid in range(4):
        header = {"alg": "HS256", "typ": "JWT", "kid": "k" * kid}
        for pad in range(length):
            tok = jwt(claims(user, pad="x" * pad), header=header)
            if len(tok) == length:
                return tok
            if len(tok) > length:
                break
    raise AssertionError(f"no token of length {length}")


class Ambiguous(AssertionError):
    """The model reached a case voice.md does not settle: the scenario must avoid it."""


def check_token(tok: str, username: str, now: int, cfg: dict) -> str | None:
    """§5.2 step 3: None when valid, else the Error name."""
    leeway = cfg["jwt_leeway_secs"]
    if len(tok.encode()) > cfg["max_token_len"]:
        return "invalid_token"
    parts = tok.split(".")
    if len(parts) != 3:
        return "invalid_token"
    try:
        header = json.loads(b64url_decode(parts[0]))
        payload = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except ValueError:
        return "invalid_token"
    if not isinstance(header, dict) or not isinstance(payload, dict):
        return "invalid_token"
    if header.get("alg") != "HS256":
        return "invalid_token"
    mac = hmac.new(SECRET.encode(), f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(mac, signature):
        return "invalid_token"

    def integer(value):
        return isinstance(value, int) and not isinstance(value, bool)

    exp, nbf, sub = payload.get("exp"), payload.get("nbf"), payload.get("sub")
    if not integer(exp) or (nbf is not None and not integer(nbf)):
        return "invalid_token"
    if nbf is not None and nbf > now + leeway:
        return "invalid_token"
    expired = now > exp + leeway
    wrong_sub = sub != username
    if expired and wrong_sub:
        # "token_expired when only exp fails", yet the sub check is a step of its own after the
        # token's validity: the two readings differ here, so no vector goes there.
        raise Ambiguous("an expired token whose sub is not the username")
    if wrong_sub:
        return "invalid_token"
    if expired:
        return "token_expired"
    return None


# --------------------------------------------------------------------------------------------
# Frames (§3) and datagrams (§4): encoders and parsers
# --------------------------------------------------------------------------------------------


INT_SIZES = {"u8": 1, "u16": 2, "u32": 4, "u64": 8}


def _encode_fields(spec, value: dict) -> bytes:
    assert set(value) - {"type"} == {name for name, _ in spec}, value
    out = b""
    for name, kind in spec:
        v = value[name]
        if kind in INT_SIZES:
            out += v.to_bytes(INT_SIZES[kind], "big")
        elif kind in ("str8", "str16"):
            raw = v.encode()
            out += struct.pack(">B" if kind == "str8" else ">H", len(raw)) + raw
        elif kind == "bool":
            out += bytes([1 if v else 0])
        elif kind == "token16":
            raw = bytes.fromhex(v)
            assert len(raw) == TOKEN_LEN
            out += raw
        elif kind == "participants":
            out += struct.pack(">H", len(v))
            for p in v:
                out += _encode_fields(PARTICIPANT_FIELDS, p)
        elif kind == "members":
            out += struct.pack(">H", len(v)) + b"".join(struct.pack(">I", m) for m in v)
        else:
            raise AssertionError(kind)
    return out


def frame_body(value: dict) -> bytes:
    ftype = value["type"]
    return bytes([FRAME_TYPES[ftype]]) + _encode_fields(FRAME_FIELDS[ftype], value)


def encode_frame(value: dict) -> bytes:
    """A frame with its u16 length prefix (§3)."""
    return prefixed(frame_body(value))


def prefixed(body: bytes) -> bytes:
    """Any body behind a u16 length, for frames the encoder would never write."""
    return struct.pack(">H", len(body)) + body


def fr(ftype: str, **fields) -> dict:
    """A frame in its vectors.md §6.1 JSON form."""
    return {"type": ftype, **fields}


def frame(ftype: str, **fields) -> bytes:
    return encode_frame(fr(ftype, **fields))


def error_frame(name: str) -> bytes:
    code, message = ERRORS[name]
    return frame("error", code=code, message=message)


def participant(user_id, username, muted, channel) -> dict:
    return {"user_id": user_id, "username": username, "muted": muted, "channel": channel}


class Fail(Exception):
    """A parse error, by its vectors.md §6.1 kind."""


class Reader:
    def __init__(self, data: bytes, pos: int = 0):
        self.data, self.pos = data, pos

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise Fail("truncated")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def int(self, size: int) -> int:
        return int.from_bytes(self.take(size), "big")

    def text(self, size: int) -> str:
        raw = self.take(self.int(size))
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Fail("invalid_utf8") from None

    def fields(self, spec) -> dict:
        """§3.2 step 4: the fields in order; the first that fails names the error."""
        out = {}
        for name, kind in spec:
            if kind in INT_SIZES:
                out[name] = self.int(INT_SIZES[kind])
            elif kind == "str8":
                out[name] = self.text(1)
            elif kind == "str16":
                out[name] = self.text(2)
            elif kind == "bool":
                byte = self.int(1)
                if byte > 1:
                    raise Fail("invalid_bool")
                out[name] = byte == 1
            elif kind == "token16":
                out[name] = self.take(TOKEN_LEN).hex()
            elif kind == "participants":
                out[name] = [self.fields(PARTICIPANT_FIELDS) for _ in range(self.int(2))]
            elif kind == "members":
                out[name] = [self.int(4) for _ in range(self.int(2))]
        return out


def parse_frame(buf: bytes, max_len: int):
    """§3.2. Returns ("incomplete",), ("error", kind) or ("frame", value, consumed)."""
    if len(buf) < 2:
        return ("incomplete",)
    length = int.from_bytes(buf[:2], "big")
    if length == 0:
        return ("error", "empty_frame")
    if length > max_len:
        return ("error", "frame_too_large")
    if len(buf) < 2 + length:
        return ("incomplete",)
    body = buf[2:2 + length]
    ftype = FRAME_NAMES.get(body[0])
    if ftype is None:
        return ("error", "unknown_type")
    reader = Reader(body, 1)
    try:
        value = {"type": ftype, **reader.fields(FRAME_FIELDS[ftype])}
    except Fail as fail:
        return ("error", str(fail))
    if reader.pos != len(body):
        return ("error", "trailing_bytes")
    return ("frame", value, 2 + length)


def encode_packet(value: dict) -> bytes:
    ptype = value["type"]
    out = bytes([PACKET_TYPES[ptype]])
    if ptype == "voice_auth_request":
        raw = bytes.fromhex(value["token"])
        assert len(raw) == TOKEN_LEN
        return out + raw
    if ptype == "voice_auth_response":
        return out + struct.pack(">BI", value["status"], value["user_id"])
    if ptype == "voice_data":
        return out + struct.pack(">II", value["user_id"], value["sequence"]) + bytes.fromhex(
            value["payload"])
    return out + struct.pack(">Q", value["nonce"])


def parse_packet(data: bytes, max_len: int):
    """§4. Returns ("error", kind) or ("packet", value)."""
    if len(data) > max_len:
        return ("error", "oversize")
    if not data:
        return ("error", "truncated")
    ptype = PACKET_NAMES.get(data[0])
    if ptype is None:
        return ("error", "unknown_type")
    reader = Reader(data, 1)
    try:
        if ptype == "voice_auth_request":
            value = {"token": reader.take(TOKEN_LEN).hex()}
        elif ptype == "voice_auth_response":
            value = {"status": reader.int(1), "user_id": reader.int(4)}
        elif ptype == "voice_data":
            value = {"user_id": reader.int(4), "sequence": reader.int(4),
                     "payload": data[VOICE_DATA_HEADER:].hex()}
            reader.pos = len(data)
        else:
            value = {"nonce": reader.int(8)}
    except Fail as fail:
        return ("error", str(fail))
    if reader.pos != len(data):
        return ("error", "trailing_bytes")
    return ("packet", {"type": ptype, **value})


def auth_request(tok: bytes) -> bytes:
    return encode_packet({"type": "voice_auth_request", "token": tok.hex()})


def auth_response(status: int, user_id: int = 0) -> bytes:
    return encode_packet({"type": "voice_auth_response", "status": status, "user_id": user_id})


def voice_data(user_id: int, sequence: int, payload: bytes) -> bytes:
    return encode_packet({"type": "voice_data", "user_id": user_id, "sequence": sequence,
                          "payload": payload.hex()})


def keepalive(nonce: int) -> bytes:
    return encode_packet({"type": "keepalive", "nonce": nonce})


# --------------------------------------------------------------------------------------------
# Codec vectors (vectors.md §6.1)
# --------------------------------------------------------------------------------------------


class CodecFile:
    """One codec file. Every vector is checked against this file's own parser and encoder, so a
    slip in the bytes written here shows at generation time, not in the runner."""

    def __init__(self, filename: str):
        self.filename = filename
        self.vectors = []

    def _add(self, name, description, transport, raw: bytes, expect: dict, max_len):
        limit = max_len or (CONFIG["max_frame_len"] if transport == "tcp"
                            else CONFIG["max_datagram_size"])
        if transport == "tcp":
            got = parse_frame(raw, limit)
            if "frame" in expect:
                assert got == ("frame", expect["frame"], len(raw)), (name, got)
                assert encode_frame(got[1]) == raw, name
            elif "incomplete" in expect:
                assert got == ("incomplete",), (name, got)
            else:
                assert got == ("error", expect["error"]), (name, got)
        else:
            got = parse_packet(raw, limit)
            if "packet" in expect:
                assert got == ("packet", expect["packet"]), (name, got)
                assert encode_packet(got[1]) == raw, name
            else:
                assert got == ("error", expect["error"]), (name, got)
        vector = {"name": name, "description": description, "transport": transport}
        if max_len is not None:
            vector["max_len"] = max_len
        vector["hex"] = raw.hex()
        vector["expect"] = expect
        self.vectors.append(vector)

    def frame(self, name, description, value: dict, max_len=None):
        self._add(name, description, "tcp", encode_frame(value), {"frame": value}, max_len)

    def frame_error(self, name, description, raw: bytes, kind: str, max_len=None):
        self._add(name, description, "tcp", raw, {"error": kind}, max_len)

    def incomplete(self, name, description, raw: bytes, max_len=None):
        self._add(name, description, "tcp", raw, {"incomplete": True}, max_len)

    def packet(self, name, description, value: dict, max_len=None):
        self._add(name, description, "udp", encode_packet(value), {"packet": value}, max_len)

    def packet_error(self, name, description, raw: bytes, kind: str, max_len=None):
        self._add(name, description, "udp", raw, {"error": kind}, max_len)

    def document(self):
        return {"vectors": self.vectors}


JWT_ALICE = token("alice")  # any string: the codec does not verify tokens
TOKEN_A = voice_token(0)
UTF8_TEXT = "héllo, ünïcode 🎤"


def codec_frames() -> CodecFile:
    f = CodecFile("codec/frames.json")
    # Client frames, §3.1.
    f.frame("login_request", "§3.1 0x01 LoginRequest: u8 version 1, str8 username, str16 token.",
            fr("login_request", version=1, username="alice", token=JWT_ALICE))
    f.frame("login_request_other_version_parses",
            "§3.1, §5.2: the version is any u8 on the wire; the service refuses ≠ 1.",
            fr("login_request", version=255, username="bob", token="t"))
    f.frame("login_request_empty_username_and_token",
            "§2: empty strings are valid on the wire (the service refuses them, §5.2).",
            fr("login_request", version=1, username="", token=""))
    f.frame("login_request_username_255_bytes",
            "§2 str8: 255 bytes is the longest a u8 length allows.",
            fr("login_request", version=1, username="u" * 255, token="t"))
    f.frame("chat_send", "§3.1 0x02 ChatSend: str16 text.", fr("chat_send", text="hello"))
    f.frame("chat_send_empty_text", "§2: an empty str16 (the service refuses it, §5.5).",
            fr("chat_send", text=""))
    f.frame("chat_send_multibyte_utf8", "§2: UTF-8 beyond ASCII, lengths in bytes.",
            fr("chat_send", text=UTF8_TEXT))
    f.frame("chat_send_body_exactly_max_frame_len",
            "§3: a body of exactly max_frame_len (4096) bytes: type, u16 length, 4093 bytes.",
            fr("chat_send", text="x" * 4093))
    f.frame("body_exactly_a_small_max_len",
            "§3.2 step 2: length = max_frame_len is allowed (limit 16 here).",
            fr("chat_send", text="x" * 13), max_len=16)
    f.frame("set_mute_true", "§3.1 0x03 SetMute: bool 0x01.", fr("set_mute", muted=True))
    f.frame("set_mute_false", "§3.1 0x03 SetMute: bool 0x00.", fr("set_mute", muted=False))
    f.frame("join_voice", "§3.1 0x04 JoinVoice: str8 channel.", fr("join_voice", channel="main"))
    f.frame("join_voice_empty_channel",
            "§2: an empty channel parses (no directory channel has it, §7).",
            fr("join_voice", channel=""))
    f.frame("leave_voice", "§3.1 0x05 LeaveVoice: no fields; the body is the type byte alone.",
            fr("leave_voice"))
    f.frame("ping", "§3.1 0x06 Ping: u64 nonce, big-endian.",
            fr("ping", nonce=0x0102030405060708))
    f.frame("ping_nonce_zero", "§3.1 Ping with nonce 0.", fr("ping", nonce=0))
    f.frame("ping_nonce_max", "§2: the nonce is an unsigned 64-bit integer.",
            fr("ping", nonce=2**64 - 1))
    # Server frames, §3.1.
    f.frame("login_response_alone",
            "§3.1 0x81 LoginResponse: user id, 16-byte voice token, no participants.",
            fr("login_response", user_id=1, voice_token=TOKEN_A.hex(), participants=[]))
    f.frame("login_response_with_participants",
            "§3.1 participants: user id, username, muted bool, channel (empty when none).",
            fr("login_response", user_id=3, voice_token=voice_token(2).hex(),
               participants=[participant(1, "alice", True, "main"),
                             participant(2, "bob", False, "")]))
    many = [participant(i, f"user_{i:03}_" + "p" * 23, i % 2 == 0, "channel-%08d" % i)
            for i in range(1, 101)]
    f.frame("login_response_larger_than_a_client_frame",
            "§3: server frames may exceed a client's max_frame_len (up to 65 535); a client "
            "reads them with that limit. 100 participants of 55 bytes.",
            fr("login_response", user_id=101, voice_token=TOKEN_A.hex(), participants=many),
            max_len=65535)
    f.frame("user_joined", "§3.1 0x82 UserJoined: u32 user id, str8 username.",
            fr("user_joined", user_id=2, username="bob"))
    f.frame("user_left", "§3.1 0x83 UserLeft: u32 user id.", fr("user_left", user_id=2))
    f.frame("user_id_max_u32", "§2: user ids are u32.", fr("user_left", user_id=2**32 - 1))
    f.frame("chat_message", "§3.1 0x84 ChatMessage: sender, channel, text.",
            fr("chat_message", user_id=1, channel="main", text=UTF8_TEXT))
    f.frame("chat_message_empty_strings", "§2: empty channel and text parse.",
            fr("chat_message", user_id=1, channel="", text=""))
    f.frame("user_muted_true", "§3.1 0x85 UserMuted: user id, bool.",
            fr("user_muted", user_id=7, muted=True))
    f.frame("user_muted_false", "§3.1 0x85 UserMuted unmuted.",
            fr("user_muted", user_id=7, muted=False))
    f.frame("join_voice_response_alone",
            "§3.1 0x86 JoinVoiceResponse: channel, count 0.",
            fr("join_voice_response", channel="team", members=[]))
    f.frame("join_voice_response_members",
            "§3.1 0x86 JoinVoiceResponse: three u32 member ids.",
            fr("join_voice_response", channel="main", members=[1, 2, 70000]))
    f.frame("user_joined_voice", "§3.1 0x87 UserJoinedVoice: user id, channel.",
            fr("user_joined_voice", user_id=4, channel="tiny"))
    f.frame("user_left_voice", "§3.1 0x88 UserLeftVoice: user id, channel.",
            fr("user_left_voice", user_id=4, channel="tiny"))
    for name, (code, message) in ERRORS.items():
        f.frame(f"error_{code:02}_{name}", f"§3.1 0x89 Error, §10 code {code} `{name}` with its "
                "exact message.", fr("error", code=code, message=message))
    f.frame("error_unknown_code", "§3.2: unknown Error codes are carried through as numbers.",
            fr("error", code=999, message="from a later version"))
    f.frame("error_code_max_empty_message", "§3.2: code 65535 and an empty message parse.",
            fr("error", code=65535, message=""))
    f.frame("pong", "§3.1 0x8A Pong: the Ping's u64 nonce.",
            fr("pong", nonce=0x0102030405060708))
    return f


def codec_frame_errors() -> CodecFile:
    f = CodecFile("codec/frame_errors.json")
    ping = frame("ping", nonce=0x0102030405060708)
    login = frame("login_request", version=1, username="alice", token=JWT_ALICE)
    # Incomplete: a proper prefix of a frame waits for more (§3.2 step 1).
    f.incomplete("incomplete_nothing", "§3.2 step 1: no bytes yet.", b"")
    f.incomplete("incomplete_half_length", "§3.2 step 1: one byte of the length.", ping[:1])
    f.incomplete("incomplete_length_only", "§3.2 step 1: the length (9), no body.", ping[:2])
    f.incomplete("incomplete_body_cut", "§3.2 step 1: 5 of the Ping's 9 body bytes.", ping[:7])
    f.incomplete("incomplete_login_last_byte_missing",
                 "§3.2 step 1: a LoginRequest without its last byte.", login[:-1])
    f.incomplete("incomplete_length_exactly_max",
                 "§3.2 step 2: length 4096 = max_frame_len passes its check; the body is awaited.",
                 b"\x10\x00")
    f.incomplete("incomplete_server_frame_above_client_limit",
                 "§3: with limit 65535 a length of 65535 is awaited.", b"\xff\xff\x81",
                 max_len=65535)
    # Length checks (§3.2 step 2), before the type and before the body.
    f.frame_error("empty_frame", "§3.2 step 2: length 0.", b"\x00\x00", "empty_frame")
    f.frame_error("empty_frame_followed_by_a_frame",
                  "§3.2 step 2: length 0 is an error even when more bytes follow.",
                  b"\x00\x00" + ping, "empty_frame")
    f.frame_error("frame_too_large_on_the_length_alone",
                  "§3.2 step 2: length 4097 is refused without waiting for the body.",
                  b"\x10\x01", "frame_too_large")
    f.frame_error("frame_too_large_length_ffff", "§3.2 step 2: length 65535 > 4096.",
                  b"\xff\xff", "frame_too_large")
    f.frame_error("frame_too_large_before_unknown_type",
                  "§3.2 order: a length over the limit with an unknown type byte is "
                  "frame_too_large.", b"\x10\x01\x00", "frame_too_large")
    f.frame_error("frame_too_large_small_limit_full_frame",
                  "§3.2 step 2: a complete 17-byte body with limit 16.",
                  frame("chat_send", text="x" * 14), "frame_too_large", max_len=16)
    f.frame_error("frame_too_large_before_unknown_type_full_frame",
                  "§3.2 order: a complete frame of unknown type, body 9 > limit 8.",
                  prefixed(b"\x00" + bytes(8)), "frame_too_large", max_len=8)
    # Unknown types (§3.2 step 3).
    for value in (0x00, 0x07, 0x80, 0x8B, 0xFF):
        f.frame_error(f"unknown_type_0x{value:02x}", f"§3.2 step 3: 0x{value:02X} is not in §3.1.",
                      prefixed(bytes([value])), "unknown_type")
    f.frame_error("unknown_type_before_its_fields",
                  "§3.2 order: the type is checked before any field (0x07 with 8 more bytes).",
                  prefixed(b"\x07" + bytes(8)), "unknown_type")
    # Truncated fields (§3.2 step 4).
    f.frame_error("truncated_login_request_no_fields", "§3.2 step 4: the type alone.",
                  prefixed(b"\x01"), "truncated")
    f.frame_error("truncated_login_request_username",
                  "§3.2 step 4: username length 5, 3 bytes follow.",
                  prefixed(b"\x01\x01\x05ali"), "truncated")
    f.frame_error("truncated_login_request_token_length",
                  "§3.2 step 4: one byte of the token's u16 length.",
                  prefixed(b"\x01\x01\x05alice\x00"), "truncated")
    f.frame_error("truncated_login_request_token",
                  "§3.2 step 4: token length 100, 10 bytes follow.",
                  prefixed(b"\x01\x01\x05alice\x00\x64" + b"t" * 10), "truncated")
    f.frame_error("truncated_chat_send_length", "§3.2 step 4: one byte of a u16 length.",
                  prefixed(b"\x02\x00"), "truncated")
    f.frame_error("truncated_set_mute_no_bool", "§3.2 step 4: SetMute without its byte.",
                  prefixed(b"\x03"), "truncated")
    f.frame_error("truncated_join_voice_no_length", "§3.2 step 4: JoinVoice without its str8.",
                  prefixed(b"\x04"), "truncated")
    f.frame_error("truncated_ping_nonce", "§3.2 step 4: 7 of the nonce's 8 bytes.",
                  prefixed(b"\x06" + bytes(7)), "truncated")
    f.frame_error("truncated_login_response_voice_token",
                  "§3.2 step 4: 10 of the voice token's 16 bytes.",
                  prefixed(b"\x81\x00\x00\x00\x01" + TOKEN_A[:10]), "truncated")
    f.frame_error("truncated_login_response_participant_count",
                  "§3.2 step 4: count 2, one participant.",
                  prefixed(b"\x81\x00\x00\x00\x03" + TOKEN_A + b"\x00\x02"
                           + _encode_fields(PARTICIPANT_FIELDS,
                                            participant(1, "alice", False, ""))),
                  "truncated")
    f.frame_error("truncated_participant_channel",
                  "§3.2 step 4: a participant's channel length 4, 2 bytes follow.",
                  prefixed(b"\x81\x00\x00\x00\x02" + TOKEN_A + b"\x00\x01"
                           + b"\x00\x00\x00\x01\x05alice\x00\x04ma"),
                  "truncated")
    f.frame_error("truncated_user_left", "§3.2 step 4: 3 bytes of a u32.",
                  prefixed(b"\x83\x00\x00\x01"), "truncated")
    f.frame_error("truncated_chat_message_text", "§3.2 step 4: ChatMessage without its text.",
                  prefixed(b"\x84\x00\x00\x00\x01\x04main"), "truncated")
    f.frame_error("truncated_join_voice_response_members",
                  "§3.2 step 4: count 2, one member id.",
                  prefixed(b"\x86\x04main\x00\x02\x00\x00\x00\x01"), "truncated")
    f.frame_error("truncated_error_message_length", "§3.2 step 4: Error with its code only.",
                  prefixed(b"\x89\x00\x01"), "truncated")
    f.frame_error("truncated_error_message",
                  "§3.2 step 4: message length 15, 4 bytes follow.",
                  prefixed(b"\x89\x00\x01\x0fmalf"), "truncated")
    f.frame_error("truncated_pong", "§3.2 step 4: 7 of the nonce's 8 bytes.",
                  prefixed(b"\x8a" + bytes(7)), "truncated")
    # Invalid UTF-8 (§2).
    f.frame_error("invalid_utf8_username", "§2: username byte 0xFF.",
                  prefixed(b"\x01\x01\x01\xff\x00\x01t"), "invalid_utf8")
    f.frame_error("invalid_utf8_token_cut_sequence", "§2: a token ending inside a UTF-8 sequence.",
                  prefixed(b"\x01\x01\x01a\x00\x02t\xc3"), "invalid_utf8")
    f.frame_error("invalid_utf8_overlong", "§2: an overlong encoding of NUL (C0 80).",
                  prefixed(b"\x02\x00\x02\xc0\x80"), "invalid_utf8")
    f.frame_error("invalid_utf8_surrogate", "§2: an encoded UTF-16 surrogate (ED A0 80).",
                  prefixed(b"\x02\x00\x03\xed\xa0\x80"), "invalid_utf8")
    f.frame_error("invalid_utf8_lone_continuation", "§2: a continuation byte alone (0x80).",
                  prefixed(b"\x04\x01\x80"), "invalid_utf8")
    f.frame_error("invalid_utf8_participant_username", "§2: in a participant's username.",
                  prefixed(b"\x81\x00\x00\x00\x02" + TOKEN_A + b"\x00\x01"
                           + b"\x00\x00\x00\x01\x02a\xfe\x00\x00"), "invalid_utf8")
    f.frame_error("invalid_utf8_chat_message_channel", "§2: in ChatMessage's channel.",
                  prefixed(b"\x84\x00\x00\x00\x01\x01\xff\x00\x01x"), "invalid_utf8")
    f.frame_error("invalid_utf8_error_message", "§2: in an Error's message.",
                  prefixed(b"\x89\x00\x01\x01\xfe"), "invalid_utf8")
    f.frame_error("invalid_utf8_before_a_truncated_field",
                  "§3.2 step 4 order: fields are read in order, so a bad username is reported "
                  "before the token that is cut short.",
                  prefixed(b"\x01\x01\x01\xff\x00\x09tok"), "invalid_utf8")
    # Invalid bools (§2).
    for value in (0x02, 0xFF):
        f.frame_error(f"invalid_bool_set_mute_0x{value:02x}",
                      f"§2: a bool byte 0x{value:02X}.", prefixed(bytes([0x03, value])),
                      "invalid_bool")
    f.frame_error("invalid_bool_user_muted", "§2: UserMuted with 0x02.",
                  prefixed(b"\x85\x00\x00\x00\x07\x02"), "invalid_bool")
    f.frame_error("invalid_bool_participant_muted", "§2: a participant's muted byte 0x80.",
                  prefixed(b"\x81\x00\x00\x00\x02" + TOKEN_A + b"\x00\x01"
                           + b"\x00\x00\x00\x01\x05alice\x80\x00"), "invalid_bool")
    f.frame_error("invalid_bool_before_trailing_bytes",
                  "§3.2 step 4 order: the bool is checked before the bytes after it.",
                  prefixed(b"\x03\x02\x00"), "invalid_bool")
    f.frame_error("invalid_utf8_before_trailing_bytes",
                  "§3.2 step 4 order: the string is checked before the bytes after it.",
                  prefixed(b"\x04\x01\xff\x00"), "invalid_utf8")
    # Trailing bytes (§3.2 step 4).
    f.frame_error("trailing_bytes_leave_voice", "§3.2 step 4: LeaveVoice with one more byte.",
                  prefixed(b"\x05\x00"), "trailing_bytes")
    f.frame_error("trailing_bytes_ping", "§3.2 step 4: Ping with a 9-byte nonce.",
                  prefixed(b"\x06" + bytes(9)), "trailing_bytes")
    f.frame_error("trailing_bytes_set_mute", "§3.2 step 4: SetMute with two bytes.",
                  prefixed(b"\x03\x01\x00"), "trailing_bytes")
    f.frame_error("trailing_bytes_chat_send",
                  "§3.2 step 4: text length 2, four bytes follow.",
                  prefixed(b"\x02\x00\x02abcd"), "trailing_bytes")
    f.frame_error("trailing_bytes_login_request", "§3.2 step 4: LoginRequest with one more byte.",
                  prefixed(frame_body(fr("login_request", version=1, username="a", token="t"))
                           + b"\x00"), "trailing_bytes")
    f.frame_error("trailing_bytes_join_voice_response",
                  "§3.2 step 4: count 1, two member ids.",
                  prefixed(b"\x86\x04main\x00\x01" + bytes(8)), "trailing_bytes")
    f.frame_error("trailing_bytes_error", "§3.2 step 4: an Error with one more byte.",
                  prefixed(frame_body(fr("error", code=1, message="malformed frame")) + b"!"),
                  "trailing_bytes")
    f.frame_error("trailing_bytes_pong", "§3.2 step 4: Pong with one more byte.",
                  prefixed(b"\x8a" + bytes(9)), "trailing_bytes")
    return f


def codec_packets() -> CodecFile:
    f = CodecFile("codec/packets.json")

    def resp(status, user_id=0):
        return {"type": "voice_auth_response", "status": status, "user_id": user_id}

    f.packet("voice_auth_request", "§4 0x01 VoiceAuthRequest: 16 token bytes.",
             {"type": "voice_auth_request", "token": TOKEN_A.hex()})
    f.packet("voice_auth_request_zero_token", "§4: any 16 bytes parse as a token.",
             {"type": "voice_auth_request", "token": bytes(16).hex()})
    f.packet("voice_auth_response_ok", "§4 0x02 VoiceAuthResponse: status 0 ok and the user id.",
             resp(OK, 1))
    for status, name in [(UNKNOWN_TOKEN, "unknown_token"), (TOKEN_IN_USE, "token_in_use"),
                         (ADDRESS_IN_USE, "address_in_use"),
                         (NOT_AUTHENTICATED, "not_authenticated")]:
        f.packet(f"voice_auth_response_{name}",
                 f"§4: status {status} {name}, user id 0.", resp(status))
    f.packet("voice_auth_response_unknown_status",
             "§4: unknown statuses are carried through as numbers.", resp(9))
    f.packet("voice_auth_response_status_255", "§4: status 255 parses.", resp(255))
    f.packet("voice_auth_response_error_status_with_user_id",
             "§4: the user id is 0 unless status is 0, but no check of §4 refuses another "
             "value: the parser carries it through.", resp(UNKNOWN_TOKEN, 5))
    f.packet("voice_data", "§4 0x03 VoiceData: user id, sequence, every remaining byte.",
             {"type": "voice_data", "user_id": 1, "sequence": 7, "payload": pattern(20).hex()})
    f.packet("voice_data_empty_payload", "§4: the payload may be empty (9 bytes).",
             {"type": "voice_data", "user_id": 1, "sequence": 0, "payload": ""})
    f.packet("voice_data_max_values", "§4: user id and sequence are u32.",
             {"type": "voice_data", "user_id": 2**32 - 1, "sequence": 2**32 - 1,
              "payload": "00"})
    f.packet("voice_data_exactly_max_datagram_size",
             "§4: 1200 bytes (the limit) pass: a 1191-byte payload.",
             {"type": "voice_data", "user_id": 3, "sequence": 1,
              "payload": pattern(1191).hex()})
    f.packet("voice_data_exactly_a_small_max_len",
             "§4: a datagram of exactly max_datagram_size (9 here) passes.",
             {"type": "voice_data", "user_id": 3, "sequence": 1, "payload": ""}, max_len=9)
    f.packet("keepalive", "§4 0x04 Keepalive: u64 nonce.",
             {"type": "keepalive", "nonce": 0x0102030405060708})
    f.packet("keepalive_nonce_zero", "§4 Keepalive nonce 0.", {"type": "keepalive", "nonce": 0})
    f.packet("keepalive_nonce_max", "§4: the nonce is u64.",
             {"type": "keepalive", "nonce": 2**64 - 1})
    return f


def codec_packet_errors() -> CodecFile:
    f = CodecFile("codec/packet_errors.json")
    f.packet_error("datagram_oversize", "§4: 1201 bytes > max_datagram_size.",
                   voice_data(1, 1, pattern(1192)), "oversize")
    f.packet_error("datagram_oversize_before_unknown_type",
                   "§4 order: length is checked before the type.", b"\x00" * 1201, "oversize")
    f.packet_error("datagram_oversize_small_limit", "§4: a 17-byte VoiceAuthRequest with limit 16.",
                   auth_request(TOKEN_A), "oversize", max_len=16)
    f.packet_error("datagram_truncated_empty", "§4: an empty datagram.", b"", "truncated")
    f.packet_error("datagram_truncated_auth_request_type_only",
                   "§4: VoiceAuthRequest without a token.", b"\x01", "truncated")
    f.packet_error("datagram_truncated_auth_request_token", "§4: 15 of the token's 16 bytes.",
                   auth_request(TOKEN_A)[:-1], "truncated")
    f.packet_error("datagram_truncated_auth_response",
                   "§4: VoiceAuthResponse, 3 of the user id's bytes.", auth_response(OK, 1)[:-1],
                   "truncated")
    f.packet_error("datagram_truncated_voice_data_sequence", "§4: VoiceData with 3 sequence bytes.",
                   voice_data(1, 1, b"")[:-1], "truncated")
    f.packet_error("datagram_truncated_voice_data_type_only", "§4: VoiceData with no fields.",
                   b"\x03", "truncated")
    f.packet_error("datagram_truncated_keepalive", "§4: Keepalive with 7 nonce bytes.",
                   keepalive(5)[:-1], "truncated")
    for value in (0x00, 0x05, 0x81, 0xFF):
        f.packet_error(f"datagram_unknown_type_0x{value:02x}",
                       f"§4: type 0x{value:02X} is not in §4.", bytes([value]) + bytes(16),
                       "unknown_type")
    f.packet_error("datagram_unknown_type_single_byte", "§4 order: the type before any field.",
                   b"\x09", "unknown_type")
    f.packet_error("datagram_trailing_bytes_auth_request", "§4: 17 token bytes.",
                   auth_request(TOKEN_A) + b"\x00", "trailing_bytes")
    f.packet_error("datagram_trailing_bytes_auth_response", "§4: a VoiceAuthResponse of 7 bytes.",
                   auth_response(OK, 1) + b"\x00", "trailing_bytes")
    f.packet_error("datagram_trailing_bytes_keepalive", "§4: a Keepalive of 10 bytes.",
                   keepalive(5) + b"\x00", "trailing_bytes")
    return f


# --------------------------------------------------------------------------------------------
# The model: voice.md §5–§8 as one object
# --------------------------------------------------------------------------------------------


class Bucket:
    """A token bucket (vectors.md §3): `burst` tokens, refilled at `per_second`, full when made.
    Kept in thousandths of a token so that time in whole milliseconds stays exact."""

    def __init__(self, rate: dict, now: int):
        self.per_second = rate["per_second"]
        self.capacity = rate["burst"] * 1000
        self.level = self.capacity
        self.at = now

    def take(self, now: int) -> bool:
        self.level = min(self.capacity, self.level + (now - self.at) * self.per_second)
        self.at = now
        if self.level < 1000:
            return False
        self.level -= 1000
        return True


class Outputs:
    """What the server did since the previous step."""

    def __init__(self):
        self.transmits = []  # ("tcp" | "udp", client, bytes), in the order written
        self.events = []
        self.closed = []

    def take(self) -> "Outputs":
        taken = Outputs()
        taken.transmits, taken.events, taken.closed = self.transmits, self.events, self.closed
        self.transmits, self.events, self.closed = [], [], []
        return taken


class Conn:
    """A management connection and, once logged in, its user (§5.1: one per connection)."""

    def __init__(self, client: str, uid: int, now: int, cfg: dict):
        self.client = client
        self.uid = uid
        self.opened = now
        self.buf = b""
        self.frames = Bucket(cfg["frame_rate"], now)
        self.last_frame = now
        self.username = None
        self.token = None
        self.muted = False
        self.channel = None
        self.chat = None
        self.voice = None
        self.addr = None  # the bound UDP address (a client name), §6.1
        self.addr_last = None


LEFT_REASONS = {"banned": "banned", "not_a_member": "not_a_member",
                "channel_not_found": "channel_removed"}


class Server:
    def __init__(self, fixture: dict, now: int, out: Outputs, firings: list, canonical: bool,
                 after_reset: bool):
        self.cfg = fixture["config"]
        self.channels = copy.deepcopy(fixture["channels"])
        self.now = now
        self.out = out
        self.firings = firings
        self.canonical = canonical
        self.after_reset = after_reset
        self.next_uid = 1
        self.logins = 0
        self.conns = {}  # client -> Conn
        self.bound = {}  # UDP address -> Conn
        self.replies = Bucket(self.cfg["unauthenticated_reply_rate"], now)

    # Outputs ----------------------------------------------------------------------------------

    def write(self, conn: Conn, value: dict):
        self.out.transmits.append(("tcp", conn.client, encode_frame(value)))

    def send_to(self, addr: str, data: bytes):
        self.out.transmits.append(("udp", addr, data))

    def event(self, etype: str, **members):
        self.out.events.append({"type": etype, **members})

    # State --------------------------------------------------------------------------------------

    def logged_in(self) -> list:
        return sorted((c for c in self.conns.values() if c.username is not None),
                      key=lambda c: c.uid)

    def channel(self, cid: str):
        return next((c for c in self.channels if c["id"] == cid), None)

    def refusal(self, username: str, cid: str):
        """§5.3 step 1, audio.md §7.2 step 5: exists, member, not banned."""
        ch = self.channel(cid)
        if ch is None:
            return "channel_not_found"
        if "members" in ch and username not in ch["members"]:
            return "not_a_member"
        if username in ch.get("banned", []):
            return "banned"
        return None

    def voice_members(self, cid: str) -> list:
        return [c for c in self.logged_in() if c.channel == cid]

    def stats(self) -> dict:
        users = self.logged_in()
        return {"connections": len(self.conns), "logged_in": len(users),
                "voice_bound": len(self.bound),
                "voice_members": sum(1 for c in users if c.channel is not None)}

    # Timers (§8) --------------------------------------------------------------------------------

    def deadlines(self) -> list:
        out = []
        for c in self.conns.values():
            if c.username is None:
                out.append((c.opened + self.cfg["login_timeout_ms"], c.uid, "login", c))
            else:
                out.append((c.last_frame + self.cfg["idle_timeout_ms"], c.uid, "idle", c))
            if c.addr is not None:
                out.append((c.addr_last + self.cfg["udp_timeout_ms"], c.uid, "udp", c))
        return sorted(out, key=lambda d: d[:3])

    def advance(self, now: int):
        """Fire every timer due by `now`, each at its deadline (vectors.md §4.2 step 1)."""
        while True:
            due = [d for d in self.deadlines() if d[0] <= now]
            if not due:
                break
            at, _, kind, conn = due[0]
            # Two firings at one instant could be handled in either order, with different
            # outputs: the scenarios keep them apart.
            assert not self.firings or self.firings[-1] != at, f"two timers fire at {at} ms"
            self.firings.append(at)
            self.now = at
            if kind == "login":
                self.fatal(conn, "login_timeout")
            elif kind == "idle":
                self.fatal(conn, "idle_timeout")
            else:
                self.unbind(conn, "expired")
        self.now = now

    # Connections (§5.1, §5.6) -------------------------------------------------------------------

    def connect(self, client: str):
        assert client not in self.conns, f"{client} already has a connection"
        if len(self.conns) >= self.cfg["max_connections"]:
            self.out.transmits.append(("tcp", client, error_frame("server_full")))
            self.out.closed.append(client)
            self.event("error", conn=client, error="server_full")
            return
        conn = Conn(client, self.next_uid, self.now, self.cfg)
        self.next_uid += 1
        self.conns[client] = conn
        self.event("connection_opened", conn=client, user_id=conn.uid)

    def refuse(self, conn: Conn, name: str):
        self.write(conn, fr("error", code=ERRORS[name][0], message=ERRORS[name][1]))
        self.event("error", conn=conn.client, error=name)

    def fatal(self, conn: Conn, name: str):
        self.refuse(conn, name)
        self.close(conn, "fatal_error")

    def close(self, conn: Conn, reason: str):
        """§5.6: the user leaves its channel, loses its token and binding, and is gone."""
        del self.conns[conn.client]
        if reason != "closed_by_peer":
            self.out.closed.append(conn.client)
        if conn.username is not None:
            others = self.logged_in()
            if conn.channel is not None:
                for other in others:
                    self.write(other, fr("user_left_voice", user_id=conn.uid,
                                         channel=conn.channel))
                self.event("voice_left", user_id=conn.uid, channel=conn.channel,
                           reason="logged_out")
                conn.channel = None
            conn.token = None
            if conn.addr is not None:
                self.unbind(conn, "logged_out")
            for other in others:
                self.write(other, fr("user_left", user_id=conn.uid))
        self.event("connection_closed", conn=conn.client, user_id=conn.uid, reason=reason)

    def peer_closed(self, client: str):
        self.close(self.conns[client], "closed_by_peer")

    def reset(self):
        """vectors.md §4.1, §6.3: every connection is sent server_closing and closed; the
        caller then starts a fresh server. Nothing else is sent on a closing connection (§5.6)."""
        for conn in sorted(self.conns.values(), key=lambda c: c.uid):
            self.refuse(conn, "server_closing")
            if conn.channel is not None:
                self.event("voice_left", user_id=conn.uid, channel=conn.channel,
                           reason="logged_out")
            if conn.addr is not None:
                self.event("voice_unbound", user_id=conn.uid, addr=conn.addr,
                           reason="logged_out")
            self.event("connection_closed", conn=conn.client, user_id=conn.uid,
                       reason="server_closing")
            self.out.closed.append(conn.client)

    # Frames (§3.2, §5.1) ------------------------------------------------------------------------

    def receive(self, client: str, data: bytes):
        conn = self.conns[client]
        conn.buf += data
        while self.conns.get(client) is conn:
            got = parse_frame(conn.buf, self.cfg["max_frame_len"])
            if got[0] == "incomplete":
                return
            if got[0] == "error":
                kind = got[1]
                self.fatal(conn, "frame_too_large" if kind == "frame_too_large"
                           else "malformed_frame")
                return
            _, value, used = got
            conn.buf = conn.buf[used:]
            self.handle(conn, value)

    def handle(self, conn: Conn, value: dict):
        if not conn.frames.take(self.now):
            return self.fatal(conn, "too_many_frames")
        conn.last_frame = self.now
        ftype = value["type"]
        if ftype in SERVER_FRAMES:
            return self.fatal(conn, "malformed_frame")
        if ftype == "ping":
            return self.write(conn, fr("pong", nonce=value["nonce"]))
        if conn.username is None:
            if ftype != "login_request":
                return self.refuse(conn, "not_logged_in")
            return self.login(conn, value)
        if ftype == "login_request":
            return self.refuse(conn, "already_logged_in")
        {"chat_send": self.chat, "set_mute": self.set_mute, "join_voice": self.join,
         "leave_voice": self.leave}[ftype](conn, value)

    # Login (§5.2) -------------------------------------------------------------------------------

    def verify(self, tok: str, username: str):
        def at(ms):
            return check_token(tok, username, wall(ms), self.cfg)

        result = at(self.now)
        if self.canonical and (at(self.now - 1000) != result or at(self.now + 1000) != result):
            # The outcome depends on the wall-clock second (vectors.md §4.3).
            check_second(self.now, self.after_reset)
        return result

    def login(self, conn: Conn, value: dict):
        username = value["username"]
        if value["version"] != PROTOCOL_VERSION:
            return self.fatal(conn, "unsupported_version")
        if not USERNAME.fullmatch(username.encode()):
            return self.fatal(conn, "invalid_username")
        problem = self.verify(value["token"], username)
        if problem:
            return self.fatal(conn, problem)
        others = self.logged_in()
        if any(o.username == username for o in others):
            return self.fatal(conn, "username_taken")
        conn.username = username
        conn.token = voice_token(self.logins)
        self.logins += 1
        conn.chat = Bucket(self.cfg["chat_rate"], self.now)
        conn.voice = Bucket(self.cfg["voice_rate"], self.now)
        self.write(conn, fr("login_response", user_id=conn.uid, voice_token=conn.token.hex(),
                            participants=[participant(o.uid, o.username, o.muted,
                                                      o.channel or "") for o in others]))
        for other in others:
            self.write(other, fr("user_joined", user_id=conn.uid, username=username))
        self.event("logged_in", user_id=conn.uid, username=username)

    # Voice channels, mute, chat (§5.3–§5.5) -----------------------------------------------------

    def join(self, conn: Conn, value: dict):
        cid = value["channel"]
        problem = self.refusal(conn.username, cid)
        if problem:
            return self.refuse(conn, problem)
        if conn.channel == cid:
            return self.write(conn, fr("join_voice_response", channel=cid, members=[
                m.uid for m in self.voice_members(cid) if m is not conn]))
        limit = self.channel(cid).get("max_users", self.cfg["default_max_users_per_channel"])
        if len(self.voice_members(cid)) >= limit:
            return self.refuse(conn, "channel_full")
        if conn.channel is not None:
            self.leave_channel(conn, "switched")
        conn.channel = cid
        self.write(conn, fr("join_voice_response", channel=cid, members=[
            m.uid for m in self.voice_members(cid) if m is not conn]))
        for other in self.logged_in():
            if other is not conn:
                self.write(other, fr("user_joined_voice", user_id=conn.uid, channel=cid))
        self.event("voice_joined", user_id=conn.uid, channel=cid)

    def leave_channel(self, conn: Conn, reason: str):
        cid, conn.channel = conn.channel, None
        for other in self.logged_in():
            self.write(other, fr("user_left_voice", user_id=conn.uid, channel=cid))
        self.event("voice_left", user_id=conn.uid, channel=cid, reason=reason)

    def leave(self, conn: Conn, _value: dict):
        if conn.channel is None:
            return self.refuse(conn, "not_in_voice")
        self.leave_channel(conn, "left")

    def set_mute(self, conn: Conn, value: dict):
        muted = value["muted"]
        if muted == conn.muted:
            return self.write(conn, fr("user_muted", user_id=conn.uid, muted=muted))
        conn.muted = muted
        for other in self.logged_in():
            self.write(other, fr("user_muted", user_id=conn.uid, muted=muted))
        self.event("user_muted", user_id=conn.uid, muted=muted)

    def chat(self, conn: Conn, value: dict):
        text = value["text"]
        if conn.channel is None:
            return self.refuse(conn, "not_in_voice")
        if not 1 <= len(text.encode()) <= self.cfg["max_chat_len"]:
            return self.refuse(conn, "bad_chat_length")
        if not conn.chat.take(self.now):
            return self.refuse(conn, "rate_limited")
        for member in self.voice_members(conn.channel):
            self.write(member, fr("chat_message", user_id=conn.uid, channel=conn.channel,
                                  text=text))
        self.event("chat_message", user_id=conn.uid, channel=conn.channel, text=text)

    # Directory (§7) -----------------------------------------------------------------------------

    def change_directory(self, change: dict):
        ((op, arg),) = change.items()
        if op == "add_channel":
            assert self.channel(arg["id"]) is None
            self.channels.append(copy.deepcopy(arg))
        elif op == "remove_channel":
            ch = self.channel(arg["channel"])
            assert ch is not None
            self.channels.remove(ch)
        else:
            ch, user = self.channel(arg["channel"]), arg["user"]
            if op in ("add_member", "remove_member"):
                # On an open channel these would also change who else is admitted: not used.
                assert "members" in ch
            listed = ch.setdefault("banned" if op in ("ban", "unban") else "members", [])
            if op in ("ban", "add_member"):
                assert user not in listed
                listed.append(user)
            else:
                listed.remove(user)
        removed = [c for c in self.logged_in()
                   if c.channel is not None and self.refusal(c.username, c.channel)]
        if len(removed) > 1:
            # Each removal's UserLeftVoice goes to everyone; §7 does not say in which order the
            # members are removed, so the frames on one connection could come in either order.
            raise Ambiguous("one directory change removing several voice members")
        for conn in removed:
            problem = self.refusal(conn.username, conn.channel)
            self.refuse(conn, problem)
            self.leave_channel(conn, LEFT_REASONS[problem])

    # Datagrams (§4, §6) -------------------------------------------------------------------------

    def datagram(self, addr: str, data: bytes):
        got = parse_packet(data, self.cfg["max_datagram_size"])
        conn = self.bound.get(addr)
        if got[0] == "error":
            # §6.3: dropped silently. Whether it refreshes a binding (§6.2 "every datagram")
            # is not settled; the scenarios never let a binding's deadline depend on it.
            self.event("error", addr=addr, error="malformed_datagram")
            return
        if conn is not None:
            conn.addr_last = self.now
        packet = got[1]
        ptype = packet["type"]
        if ptype == "voice_auth_request":
            self.authenticate(addr, bytes.fromhex(packet["token"]))
        elif ptype == "voice_auth_response":
            self.event("error", addr=addr, error="unexpected_packet")
        elif conn is None:
            self.reply(addr, NOT_AUTHENTICATED, "not_authenticated")
        elif ptype == "keepalive":
            self.send_to(addr, data)
        else:
            self.relay(conn, packet, data)

    def reply(self, addr: str, status: int, name: str):
        """A refusal; §6.3: every refusal, bound sender or not, takes from one server-wide
        budget."""
        self.event("error", addr=addr, error=name)
        if not self.replies.take(self.now):
            return
        self.send_to(addr, auth_response(status))

    def authenticate(self, addr: str, tok: bytes):
        """§6.1."""
        owner = next((c for c in self.logged_in() if c.token == tok), None)
        if owner is None:
            return self.reply(addr, UNKNOWN_TOKEN, "unknown_token")
        if owner.addr is not None and owner.addr != addr:
            return self.reply(addr, TOKEN_IN_USE, "token_in_use")
        holder = self.bound.get(addr)
        if holder is not None and holder is not owner:
            return self.reply(addr, ADDRESS_IN_USE, "address_in_use")
        if owner.addr is None:
            owner.addr, owner.addr_last = addr, self.now
            self.bound[addr] = owner
            self.event("voice_bound", user_id=owner.uid, addr=addr)
        self.send_to(addr, auth_response(OK, owner.uid))

    def unbind(self, conn: Conn, reason: str):
        del self.bound[conn.addr]
        self.event("voice_unbound", user_id=conn.uid, addr=conn.addr, reason=reason)
        conn.addr = None

    def relay(self, conn: Conn, packet: dict, data: bytes):
        """§6.2 VoiceData from a bound address."""
        if packet["user_id"] != conn.uid:
            problem = "user_mismatch"
        elif conn.channel is None:
            problem = "not_in_voice"
        elif conn.muted:
            problem = "sender_muted"
        elif not conn.voice.take(self.now):
            problem = "rate_limited"
        else:
            for member in self.voice_members(conn.channel):
                if member is not conn and member.addr is not None:
                    self.send_to(member.addr, data)
            self.event("voice_data", user_id=conn.uid, channel=conn.channel,
                       sequence=packet["sequence"], payload=packet["payload"])
            return
        self.event("error", addr=conn.addr, error=problem)


# --------------------------------------------------------------------------------------------
# Scenario DSL
# --------------------------------------------------------------------------------------------

TCP_INPUTS = ("connect", "tcp", "close")
OPERATOR_INPUTS = ("directory", "reset")
STAGGER_MS = 100  # between the steps of `logins`, `joins` and `auths`


class Runner:
    """Feeds a scenario's inputs to the model, each at its instant, and collects per step."""

    def __init__(self, fixture: dict, canonical: bool):
        self.fixture = fixture
        self.canonical = canonical
        self.out = Outputs()
        self.firings = []
        self.server = Server(fixture, 0, self.out, self.firings, canonical, after_reset=False)

    def step(self, now: int, kind: str, arg) -> Outputs:
        self.server.advance(now)
        if self.canonical:
            # A step meant to come before a deadline (or to move it) is well before it
            # (vectors.md §4.3): a late input must not find the timer already fired.
            soon = [d for d, _, _, _ in self.server.deadlines() if d - now < MARGIN_MS]
            assert not soon, f"a deadline at {soon[0]} ms is too near the step at {now} ms"
        if kind == "connect":
            self.server.connect(arg)
        elif kind == "tcp":
            self.server.receive(*arg)
        elif kind == "close":
            self.server.peer_closed(arg)
        elif kind == "datagram":
            self.server.datagram(*arg)
        elif kind == "directory":
            self.server.change_directory(arg)
        elif kind == "reset":
            self.server.reset()
            self.server = Server(self.fixture, now, self.out, self.firings, self.canonical,
                                 after_reset=True)
        return self.out.take()


def subject(event: dict):
    """vectors.md §6.4: events are ordered per user id, else per connection or address."""
    if "user_id" in event:
        return ("user", event["user_id"])
    return ("conn", event["conn"]) if "conn" in event else ("addr", event["addr"])


def comparable(got: Outputs):
    """A step's outputs as the runner compares them (vectors.md §4.1, §6.3, §6.4)."""
    tcp, udp, events = {}, [], {}
    for kind, client, data in got.transmits:
        if kind == "tcp":
            tcp[client] = tcp.get(client, b"") + data
        else:
            udp.append((client, data))
    for event in got.events:
        events.setdefault(subject(event), []).append(event)
    return (sorted(tcp.items()), sorted(udp), sorted(got.closed),
            sorted(events.items(), key=lambda item: repr(item[0])))


def jitter(name: str, seed: int, batch: int) -> int:
    digest = hashlib.sha256(f"{name}/{seed}/{batch}".encode()).digest()
    return digest[0] % (JITTER_MS + 1)


class Scenario:
    def __init__(self, name, description, covers, overrides=None):
        self.doc = {"name": name, "description": description, "covers": covers}
        self.fixture = fixture()
        if overrides:
            self.doc["fixture_overrides"] = overrides
            self.fixture["config"].update(overrides.get("config", {}))
            if "channels" in overrides:
                self.fixture["channels"] = copy.deepcopy(overrides["channels"])
        self.runner = Runner(self.fixture, canonical=True)
        self.inputs = []  # (at_ms, kind, client, arg)
        self.outputs = []  # comparable outputs per step
        self.steps = []
        self.ms = 0

    def at(self, ms: int) -> "Scenario":
        assert ms >= self.ms, "at_ms must not decrease"
        self.ms = ms
        return self

    # Inputs -------------------------------------------------------------------------------------

    def _check_batch(self, kind: str, client):
        """Live mode sends the inputs of one instant back to back; a real server may take
        inputs on different sockets in any order. So an instant holds datagrams, or one
        client's management inputs, not both; and an operator's change has its own instant
        (vectors.md §4.3)."""
        same = [(k, c) for t, k, c, _ in self.inputs if t == self.ms and k != "tick"]
        if kind in OPERATOR_INPUTS:
            assert all(k in OPERATOR_INPUTS for k, _ in same), (
                f"{self.doc['name']}: operator step at {self.ms} ms after another input")
        elif kind in TCP_INPUTS:
            assert all(k in TCP_INPUTS and c == client for k, c in same), (
                f"{self.doc['name']}: {kind} from {client} at {self.ms} ms shares its instant")
        elif kind == "datagram":
            assert all(k == "datagram" for k, _ in same), (
                f"{self.doc['name']}: datagram at {self.ms} ms shares its instant")

    def _step(self, kind, arg, input_json: dict, note: str, stats: bool, client=None):
        if kind != "tick":
            self._check_batch(kind, client)
        self.inputs.append((self.ms, kind, client, arg))
        got = self.runner.step(self.ms, kind, arg)
        self.outputs.append(comparable(got))
        transmits = [{"to": to, "tcp" if k == "tcp" else "hex": data.hex()}
                     for k, to, data in got.transmits]
        expect = {"transmits": transmits, "events": got.events}
        if got.closed:
            expect["closed"] = got.closed
        if stats:
            expect["stats"] = self.runner.server.stats()
        self.steps.append({"at_ms": self.ms, "note": note, **input_json, "expect": expect})
        return got

    def connect(self, client, note=None, st=False):
        assert client in CLIENTS, client
        return self._step("connect", client, {"connect": client},
                          note or f"{client} opens a connection", st, client)

    def tcp(self, client, data: bytes, note, st=False):
        return self._step("tcp", (client, data), {"from": client, "tcp": data.hex()}, note, st,
                          client)

    def send(self, client, ftype, note, st=False, **fields):
        """One well-formed frame."""
        return self.tcp(client, frame(ftype, **fields), note, st)

    def close(self, client, note=None, st=False):
        return self._step("close", client, {"close": client},
                          note or f"{client} closes its connection", st, client)

    def datagram(self, client, data: bytes, note, st=False):
        assert client in CLIENTS, client
        return self._step("datagram", (client, data), {"from": client, "send": data.hex()},
                          note, st, client)

    def directory(self, change: dict, note, st=False):
        return self._step("directory", change, {"directory": change}, note, st)

    def reset(self, note, st=False):
        return self._step("reset", None, {"reset": True}, note, st)

    def tick(self, note, st=False):
        return self._step("tick", None, {"tick": True}, note, st)

    # Common exchanges ---------------------------------------------------------------------------

    def conn(self, client) -> Conn:
        return self.runner.server.conns[client]

    def uid(self, client) -> int:
        return self.conn(client).uid

    def login(self, client, username=None, tok=None, version=PROTOCOL_VERSION, note=None,
              st=False):
        """Open a connection and send a LoginRequest at this instant."""
        username = client if username is None else username
        self.connect(client)
        return self.tcp(client, frame("login_request", version=version, username=username,
                                      token=token(username) if tok is None else tok),
                        note or f"{client} logs in as {username!r}", st)

    def join(self, client, channel, note=None, st=False):
        return self.send(client, "join_voice", note or f"{client} joins {channel}", st,
                         channel=channel)

    def auth(self, client, owner=None, note=None, st=False):
        """A VoiceAuthRequest from `client` with the live token of `owner`'s login."""
        owner = owner or client
        tok = self.conn(owner).token
        return self.datagram(client, auth_request(tok),
                             note or f"{client} authenticates with {owner}'s voice token", st)

    def speak(self, client, sequence, payload=None, user_id=None, note=None, st=False):
        """VoiceData from `client`'s address, by default as its own user."""
        user_id = self.uid(client) if user_id is None else user_id
        payload = pattern(20, seed=sequence) if payload is None else payload
        return self.datagram(client, voice_data(user_id, sequence, payload),
                             note or f"{client} sends voice #{sequence}", st)

    # A scenario's cast usually arrives one client at a time: these take a step every
    # STAGGER_MS from the current instant, in the order given (so user ids follow that order).

    def _staggered(self, items):
        start = self.ms
        for i, item in enumerate(items):
            self.at(start + STAGGER_MS * i)
            yield item

    def logins(self, *clients):
        """Each client logs in as itself."""
        for client in self._staggered(clients):
            self.login(client)

    def joins(self, channel, *clients):
        """Each client joins `channel`."""
        for client in self._staggered(clients):
            self.join(client, channel)

    def auths(self, *clients):
        """Each client authenticates with its own voice token."""
        for client in self._staggered(clients):
            self.auth(client)

    @staticmethod
    def expect(got: Outputs, *, tcp=(), udp=(), closed=()):
        """Asserts what the model produced against what the scenario's author expects from the
        spec, for the steps that carry a scenario's point."""
        want = Outputs()
        want.transmits = ([("tcp", c, data) for c, data in tcp]
                          + [("udp", c, data) for c, data in udp])
        want.closed = list(closed)
        want.events = got.events
        assert comparable(got) == comparable(want), (got.transmits, got.closed)

    # Output and self-checks ---------------------------------------------------------------------

    def check(self):
        name = self.doc["name"]
        last = self.ms
        # The quiet tail (vectors.md §4.2): nothing for 250 ms after the last step, and no timer
        # within 250 ms of its end either.
        self.runner.server.advance(last + 2 * MARGIN_MS)
        tail = self.runner.out.take()
        assert not (tail.transmits or tail.events or tail.closed), f"{name}: output in the tail"
        times = sorted({t for t, _, _, _ in self.inputs})
        for fired in self.runner.firings:
            near = [t for t in times if abs(fired - t) < MARGIN_MS]
            assert not near, f"{name}: a timer fires at {fired} ms, near steps {near}"
        # Late inputs (live mode) must not change any step's outputs.
        for seed in range(8):
            runner = Runner(self.fixture, canonical=False)
            batch, previous, now = -1, None, 0
            for (at_ms, kind, _, arg), want in zip(self.inputs, self.outputs):
                key = (at_ms, kind in OPERATOR_INPUTS)
                if key != previous or kind in OPERATOR_INPUTS:
                    batch += 1
                    previous = key
                    now = max(now, at_ms + jitter(name, seed, batch))
                got = comparable(runner.step(now, kind, arg))
                assert got == want, f"{name}: step at {at_ms} ms differs when {now - at_ms} ms late"

    def document(self):
        self.check()
        return dict(self.doc, steps=self.steps)


def fixture() -> dict:
    return {"secret": SECRET, "wall_clock_start": START, "rng_seed": RNG_SEED,
            "clients": list(CLIENTS), "config": copy.deepcopy(CONFIG),
            "channels": copy.deepcopy(CHANNELS)}


# --------------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------------


def burst_and_refill(rate: str) -> tuple[int, int]:
    """The fixture's `rate`: its burst, and the milliseconds one token takes to come back."""
    return CONFIG[rate]["burst"], refill_ms(CONFIG[rate])


def err(name: str) -> bytes:
    return error_frame(name)


def login_response(user_id, n, participants) -> bytes:
    return frame("login_response", user_id=user_id, voice_token=voice_token(n).hex(),
                 participants=participants)


def login_scenarios():
    out = []

    s = Scenario("login_and_presence",
                 "Logging in returns the user id, a voice token and everyone else who is logged "
                 "in with their mute state and voice channel; the others learn of the newcomer, "
                 "and of a user who leaves.",
                 ["§5.1 user ids 1, 2, 3… in accept order", "§5.2 LoginResponse then UserJoined",
                  "§5.2 participants: every other user in ascending id, muted, channel",
                  "§5.2 a new user is unmuted and in no channel",
                  "§5.7 voice tokens derived from rng_seed, one per login",
                  "§5.6 UserLeftVoice then UserLeft to the others"])
    got = s.at(0).login("alice", st=True)
    s.expect(got, tcp=[("alice", login_response(1, 0, []))])
    got = s.at(100).login("bob")
    s.expect(got, tcp=[("bob", login_response(2, 1, [participant(1, "alice", False, "")])),
                       ("alice", frame("user_joined", user_id=2, username="bob"))])
    s.at(200).send("alice", "set_mute", "alice mutes", muted=True)
    s.at(300).join("bob", "main")
    got = s.at(400).login("carol", st=True)
    s.expect(got, tcp=[("carol", login_response(3, 2, [participant(1, "alice", True, ""),
                                                      participant(2, "bob", False, "main")])),
                       ("alice", frame("user_joined", user_id=3, username="carol")),
                       ("bob", frame("user_joined", user_id=3, username="carol"))])
    got = s.at(500).close("bob", st=True)
    left = frame("user_left_voice", user_id=2, channel="main") + frame("user_left", user_id=2)
    s.expect(got, tcp=[("alice", left), ("carol", left)])
    s.at(600).login("dave", note="dave sees alice (muted) and carol; bob is gone")
    out.append(s)

    s = Scenario("user_ids_in_accept_order",
                 "Every accepted connection takes the next user id, logged in or not; voice "
                 "tokens count successful logins, not connections.",
                 ["§5.1 the next user id per accepted connection",
                  "§5.7 token n counts successful logins from 0",
                  "§5.2 participants in ascending user id"])
    s.at(0).connect("stranger", "stranger connects: user id 1, never logs in")
    s.at(100).connect("dave", "dave connects: user id 2")
    s.at(200).close("stranger")
    got = s.at(300).login("alice", note="alice's connection is the third: user id 3, token 0")
    s.expect(got, tcp=[("alice", login_response(3, 0, []))])
    s.at(400).send("dave", "login_request", "dave logs in: user id 2, token 1", version=1,
                   username="dave", token=token("dave"))
    got = s.at(500).login("bob", note="bob: user id 4; participants dave (2) before alice (3)")
    s.expect(got, tcp=[("bob", login_response(4, 2, [participant(2, "dave", False, ""),
                                                    participant(3, "alice", False, "")])),
                       ("alice", frame("user_joined", user_id=4, username="bob")),
                       ("dave", frame("user_joined", user_id=4, username="bob"))])
    out.append(s)

    s = Scenario("login_refused_version_and_username",
                 "A LoginRequest with another version or an invalid username is refused with its "
                 "Error and the connection closed; the version is checked first, then the "
                 "username, then the token.",
                 ["§5.2 step 1 unsupported_version", "§5.2 step 2 invalid_username: 1–32 bytes "
                  "of A–Z a–z 0–9 _ - .", "§5.2 order: version, username, token",
                  "§5.2 every login failure is fatal", "§10 codes 3 and 6"])
    cases = [
        (0, "alice", token("alice"), "version 0"),
        (2, "alice", token("alice"), "version 2"),
        (2, "bad name", "not-a-jwt", "version 2, an invalid username and a bad token: version"),
        (1, "", token(""), "an empty username"),
        (1, "a" * 33, token("a" * 33), "a 33-byte username"),
        (1, "al ice", token("al ice"), "a space"),
        (1, "ålice", token("ålice"), "a letter outside ASCII"),
        (1, "alice/1", token("alice/1"), "a slash"),
        (1, "bob!", token("bob!"), "an exclamation mark"),
        (1, "bad name", "not-a-jwt", "an invalid username and a bad token: username"),
    ]
    for i, (version, username, tok, why) in enumerate(cases):
        got = s.at(100 * i).login("stranger", username, tok, version, note=f"refused: {why}")
        problem = "unsupported_version" if version != 1 else "invalid_username"
        s.expect(got, tcp=[("stranger", err(problem))], closed=["stranger"])
    longest = "Az09_-." + "x" * 25
    assert len(longest) == 32
    s.at(1000).login("stranger", longest,
                     note="32 bytes of every allowed kind of character: accepted")
    s.at(1100).login("dave", "A.b-c_9", note="a short name of every kind: accepted", st=True)
    out.append(s)

    s = Scenario("login_refused_token",
                 "Tokens are checked as audio's: HS256 with the shared secret, exp required, nbf "
                 "honoured, leeway jwt_leeway_secs, at most max_token_len, sub equal to the "
                 "username. Failures are invalid_token, or token_expired when only exp fails; "
                 "the edges of the leeway and of the length pass.",
                 ["§5.2 step 3 invalid_token", "§5.2 step 3 token_expired when only exp fails",
                  "§5.2 step 3 max_token_len", "§5.2 step 3 sub must equal the username",
                  "audio.md §4 alg HS256 only, exp required, nbf, leeway",
                  "§5.2 every login failure is fatal", "§10 codes 4 and 5"])
    now = wall(0)
    too_long = token_of_length("alice", CONFIG["max_token_len"] + 1)
    refusals = [
        (jwt(claims("alice"), secret="wrong-secret"), "invalid_token", "another secret"),
        (jwt(claims("alice"), header={"alg": "none", "typ": "JWT"}, alg_none=True),
         "invalid_token", "alg none, no signature"),
        (jwt(claims("alice"), header={"alg": "HS512", "typ": "JWT"}), "invalid_token",
         "alg HS512"),
        (jwt(claims("alice"), header={"alg": "hs256", "typ": "JWT"}), "invalid_token",
         "alg hs256: names are case-sensitive"),
        (jwt(claims("alice"), header={"typ": "JWT"}), "invalid_token", "no alg"),
        (token("alice", exp=None), "invalid_token", "no exp"),
        (jwt({"sub": "alice", "iat": START - 60, "exp": str(START + 3600)}), "invalid_token",
         "exp is a string"),
        (jwt(claims(None)), "invalid_token", "no sub"),
        (token("bob"), "invalid_token", "a valid token for bob"),
        ("abc.def.ghi", "invalid_token", "three segments that are not a JWT"),
        ("", "invalid_token", "an empty token"),
        (too_long, "invalid_token", "a valid token one byte over max_token_len"),
        (token("alice", exp=START - 3600), "token_expired", "expired an hour ago"),
        (jwt(claims("alice", exp=START - 3600), secret="wrong-secret"), "invalid_token",
         "expired and badly signed: not only exp fails"),
        (token("alice", exp=now - 6), "token_expired", "exp + leeway is a second ago"),
        (token("alice", nbf=now + 6), "invalid_token", "nbf is a second beyond the leeway"),
    ]
    ms = 0
    for tok, problem, why in refusals:
        got = s.at(ms).login("stranger", "alice", tok, note=f"alice refused: {why}")
        s.expect(got, tcp=[("stranger", err(problem))], closed=["stranger"])
        ms += 50
    s.at(ms).login("dave", tok=token("dave", exp=now - 5), note="exp + leeway is now: accepted")
    s.at(ms + 50).login("erin", tok=token("erin", nbf=now + 5),
                        note="nbf is now + leeway: accepted")
    s.at(ms + 100).login("carol", tok=token_of_length("carol", CONFIG["max_token_len"]),
                         note="a token of exactly max_token_len: accepted")
    s.at(ms + 150).login("bob", tok=jwt(claims("bob", aud="hark", iss="issuer", role="x"),
                                        header={"typ": "JWT", "alg": "HS256", "kid": "k1"}),
                         note="other claims and header members are ignored", st=True)
    out.append(s)

    s = Scenario("username_taken",
                 "A username already logged in is refused (fatal) and the first login keeps it; "
                 "the token is checked before the name; names are case-sensitive; a closed "
                 "connection frees its name.",
                 ["§5.2 step 4 username_taken", "§5.2 order: token before uniqueness",
                  "§5.2 usernames compare byte for byte", "§11.4 a second login is refused, "
                  "not a replacement", "§10 code 7"])
    s.at(0).login("alice")
    got = s.at(100).login("alice_phone", "alice", note="a second login as alice")
    s.expect(got, tcp=[("alice_phone", err("username_taken"))], closed=["alice_phone"])
    s.at(200).login("alice_phone", "alice", tok=token("alice", exp=START - 3600),
                    note="an expired token for the taken name: token_expired")
    s.at(300).login("alice_phone", "alice", tok=jwt(claims("alice"), secret="x"),
                    note="a bad token for the taken name: invalid_token")
    got = s.at(400).login("carol", "Alice", note="Alice is not alice", st=True)
    s.expect(got, tcp=[("carol", login_response(5, 1, [participant(1, "alice", False, "")])),
                       ("alice", frame("user_joined", user_id=5, username="Alice"))])
    s.at(500).close("alice")
    s.at(600).login("alice_phone", "alice", note="alice's name is free again", st=True)
    out.append(s)

    s = Scenario("not_logged_in_and_already_logged_in",
                 "Before login every frame but LoginRequest and Ping is refused with "
                 "not_logged_in; after login a LoginRequest is refused with already_logged_in, "
                 "whatever it holds. Neither is fatal; Ping is answered either way.",
                 ["§5.1 step 3 Ping answered logged in or not",
                  "§5.1 step 4 not_logged_in, already_logged_in, not fatal",
                  "§3 several frames in one write", "§10 codes 8 and 9"])
    s.at(0).connect("stranger")
    chat = frame("chat_send", text="hi")
    mute = frame("set_mute", muted=True)
    join = frame("join_voice", channel="main")
    leave = frame("leave_voice")
    got = s.at(100).tcp("stranger", chat + mute + join + leave,
                        "four frames in one write, before login")
    s.expect(got, tcp=[("stranger", err("not_logged_in") * 4)])
    s.at(200).send("stranger", "ping", "Ping before login", nonce=42)
    s.at(300).send("stranger", "login_request", "stranger logs in as dave", version=1,
                   username="dave", token=token("dave"))
    got = s.at(400).send("stranger", "login_request", "the same LoginRequest again", version=1,
                         username="dave", token=token("dave"))
    s.expect(got, tcp=[("stranger", err("already_logged_in"))])
    s.at(500).send("stranger", "login_request",
                   "another version and an invalid name: still already_logged_in", version=7,
                   username="x y", token="")
    s.at(600).send("stranger", "ping", "Ping after login", nonce=2**64 - 1, st=True)
    out.append(s)

    s = Scenario("server_full",
                 "With max_connections open, a new connection is sent server_full and closed, "
                 "and takes no user id; a logged-out one counts as much as a logged-in one.",
                 ["§5.1 max_connections: server_full, fatal, no id", "§10 code 20"],
                 overrides={"config": {"max_connections": 2}})
    s.at(0).login("alice")
    s.at(100).connect("bob", "bob connects, not logged in: 2 connections", st=True)
    got = s.at(200).connect("carol", "a third connection")
    s.expect(got, tcp=[("carol", err("server_full"))], closed=["carol"])
    s.at(300).close("bob")
    s.at(400).connect("carol", "room again: carol gets user id 3")
    got = s.at(500).send("carol", "login_request", "carol logs in", version=1,
                         username="carol", token=token("carol"), st=True)
    s.expect(got, tcp=[("carol", login_response(3, 1, [participant(1, "alice", False, "")])),
                       ("alice", frame("user_joined", user_id=3, username="carol"))])
    out.append(s)
    return out


def framing_scenarios():
    out = []
    s = Scenario("frames_split_and_coalesced",
                 "TCP is a byte stream: a frame may arrive in pieces, inside its length prefix "
                 "too, and several frames may arrive together; each is handled when complete.",
                 ["§3.2 step 1 incomplete: wait for more", "§3 frames on a stream"])
    login = frame("login_request", version=1, username="alice", token=token("alice"))
    s.at(0).connect("alice")
    s.at(0).tcp("alice", login[:1], "one byte of the length")
    s.at(100).tcp("alice", login[1:10], "the rest of the length and part of the body")
    got = s.at(200).tcp("alice", login[10:], "the rest: logged in")
    s.expect(got, tcp=[("alice", login_response(1, 0, []))])
    ping1, ping2 = frame("ping", nonce=1), frame("ping", nonce=2)
    s.at(300).tcp("alice", ping1 + ping2, "two Pings in one write: two Pongs")
    s.at(400).tcp("alice", ping1 + ping2[:3], "a Ping and the start of another: one Pong")
    s.at(500).tcp("alice", ping2[3:], "the rest of the second Ping: its Pong")
    join, mute = frame("join_voice", channel="main"), frame("set_mute", muted=True)
    s.at(600).tcp("alice", join + mute[:2], "JoinVoice and a SetMute's length")
    got = s.at(700).tcp("alice", mute[2:], "the SetMute's body")
    s.expect(got, tcp=[("alice", frame("user_muted", user_id=1, muted=True))])
    out.append(s)

    s = Scenario("frame_too_large",
                 "A length over max_frame_len is refused as soon as its two bytes arrive, fatally; "
                 "the user leaves as on any close. A body of exactly max_frame_len is a frame.",
                 ["§3.2 step 2 frame_too_large without waiting for the body",
                  "§3 max_frame_len", "§5.6 leaving after a fatal error", "§10 code 2"])
    s.at(0).logins("alice", "bob")
    s.at(200).joins("main", "alice", "bob")
    got = s.at(400).tcp("alice", b"\x10\x01", "alice sends the length 4097 alone")
    left = frame("user_left_voice", user_id=1, channel="main") + frame("user_left", user_id=1)
    s.expect(got, tcp=[("alice", err("frame_too_large")), ("bob", left)], closed=["alice"])
    got = s.at(500).send("bob", "chat_send",
                         "a ChatSend whose body is exactly 4096 bytes: a frame, refused by chat",
                         text="x" * (CONFIG["max_frame_len"] - 3))
    s.expect(got, tcp=[("bob", err("bad_chat_length"))])
    s.at(600).tick("bob is still connected", st=True)
    out.append(s)

    s = Scenario("malformed_frames",
                 "Every frame that does not parse is answered malformed_frame and closes the "
                 "connection. A logged-in user leaves as on any close and its voice token is "
                 "revoked.",
                 ["§3.2 empty_frame, unknown_type, truncated, invalid_utf8, invalid_bool, "
                  "trailing_bytes → malformed_frame", "§3.2 any error is fatal",
                  "§5.6 nothing more is sent on a closing connection",
                  "§5.6 leaving: UserLeftVoice, token and binding revoked, UserLeft",
                  "§10 code 1"])
    s.at(0).logins("alice", "bob")
    s.at(200).join("alice", "main")
    s.at(300).auth("alice")
    cases = [
        (b"\x00\x00", "an empty frame (length 0)"),
        (prefixed(b"\x07" + bytes(8)), "a frame of type 0x07"),
        (prefixed(b"\x06" + bytes(7)), "a Ping with a 7-byte nonce"),
    ]
    ms = 400
    for raw, why in cases:
        s.at(ms).connect("stranger")
        got = s.at(ms).tcp("stranger", raw, f"stranger sends {why}")
        s.expect(got, tcp=[("stranger", err("malformed_frame"))], closed=["stranger"])
        ms += 100
    got = s.at(ms).tcp("bob", prefixed(b"\x02\x00\x02\xc3\x28"),
                       "bob sends a ChatSend that is not UTF-8")
    s.expect(got, tcp=[("bob", err("malformed_frame")),
                       ("alice", frame("user_left", user_id=2))], closed=["bob"])
    s.at(ms + 100).login("carol")
    s.at(ms + 200).tcp("carol", prefixed(b"\x03\x02"), "carol sends SetMute 0x02")
    old = s.conn("alice").token
    s.at(ms + 300).tcp("alice", prefixed(b"\x05\x00"),
                       "alice (in main, bound) sends LeaveVoice with a byte too many", st=True)
    s.at(ms + 400).speak("alice", 1, user_id=1,
                         note="alice's address is no longer bound: not_authenticated")
    s.at(ms + 500).datagram("alice", auth_request(old), "alice's token was revoked")
    out.append(s)

    s = Scenario("server_only_frame_from_client",
                 "A frame type only the server sends is malformed_frame from a client, logged in "
                 "or not (checked before not_logged_in), and fatal.",
                 ["§5.1 step 2 server-only type → malformed_frame (fatal)",
                  "§5.1 order: rate, server-only, Ping, login state", "§10 code 1"])
    s.at(0).connect("stranger")
    got = s.at(0).send("stranger", "user_joined", "a UserJoined before login", user_id=1,
                       username="x")
    s.expect(got, tcp=[("stranger", err("malformed_frame"))], closed=["stranger"])
    s.at(100).logins("alice", "bob")
    s.at(300).send("alice", "pong", "alice sends a Pong", nonce=1)
    s.at(400).send("bob", "error", "bob sends an Error", code=1, message="malformed frame",
                   st=True)
    out.append(s)

    s = Scenario("frame_rate_limit",
                 "Frames beyond frame_rate (a token bucket per connection, every frame counted) "
                 "close the connection with too_many_frames; the bucket refills with time.",
                 ["§5.1 step 1 too_many_frames (fatal)", "§9 frame_rate per connection",
                  "§10 code 17"])
    burst, interval = burst_and_refill("frame_rate")
    s.at(0).logins("alice", "bob")
    pings = b"".join(frame("ping", nonce=i) for i in range(burst))
    got = s.at(200).tcp("alice", pings, f"alice sends {burst} Pings at once: all answered")
    s.expect(got, tcp=[("alice", b"".join(frame("pong", nonce=i) for i in range(burst)))])
    later = 200 + interval * 3 // 2
    got = s.at(later).tcp("alice", frame("ping", nonce=100) + frame("ping", nonce=101),
                          "one and a half refill intervals later, two Pings: one token is back")
    s.expect(got, tcp=[("alice", frame("pong", nonce=100) + err("too_many_frames")),
                       ("bob", frame("user_left", user_id=1))], closed=["alice"])
    pings = b"".join(frame("ping", nonce=i) for i in range(burst + 1))
    got = s.at(later + 100).tcp("bob", pings, f"bob sends {burst + 1} Pings at once")
    s.expect(got, tcp=[("bob", b"".join(frame("pong", nonce=i) for i in range(burst))
                        + err("too_many_frames"))], closed=["bob"])
    out.append(s)
    return out


def channel_scenarios():
    out = []
    s = Scenario("join_and_leave_voice",
                 "Joining answers the joiner with the other members and tells every other "
                 "logged-in user; joining one's own channel again only repeats the answer; "
                 "leaving is confirmed to everyone, the leaver included.",
                 ["§5.3 JoinVoiceResponse (other members, ascending) and UserJoinedVoice to "
                  "every other logged-in user", "§5.3 step 2 already in this channel",
                  "§5.3 LeaveVoice: UserLeftVoice to every logged-in user",
                  "§5.3 LeaveVoice when in no channel: not_in_voice", "§10 code 14"])
    s.at(0).logins("alice", "bob", "carol")
    got = s.at(300).join("alice", "main")
    s.expect(got, tcp=[("alice", frame("join_voice_response", channel="main", members=[])),
                       ("bob", frame("user_joined_voice", user_id=1, channel="main")),
                       ("carol", frame("user_joined_voice", user_id=1, channel="main"))])
    s.at(400).join("bob", "main")
    s.at(500).join("carol", "team")
    got = s.at(600).join("alice", "main", "alice joins main again: the answer only")
    s.expect(got, tcp=[("alice", frame("join_voice_response", channel="main", members=[2]))])
    got = s.at(700).send("bob", "leave_voice", "bob leaves", st=True)
    left = frame("user_left_voice", user_id=2, channel="main")
    s.expect(got, tcp=[("alice", left), ("bob", left), ("carol", left)])
    s.at(800).send("bob", "leave_voice", "bob leaves again: not_in_voice", st=True)
    out.append(s)

    s = Scenario("join_voice_refused_by_directory",
                 "JoinVoice is refused, not fatally, when the channel does not exist, the user "
                 "is not a member, or is banned; membership is checked before the ban; channel "
                 "ids compare byte for byte.",
                 ["§5.3 step 1 channel_not_found, not_a_member, banned",
                  "§5.3 step 1 audio.md §7.2 step 5 order: membership before ban",
                  "§7 the directory user id is the username", "§10 codes 10, 11, 12"])
    s.at(0).logins("alice", "dave", "mallory", "erin")
    s.at(400).join("alice", "nope", "alice asks for a channel that does not exist")
    s.at(450).join("alice", "", "alice asks for the empty channel id")
    s.at(500).join("alice", "Main", "alice asks for Main: ids are case-sensitive")
    s.at(600).join("dave", "team", "dave is not a member of team")
    s.at(700).join("mallory", "team", "mallory is a member of team, and banned")
    s.at(800).join("mallory", "main", "mallory is banned from the open channel main")
    s.at(900).join("erin", "team", "erin is banned from team but not a member: not_a_member")
    s.at(1000).join("alice", "main", "refusals changed nothing: alice joins main", st=True)
    out.append(s)

    s = Scenario("channel_full",
                 "A channel with max_users voice members refuses another with channel_full; a "
                 "member asking to join again is answered as before, full or not; a place that "
                 "frees up can be taken.",
                 ["§5.3 step 3 channel_full (the channel's max_users)",
                  "§5.3 step 2 before step 3", "§10 code 13"])
    s.at(0).logins("alice", "bob", "carol")
    s.at(300).joins("tiny", "alice", "bob")
    got = s.at(500).join("carol", "tiny", "tiny has its 2 members")
    s.expect(got, tcp=[("carol", err("channel_full"))])
    got = s.at(600).join("alice", "tiny", "alice joins tiny again: answered, not refused")
    s.expect(got, tcp=[("alice", frame("join_voice_response", channel="tiny", members=[2]))])
    s.at(700).send("bob", "leave_voice", "bob leaves tiny")
    s.at(800).join("carol", "tiny", "carol takes bob's place", st=True)
    out.append(s)

    s = Scenario("channel_full_default_limit",
                 "A channel without max_users takes default_max_users_per_channel; a channel's "
                 "own max_users still applies.",
                 ["§5.3 step 3 default_max_users_per_channel", "§9 limits configurable"],
                 overrides={"config": {"default_max_users_per_channel": 1}})
    s.at(0).logins("alice", "bob")
    s.at(200).join("alice", "main")
    s.at(300).join("bob", "main", "main holds one voice member")
    s.at(400).join("bob", "tiny")
    s.at(500).join("alice", "tiny", "tiny's own max_users is 2: alice moves there", st=True)
    out.append(s)

    s = Scenario("switching_channels",
                 "Joining another channel first leaves the current one (as LeaveVoice, seen by "
                 "everyone) and then joins; a refused switch leaves the user where it was.",
                 ["§5.3 on success the old channel is left first",
                  "§5.3 refusals change nothing", "§5.5 chat goes to the current channel"])
    s.at(0).logins("alice", "bob", "carol")
    s.at(300).joins("main", "alice", "bob")
    got = s.at(500).join("alice", "tiny", "alice switches from main to tiny")
    left = frame("user_left_voice", user_id=1, channel="main")
    joined = frame("user_joined_voice", user_id=1, channel="tiny")
    s.expect(got, tcp=[("alice", left + frame("join_voice_response", channel="tiny",
                                              members=[])),
                       ("bob", left + joined), ("carol", left + joined)])
    s.at(600).join("carol", "tiny")
    s.at(700).join("bob", "tiny", "bob tries to switch to the full tiny: refused")
    got = s.at(800).send("bob", "chat_send", "bob is still in main", text="still here")
    s.expect(got, tcp=[("bob", frame("chat_message", user_id=2, channel="main",
                                     text="still here"))])
    s.at(900).join("alice", "team", "alice switches from tiny to team")
    s.at(1000).join("alice", "nope", "a switch to a missing channel: alice stays in team",
                    st=True)
    out.append(s)

    s = Scenario("mute_sync",
                 "A change of mute state goes to every logged-in user, the sender included; a "
                 "SetMute that changes nothing is answered to the sender only. Mute belongs to "
                 "the login: it outlasts channels and ends with the connection.",
                 ["§5.4 UserMuted to everyone on a change, to the sender otherwise",
                  "§5.4 mute survives leaving and joining channels",
                  "§5.2 participants carry the mute state", "§5.4 mute ends with the connection"])
    s.at(0).logins("alice", "bob")
    got = s.at(200).send("alice", "set_mute", "alice mutes", muted=True)
    muted = frame("user_muted", user_id=1, muted=True)
    s.expect(got, tcp=[("alice", muted), ("bob", muted)])
    got = s.at(300).send("alice", "set_mute", "alice mutes again: only she hears of it",
                         muted=True)
    s.expect(got, tcp=[("alice", muted)])
    s.at(400).join("alice", "main")
    s.at(500).send("alice", "leave_voice", "alice leaves main")
    s.at(600).login("carol", note="carol sees alice still muted")
    s.at(700).send("alice", "set_mute", "alice unmutes", muted=False)
    s.at(800).send("bob", "set_mute", "bob unmutes, as he already was", muted=False)
    s.at(900).send("alice", "set_mute", "alice mutes", muted=True)
    s.at(1000).close("alice")
    s.at(1100).login("alice", note="alice's new login is unmuted")
    out.append(s)

    s = Scenario("chat",
                 "Chat goes to every member of the sender's voice channel, the sender included, "
                 "and to nobody else; it needs a channel and 1 to max_chat_len bytes of text.",
                 ["§5.5 ChatMessage to the channel's members, the sender included",
                  "§5.5 step 1 not_in_voice", "§5.5 step 2 bad_chat_length (bytes, not "
                  "characters)", "§10 codes 14 and 15"])
    s.at(0).logins("alice", "bob", "carol", "dave")
    s.at(400).joins("main", "alice", "bob")
    s.at(600).join("carol", "team")
    got = s.at(700).send("alice", "chat_send", "alice says hello in main", text="hello")
    hello = frame("chat_message", user_id=1, channel="main", text="hello")
    s.expect(got, tcp=[("alice", hello), ("bob", hello)])
    s.at(800).send("carol", "chat_send", "carol talks alone in team", text="anyone?")
    s.at(900).send("dave", "chat_send", "dave is in no channel", text="hi")
    s.at(1000).send("alice", "chat_send", "an empty message", text="")
    limit = CONFIG["max_chat_len"]
    s.at(1100).send("alice", "chat_send", f"{limit + 1} bytes", text="y" * (limit + 1))
    s.at(1200).send("alice", "chat_send", f"exactly {limit} bytes", text="z" * limit)
    s.at(1300).send("alice", "chat_send", f"{limit} characters but {limit + 1} bytes",
                    text="w" * (limit - 1) + "é")
    s.at(1400).send("bob", "chat_send", "UTF-8 text is carried as is", text=UTF8_TEXT)
    out.append(s)

    s = Scenario("chat_rate_limit",
                 "Chat beyond chat_rate (per user) is refused with rate_limited, not fatally; "
                 "empty or over-long messages are refused for that before the rate is counted; "
                 "the bucket refills with time and is the sender's own.",
                 ["§5.5 step 3 rate_limited", "§5.5 order: length before rate",
                  "§9 chat_rate per user", "§10 code 16"])
    burst, interval = burst_and_refill("chat_rate")
    s.at(0).logins("alice", "bob")
    s.at(200).joins("main", "alice", "bob")
    texts = [f"message {i}" for i in range(burst + 1)]
    got = s.at(400).tcp("alice", b"".join(frame("chat_send", text=t) for t in texts),
                        f"alice sends {burst + 1} messages at once")
    relayed = b"".join(frame("chat_message", user_id=1, channel="main", text=t)
                       for t in texts[:burst])
    s.expect(got, tcp=[("alice", relayed + err("rate_limited")), ("bob", relayed)])
    s.at(400 + interval // 2).send("alice", "chat_send",
                                   "an empty message with the bucket empty: bad_chat_length",
                                   text="")
    s.at(400 + interval * 3 // 2).tcp(
        "alice", frame("chat_send", text="one more") + frame("chat_send", text="and another"),
        "one and a half refill intervals later: one token is back")
    s.at(400 + interval * 2).send("bob", "chat_send", "bob has his own bucket", text="hi")
    out.append(s)
    return out


def relay_scenarios():
    out = []
    s = Scenario("voice_auth_good_token",
                 "A live voice token binds the sending address to its user; asking again from "
                 "the same address is answered the same and changes nothing.",
                 ["§6.1 step 4 bind, VoiceAuthResponse(ok, user_id)",
                  "§6.1 already bound: answered again", "§5.7 tokens from rng_seed"])
    s.at(0).login("alice")
    got = s.at(100).auth("alice", st=True)
    s.expect(got, udp=[("alice", auth_response(OK, 1))])
    s.at(200).auth("alice", note="alice asks again (a lost response)", st=True)
    s.at(300).login("bob")
    s.at(400).auth("bob", st=True)
    out.append(s)

    s = Scenario("voice_auth_refusals",
                 "Unknown tokens, a token bound elsewhere and an address bound to another user "
                 "are refused with their status; refusals change no binding.",
                 ["§6.1 step 1 unknown_token", "§6.1 step 2 token_in_use",
                  "§6.1 step 3 address_in_use", "§4 statuses 1, 2, 3"])
    s.at(0).logins("alice", "bob")
    s.at(200).auth("alice")
    got = s.at(300).datagram("stranger", auth_request(pattern(16, 0xA0)),
                             "a token that was never issued")
    s.expect(got, udp=[("stranger", auth_response(UNKNOWN_TOKEN))])
    got = s.at(400).auth("stranger", "alice", "stranger presents alice's token")
    s.expect(got, udp=[("stranger", auth_response(TOKEN_IN_USE))])
    got = s.at(500).auth("alice", "bob", "alice's address presents bob's token")
    s.expect(got, udp=[("alice", auth_response(ADDRESS_IN_USE))])
    s.at(600).auth("bob", note="bob's token was not taken by the refusal")
    s.at(700).datagram("alice", auth_request(pattern(16, 0xA0)),
                       "an unknown token from a bound address")
    s.at(800).auth("alice", note="alice's binding is unchanged", st=True)
    out.append(s)

    s = Scenario("tcp_close_revokes_voice",
                 "When the management connection closes, the user leaves its channel, its voice "
                 "token is revoked and its address unbound: its datagrams are unauthenticated and "
                 "its old token unknown. A new login gets a new token.",
                 ["§5.6 step 1 UserLeftVoice to the others", "§5.6 step 2 token and binding "
                  "revoked", "§5.6 step 3 UserLeft", "§5.7 a revoked token is unknown",
                  "§6.3 not_authenticated"])
    s.at(0).logins("alice", "bob")
    s.at(200).auths("alice", "bob")
    s.at(400).joins("main", "alice", "bob")
    s.at(600).speak("bob", 1, note="bob's voice reaches alice")
    old, alice_id = s.conn("alice").token, s.uid("alice")
    got = s.at(700).close("alice", st=True)
    s.expect(got, tcp=[("bob", frame("user_left_voice", user_id=1, channel="main")
                        + frame("user_left", user_id=1))])
    s.at(800).speak("bob", 2, note="bob's voice reaches nobody now")
    got = s.at(900).speak("alice", 1, user_id=alice_id, note="alice's address is unbound")
    s.expect(got, udp=[("alice", auth_response(NOT_AUTHENTICATED))])
    s.at(1000).datagram("alice", auth_request(old), "alice's old token: unknown")
    s.at(1100).datagram("stranger", auth_request(old), "alice's old token from elsewhere")
    s.at(1200).login("alice", note="alice logs in again: user id 3, token 2")
    s.at(1300).auth("alice", note="the new token binds", st=True)
    out.append(s)

    s = Scenario("voice_fan_out",
                 "A voice datagram goes, byte for byte, to every other member of the sender's "
                 "channel that has a bound address, and to nobody else. Joining and binding "
                 "happen in either order.",
                 ["§6.2 VoiceData relayed unchanged to the other members with a bound address",
                  "§5.3 joining and binding in either order",
                  "§4 an empty payload is relayed", "§11.8 sequence numbers untouched"])
    s.at(0).logins("alice", "bob", "carol", "dave", "erin")
    s.at(500).joins("main", "alice", "bob", "dave", "erin")
    s.at(900).auth("alice")
    s.at(900).auth("bob")
    s.at(900).auth("carol", note="carol binds before joining")
    s.at(900).auth("dave")
    got = s.at(1000).speak("alice", 1, note="alice speaks: bob and dave (erin is not bound)")
    sent = voice_data(1, 1, pattern(20, seed=1))
    s.expect(got, udp=[("bob", sent), ("dave", sent)])
    s.at(1100).auth("erin", note="erin binds after joining")
    got = s.at(1200).speak("alice", 2**32 - 1, b"", note="an empty payload, the last sequence")
    sent = voice_data(1, 2**32 - 1, b"")
    s.expect(got, udp=[("bob", sent), ("dave", sent), ("erin", sent)])
    s.at(1300).speak("bob", 7, note="bob speaks: alice, dave, erin")
    s.at(1400).join("carol", "team")
    s.at(1500).speak("carol", 1, note="carol is alone in team: relayed to nobody", st=True)
    out.append(s)

    s = Scenario("voice_drops",
                 "Voice from a bound address is dropped silently when it names another user, "
                 "the sender is in no channel, or is muted; Keepalive is echoed; "
                 "VoiceAuthResponse and unparsable datagrams are ignored.",
                 ["§6.2 user_mismatch, not_in_voice, sender_muted: dropped, never answered",
                  "§6.2 Keepalive echoed byte for byte", "§6.2 VoiceAuthResponse ignored",
                  "§6.3 unparsable datagrams dropped silently", "§5.4 a muted user's voice is "
                  "not relayed"])
    s.at(0).logins("alice", "bob")
    s.at(200).auths("alice", "bob")
    s.at(400).speak("alice", 1, note="alice is in no channel: dropped")
    s.at(500).joins("main", "alice", "bob")
    s.at(700).speak("alice", 2, user_id=2, note="alice's address sends as bob: dropped")
    s.at(800).speak("alice", 3, note="relayed to bob")
    s.at(900).send("alice", "set_mute", "alice mutes", muted=True)
    s.at(1000).speak("alice", 4, note="alice is muted: dropped")
    s.at(1100).send("alice", "set_mute", "alice unmutes", muted=False)
    s.at(1200).speak("alice", 5, note="relayed again")
    got = s.at(1300).datagram("alice", keepalive(0xDEADBEEF), "a Keepalive: echoed")
    s.expect(got, udp=[("alice", keepalive(0xDEADBEEF))])
    s.at(1400).datagram("alice", auth_response(OK, 1), "a VoiceAuthResponse: ignored")
    s.at(1500).datagram("alice", voice_data(1, 6, b"")[:-1], "a truncated VoiceData: dropped")
    s.at(1600).datagram("alice", voice_data(1, 7, pattern(1192)),
                        "1201 bytes: oversize, dropped")
    out.append(s)

    s = Scenario("voice_rate_limit",
                 "Voice beyond voice_rate (per user) is dropped silently; the bucket refills "
                 "with time and is the sender's own.",
                 ["§6.2 voice_rate: rate_limited, dropped", "§9 voice_rate per user"])
    burst, interval = burst_and_refill("voice_rate")
    s.at(0).logins("alice", "bob")
    s.at(200).auths("alice", "bob")
    s.at(400).joins("main", "alice", "bob")
    s.at(600)
    for seq in range(1, burst + 2):
        s.speak("alice", seq, note=f"burst #{seq}")
    s.at(600 + interval * 3 // 2)
    s.speak("alice", 100, note="one and a half refill intervals later: one token is back")
    s.speak("alice", 101, note="and no more")
    s.at(600 + interval * 5 // 2).speak("bob", 1, note="bob has his own bucket")
    out.append(s)

    s = Scenario("unauthenticated_datagrams",
                 "From an address that is not bound, VoiceData and Keepalive are answered "
                 "VoiceAuthResponse(not_authenticated, 0); VoiceAuthResponse and unparsable "
                 "datagrams are dropped silently.",
                 ["§6.3 VoiceData, Keepalive → not_authenticated", "§6.3 VoiceAuthResponse "
                  "ignored", "§6.3 datagrams that do not parse dropped silently", "§4 status 4"])
    got = s.at(0).datagram("stranger", voice_data(1, 1, pattern(20)), "VoiceData")
    s.expect(got, udp=[("stranger", auth_response(NOT_AUTHENTICATED))])
    s.at(100).datagram("stranger", keepalive(1), "Keepalive")
    s.at(200).datagram("stranger", auth_response(OK, 1), "VoiceAuthResponse")
    s.at(300).datagram("stranger", b"\x00" + bytes(16), "unknown type 0x00")
    s.at(400).datagram("stranger", b"", "an empty datagram")
    s.at(500).datagram("stranger", keepalive(1) + b"\x00", "a Keepalive with a byte too many")
    out.append(s)

    s = Scenario("unauthenticated_reply_rate_limit",
                 "Refusals share one server-wide budget (unauthenticated_reply_rate), whether "
                 "or not the sender is bound; beyond it nothing is sent. Successful "
                 "authentication is not limited.",
                 ["§6.3 unauthenticated_reply_rate, server-wide, statuses 1–4",
                  "§6.1 ok is not limited", "§6.3 no reply larger than its request"])
    burst, interval = burst_and_refill("unauthenticated_reply_rate")
    s.at(0).logins("alice", "bob")
    s.at(200).auth("alice")
    s.at(300)
    for i in range(burst):
        s.datagram("stranger", keepalive(i), f"unbound Keepalive {i + 1}: answered")
    s.datagram("stranger", keepalive(burst), "over the budget: not answered")
    s.datagram("stranger", auth_request(pattern(16, 0xA0)), "unknown_token: not answered either")
    s.datagram("dave", voice_data(9, 1, b""), "another unbound address shares the budget")
    s.auth("bob", note="bob binds: ok is always sent")
    s.datagram("alice", auth_request(pattern(16, 0xA0)),
               "an unknown token from a bound address: over the budget too")
    s.at(300 + interval * 3 // 2)
    s.datagram("stranger", keepalive(100), "one and a half refill intervals later: answered")
    s.datagram("stranger", keepalive(101), "and no more")
    out.append(s)
    return out


def timer_scenarios():
    out = []
    opened = 0
    deadline = opened + LOGIN_TIMEOUT_MS
    s = Scenario("login_timeout",
                 "A connection not logged in login_timeout after it opened is sent login_timeout "
                 "and closed, whatever it sent meanwhile; one that logs in in time stays.",
                 ["§8 login_timeout (fatal)", "§8 measured from the connection's opening",
                  "§10 code 18"])
    s.at(opened).connect("stranger")
    s.at(100).connect("alice")
    s.at(500).send("stranger", "ping", "a Ping does not count as logging in", nonce=1)
    login = frame("login_request", version=1, username="dave", token=token("dave"))
    s.at(1000).tcp("stranger", login[:20], "half a LoginRequest")
    s.at(100 + LOGIN_TIMEOUT_MS - 2 * MARGIN_MS).send(
        "alice", "login_request", "alice logs in before her deadline", version=1,
        username="alice", token=token("alice"))
    got = s.at(deadline + 2 * MARGIN_MS).tick("the stranger's deadline has passed", st=True)
    s.expect(got, tcp=[("stranger", err("login_timeout"))], closed=["stranger"])
    out.append(s)

    s = Scenario("idle_timeout",
                 "A logged-in connection with no complete frame for idle_timeout is sent "
                 "idle_timeout and closed, and its user leaves; any frame (a Ping, a SetMute) "
                 "keeps a connection alive, a partial frame does not.",
                 ["§8 idle_timeout (fatal)", "§5.1 every frame that passes the rate check keeps "
                  "the connection alive", "§5.6 leaving after a timeout", "§10 code 19"])
    s.at(0).logins("alice", "bob", "carol")
    last_bob = 300
    s.at(last_bob).join("bob", "main")
    s.at(3000).send("alice", "ping", "alice keeps her connection alive", nonce=1)
    s.at(3100).send("carol", "set_mute", "carol's SetMute keeps hers alive", muted=True)
    s.at(3200).tcp("bob", frame("ping", nonce=2)[:5], "bob sends part of a Ping")
    deadline = last_bob + IDLE_TIMEOUT_MS
    got = s.at(deadline + 2 * MARGIN_MS).tick("bob's last frame was idle_timeout ago", st=True)
    left = frame("user_left_voice", user_id=2, channel="main") + frame("user_left", user_id=2)
    s.expect(got, tcp=[("bob", err("idle_timeout")), ("alice", left), ("carol", left)],
             closed=["bob"])
    out.append(s)

    s = Scenario("udp_timeout",
                 "A binding with no datagram for udp_timeout ends silently; the address is then "
                 "unauthenticated, and the same token binds again from any address.",
                 ["§8 udp_timeout: the binding ends, nothing is sent",
                  "§6.1 step 2 token_in_use only while the binding lives",
                  "§6.1 after expiry the token binds from any address",
                  "§6.2 every datagram from a bound address refreshes the binding",
                  "§6.3 not_authenticated"])
    s.at(0).logins("alice", "bob")
    s.at(200).joins("main", "alice", "bob")
    s.at(400).auth("alice")
    bound_bob = 500
    s.at(bound_bob).auth("bob")
    s.at(1500).datagram("alice", keepalive(1), "alice's Keepalive refreshes her binding")
    s.at(2000).auth("bob_nat", "bob", "bob's token from a new address while bound: token_in_use")
    s.at(3000).send("alice", "ping", "alice keeps her connection alive", nonce=1)
    s.at(3100).send("bob", "ping", "bob keeps his connection alive", nonce=1)
    expiry = bound_bob + UDP_TIMEOUT_MS
    s.at(expiry + 2 * MARGIN_MS).tick("bob's binding expired, silently", st=True)
    s.at(expiry + 2 * MARGIN_MS + 100).speak("alice", 1, note="alice's voice reaches nobody")
    got = s.at(expiry + 2 * MARGIN_MS + 200).speak("bob", 1, note="bob's old address")
    s.expect(got, udp=[("bob", auth_response(NOT_AUTHENTICATED))])
    got = s.at(expiry + 2 * MARGIN_MS + 300).auth("bob_nat", "bob",
                                                  "bob's token from the new address")
    s.expect(got, udp=[("bob_nat", auth_response(OK, 2))])
    s.at(expiry + 2 * MARGIN_MS + 400).speak("alice", 2, note="alice's voice reaches bob_nat")
    s.at(expiry + 2 * MARGIN_MS + 500).speak("bob_nat", 1, user_id=2,
                                             note="bob speaks from bob_nat", st=True)
    out.append(s)
    return out


def directory_scenarios():
    out = []
    s = Scenario("ban_mid_call",
                 "Banning a voice member removes it from its channel: Error banned (not fatal), "
                 "then UserLeftVoice to everyone; its login and binding stay, its voice stops. "
                 "A ban on someone not in that channel sends nothing; an unban lets the user "
                 "back.",
                 ["§7 a change removes voice members the directory no longer admits",
                  "§7 Error then UserLeftVoice to every logged-in user",
                  "§7 login, mute and binding remain", "§5.3 banned", "§10 code 12"])
    s.at(0).logins("alice", "bob", "carol", "dave")
    s.at(400).joins("main", "alice", "bob", "carol")
    for who in ["alice", "bob", "carol"]:
        s.at(700).auth(who)
    s.at(800).speak("bob", 1, note="bob's voice reaches alice and carol")
    s.at(900).directory({"ban": {"channel": "main", "user": "dave"}},
                        "dave is banned from main; he is in no channel: nothing to do")
    got = s.at(1000).directory({"ban": {"channel": "main", "user": "bob"}},
                               "the operator bans bob from main", st=True)
    left = frame("user_left_voice", user_id=2, channel="main")
    s.expect(got, tcp=[("bob", err("banned") + left), ("alice", left), ("carol", left),
                       ("dave", left)])
    s.at(1100).speak("bob", 2, note="bob is bound but in no channel: dropped")
    s.at(1200).speak("alice", 1, note="alice's voice reaches carol only")
    s.at(1300).join("bob", "main", "bob tries to come back")
    s.at(1400).send("bob", "chat_send", "bob is in no channel", text="hello?")
    s.at(1500).directory({"unban": {"channel": "main", "user": "bob"}}, "the operator unbans bob")
    s.at(1600).join("bob", "main", "bob comes back")
    s.at(1700).speak("alice", 2, note="alice's voice reaches bob and carol")
    out.append(s)

    s = Scenario("remove_member_mid_call",
                 "Removing a member of a members-only channel removes it from the channel's "
                 "voice with not_a_member; adding a member admits it.",
                 ["§7 remove_member at run time", "§7 add_member at run time",
                  "§5.3 not_a_member", "§10 code 11"])
    s.at(0).logins("alice", "bob", "dave")
    s.at(300).joins("team", "alice", "bob")
    s.at(500).auth("alice")
    s.at(500).auth("bob")
    got = s.at(600).directory({"remove_member": {"channel": "team", "user": "bob"}},
                              "the operator removes bob from team", st=True)
    left = frame("user_left_voice", user_id=2, channel="team")
    s.expect(got, tcp=[("bob", err("not_a_member") + left), ("alice", left), ("dave", left)])
    s.at(700).speak("alice", 1, note="alice is alone in team")
    s.at(800).join("dave", "team", "dave is not a member yet")
    s.at(900).directory({"add_member": {"channel": "team", "user": "dave"}},
                        "the operator adds dave to team")
    s.at(1000).join("dave", "team", "dave joins team")
    out.append(s)

    s = Scenario("remove_channel_mid_call",
                 "Removing a channel removes its voice member with channel_not_found; the user "
                 "keeps its login and binding; the channel can be added back. Removing a channel "
                 "nobody is in sends nothing.",
                 ["§7 remove_channel at run time", "§7 add_channel at run time",
                  "§7 the binding remains", "§5.3 channel_not_found", "§10 code 10"])
    s.at(0).logins("alice", "bob")
    s.at(200).join("alice", "tiny")
    s.at(300).join("bob", "main")
    s.at(400).auth("alice")
    s.at(400).auth("bob")
    got = s.at(500).directory({"remove_channel": {"channel": "tiny"}},
                              "the operator removes tiny", st=True)
    left = frame("user_left_voice", user_id=1, channel="tiny")
    s.expect(got, tcp=[("alice", err("channel_not_found") + left), ("bob", left)])
    s.at(600).datagram("alice", keepalive(7), "alice is still bound: her Keepalive is echoed")
    s.at(700).join("alice", "tiny", "tiny is gone")
    s.at(800).directory({"add_channel": {"id": "tiny", "max_users": 2}},
                        "the operator adds tiny back")
    s.at(900).join("alice", "tiny", "alice joins tiny again")
    s.at(1000).directory({"remove_channel": {"channel": "team"}},
                         "removing team, where nobody is: nothing is sent", st=True)
    out.append(s)

    s = Scenario("operator_reset",
                 "An operator's reset sends server_closing to every connection and closes it, "
                 "and returns the service to its configuration as a restart would: bindings "
                 "gone, run-time directory changes undone, user ids and voice tokens counted "
                 "from the start again.",
                 ["vectors.md §6.3 reset: server_closing, every connection closed",
                  "§5.6 nothing more is sent on a closing connection",
                  "§5.7 tokens counted since the service started",
                  "§5.1 user ids from 1 in a fresh service", "§10 code 21"])
    s.at(0).logins("alice", "bob")
    s.at(200).joins("main", "alice", "bob")
    s.at(400).auth("alice")
    s.at(400).auth("bob")
    s.at(500).send("alice", "set_mute", "alice mutes", muted=True)
    s.at(600).directory({"ban": {"channel": "main", "user": "dave"}}, "dave is banned at run time")
    got = s.at(700).reset("the operator resets the service", st=True)
    s.expect(got, tcp=[("alice", err("server_closing")), ("bob", err("server_closing"))],
             closed=["alice", "bob"])
    s.at(800).speak("alice", 1, user_id=1, note="alice's binding is gone")
    got = s.at(900).login("alice", note="alice logs in again: user id 1, token 0, unmuted")
    s.expect(got, tcp=[("alice", login_response(1, 0, []))])
    s.at(1000).login("dave")
    s.at(1100).join("dave", "main", "dave's run-time ban was undone")
    s.at(1200).login("mallory")
    s.at(1300).join("mallory", "main", "mallory's ban is configured: it holds", st=True)
    out.append(s)
    return out


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


def outputs() -> dict[str, str]:
    return {
        "fixture.json": render(fixture()),
        **codec_files([codec_frames, codec_frame_errors, codec_packets, codec_packet_errors]),
        **scenario_files([
            ("scenarios/login.json", login_scenarios),
            ("scenarios/framing.json", framing_scenarios),
            ("scenarios/channels.json", channel_scenarios),
            ("scenarios/relay.json", relay_scenarios),
            ("scenarios/timers.json", timer_scenarios),
            ("scenarios/directory.json", directory_scenarios),
        ]),
    }


if __name__ == "__main__":
    sys.exit(write_or_check(OUT, outputs, sys.argv))
