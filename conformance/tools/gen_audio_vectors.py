#!/usr/bin/env python3
"""Generates the `audio` conformance vectors in conformance/vectors/audio/.

Everything here is written from conformance/spec/audio.md, with the Python standard library only:
packets are packed with `struct`, tokens are minted with `hmac`/`hashlib` (in vectorlib.py beside
this file, which the voice generator shares). Nothing is taken from hark-core, so a vector that
hark-core fails is a disagreement between the code and the spec, not between the code and itself.

    python3 conformance/tools/gen_audio_vectors.py          # (re)write the JSON files
    python3 conformance/tools/gen_audio_vectors.py --check  # exit 1 if a file would change

The output is deterministic: tokens have fixed claims relative to the fixture's wall clock and
the JSON is written with sorted-by-construction keys and a fixed layout.
"""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

from vectorlib import SECRET, START, TIMER_MARGIN_MS, check_second, claims, codec_files, jwt
from vectorlib import main as write_or_check
from vectorlib import pattern, refill_ms, render, scenario_files, token, wall

OUT = Path(__file__).resolve().parent.parent / "vectors" / "audio"

# --------------------------------------------------------------------------------------------
# The spec's numbers
# --------------------------------------------------------------------------------------------

HEADER_LEN = 21  # §2
ERROR_FIXED_LEN = 5  # §3: u16 code, u8 action, u16 length
TYPES = {  # §3
    "handshake": 0x01,
    "audio": 0x02,
    "join_channel": 0x03,
    "leave_channel": 0x04,
    "set_mute": 0x05,
    "heartbeat": 0x06,
    "error": 0x07,
    "ack": 0x08,
}
TYPE_NAMES = {value: name for name, value in TYPES.items()}

# §5: code, action, exact message. Used as `error(**BANNED, ...)`.
INVALID_TOKEN = dict(code=1, action=2, msg="invalid token")
TOKEN_EXPIRED = dict(code=2, action=2, msg="token expired")
CHANNEL_NOT_FOUND = dict(code=3, action=5, msg="channel not found")
NOT_A_MEMBER = dict(code=4, action=5, msg="not a member of this channel")
BANNED = dict(code=5, action=5, msg="banned from this channel")
HANDSHAKE_TIMEOUT = dict(code=6, action=3, msg="handshake not completed in time")
SESSION_EXPIRED = dict(code=7, action=3, msg="session expired")
NOT_AUTHENTICATED = dict(code=8, action=3, msg="not authenticated: send a handshake")
MALFORMED_PACKET = dict(code=9, action=4, msg="malformed packet")
PACKET_TOO_LARGE = dict(code=10, action=4, msg="packet too large")
CLOCK_SKEW = dict(code=11, action=4, msg="timestamp too far from server time")
CHANNEL_MISMATCH = dict(code=12, action=4, msg="channel does not match the session")
CHANNEL_FULL = dict(code=13, action=1, msg="channel is full")
TOO_MANY_SESSIONS = dict(code=14, action=1, msg="too many sessions")
SERVER_CLOSING = dict(code=15, action=1, msg="server closing")


def fitted(spec: dict, request: bytes) -> dict:
    """§7.5: to an address without a session, the Error's message is cut so the reply is no
    larger than the request. Callers only use it where at least an empty message fits."""
    room = len(request) - HEADER_LEN - ERROR_FIXED_LEN
    assert room >= 0, "no reply fits: expect no transmit instead"
    return dict(spec, msg=spec["msg"].encode()[:room].decode())


# --------------------------------------------------------------------------------------------
# The fixture
# --------------------------------------------------------------------------------------------

# The secret and the wall clock at the start are vectors.md §3's (SECRET, START in vectorlib).
CLIENTS = ["alice", "alice_phone", "bob", "carol", "dave", "erin", "mallory", "stranger"]

# The same files run against a real server (live mode), so the fixture departs from the spec's
# defaults (audio.md §8, §9) where a default would make a run slow or fragile:
# - timers are short (the spec's 5 s / 30 s / 300 s / 60 s would make one run last minutes);
# - rates refill slowly (one token per 100 ms), so "one more token later" steps have ±50 ms of
#   slack on a real clock, and a burst has 100 ms to be processed before a token comes back.
# Every timer step below is derived from these constants.
HANDSHAKE_TIMEOUT_MS = 1_000
SESSION_TIMEOUT_MS = 3_000
USER_TIMEOUT_MS = 6_000
CLEANUP_INTERVAL_MS = 2_000
SESSION_RATE = {"per_second": 10, "burst": 50}
REPLY_RATE = {"per_second": 10, "burst": 20}
CONFIG = {
    "max_packet_size": 1024,
    "handshake_timeout_ms": HANDSHAKE_TIMEOUT_MS,
    "session_timeout_ms": SESSION_TIMEOUT_MS,
    "user_timeout_ms": USER_TIMEOUT_MS,
    "cleanup_interval_ms": CLEANUP_INTERVAL_MS,
    "max_clock_skew_secs": 30,
    "jwt_leeway_secs": 5,
    "max_token_len": 2048,
    "session_rate": SESSION_RATE,
    "unauthenticated_reply_rate": REPLY_RATE,
    "max_sessions": 10_000,
    # The spec's default is 4; 2 keeps the per-user limit scenario short.
    "max_sessions_per_user": 2,
    "default_max_users_per_channel": 256,
    "max_user_records": 20_000,
}

# Live-mode timing rules (vectors.md §4.3). A real server's timers fire a few ms late and its
# inputs arrive a few ms after their at_ms, so:
# - a step meant to come before a deadline is at least MARGIN_MS before it, and the tick that
#   observes a deadline's outputs at least MARGIN_MS after it (core mode checks this too);
# - a step testing a one-second boundary (skew, exp/nbf leeway) is not just before a whole
#   second (see `boundary`).
MARGIN_MS = 300
assert MARGIN_MS >= TIMER_MARGIN_MS


def before(deadline_ms: int) -> int:
    """The latest step time that is safely before a timer deadline."""
    return deadline_ms - MARGIN_MS


def after(deadline_ms: int) -> int:
    """The earliest step time that safely observes what a timer did at its deadline."""
    return deadline_ms + MARGIN_MS


CHANNELS = [
    # Open to every authenticated user but mallory.
    {"id": "main", "name": "Main hall", "banned": ["mallory"]},
    # Members only; mallory is a banned member, eve a banned non-member.
    {"id": "team", "members": ["alice", "bob", "carol", "mallory"], "banned": ["mallory", "eve"]},
    # Open, at most three active members.
    {"id": "tiny", "max_users": 3},
]


def boundary(ms: int) -> int:
    """`ms` for a step whose outcome depends on which wall-clock second it lands in: a real
    server receives it a little late, so it must not be just before a whole second."""
    check_second(ms, Clock.after_reset)
    return ms


# --------------------------------------------------------------------------------------------
# Packets, §2–§4
# --------------------------------------------------------------------------------------------


class Clock:
    """The header timestamp packet builders use when not given one: the current step's."""

    ms = 0
    # Whether the scenario has had a `reset` step: a live server's testing clock rewinds there.
    after_reset = False


def _ts(ts):
    return wall(Clock.ms) if ts is None else ts


def pad(text, width: int) -> bytes:
    raw = text.encode() if isinstance(text, str) else bytes(text)
    assert len(raw) <= width
    return raw + b"\0" * (width - len(raw))


def header(ptype: int, seq: int, user, chan, ts: int) -> bytes:
    return struct.pack(">BI", ptype, seq) + pad(user, 8) + pad(chan, 4) + struct.pack(">I", ts)


def u16_prefixed(payload: bytes) -> bytes:
    return struct.pack(">H", len(payload)) + payload


def hs_payload_json(tok: str, chan_json: str) -> bytes:
    """§4: the canonical form the server writes, no spaces, token first."""
    return ('{"token":"%s","channel_id":%s}' % (tok, json.dumps(chan_json))).encode()


def hs(user, chan, tok=None, seq=0, ts=None, fmt="json", chan_json=None) -> bytes:
    tok = token(user) if tok is None else tok
    if fmt == "json":
        payload = hs_payload_json(tok, chan if chan_json is None else chan_json)
    else:
        payload = tok.encode()
    return header(TYPES["handshake"], seq, user, chan, _ts(ts)) + u16_prefixed(payload)


def audio(user, chan, seq, data: bytes, ts=None) -> bytes:
    return header(TYPES["audio"], seq, user, chan, _ts(ts)) + u16_prefixed(data)


def join(user, chan, seq=0, ts=None) -> bytes:
    return header(TYPES["join_channel"], seq, user, chan, _ts(ts))


def leave(user, chan, seq=0, ts=None) -> bytes:
    return header(TYPES["leave_channel"], seq, user, chan, _ts(ts))


def set_mute(user, chan, muted: bool, seq=0, ts=None) -> bytes:
    return header(TYPES["set_mute"], seq, user, chan, _ts(ts)) + bytes([1 if muted else 0])


def heartbeat(user, chan, seq=0, ts=None) -> bytes:
    return header(TYPES["heartbeat"], seq, user, chan, _ts(ts))


def error(code, action, msg, seq=0, user="", chan="", ts=None) -> bytes:
    raw = msg.encode() if isinstance(msg, str) else msg
    return (
        header(TYPES["error"], seq, user, chan, _ts(ts))
        + struct.pack(">HB", code, action)
        + u16_prefixed(raw)
    )


def ack(acked_type: str, seq=0, user="", chan="", ts=None) -> bytes:
    """§7.5: the reply header carries the answered packet's sequence; the body repeats it."""
    return header(TYPES["ack"], seq, user, chan, _ts(ts)) + struct.pack(
        ">BI", TYPES[acked_type], seq
    )


# --------------------------------------------------------------------------------------------
# Codec vectors
# --------------------------------------------------------------------------------------------


def pj(ptype, seq=0, user="", chan="", ts=0, **body) -> dict:
    """The expected-packet JSON of vectors.md."""
    out = {"type": ptype, "sequence": seq, "user_id": user, "channel_id": chan, "timestamp": ts}
    out.update(body)
    return out


class CodecFile:
    def __init__(self, filename: str):
        self.filename = filename
        self.vectors = []

    def add(self, name, description, raw: bytes, expect, canonical=True, max_packet_size=None):
        vector = {"name": name, "description": description}
        if max_packet_size is not None:
            vector["max_packet_size"] = max_packet_size
        vector["hex"] = raw.hex()
        if "type" in expect:
            vector["expect"] = {"packet": expect}
            if not canonical:
                vector["canonical"] = False
        else:
            assert canonical
            vector["expect"] = expect
        self.vectors.append(vector)

    def ok(self, name, description, raw, packet, **kw):
        self.add(name, description, raw, packet, **kw)

    def err(self, name, description, raw, kind, **kw):
        self.add(name, description, raw, {"error": kind}, **kw)

    def document(self):
        return {"vectors": self.vectors}


TS = 0x5F3E1234  # the seed's example timestamp
TOK = token("alice")  # any well-formed token: codecs do not verify signatures


