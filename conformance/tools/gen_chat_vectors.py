#!/usr/bin/env python3
"""Generates the `chat` conformance vectors in conformance/vectors/chat/.

Everything here is written from conformance/spec/chat.md (and vectors.md §7 for the format), with
the Python standard library only: client frames are decoded with `json` and §4's rules as written
here, server messages are encoded with `json.dumps` in §3's member order. Nothing is taken from
hark-core, so a vector that hark-core fails is a disagreement between the code and the spec.

    python3 conformance/tools/gen_chat_vectors.py          # (re)write the JSON files
    python3 conformance/tools/gen_chat_vectors.py --check  # exit 1 if a file would change

Scenario expectations are not written by hand: each scenario is a list of inputs, and a small
model of chat.md §5–§8 (one `Server` object below) computes the frames, responses, events and
counters. Timer firings keep the margins of vectors.md §4.3, and the places where chat.md does
not fix an output (the order of two `userLeft` one client receives from one block, a join limit
decided by the joiner's own membership, two equally idle IP records) are asserted never to be
reached. Every scenario is also replayed with its inputs up to 40 ms late, as a live server sees
them, and must give the same outputs.
"""

from __future__ import annotations

import copy
import hashlib
import json
import sys
import unicodedata
from pathlib import Path

from vectorlib import START, TIMER_MARGIN_MS, codec_files, render, scenario_files
from vectorlib import main as write_or_check

OUT = Path(__file__).resolve().parent.parent / "vectors" / "chat"

# --------------------------------------------------------------------------------------------
# The fixture (vectors.md §7.2)
# --------------------------------------------------------------------------------------------

RNG_SEED = b"hark-chat-conformance-seed!!!!!!".hex()
assert len(RNG_SEED) == 64

# A client is one connection at a time from its IP; the mallory clients and alice_tab share an IP
# on purpose (per-IP limits and blocking).
CLIENTS = [
    ("alice", "127.0.0.2"),
    ("bob", "127.0.0.3"),
    ("carol", "127.0.0.4"),
    ("dave", "127.0.0.5"),
    ("erin", "127.0.0.6"),
    ("frank", "127.0.0.7"),
    ("grace", "127.0.0.8"),
    ("alice_tab", "127.0.0.2"),
    ("mallory", "127.0.0.9"),
    ("mallory_2", "127.0.0.9"),
    ("mallory_3", "127.0.0.9"),
    ("mallory_4", "127.0.0.9"),
]
IP = dict(CLIENTS)

CONFIG = {
    "max_message_size": 512,
    "message_limit": 5,
    "join_limit": 3,
    "typing_limit": 4,
    "max_rooms": 3,
    "max_users_per_room": 3,
    "heartbeat_interval_ms": 30000,
    "heartbeat_timeout_ms": 60000,
    "connection_limit_per_ip": 3,
    "max_connections": 6,
    "block_threshold": 5,
    "violation_window_ms": 3000,
    "block_duration_ms": 1000,
    "max_block_duration_ms": 4000,
    "penalty_memory_ms": 30000,
    "max_tracked_ips": 64,
}

# The heartbeat scenarios' group: one ping after 1 s of silence, the close at 1.5 s.
HEARTBEAT = {"config": {"heartbeat_interval_ms": 1000, "heartbeat_timeout_ms": 1500}}

MINUTE_MS = 60_000  # §5: rate limits are over a sliding minute


def transport_bound(cfg: dict) -> int:
    """§4: the longest message the server reads whole."""
    return max(4 * cfg["max_message_size"], 64 * 1024)


# --------------------------------------------------------------------------------------------
# §6 error codes
# --------------------------------------------------------------------------------------------

ERRORS = {  # code -> (exact message, counts as a violation)
    "INVALID_JSON": ("Invalid JSON", True),
    "UNKNOWN_TYPE": ("Unknown message type", True),
    "INVALID_MESSAGE": ("Invalid message format", True),
    "MESSAGE_TOO_LARGE": ("Message too large", True),
    "INVALID_ROOM": ("Invalid room name", True),
    "INVALID_USER": ("Invalid user data", True),
    "INVALID_CONTENT": ("Invalid encrypted content", True),
    "RATE_LIMITED": ("Too many messages", True),
    "JOIN_RATE_LIMITED": ("Too many room joins", True),
    "NOT_IN_ROOM": ("Not in a room", False),
    "ROOM_FULL": ("Room is full", False),
    "DUPLICATE_USER": ("User already in room", False),
    "SERVER_FULL": ("Server is full", False),
    "IP_BLOCKED": ("Too many violations: temporarily blocked", False),
}

# --------------------------------------------------------------------------------------------
# §2, §4, §5 step 1–2: the client decoder
# --------------------------------------------------------------------------------------------

IDENT = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.")


