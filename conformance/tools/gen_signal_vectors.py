#!/usr/bin/env python3
"""Generates the `signal` vectors in conformance/vectors/signal/: the codec vectors here, the
fixture and scenarios in signal_scenarios.py (with the service model of signal_model.py).

Everything here is written from conformance/spec/signal.md §1–§7 (and vectors.md §8 for the
format) with the Python standard library only: each decoder below is §1–§7's rules as written
there, each encoder writes the member order and escaping the spec fixes. Nothing is taken from
hark-core, so a vector that hark-core fails is a disagreement between the code and the spec.

    python3 conformance/tools/gen_signal_vectors.py          # (re)write the JSON files
    python3 conformance/tools/gen_signal_vectors.py --check  # exit 1 if a file would change
"""

from __future__ import annotations

import json
import math
import re
import sys
import unicodedata
from pathlib import Path
from urllib.parse import unquote_plus

from vectorlib import codec_files
from vectorlib import main as write_or_check

OUT = Path(__file__).resolve().parent.parent / "vectors" / "signal"

MAX_PAYLOAD = 1_000_000  # §2: engine.io's maxHttpBufferSize, the default limit of both layers


class Refused(Exception):
    """A decoder's refusal: `code` is the vector's error (a kind, a §5 code, …)."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


def compact(value, sort=False) -> str:
    """JSON as JSON.stringify writes it: no spaces, `"` `\\` and controls escaped, nothing else."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=sort)


def strict_json(text: str):
    """One JSON value, as JSON.parse reads it (no NaN or Infinity), or Refused."""

    def constant(name):
        raise ValueError(name)

    try:
        return json.loads(text, parse_constant=constant)
    except ValueError:
        raise Refused("invalid_json") from None


def depth(value) -> int:
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    return 0


# --------------------------------------------------------------------------------------------
# §1 handshake
# --------------------------------------------------------------------------------------------

HANDSHAKE_ERRORS = {  # code -> message (engine.io's Server.errorMessages)
    0: "Transport unknown",
    1: "Session ID unknown",
    2: "Bad handshake method",
    3: "Bad request",
    4: "Forbidden",
    5: "Unsupported protocol version",
}


def handshake_refusal(code: int) -> dict:
    return {"code": code, "status": 403 if code == 4 else 400,
            "body": compact({"code": code, "message": HANDSHAKE_ERRORS[code]})}


def decide_handshake(method: str, upgrade: bool, query: str):
    params = {}
    for pair in query.split("&"):
        if pair:
            name, _, value = pair.partition("=")
            params[unquote_plus(name)] = unquote_plus(value)
    if params.get("transport") != "websocket":
        return 0
    if params.get("sid"):
        return 1
    if method != "GET":
        return 2
    if not upgrade:
        return 3
    if params.get("EIO") != "4":
        return 5
    return None


# --------------------------------------------------------------------------------------------
# §2 Engine.IO
# --------------------------------------------------------------------------------------------

ENGINE_TYPES = ["open", "close", "ping", "pong", "message", "upgrade", "noop"]