def codec_header() -> CodecFile:
    f = CodecFile("codec/header.json")
    # One vector per field of the seed's header table (§2): a single non-zero field, so the
    # bytes show where it sits.
    f.ok(
        "offset_type_is_byte_0",
        "§2 offset 0, size 1: the type byte alone (JoinChannel), every other field zero.",
        header(0x03, 0, "", "", 0),
        pj("join_channel"),
    )
    f.ok(
        "offset_sequence_is_bytes_1_to_4_big_endian",
        "§2 offset 1, size 4: sequence 0x01020304, big-endian.",
        header(0x06, 0x01020304, "", "", 0),
        pj("heartbeat", seq=0x01020304),
    )
    f.ok(
        "offset_user_id_is_bytes_5_to_12_nul_padded",
        "§2 offset 5, size 8: the seed's user id \"user123\" and one NUL of padding.",
        header(0x06, 0, "user123", "", 0),
        pj("heartbeat", user="user123"),
    )
    f.ok(
        "offset_channel_id_is_bytes_13_to_16",
        "§2 offset 13, size 4: channel id \"chan\", filling its field.",
        header(0x06, 0, "", "chan", 0),
        pj("heartbeat", chan="chan"),
    )
    f.ok(
        "offset_timestamp_is_bytes_17_to_20_big_endian",
        "§2 offset 17, size 4: the seed's timestamp 0x5F3E1234, big-endian.",
        header(0x06, 0, "", "", TS),
        pj("heartbeat", ts=TS),
    )
    f.ok(
        "full_width_ids_have_no_padding",
        "§2.1: an 8-character user id and a 4-character channel id fill their fields; no NUL.",
        header(0x06, 1, "abcdefgh", "wxyz", TS),
        pj("heartbeat", seq=1, user="abcdefgh", chan="wxyz", ts=TS),
    )
    f.ok(
        "empty_ids_are_valid_on_the_wire",
        "§2.1: all-NUL id fields are the empty id, valid on the wire.",
        header(0x06, 0, "", "", TS),
        pj("heartbeat", ts=TS),
    )
    f.ok(
        "id_characters_span_0x21_to_0x7e",
        "§2.1: '!' (0x21) and '~' (0x7E) are the first and last id characters.",
        header(0x06, 0, "!~", "~!", 0),
        pj("heartbeat", user="!~", chan="~!"),
    )
    f.ok(
        "max_u32_sequence_and_timestamp",
        "§2: sequence and timestamp are unsigned 32-bit.",
        header(0x06, 0xFFFFFFFF, "u", "c", 0xFFFFFFFF),
        pj("heartbeat", seq=0xFFFFFFFF, user="u", chan="c", ts=0xFFFFFFFF),
    )
    # The seed's three examples, corrected per §10.2 (4-byte channel, true length).
    f.ok(
        "seed_handshake_example_corrected",
        "The seed's handshake example with channel \"chan\" and the token's real length (11).",
        header(0x01, 0, "user123", "chan", TS) + u16_prefixed(b"eyJ0eXample"),
        pj("handshake", user="user123", chan="chan", ts=TS, format="legacy", token="eyJ0eXample"),
    )
    silence = bytes(80)
    f.ok(
        "seed_audio_example_corrected",
        "The seed's audio example: sequence 1, 80 bytes of silence, length 0x0050.",
        header(0x02, 1, "user123", "chan", TS + 1) + u16_prefixed(silence),
        pj("audio", seq=1, user="user123", chan="chan", ts=TS + 1, data=silence.hex()),
    )
    f.ok(
        "seed_set_mute_example_corrected",
        "The seed's SetMute example: muted.",
        header(0x05, 0, "user123", "chan", TS + 2) + b"\x01",
        pj("set_mute", user="user123", chan="chan", ts=TS + 2, muted=True),
    )
    return f


def codec_valid() -> CodecFile:
    f = CodecFile("codec/valid.json")
    h = dict(user="alice", chan="main", ts=TS)

    def hdr(ptype, seq=0):
        return header(TYPES[ptype], seq, "alice", "main", TS)

    # Handshake, §4
    f.ok(
        "handshake_json_canonical",
        "§4 JSON credentials exactly as the server writes them.",
        hdr("handshake") + u16_prefixed(hs_payload_json(TOK, "main")),
        pj("handshake", **h, format="json", token=TOK, channel_id_json="main"),
    )
    f.ok(
        "handshake_legacy",
        "§4 legacy credentials: the payload is the token itself.",
        hdr("handshake") + u16_prefixed(TOK.encode()),
        pj("handshake", **h, format="legacy", token=TOK),
    )
    extra = (
        '{ "channel_id" : "main",\n  "client": {"name": "x", "v": [1, 2]},\n'
        '  "token" : "%s", "n": null }' % TOK
    ).encode()
    f.ok(
        "handshake_json_unknown_members_and_spacing",
        "§4: other members are ignored, member order and whitespace are free; not canonical.",
        hdr("handshake") + u16_prefixed(extra),
        pj("handshake", **h, format="json", token=TOK, channel_id_json="main"),
        canonical=False,
    )
    f.ok(
        "handshake_json_trailing_whitespace",
        "§4: whitespace after the JSON object is still one JSON object; not canonical.",
        hdr("handshake") + u16_prefixed(hs_payload_json(TOK, "main") + b" \n"),
        pj("handshake", **h, format="json", token=TOK, channel_id_json="main"),
        canonical=False,
    )
    f.ok(
        "handshake_json_channel_differs_from_header",
        "§4/§7.2: parsing keeps both channels; comparing them is the server's job.",
        hdr("handshake") + u16_prefixed(hs_payload_json(TOK, "team")),
        pj("handshake", **h, format="json", token=TOK, channel_id_json="team"),
    )
    f.ok(
        "handshake_json_escaped_channel",
        "§4: channel_id is a JSON string; escapes are decoded. Not canonical.",
        hdr("handshake")
        + u16_prefixed(('{"token":"%s","channel_id":"m\\u0061in"}' % TOK).encode()),
        pj("handshake", **h, format="json", token=TOK, channel_id_json="main"),
        canonical=False,
    )
    f.ok(
        "handshake_legacy_minimal_token",
        "§4: any non-empty token of the JWT alphabet parses (validation comes later).",
        hdr("handshake") + u16_prefixed(b"a-_.Z9"),
        pj("handshake", **h, format="legacy", token="a-_.Z9"),
    )

    # Audio, §3
    f.ok(
        "audio_empty",
        "§3: 0 audio bytes is a valid audio packet (23 bytes).",
        hdr("audio", 5) + u16_prefixed(b""),
        pj("audio", seq=5, **h, data=""),
    )
    f.ok(
        "audio_three_bytes",
        "§3: length 3 and three bytes.",
        hdr("audio", 6) + u16_prefixed(b"\x01\x02\x03"),
        pj("audio", seq=6, **h, data="010203"),
    )
    big = pattern(1024 - HEADER_LEN - 2)
    f.ok(
        "audio_exactly_max_packet_size",
        "§1: a datagram of exactly max_packet_size (1024) bytes is accepted.",
        hdr("audio", 7) + u16_prefixed(big),
        pj("audio", seq=7, **h, data=big.hex()),
    )
    small = pattern(64 - HEADER_LEN - 2, seed=9)
    f.ok(
        "audio_exactly_configured_max_packet_size",
        "§1/§9: with max_packet_size 64, a 64-byte datagram is accepted.",
        hdr("audio", 8) + u16_prefixed(small),
        pj("audio", seq=8, **h, data=small.hex()),
        max_packet_size=64,
    )

    # Header-only types
    f.ok("join_channel", "§3: JoinChannel has no payload.", hdr("join_channel"),
         pj("join_channel", **h))
    f.ok("leave_channel", "§3: LeaveChannel has no payload.", hdr("leave_channel"),
         pj("leave_channel", **h))
    f.ok("heartbeat", "§3: Heartbeat has no payload.", hdr("heartbeat"), pj("heartbeat", **h))
    f.ok("set_mute_muted", "§3: mute byte 0x01.", hdr("set_mute") + b"\x01",
         pj("set_mute", **h, muted=True))
    f.ok("set_mute_unmuted", "§3: mute byte 0x00.", hdr("set_mute") + b"\x00",
         pj("set_mute", **h, muted=False))

    # Error, §3/§5
    f.ok(
        "error_banned",
        "§5: code 5, action 5, the exact message.",
        error(**BANNED, user="alice", chan="main", ts=TS),
        pj("error", **h, code=5, action=5, message="banned from this channel"),
    )
    f.ok(
        "error_server_closing",
        "§5/§7.7: code 15, action 1 (retry_later), the exact message.",
        error(**SERVER_CLOSING, user="alice", chan="main", ts=TS),
        pj("error", **h, code=15, action=1, message="server closing"),
    )
    f.ok(
        "error_unknown_code_and_action",
        "§3: unknown codes and actions are carried through as numbers.",
        error(999, 77, "from the future", user="alice", chan="main", ts=TS),
        pj("error", **h, code=999, action=77, message="from the future"),
    )
    f.ok(
        "error_empty_message",
        "§3: a message of length 0 (what a fitted reply to a 26-byte request carries).",
        error(8, 3, "", seq=3, user="alice", chan="main", ts=TS),
        pj("error", seq=3, **h, code=8, action=3, message=""),
    )
    long_msg = "x" * 300
    f.ok(
        "error_message_longer_than_255_is_read",
        "§3: messages over 255 bytes are accepted when read.",
        error(9, 4, long_msg, user="alice", chan="main", ts=TS),
        pj("error", **h, code=9, action=4, message=long_msg),
    )
    f.ok(
        "error_utf8_message",
        "§3: the message is UTF-8, multi-byte characters included.",
        error(1, 2, "jeton invalide \u2014 r\u00e9essayez", user="alice", chan="main", ts=TS),
        pj("error", **h, code=1, action=2, message="jeton invalide \u2014 r\u00e9essayez"),
    )

    # Ack for each type, §3
    for name, value in TYPES.items():
        f.ok(
            f"ack_{name}",
            f"§3: Ack naming {name} (0x{value:02x}) and sequence {value * 1000}.",
            header(TYPES["ack"], value * 1000, "alice", "main", TS)
            + struct.pack(">BI", value, value * 1000),
            pj("ack", seq=value * 1000, **h, acked_type=name, acked_sequence=value * 1000),
        )
    return f