class Refused(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def is_control(c: str) -> bool:
    return unicodedata.category(c) == "Cc"


def is_identifier(s: str) -> bool:
    return 1 <= len(s.encode()) <= 64 and all(c in IDENT for c in s)


def is_valid_name(s: str) -> bool:
    return 1 <= len(s) <= 64 and not any(is_control(c) for c in s) and not s.isspace()


def is_valid_avatar(s: str) -> bool:
    return len(s.encode()) <= 2048 and not any(is_control(c) for c in s)


def is_valid_emoji(s: str) -> bool:
    return 1 <= len(s.encode()) <= 32 and not any(is_control(c) or c.isspace() for c in s)


def is_valid_content(s: str, max_size: int) -> bool:
    return 1 <= len(s.encode()) <= max_size and all(0x20 <= ord(c) <= 0x7E for c in s)


def strict_json(text: str):
    def refuse(constant):
        raise ValueError(constant)
    return json.loads(text, parse_constant=refuse)


def decode(text: str, max_size: int) -> dict:
    """One client text frame → the decoded message in §2's shape (vectors.md §7.1), or Refused."""
    if len(text.encode()) > max_size:
        raise Refused("MESSAGE_TOO_LARGE")
    try:
        obj = strict_json(text)
    except ValueError:
        raise Refused("INVALID_JSON") from None
    if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
        raise Refused("INVALID_JSON")
    kind = obj["type"]
    if kind in ("ping", "leave"):
        return {"type": kind}
    if kind not in ("join", "message", "typing", "reaction"):
        raise Refused("UNKNOWN_TYPE")
    data = obj.get("data")
    if not isinstance(data, dict):
        raise Refused("INVALID_MESSAGE")

    def string(holder, member):
        value = holder.get(member)
        if not isinstance(value, str):
            raise Refused("INVALID_MESSAGE")
        return value

    if kind == "join":
        room = string(data, "room")
        user = data.get("user")
        if not isinstance(user, dict):
            raise Refused("INVALID_MESSAGE")
        uid, name = string(user, "id"), string(user, "name")
        avatar = user.get("avatar")
        if avatar is not None and not isinstance(avatar, str):
            raise Refused("INVALID_MESSAGE")
        if not is_identifier(room):
            raise Refused("INVALID_ROOM")
        if not is_identifier(uid) or not is_valid_name(name):
            raise Refused("INVALID_USER")
        if avatar is not None and not is_valid_avatar(avatar):
            raise Refused("INVALID_USER")
        return {"type": "join", "data": {"room": room,
                                         "user": {"id": uid, "name": name, "avatar": avatar}}}
    if kind == "message":
        content = string(data, "content")
        if not is_valid_content(content, max_size):
            raise Refused("INVALID_CONTENT")
        return {"type": "message", "data": {"content": content}}
    if kind == "typing":
        value = data.get("isTyping")
        if not isinstance(value, bool):
            raise Refused("INVALID_MESSAGE")
        return {"type": "typing", "data": {"isTyping": value}}
    message_id, emoji = string(data, "messageId"), string(data, "emoji")
    if not is_identifier(message_id) or not is_valid_emoji(emoji):
        raise Refused("INVALID_MESSAGE")
    return {"type": "reaction", "data": {"messageId": message_id, "emoji": emoji}}


def compact(value) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


# --------------------------------------------------------------------------------------------
# §3: the server's messages, exact text
# --------------------------------------------------------------------------------------------


def user(uid: str, name: str | None = None, avatar: str | None = None) -> dict:
    return {"id": uid, "name": name if name is not None else uid.capitalize(), "avatar": avatar}


def s_pong() -> str:
    return compact({"type": "pong"})


def s_user_joined(u: dict) -> str:
    return compact({"type": "userJoined", "user": u})


def s_user_left(uid: str) -> str:
    return compact({"type": "userLeft", "userId": uid})


def s_user_list(users: list) -> str:
    return compact({"type": "userList", "users": users})


def s_message(mid: str, u: dict, content: str, timestamp: str) -> str:
    return compact({"type": "message", "id": mid, "user": u, "content": content,
                    "timestamp": timestamp})


def s_user_typing(u: dict, is_typing: bool) -> str:
    return compact({"type": "userTyping", "user": u, "isTyping": is_typing})


def s_reaction(message_id: str, u: dict, emoji: str) -> str:
    return compact({"type": "reaction", "messageId": message_id, "user": u, "emoji": emoji})


def s_error(code: str) -> str:
    return compact({"type": "error", "code": code, "message": ERRORS[code][0]})


def health_body(stats: dict) -> str:
    members = ",".join(f'"{k}":{v}' for k, v in stats.items())
    return ('{"status":"healthy","timestamp":"<timestamp>","stats":{"uptime_seconds":<uint>,'
            + members + "}}")


# Client frames, as a client of the Node original writes them.


def c_ping() -> str:
    return compact({"type": "ping"})


def c_join(room: str, u: dict) -> str:
    sent = {"id": u["id"], "name": u["name"]}
    if u["avatar"] is not None:
        sent["avatar"] = u["avatar"]
    return compact({"type": "join", "data": {"room": room, "user": sent}})


def c_leave() -> str:
    return compact({"type": "leave"})


def c_message(content: str) -> str:
    return compact({"type": "message", "data": {"content": content}})


def c_typing(value: bool) -> str:
    return compact({"type": "typing", "data": {"isTyping": value}})


def c_reaction(message_id: str, emoji: str) -> str:
    return compact({"type": "reaction", "data": {"messageId": message_id, "emoji": emoji}})


# --------------------------------------------------------------------------------------------
# Codec vectors (vectors.md §7.1)
# --------------------------------------------------------------------------------------------


class CodecFile:
    """One codec file; every client vector is checked against this file's decoder, every server
    vector's text against json.loads, so a slip shows at generation time."""

    def __init__(self, filename: str):
        self.filename = filename
        self.vectors = []

    def client(self, name, description, text: str, max_size=None):
        limit = max_size or CONFIG_DEFAULT_MAX
        try:
            expect = {"message": decode(text, limit)}
        except Refused as refused:
            expect = {"error": refused.code}
        vector = {"name": name, "description": description, "direction": "client", "text": text}
        if max_size is not None:
            vector["max_message_size"] = max_size
        vector["expect"] = expect
        self.vectors.append(vector)
        return expect

    def ok(self, name, description, text, max_size=None):
        expect = self.client(name, description, text, max_size)
        assert "message" in expect, (name, expect)

    def error(self, name, description, text, code, max_size=None):
        expect = self.client(name, description, text, max_size)
        assert expect == {"error": code}, (name, expect)

    def server(self, name, description, text: str):
        self.vectors.append({"name": "encode_" + name, "description": description,
                             "direction": "server",
                             "message": json.loads(text), "text": text})

    def document(self):
        return {"vectors": self.vectors}


CONFIG_DEFAULT_MAX = 10240  # §4: the decoder's default limit
ADA = {"id": "user-id", "name": "User Name"}


def join_text(room="room-name", u=None, **extra) -> str:
    data = {"room": room, "user": ADA if u is None else u}
    return compact({"type": "join", "data": data, **extra})


def codec_client() -> CodecFile:
    f = CodecFile("codec/client.json")
    f.ok("ping", "§2: ping has no data.", c_ping())
    f.ok("leave", "§2: leave has no data.", c_leave())
    f.ok("join_without_avatar", "§2: avatar may be absent; it decodes as null.", join_text())
    f.ok("join_with_null_avatar", "§2: avatar may be null.",
         join_text(u={**ADA, "avatar": None}))
    f.ok("join_with_avatar", "§2: avatar may be a string.",
         join_text(u={**ADA, "avatar": "https://example.com/a.png"}))
    f.ok("join_with_unicode_name", "§4: a name is 1–64 characters, not bytes: 64 non-ASCII "
         "characters pass.", join_text(u={"id": "u", "name": "é" * 64}))
    f.ok("join_with_escaped_name", "§2: JSON escapes in strings are decoded.",
         '{"type":"join","data":{"room":"r","user":{"id":"u","name":"\\u00c9mile \\"E\\""}}}')
    f.ok("join_with_64_byte_room", "§4: a room of 64 bytes passes.", join_text(room="r" * 64))
    f.ok("message", "§2: message content.", c_message("SGVsbG8gd29ybGQ="))
    f.ok("message_json_envelope", "§4: a JSON-encoded ciphertext envelope is printable ASCII.",
         c_message('{"iv":"AAEC","ct":"3q2+7w=="}'))
    f.ok("typing_true", "§2: typing true.", c_typing(True))
    f.ok("typing_false", "§2: typing false.", c_typing(False))
    f.ok("reaction", "§2: a reaction with an emoji.", c_reaction("msg-id", "👍"))
    f.ok("unknown_members_ignored", "§2: members not listed are ignored, at every level.",
         '{"type":"message","id":7,"data":{"content":"abc","extra":[1,2]},"v":"2"}')
    f.ok("data_ignored_for_ping", "§2: data is required only for the types shown with it; "
         "a ping with data is a ping.", '{"type":"ping","data":{"x":1}}')
    f.ok("repeated_member_last_counts", "§5 step 2: for a repeated member the last one counts, "
         "as in JSON.parse.", '{"type":"leave","type":"ping"}')
    f.ok("white_space_around_json", "§2: JSON may have white space around its tokens.",
         ' { "type" : "ping" } ')
    f.ok("exactly_max_message_size", "§4: a frame of exactly max_message_size bytes passes.",
         c_message("a" * (100 - len(c_message("")))), max_size=100)

    f.error("not_json", "§5 step 2: not JSON.", "hello", "INVALID_JSON")
    f.error("truncated_json", "§5 step 2: not JSON.", '{"type":"ping"', "INVALID_JSON")
    f.error("empty_text", "§5 step 2: the empty text is not JSON.", "", "INVALID_JSON")
    f.error("json_array", "§5 step 2: not a JSON object.", '[{"type":"ping"}]', "INVALID_JSON")
    f.error("json_string", "§5 step 2: not a JSON object.", '"ping"', "INVALID_JSON")
    f.error("no_type", "§5 step 2: no type.", '{"data":{}}', "INVALID_JSON")
    f.error("type_not_string", "§5 step 2: type is not a string.", '{"type":1}', "INVALID_JSON")
    f.error("unknown_type", "§5 step 2: a type not in §2.", '{"type":"shout"}', "UNKNOWN_TYPE")
    f.error("type_is_case_sensitive", "§5 step 2: types are exact.", '{"type":"Ping"}',
            "UNKNOWN_TYPE")
    f.error("join_without_data", "§5 step 2: join needs data.", '{"type":"join"}',
            "INVALID_MESSAGE")
    f.error("data_not_object", "§5 step 2: data must be an object.",
            '{"type":"message","data":"abc"}', "INVALID_MESSAGE")
    f.error("join_without_room", "§5 step 2: a missing member.",
            compact({"type": "join", "data": {"user": ADA}}), "INVALID_MESSAGE")
    f.error("room_not_string", "§5 step 2: a mistyped member.", join_text(room=7),
            "INVALID_MESSAGE")
    f.error("user_not_object", "§5 step 2: a user that is not an object.",
            compact({"type": "join", "data": {"room": "r", "user": "ada"}}), "INVALID_MESSAGE")
    f.error("user_without_name", "§5 step 2: a missing user member.",
            join_text(u={"id": "u"}), "INVALID_MESSAGE")
    f.error("avatar_number", "§5 step 2: an avatar neither null nor a string.",
            join_text(u={**ADA, "avatar": 5}), "INVALID_MESSAGE")
    f.error("types_before_values", "§5 step 2: once every member has its JSON type, values are "
            "checked: a mistyped avatar is found before a bad room.",
            join_text(room="bad room", u={**ADA, "avatar": False}), "INVALID_MESSAGE")
    f.error("content_not_string", "§5 step 2: content must be a string.",
            '{"type":"message","data":{"content":42}}', "INVALID_MESSAGE")
    f.error("is_typing_not_bool", "§4: isTyping is a JSON bool.",
            '{"type":"typing","data":{"isTyping":"yes"}}', "INVALID_MESSAGE")
    f.error("reaction_without_emoji", "§5 step 2: a missing member.",
            '{"type":"reaction","data":{"messageId":"m"}}', "INVALID_MESSAGE")
    f.error("bad_message_id", "§4: messageId is an identifier.", c_reaction("m/1", "👍"),
            "INVALID_MESSAGE")
    f.error("emoji_with_space", "§4: an emoji has no white space.", c_reaction("m", "a b"),
            "INVALID_MESSAGE")
    f.error("emoji_too_long", "§4: an emoji is at most 32 bytes.", c_reaction("m", "👍" * 9),
            "INVALID_MESSAGE")
    f.error("empty_room", "§4: a room is 1–64 bytes.", join_text(room=""), "INVALID_ROOM")
    f.error("room_too_long", "§4: a room is 1–64 bytes.", join_text(room="r" * 65),
            "INVALID_ROOM")
    f.error("room_with_slash", "§4: a room is A–Z a–z 0–9 _ - . only.", join_text(room="a/b"),
            "INVALID_ROOM")
    f.error("room_before_user", "§5 step 2: values in order: a bad room is found before a bad "
            "user.", join_text(room="", u={"id": "", "name": ""}), "INVALID_ROOM")
    f.error("bad_user_id", "§4: a user id is an identifier.", join_text(u={"id": "a b",
                                                                           "name": "A"}),
            "INVALID_USER")
    f.error("blank_name", "§4: a name is not only white space.",
            join_text(u={"id": "u", "name": "   "}), "INVALID_USER")
    f.error("empty_name", "§4: a name has 1–64 characters.", join_text(u={"id": "u", "name": ""}),
            "INVALID_USER")
    f.error("name_too_long", "§4: a name has at most 64 characters.",
            join_text(u={"id": "u", "name": "n" * 65}), "INVALID_USER")
    f.error("name_with_control", "§4: a name has no control characters.",
            join_text(u={"id": "u", "name": "a\u0007b"}), "INVALID_USER")
    f.error("avatar_too_long", "§4: an avatar is at most 2048 bytes.",
            join_text(u={**ADA, "avatar": "a" * 2049}), "INVALID_USER")
    f.error("avatar_with_newline", "§4: an avatar has no control characters.",
            join_text(u={**ADA, "avatar": "a\nb"}), "INVALID_USER")
    f.error("empty_content", "§4: content is at least 1 byte.", c_message(""), "INVALID_CONTENT")
    f.error("plaintext_content", "§4: non-ASCII content is plaintext a client forgot to "
            "encrypt.", c_message("héllo"), "INVALID_CONTENT")
    f.error("content_with_line_break", "§4: a line break is not printable ASCII.",
            c_message("abc\ndef"), "INVALID_CONTENT")
    f.error("content_with_tab", "§4: a tab is not printable ASCII.", c_message("a\tb"),
            "INVALID_CONTENT")
    f.error("frame_too_large", "§5 step 1: a frame one byte over max_message_size.",
            c_message("a" * (101 - len(c_message("")))), "MESSAGE_TOO_LARGE", max_size=100)
    f.error("size_before_json", "§5 step 1 comes first: an oversized frame that is not JSON.",
            "x" * 101, "MESSAGE_TOO_LARGE", max_size=100)
    f.error("size_counts_bytes", "§4: the size is in bytes: 34 three-byte characters are 102 "
            "bytes.", "€" * 34, "MESSAGE_TOO_LARGE", max_size=100)
    f.error("default_max_message_size", "§4: the default limit is 10240 bytes.",
            c_message("a" * (10241 - len(c_message("")))), "MESSAGE_TOO_LARGE")
    return f


MSG_ID = "3f0c8d1e-5b2a-4c6d-9e8f-0a1b2c3d4e5f"
TIMESTAMP = "2025-01-06T12:00:00.000Z"


def codec_server() -> CodecFile:
    f = CodecFile("codec/server.json")
    ada = user("user-id", "User Name")
    f.server("pong", "§3: pong is its type alone.", s_pong())
    f.server("user_joined", "§3: avatar is written null when the client sent none.",
             s_user_joined(ada))
    f.server("user_joined_with_avatar", "§3: a string avatar.",
             s_user_joined(user("u", "U", "https://example.com/a.png")))
    f.server("user_left", "§3: userLeft names the user id.", s_user_left("user-id"))
    f.server("user_list", "§3: users in join order.",
             s_user_list([ada, user("b", "Bob", "x")]))
    f.server("empty_user_list", "§3: an empty list.", s_user_list([]))
    f.server("message", "§3: id, user, content, timestamp in this order.",
             s_message(MSG_ID, ada, "encrypted-content", TIMESTAMP))
    f.server("message_timestamp_milliseconds", "§3: toISOString's form, milliseconds kept.",
             s_message(MSG_ID, ada, "x", "2023-11-14T22:13:20.007Z"))
    f.server("user_typing", "§3: isTyping as a bool.", s_user_typing(ada, False))
    f.server("reaction", "§3: messageId, user, emoji; the emoji as UTF-8, not escaped.",
             s_reaction("msg-id", ada, "👍"))
    f.server("escaped_name", "§3: quotes and backslashes escaped, other characters as UTF-8.",
             s_user_joined(user("u", '"Ada" \\ é')))
    for code in ERRORS:
        f.server(f"error_{code.lower()}", f"§6: {code} and its exact message.", s_error(code))
    return f


# --------------------------------------------------------------------------------------------
# The model: chat.md §5, §7, §8 as one object
# --------------------------------------------------------------------------------------------


class Ambiguous(AssertionError):
    """A scenario reached a place where chat.md does not fix the outcome."""


class Window:
    """§5: a sliding minute (or violation_window): an action counts while it is younger."""

    def __init__(self, span: int):
        self.span = span
        self.times = []

    def count(self, now: int) -> int:
        self.times = [t for t in self.times if now - t < self.span]
        return len(self.times)

    def add(self, now: int):
        self.times.append(now)


class Conn:
    def __init__(self, client: str, now: int):
        self.client = client
        self.ip = IP[client]
        self.room = None
        self.user = None
        self.messages = Window(MINUTE_MS)
        self.joins = Window(MINUTE_MS)
        self.typing = Window(MINUTE_MS)
        self.last_activity = now
        self.pings = 0  # heartbeat pings sent during the current silence


class IpRecord:
    """An IP's penalty state (§7): recent violations, its block, how many blocks it has had."""

    def __init__(self, cfg: dict, now: int):
        self.violations = Window(cfg["violation_window_ms"])
        self.blocked_until = None
        self.blocks = 0
        self.last_violation = None
        self.block_end = None
        self.last_active = now  # the last admission, close or violation: eviction order

    def forget_at(self, cfg: dict) -> int:
        """§7: penalty_memory after the later of the last violation and the last block's end."""
        return max(t for t in (self.last_violation, self.block_end) if t is not None) + \
            cfg["penalty_memory_ms"]


class Outputs:
    def __init__(self):
        self.transmits = []  # vectors.md §7.3 entries, in the order written
        self.events = []
        self.response = None

    def take(self) -> "Outputs":
        taken = Outputs()
        taken.transmits, taken.events, taken.response = self.transmits, self.events, self.response
        self.transmits, self.events, self.response = [], [], None
        return taken


class Server:
    def __init__(self, cfg: dict, out: Outputs, firings: list):
        self.cfg = cfg
        self.out = out
        self.firings = firings
        self.conns = {}  # client -> Conn
        self.rooms = {}  # room -> [client], in join order
        self.ips = {}  # ip -> IpRecord
        self.counters = {"rate_limited": 0, "violations": 0, "refused_connections": 0}
        self.next_message = 1

    # Outputs ----------------------------------------------------------------------------------

    def text(self, client: str, text: str):
        self.out.transmits.append({"to": client, "text": text})

    def event(self, etype: str, **members):
        self.out.events.append({"type": etype, **members})

    def error(self, conn: Conn, code: str, now: int):
        self.text(conn.client, s_error(code))
        self.event("error", conn=conn.client, code=code)
        if ERRORS[code][1]:
            self.violation(conn, now)

    def stats(self, now: int) -> dict:
        return {"active_connections": len(self.conns), "active_rooms": len(self.rooms),
                "total_users": sum(1 for c in self.conns.values() if c.room is not None),
                "rate_limited": self.counters["rate_limited"],
                "violations": self.counters["violations"],
                "blocked_ips": sum(1 for r in self.ips.values() if self.blocked(r, now)),
                "refused_connections": self.counters["refused_connections"]}

    @staticmethod
    def blocked(record: IpRecord, now: int) -> bool:
        return record.blocked_until is not None and now < record.blocked_until

    def record(self, ip: str, now: int) -> IpRecord:
        return self.ips.setdefault(ip, IpRecord(self.cfg, now))

    def tracked(self) -> set:
        """§7: the IPs with a record: an open connection, or a penalty still remembered."""
        return {c.ip for c in self.conns.values()} | set(self.ips)

    # Timers (§7) ------------------------------------------------------------------------------

    def deadlines(self) -> list:
        out = []
        for c in self.conns.values():
            # §7: a ping every heartbeat_interval of silence, until the close at heartbeat_timeout.
            ping = c.last_activity + (c.pings + 1) * self.cfg["heartbeat_interval_ms"]
            close = c.last_activity + self.cfg["heartbeat_timeout_ms"]
            if ping < close:
                out.append((ping, c.client, "ping"))
            out.append((close, c.client, "timeout"))
        for ip, r in self.ips.items():
            if r.blocked_until is not None:
                out.append((r.blocked_until, ip, "unblock"))
            out.append((r.forget_at(self.cfg), ip, "forget"))
        return sorted(out)

    def pending(self, now: int) -> list:
        """Deadlines still ahead of `now` (unblocks that passed are history)."""
        return [d for d in self.deadlines() if d[0] > now or d[2] not in ("unblock", "forget")]

    def advance(self, now: int):
        """Fire every timer due by `now`, each at its deadline (vectors.md §4.2 step 1)."""
        done_unblocks = set()
        while True:
            due = [d for d in self.deadlines() if d[0] <= now
                   and not (d[2] == "unblock" and (d[0], d[1]) in done_unblocks)]
            if not due:
                return
            at, who, kind = due[0]
            self.firings.append(at)
            if kind == "ping":
                conn = self.conns[who]
                conn.pings += 1
                self.out.transmits.append({"to": who, "ping": True})
            elif kind == "timeout":
                conn = self.conns[who]
                self.out.transmits.append({"to": who, "close": 1001})
                self.drop(conn, "heartbeat_timeout", at)
            elif kind == "unblock":
                done_unblocks.add((at, who))
                self.ips[who].blocked_until = None
            else:
                if any(c.ip == who for c in self.conns.values()):
                    raise Ambiguous("a penalty forgotten while the IP has a connection")
                del self.ips[who]

    # Connections ------------------------------------------------------------------------------

    def connect(self, client: str, now: int):
        assert client not in self.conns, f"{client} connects while connected"
        ip = IP[client]
        record = self.ips.get(ip)
        open_here = sum(1 for c in self.conns.values() if c.ip == ip)
        if record is not None and self.blocked(record, now):
            refusal, status = "IP_BLOCKED", 403
        elif open_here >= self.cfg["connection_limit_per_ip"]:
            refusal, status = "TOO_MANY_CONNECTIONS", 429
        elif len(self.conns) >= self.cfg["max_connections"]:
            refusal, status = "SERVER_FULL", 503
        elif ip not in self.tracked() and not self.make_room(now):
            refusal, status = "SERVER_FULL", 503
        else:
            if record is not None:
                record.last_active = now
            self.conns[client] = Conn(client, now)
            self.out.response = {"status": 101}
            self.event("connection_opened", conn=client, ip=ip)
            return
        self.counters["refused_connections"] += 1
        self.out.response = {"status": status, "body": compact({"error": refusal})}
        self.event("connection_refused", ip=ip, refusal=refusal)

    def make_room(self, now: int) -> bool:
        """§7: with max_tracked_ips records, the longest idle record without a block or an open
        connection is evicted; False if there is none."""
        if len(self.tracked()) < self.cfg["max_tracked_ips"]:
            return True
        connected = {c.ip for c in self.conns.values()}
        idle = [(r.last_active, ip) for ip, r in self.ips.items()
                if ip not in connected and not self.blocked(r, now)]
        if not idle:
            return False
        idle.sort()
        if len(idle) > 1 and idle[0][0] == idle[1][0]:
            raise Ambiguous("two records equally idle")
        del self.ips[idle[0][1]]
        return True

    def drop(self, conn: Conn, reason: str, now: int):
        """The connection is gone (§5: closing leaves the room as leave does)."""
        self.leave_room(conn)
        del self.conns[conn.client]
        if conn.ip in self.ips:
            self.ips[conn.ip].last_active = now
        self.event("connection_closed", conn=conn.client, reason=reason)

    def leave_room(self, conn: Conn):
        room = conn.room
        if room is None:
            return
        members = self.rooms[room]
        members.remove(conn.client)
        for other in members:
            self.text(other, s_user_left(conn.user["id"]))
        self.event("left", conn=conn.client, room=room, user_id=conn.user["id"])
        conn.room, conn.user = None, None
        if not members:
            del self.rooms[room]
            self.event("room_removed", room=room)

    def peer_closed(self, client: str, now: int):
        self.drop(self.conns[client], "closed_by_peer", now)

    def activity(self, conn: Conn, now: int):
        conn.last_activity = now
        conn.pings = 0

    # Violations and blocking (§7) -------------------------------------------------------------

    def violation(self, conn: Conn, now: int):
        self.counters["violations"] += 1
        record = self.record(conn.ip, now)
        if self.blocked(record, now):
            return
        record.violations.add(now)
        record.last_violation = now
        record.last_active = now
        if record.violations.count(now) < self.cfg["block_threshold"]:
            return
        duration = min(self.cfg["block_duration_ms"] * 2 ** record.blocks,
                       self.cfg["max_block_duration_ms"])
        record.blocks += 1
        record.blocked_until = now + duration
        record.block_end = now + duration
        record.violations = Window(self.cfg["violation_window_ms"])
        self.event("ip_blocked", ip=conn.ip, duration_ms=duration)
        victims = [c for c in self.conns.values() if c.ip == conn.ip]
        rooms = [c.room for c in victims if c.room is not None]
        if len(rooms) != len(set(rooms)):
            raise Ambiguous("one block removes two users from one room: userLeft order")
        for victim in victims:
            self.text(victim.client, s_error("IP_BLOCKED"))
            self.event("error", conn=victim.client, code="IP_BLOCKED")
            self.out.transmits.append({"to": victim.client, "close": 1008})
            self.drop(victim, "ip_blocked", now)

    # Frames (§5) ------------------------------------------------------------------------------

    def text_frame(self, client: str, text: str, now: int):
        conn = self.conns[client]
        self.activity(conn, now)
        if len(text.encode()) > transport_bound(self.cfg):
            # §4: not buffered; MESSAGE_TOO_LARGE (a violation), then close 1009.
            self.error(conn, "MESSAGE_TOO_LARGE", now)
            if client in self.conns:
                self.out.transmits.append({"to": client, "close": 1009})
                self.drop(conn, "oversized", now)
            return
        try:
            message = decode(text, self.cfg["max_message_size"])
        except Refused as refused:
            self.error(conn, refused.code, now)
            return
        getattr(self, "on_" + message["type"])(conn, message.get("data"), now)

    def binary_frame(self, client: str, length: int, now: int):
        conn = self.conns[client]
        self.activity(conn, now)
        too_large = length > self.cfg["max_message_size"]
        self.error(conn, "MESSAGE_TOO_LARGE" if too_large else "INVALID_MESSAGE", now)

    def pong(self, client: str, now: int):
        self.activity(self.conns[client], now)

    def ws_ping(self, client: str, now: int):
        """§1: the server answers WebSocket pings with pongs; a ping is life like any frame."""
        self.activity(self.conns[client], now)
        self.out.transmits.append({"to": client, "pong": True})

    def on_ping(self, conn, _data, _now):
        self.text(conn.client, s_pong())

    def on_join(self, conn, data, now):
        if conn.joins.count(now) >= self.cfg["join_limit"]:
            self.counters["rate_limited"] += 1
            self.error(conn, "JOIN_RATE_LIMITED", now)
            return
        # §5: every valid join counts, also one refused below.
        conn.joins.add(now)
        room, u = data["room"], data["user"]
        members = self.rooms.get(room, [])
        if conn.room is not None and (conn.room == room or len(self.rooms[conn.room]) == 1):
            # Rejoining a full room, or a new room while the only member of another: the spec
            # checks before leaving; these scenarios avoid depending on it.
            full = len(members) >= self.cfg["max_users_per_room"]
            new_at_limit = room not in self.rooms and len(self.rooms) >= self.cfg["max_rooms"]
            if full or new_at_limit:
                raise Ambiguous("a limit decided by the joiner's own membership")
        refusal = None
        if len(members) >= self.cfg["max_users_per_room"]:
            refusal = "ROOM_FULL"
        elif any(self.conns[m].user["id"] == u["id"] and m != conn.client for m in members):
            refusal = "DUPLICATE_USER"
        elif room not in self.rooms and len(self.rooms) >= self.cfg["max_rooms"]:
            refusal = "SERVER_FULL"
        if refusal:
            self.error(conn, refusal, now)
            return
        self.leave_room(conn)
        if room not in self.rooms:
            self.rooms[room] = []
            self.event("room_created", room=room)
        members = self.rooms[room]
        members.append(conn.client)
        conn.room, conn.user = room, u
        self.event("joined", conn=conn.client, room=room, user_id=u["id"])
        self.text(conn.client, s_user_list([self.conns[m].user for m in members]))
        for other in members[:-1]:
            self.text(other, s_user_joined(u))

    def on_leave(self, conn, _data, now):
        if conn.room is None:
            self.error(conn, "NOT_IN_ROOM", now)
            return
        self.leave_room(conn)

    def limited(self, conn, now) -> bool:
        """§5 message and reaction: not in a room, then the message limit."""
        if conn.room is None:
            self.error(conn, "NOT_IN_ROOM", now)
            return True
        if conn.messages.count(now) >= self.cfg["message_limit"]:
            self.counters["rate_limited"] += 1
            self.error(conn, "RATE_LIMITED", now)
            return True
        conn.messages.add(now)
        return False

    def on_message(self, conn, data, now):
        if self.limited(conn, now):
            return
        mid = f"<uuid:m{self.next_message}>"
        self.next_message += 1
        text = s_message(mid, conn.user, data["content"], "<timestamp>")
        for member in self.rooms[conn.room]:
            self.text(member, text)

    def on_typing(self, conn, data, now):
        if conn.room is None:
            self.error(conn, "NOT_IN_ROOM", now)
            return
        if conn.typing.count(now) >= self.cfg["typing_limit"]:
            self.counters["rate_limited"] += 1  # §8: typing dropped by its limit counts too
            return
        conn.typing.add(now)
        for member in self.rooms[conn.room]:
            if member != conn.client:
                self.text(member, s_user_typing(conn.user, data["isTyping"]))

    def on_reaction(self, conn, data, now):
        if self.limited(conn, now):
            return
        text = s_reaction(data["messageId"], conn.user, data["emoji"])
        for member in self.rooms[conn.room]:
            self.text(member, text)

    # Operator -----------------------------------------------------------------------------------

    def reset(self):
        """§7 shutdown, as an operator's reset: every connection closed with 1001, its rooms
        forgotten (hark-core reports each room's removal, and no `left`: nobody is told)."""
        for room in self.rooms:
            self.event("room_removed", room=room)
        for client in list(self.conns):
            self.out.transmits.append({"to": client, "close": 1001})
            self.event("connection_closed", conn=client, reason="server_closing")


# --------------------------------------------------------------------------------------------
# Scenario DSL
# --------------------------------------------------------------------------------------------


JITTER_MS = 40  # how late a live input may arrive in the self-check


def jitter(name: str, seed: int, step: int) -> int:
    digest = hashlib.sha256(f"{name}/{seed}/{step}".encode()).digest()
    return digest[0] % (JITTER_MS + 1)


def comparable(got: Outputs):
    """A step's outputs as the runners compare them: frames per client in order, events per
    subject in order, the response (vectors.md §7.3, §7.5)."""
    frames, events = {}, {}
    for t in got.transmits:
        frames.setdefault(t["to"], []).append(t)
    for event in got.events:
        events.setdefault(subject(event), []).append(event)
    return sorted(frames.items()), sorted(events.items(), key=repr), got.response


def subject(event: dict):
    """vectors.md §7.5: events are ordered per connection, else room, else IP."""
    for key in ("conn", "room", "ip"):
        if key in event:
            return (key, event[key])
    raise AssertionError(event)


class Scenario:
    def __init__(self, name, description, covers, overrides=None):
        self.doc = {"name": name, "description": description, "covers": covers}
        self.cfg = copy.deepcopy(CONFIG)
        if overrides:
            self.doc["fixture_overrides"] = overrides
            self.cfg.update(overrides["config"])
        self.out = Outputs()
        self.firings = []
        self.server = Server(self.cfg, self.out, self.firings)
        self.steps = []
        self.times = []
        self.inputs = []  # (at_ms, apply) per step, for the late replay of check()
        self.outputs = []  # each step's outputs as a runner compares them
        self.ms = 0

    def at(self, ms: int) -> "Scenario":
        assert ms >= self.ms, "at_ms must not decrease"
        self.ms = ms
        return self

    def _step(self, kind, apply, input_json: dict, note: str, st: bool):
        name = self.doc["name"]
        now = self.ms
        self.server.advance(now)
        # A step meant to come before a deadline is well before it (vectors.md §4.3).
        soon = [d for d in self.server.pending(now) if d[0] - now < TIMER_MARGIN_MS]
        assert not soon, f"{name}: deadline {soon[0]} is too near the step at {now} ms"
        apply(now)
        got = self.out.take()
        self.times.append(now)
        self.inputs.append((now, apply))
        self.outputs.append(comparable(got))
        expect = {"transmits": got.transmits}
        if kind in ("connect", "http"):
            expect["response"] = got.response
        expect["events"] = got.events
        if st:
            expect["stats"] = self.server.stats(now)
        self.steps.append({"at_ms": now, "note": note, **input_json, "expect": expect})
        return got

    # Inputs -------------------------------------------------------------------------------------

    def connect(self, client, note=None, st=False):
        assert client in IP, client
        return self._step("connect", lambda now: self.server.connect(client, now),
                          {"connect": client}, note or f"{client} connects", st)

    def send(self, client, text: str, note, st=False):
        return self._step("text", lambda now: self.server.text_frame(client, text, now),
                          {"from": client, "text": text}, note, st)

    def binary(self, client, data: bytes, note, st=False):
        return self._step("binary", lambda now: self.server.binary_frame(client, len(data), now),
                          {"from": client, "binary": data.hex()}, note, st)

    def pong(self, client, note=None, st=False):
        return self._step("pong", lambda now: self.server.pong(client, now), {"pong": client},
                          note or f"{client} answers the ping", st)

    def ping(self, client, note=None, st=False):
        return self._step("ping", lambda now: self.server.ws_ping(client, now), {"ping": client},
                          note or f"{client} sends a WebSocket ping", st)

    def close(self, client, note=None, st=False):
        return self._step("close", lambda now: self.server.peer_closed(client, now),
                          {"close": client}, note or f"{client} closes its connection", st)

    def http(self, method, path, note, st=False):
        def apply(now):
            target = path.split("?", 1)[0]  # §1: the query string is ignored
            if method != "GET":
                self.out.response = {"status": 405,
                                     "body": compact({"error": "method not allowed"})}
            elif target == "/ws":
                self.out.response = {"status": 426,
                                     "body": compact({"error": "upgrade required"})}
            elif target in ("/", "/health"):
                stats = self.server.stats(now)
                self.out.response = {"status": 200, "body": health_body(stats)}
            else:
                self.out.response = {"status": 404, "body": compact({"error": "not found"})}
        return self._step("http", apply, {"http": {"method": method, "path": path}}, note, st)

    def reset(self, note, st=False):
        def apply(now):
            self.server.reset()
            self.server = Server(self.cfg, self.out, self.firings)
        return self._step("reset", apply, {"reset": True}, note, st)

    def tick(self, note, st=False):
        return self._step("tick", lambda now: None, {"tick": True}, note, st)

    # Common exchanges ---------------------------------------------------------------------------

    def join(self, client, room, u=None, note=None, st=False):
        u = u or user(client)
        return self.send(client, c_join(room, u), note or f"{client} joins {room}", st)

    def enter(self, room, *clients):
        """Each client connects and joins `room` as itself, 100 ms apart."""
        for client in clients:
            self.connect(client)
            self.join(client, room)
            self.at(self.ms + 100)

    def message(self, client, content, note=None, st=False):
        return self.send(client, c_message(content), note or f"{client} sends a message", st)

    def expect(self, got: Outputs, *transmits):
        """Asserts what the model produced for the steps that carry a scenario's point, against
        what the author reads in the spec (per client, in order)."""
        def per_client(entries):
            out = {}
            for e in entries:
                out.setdefault(e["to"], []).append(e)
            return out
        want = [dict(zip(("to", k), (to, v))) for to, k, v in transmits]
        assert per_client(got.transmits) == per_client(want), (self.doc["name"], got.transmits)

    # Output and self-checks ---------------------------------------------------------------------

    def check(self):
        name = self.doc["name"]
        last = self.ms
        self.server.advance(last + 2 * TIMER_MARGIN_MS)
        tail = self.out.take()
        assert not (tail.transmits or tail.events), f"{name}: output in the quiet tail"
        for fired in self.firings:
            near = [t for t in set(self.times) | {last + TIMER_MARGIN_MS}
                    if abs(fired - t) < TIMER_MARGIN_MS]
            assert not near, f"{name}: a timer fires at {fired} ms, near {near}"
        for step in self.steps:
            for event in step["expect"]["events"]:
                subject(event)
        # A live server sees every input a little late (vectors.md §4.3): the outputs must not
        # change.
        for seed in range(8):
            self.out = Outputs()
            self.server = Server(self.cfg, self.out, [])
            now = 0
            for index, ((at_ms, apply), want) in enumerate(zip(self.inputs, self.outputs)):
                now = max(now, at_ms + jitter(name, seed, index))
                self.server.advance(now)
                apply(now)
                got = comparable(self.out.take())
                assert got == want, f"{name}: step at {at_ms} ms differs {now - at_ms} ms late"

    def document(self):
        self.check()
        return dict(self.doc, steps=self.steps)


def fixture() -> dict:
    return {"wall_clock_start": START, "rng_seed": RNG_SEED,
            "clients": [{"name": n, "ip": ip} for n, ip in CLIENTS],
            "config": copy.deepcopy(CONFIG)}


# --------------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------------

ALICE, BOB, CAROL, DAVE = user("alice"), user("bob"), user("carol"), user("dave")


def room_scenarios():
    out = []

    s = Scenario("join_and_presence",
                 "The first join creates the room and answers the joiner with a userList of "
                 "itself; a second joiner gets both users in join order, the first a userJoined.",
                 ["§5 join: userList to the joiner, itself included, in join order",
                  "§5 join: userJoined to everyone else", "§10.1 who receives what",
                  "§3 avatar written null when absent, as sent when a string"])
    got = s.at(0).connect("alice", st=True)
    assert got.response == {"status": 101}
    got = s.join("alice", "lobby", st=True)
    s.expect(got, ("alice", "text", s_user_list([ALICE])))
    bob = user("bob", "Bob B.", "https://example.com/bob.png")
    s.at(100).connect("bob")
    got = s.join("bob", "lobby", bob, st=True)
    s.expect(got, ("bob", "text", s_user_list([ALICE, bob])), ("alice", "text", s_user_joined(bob)))
    s.at(200).enter("lobby", "carol")
    out.append(s)

    s = Scenario("ping_pong",
                 "An application ping is answered with pong, in a room or not.",
                 ["§5 ping → pong to the sender", "§2 ping", "§3 pong"])
    s.at(0).connect("alice")
    got = s.send("alice", c_ping(), "alice pings before joining")
    s.expect(got, ("alice", "text", s_pong()))
    s.join("alice", "lobby")
    s.at(100).send("alice", c_ping(), "alice pings in a room")
    out.append(s)

    s = Scenario("websocket_ping_answered",
                 "A WebSocket ping from a client is answered with a pong by the transport (live "
                 "mode sees it; core mode only sees the life it brings).",
                 ["§1 the server answers WebSocket pings with pongs"])
    s.at(0).connect("alice")
    got = s.ping("alice")
    s.expect(got, ("alice", "pong", True))
    s.at(100).send("alice", c_ping(), "the application ping is another thing")
    out.append(s)

    s = Scenario("message_to_whole_room",
                 "A message goes to everyone in the room, the sender included, with one server "
                 "id and timestamp; another room hears nothing.",
                 ["§5 message to everyone in the room, the sender included",
                  "§3 message id a UUID v4, timestamp toISOString's form",
                  "§10.1 the sender learns the id and timestamp"])
    s.at(0).enter("lobby", "alice", "bob", "carol")
    s.at(300).enter("side", "dave")
    got = s.at(500).message("alice", "U2FsdGVkX1+vupppZksvRf5pq5g5XjFRIipRkwB0K1Y=")
    m1 = s_message("<uuid:m1>", ALICE, "U2FsdGVkX1+vupppZksvRf5pq5g5XjFRIipRkwB0K1Y=",
                   "<timestamp>")
    s.expect(got, ("alice", "text", m1), ("bob", "text", m1), ("carol", "text", m1))
    s.at(600).message("bob", '{"iv":"AAEC","ct":"3q2+7w=="}', "bob sends a JSON envelope")
    s.at(700).message("dave", "c2lkZQ==", "dave is alone in his room")
    out.append(s)

    s = Scenario("typing_to_others",
                 "A typing indicator goes to everyone in the room but the sender.",
                 ["§5 typing → userTyping to everyone but the sender", "§3 userTyping"])
    s.at(0).enter("lobby", "alice", "bob", "carol")
    got = s.at(300).send("alice", c_typing(True), "alice starts typing")
    s.expect(got, ("bob", "text", s_user_typing(ALICE, True)),
             ("carol", "text", s_user_typing(ALICE, True)))
    s.at(400).send("alice", c_typing(False), "alice stops typing")
    out.append(s)

    s = Scenario("reaction_to_whole_room",
                 "A reaction goes to everyone in the room, the sender included; the relay does "
                 "not check that the message exists.",
                 ["§5 reaction to everyone, the sender included",
                  "§5 messageId is not checked against stored messages", "§3 reaction"])
    s.at(0).enter("lobby", "alice", "bob")
    got = s.at(200).send("bob", c_reaction("no-such-message", "🎉"), "bob reacts")
    r = s_reaction("no-such-message", BOB, "🎉")
    s.expect(got, ("alice", "text", r), ("bob", "text", r))
    out.append(s)

    s = Scenario("leave_and_not_in_room",
                 "Leaving tells the others and not the leaver; outside a room, leave, message, "
                 "typing and reaction are refused with NOT_IN_ROOM, which keeps the connection.",
                 ["§5 leave → userLeft to the others, nothing to the leaver",
                  "§5 NOT_IN_ROOM for leave, message, typing, reaction outside a room",
                  "§6 errors keep the connection open", "§3 userLeft"])
    s.at(0).enter("lobby", "alice", "bob")
    got = s.at(200).send("alice", c_leave(), "alice leaves", st=True)
    s.expect(got, ("bob", "text", s_user_left("alice")))
    got = s.at(300).send("alice", c_leave(), "alice leaves again")
    s.expect(got, ("alice", "text", s_error("NOT_IN_ROOM")))
    s.at(400).message("alice", "YWJj", "alice sends a message outside a room")
    s.at(500).send("alice", c_typing(True), "alice types outside a room")
    s.at(600).send("alice", c_reaction("m1", "👍"), "alice reacts outside a room")
    s.at(700).send("alice", c_ping(), "the connection still serves", st=True)
    out.append(s)

    s = Scenario("second_join_other_room",
                 "A second join to another room leaves the first (its members hear userLeft) "
                 "and enters the second.",
                 ["§5 join while in a room: leave first, then enter", "§10.2 a second join"])
    s.at(0).enter("lobby", "alice", "bob")
    s.at(200).enter("side", "carol")
    got = s.at(400).join("alice", "side", st=True)
    s.expect(got, ("bob", "text", s_user_left("alice")),
             ("alice", "text", s_user_list([CAROL, ALICE])),
             ("carol", "text", s_user_joined(ALICE)))
    s.at(500).message("bob", "Ym9i", "the old room no longer has alice")
    out.append(s)

    s = Scenario("second_join_same_room",
                 "A join naming the room the connection is in leaves and enters it again: the "
                 "others hear userLeft then userJoined, the joiner gets a fresh userList with "
                 "itself last.",
                 ["§10.2 a second join to the same room refreshes the userList",
                  "§5 join order: the rejoiner is now last"])
    s.at(0).enter("lobby", "alice", "bob")
    got = s.at(200).join("alice", "lobby", note="alice joins lobby again", st=True)
    s.expect(got, ("bob", "text", s_user_left("alice")), ("bob", "text", s_user_joined(ALICE)),
             ("alice", "text", s_user_list([BOB, ALICE])))
    s.at(300).join("bob", "lobby", user("bob", "Robert"), "bob rejoins under another name")
    out.append(s)

    s = Scenario("second_join_alone_recreates_room",
                 "The only member joining its room again leaves it empty, so it is removed and "
                 "created again.",
                 ["§5 a room left empty is removed; created on its first join"])
    s.at(0).enter("lobby", "alice")
    s.at(100).join("alice", "lobby", note="alice joins lobby again", st=True)
    out.append(s)

    s = Scenario("close_leaves_room",
                 "A connection that closes leaves its room as leave does.",
                 ["§5 closing a connection leaves its room", "§7 counters after a close"])
    s.at(0).enter("lobby", "alice", "bob")
    got = s.at(200).close("alice", st=True)
    s.expect(got, ("bob", "text", s_user_left("alice")))
    s.at(300).close("bob", st=True)
    out.append(s)

    s = Scenario("room_cleanup",
                 "A room left empty is removed: active_rooms drops, and the next join creates "
                 "it afresh with a userList of the joiner alone.",
                 ["§5 a room left empty is removed", "§8 active_rooms, total_users",
                  "§5 rooms created on first join"])
    s.at(0).enter("lobby", "alice", "bob")
    s.at(200).send("alice", c_leave(), "alice leaves")
    s.at(300).send("bob", c_leave(), "bob leaves: lobby is empty", st=True)
    s.at(400).enter("lobby", "carol")
    s.tick("lobby has carol alone", st=True)
    out.append(s)
    return out


def error_scenarios():
    out = []

    s = Scenario("every_error_keeps_the_connection",
                 "Each frame error is answered with its code and the connection stays open: a "
                 "ping afterwards is answered. Spread over clients so that no IP reaches the "
                 "block threshold.",
                 ["§5 step 2 INVALID_JSON, UNKNOWN_TYPE, INVALID_MESSAGE",
                  "§4 INVALID_ROOM, INVALID_USER, INVALID_CONTENT",
                  "§6 errors keep the connection open", "§7 each counts as a violation"])
    s.at(0).connect("alice")
    s.connect("bob")
    s.connect("carol")
    got = s.at(100).send("alice", "{not json", "alice sends broken JSON")
    s.expect(got, ("alice", "text", s_error("INVALID_JSON")))
    s.at(200).send("alice", '{"type":"shout"}', "alice sends an unknown type")
    s.at(300).send("alice", '{"type":"join"}', "alice sends a join without data")
    s.at(400).send("bob", c_join("no room", ALICE), "bob joins a room with a space in its name")
    s.at(500).send("bob", c_join("lobby", user("bob", "\u0001")), "bob joins with a bad name")
    s.at(600).join("carol", "lobby")
    s.at(700).message("carol", "plain text, ünïcode", "carol forgot to encrypt")
    s.at(800).send("alice", c_ping(), "alice's connection still serves")
    s.at(800).send("bob", c_ping(), "bob's too")
    s.at(800).send("carol", c_ping(), "carol's too", st=True)
    out.append(s)

    s = Scenario("frame_too_large",
                 "A text frame over max_message_size is refused with MESSAGE_TOO_LARGE before "
                 "it is read as JSON; one of exactly max_message_size bytes passes.",
                 ["§5 step 1 MESSAGE_TOO_LARGE", "§4 the whole frame is at most "
                  "max_message_size bytes"])
    s.at(0).enter("lobby", "alice", "bob")
    limit = CONFIG["max_message_size"]
    exact = c_message("A" * (limit - len(c_message(""))))
    assert len(exact) == limit
    got = s.at(200).send("alice", exact, "a frame of exactly max_message_size bytes")
    assert len(got.transmits) == 2
    got = s.at(300).send("alice", c_message("A" * (limit + 1 - len(c_message("")))),
                         "one byte more")
    s.expect(got, ("alice", "text", s_error("MESSAGE_TOO_LARGE")))
    s.at(400).send("alice", "x" * (limit + 1), "an oversized frame that is not JSON")
    s.at(500).send("alice", c_ping(), "the connection stays open")
    out.append(s)

    bound = transport_bound(CONFIG)
    s = Scenario("transport_bound",
                 "A message up to the transport bound is read whole and refused "
                 "MESSAGE_TOO_LARGE; a longer one is refused and its connection closed with "
                 "1009, leaving its room.",
                 ["§4 the transport bound max(4 × max_message_size, 64 KiB)",
                  "§4 beyond it: MESSAGE_TOO_LARGE, close 1009"])
    s.at(0).enter("lobby", "alice", "bob")
    got = s.at(200).send("alice", "x" * bound, "a text frame of exactly the transport bound")
    s.expect(got, ("alice", "text", s_error("MESSAGE_TOO_LARGE")))
    got = s.at(300).send("alice", "x" * (bound + 1), "one byte more", st=True)
    s.expect(got, ("alice", "text", s_error("MESSAGE_TOO_LARGE")), ("alice", "close", 1009),
             ("bob", "text", s_user_left("alice")))
    out.append(s)

    s = Scenario("binary_frames",
                 "Binary frames are INVALID_MESSAGE, or MESSAGE_TOO_LARGE over the limit; the "
                 "connection stays open.",
                 ["§1 binary frames are INVALID_MESSAGE", "§5 step 1 size first"])
    s.at(0).connect("alice")
    got = s.binary("alice", c_ping().encode(), "alice sends a ping as a binary frame")
    s.expect(got, ("alice", "text", s_error("INVALID_MESSAGE")))
    s.at(100).binary("alice", bytes(CONFIG["max_message_size"] + 1), "an oversized binary frame")
    s.at(200).send("alice", c_ping(), "the connection stays open")
    out.append(s)
    return out


def limit_scenarios():
    out = []
    limit = CONFIG["message_limit"]

    s = Scenario("message_rate_limit",
                 f"message_limit ({limit}) messages and reactions a minute pass; the next is "
                 "RATE_LIMITED, which reaches nobody else; the limit is per connection.",
                 ["§5 message: more than message_limit in the last minute → RATE_LIMITED",
                  "§5 reactions share the message limit", "§8 rate_limited, violations"])
    s.at(0).enter("lobby", "alice", "bob")
    for i in range(limit - 1):
        s.at(200 + 10 * i).message("alice", f"bXNn{i}", f"alice's message {i + 1}")
    s.send("alice", c_reaction("m1", "👍"), f"alice's reaction: action {limit}")
    got = s.at(300).message("alice", "b3Zlcg==", "one more message", st=True)
    s.expect(got, ("alice", "text", s_error("RATE_LIMITED")))
    got = s.at(400).send("alice", c_reaction("m1", "👍"), "one more reaction")
    s.expect(got, ("alice", "text", s_error("RATE_LIMITED")))
    s.at(500).message("bob", "Ym9i", "bob's own limit is untouched")
    s.at(600).send("alice", c_ping(), "ping is not rate-limited", st=True)
    out.append(s)

    limit = CONFIG["join_limit"]
    s = Scenario("join_rate_limit",
                 f"join_limit ({limit}) joins a minute pass; the next is JOIN_RATE_LIMITED and "
                 "leaves the connection where it was.",
                 ["§5 join: more than join_limit in the last minute → JOIN_RATE_LIMITED"])
    s.at(0).connect("alice")
    for i in range(limit):
        s.at(100 * i).join("alice", f"room{i}")
    got = s.at(400).join("alice", "room9", note="one join more", st=True)
    s.expect(got, ("alice", "text", s_error("JOIN_RATE_LIMITED")))
    s.at(500).message("alice", "c3RpbGw=", f"alice is still in room{limit - 1}")
    out.append(s)

    s = Scenario("refused_joins_count",
                 "Every valid join counts toward join_limit, also one refused ROOM_FULL: a "
                 "client hammering a full room runs into JOIN_RATE_LIMITED.",
                 ["§5 join: every valid join counts, also one then refused for a full room"])
    s.at(0).enter("lobby", "alice", "bob", "carol")
    s.connect("dave")
    for i in range(limit):
        s.at(400 + 10 * i).join("dave", "lobby", note=f"dave tries the full room ({i + 1})")
    got = s.at(500).join("dave", "side", note="a join to a free room is one too many", st=True)
    s.expect(got, ("dave", "text", s_error("JOIN_RATE_LIMITED")))
    out.append(s)

    limit = CONFIG["typing_limit"]
    s = Scenario("typing_limited_silently",
                 f"typing_limit ({limit}) typing frames a minute reach the room; more are "
                 "dropped without an answer.",
                 ["§5 typing beyond typing_limit dropped silently", "§10.7"])
    s.at(0).enter("lobby", "alice", "bob")
    for i in range(limit):
        s.at(200 + 10 * i).send("alice", c_typing(i % 2 == 0), f"typing {i + 1}")
    got = s.at(300).send("alice", c_typing(True), "one more: dropped", st=True)
    s.expect(got)
    s.at(400).message("alice", "bm90IHR5cGluZw==", "messages still pass")
    out.append(s)

    s = Scenario("room_full",
                 "A room holds max_users_per_room users; the next joiner is refused ROOM_FULL, "
                 "which is not a violation.",
                 ["§5 join: ROOM_FULL", "§6 ROOM_FULL is no violation"])
    s.at(0).enter("lobby", "alice", "bob", "carol")
    s.connect("dave")
    got = s.join("dave", "lobby", st=True)
    s.expect(got, ("dave", "text", s_error("ROOM_FULL")))
    s.at(400).send("carol", c_leave(), "carol leaves")
    s.at(500).join("dave", "lobby", note="now dave fits")
    out.append(s)

    s = Scenario("duplicate_user",
                 "A user id already in the room on another connection is refused "
                 "DUPLICATE_USER; the same id in another room is fine.",
                 ["§5 join: DUPLICATE_USER", "§10.3 duplicates refused, not replaced"])
    s.at(0).enter("lobby", "alice", "bob")
    s.connect("alice_tab")
    got = s.join("alice_tab", "lobby", user("alice"), "alice's second tab joins as alice")
    s.expect(got, ("alice_tab", "text", s_error("DUPLICATE_USER")))
    s.at(300).join("alice_tab", "side", user("alice"), "the same id in another room")
    out.append(s)

    s = Scenario("max_rooms",
                 "With max_rooms rooms, a join creating another is refused SERVER_FULL; joining "
                 "an existing room still works.",
                 ["§5 join: SERVER_FULL at max_rooms", "§9 max_rooms"])
    s.at(0).enter("r1", "alice")
    s.enter("r2", "bob")
    s.enter("r3", "carol")
    s.connect("dave")
    got = s.join("dave", "r4", st=True)
    s.expect(got, ("dave", "text", s_error("SERVER_FULL")))
    s.at(400).join("dave", "r1", note="dave joins an existing room")
    out.append(s)

    s = Scenario("connections_per_ip",
                 "An IP may hold connection_limit_per_ip connections; the next upgrade is "
                 "refused 429 before any frame; other IPs are not affected; a close frees a "
                 "place.",
                 ["§7 admission: 429 TOO_MANY_CONNECTIONS", "§8 refused_connections"])
    s.at(0).connect("mallory")
    s.at(100).connect("mallory_2")
    s.at(200).connect("mallory_3")
    got = s.at(300).connect("mallory_4", st=True)
    assert got.response["status"] == 429
    s.at(400).connect("alice")
    s.at(500).close("mallory_2")
    s.at(600).connect("mallory_4", note="mallory_4 connects again", st=True)
    out.append(s)

    s = Scenario("max_connections",
                 "A server with max_connections open connections refuses the next upgrade 503.",
                 ["§7 admission: 503 SERVER_FULL", "§9 max_connections"])
    for i, client in enumerate(["alice", "bob", "carol", "dave", "erin", "frank"]):
        s.at(100 * i).connect(client)
    got = s.at(600).connect("grace", st=True)
    assert got.response["status"] == 503
    s.at(700).close("alice")
    s.at(800).connect("grace", note="grace connects again")
    out.append(s)
    return out


BAD = "{oops"  # an INVALID_JSON violation


def block_scenarios():
    out = []
    threshold = CONFIG["block_threshold"]
    duration = CONFIG["block_duration_ms"]

    s = Scenario("ip_block_and_expiry",
                 f"The {threshold}th violation of an IP within violation_window blocks it: every "
                 "connection of the IP is sent IP_BLOCKED and closed 1008, its rooms hear "
                 "userLeft, new connections are refused 403 until block_duration has passed; "
                 "other IPs are unaffected.",
                 ["§7 block_threshold violations → IP_BLOCKED and close 1008 on every "
                  "connection of the IP", "§7 a blocked IP's upgrade is refused 403",
                  "§7 the block ends after block_duration", "§6 IP_BLOCKED",
                  "§8 violations, blocked_ips, refused_connections"])
    s.at(0).enter("lobby", "bob", "mallory_2")
    s.connect("mallory")
    for i in range(threshold - 1):
        s.at(300 + 10 * i).send("mallory", BAD, f"violation {i + 1}")
    got = s.at(400).send("mallory", BAD, f"violation {threshold}: the IP is blocked", st=True)
    s.expect(got, ("mallory", "text", s_error("INVALID_JSON")),
             ("mallory", "text", s_error("IP_BLOCKED")), ("mallory", "close", 1008),
             ("mallory_2", "text", s_error("IP_BLOCKED")), ("mallory_2", "close", 1008),
             ("bob", "text", s_user_left("mallory_2")))
    got = s.at(700).connect("mallory_3", "a new connection from the blocked IP", st=True)
    assert got.response["status"] == 403
    s.at(800).connect("alice", "another IP connects")
    s.at(400 + duration - 300).connect("mallory", "still blocked")
    got = s.at(400 + duration + 300).connect("mallory", "the block has ended", st=True)
    assert got.response == {"status": 101}
    out.append(s)

    s = Scenario("progressive_block",
                 "A second block of an IP whose first is remembered lasts twice as long.",
                 ["§7 block_duration doubled for each earlier block still remembered",
                  "§7 the count starts again after a block"])
    s.at(0).connect("mallory")
    for i in range(threshold):
        s.at(10 * i).send("mallory", BAD, f"violation {i + 1}")
    t = 10 * (threshold - 1)
    second = t + duration + 300
    s.at(second).connect("mallory", "after the first block")
    for i in range(threshold):
        s.at(second + 10 * i).send("mallory", BAD, f"violation {i + 1} after the block")
    t2 = second + 10 * (threshold - 1)
    s.at(t2 + duration + 300).connect("mallory", "one block_duration later: still blocked")
    s.at(t2 + 2 * duration + 300).connect("mallory", "twice block_duration later: free")
    out.append(s)

    s = Scenario("violations_outside_the_window",
                 "Violations older than violation_window no longer count: two bursts of "
                 "threshold − 1 violations further apart do not block.",
                 ["§7 violations older than violation_window no longer count (the exact edge is "
                  "left to unit tests: a live server's late inputs would blur it)"])
    window = CONFIG["violation_window_ms"]
    s.at(0).connect("mallory")
    for i in range(threshold - 1):
        s.at(100 + 10 * i).send("mallory", BAD, f"violation {i + 1}")
    last = 100 + 10 * (threshold - 2)
    for i in range(threshold - 1):
        s.at(last + window + 300 + 10 * i).send("mallory", BAD, f"later violation {i + 1}")
    s.send("mallory", c_ping(), "still connected", st=True)
    out.append(s)

    s = Scenario("non_violations_do_not_block",
                 "Errors that are not violations (NOT_IN_ROOM) never block, however many.",
                 ["§6 NOT_IN_ROOM is no violation"])
    s.at(0).connect("mallory")
    for i in range(threshold + 1):
        s.at(100 + 10 * i).send("mallory", c_leave(), f"leave outside a room {i + 1}")
    s.send("mallory", c_ping(), "still connected", st=True)
    out.append(s)

    s = Scenario("rate_limits_are_violations",
                 "RATE_LIMITED counts as a violation: repeated, it blocks the IP.",
                 ["§6 RATE_LIMITED is a violation", "§7 blocking"])
    s.at(0).enter("lobby", "mallory", "bob")
    for i in range(CONFIG["message_limit"] + threshold):
        s.at(200 + 10 * i).message("mallory", f"c3BhbQ{i}", f"message {i + 1}")
    s.tick("mallory is gone", st=True)
    out.append(s)
    return out


# The IP-record group: two records at most, penalties remembered for 3 s.
IP_RECORDS = {"config": {"max_tracked_ips": 2, "penalty_memory_ms": 3000}}


def record_scenarios():
    out = []
    threshold = CONFIG["block_threshold"]
    duration = CONFIG["block_duration_ms"]
    memory = IP_RECORDS["config"]["penalty_memory_ms"]

    s = Scenario("tracked_ips_bounded",
                 "With max_tracked_ips IPs holding connections, a new IP is refused SERVER_FULL: "
                 "no record can be evicted; once an IP's last connection closes, its place is "
                 "free.",
                 ["§7 at most max_tracked_ips records; none evictable → SERVER_FULL",
                  "§8 refused_connections"], IP_RECORDS)
    s.at(0).connect("alice")
    s.at(100).connect("bob")
    got = s.at(200).connect("carol", "a third IP", st=True)
    assert got.response["status"] == 503
    s.at(300).connect("alice_tab", "alice's IP already has a record")
    s.at(400).close("bob")
    s.at(500).connect("carol", "bob's record is gone")
    out.append(s)

    s = Scenario("idle_record_evicted",
                 "A new IP evicts the longest idle record without a block or an open connection, "
                 "and the evicted IP's violations with it.",
                 ["§7 the longest idle record without a block or connection is evicted first"],
                 IP_RECORDS)
    s.at(0).connect("alice")
    s.at(100).connect("mallory")
    s.at(200).send("mallory", BAD, "one violation")
    s.at(300).close("mallory", "mallory's IP keeps a record: its violation")
    s.at(400).connect("bob", "a new IP evicts mallory's idle record")
    s.at(500).close("bob")
    s.at(600).connect("mallory")
    for i in range(threshold - 1):
        s.at(700 + 10 * i).send("mallory", BAD, f"violation {i + 1} since the eviction")
    got = s.at(800).send("mallory", BAD, f"violation {threshold}: now the IP is blocked")
    s.expect(got, ("mallory", "text", s_error("INVALID_JSON")),
             ("mallory", "text", s_error("IP_BLOCKED")), ("mallory", "close", 1008))
    out.append(s)

    s = Scenario("penalty_forgotten",
                 "An IP's record is forgotten penalty_memory after its block ends: its next "
                 "block lasts block_duration again, not twice.",
                 ["§7 a record is forgotten penalty_memory after the end of its last block, its "
                  "penalty history with it"], IP_RECORDS)
    s.at(0).connect("mallory")
    for i in range(threshold):
        s.at(10 * i).send("mallory", BAD, f"violation {i + 1}")
    end = 10 * (threshold - 1) + duration
    again = end + memory + 300
    s.at(again).connect("mallory", "after the record is forgotten")
    for i in range(threshold):
        s.at(again + 10 * i).send("mallory", BAD, f"violation {i + 1} again")
    t2 = again + 10 * (threshold - 1)
    s.at(t2 + duration - 300).connect("mallory", "blocked for block_duration")
    s.at(t2 + duration + 300).connect("mallory", "and no longer: the first block was forgotten")
    out.append(s)
    return out


def http_scenarios():
    out = []
    s = Scenario("health",
                 "GET / and GET /health answer the health JSON with the current counters; other "
                 "paths are 404, other methods 405.",
                 ["§8 health body, members in order", "§1 404 not found, 405 other methods"])
    s.at(0).http("GET", "/health", "health of an empty server")
    s.enter("lobby", "alice", "bob")
    s.connect("carol")
    s.at(300).http("GET", "/", "health with three connections, one room")
    s.at(400).http("GET", "/nothing-here", "an unknown path")
    s.at(500).http("POST", "/health", "another method")
    s.at(600).http("HEAD", "/health", "HEAD is another method too")
    s.at(700).http("GET", "/ws", "/ws without an upgrade")
    s.at(800).http("GET", "/health?verbose=1", "the query string is ignored")
    out.append(s)

    s = Scenario("reset_closes_everyone",
                 "The operator's reset closes every connection with 1001 and forgets rooms, "
                 "counters and blocks.",
                 ["§7 shutdown: close 1001 to everyone", "vectors.md §7.3 reset"])
    s.at(0).enter("lobby", "alice", "bob")
    s.connect("mallory")
    for i in range(CONFIG["block_threshold"]):
        s.at(300 + 10 * i).send("mallory", BAD, f"violation {i + 1}")
    s.at(500).reset("the operator resets", st=True)
    s.at(600).connect("mallory", "mallory is no longer blocked")
    s.join("mallory", "lobby", note="lobby starts empty")
    out.append(s)
    return out


def heartbeat_scenarios():
    out = []
    s = Scenario("heartbeat_drop",
                 "A connection silent for heartbeat_interval is pinged; one that stays silent "
                 "until heartbeat_timeout is closed 1001 and leaves its room. A pong keeps a "
                 "connection alive.",
                 ["§7 heartbeat ping after heartbeat_interval of silence",
                  "§7 close 1001 at heartbeat_timeout, leaving the room",
                  "§7 any frame, pong included, counts as life"], HEARTBEAT)
    s.at(0).connect("alice")
    s.join("alice", "lobby")
    s.connect("bob")
    s.join("bob", "lobby")
    got = s.at(1250).pong("bob", "bob answers his ping; alice does not")
    s.expect(got, ("alice", "ping", True), ("bob", "ping", True))
    got = s.at(1750).tick("alice timed out at 1500 ms", st=True)
    s.expect(got, ("alice", "close", 1001), ("bob", "text", s_user_left("alice")))
    got = s.at(2500).tick("bob's next ping, a second after his pong")
    s.expect(got, ("bob", "ping", True))
    s.close("bob", "bob leaves before his timeout")
    out.append(s)

    s = Scenario("heartbeat_frames_keep_alive",
                 "Any frame counts as life: a client sending application pings more often than "
                 "heartbeat_interval is never pinged; a silent one still is.",
                 ["§7 any frame counts", "§7 heartbeat per connection"], HEARTBEAT)
    s.at(0).connect("alice")
    s.at(700).send("alice", c_ping(), "alice pings the application")
    s.at(1400).ping("alice", "alice sends a WebSocket ping: life as well")
    s.at(2100).send("alice", c_ping(), "alice pings the application")
    s.at(2200).connect("bob")
    s.at(2800).send("alice", c_ping(), "alice again")
    s.at(3450).tick("bob was pinged at 3200 ms")
    s.send("bob", c_typing(True), "bob answers with a frame: NOT_IN_ROOM, but alive")
    s.close("alice")
    s.close("bob")
    out.append(s)
    return out


# One more heartbeat group: two pings fit in one silence.
HEARTBEAT_REPEATED = {"config": {"heartbeat_interval_ms": 1000, "heartbeat_timeout_ms": 2600}}


def repeated_ping_scenarios():
    out = []
    s = Scenario("heartbeat_repeated_pings",
                 "While the silence lasts, a ping goes out every heartbeat_interval, until the "
                 "close at heartbeat_timeout.",
                 ["§7 a ping every heartbeat_interval while the silence lasts",
                  "§7 close 1001 at heartbeat_timeout"], HEARTBEAT_REPEATED)
    s.at(0).connect("alice")
    got = s.at(1300).tick("the first ping at 1000 ms")
    s.expect(got, ("alice", "ping", True))
    got = s.at(2300).tick("the second at 2000 ms")
    s.expect(got, ("alice", "ping", True))
    got = s.at(2900).tick("closed at 2600 ms")
    s.expect(got, ("alice", "close", 1001))
    out.append(s)
    return out


def outputs() -> dict[str, str]:
    return {
        "fixture.json": render(fixture()),
        **codec_files([codec_client, codec_server]),
        **scenario_files([
            ("scenarios/rooms.json", room_scenarios),
            ("scenarios/errors.json", error_scenarios),
            ("scenarios/limits.json", limit_scenarios),
            ("scenarios/blocking.json", block_scenarios),
            ("scenarios/http.json", http_scenarios),
            ("scenarios/heartbeat.json", heartbeat_scenarios),
            ("scenarios/records.json", record_scenarios),
            ("scenarios/heartbeat_repeated.json", repeated_ping_scenarios),
        ]),
    }


if __name__ == "__main__":
    sys.exit(write_or_check(OUT, outputs, sys.argv))