def is_uint(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**64


def engine_decode(frame: dict, max_payload: int) -> dict:
    text = frame.get("text")
    size = len(text.encode()) if text is not None else len(bytes.fromhex(frame["binary"]))
    if size > max_payload:
        raise Refused("payload_too_large")
    if text is None or text.startswith("b"):
        raise Refused("binary_message")
    if text == "":
        raise Refused("empty")
    if text[0] not in "0123456":
        raise Refused("unknown_type")
    kind, data = ENGINE_TYPES[int(text[0])], text[1:]
    if kind in ("close", "upgrade", "noop"):
        if data:
            raise Refused("unexpected_data")
        return {"type": kind}
    if kind == "open":
        try:
            info = strict_json(data)
        except Refused:
            raise Refused("invalid_open") from None
        ok = (isinstance(info, dict) and isinstance(info.get("sid"), str)
              and isinstance(info.get("upgrades"), list)
              and all(isinstance(u, str) for u in info["upgrades"])
              and all(is_uint(info.get(k)) for k in ("pingInterval", "pingTimeout", "maxPayload")))
        if not ok:
            raise Refused("invalid_open")
        return {"type": "open", "open": {k: info[k] for k in OPEN_MEMBERS}}
    if kind in ("ping", "pong"):
        return {"type": kind, "data": data or None}
    return {"type": "message", "data": data}


OPEN_MEMBERS = ["sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload"]


def engine_encode(packet: dict) -> str:
    digit = str(ENGINE_TYPES.index(packet["type"]))
    if packet["type"] == "open":
        return digit + compact({k: packet["open"][k] for k in OPEN_MEMBERS})
    return digit + (packet.get("data") or "")


# --------------------------------------------------------------------------------------------
# §3 Socket.IO
# --------------------------------------------------------------------------------------------

SOCKET_TYPES = ["connect", "disconnect", "event", "ack", "connect_error", "binary_event",
                "binary_ack"]
RESERVED = ["connect", "connect_error", "disconnect", "disconnecting", "newListener",
            "removeListener"]
MAX_ATTACHMENTS = 10
DIGITS = re.compile("[0-9]*")


def socket_decode(text: str, max_len: int) -> dict:
    if len(text.encode()) > max_len:
        raise Refused("too_large")
    if text == "":
        raise Refused("empty")
    if text[0] not in "0123456":
        raise Refused("unknown_type")
    kind, rest = SOCKET_TYPES[int(text[0])], text[1:]
    binary = kind.startswith("binary_")
    count = DIGITS.match(rest).group()
    packet = {"type": kind}
    if binary:
        if not count or not rest[len(count):].startswith("-") \
                or not 1 <= int(count) <= MAX_ATTACHMENTS:
            raise Refused("invalid_attachments")
        packet["attachments"] = int(count)
        rest = rest[len(count) + 1:]
    elif count and rest[len(count):].startswith("-"):
        raise Refused("unexpected_attachments")
    nsp = "/"
    if rest.startswith("/"):
        nsp, _, rest = rest.partition(",")
    ack = DIGITS.match(rest).group()
    ack_id = None
    if ack:
        ack_id = int(ack)
        if ack_id >= 2**64:
            raise Refused("ack_id_out_of_range")
        rest = rest[len(ack):]
    base = kind.removeprefix("binary_")
    if base == "ack" and ack_id is None:
        raise Refused("missing_ack_id")
    if base not in ("event", "ack") and ack_id is not None:
        raise Refused("unexpected_ack_id")
    data = None
    if rest:
        data = strict_json(rest)
        if depth(data) > 128:
            raise Refused("invalid_json")
    present = rest != ""
    if base == "connect" and present and not isinstance(data, dict):
        raise Refused("invalid_connect_data")
    if base == "disconnect" and present:
        raise Refused("unexpected_data")
    if base in ("event", "ack", "connect_error") and not present:
        raise Refused("missing_data")
    if base == "connect_error" and not isinstance(data, (dict, str)):
        raise Refused("invalid_connect_error_data")
    if base == "event":
        if not isinstance(data, list) or not data or not isinstance(data[0], str):
            raise Refused("invalid_event_data")
        if data[0] in RESERVED:
            raise Refused("reserved_event_name")
    if base == "ack" and not isinstance(data, list):
        raise Refused("invalid_ack_data")
    packet.update({"nsp": nsp, "ack_id": ack_id, "data": data})
    return packet


def socket_encode(packet: dict) -> str:
    nsp = packet["nsp"]
    if not nsp.startswith("/") or "," in nsp:
        raise Refused("invalid_namespace")
    text = str(SOCKET_TYPES.index(packet["type"]))
    if "attachments" in packet:
        text += f"{packet['attachments']}-"
    if nsp != "/":
        text += nsp + ","
    if packet["ack_id"] is not None:
        text += str(packet["ack_id"])
    if packet["data"] is not None:
        text += compact(packet["data"], sort=True)
    return text


# --------------------------------------------------------------------------------------------
# §4–§5 events and admission
# --------------------------------------------------------------------------------------------

EVENT_ERRORS = {  # §5's codes and exact messages
    "invalid_event": "Event data is not a name followed by arguments",
    "unknown_event": "Unknown event",
    "invalid_payload": "Wrong number or type of arguments",
    "invalid_channel": "Invalid channel id",
    "invalid_nickname": "Invalid nickname",
    "invalid_description": "Invalid session description",
    "invalid_candidate": "Invalid ICE candidate",
    "unknown_channel": "No such voice channel",
    "forbidden": "Not allowed in this channel",
    "channel_full": "Channel is full",
    "not_in_channel": "Not in a voice channel",
    "voice_unavailable": "Voice is unavailable",
}

CONNECT_REFUSALS = {  # §4's codes and exact messages
    "auth_required": "Authentication required",
    "invalid_token": "Invalid or expired token",
    "invalid_nickname": "Invalid nickname",
    "invite_required": "An invite code is required",
    "invalid_invite": "Invalid invite code",
}

# Unicode White_Space, which "trimmed of white space" removes.
WHITE_SPACE = set("\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
                  "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


def nickname(requested: str):
    """§5's nickname rule: the trimmed nickname, or None."""
    start, end = 0, len(requested)
    while start < end and requested[start] in WHITE_SPACE:
        start += 1
    while end > start and requested[end - 1] in WHITE_SPACE:
        end -= 1
    name = requested[start:end]
    ok = 1 <= len(name) <= 50 and not any(unicodedata.category(c) == "Cc" for c in name)
    return name if ok else None


def is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def description(arg, event: str) -> dict:
    if not isinstance(arg, dict):
        raise Refused("invalid_payload")
    allowed = {"offer": ["offer"], "answer": ["answer", "pranswer"]}[event]
    sdp = arg.get("sdp")
    if arg.get("type") not in allowed or not isinstance(sdp, str) or sdp == "" \
            or len(sdp.encode()) > 65536:
        raise Refused("invalid_description")
    return {"type": arg["type"], "sdp": sdp}


def candidate(arg) -> dict:
    if not isinstance(arg, dict):
        raise Refused("invalid_payload")

    def token(member):
        v = arg.get(member)
        if v is None or (isinstance(v, str) and len(v.encode()) <= 256):
            return v
        raise Refused("invalid_candidate")

    cand = arg.get("candidate")
    if not isinstance(cand, str) or len(cand.encode()) > 1024:
        raise Refused("invalid_candidate")
    mid, ufrag, index = token("sdpMid"), token("usernameFragment"), arg.get("sdpMLineIndex")
    if index is not None and not (is_int(index) and 0 <= index <= 65535):
        raise Refused("invalid_candidate")
    if mid is None and index is None:
        raise Refused("invalid_candidate")
    return {"candidate": cand, "sdpMid": mid, "sdpMLineIndex": index, "usernameFragment": ufrag}


def decode_event(data: list) -> dict:
    """§5.1's checks in order; the event in vectors.md §8's event JSON."""
    if not data or not isinstance(data[0], str):
        raise Refused("invalid_event")
    name, args = data[0], data[1:]
    if name not in ("join", "leave", "updateNickname", "updateMute", "offer", "answer",
                    "ice-candidate"):
        raise Refused("unknown_event")
    if name == "leave":
        if len(args) > 1 or (args and not (args[0] is None or isinstance(args[0], dict))):
            raise Refused("invalid_payload")
        return {"event": "leave"}
    if len(args) != 1:
        raise Refused("invalid_payload")
    arg = args[0]
    if name == "join":
        if not isinstance(arg, dict) or not isinstance(arg.get("channelID"), str):
            raise Refused("invalid_payload")
        cid = arg["channelID"]
        if not (1 <= len(cid) <= 16 and all(0x21 <= ord(c) <= 0x7E for c in cid)):
            raise Refused("invalid_channel")
        return {"event": "join", "channelID": cid}
    if name == "updateNickname":
        if not isinstance(arg, str):
            raise Refused("invalid_payload")
        name_ = nickname(arg)
        if name_ is None:
            raise Refused("invalid_nickname")
        return {"event": "updateNickname", "nickname": name_}
    if name == "updateMute":
        if not isinstance(arg, bool):
            raise Refused("invalid_payload")
        return {"event": "updateMute", "muted": arg}
    if name in ("offer", "answer"):
        return {"event": name, "description": description(arg, name)}
    return {"event": "ice-candidate", "candidate": candidate(arg)}


def connect_refusal(code: str) -> str:
    message = CONNECT_REFUSALS[code]
    return compact({"message": message, "data": {"error": code, "message": message}})


def decode_auth(auth) -> dict:
    """§4 step 2: the shape checks of the CONNECT `auth` object."""
    if not isinstance(auth, dict) or not isinstance(auth.get("token"), str):
        raise Refused(connect_refusal("auth_required"))
    nick = auth.get("nickname")
    if nick is not None:
        nick = nickname(nick) if isinstance(nick, str) else None
        if nick is None:
            raise Refused(connect_refusal("invalid_nickname"))
    invite = auth.get("inviteCode")
    invite = invite if isinstance(invite, str) and invite else None
    return {"token": auth["token"], "inviteCode": invite, "nickname": nick}


USER_MEMBERS = ["id", "nickname", "isMuted", "hasJoinedChannel", "isConnectedToVoice", "streamID"]


def user_info(u: dict) -> dict:
    return {k: u[k] for k in USER_MEMBERS if k in u}


def server_event(event: dict) -> str:
    """§5.2: the EVENT data array, members in the spec's order."""
    name = event["event"]
    if name == "info":
        payload = {"name": event["name"], "members": str(event["members"]),
                   "channels": [{"id": c["id"], "name": c["name"], "type": c["type"]}
                                for c in event["channels"]],
                   "icon_url": event["icon_url"], "stun_hosts": event["stun_hosts"]}
    elif name == "users":
        payload = [user_info(u) for u in event["users"]]
    elif name in ("user-joined", "user-left", "user-updated"):
        payload = user_info(event["user"])
    elif name in ("offer", "answer"):
        payload = {"type": event["description"]["type"], "sdp": event["description"]["sdp"]}
    elif name == "ice-candidate":
        c = event["candidate"]
        payload = {k: c.get(k) for k in ("candidate", "sdpMid", "sdpMLineIndex",
                                         "usernameFragment")}
    else:
        payload = {"error": event["error"], "message": EVENT_ERRORS[event["error"]]}
    return compact([name, payload])


# --------------------------------------------------------------------------------------------
# §7 rate limiting
# --------------------------------------------------------------------------------------------

FIELDS = ["limit", "windowMs", "banMs", "scorePerAction", "maxScore", "scoreDecayMs"]
BITS = {"limit": 32, "windowMs": 64, "banMs": 64, "scorePerAction": 32, "maxScore": 32,
        "scoreDecayMs": 64}
DEFAULTS = {"banMs": 0, "scorePerAction": 1, "maxScore": 10, "scoreDecayMs": 1000}
RULE_VARS = ["RATE_LIMIT_CHAT_SEND", "RATE_LIMIT_CHAT_REACT", "RATE_LIMIT_SERVER_JOIN",
             "RATE_LIMIT_SIGNAL"]


def parse_rule(value: str) -> dict:
    """§7.5: a rule, or Refused({"kind", "field"})."""
    parts = value.split(":")
    if len(parts) > 6:
        raise Refused({"kind": "too_many_fields", "field": None})
    rule = dict(DEFAULTS)
    for field, text in zip(FIELDS, parts):
        if not re.fullmatch("[0-9]+", text) or int(text) >= 2 ** BITS[field]:
            raise Refused({"kind": "not_a_number", "field": field})
        rule[field] = int(text)
    for field in ("limit", "windowMs"):
        if field not in rule:
            raise Refused({"kind": "missing", "field": field})
    for field in ("limit", "windowMs", "maxScore", "scoreDecayMs"):
        if rule[field] == 0:
            raise Refused({"kind": "zero", "field": field})
    if rule["scorePerAction"] > rule["maxScore"]:
        raise Refused({"kind": "score_above_max", "field": "scorePerAction"})
    return {f: rule[f] for f in FIELDS}


def rate_limit_error(retry_after_ns: int, current: int, max_score: int) -> str:
    ms = -(-retry_after_ns // 1_000_000)
    return compact({"error": "rate_limited", "retryAfterMs": ms, "currentScore": current,
                    "maxScore": max_score,
                    "message": "You're doing things too quickly. Please wait "
                               f"{math.ceil(ms / 1000)} seconds."})


# --------------------------------------------------------------------------------------------
# Codec files (vectors.md §8.1)
# --------------------------------------------------------------------------------------------


class CodecFile:
    """One codec file. Each helper computes the expectation with the model above, and
    `ok`/`error` variants assert the outcome the vector is meant to show, so a slip in either
    shows at generation time."""

    def __init__(self, filename: str, prefix: str):
        self.filename = filename
        self.prefix = prefix  # names are unique across a service's codec files
        self.vectors = []

    def add(self, name, description, codec, **members):
        self.vectors.append({"name": self.prefix + name, "description": description, "codec": codec,
                             **members})

    def decoded(self, run, want_error):
        try:
            got = run()
        except Refused as refused:
            assert want_error is not None, refused.code
            assert want_error is True or refused.code == want_error, (refused.code, want_error)
            return None, refused.code
        assert want_error is None, got
        return got, None

    def document(self):
        return {"vectors": self.vectors}


def codec_handshake() -> CodecFile:
    f = CodecFile("codec/handshake.json", "handshake_")

    def request(name, description, query, code=None, method="GET", upgrade=True):
        got = decide_handshake(method, upgrade, query)
        assert got == code, (name, got)
        expect = "accept" if got is None else {"refuse": handshake_refusal(got)}
        f.add(name, description, "handshake", method=method, upgrade=upgrade, query=query,
              expect=expect)

    request("accept_websocket", "§1: a WebSocket upgrade with EIO=4 opens a session.",
            "EIO=4&transport=websocket")
    request("accept_with_cache_buster", "§1: unknown parameters such as t= are ignored; order "
            "does not matter.", "transport=websocket&EIO=4&t=NkJ3x1b")
    request("accept_empty_sid", "§1: an empty sid names no session.",
            "EIO=4&transport=websocket&sid=")
    request("accept_last_repeated_parameter", "§1: a repeated parameter's last value counts.",
            "EIO=3&transport=polling&EIO=4&transport=websocket")
    request("accept_percent_encoded", "§1: values are percent-decoded.",
            "EIO=%34&transport=web%73ocket")
    request("polling_is_transport_unknown", "§1 example: polling is code 0.",
            "EIO=4&transport=polling&t=NkJ3x1b", 0, upgrade=False)
    request("eio3_polling_is_transport_unknown", "§1 example: the transport is checked before "
            "the protocol version.", "EIO=3&transport=polling", 0, upgrade=False)
    request("missing_transport", "§1: a missing transport is code 0.", "EIO=4", 0)
    request("transport_is_case_sensitive", "§1: names and values are case-sensitive.",
            "EIO=4&transport=WebSocket", 0)
    request("plus_is_a_space", "§1: + is a space, so web+socket is not websocket.",
            "EIO=4&transport=web+socket", 0)
    request("sid_is_session_id_unknown", "§1 example: a non-empty sid is code 1.",
            "EIO=4&transport=websocket&sid=abc", 1)
    request("post_is_bad_handshake_method", "§1 example: a POST is code 2.",
            "EIO=4&transport=websocket", 2, method="POST")
    request("sid_before_method", "§1: sid is checked before the method.",
            "EIO=4&transport=websocket&sid=abc", 1, method="POST")
    request("no_upgrade_is_bad_request", "§1 example: transport=websocket without an upgrade "
            "is code 3.", "EIO=4&transport=websocket", 3, upgrade=False)
    request("method_before_upgrade", "§1: the method is checked before the upgrade.",
            "EIO=4&transport=websocket", 2, method="PUT", upgrade=False)
    request("eio3_is_unsupported", "§1 example: EIO=3 is code 5.", "EIO=3&transport=websocket",
            5)
    request("missing_eio_is_unsupported", "§1: a missing EIO is code 5.", "transport=websocket",
            5)
    request("eio_04_is_unsupported", "§1: EIO must be exactly 4.", "EIO=04&transport=websocket",
            5)
    request("upgrade_before_version", "§1: the version is checked last.",
            "EIO=3&transport=websocket", 3, upgrade=False)
    request("lone_percent_stays", "§1: a % without two hex digits stays as it is.",
            "EIO=4%&transport=websocket", 5)
    for code in range(6):
        r = handshake_refusal(code)
        f.add(f"error_code_{code}", f"§1: code {code}'s status and JSON body.",
              "handshake_error", code=code, status=r["status"], body=r["body"])
    return f


OPEN = {"sid": "lv_VI97HAXpY6yYWAAAC", "upgrades": [], "pingInterval": 25000,
        "pingTimeout": 20000, "maxPayload": 1000000}


def codec_engine() -> CodecFile:
    f = CodecFile("codec/engine.json", "engine_")

    def decode(name, description, frame, error=None, max_payload=None, canonical=True):
        got, code = f.decoded(lambda: engine_decode(frame, max_payload or MAX_PAYLOAD), error)
        v = {"frame": frame}
        if max_payload is not None:
            v["max_payload"] = max_payload
        if got is not None:
            v["expect"] = {"packet": got}
            if canonical:
                assert engine_encode(got) == frame["text"], name
            else:
                v["canonical"] = False
        else:
            v["expect"] = {"error": code}
        f.add(name, description, "engine", **v)

    def text(t):
        return {"text": t}

    decode("open", "§2 example: the server's open packet decodes to its handshake object.",
           text("0" + compact(OPEN)))
    decode("open_spaced", "§2: an open packet with other JSON spacing decodes too; it is not "
           "canonical.", text('0{"sid":"s", "upgrades":["websocket"],"pingInterval":1,'
                              '"pingTimeout":2,"maxPayload":3}'), canonical=False)
    decode("open_extra_member", "§2 is silent on members beyond the handshake object's; hark "
           "ignores them, as JSON.parse would.", text('0{"sid":"s","upgrades":[],"pingInterval":1,'
                                                    '"pingTimeout":2,"maxPayload":3,"x":4}'),
           canonical=False)
    decode("close", "§2: close has no data.", text("1"))
    decode("ping", "§2: ping with no data.", text("2"))
    decode("ping_probe", "§2: 2probe is the upgrade probe.", text("2probe"))
    decode("pong", "§2: the client's answer to a ping.", text("3"))
    decode("pong_probe", "§2: 3probe.", text("3probe"))
    decode("pong_any_data", "§2: 2 and 3 take any data.", text("3 x"))
    decode("message", "§2: 4 carries a Socket.IO packet verbatim.",
           text('42["join",{"channelID":"voice"}]'))
    decode("message_empty", "§2: 4 alone is an empty message (which §3 refuses).", text("4"))
    decode("message_not_socket_io", "§2: the message's text is not read by Engine.IO.",
           text("4 not a packet \u00e9"))
    decode("upgrade", "§2: upgrade has no data.", text("5"))
    decode("noop", "§2: noop has no data.", text("6"))
    decode("exactly_max_payload", "§2 step 1: a frame of exactly maxPayload bytes passes.",
           text("4abc"), max_payload=4)
    decode("payload_too_large", "§2 step 1: one byte over maxPayload.", text("4abc"),
           "payload_too_large", max_payload=3)
    decode("payload_counts_bytes", "§2 step 1: the size is in bytes: é is two.", text("4é"),
           "payload_too_large", max_payload=2)
    decode("binary_too_large_first", "§2 step 1 comes before step 2: an oversize binary frame.",
           {"binary": "00010203"}, "payload_too_large", max_payload=3)
    decode("binary_frame", "§2 step 2: a binary frame.", {"binary": "04010203"},
           "binary_message")
    decode("base64_binary", "§2 step 2: a b-prefixed base64 binary message.", text("bAQID"),
           "binary_message")
    decode("empty", "§2 step 3: an empty frame.", text(""), "empty")
    decode("unknown_type_7", "§2 step 4: 7 is no packet type.", text("7"), "unknown_type")
    decode("unknown_type_json", "§2 step 4: a frame starting with {.", text("{}"),
           "unknown_type")
    decode("unknown_type_non_ascii", "§2 step 4: a non-ASCII first character.", text("é4"),
           "unknown_type")
    decode("close_with_data", "§2 step 5: close carries nothing.", text("1x"),
           "unexpected_data")
    decode("upgrade_with_data", "§2 step 5: 5probe is not an upgrade.", text("5probe"),
           "unexpected_data")
    decode("noop_with_data", "§2 step 5: noop carries nothing.", text("6 "), "unexpected_data")
    decode("open_without_data", "§2 step 6: 0 alone.", text("0"), "invalid_open")
    decode("open_missing_members", "§2 step 6: the handshake object needs every member.",
           text('0{"sid":"a"}'), "invalid_open")
    decode("open_sid_not_string", "§2 step 6: sid is a string.",
           text('0{"sid":1,"upgrades":[],"pingInterval":1,"pingTimeout":1,"maxPayload":1}'),
           "invalid_open")
    decode("open_negative_interval", "§2 step 6: the numbers are unsigned integers.",
           text('0{"sid":"a","upgrades":[],"pingInterval":-1,"pingTimeout":1,"maxPayload":1}'),
           "invalid_open")
    decode("open_not_json", "§2 step 6: not JSON.", text("0{"), "invalid_open")

    def encode(name, description, packet):
        f.add(name, description, "engine_encode", packet=packet, text=engine_encode(packet))

    encode("encode_open", "§2 example: the open packet, members in engine.io's order.",
           {"type": "open", "open": OPEN})
    encode("encode_open_escaped_sid", "§2: the sid is a JSON string, escaped as JSON.stringify.",
           {"type": "open", "open": {**OPEN, "sid": 'a"b\\c'}})
    encode("encode_close", "§2: close.", {"type": "close"})
    encode("encode_ping", "§2: the server's ping is the bare digit.",
           {"type": "ping", "data": None})
    encode("encode_ping_probe", "§2: 2probe.", {"type": "ping", "data": "probe"})
    encode("encode_pong", "§2: pong.", {"type": "pong", "data": None})
    encode("encode_pong_probe", "§2: 3probe.", {"type": "pong", "data": "probe"})
    encode("encode_message", "§2: the type digit and the Socket.IO packet.",
           {"type": "message", "data": '2["users",[]]'})
    encode("encode_upgrade", "§2: upgrade.", {"type": "upgrade"})
    encode("encode_noop", "§2: noop.", {"type": "noop"})
    return f


def codec_socket() -> CodecFile:
    f = CodecFile("codec/socket.json", "socket_")

    def decode(name, description, text, error=None, max_len=None, canonical=True,
               reencoded=True):
        got, code = f.decoded(lambda: socket_decode(text, max_len or MAX_PAYLOAD), error)
        v = {"text": text}
        if max_len is not None:
            v["max_len"] = max_len
        if got is not None:
            v["expect"] = {"packet": got}
            if canonical:
                assert socket_encode(got) == text, (name, socket_encode(got))
            else:
                v["canonical"] = False
                if reencoded:
                    v["encoded"] = socket_encode(got)
        else:
            v["expect"] = {"error": code}
        f.add(name, description, "socket", **v)

    decode("connect_bare", "§3: CONNECT without auth.", "0")
    decode("connect_auth", "§3 example: CONNECT with the auth object.",
           '0{"inviteCode":"abc","token":"eyJhbGciOiJIUzI1NiJ9.x.y"}')
    decode("connect_ack", "§3 example: the server's CONNECT answer.", '0{"sid":"abc"}')
    decode("connect_namespace", "§3: CONNECT to another namespace.", "0/admin,")
    decode("connect_namespace_with_data", "§3: a namespace, its comma, then data.",
           '0/admin,{"token":"t"}')
    decode("disconnect", "§3: DISCONNECT.", "1")
    decode("disconnect_namespace", "§3: DISCONNECT from a namespace.", "1/admin,")
    decode("event", "§3 example: an event with one argument.", '2["join",{"channelID":"voice"}]')
    decode("event_no_arguments", "§3 example: leave with no argument.", '2["leave"]')
    decode("event_with_ack_id", "§3 example: an event asking for an acknowledgement.",
           '212["updateMute",true]')
    decode("event_namespace_and_ack_id", "§3 example: namespace, comma, ack id, data.",
           '2/admin,3["x"]')
    decode("event_max_ack_id", "§3: the ack id is an unsigned 64-bit integer.",
           '218446744073709551615["x"]')
    decode("event_escaped_strings", "§3: JSON.stringify's escapes decode and re-encode.",
           '2["n","\\"\\\\\\b\\f\\n\\r\\t\\u0001\u00e9\u2028"]')
    decode("event_users", "§3 example: the server's users event.", '2["users",[]]')
    decode("ack", "§3 example: an ACK with the callback's arguments.", '31["ok"]')
    decode("ack_empty", "§5: an accepted event's ACK is an empty array.", "312[]")
    decode("ack_object", "§3 example: an ACK with an object.", '312[{"ok":true}]')
    decode("connect_error_object", "§3 example: CONNECT_ERROR with an object.",
           '4{"message":"Invalid namespace"}')
    decode("connect_error_string", "§3: CONNECT_ERROR data may be a string.", '4"nope"')
    decode("connect_error_namespace", "§3: socket.io's answer to a CONNECT to another "
           "namespace.", '4/admin,{"message":"Invalid namespace"}')
    decode("binary_event", "§3 example: BINARY_EVENT with one attachment.",
           '51-["upload",{"_placeholder":true,"num":0}]')
    decode("binary_event_ten_attachments", "§3: up to 10 attachments, with namespace and ack.",
           '510-/admin,7["a"]')
    decode("binary_ack", "§3: BINARY_ACK.", '62-5[{"_placeholder":true,"num":1}]')
    decode("float_data_not_canonical", "§3: floats decode; their text is not guaranteed.",
           '2["x",1.5]', canonical=False, reencoded=False)
    decode("leading_zero_ack_id", "§3 canonical form: 2007 re-encodes as 27.", '2007["a"]',
           canonical=False)
    decode("explicit_main_namespace", "§3 canonical form: 0/, re-encodes as 0.", "0/,",
           canonical=False)
    decode("namespace_without_comma", "§3: a namespace may run to the end of the packet.",
           "0/admin", canonical=False)
    decode("space_before_json", "§3 canonical form: 2 [\"a\"] re-encodes without the space.",
           '2 ["a"]', canonical=False)
    decode("member_order_not_canonical", "§3: objects re-encode in key order.",
           '0{"token":"t","inviteCode":"c"}', canonical=False)
    decode("leading_zero_attachments", "§3: an attachment count with a leading zero.",
           '501-["a"]', canonical=False)
    decode("exactly_max_len", "§3: a packet of exactly the maximum passes.", '2["ab"]',
           max_len=7)

    decode("too_large", "§3: one byte over the maximum, checked before anything is read.",
           '2["abc"]', "too_large", max_len=7)
    decode("too_large_counts_bytes", "§3: the size is in bytes.", '2["é"]', "too_large",
           max_len=6)
    decode("empty", "§3: an empty packet.", "", "empty")
    decode("unknown_type", "§3: 7 is no packet type.", '7["a"]', "unknown_type")
    decode("unknown_type_letter", "§3: a letter is no packet type.", "x", "unknown_type")
    decode("binary_without_count", "§3: a binary type needs its count.", '5["a"]',
           "invalid_attachments")
    decode("binary_without_dash", "§3: the count ends with -.", '51["a"]',
           "invalid_attachments")
    decode("binary_zero_attachments", "§3: at least one attachment.", '50-["a"]',
           "invalid_attachments")
    decode("binary_eleven_attachments", "§3: at most ten attachments.", '511-["a"]',
           "invalid_attachments")
    decode("binary_ack_without_count", "§3: BINARY_ACK needs its count too.", "61[]",
           "invalid_attachments")
    decode("event_with_attachments", "§3: digits and - after a non-binary type.",
           '21-["a"]', "unexpected_attachments")
    decode("connect_with_attachments", "§3: the same for CONNECT.", "01-",
           "unexpected_attachments")
    decode("ack_id_out_of_range", "§3: an ack id above 18446744073709551615.",
           '218446744073709551616["x"]', "ack_id_out_of_range")
    decode("connect_with_ack_id", "§3: CONNECT takes no ack id.", "01", "unexpected_ack_id")
    decode("disconnect_with_ack_id", "§3: DISCONNECT takes no ack id.", "15",
           "unexpected_ack_id")
    decode("connect_error_with_ack_id", "§3: CONNECT_ERROR takes no ack id.", '41"x"',
           "unexpected_ack_id")
    decode("ack_without_id", "§3: an ACK needs its ack id.", "3[]", "missing_ack_id")
    decode("binary_ack_without_id", "§3: a BINARY_ACK needs its ack id.", "61-[]",
           "missing_ack_id")
    decode("invalid_json", "§3: data that is not JSON.", "2[", "invalid_json")
    decode("trailing_text", "§3: data is one JSON value.", '2["a"]x', "invalid_json")
    decode("ack_id_then_text", "§3: what follows the ack id is JSON.", "212x",
           "invalid_json")
    decode("nan_is_not_json", "§3: NaN is not JSON.", '2["a",NaN]', "invalid_json")
    # 128 levels, which §3 accepts, cannot be shown: a vector file holding the decoded value
    # would itself be nested deeper than serde_json's recursion limit.
    decode("nesting_129", "§3: JSON nested deeper than 128 levels.",
           "2[\"x\"," + "[" * 128 + "]" * 128 + "]", "invalid_json")
    decode("connect_data_array", "§3: CONNECT data is an object.", '0["a"]',
           "invalid_connect_data")
    decode("connect_data_null", "§3: CONNECT data null is not an object.", "0null",
           "invalid_connect_data")
    decode("disconnect_with_data", "§3: DISCONNECT carries no data.", "1{}",
           "unexpected_data")
    decode("event_without_data", "§3: an EVENT needs data.", "2", "missing_data")
    decode("ack_without_data", "§3: an ACK needs data.", "31", "missing_data")
    decode("connect_error_without_data", "§3: a CONNECT_ERROR needs data.", "4",
           "missing_data")
    decode("connect_error_boolean", "§3: CONNECT_ERROR data is an object or a string.",
           "4true", "invalid_connect_error_data")
    decode("connect_error_array", "§3: CONNECT_ERROR data is an object or a string.", '4["a"]',
           "invalid_connect_error_data")
    decode("event_data_object", "§3: EVENT data is an array.", '2{"a":1}',
           "invalid_event_data")
    decode("event_empty_array", "§3: the array starts with the event name.", "2[]",
           "invalid_event_data")
    decode("event_name_not_string", "§3: the event name is a string.", "2[1]",
           "invalid_event_data")
    decode("binary_event_data_object", "§3: BINARY_EVENT data as EVENT's.", "51-{}",
           "invalid_event_data")
    for reserved in RESERVED:
        decode(f"reserved_{reserved}", f"§3: {reserved} is one of socket.io's reserved names.",
               "2" + compact([reserved]), "reserved_event_name")
    decode("ack_data_object", "§3: ACK data is an array.", '31{"a":1}', "invalid_ack_data")
    decode("binary_ack_data_string", "§3: BINARY_ACK data as ACK's.", '61-1"a"',
           "invalid_ack_data")

    def encode(name, description, packet, error=None):
        try:
            expect = {"text": socket_encode(packet)}
            assert error is None, name
        except Refused as refused:
            assert refused.code == error, name
            expect = {"error": refused.code}
        f.add(name, description, "socket_encode", packet=packet, expect=expect)

    def packet(kind, data=None, nsp="/", ack_id=None, **extra):
        return {"type": kind, **extra, "nsp": nsp, "ack_id": ack_id, "data": data}

    encode("encode_connect_sid", "§3 example: the server's CONNECT answer.",
           packet("connect", {"sid": "FnUGuSiHK3brhk1dAAAB"}))
    encode("encode_connect_bare", "§3 example: a bare CONNECT.", packet("connect"))
    encode("encode_disconnect", "§3: the server disconnects a client with 1.",
           packet("disconnect"))
    encode("encode_event", "§3 example: the server emits users.", packet("event", ["users", []]))
    encode("encode_event_namespace_ack", "§3 example: namespace, comma, ack id.",
           packet("event", ["x"], nsp="/admin", ack_id=3))
    encode("encode_ack", "§3 example: an ACK.", packet("ack", ["ok"], ack_id=1))
    encode("encode_ack_empty", "§5: an accepted event's ACK.", packet("ack", [], ack_id=12))
    encode("encode_connect_error", "§3 example: socket.io's answer to another namespace.",
           packet("connect_error", {"message": "Invalid namespace"}, nsp="/admin"))
    encode("encode_binary_event", "§3 example: BINARY_EVENT's count and -.",
           packet("binary_event", ["upload", {"_placeholder": True, "num": 0}], attachments=1))
    encode("encode_binary_ack", "§3: BINARY_ACK's count, namespace and ack id.",
           packet("binary_ack", [], nsp="/a", ack_id=9, attachments=10))
    encode("encode_escapes", "§3: strings are escaped as JSON.stringify escapes them.",
           packet("event", ["n", "\"\\\b\f\n\r\t\x01\x1f\u00e9\u2028<>&'"]))
    encode("encode_key_order", "§3: object members are written in key order.",
           packet("event", ["x", {"b": 1, "a": {"d": 2, "c": 3}}]))
    encode("encode_max_ack_id", "§3: the largest ack id.",
           packet("ack", [], ack_id=2**64 - 1))
    encode("encode_namespace_without_slash", "§3: a namespace starts with /.",
           packet("connect", nsp="admin"), "invalid_namespace")
    encode("encode_namespace_with_comma", "§3: a namespace has no comma.",
           packet("connect", nsp="/a,b"), "invalid_namespace")
    return f


SDP = "v=0\r\no=- 46117317 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
CAND = "candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host"


def codec_events() -> CodecFile:
    f = CodecFile("codec/client_events.json", "client_")

    def event(name, description, data, error=None):
        got, code = f.decoded(lambda: decode_event(data), error)
        expect = {"event": got} if got is not None else {"error": code}
        f.add(name, description, "client_event", data=data, expect=expect)

    event("join", "§5.1: join with its channelID.", ["join", {"channelID": "voice"}])
    event("join_extra_members", "§5.1: members not listed are ignored.",
          ["join", {"channelID": "voice", "password": "x"}])
    event("join_16_characters", "§5.1: a channel id of 16 printable characters.",
          ["join", {"channelID": "!~" * 8}])
    event("leave", "§5.1: leave with no argument.", ["leave"])
    event("leave_empty_object", "§5.1: leave with the seed's {}.", ["leave", {}])
    event("leave_null", "§5.1: emit(\"leave\", undefined) sends null.", ["leave", None])
    event("leave_any_object", "§5.1: leave takes any object.", ["leave", {"x": 1}])
    event("update_nickname", "§5.1: updateNickname.", ["updateNickname", "Ada"])
    event("update_nickname_trimmed", "§5.1: the nickname is trimmed of white space.",
          ["updateNickname", " \u3000Ada Lovelace\t"])
    event("update_nickname_50_characters", "§5.1: 50 characters, not bytes.",
          ["updateNickname", "é" * 50])
    event("update_nickname_zwj", "§5.1: format characters such as ZWJ are allowed.",
          ["updateNickname", "\U0001F469\u200d\U0001F4BB"])
    event("update_mute_true", "§5.1: updateMute true.", ["updateMute", True])
    event("update_mute_false", "§5.1: updateMute false.", ["updateMute", False])
    event("offer", "§5.1: an offer.", ["offer", {"type": "offer", "sdp": SDP}])
    event("offer_extra_members_dropped", "§5.1 relay: members the sender added are dropped.",
          ["offer", {"type": "offer", "sdp": SDP, "x": 1}])
    event("answer", "§5.1: an answer.", ["answer", {"type": "answer", "sdp": SDP}])
    event("answer_pranswer", "§5.1: answer also takes pranswer.",
          ["answer", {"type": "pranswer", "sdp": SDP}])
    event("offer_64_kib", "§5.1: an sdp of 65536 bytes.",
          ["offer", {"type": "offer", "sdp": "a" * 65536}])
    event("ice_candidate", "§5.1: a full candidate.",
          ["ice-candidate", {"candidate": CAND, "sdpMid": "0", "sdpMLineIndex": 0,
                             "usernameFragment": "abcd"}])
    event("ice_candidate_mid_only", "§5.1 relay: left-out members are relayed as null.",
          ["ice-candidate", {"candidate": CAND, "sdpMid": "0"}])
    event("ice_candidate_index_only", "§5.1: sdpMLineIndex alone is enough.",
          ["ice-candidate", {"candidate": CAND, "sdpMLineIndex": 65535, "sdpMid": None}])
    event("ice_candidate_end_of_candidates", "§5.1: an empty candidate ends the candidates.",
          ["ice-candidate", {"candidate": "", "sdpMid": "0", "sdpMLineIndex": 0}])
    event("ice_candidate_limits", "§5.1: 1024 bytes of candidate, 256 of sdpMid and "
          "usernameFragment.",
          ["ice-candidate", {"candidate": "c" * 1024, "sdpMid": "m" * 256,
                             "usernameFragment": "u" * 256}])

    event("empty_array", "§5.1 step 1: no name.", [], "invalid_event")
    event("name_not_string", "§5.1 step 1: the name is a string.", [1, "join"],
          "invalid_event")
    event("unknown_event", "§5.1 step 2: not one of the seven.", ["shout", 1], "unknown_event")
    event("server_event_name", "§5.1 step 2: server-to-client names are unknown here.",
          ["info", {}], "unknown_event")
    event("names_are_case_sensitive", "§5.1 step 2: names are case-sensitive.",
          ["Join", {"channelID": "voice"}], "unknown_event")
    event("join_without_argument", "§5.1 step 3: join takes one argument.", ["join"],
          "invalid_payload")
    event("join_two_arguments", "§5.1 step 3: exactly one.",
          ["join", {"channelID": "a"}, {"channelID": "b"}], "invalid_payload")
    event("leave_two_arguments", "§5.1 step 3: leave takes at most one.", ["leave", {}, {}],
          "invalid_payload")
    event("leave_string", "§5.1 step 4: leave takes null or an object.", ["leave", "voice"],
          "invalid_payload")
    event("join_string", "§5.1 step 4: join takes an object.", ["join", "voice"],
          "invalid_payload")
    event("join_channel_id_number", "§5.1 step 4: channelID is a string.",
          ["join", {"channelID": 1}], "invalid_payload")
    event("join_channel_id_missing", "§5.1 step 4: channelID is required.", ["join", {}],
          "invalid_payload")
    event("nickname_not_string", "§5.1 step 4: updateNickname takes a string.",
          ["updateNickname", 5], "invalid_payload")
    event("mute_number", "§5.1 step 4: no coercion: 1 is refused.", ["updateMute", 1],
          "invalid_payload")
    event("mute_string", "§5.1 step 4: no coercion: \"true\" is refused.",
          ["updateMute", "true"], "invalid_payload")
    event("mute_without_argument", "§5.1 step 3.", ["updateMute"], "invalid_payload")
    event("offer_not_object", "§5.1 step 4: a description is an object.", ["offer", "v=0"],
          "invalid_payload")
    event("answer_without_argument", "§5.1 step 3.", ["answer"], "invalid_payload")
    event("candidate_not_object", "§5.1 step 4: a candidate is an object.",
          ["ice-candidate", CAND], "invalid_payload")
    event("empty_channel_id", "§5.1 step 5: 1–16 characters.", ["join", {"channelID": ""}],
          "invalid_channel")
    event("channel_id_17_characters", "§5.1 step 5: at most 16.",
          ["join", {"channelID": "a" * 17}], "invalid_channel")
    event("channel_id_with_space", "§5.1 step 5: no spaces.",
          ["join", {"channelID": "voice chat"}], "invalid_channel")
    event("channel_id_non_ascii", "§5.1 step 5: printable ASCII only.",
          ["join", {"channelID": "vö"}], "invalid_channel")
    event("empty_nickname", "§5.1 step 5: at least one character.", ["updateNickname", ""],
          "invalid_nickname")
    event("blank_nickname", "§5.1 step 5: empty after trimming.", ["updateNickname", " \t "],
          "invalid_nickname")
    event("nickname_51_characters", "§5.1 step 5: at most 50 characters.",
          ["updateNickname", "é" * 51], "invalid_nickname")
    event("nickname_with_newline", "§5.1 step 5: no control character.",
          ["updateNickname", "Ada\nLovelace"], "invalid_nickname")
    event("nickname_with_del", "§5.1 step 5: DEL is a control character.",
          ["updateNickname", "Ada\x7f"], "invalid_nickname")
    event("offer_of_type_answer", "§5.1 step 5: the offer event carries an offer.",
          ["offer", {"type": "answer", "sdp": SDP}], "invalid_description")
    event("answer_of_type_offer", "§5.1 step 5: the answer event carries answer or pranswer.",
          ["answer", {"type": "offer", "sdp": SDP}], "invalid_description")
    event("offer_rollback", "§5.1 step 5: rollback is an RTCSdpType but not an offer.",
          ["offer", {"type": "rollback", "sdp": ""}], "invalid_description")
    event("unknown_sdp_type", "§5.1 step 5: type is an RTCSdpType.",
          ["offer", {"type": "Offer", "sdp": SDP}], "invalid_description")
    event("sdp_missing", "§5.1 step 5: sdp is a string.", ["offer", {"type": "offer"}],
          "invalid_description")
    event("sdp_empty", "§5.1 step 5: sdp is non-empty.", ["answer", {"type": "answer",
                                                                      "sdp": ""}],
          "invalid_description")
    event("sdp_too_long", "§5.1 step 5: at most 65536 bytes.",
          ["offer", {"type": "offer", "sdp": "a" * 65537}], "invalid_description")
    event("candidate_missing", "§5.1 step 5: candidate is a string.",
          ["ice-candidate", {"sdpMid": "0"}], "invalid_candidate")
    event("candidate_too_long", "§5.1 step 5: at most 1024 bytes.",
          ["ice-candidate", {"candidate": "c" * 1025, "sdpMid": "0"}], "invalid_candidate")
    event("sdp_mid_too_long", "§5.1 step 5: sdpMid at most 256 bytes.",
          ["ice-candidate", {"candidate": CAND, "sdpMid": "m" * 257}], "invalid_candidate")
    event("sdp_mid_number", "§5.1 step 5: sdpMid is null or a string.",
          ["ice-candidate", {"candidate": CAND, "sdpMid": 0}], "invalid_candidate")
    event("ufrag_too_long", "§5.1 step 5: usernameFragment at most 256 bytes.",
          ["ice-candidate", {"candidate": CAND, "sdpMid": "0", "usernameFragment": "u" * 257}],
          "invalid_candidate")
    event("m_line_index_too_large", "§5.1 step 5: sdpMLineIndex 0–65535.",
          ["ice-candidate", {"candidate": CAND, "sdpMLineIndex": 65536}], "invalid_candidate")
    event("m_line_index_negative", "§5.1 step 5: sdpMLineIndex 0–65535.",
          ["ice-candidate", {"candidate": CAND, "sdpMLineIndex": -1}], "invalid_candidate")
    event("m_line_index_string", "§5.1 step 5: sdpMLineIndex is an integer.",
          ["ice-candidate", {"candidate": CAND, "sdpMLineIndex": "0"}], "invalid_candidate")
    event("no_mid_and_no_index", "§5.1 step 5: sdpMid and sdpMLineIndex not both absent.",
          ["ice-candidate", {"candidate": CAND}], "invalid_candidate")
    event("null_mid_and_null_index", "§5.1 step 5: nor both null.",
          ["ice-candidate", {"candidate": CAND, "sdpMid": None, "sdpMLineIndex": None}],
          "invalid_candidate")
    return f


ADA = {"id": "ada", "nickname": "Ada", "isMuted": False, "hasJoinedChannel": True,
       "isConnectedToVoice": True, "streamID": "s-ada"}
BOB = {"id": "bob", "nickname": "Bob", "isMuted": True, "hasJoinedChannel": True,
       "isConnectedToVoice": False}


def codec_server_events() -> CodecFile:
    f = CodecFile("codec/server_events.json", "server_")

    def encode(name, description, event):
        f.add(name, description, "server_event", event=event, text=server_event(event))

    encode("info", "§5.2 example: ServerInfo, members as a decimal string.",
           {"event": "info", "name": "techial.example.com", "members": 2,
            "channels": [{"id": "voice", "name": "Voice Chat", "type": "voice"}],
            "icon_url": None, "stun_hosts": ["stun:stun.l.google.com:19302"]})
    encode("info_with_icon", "§5.2: icon_url as configured; no channels, no STUN hosts.",
           {"event": "info", "name": "My \"Server\"", "members": 1, "channels": [],
            "icon_url": "https://example.com/icon.png", "stun_hosts": []})
    encode("users", "§5.2 example: users in join order; streamID only while streaming.",
           {"event": "users", "users": [ADA, BOB]})
    encode("users_empty", "§5.2: an empty users list.", {"event": "users", "users": []})
    encode("user_joined", "§5.2 example: user-joined.",
           {"event": "user-joined", "user": {**BOB, "isMuted": False}})
    encode("user_left", "§5.2 example: user-left.",
           {"event": "user-left", "user": {**BOB, "isMuted": False, "hasJoinedChannel": False}})
    encode("user_updated", "§5.2 example: user-updated with a streamID.",
           {"event": "user-updated", "user": {**ADA, "nickname": "Ada L.", "isMuted": True}})
    encode("user_updated_escaped_nickname", "§5.2: a nickname escaped as JSON.stringify does.",
           {"event": "user-updated", "user": {**BOB, "nickname": "A\"d\\a \u00e9"}})
    encode("offer", "§5.2: a relayed offer.",
           {"event": "offer", "description": {"type": "offer", "sdp": SDP}})
    encode("answer", "§5.2: a relayed answer.",
           {"event": "answer", "description": {"type": "answer", "sdp": SDP}})
    encode("answer_pranswer", "§5.2: a relayed pranswer.",
           {"event": "answer", "description": {"type": "pranswer", "sdp": SDP}})
    encode("ice_candidate", "§5.2: all four members in toJSON()'s order.",
           {"event": "ice-candidate",
            "candidate": {"candidate": CAND, "sdpMid": "0", "sdpMLineIndex": 0,
                          "usernameFragment": "abcd"}})
    encode("ice_candidate_nulls", "§5.2 example: members the sender left out are null.",
           {"event": "ice-candidate", "candidate": {"candidate": CAND, "sdpMid": "0",
                                                    "sdpMLineIndex": 0}})
    for code in EVENT_ERRORS:
        encode(f"error_{code}", f"§5.2: the error event for {code}, with its exact message.",
               {"event": "error", "error": code})
    return f


def codec_admission() -> CodecFile:
    f = CodecFile("codec/admission.json", "connect_")

    def auth(name, description, value, refusal=None, absent=False):
        want = None if refusal is None else connect_refusal(refusal)
        got, code = f.decoded(lambda: decode_auth(None if absent else value), want)
        expect = {"auth": got} if got is not None else {"refusal": code}
        members = {} if absent else {"auth": value}
        f.add(name, description, "connect_auth", **members, expect=expect)

    auth("auth_full", "§4: token, inviteCode and nickname; other members ignored.",
         {"token": "eyJ.x.y", "inviteCode": "welcome", "nickname": " Ada ", "x": 1})
    auth("auth_token_only", "§4: inviteCode and nickname are optional.", {"token": "t"})
    auth("auth_null_nickname", "§4: a null nickname is no nickname.",
         {"token": "t", "nickname": None})
    auth("auth_empty_invite", "§4 step 4: an empty inviteCode counts as absent.",
         {"token": "t", "inviteCode": ""})
    auth("auth_number_invite", "§4 step 4: a non-string inviteCode counts as absent.",
         {"token": "t", "inviteCode": 7})
    auth("auth_empty_token", "§4 step 2: an empty string is a string (step 3 refuses it).",
         {"token": ""})
    auth("auth_absent", "§4 step 2: a CONNECT without auth.", None, "auth_required",
         absent=True)
    auth("auth_not_object", "§4 step 2: auth is an object.", "t", "auth_required")
    auth("auth_without_token", "§4 step 2: token is required.", {}, "auth_required")
    auth("auth_token_number", "§4 step 2: token is a string.", {"token": 1}, "auth_required")
    auth("auth_other_token_name", "§4 step 2: only token counts.", {"accessToken": "t"},
         "auth_required")
    auth("auth_empty_nickname", "§4 step 2: nickname under §5's rule.",
         {"token": "t", "nickname": ""}, "invalid_nickname")
    auth("auth_nickname_control", "§4 step 2: nickname under §5's rule.",
         {"token": "t", "nickname": "a\nb"}, "invalid_nickname")
    auth("auth_nickname_number", "§4 step 2: nickname is a string.",
         {"token": "t", "nickname": 1}, "invalid_nickname")
    auth("auth_token_before_nickname", "§4 step 2: token is checked first.",
         {"nickname": ""}, "auth_required")
    for code in CONNECT_REFUSALS:
        f.add(f"refusal_{code}", f"§4: the CONNECT_ERROR data for {code}.", "connect_refusal",
              refusal=code, text=connect_refusal(code))
    return f


def codec_rate_limits() -> CodecFile:
    f = CodecFile("codec/rate_limits.json", "rate_limit_")

    def rule(name, description, var, value, error=None):
        got, code = f.decoded(lambda: parse_rule(value), error)
        expect = {"rule": got} if got is not None else {"error": code}
        f.add(name, description, "rate_limit_rule", var=var, value=value, expect=expect)

    rule("chat_send_seed", "§7.1, §7.5: the seed's CHAT_SEND line.", "RATE_LIMIT_CHAT_SEND",
         "20:10000:30000:1:10:2000")
    rule("chat_react_seed", "§7.1, §7.5: the seed's CHAT_REACT line.", "RATE_LIMIT_CHAT_REACT",
         "50:10000:15000:1:15:1500")
    rule("server_join_seed", "§7.1, §7.5: the seed's SERVER_JOIN line.",
         "RATE_LIMIT_SERVER_JOIN", "5:60000:60000:2:8:5000")
    rule("signal_default", "§7.1: hark's SIGNAL rule written out.", "RATE_LIMIT_SIGNAL",
         "100:10000:0:1:50:200")
    rule("two_fields", "§7.5: limit and windowMs alone; the rest take the seed's defaults.",
         "RATE_LIMIT_SIGNAL", "5:60000")
    rule("three_fields", "§7.5: fields left out from the end.", "RATE_LIMIT_SERVER_JOIN",
         "5:60000:1000")
    rule("five_fields", "§7.5: scoreDecayMs left out.", "RATE_LIMIT_CHAT_SEND",
         "5:60000:0:0:3")
    rule("score_off", "§7.5: scorePerAction 0 turns the score off.", "RATE_LIMIT_CHAT_REACT",
         "5:60000:0:0:10:1000")
    rule("large_milliseconds", "§7.5: the milliseconds fit in 64 bits.", "RATE_LIMIT_SIGNAL",
         "1:18446744073709551615:18446744073709551615:1:4294967295:18446744073709551615")
    rule("leading_zeros", "§7.5: ASCII digits, leading zeros included.", "RATE_LIMIT_SIGNAL",
         "05:060000")

    bad = [
        ("empty_value", "", "not_a_number", "limit", "an empty value has an empty limit"),
        ("limit_not_a_number", "x:60000", "not_a_number", "limit", "limit is digits"),
        ("limit_signed", "+5:60000", "not_a_number", "limit", "no sign"),
        ("limit_too_large", "4294967296:60000", "not_a_number", "limit",
         "limit fits in 32 bits"),
        ("limit_zero", "0:60000", "zero", "limit", "limit 0"),
        ("window_missing", "5", "missing", "windowMs", "windowMs is required"),
        ("window_empty", "5:", "not_a_number", "windowMs", "an empty field"),
        ("window_fraction", "5:60000.5", "not_a_number", "windowMs", "no fraction"),
        ("window_too_large", "5:18446744073709551616", "not_a_number", "windowMs",
         "the milliseconds fit in 64 bits"),
        ("window_zero", "5:0", "zero", "windowMs", "windowMs 0"),
        ("ban_empty", "5:60000:", "not_a_number", "banMs", "5:60000: has an empty banMs"),
        ("ban_space", "5:60000: 1", "not_a_number", "banMs", "no spaces"),
        ("score_per_action_negative", "5:60000:0:-1", "not_a_number", "scorePerAction",
         "no sign"),
        ("score_per_action_too_large", "5:60000:0:4294967296:10", "not_a_number",
         "scorePerAction", "scorePerAction fits in 32 bits"),
        ("score_above_max", "5:60000:0:11", "score_above_max", "scorePerAction",
         "scorePerAction above the default maxScore 10"),
        ("max_score_not_a_number", "5:60000:0:1:ten", "not_a_number", "maxScore",
         "maxScore is digits"),
        ("max_score_zero", "5:60000:0:0:0", "zero", "maxScore", "maxScore 0"),
        ("decay_not_a_number", "5:60000:0:1:10:1s", "not_a_number", "scoreDecayMs",
         "scoreDecayMs is digits"),
        ("decay_zero", "5:60000:0:1:10:0", "zero", "scoreDecayMs", "scoreDecayMs 0"),
        ("seven_fields", "5:60000:0:1:10:1000:1", "too_many_fields", None,
         "more than six fields"),
    ]
    for index, (name, value, kind, field, why) in enumerate(bad):
        var = RULE_VARS[index % len(RULE_VARS)]
        rule(name, f"§7.5: refused: {why}.", var, value, {"kind": kind, "field": field})

    def payload(name, description, retry_after_ns, current, max_score):
        f.add(name, description, "rate_limit_error", retry_after_ns=retry_after_ns,
              current_score=current, max_score=max_score,
              text=rate_limit_error(retry_after_ns, current, max_score))

    payload("error_example", "§7.4 example: 3000 ms is 3 seconds.", 3_000_000_000, 12, 10)
    payload("error_server_join_ban", "§7.2 worked numbers: SERVER_JOIN's 60 s ban.",
            60_000_000_000, 10, 8)
    payload("error_rounds_up_to_ms", "§7.3: nanoseconds round up to whole milliseconds.", 1, 11,
            10)
    payload("error_one_seconds", "§7.4: N is at least 1 and the word is always seconds.",
            999_000_000, 51, 50)
    payload("error_seconds_round_up", "§7.4: N = ceil(retryAfterMs / 1000).", 3_000_000_001, 0,
            10)
    return f


def outputs() -> dict[str, str]:
    # Imported here: the scenario model imports this module's codecs.
    import signal_scenarios
    files = codec_files([codec_handshake, codec_engine, codec_socket, codec_events,
                         codec_server_events, codec_admission, codec_rate_limits])
    files.update(signal_scenarios.outputs())
    return files


if __name__ == "__main__":
    sys.exit(write_or_check(OUT, outputs, sys.argv))