def codec_errors() -> CodecFile:
    f = CodecFile("codec/errors.json")

    def hdr(ptype: int, user="alice", chan="main"):
        return header(ptype, 0, user, chan, TS)

    # §6.1 oversize
    f.err("oversize_by_one", "§6.1: 1025 bytes with the default maximum of 1024.",
          hdr(0x02) + u16_prefixed(pattern(1025 - 23)), "oversize")
    f.err("oversize_before_anything_else", "§6 order: oversize is checked first (garbage).",
          b"\xff" * 1025, "oversize")
    f.err("oversize_configured_max", "§6.1: 65 bytes with max_packet_size 64.",
          hdr(0x02) + u16_prefixed(pattern(65 - 23)), "oversize", max_packet_size=64)

    # §6.2 truncated header
    f.err("truncated_empty_datagram", "§6.2: zero bytes.", b"", "truncated")
    f.err("truncated_one_byte", "§6.2: one byte.", b"\x06", "truncated")
    f.err("truncated_header_20_bytes", "§6.2: one byte short of the header.",
          hdr(0x06)[:20], "truncated")
    f.err("truncated_before_unknown_type", "§6 order: length is checked before the type.",
          b"\x09" + bytes(9), "truncated")

    # §6.3 unknown type
    f.err("unknown_type_0x00", "§6.3: 0x00 is not a packet type.", hdr(0x00), "unknown_type")
    f.err("unknown_type_0x09", "§6.3: 0x09, one past Ack.", hdr(0x09), "unknown_type")
    f.err("unknown_type_0xff", "§6.3: 0xFF.", hdr(0xFF), "unknown_type")
    f.err("unknown_type_before_ids", "§6 order: the type is checked before the ids.",
          header(0x09, 0, b"\xc3\xa9", b"\xff", TS), "unknown_type")

    # §6.4 ids
    f.err("non_ascii_id_in_user_id", "§2.1: a UTF-8 byte (0xC3) in the user id.",
          header(0x06, 0, b"al\xc3\xa9", "main", TS), "non_ascii_id")
    f.err("non_ascii_id_space_in_user_id", "§2.1: space (0x20) is not an id character.",
          header(0x06, 0, b"al ice", "main", TS), "non_ascii_id")
    f.err("non_ascii_id_del_in_user_id", "§2.1: DEL (0x7F) is not an id character.",
          header(0x06, 0, b"alice\x7f", "main", TS), "non_ascii_id")
    f.err("non_ascii_id_in_channel_id", "§2.1: a control byte (0x01) in the channel id.",
          header(0x06, 0, "alice", b"m\x01", TS), "non_ascii_id")
    f.err("non_ascii_id_high_byte_in_channel_id", "§2.1: 0x80 in the channel id.",
          header(0x06, 0, "alice", b"\x80ain", TS), "non_ascii_id")
    f.err("id_not_nul_padded_in_user_id", "§2.1: a character after the NUL padding.",
          header(0x06, 0, b"ab\0c", "main", TS), "id_not_nul_padded")
    f.err("id_not_nul_padded_leading_nul", "§2.1: an empty-looking id with a later character.",
          header(0x06, 0, b"\0alice", "main", TS), "id_not_nul_padded")
    f.err("id_not_nul_padded_in_channel_id", "§2.1: channel \"a\\0b\\0\".",
          header(0x06, 0, "alice", b"a\0b", TS), "id_not_nul_padded")
    f.err("user_id_checked_before_channel_id",
          "§6.4 order: the user id's fault (padding) wins over the channel id's (non-ASCII).",
          header(0x06, 0, b"a\0b", b"\xff", TS), "id_not_nul_padded")

    # §6.5 truncated fixed fields
    f.err("truncated_handshake_length", "§6.5: Handshake without its u16 length.",
          hdr(0x01), "truncated")
    f.err("truncated_handshake_length_half", "§6.5: Handshake with one byte of its length.",
          hdr(0x01) + b"\x00", "truncated")
    f.err("truncated_audio_length", "§6.5: Audio without its u16 length.", hdr(0x02),
          "truncated")
    f.err("truncated_audio_length_half", "§6.5: Audio with one byte of its length.",
          hdr(0x02) + b"\x00", "truncated")
    f.err("truncated_set_mute_byte", "§6.5: SetMute without its mute byte.", hdr(0x05),
          "truncated")
    f.err("truncated_error_code", "§6.5: Error without its code.", hdr(0x07), "truncated")
    f.err("truncated_error_code_half", "§6.5: Error with one byte of its code.",
          hdr(0x07) + b"\x00", "truncated")
    f.err("truncated_error_action", "§6.5: Error with its code but no action.",
          hdr(0x07) + b"\x00\x05", "truncated")
    f.err("truncated_error_message_length", "§6.5: Error with code and action, no length.",
          hdr(0x07) + b"\x00\x05\x05", "truncated")
    f.err("truncated_error_message_length_half", "§6.5: Error with one byte of its length.",
          hdr(0x07) + b"\x00\x05\x05\x00", "truncated")
    f.err("truncated_ack_body_empty", "§6.5: Ack without its body.", hdr(0x08), "truncated")
    f.err("truncated_ack_sequence", "§6.5: Ack with its type and 3 of 4 sequence bytes.",
          hdr(0x08) + b"\x01\x00\x00\x00", "truncated")

    # §6.5 length mismatch
    f.err("length_mismatch_audio", "§6.5: Audio length 5 with 2 bytes following.",
          hdr(0x02) + b"\x00\x05\x01\x02", "length_mismatch")
    f.err("length_mismatch_handshake", "§6.5: Handshake length 200 with a short token.",
          hdr(0x01) + b"\x00\xc8" + b"a.b.c", "length_mismatch")
    f.err("length_mismatch_error_message", "§6.5: Error message length 10 with 3 bytes.",
          hdr(0x07) + b"\x00\x09\x04\x00\x0aabc", "length_mismatch")

    # §6.5 trailing bytes
    for name, value in [("join_channel", 3), ("leave_channel", 4), ("heartbeat", 6)]:
        f.err(f"trailing_bytes_{name}", f"§6.5: header-only {name} with one extra byte.",
              hdr(value) + b"\x00", "trailing_bytes")
    f.err("trailing_bytes_set_mute", "§6.5: SetMute with a valid mute byte and one more.",
          hdr(0x05) + b"\x01\x00", "trailing_bytes")
    f.err("trailing_bytes_ack", "§6.5: Ack with a valid body and one more byte.",
          hdr(0x08) + b"\x06\x00\x00\x00\x01\x00", "trailing_bytes")
    f.err("trailing_bytes_audio", "§6.5: Audio length 1 with 2 bytes following.",
          hdr(0x02) + b"\x00\x01\x01\x02", "trailing_bytes")
    f.err("trailing_bytes_handshake", "§6.5: Handshake length 3 (token \"a.b\") and 2 more.",
          hdr(0x01) + b"\x00\x03a.bxx", "trailing_bytes")
    f.err("trailing_bytes_error", "§6.5: Error message length 2 with 3 bytes following.",
          hdr(0x07) + b"\x00\x09\x04\x00\x02abc", "trailing_bytes")

    # §6.5 mute byte
    f.err("invalid_mute_byte_0x02", "§6.5: mute byte 0x02.", hdr(0x05) + b"\x02",
          "invalid_mute_byte")
    f.err("invalid_mute_byte_0xff", "§6.5: mute byte 0xFF.", hdr(0x05) + b"\xff",
          "invalid_mute_byte")

    # §4 handshake payload
    def hs_raw(payload: bytes) -> bytes:
        return hdr(0x01) + u16_prefixed(payload)

    f.err("malformed_handshake_json_syntax", "§4: starts with '{' but is not JSON.",
          hs_raw(b"{bad"), "malformed_handshake_json")
    f.err("malformed_handshake_json_missing_channel_id", "§4: no channel_id member.",
          hs_raw(('{"token":"%s"}' % TOK).encode()), "malformed_handshake_json")
    f.err("malformed_handshake_json_missing_token", "§4: no token member.",
          hs_raw(b'{"channel_id":"main"}'), "malformed_handshake_json")
    f.err("malformed_handshake_json_token_not_string", "§4: token is a number.",
          hs_raw(b'{"token":123,"channel_id":"main"}'), "malformed_handshake_json")
    f.err("malformed_handshake_json_channel_null", "§4: channel_id is null.",
          hs_raw(('{"token":"%s","channel_id":null}' % TOK).encode()),
          "malformed_handshake_json")
    f.err("malformed_handshake_json_trailing_garbage", "§4: the payload is one JSON object.",
          hs_raw(hs_payload_json(TOK, "main") + b"x"), "malformed_handshake_json")
    f.err("invalid_token_encoding_legacy_empty", "§4: an empty legacy token.", hs_raw(b""),
          "invalid_token_encoding")
    f.err("invalid_token_encoding_legacy_space", "§4: a space in a legacy token.",
          hs_raw(b"a.b c"), "invalid_token_encoding")
    f.err("invalid_token_encoding_legacy_base64_padding",
          "§4: '=', '+' and '/' are not in the JWT alphabet.", hs_raw(b"ab+/=.c"),
          "invalid_token_encoding")
    f.err("invalid_token_encoding_legacy_not_utf8", "§4: a legacy payload that is not text.",
          hs_raw(b"a.\xff"), "invalid_token_encoding")
    f.err("invalid_token_encoding_json_empty_token", "§4: JSON with an empty token.",
          hs_raw(b'{"token":"","channel_id":"main"}'), "invalid_token_encoding")
    f.err("invalid_token_encoding_json_bad_character", "§4: JSON token with a space.",
          hs_raw(b'{"token":"a.b c","channel_id":"main"}'), "invalid_token_encoding")
    f.err("leading_space_makes_a_legacy_payload",
          "§4: only a first byte '{' selects JSON; ' {…}' is a legacy token with bad "
          "characters.",
          hs_raw(b" " + hs_payload_json(TOK, "main")), "invalid_token_encoding")

    # §6.5 Error and Ack bodies
    f.err("invalid_error_message_not_utf8", "§6.5: Error message byte 0xFF.",
          hdr(0x07) + b"\x00\x01\x02\x00\x01\xff", "invalid_error_message")
    f.err("invalid_error_message_truncated_utf8", "§6.5: a UTF-8 sequence cut short.",
          hdr(0x07) + b"\x00\x01\x02\x00\x02a\xc3", "invalid_error_message")
    f.err("invalid_acked_type_0x00", "§3: an Ack must name one of the eight types.",
          hdr(0x08) + b"\x00\x00\x00\x00\x01", "invalid_acked_type")
    f.err("invalid_acked_type_0x09", "§3: 0x09 is not a type.",
          hdr(0x08) + b"\x09\x00\x00\x00\x01", "invalid_acked_type")
    return f


# --------------------------------------------------------------------------------------------
# Scenario DSL
# --------------------------------------------------------------------------------------------


def session_started(user, chan, addr):
    return {"type": "session_started", "user_id": user, "channel_id": chan, "addr": addr}


def session_ended(user, chan, addr, reason):
    return {"type": "session_ended", "user_id": user, "channel_id": chan, "addr": addr,
            "reason": reason}


def user_joined(user, chan, addr):
    return {"type": "user_joined", "user_id": user, "channel_id": chan, "addr": addr}


def user_left(user, chan, addr, reason):
    return {"type": "user_left", "user_id": user, "channel_id": chan, "addr": addr,
            "reason": reason}


def user_muted(user, chan, muted):
    return {"type": "user_muted", "user_id": user, "channel_id": chan, "muted": muted}


def audio_packet(user, chan, seq, data: bytes):
    return {"type": "audio_packet", "from_user_id": user, "channel_id": chan, "sequence": seq,
            "data": data.hex()}


def err(addr, kind):
    """Event: a datagram from `addr` was refused or dropped (hark-core's AudioError::kind)."""
    return {"type": "error", "addr": addr, "error": kind}


def stats(auth, active, users, channels=3):
    """Core-only counters. `users` counts remembered (user, channel) pairs; None leaves it out
    where the spec does not settle what one "user" is."""
    out = {"auth_sessions": auth, "active_members": active, "total_channels": channels}
    if users is not None:
        out["total_users"] = users
    return out


class Scenario:
    def __init__(self, name, description, covers, overrides=None):
        self.doc = {"name": name, "description": description, "covers": covers}
        if overrides:
            self.doc["fixture_overrides"] = overrides
        self.steps = []
        Clock.ms = 0
        Clock.after_reset = False

    def at(self, ms: int) -> "Scenario":
        assert ms >= Clock.ms, "at_ms must not decrease"
        Clock.ms = ms
        return self

    def _step(self, note, input_, tx, ev, st):
        step = {"at_ms": Clock.ms, "note": note}
        step.update(input_)
        expect = {
            "transmits": [{"to": to, "hex": raw.hex()} for to, raw in tx],
            "events": list(ev),
        }
        if st is not None:
            expect["stats"] = st
        step["expect"] = expect
        self.steps.append(step)

    def send(self, client, raw: bytes, note, tx=(), ev=(), st=None):
        assert client in CLIENTS, client
        self._step(note, {"from": client, "send": raw.hex()}, tx, ev, st)

    def _operator_step(self):
        """A live server may serve an operator's request before datagrams already waiting for
        it, so an operator step never shares its instant with a datagram step before it."""
        if self.steps:
            last = self.steps[-1]
            assert "send" not in last or last["at_ms"] < Clock.ms, (
                f"{self.doc['name']}: operator step at {Clock.ms} ms right after a datagram")

    def directory(self, change: dict, note, tx=(), ev=(), st=None):
        self._operator_step()
        self._step(note, {"directory": change}, tx, ev, st)

    def tick(self, note, tx=(), ev=(), st=None):
        self._step(note, {"tick": True}, tx, ev, st)

    def reset(self, note, tx=(), ev=(), st=None):
        self._operator_step()
        self._step(note, {"reset": True}, tx, ev, st)
        Clock.after_reset = True

    def tick_expiring(self, note, *expired, st=None):
        """A tick during which the sessions `(client, user, chan, deadline_ms)` time out (§8
        session_timeout, all joined): each gets its Error stamped with its own deadline."""
        tx, ev = [], []
        for client, user, chan, deadline_ms in expired:
            tx.append((client, error(**SESSION_EXPIRED, user=user, chan=chan,
                                     ts=wall(deadline_ms))))
            ev += [err(client, "session_expired"), user_left(user, chan, client, "expired"),
                   session_ended(user, chan, client, "expired")]
        self.tick(note, tx=tx, ev=ev, st=st)

    # Common exchanges, each expectation written from §7.

    def handshake_ok(self, client, user, chan, seq=0, fmt="json", tok=None, ts=None):
        self.send(
            client,
            hs(user, chan, tok=tok, seq=seq, fmt=fmt, ts=ts),
            f"{user} handshakes ({fmt}) on {chan} from {client}",
            tx=[(client, ack("handshake", seq, user, chan))],
            ev=[session_started(user, chan, client)],
        )

    def join_ok(self, client, user, chan, seq=0):
        self.send(
            client,
            join(user, chan, seq),
            f"{user} joins {chan} from {client}",
            tx=[(client, ack("join_channel", seq, user, chan))],
            ev=[user_joined(user, chan, client)],
        )

    def login(self, client, user, chan):
        self.handshake_ok(client, user, chan)
        self.join_ok(client, user, chan)

    def connect(self, client, user, chan):
        """A confirmed session that has not joined: a handshake, then a heartbeat (§8: so the
        session outlives handshake_timeout)."""
        self.handshake_ok(client, user, chan)
        self.send(client, heartbeat(user, chan), f"{user} confirms the session from {client}",
                  tx=[(client, ack("heartbeat", 0, user, chan))])

    def refused_handshake(self, client, raw, spec, kind, note, user, chan, seq=0, fit=True):
        reply = fitted(spec, raw) if fit else spec
        self.send(client, raw, note, tx=[(client, error(**reply, seq=seq, user=user, chan=chan))],
                  ev=[err(client, kind)])

    def speak(self, client, user, chan, seq, data, listeners, note=None):
        raw = audio(user, chan, seq, data)
        self.send(client, raw, note or f"{user} sends audio #{seq}; forwarded unchanged",
                  tx=[(to, raw) for to in listeners], ev=[audio_packet(user, chan, seq, data)])

    def document(self):
        return dict(self.doc, steps=self.steps)


# --------------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------------

VOICE = pattern(20, seed=0x40)


def handshake_scenarios():
    out = []

    s = Scenario("handshake_json_accepted",
                 "A JSON handshake with a valid token creates a session and is acknowledged "
                 "with its own sequence number.",
                 ["§4 JSON credentials", "§7.2 success: SessionStarted and Ack(Handshake, seq)",
                  "§7.5 reply header: sequence, ids, server clock"])
    s.at(0).handshake_ok("alice", "alice", "main", seq=7)
    s.at(0).tick("stats: one session, nobody joined", st=stats(1, 0, 1))
    out.append(s)

    s = Scenario("handshake_legacy_accepted",
                 "A legacy handshake (the bare token) takes the header's channel; the session "
                 "works like a JSON one.",
                 ["§4 legacy credentials", "§7.2 success", "§7.3 JoinChannel"])
    s.at(0).handshake_ok("bob", "bob", "team", fmt="legacy")
    s.at(100).join_ok("bob", "bob", "team")
    s.at(100).tick("stats", st=stats(1, 1, 1))
    out.append(s)

    s = Scenario("handshake_token_rejections",
                 "Every token fault is answered with invalid_token or token_expired from an "
                 "address without a session, and creates nothing. Boundaries of the leeway pass.",
                 ["§4 bad signature", "§4 exp passed", "§4 leeway on exp",
                  "§4 alg none refused",
                  "§4 other algorithms (HS512) refused", "§4 exp required", "§4 sub required",
                  "§4 nbf in the future", "§4 leeway on nbf",
                  "§7.2 step 4: sub ≠ header user id",
                  "§7.2 step 3", "§5 codes 1 and 2", "§7.5 reply echoes the request's header",
                  "§7.5 no amplification for refused handshakes",
                  "§4 alg is case-sensitive and required", "§4 exp is integer seconds",
                  "§4 other claims (iat, aud, iss, custom) and header members are ignored"])
    ms = 0

    def bad(tok, spec, kind, why, user="alice"):
        nonlocal ms
        ms += 50  # every step stays within the first second: one wall-clock second
        seq = ms // 50
        s.at(boundary(ms)).refused_handshake("stranger", hs(user, "main", tok=tok, seq=seq),
                                             spec, kind, why, user=user, chan="main", seq=seq)

    now = wall(0)
    bad(jwt(claims("alice"), secret="wrong-secret"), INVALID_TOKEN, "invalid_token",
        "token signed with another secret")
    bad(token("alice", exp=START - 3600), TOKEN_EXPIRED, "invalid_token",
        "token expired an hour ago")
    bad(token("alice", exp=now - 6), TOKEN_EXPIRED, "invalid_token",
        "exp + leeway (5 s) is one second in the past")
    bad(jwt(claims("alice"), header={"alg": "none", "typ": "JWT"}, alg_none=True),
        INVALID_TOKEN, "invalid_token", "alg none, empty signature")
    bad(jwt(claims("alice"), header={"alg": "HS512", "typ": "JWT"}), INVALID_TOKEN,
        "invalid_token", "header says HS512 (signed with HS256 over that header)")
    bad(token("alice", exp=None), INVALID_TOKEN, "invalid_token", "no exp claim")
    bad(jwt(claims(None)), INVALID_TOKEN, "invalid_token", "no sub claim")
    bad(token("alice", nbf=now + 6), INVALID_TOKEN, "invalid_token",
        "nbf is one second beyond the leeway")
    bad(token("bob"), INVALID_TOKEN, "subject_mismatch", "valid token for bob, header says alice")
    bad("abc.def.ghi", INVALID_TOKEN, "invalid_token", "three segments that are not a JWT")
    bad(jwt(claims("alice"), header={"alg": "hs256", "typ": "JWT"}), INVALID_TOKEN,
        "invalid_token", "alg hs256: algorithm names are case-sensitive")
    bad(jwt(claims("alice"), header={"typ": "JWT"}), INVALID_TOKEN, "invalid_token",
        "no alg in the header")
    bad(jwt({"sub": "alice", "iat": START - 60, "exp": str(START + 3600)}), INVALID_TOKEN,
        "invalid_token", "exp is a string, not integer seconds")
    # §7.5 applies to handshakes too: a reply is never larger than the request.
    for tok, note in [("a.b.c", "a 28-byte handshake: the reply's message is cut to 2 bytes"),
                      ("a.b", "a 26-byte handshake: the reply has an empty message")]:
        ms += 50
        raw = hs("alice", "main", tok=tok, fmt="legacy")
        s.at(ms).send("stranger", raw, note,
                      tx=[("stranger", error(**fitted(INVALID_TOKEN, raw), user="alice",
                                             chan="main"))],
                      ev=[err("stranger", "invalid_token")])
    ms += 50
    s.at(ms).send("stranger", hs("alice", "main", tok="ab", fmt="legacy"),
                  "a 25-byte handshake: no reply fits", ev=[err("stranger", "invalid_token")])
    ms += 50
    assert wall(ms) == now
    s.at(boundary(ms)).tick("nothing was created", st=stats(0, 0, 0))
    s.at(ms).handshake_ok("dave", "dave", "main", tok=token("dave", exp=now - 5))
    s.at(ms).handshake_ok("erin", "erin", "main", tok=token("erin", nbf=now + 5))
    s.at(ms).handshake_ok("alice_phone", "alice", "main", tok=jwt(claims("alice"),
                                                                   header={"alg": "HS256"}))
    s.at(ms).handshake_ok("bob", "bob", "main",
                          tok=jwt(claims("bob", aud="hark", iss="issuer", role="admin"),
                                  header={"typ": "JWT", "alg": "HS256", "kid": "k1"}))
    s.at(ms).tick("the leeway boundaries, a header without typ, other claims: all pass",
                  st=stats(4, 0, 4))
    out.append(s)

    s = Scenario("handshake_directory_rejections",
                 "Channel, membership and ban checks, in the seed's order: membership before ban.",
                 ["§7.2 step 5: channel not found", "§7.2 step 5: not a member",
                  "§7.2 step 5: banned", "§7.2 step 5: membership checked before ban",
                  "§5 codes 3, 4, 5"])
    cases = [
        ("alice", "nope", CHANNEL_NOT_FOUND, "channel_not_found", "alice asks for channel nope"),
        ("dave", "team", NOT_A_MEMBER, "not_a_member", "dave is not a member of team"),
        ("mallory", "team", BANNED, "banned", "mallory is a member of team, and banned"),
        ("eve", "team", NOT_A_MEMBER, "not_a_member", "eve is banned from team but not a member"),
        ("mallory", "main", BANNED, "banned", "mallory is banned from the open channel main"),
    ]
    for i, (user, chan, spec, kind, why) in enumerate(cases):
        s.at(100 * (i + 1)).refused_handshake("stranger", hs(user, chan), spec, kind, why,
                                              user=user, chan=chan)
    s.at(600).tick("nothing was created", st=stats(0, 0, 0))
    out.append(s)

    s = Scenario("handshake_header_checks",
                 "Clock skew and the JSON channel are checked first, before the token; skew "
                 "boundaries pass.",
                 ["§7.2 step 1: clock skew", "§7.2 step 2: JSON channel_id ≠ header channel",
                  "§7.2 order: skew before channel before token before directory",
                  "§10.10 ±max_clock_skew", "§5 codes 11 and 12"])
    s.at(boundary(1000))
    now = wall(1000)
    s.refused_handshake("stranger", hs("alice", "main", ts=now + 31, seq=1), CLOCK_SKEW,
                        "clock_skew", "timestamp 31 s ahead", user="alice", chan="main", seq=1)
    s.refused_handshake("stranger", hs("alice", "main", ts=now - 31, seq=2), CLOCK_SKEW,
                        "clock_skew", "timestamp 31 s behind", user="alice", chan="main", seq=2)
    s.refused_handshake("stranger",
                        hs("alice", "main", tok=jwt(claims("alice"), secret="x"), ts=now + 31),
                        CLOCK_SKEW, "clock_skew", "skew and a bad signature: skew is reported",
                        user="alice", chan="main")
    s.refused_handshake("stranger", hs("alice", "main", chan_json="team"), CHANNEL_MISMATCH,
                        "handshake_channel_mismatch", "JSON channel_id team, header main",
                        user="alice", chan="main")
    s.refused_handshake("stranger",
                        hs("alice", "main", chan_json="tiny", tok=token("alice", exp=START - 60)),
                        CHANNEL_MISMATCH, "handshake_channel_mismatch",
                        "channel mismatch and an expired token: the mismatch is reported",
                        user="alice", chan="main")
    s.refused_handshake("stranger", hs("alice", "nope", tok=token("alice", exp=START - 60)),
                        TOKEN_EXPIRED, "invalid_token",
                        "expired token for an unknown channel: the token is reported",
                        user="alice", chan="nope")
    s.handshake_ok("bob", "bob", "main", ts=now + 30)
    s.handshake_ok("carol", "carol", "main", ts=now - 30)
    s.tick("only the two boundary handshakes made sessions", st=stats(2, 0, 2))
    out.append(s)

    s = Scenario("handshake_session_limits_per_user",
                 "max_sessions_per_user (2 in the fixture) counts a user's sessions across "
                 "addresses and channels, not counting the one a handshake replaces.",
                 ["§7.2 step 6: too many sessions per user",
                  "§7.2 step 6: the replaced session is not counted",
                  "§7.1 renewal at the per-user limit",
                  "§7.1 replaced (same address, other channel)", "§5 code 14"])
    s.at(0).handshake_ok("alice", "alice", "main")
    s.at(100).handshake_ok("alice_phone", "alice", "main")
    s.at(200).refused_handshake("stranger", hs("alice", "main"), TOO_MANY_SESSIONS,
                                "too_many_sessions_for_user", "a third session for alice",
                                user="alice", chan="main")
    s.at(250).send("alice_phone", hs("alice", "main", tok=token("alice", iat=START)),
                   "alice renews on alice_phone: a renewal is not a new session",
                   tx=[("alice_phone", ack("handshake", 0, "alice", "main"))])
    s.at(300).send("alice", hs("alice", "tiny"),
                   "alice moves the alice address to tiny: replaces her own session",
                   tx=[("alice", ack("handshake", 0, "alice", "tiny"))],
                   ev=[session_ended("alice", "main", "alice", "replaced"),
                       session_started("alice", "tiny", "alice")])
    s.at(400).handshake_ok("bob", "bob", "main")
    s.at(400).tick("alice keeps two sessions, bob has one", st=stats(3, 0, None))
    out.append(s)

    s = Scenario("handshake_server_full",
                 "With max_sessions 2 the third session is refused; a handshake that replaces "
                 "a session on a full server is allowed.",
                 ["§7.2 step 6: server full (max_sessions)", "§9 max_sessions",
                  "§7.1 replaced by another user", "§5 code 14"],
                 overrides={"config": {"max_sessions": 2}})
    s.at(0).handshake_ok("alice", "alice", "main")
    s.at(100).handshake_ok("bob", "bob", "main")
    s.at(200).refused_handshake("carol", hs("carol", "main"), TOO_MANY_SESSIONS, "server_full",
                                "a third session on a server that holds two", user="carol",
                                chan="main")
    s.at(300).send("bob", hs("carol", "main"), "carol takes over bob's address: replaces it",
                   tx=[("bob", ack("handshake", 0, "carol", "main"))],
                   ev=[session_ended("bob", "main", "bob", "replaced"),
                       session_started("carol", "main", "bob")],
                   st=stats(2, 0, 3))
    out.append(s)

    # §4 max_token_len: pad a valid token to exactly the limit, and to one more.
    def padded(user, length):
        for n in range(0, 400):
            tok = token(user, pad="p" * n)
            if len(tok) == length:
                return tok
        raise AssertionError(f"no padding gives {length}")

    limit = 256
    while True:  # a limit L such that tokens of length L and L + 1 both exist
        try:
            at_limit, over = padded("alice", limit), padded("bob", limit + 1)
            break
        except AssertionError:
            limit += 1
    s = Scenario("handshake_token_length_limit",
                 f"With max_token_len {limit}, a valid token of exactly {limit} characters is "
                 f"accepted and one of {limit + 1} is refused before it is decoded.",
                 ["§4 max_token_len", "§9 max_token_len", "§5 code 1"],
                 overrides={"config": {"max_token_len": limit}})
    s.at(0).handshake_ok("alice", "alice", "main", tok=at_limit)
    s.at(100).refused_handshake("bob", hs("bob", "main", tok=over), INVALID_TOKEN, "invalid_token",
                                f"bob's otherwise valid token is {limit + 1} characters",
                                user="bob", chan="main")
    out.append(s)

    s = Scenario("token_renewal_keeps_state",
                 "A handshake from a session's own address for the same user and channel renews "
                 "the token: no new session, membership and mute kept, acknowledged again. A "
                 "failed renewal changes nothing.",
                 ["§7.1 renewal keeps membership and mute", "§7.2 Ack on renewal",
                  "§7.4 the replay window belongs to the session (kept on renewal)",
                  "§7.2 a refused handshake changes nothing",
                  "§7.5 replies to a session are not cut"])
    s.at(0).login("alice", "alice", "main")
    s.at(0).login("bob", "bob", "main")
    s.at(300).speak("alice", "alice", "main", 1, VOICE, ["bob"])
    s.at(500).send("alice", hs("alice", "main", tok=token("alice", iat=START + 2,
                                                        exp=START + 7200), seq=3),
                    "alice renews with a fresh token: acknowledged, no event",
                    tx=[("alice", ack("handshake", 3, "alice", "main"))], st=stats(2, 2, 2))
    s.at(600).speak("alice", "alice", "main", 2, VOICE, ["bob"],
                     "alice is still joined: her audio is forwarded")
    s.at(650).send("alice", audio("alice", "main", 1, VOICE),
                    "same session, same replay window: sequence 1 is still a duplicate",
                    ev=[err("alice", "duplicate_sequence")])
    mute = set_mute("alice", "main", True)
    s.at(700).send("alice", mute, "alice mutes",
                    tx=[("bob", mute), ("alice", ack("set_mute", 0, "alice", "main"))],
                    ev=[user_muted("alice", "main", True)])
    s.at(800).send("alice", hs("alice", "main", fmt="legacy",
                                tok=token("alice", iat=START + 2, exp=START + 9000)),
                    "alice renews again (legacy format)",
                    tx=[("alice", ack("handshake", 0, "alice", "main"))])
    s.at(900).send("alice", audio("alice", "main", 3, VOICE),
                    "alice is still muted: audio dropped", ev=[err("alice", "sender_muted")])
    s.at(1000).send("alice", hs("alice", "main", tok=token("alice", exp=START - 60), seq=4),
                    "a renewal with an expired token is refused in full (the address has a "
                    "session)",
                    tx=[("alice", error(**TOKEN_EXPIRED, seq=4, user="alice", chan="main"))],
                    ev=[err("alice", "invalid_token")])
    unmute = set_mute("alice", "main", False)
    s.at(1100).send("alice", unmute, "the session survived the refusal: alice unmutes",
                    tx=[("bob", unmute), ("alice", ack("set_mute", 0, "alice", "main"))],
                    ev=[user_muted("alice", "main", False)])
    s.at(1200).speak("alice", "alice", "main", 4, VOICE, ["bob"])
    out.append(s)

    s = Scenario("handshake_replaces_session_of_another_user",
                 "An address that completes a handshake for another user ends its old session "
                 "(replaced): the old user leaves, the new one starts unjoined.",
                 ["§7.1 replaced: UserLeft and SessionEnded with reason replaced",
                  "§7.3 the header user must be the session's (old identity now spoofing)"])
    s.at(0).login("alice", "alice", "main")
    s.at(0).login("bob", "bob", "main")
    s.at(1000).send("alice", hs("erin", "main"), "erin handshakes from alice's address",
                    tx=[("alice", ack("handshake", 0, "erin", "main"))],
                    ev=[user_left("alice", "main", "alice", "replaced"),
                        session_ended("alice", "main", "alice", "replaced"),
                        session_started("erin", "main", "alice")],
                    st=stats(2, 1, 3))
    s.at(1100).speak("bob", "bob", "main", 1, VOICE, [],
                     "bob's audio reaches nobody: erin has not joined")
    s.at(1200).join_ok("alice", "erin", "main")
    s.at(1300).speak("bob", "bob", "main", 2, VOICE, ["alice"])
    s.at(1400).send("alice", heartbeat("alice", "main"),
                    "a packet as alice from that address is now spoofing: dropped silently",
                    ev=[err("alice", "user_mismatch")])
    out.append(s)
    return out


def membership_scenarios():
    out = []
    s = Scenario("join_and_leave",
                 "JoinChannel makes the session an active member; joining twice and leaving "
                 "when not joined are acknowledged and change nothing.",
                 ["§7.3 JoinChannel: UserJoined, Ack", "§7.3 joining twice",
                  "§7.3 LeaveChannel: UserLeft reason left, Ack, session stays",
                  "§7.3 LeaveChannel when not joined", "§10.4 handshake then JoinChannel"])
    s.at(0).handshake_ok("alice", "alice", "main")
    s.at(100).join_ok("alice", "alice", "main")
    s.at(100).tick("alice is an active member", st=stats(1, 1, 1))
    s.at(200).send("alice", join("alice", "main", 5), "alice joins again (sequence 5)",
                   tx=[("alice", ack("join_channel", 5, "alice", "main"))], st=stats(1, 1, 1))
    s.at(300).send("alice", leave("alice", "main"), "alice leaves",
                   tx=[("alice", ack("leave_channel", 0, "alice", "main"))],
                   ev=[user_left("alice", "main", "alice", "left")], st=stats(1, 0, 1))
    s.at(400).send("alice", leave("alice", "main", 6), "alice leaves again",
                   tx=[("alice", ack("leave_channel", 6, "alice", "main"))], st=stats(1, 0, 1))
    s.at(500).join_ok("alice", "alice", "main")
    out.append(s)

    s = Scenario("channel_full",
                 "JoinChannel into a channel holding max_users active members is refused with "
                 "channel_full; a place freed by a leave can be taken.",
                 ["§7.3 channel_full", "§5 code 13", "§9 per-channel max_users"])
    for i, who in enumerate(["alice", "bob", "carol"]):
        s.at(i * 10).login(who, who, "tiny")
    s.at(100).handshake_ok("dave", "dave", "tiny")
    s.at(200).send("dave", join("dave", "tiny", 2), "dave is the fourth: tiny is full",
                   tx=[("dave", error(**CHANNEL_FULL, seq=2, user="dave", chan="tiny"))],
                   ev=[err("dave", "channel_full")], st=stats(4, 3, 4))
    s.at(300).send("carol", leave("carol", "tiny"), "carol leaves",
                   tx=[("carol", ack("leave_channel", 0, "carol", "tiny"))],
                   ev=[user_left("carol", "tiny", "carol", "left")])
    s.at(400).join_ok("dave", "dave", "tiny")
    s.at(500).speak("dave", "dave", "tiny", 1, VOICE, ["alice", "bob"],
                    "dave's audio reaches alice and bob, not carol who left")
    out.append(s)

    s = Scenario("mute_and_unmute",
                 "SetMute changes the user's state once (event and relay of the datagram to the "
                 "other active members), is always acknowledged, and a muted user's audio is "
                 "not forwarded while they still hear others.",
                 ["§7.3 SetMute: UserMuted, relay unchanged, Ack", "§7.3 SetMute without change",
                  "§7.3 muted user's audio not forwarded",
                  "§7.3 SetMute from a non-member: no relay",
                  "§10.13 mute is relayed"])
    for who in ["alice", "bob", "carol"]:
        s.at(0).login(who, who, "main")
    s.at(0).handshake_ok("dave", "dave", "main")
    s.at(0).send("dave", heartbeat("dave", "main"), "dave confirms his session",
                 tx=[("dave", ack("heartbeat", 0, "dave", "main"))])
    mute = set_mute("alice", "main", True)
    s.at(1000).send("alice", mute, "alice mutes: bob and carol get her SetMute datagram",
                    tx=[("bob", mute), ("carol", mute),
                        ("alice", ack("set_mute", 0, "alice", "main"))],
                    ev=[user_muted("alice", "main", True)])
    s.at(1100).send("alice", set_mute("alice", "main", True, seq=1),
                    "alice mutes again: acknowledged, nothing changes",
                    tx=[("alice", ack("set_mute", 1, "alice", "main"))])
    s.at(1200).send("alice", audio("alice", "main", 1, VOICE),
                    "alice's audio is dropped while muted", ev=[err("alice", "sender_muted")])
    s.at(1300).speak("bob", "bob", "main", 1, VOICE, ["alice", "carol"],
                     "bob's audio still reaches alice")
    unmute = set_mute("alice", "main", False)
    s.at(1400).send("alice", unmute, "alice unmutes",
                    tx=[("bob", unmute), ("carol", unmute),
                        ("alice", ack("set_mute", 0, "alice", "main"))],
                    ev=[user_muted("alice", "main", False)])
    s.at(1500).speak("alice", "alice", "main", 2, VOICE, ["bob", "carol"])
    s.at(1600).send("dave", set_mute("dave", "main", True),
                    "dave (not joined) mutes: acknowledged, no relay",
                    tx=[("dave", ack("set_mute", 0, "dave", "main"))],
                    ev=[user_muted("dave", "main", True)])
    s.at(1700).join_ok("dave", "dave", "main")
    s.at(1800).send("dave", audio("dave", "main", 1, VOICE),
                    "dave's mute holds after joining", ev=[err("dave", "sender_muted")])
    out.append(s)

    s = Scenario("heartbeat_ack",
                 "Heartbeats are acknowledged with their own sequence, are not replay-checked, "
                 "and confirm a pending session.",
                 ["§7.3 Heartbeat: Ack(Heartbeat, sequence)", "§7.4 only Audio is replay-checked",
                  "§8 a valid packet confirms a pending session"])
    s.at(0).handshake_ok("alice", "alice", "main")
    s.at(100).send("alice", heartbeat("alice", "main"), "heartbeat, sequence 0",
                   tx=[("alice", ack("heartbeat", 0, "alice", "main"))])
    s.at(200).send("alice", heartbeat("alice", "main", 42), "heartbeat, sequence 42",
                   tx=[("alice", ack("heartbeat", 42, "alice", "main"))])
    s.at(300).send("alice", heartbeat("alice", "main", 42), "sequence 42 again: still answered",
                   tx=[("alice", ack("heartbeat", 42, "alice", "main"))])
    s.at(after(HANDSHAKE_TIMEOUT_MS)).tick(
        "past the handshake timeout: the confirmed session lives", st=stats(1, 0, 1))
    out.append(s)

    s = Scenario("mute_belongs_to_the_user",
                 "Mute is the user's in the channel, not the address's: set from one session it "
                 "silences the user's other session too.",
                 ["§7.3 mute belongs to the user in that channel, not to the address",
                  "§7.3 SetMute from a non-member: no relay"])
    s.at(0).login("alice", "alice", "main")
    s.at(0).login("bob", "bob", "main")
    s.at(0).handshake_ok("alice_phone", "alice", "main")
    s.at(100).send("alice_phone", set_mute("alice", "main", True),
                   "alice mutes from her phone (not joined): no relay",
                   tx=[("alice_phone", ack("set_mute", 0, "alice", "main"))],
                   ev=[user_muted("alice", "main", True)])
    s.at(200).send("alice", audio("alice", "main", 1, VOICE),
                   "audio from alice's other address is dropped: she is muted",
                   ev=[err("alice", "sender_muted")])
    s.at(300).send("alice", set_mute("alice", "main", True),
                   "muting again from the other address changes nothing",
                   tx=[("alice", ack("set_mute", 0, "alice", "main"))])
    unmute = set_mute("alice", "main", False)
    s.at(400).send("alice", unmute, "alice unmutes from the joined address: relayed to bob",
                   tx=[("bob", unmute), ("alice", ack("set_mute", 0, "alice", "main"))],
                   ev=[user_muted("alice", "main", False)])
    s.at(500).speak("alice", "alice", "main", 2, VOICE, ["bob"])
    out.append(s)

    s = Scenario("channel_full_default_limit",
                 "A channel without its own max_users takes default_max_users_per_channel "
                 "(2 here).",
                 ["§7.3 channel_full with default_max_users_per_channel",
                  "§9 default_max_users_per_channel"],
                 overrides={"config": {"default_max_users_per_channel": 2}})
    s.at(0).login("alice", "alice", "main")
    s.at(0).login("bob", "bob", "main")
    s.at(0).handshake_ok("carol", "carol", "main")
    s.at(100).send("carol", join("carol", "main"), "carol would be the third in main",
                   tx=[("carol", error(**CHANNEL_FULL, user="carol", chan="main"))],
                   ev=[err("carol", "channel_full")], st=stats(3, 2, 3))
    s.at(200).login("dave", "dave", "tiny")
    out.append(s)
    return out


def audio_scenarios():
    out = []
    s = Scenario("audio_fan_out",
                 "Audio from an active member goes, byte for byte, to every other active member "
                 "except the sender and the sender's other sessions; empty audio too.",
                 ["§7.3 Audio fan-out: original datagram to every other member",
                  "§10.12 no echo to the sender nor its other sessions", "§7.3 Event AudioPacket",
                  "§7.3 audio is never acknowledged", "§7.4 one replay window per session"])
    for client, user in [("alice", "alice"), ("alice_phone", "alice"), ("bob", "bob"),
                         ("carol", "carol"), ("dave", "dave")]:
        s.at(0).login(client, user, "main")
    s.at(0).tick("five sessions joined", st=stats(5, 5, 4))
    s.at(1000).speak("alice", "alice", "main", 1, VOICE, ["bob", "carol", "dave"],
                     "alice speaks: not to alice nor alice_phone")
    s.at(1100).speak("bob", "bob", "main", 1, pattern(33, 7),
                     ["alice", "alice_phone", "carol", "dave"], "bob speaks: both alice devices")
    s.at(1200).speak("alice_phone", "alice", "main", 1, VOICE, ["bob", "carol", "dave"],
                     "alice's phone has its own replay window: sequence 1 is fresh there")
    s.at(1300).speak("carol", "carol", "main", 7, b"", ["alice", "alice_phone", "bob", "dave"],
                     "empty audio is forwarded")
    out.append(s)

    s = Scenario("audio_from_non_member_session",
                 "Audio from a session that has not joined is dropped with an event, never "
                 "answered.",
                 ["§7.3 Audio only from active members", "§7.3 audio faults are never answered",
                  "§10.4 audio before JoinChannel is dropped"])
    s.at(0).handshake_ok("alice", "alice", "main")
    s.at(0).login("bob", "bob", "main")
    s.at(100).send("alice", audio("alice", "main", 1, VOICE), "alice has not joined",
                   ev=[err("alice", "not_joined")])
    out.append(s)

    s = Scenario("audio_from_unknown_address",
                 "Type 2–6 packets from an address without a session get not_authenticated, "
                 "never more bytes than they carried; too short for a reply, nothing.",
                 ["§7.3 not_authenticated", "§7.5 no amplification: message cut to fit",
                  "§7.5 shorter than 26 bytes: nothing sent", "§5 code 8"])
    for i, (n, note) in enumerate([(40, "63 bytes: the whole 61-byte reply fits"),
                                   (10, "33 bytes: the message is cut to 7 bytes"),
                                   (3, "26 bytes: an empty message")]):
        raw = audio("ghost", "main", i + 3, pattern(n))
        s.at(100 * (i + 1)).send(
            "stranger", raw, note,
            tx=[("stranger", error(**fitted(NOT_AUTHENTICATED, raw), seq=i + 3, user="ghost",
                                   chan="main"))],
            ev=[err("stranger", "not_authenticated")])
    for raw, note in [(audio("ghost", "main", 9, pattern(2)), "25 bytes: no reply fits"),
                      (heartbeat("ghost", "main"), "a 21-byte Heartbeat: nothing"),
                      (join("ghost", "main"), "a 21-byte JoinChannel: nothing"),
                      (set_mute("ghost", "main", True), "a 22-byte SetMute: nothing")]:
        s.at(500).send("stranger", raw, note, ev=[err("stranger", "not_authenticated")])
    s.at(500).tick("nothing was created", st=stats(0, 0, 0))
    out.append(s)

    s = Scenario("unauthenticated_reply_rate_limit",
                 "Replies to addresses without a session are limited server-wide (the "
                 "fixture's 10/s, burst 20); replies to sessions are not.",
                 ["§7.5 unauthenticated_reply_rate, server-wide",
                  "§7.5 only replies sent count against the rate",
                  "§9 unauthenticated_reply_rate (10/s burst 20 in the fixture)"])
    s.at(0).connect("alice", "alice", "main")
    # The flood starts well after alice's Acks, when the limiter is full again whether or not
    # an implementation counts them.
    flood = 500
    for _ in range(5):
        s.at(flood).send("stranger", heartbeat("ghost", "main"),
                        "21 bytes: too short for a reply, so no reply is spent",
                        ev=[err("stranger", "not_authenticated")])
    s.at(flood).send("stranger", error(**MALFORMED_PACKET, user="ghost", chan="main"),
                    "an Error from a client is ignored: no reply is spent",
                    ev=[err("stranger", "unexpected_packet_type")])
    burst = REPLY_RATE["burst"]
    for seq in range(1, burst + 1):
        raw = audio("ghost", "main", seq, pattern(40))
        s.at(flood).send("stranger", raw, f"unauthenticated packet {seq}: answered",
                        tx=[("stranger", error(**NOT_AUTHENTICATED, seq=seq, user="ghost",
                                               chan="main"))],
                        ev=[err("stranger", "not_authenticated")])
    s.at(flood).send("mallory", audio("ghost", "main", burst + 1, pattern(40)),
                    "the 21st, from another address: the limit is server-wide, not answered",
                    ev=[err("mallory", "not_authenticated")])
    s.at(flood).send("alice", heartbeat("alice", "tiny", 1),
                    "a session's Error is not limited",
                    tx=[("alice", error(**CHANNEL_MISMATCH, seq=1, user="alice", chan="tiny"))],
                    ev=[err("alice", "channel_mismatch")])
    # One and a half refill intervals later: one token is back whether the real clock is up to
    # half an interval early or late.
    later = flood + refill_ms(REPLY_RATE) * 3 // 2
    raw = audio("ghost", "main", burst + 2, pattern(40))
    s.at(later).send("stranger", raw,
                     f"{later - flood} ms later one reply is available again",
                     tx=[("stranger", error(**NOT_AUTHENTICATED, seq=burst + 2, user="ghost",
                                            chan="main"))],
                     ev=[err("stranger", "not_authenticated")])
    s.at(later).send("stranger", audio("ghost", "main", burst + 3, pattern(40)), "and only one",
                    ev=[err("stranger", "not_authenticated")])
    out.append(s)

    s = Scenario("replay_window",
                 "Duplicate and too-old audio sequences are dropped silently; reordered "
                 "sequences inside the 64-wide window and any higher one are forwarded.",
                 ["§7.4 duplicate_sequence dropped", "§7.4 stale_sequence (64 or more below)",
                  "§7.4 reordering within the window", "§7.4 gaps accepted",
                  "§7.4 control packets are not replay-checked"])
    s.at(0).login("alice", "alice", "main")
    s.at(0).login("bob", "bob", "main")
    ms = 100

    def fwd(seq, note):
        nonlocal ms
        s.at(ms).speak("alice", "alice", "main", seq, VOICE, ["bob"], note)
        ms += 10

    def drop(seq, kind, note):
        nonlocal ms
        s.at(ms).send("alice", audio("alice", "main", seq, VOICE), note, ev=[err("alice", kind)])
        ms += 10

    fwd(10, "first audio, sequence 10")
    drop(10, "duplicate_sequence", "10 again: duplicate")
    fwd(8, "8 arrives late: inside the window")
    fwd(9, "9 arrives late")
    drop(8, "duplicate_sequence", "8 again")
    fwd(11, "11")
    fwd(100, "100: a gap is loss, not attack")
    drop(36, "stale_sequence", "36 is 64 below 100: stale")
    fwd(37, "37 is 63 below 100: inside the window")
    drop(37, "duplicate_sequence", "37 again")
    fwd(5000, "5000")
    fwd(4999, "4999, just below the new highest")
    drop(100, "stale_sequence", "100 is now far below")
    for seq in (0, 0):
        s.at(ms).send("alice", heartbeat("alice", "main", seq), "heartbeat, sequence 0",
                      tx=[("alice", ack("heartbeat", seq, "alice", "main"))])
    out.append(s)

    s = Scenario("spoofed_user_id",
                 "A packet whose header user id is not its session's is dropped silently and "
                 "affects no one.",
                 ["§7.3 step 1: spoofed user id dropped silently", "§7.5 silent drops"])
    s.at(0).login("alice", "alice", "main")
    s.at(0).login("bob", "bob", "main")
    s.at(100).send("alice", audio("bob", "main", 1, VOICE), "audio as bob from alice's address",
                   ev=[err("alice", "user_mismatch")])
    s.at(200).send("alice", heartbeat("bob", "main"), "heartbeat as bob",
                   ev=[err("alice", "user_mismatch")])
    s.at(300).send("alice", leave("bob", "main"), "LeaveChannel as bob",
                   ev=[err("alice", "user_mismatch")], st=stats(2, 2, 2))
    s.at(400).speak("bob", "bob", "main", 1, VOICE, ["alice"], "bob is unaffected")
    out.append(s)

    s = Scenario("channel_mismatch_on_session",
                 "A session packet naming another channel is answered channel_mismatch, except "
                 "audio which is dropped unanswered.",
                 ["§7.3 step 3: channel mismatch", "§7.3 audio faults never answered",
                  "§7.3 order: user id, then channel, then clock", "§5 code 12"])
    s.at(0).login("alice", "alice", "main")
    s.at(0).login("bob", "bob", "main")
    s.at(100).send("alice", heartbeat("alice", "team", 4), "heartbeat for team",
                   tx=[("alice", error(**CHANNEL_MISMATCH, seq=4, user="alice", chan="team"))],
                   ev=[err("alice", "channel_mismatch")])
    s.at(200).send("alice", join("alice", "tiny"), "JoinChannel for tiny",
                   tx=[("alice", error(**CHANNEL_MISMATCH, user="alice", chan="tiny"))],
                   ev=[err("alice", "channel_mismatch")])
    s.at(300).send("alice", audio("alice", "team", 1, VOICE), "audio for team: dropped",
                   ev=[err("alice", "channel_mismatch")])
    s.at(350).send("alice", heartbeat("bob", "team"),
                   "spoofed user and wrong channel: the spoofing check comes first, silent",
                   ev=[err("alice", "user_mismatch")])
    s.at(360).send("alice", heartbeat("alice", "team", 5, ts=wall(360) + 31),
                   "wrong channel and clock skew: the channel check comes first",
                   tx=[("alice", error(**CHANNEL_MISMATCH, seq=5, user="alice", chan="team"))],
                   ev=[err("alice", "channel_mismatch")])
    s.at(400).speak("alice", "alice", "main", 2, VOICE, ["bob"], "audio for main: forwarded")
    out.append(s)

    s = Scenario("clock_skew_on_session",
                 "Every session packet's timestamp must be within max_clock_skew (30 s) of the "
                 "server's clock; audio is dropped unanswered.",
                 ["§7.3 step 4: clock skew", "§10.10 every packet", "§5 code 11"])
    s.at(0).login("alice", "alice", "main")
    s.at(0).login("bob", "bob", "main")
    s.at(boundary(1000))
    now = wall(1000)
    s.send("alice", heartbeat("alice", "main", 1, ts=now + 31), "31 s ahead",
           tx=[("alice", error(**CLOCK_SKEW, seq=1, user="alice", chan="main"))],
           ev=[err("alice", "clock_skew")])
    s.send("alice", heartbeat("alice", "main", 2, ts=now - 31), "31 s behind",
           tx=[("alice", error(**CLOCK_SKEW, seq=2, user="alice", chan="main"))],
           ev=[err("alice", "clock_skew")])
    s.send("alice", heartbeat("alice", "main", 3, ts=now - 30), "30 s behind: accepted",
           tx=[("alice", ack("heartbeat", 3, "alice", "main"))])
    s.send("alice", audio("alice", "main", 1, VOICE, ts=now + 31), "audio 31 s ahead: dropped",
           ev=[err("alice", "clock_skew")])
    raw = audio("alice", "main", 2, VOICE, ts=now + 30)
    s.send("alice", raw, "audio 30 s ahead: forwarded unchanged", tx=[("bob", raw)],
           ev=[audio_packet("alice", "main", 2, VOICE)])
    out.append(s)

    s = Scenario("malformed_and_oversize",
                 "Datagrams that do not parse are answered malformed_packet or packet_too_large: "
                 "in full to a session (with its ids), cut to size or not at all to others.",
                 ["§6 malformed from a session: answered with the session's ids",
                  "§6 malformed from an unknown address: size-capped",
                  "§6.1 oversize: packet_too_large", "§7.5 sequence 0 and empty ids",
                  "§7.5 no reply shorter than 26 bytes", "§5 codes 9 and 10"])
    s.at(0).handshake_ok("alice", "alice", "main")
    s.at(100).send("alice", header(0x05, 0, "alice", "main", wall(100)) + b"\x02",
                   "SetMute with mute byte 2",
                   tx=[("alice", error(**MALFORMED_PACKET, user="alice", chan="main"))],
                   ev=[err("alice", "malformed")])
    s.at(150).send("alice", header(0x06, 0, b"al ce", "main", wall(150)),
                   "a user id with a space: the reply carries the session's ids",
                   tx=[("alice", error(**MALFORMED_PACKET, user="alice", chan="main"))],
                   ev=[err("alice", "malformed")])
    s.at(200).send("alice", b"\x06\x00\x00\x00\x00", "5 bytes from a session: answered in full",
                   tx=[("alice", error(**MALFORMED_PACKET, user="alice", chan="main"))],
                   ev=[err("alice", "malformed")])
    s.at(250).send("alice", audio("alice", "main", 1, pattern(1025 - 23)), "1025 bytes",
                   tx=[("alice", error(**PACKET_TOO_LARGE, user="alice", chan="main"))],
                   ev=[err("alice", "malformed")])
    junk = header(0x09, 0, "ghost", "main", wall(300)) + bytes(9)
    s.at(300).send("stranger", junk, "30 bytes of unknown type: message cut to 4 bytes",
                   tx=[("stranger", error(**fitted(MALFORMED_PACKET, junk)))],
                   ev=[err("stranger", "malformed")])
    s.at(350).send("stranger", header(0x09, 0, "ghost", "main", wall(350)) + bytes(4),
                   "25 bytes: no reply fits", ev=[err("stranger", "malformed")])
    s.at(400).send("stranger", b"\xff" * 1025, "1025 bytes: the 42-byte reply fits",
                   tx=[("stranger", error(**PACKET_TOO_LARGE))],
                   ev=[err("stranger", "malformed")])
    s.at(450).send("stranger", b"\x06" * 20, "20 bytes: too short for any reply",
                   ev=[err("stranger", "malformed")])
    s.at(450).tick("alice's session is untouched", st=stats(1, 0, 1))
    out.append(s)

    s = Scenario("client_error_and_ack_ignored",
                 "Error and Ack packets sent by a client are never answered, from a session or "
                 "not, and change nothing.",
                 ["§7.3 Error (7) and Ack (8) from a client are ignored"])
    s.at(0).login("alice", "alice", "main")
    s.at(0).login("bob", "bob", "main")
    s.at(100).send("alice", error(**MALFORMED_PACKET, user="alice", chan="main"),
                   "alice sends an Error", ev=[err("alice", "unexpected_packet_type")])
    s.at(200).send("alice", ack("heartbeat", 9, "alice", "main"), "alice sends an Ack",
                   ev=[err("alice", "unexpected_packet_type")])
    s.at(300).send("stranger", error(**NOT_AUTHENTICATED, user="ghost", chan="main"),
                   "an unknown address sends an Error: not even not_authenticated",
                   ev=[err("stranger", "unexpected_packet_type")])
    s.at(400).send("stranger", ack("join_channel", 1, "ghost", "main"),
                   "an unknown address sends an Ack",
                   ev=[err("stranger", "unexpected_packet_type")], st=stats(2, 2, 2))
    s.at(500).speak("alice", "alice", "main", 1, VOICE, ["bob"])
    out.append(s)

    burst = SESSION_RATE["burst"]
    # One and a half refill intervals after the burst: one token is back, with half an interval
    # of slack either way on a real clock.
    later = 500 + refill_ms(SESSION_RATE) * 3 // 2
    s = Scenario("session_rate_limit",
                 f"A session may send a burst of {burst} packets, then "
                 f"{SESSION_RATE['per_second']} per second (the fixture's rate); the excess is "
                 "dropped silently.",
                 ["§7.3 step 2: session_rate, dropped silently",
                  "§9 session_rate (10/s burst 50 in the fixture)"])
    s.at(0).handshake_ok("alice", "alice", "main")
    for seq in range(1, burst + 2):
        ok = seq <= burst
        s.at(500).send("alice", heartbeat("alice", "main", seq),
                        f"heartbeat {seq} " + ("within the burst" if ok else "beyond the burst"),
                        tx=[("alice", ack("heartbeat", seq, "alice", "main"))] if ok else [],
                        ev=[] if ok else [err("alice", "rate_limited")])
    seq = burst + 2
    s.at(later).send("alice", heartbeat("alice", "main", seq),
                     f"{later - 500} ms later one more is allowed",
                     tx=[("alice", ack("heartbeat", seq, "alice", "main"))])
    s.at(later).send("alice", heartbeat("alice", "main", seq + 1), "and only one",
                     ev=[err("alice", "rate_limited")])
    s.at(later).send("alice", heartbeat("alice", "tiny", seq + 2),
                    "over the rate, a wrong channel is not answered either (rate comes first)",
                    ev=[err("alice", "rate_limited")])
    out.append(s)

    s = Scenario("renewal_is_session_rate_limited",
                 "Every packet from a session's address counts against session_rate, a renewal "
                 "handshake included: a renewal from a session that spent its burst is dropped "
                 "silently; once a token is back, the renewal is acknowledged.",
                 ["§7.3 every packet from a session's address counts, renewals included",
                  "§7.3 step 2: dropped silently, unanswered", "§7.1 renewal"])
    s.at(0).handshake_ok("alice", "alice", "main")
    for seq in range(1, burst + 1):
        s.at(500).send("alice", heartbeat("alice", "main", seq), f"heartbeat {seq}",
                        tx=[("alice", ack("heartbeat", seq, "alice", "main"))])
    s.at(500).send("alice", heartbeat("alice", "main", burst + 1),
                    f"heartbeat {burst + 1}: over the burst", ev=[err("alice", "rate_limited")])
    renewal = token("alice", iat=START)
    s.at(500).send("alice", hs("alice", "main", tok=renewal, seq=burst + 2),
                    "alice renews her token over the burst: dropped silently, not even an Error",
                    ev=[err("alice", "rate_limited")])
    s.at(later).send("alice", hs("alice", "main", tok=renewal, seq=burst + 3),
                     f"{later - 500} ms later a token is back: the renewal is acknowledged",
                     tx=[("alice", ack("handshake", burst + 3, "alice", "main"))])
    out.append(s)
    return out


def timer_scenarios():
    out = []
    hs_deadline = HANDSHAKE_TIMEOUT_MS  # carol handshakes at 0 and sends nothing more
    confirm = 300
    assert confirm <= before(hs_deadline)
    s = Scenario("handshake_timeout",
                 "A session that sends nothing after its handshake Ack ends handshake_timeout "
                 "later with an Error; a confirmed one does not.",
                 ["§8 handshake_timeout: Error and SessionEnded reason handshake_timeout",
                  "§8 the Error goes to the session in full", "§5 code 6"])
    s.at(0).handshake_ok("carol", "carol", "main")
    s.at(0).handshake_ok("alice", "alice", "main")
    s.at(confirm).send("alice", heartbeat("alice", "main"), "alice confirms her session",
                       tx=[("alice", ack("heartbeat", 0, "alice", "main"))])
    s.at(before(hs_deadline)).tick("before the timeout: nothing", st=stats(2, 0, 2))
    s.at(after(hs_deadline)).tick(
        "carol's handshake timed out",
        tx=[("carol", error(**HANDSHAKE_TIMEOUT, user="carol", chan="main",
                            ts=wall(hs_deadline)))],
        ev=[err("carol", "handshake_timeout"),
            session_ended("carol", "main", "carol", "handshake_timeout")],
        st=stats(1, 0, 2))
    s.at(after(hs_deadline) + 100).send(
        "carol", heartbeat("carol", "main"),
        "carol's address has no session any more (21 bytes: no reply)",
        ev=[err("carol", "not_authenticated")])
    # alice's session (last packet at `confirm`) outlives the scenario.
    assert after(hs_deadline) + 100 + 500 < confirm + SESSION_TIMEOUT_MS
    out.append(s)

    secs = SESSION_TIMEOUT_MS / 1000
    keepalive = SESSION_TIMEOUT_MS * 2 // 3
    alice_deadline = SESSION_TIMEOUT_MS  # alice logs in at 0 and stays silent
    speak_at = after(alice_deadline) + 100
    bob_deadline = speak_at + SESSION_TIMEOUT_MS  # bob's audio refreshes his session
    assert keepalive <= before(alice_deadline)
    s = Scenario("session_timeout",
                 f"A session with no valid packet for session_timeout ({secs:g} s in the "
                 "fixture) ends with session_expired; an active member leaves the channel.",
                 ["§8 session_timeout: Error session_expired, UserLeft and SessionEnded reason "
                  "expired", "§7.3 a valid packet refreshes liveness", "§5 code 7"])
    s.at(0).login("alice", "alice", "main")
    s.at(0).login("bob", "bob", "main")
    s.at(keepalive).send("bob", heartbeat("bob", "main"), "bob keeps his session alive",
                         tx=[("bob", ack("heartbeat", 0, "bob", "main"))])
    s.at(before(alice_deadline)).tick(
        f"alice has been idle {before(alice_deadline) / 1000:g} s", st=stats(2, 2, 2))
    s.at(after(alice_deadline)).tick_expiring(
        f"alice was idle {secs:g} s: expired", ("alice", "alice", "main", alice_deadline),
        st=stats(1, 1, 2))
    s.at(speak_at).speak("bob", "bob", "main", 1, VOICE, [],
                         "bob's audio no longer reaches alice")
    s.at(speak_at).send("alice", heartbeat("alice", "main"), "alice's address has no session",
                        ev=[err("alice", "not_authenticated")])
    s.at(before(bob_deadline)).tick("bob's audio kept him alive")
    s.at(after(bob_deadline)).tick_expiring(
        f"bob idle {secs:g} s after his audio: expired", ("bob", "bob", "main", bob_deadline),
        st=stats(0, 0, 2))
    out.append(s)

    # Sweeps run every CLEANUP_INTERVAL_MS from the start. A user whose last session ended at
    # `end` is forgotten by the first sweep after `end + USER_TIMEOUT_MS`; keep that instant
    # well away from every sweep, so a real server's few ms of lateness cannot move the user to
    # another sweep.
    def swept_at(end_ms):
        eligible = end_ms + USER_TIMEOUT_MS
        sweep = -(-eligible // CLEANUP_INTERVAL_MS) * CLEANUP_INTERVAL_MS
        assert sweep - eligible >= MARGIN_MS, (end_ms, sweep)
        assert eligible - (sweep - CLEANUP_INTERVAL_MS) >= MARGIN_MS, (end_ms, sweep)
        return sweep

    mute_at = 100
    first_end = mute_at + SESSION_TIMEOUT_MS
    back = after(first_end) + 300  # bob and alice come back, alice on another address
    bob_end = back + SESSION_TIMEOUT_MS
    alice_end = back + 400 + SESSION_TIMEOUT_MS  # her refused audio refreshed her session
    forgotten = swept_at(alice_end)
    assert swept_at(bob_end) == forgotten
    assert swept_at(first_end) > back  # not forgotten between her two sessions
    user_secs = USER_TIMEOUT_MS / 1000
    s = Scenario("user_timeout_and_cleanup",
                 f"A user's mute outlives its sessions by user_timeout ({user_secs:g} s in the "
                 "fixture), across addresses; the first cleanup sweep after that forgets it.",
                 ["§8 user_timeout: mute remembered across a reconnect",
                  "§8 cleanup_interval: forgotten users swept", "§7.3 mute belongs to the user",
                  "§10.9 user timeout"])
    s.at(0).login("alice", "alice", "main")
    s.at(mute_at).send("alice", set_mute("alice", "main", True), "alice mutes (alone in main)",
                       tx=[("alice", ack("set_mute", 0, "alice", "main"))],
                       ev=[user_muted("alice", "main", True)])
    s.at(after(first_end)).tick_expiring("alice's session expires; alice is remembered",
                                         ("alice", "alice", "main", first_end),
                                         st=stats(0, 0, 1))
    s.at(back).login("bob", "bob", "main")
    s.at(back + 200).login("alice_phone", "alice", "main")
    s.at(back + 400).send("alice_phone", audio("alice", "main", 1, VOICE),
                          "alice reconnected from another address: still muted",
                          ev=[err("alice_phone", "sender_muted")], st=stats(2, 2, 2))
    s.at(after(alice_end)).tick_expiring(
        f"both sessions expire (bob at {bob_end / 1000:g} s, alice at {alice_end / 1000:g} s)",
        ("bob", "bob", "main", bob_end), ("alice_phone", "alice", "main", alice_end),
        st=stats(0, 0, 2))
    remembered = alice_end + USER_TIMEOUT_MS - MARGIN_MS
    s.at(remembered).tick(f"alice's last session ended {(remembered - alice_end) / 1000:g} s "
                          "ago: remembered", st=stats(0, 0, 2))
    s.at(after(forgotten)).tick(
        "user_timeout has passed and the next cleanup sweep ran: forgotten", st=stats(0, 0, 0))
    s.at(after(forgotten)).login("alice", "alice", "main")
    s.at(after(forgotten)).login("bob", "bob", "main")
    s.at(after(forgotten) + 100).speak("alice", "alice", "main", 1, VOICE, ["bob"],
                                       "alice's mute was forgotten: her audio is forwarded")
    out.append(s)

    s = Scenario("user_records_bounded",
                 "With max_user_records 2, a new user makes room by forgetting the longest-idle "
                 "user without a session, mute included.",
                 ["§9 max_user_records: longest-idle user without a session forgotten first",
                  "§9 every table keyed by what a peer sends is bounded"],
                 overrides={"config": {"max_sessions": 2, "max_user_records": 2}})
    s.at(0).handshake_ok("alice", "alice", "main")
    s.at(100).send("alice", set_mute("alice", "main", True), "alice mutes",
                   tx=[("alice", ack("set_mute", 0, "alice", "main"))],
                   ev=[user_muted("alice", "main", True)])
    s.at(200).send("alice", hs("bob", "main"), "bob takes over alice's address",
                   tx=[("alice", ack("handshake", 0, "bob", "main"))],
                   ev=[session_ended("alice", "main", "alice", "replaced"),
                       session_started("bob", "main", "alice")],
                   st=stats(1, 0, 2))
    s.at(300).handshake_ok("carol", "carol", "main")
    s.at(300).tick("alice (no session) was forgotten to make room for carol", st=stats(2, 0, 2))
    s.at(400).directory({"ban": {"channel": "main", "user": "carol"}}, "carol is banned",
                        tx=[("carol", error(**BANNED, user="carol", chan="main"))],
                        ev=[err("carol", "banned"),
                            session_ended("carol", "main", "carol", "banned")],
                        st=stats(1, 0, 2))
    s.at(500).handshake_ok("carol", "alice", "main")
    s.at(600).join_ok("carol", "alice", "main")
    s.at(600).join_ok("alice", "bob", "main")
    s.at(700).speak("carol", "alice", "main", 1, VOICE, ["alice"],
                    "alice is a new user again: not muted")
    out.append(s)

    refused_at = boundary(1000)  # the skewed packet must land in the second it was written for
    bob_spoke, bob_replayed = 2000, 2500
    alice_deadline = SESSION_TIMEOUT_MS  # from her join at 0: her refused packets do not count
    bob_deadline = bob_replayed + SESSION_TIMEOUT_MS
    assert bob_replayed <= before(alice_deadline)
    s = Scenario("only_valid_packets_refresh_liveness",
                 "Only a packet that passes the session checks (user, rate, channel, clock) "
                 "refreshes a session; spoofed, mismatched, skewed, malformed and client Error/"
                 "Ack packets do not. Audio dropped later (a replay) still refreshes.",
                 ["§7.3 a packet that passes refreshes liveness",
                  "§7.3 refused packets do not refresh", "§7.3 Error/Ack ignored",
                  "§8 session_timeout from the last valid packet"])
    s.at(0).login("alice", "alice", "main")
    s.at(0).login("bob", "bob", "main")
    s.at(refused_at)
    s.send("alice", heartbeat("bob", "main"), "spoofed user id", ev=[err("alice", "user_mismatch")])
    s.send("alice", heartbeat("alice", "team"), "wrong channel",
           tx=[("alice", error(**CHANNEL_MISMATCH, user="alice", chan="team"))],
           ev=[err("alice", "channel_mismatch")])
    s.send("alice", heartbeat("alice", "main", ts=wall(refused_at) + 31), "clock skew",
           tx=[("alice", error(**CLOCK_SKEW, user="alice", chan="main"))],
           ev=[err("alice", "clock_skew")])
    s.send("alice", header(0x05, 0, "alice", "main", wall(refused_at)) + b"\x07", "malformed",
           tx=[("alice", error(**MALFORMED_PACKET, user="alice", chan="main"))],
           ev=[err("alice", "malformed")])
    s.send("alice", ack("heartbeat", 0, "alice", "main"), "a client Ack",
           ev=[err("alice", "unexpected_packet_type")])
    s.at(bob_spoke).speak("bob", "bob", "main", 1, VOICE, ["alice"])
    s.at(bob_replayed).send("bob", audio("bob", "main", 1, VOICE),
                            "a replayed audio packet: dropped, but it passed the session checks",
                            ev=[err("bob", "duplicate_sequence")])
    s.at(before(alice_deadline)).tick(
        f"alice's last valid packet was {before(alice_deadline) / 1000:g} s ago")
    s.at(after(alice_deadline)).tick_expiring(
        "alice expires: none of her refused packets counted",
        ("alice", "alice", "main", alice_deadline), st=stats(1, 1, 2))
    s.at(before(bob_deadline)).tick(
        f"bob's replayed packet at {bob_replayed / 1000:g} s kept him alive")
    s.at(after(bob_deadline)).tick_expiring(
        f"bob expires {SESSION_TIMEOUT_MS / 1000:g} s after it",
        ("bob", "bob", "main", bob_deadline), st=stats(0, 0, 2))
    out.append(s)
    return out


def directory_scenarios():
    out = []
    s = Scenario("ban_mid_call",
                 "Banning a user during a call ends their session at once: Error banned, "
                 "UserLeft, SessionEnded; their audio no longer flows, others are unaffected; "
                 "an unban lets them back.",
                 ["§7.6 ban at run time", "§5 code 5 while in a session",
                  "§7.2 step 5 banned at handshake",
                  "§7.3 not_authenticated after the session ended",
                  "§7.4 the window starts empty with each session"])
    for who in ["alice", "bob", "carol"]:
        s.at(0).login(who, who, "main")
    s.at(300).speak("bob", "bob", "main", 1, VOICE, ["alice", "carol"])
    s.at(500).directory({"ban": {"channel": "main", "user": "bob"}}, "the operator bans bob",
                         tx=[("bob", error(**BANNED, user="bob", chan="main"))],
                         ev=[err("bob", "banned"), user_left("bob", "main", "bob", "banned"),
                             session_ended("bob", "main", "bob", "banned")],
                         st=stats(2, 2, 3))
    raw = audio("bob", "main", 2, VOICE)
    s.at(600).send("bob", raw, "bob's audio: not forwarded, not_authenticated cut to 43 bytes",
                    tx=[("bob", error(**fitted(NOT_AUTHENTICATED, raw), seq=2, user="bob",
                                      chan="main"))],
                    ev=[err("bob", "not_authenticated")])
    s.at(700).speak("alice", "alice", "main", 1, VOICE, ["carol"], "alice still reaches carol")
    s.at(800).refused_handshake("bob", hs("bob", "main"), BANNED, "banned",
                                 "bob tries to come back", user="bob", chan="main")
    s.at(900).directory({"unban": {"channel": "main", "user": "bob"}}, "the operator unbans bob")
    s.at(1000).login("bob", "bob", "main")
    s.at(1100).speak("alice", "alice", "main", 2, VOICE, ["bob", "carol"])
    s.at(1200).speak("bob", "bob", "main", 1, VOICE, ["alice", "carol"],
                     "bob's new session has a new replay window: sequence 1 is fresh")
    out.append(s)

    s = Scenario("remove_member_at_run_time",
                 "Removing a member from a members-only channel ends their session with "
                 "not_a_member; adding a member admits them.",
                 ["§7.6 remove member at run time", "§7.6 add member", "§5 code 4"])
    s.at(0).login("alice", "alice", "team")
    s.at(0).login("bob", "bob", "team")
    s.at(0).connect("carol", "carol", "team")
    s.at(300).directory({"remove_member": {"channel": "team", "user": "bob"}},
                         "the operator removes bob from team",
                         tx=[("bob", error(**NOT_A_MEMBER, user="bob", chan="team"))],
                         ev=[err("bob", "not_a_member"),
                             user_left("bob", "team", "bob", "not_a_member"),
                             session_ended("bob", "team", "bob", "not_a_member")],
                         st=stats(2, 1, 3))
    s.at(400).speak("alice", "alice", "team", 1, VOICE, [], "nobody else is joined")
    s.at(500).refused_handshake("bob", hs("bob", "team"), NOT_A_MEMBER, "not_a_member",
                                 "bob tries to come back", user="bob", chan="team")
    s.at(600).refused_handshake("dave", hs("dave", "team"), NOT_A_MEMBER, "not_a_member",
                                 "dave is not a member yet", user="dave", chan="team")
    s.at(700).directory({"add_member": {"channel": "team", "user": "dave"}},
                         "the operator adds dave to team")
    s.at(800).login("dave", "dave", "team")
    s.at(900).speak("alice", "alice", "team", 2, VOICE, ["dave"])
    out.append(s)

    s = Scenario("remove_channel_at_run_time",
                 "Removing a channel ends every session in it with channel_not_found; other "
                 "channels are unaffected; the channel can be added back.",
                 ["§7.6 remove channel at run time", "§5 code 3 for a session's removed channel",
                  "§7.2 step 5 channel not found"])
    s.at(0).login("alice", "alice", "tiny")
    s.at(0).login("bob", "bob", "tiny")
    s.at(0).connect("dave", "dave", "tiny")
    s.at(0).login("carol", "carol", "main")
    s.at(300).directory(
        {"remove_channel": {"channel": "tiny"}}, "the operator removes tiny",
        tx=[(who, error(**CHANNEL_NOT_FOUND, user=who, chan="tiny"))
            for who in ["alice", "bob", "dave"]],
        ev=[err("alice", "channel_not_found"),
            user_left("alice", "tiny", "alice", "channel_removed"),
            session_ended("alice", "tiny", "alice", "channel_removed"),
            err("bob", "channel_not_found"), user_left("bob", "tiny", "bob", "channel_removed"),
            session_ended("bob", "tiny", "bob", "channel_removed"),
            err("dave", "channel_not_found"),
            session_ended("dave", "tiny", "dave", "channel_removed")],
        st=stats(1, 1, 4, channels=2))
    s.at(400).send("carol", heartbeat("carol", "main"), "carol in main is unaffected",
                    tx=[("carol", ack("heartbeat", 0, "carol", "main"))])
    s.at(500).refused_handshake("alice", hs("alice", "tiny"), CHANNEL_NOT_FOUND,
                                 "channel_not_found", "alice asks for tiny again",
                                 user="alice", chan="tiny")
    s.at(600).directory({"add_channel": {"id": "tiny", "max_users": 3}},
                         "the operator adds tiny back", st=stats(1, 1, 4))
    s.at(700).login("alice", "alice", "tiny")
    out.append(s)

    s = Scenario("operator_reset",
                 "An operator's reset sends server_closing to every session and ends it, and "
                 "returns the service to its configured state, as a restart would: remembered "
                 "users are forgotten, rate budgets restored, run-time directory changes undone.",
                 ["§7.7 reset: server_closing to every session, UserLeft/SessionEnded reason "
                  "server_closing", "§7.7 remembered users dropped",
                  "§7.7 rate-limit budgets restored",
                  "§7.7 run-time directory changes dropped, the configured directory kept",
                  "§5 code 15"])
    s.at(0).login("alice", "alice", "main")
    s.at(0).login("bob", "bob", "main")
    s.at(0).handshake_ok("carol", "carol", "team")
    mute = set_mute("alice", "main", True)
    s.at(100).send("alice", mute, "alice mutes",
                   tx=[("bob", mute), ("alice", ack("set_mute", 0, "alice", "main"))],
                   ev=[user_muted("alice", "main", True)])
    s.at(200).directory({"ban": {"channel": "main", "user": "dave"}},
                        "dave is banned from main (he has no session: nothing to end)")
    burst = REPLY_RATE["burst"]

    def flood(first):
        for seq in range(first, first + burst):
            raw = audio("ghost", "main", seq, pattern(40))
            s.send("stranger", raw, f"unauthenticated packet {seq}: answered",
                   tx=[("stranger", error(**NOT_AUTHENTICATED, seq=seq, user="ghost",
                                          chan="main"))],
                   ev=[err("stranger", "not_authenticated")])
        s.send("stranger", audio("ghost", "main", first + burst, pattern(40)),
               "over the burst: not answered", ev=[err("stranger", "not_authenticated")])

    s.at(300)
    flood(1)
    # The reset has an instant of its own: a live server may take an operator's request before
    # datagrams that are already waiting.
    s.at(400).reset("the operator resets the service",
                    tx=[("alice", error(**SERVER_CLOSING, user="alice", chan="main")),
                        ("bob", error(**SERVER_CLOSING, user="bob", chan="main")),
                        ("carol", error(**SERVER_CLOSING, user="carol", chan="team"))],
                    ev=[err("alice", "server_closing"),
                        user_left("alice", "main", "alice", "server_closing"),
                        session_ended("alice", "main", "alice", "server_closing"),
                        err("bob", "server_closing"),
                        user_left("bob", "main", "bob", "server_closing"),
                        session_ended("bob", "main", "bob", "server_closing"),
                        err("carol", "server_closing"),
                        session_ended("carol", "team", "carol", "server_closing")],
                    st=stats(0, 0, 0))
    flood(101)
    s.at(500).login("alice", "alice", "main")
    s.at(500).login("bob", "bob", "main")
    s.at(600).speak("alice", "alice", "main", 1, VOICE, ["bob"],
                    "alice's mute was forgotten by the reset")
    s.at(700).handshake_ok("dave", "dave", "main")
    s.at(700).refused_handshake("mallory", hs("mallory", "main"), BANNED, "banned",
                                "mallory's ban comes from the configuration: it still holds",
                                user="mallory", chan="main")
    s.at(700).tick("dave's run-time ban was undone by the reset", st=stats(3, 2, 3))
    out.append(s)
    return out


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


def outputs() -> dict[str, str]:
    fixture = {
        "secret": SECRET,
        "wall_clock_start": START,
        "clients": CLIENTS,
        "config": CONFIG,
        "channels": CHANNELS,
    }
    return {
        "fixture.json": render(fixture),
        **codec_files([codec_header, codec_valid, codec_errors]),
        **scenario_files([
            ("scenarios/handshake.json", handshake_scenarios),
            ("scenarios/membership.json", membership_scenarios),
            ("scenarios/audio.json", audio_scenarios),
            ("scenarios/timers.json", timer_scenarios),
            ("scenarios/directory.json", directory_scenarios),
        ]),
    }


if __name__ == "__main__":
    sys.exit(write_or_check(OUT, outputs, sys.argv))
