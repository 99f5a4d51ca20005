"""The `signal` scenario vectors (vectors.md §8.3): inputs written here, every expectation
computed by signal_model.Server from signal.md. Timer firings keep vectors.md §4.3's margins,
and every scenario is replayed with its inputs up to 40 ms late, as a live server sees them."""

from __future__ import annotations

import copy
import hashlib

import gen_signal_vectors as g
import signal_model as m
from vectorlib import START, SECRET, TIMER_MARGIN_MS, scenario_files

RNG_SEED = b"hark-signal-conformance-seed!!!!".hex()
assert len(RNG_SEED) == 64

CLIENTS = [("ada", "127.0.0.2"), ("ada_phone", "127.0.0.3"), ("bob", "127.0.0.4"),
           ("carol", "127.0.0.5"), ("mallory", "127.0.0.6")]
IP = dict(CLIENTS)

CONFIG = {
    "server_name": "techial.example.com",
    "server_icon": None,
    "stun_servers": ["stun:stun.l.google.com:19302"],
    "invite_only": False,
    "invite_codes": [],
    "ping_interval_ms": 25000,
    "ping_timeout_ms": 20000,
    "connect_timeout_ms": 45000,
    "max_payload": 1000000,
    "rate_limits": {"chat_send": "20:10000:30000:1:10:2000", "chat_react": "50:10000:15000:1:15:1500",
                    "server_join": "5:60000:60000:2:8:5000", "signal": "100:10000:0:1:50:200"},
    "max_connections": 100,
    "limiter_max_keys": 400,
    "cors_origin": "http://localhost:3000",
    "development": False,
    "sfu": False,
    "server_token": "sfu-token",
}

CHANNELS = [
    {"id": "voice", "name": "Voice Chat"},
    {"id": "lounge"},
    {"id": "staff", "name": "Staff", "members": ["ada"]},
    {"id": "quiet", "banned": ["mallory"]},
    {"id": "duo", "max_users": 2},
]

TIMERS = {"config": {"ping_interval_ms": 1000, "ping_timeout_ms": 600, "connect_timeout_ms": 2000}}
INVITE = {"config": {"invite_only": True, "invite_codes": ["welcome", "friends"]}}
DEV = {"config": {"development": True}}
SFU = {"config": {"sfu": True}}
# The seed's SERVER_JOIN shape scaled to seconds, for live runs (the seed's own numbers take
# minutes: the scenarios that use them are core-only, vectors.md §8.3).
FAST_JOIN = {"config": {"rate_limits": {**CONFIG["rate_limits"],
                                        "server_join": "5:3000:3000:2:8:250"}}}

SDP = g.SDP
CAND = g.CAND
JITTER_MS = 40


def tok(user: str, **kw) -> str:
    return m.token(user, **kw)


def connect_text(user=None, token=None, **auth) -> str:
    body = dict(auth)
    if user is not None or token is not None:
        body = {"token": token if token is not None else tok(user), **auth}
    return "40" + g.compact(body)


def ev(name, *args, ack=None) -> str:
    return "42" + ("" if ack is None else str(ack)) + g.compact([name, *args])


def jitter(name: str, seed: int, step: int) -> int:
    return hashlib.sha256(f"{name}/{seed}/{step}".encode()).digest()[0] % (JITTER_MS + 1)


def subject(event: dict):
    """vectors.md §8.3: events are ordered per connection, else room, else IP; the link's
    events form one more subject."""
    for key in ("conn", "room", "ip"):
        if key in event:
            return (key, event[key])
    assert event["type"].startswith("sfu_"), event
    return ("sfu", "")


def comparable(got: m.Outputs):
    frames, events = {}, {}
    for t in got.transmits:
        frames.setdefault(t["to"], []).append(t)
    for event in got.events:
        events.setdefault(subject(event), []).append(event)
    return sorted(frames.items()), got.sfu, sorted(events.items(), key=repr), got.response


class Scenario:
    def __init__(self, name, description, covers, overrides=None, live=True):
        self.doc = {"name": name, "description": description, "covers": covers}
        if not live:
            self.doc["live"] = False
        self.cfg = copy.deepcopy(CONFIG)
        self.channels = copy.deepcopy(CHANNELS)
        if overrides:
            self.doc["fixture_overrides"] = overrides
            self.cfg.update(copy.deepcopy(overrides["config"]))
        self.out = m.Outputs()
        self.firings = []
        self.server = self.fresh(self.out, self.firings)
        self.steps, self.times, self.inputs, self.outputs = [], [], [], []
        self.ms = 0

    def fresh(self, out, firings):
        return m.Server(self.cfg, copy.deepcopy(self.channels), IP, out, firings, {})

    def at(self, ms: int) -> "Scenario":
        assert ms >= self.ms
        self.ms = ms
        return self

    def _step(self, kind, apply, input_json, note, st=False):
        name, now = self.doc["name"], self.ms
        self.server.advance(now)
        soon = [d for d in self.server.deadlines() if now < d[0] < now + TIMER_MARGIN_MS]
        assert not soon, f"{name}: deadline {soon[0]} too near the step at {now} ms"
        apply(now)
        got = self.out.take()
        self.times.append(now)
        self.inputs.append((now, apply))
        self.outputs.append(comparable(got))
        expect = {"transmits": got.transmits}
        if got.sfu:
            expect["sfu"] = got.sfu
        if kind in ("connect", "http"):
            expect["response"] = got.response
        expect["events"] = got.events
        if st:
            expect["stats"] = self.server.stats()
        self.steps.append({"at_ms": now, "note": note, **input_json, "expect": expect})
        return got

    def connect(self, client, query=None, origin=None, note=None, st=False):
        extra = {}
        if query is not None:
            extra["query"] = query
        if origin is not None:
            extra["origin"] = origin
        q = m.ENGINE_DEFAULT_QUERY if query is None else query
        return self._step("connect", lambda now: self.server.connect(client, q, origin, now),
                          {"connect": client, **extra}, note or f"{client} connects", st)

    def send(self, client, text, note, st=False):
        return self._step("text", lambda now: self.server.text(client, text, now),
                          {"from": client, "text": text}, note, st)

    def binary(self, client, data: bytes, note):
        return self._step("binary", lambda now: self.server.binary(client, len(data)),
                          {"from": client, "binary": data.hex()}, note)

    def close(self, client, note=None, st=False):
        return self._step("close", lambda now: self.server.peer_closed(client),
                          {"close": client}, note or f"{client} closes its connection", st)

    def http(self, method, path, note):
        return self._step("http", lambda now: self.server.http(method, path),
                          {"http": {"method": method, "path": path}}, note)

    def tick(self, note, st=False):
        return self._step("tick", lambda now: None, {"tick": True}, note, st)

    def reset(self, note):
        def apply(now):
            self.server.reset()
            names = self.server.names
            self.server = m.Server(self.cfg, copy.deepcopy(self.channels), IP, self.out,
                                   self.firings, names)
        return self._step("reset", apply, {"reset": True}, note)

    def directory(self, change: dict, note):
        return self._step("directory", lambda now: self.server.directory(change),
                          {"directory": change}, note)

    def sfu_accept(self, note="the SFU accepts hark's connection"):
        return self._step("sfu", lambda now: self.server.sfu_accept(now), {"sfu_accept": True},
                          note)

    def sfu_send(self, message: dict, note):
        text = g.compact(message)
        return self._step("sfu", lambda now: self.server.sfu_text(text, now),
                          {"sfu_send": text}, note)

    def sfu_close(self, note):
        return self._step("sfu", lambda now: self.server.sfu_closed(now), {"sfu_close": True},
                          note)

    # Common exchanges -------------------------------------------------------------------------

    def admit(self, client, user=None, **auth):
        """connect, then CONNECT with a valid token for `user` (default: the client's name)."""
        self.connect(client)
        return self.send(client, connect_text(user or client.split("_")[0], **auth),
                         f"{client} sends CONNECT with a valid token")

    def join(self, client, channel, note=None, ack=None, st=False):
        return self.send(client, ev("join", {"channelID": channel}, ack=ack),
                         note or f"{client} joins {channel}", st)

    def document(self):
        self.check()
        return dict(self.doc, steps=self.steps)

    def check(self):
        name, last = self.doc["name"], self.ms
        self.server.advance(last + 2 * TIMER_MARGIN_MS)
        tail = self.out.take()
        assert not (tail.transmits or tail.events or tail.sfu), f"{name}: output in the tail"
        for fired in self.firings:
            near = [t for t in set(self.times) | {last + TIMER_MARGIN_MS}
                    if abs(fired - t) < TIMER_MARGIN_MS]
            assert not near, f"{name}: a timer fires at {fired} ms, near {near}"
        if self.doc.get("live") is False:
            return
        for seed in range(8):
            self.out = m.Outputs()
            self.server = self.fresh(self.out, [])
            now = 0
            for index, ((at_ms, apply), want) in enumerate(zip(self.inputs, self.outputs)):
                now = max(now, at_ms + jitter(name, seed, index))
                self.server.advance(now)
                apply(now)
                assert comparable(self.out.take()) == want, \
                    f"{name}: step at {at_ms} ms differs {now - at_ms} ms late"


def fixture() -> dict:
    return {"secret": SECRET, "wall_clock_start": START, "rng_seed": RNG_SEED,
            "clients": [{"name": n, "ip": ip} for n, ip in CLIENTS],
            "config": copy.deepcopy(CONFIG), "channels": copy.deepcopy(CHANNELS)}


# --------------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------------


def handshake_scenarios():
    out = []
    s = Scenario("handshake_refusals",
                 "Requests to the Socket.IO path that open no session get engine.io's JSON "
                 "error; an upgrade from an Origin CORS_ORIGIN does not list is code 3; one "
                 "without Origin or from a listed Origin opens a session.",
                 ["§1 code 0 for polling", "§1 code 1 for a sid", "§1 code 2 for POST",
                  "§1 code 3 without an upgrade", "§1 code 5 for EIO=3", "§9.2 CORS_ORIGIN",
                  "§2 the open packet"])
    s.at(0).http("GET", "/socket.io/?EIO=4&transport=polling&t=NkJ3x1b", "a polling request")
    s.http("GET", "/socket.io/?EIO=4&transport=websocket", "websocket without an upgrade")
    s.http("POST", "/socket.io/?EIO=4&transport=websocket", "a POST")
    s.connect("ada", query="EIO=3&transport=websocket", note="ada upgrades with EIO=3")
    s.connect("ada", query="EIO=4&transport=websocket&sid=abc", note="ada names a sid")
    s.connect("ada", origin="http://evil.example", note="ada upgrades from another Origin")
    s.connect("ada", origin="http://localhost:3000", note="ada upgrades from the allowed Origin")
    s.connect("bob", query="transport=websocket&EIO=4&t=x", note="bob upgrades without Origin")
    out.append(s)

    s = Scenario("http_routes",
                 "GET /health counts connections, users and rooms; the debug pages are 404 "
                 "outside development mode; another method on /health is 405; anything else 404.",
                 ["§9.1 /health", "§9.1 debug pages only in development mode",
                  "§9.1 405 on a known path", "§9.1 404"])
    s.at(0).http("GET", "/health", "health of an empty server")
    s.admit("ada")
    s.join("ada", "voice")
    s.connect("bob")
    s.at(100).http("GET", "/health", "one admitted user in one room, two connections")
    s.http("GET", "/debug/rooms", "not in development mode")
    s.http("POST", "/health", "POST /health")
    s.http("GET", "/nowhere", "an unknown path")
    out.append(s)

    s = Scenario("debug_pages",
                 "In development mode /debug/rooms lists rooms in id order with their members "
                 "in join order, /debug/connections every connection in connection order with "
                 "its Engine.IO sid and user (null before CONNECT).",
                 ["§9.1 /debug/rooms", "§9.1 /debug/connections", "§6 room id"], DEV)
    s.at(0).admit("ada")
    s.join("ada", "voice")
    s.admit("bob")
    s.join("bob", "voice")
    s.admit("carol")
    s.join("carol", "lounge")
    s.connect("mallory")
    s.at(100).http("GET", "/debug/rooms", "the rooms")
    s.http("GET", "/debug/connections", "the connections")
    out.append(s)
    return out


def session_scenarios():
    out = []
    s = Scenario("connect_and_info",
                 "CONNECT with a valid token is acknowledged with the Socket.IO sid and "
                 "followed by info: the channels the user may join in id order, members as a "
                 "string. The nickname defaults to the user id.",
                 ["§3 CONNECT acknowledged", "§4 admission then info", "§5.2 ServerInfo",
                  "§4 default nickname"])
    s.at(0).admit("ada", st=False)
    s.admit("mallory")
    s.at(100).join("mallory", "voice", st=True)
    out.append(s)

    s = Scenario("connect_refusals",
                 "Each §4 refusal is a CONNECT_ERROR that keeps the session open, so the client "
                 "may CONNECT again; another namespace is refused without counting.",
                 ["§4 auth_required", "§4 invalid_token", "§4 invalid_nickname",
                  "§3 Invalid namespace", "§4 the session stays open after CONNECT_ERROR"])
    s.at(0).connect("bob")
    s.send("bob", "40", "CONNECT without auth")
    s.send("bob", connect_text(token=m.jwt(m.claims("bob"), secret="wrong")),
           "a token signed with another secret")
    s.send("bob", connect_text(token=tok("bob", exp=START - 3600)), "an expired token")
    s.send("bob", connect_text("bob", nickname="  "), "a blank nickname")
    s.send("bob", "40/admin," + g.compact({"token": tok("bob")}), "CONNECT to /admin")
    s.send("bob", connect_text("bob", nickname=" Bobby "), "then a good CONNECT, trimmed name")
    s.join("bob", "voice")
    out.append(s)

    s = Scenario("invite_only",
                 "An invite-only server asks for one of its codes at every CONNECT.",
                 ["§4 invite_required", "§4 invalid_invite", "§4 admitted with a code"], INVITE)
    s.at(0).connect("ada")
    s.send("ada", connect_text("ada"), "no invite code")
    s.send("ada", connect_text("ada", inviteCode=""), "an empty code is no code")
    s.send("ada", connect_text("ada", inviteCode="Welcome"), "codes are exact")
    s.send("ada", connect_text("ada", inviteCode="friends"), "a configured code")
    out.append(s)

    s = Scenario("heartbeat",
                 "The server pings every pingInterval; a pong defers the next ping by an "
                 "interval; no pong within pingTimeout closes the session and leaves its room.",
                 ["§2 heartbeat", "§10.3 schedule", "§6 disconnect as leave"], TIMERS)
    s.at(0).admit("ada")
    s.join("ada", "voice")
    s.admit("bob")
    s.join("bob", "voice")
    s.at(1300).send("ada", "3", "ada answers the ping")
    s.send("bob", "3", "bob answers the ping")
    s.at(2600).send("ada", "3", "ada answers the second ping")
    s.at(3200).tick("bob said nothing: closed at 2900", st=True)
    s.close("ada")
    out.append(s)

    s = Scenario("connect_timeout",
                 "A session with no successful CONNECT within connectTimeout is closed, even "
                 "after a refused CONNECT; the heartbeat runs before CONNECT too.",
                 ["§3 connect timeout", "§10.3 a refused CONNECT does not clear it"], TIMERS)
    s.at(0).connect("bob")
    s.send("bob", "40", "a refused CONNECT")
    s.at(1300).send("bob", "3", "bob answers the ping")
    s.at(2300).tick("closed at 2000")
    out.append(s)

    s = Scenario("protocol_errors",
                 "Frames and packets §2, §3 and §10.4 refuse close the session with 1000 "
                 "(1009 for a frame beyond maxPayload); a client ACK and Engine.IO noop are "
                 "ignored.",
                 ["§2 unknown type", "§2 ping from the client", "§2 binary frame",
                  "§3 packets before CONNECT", "§10.4 second CONNECT", "§10.4 client ACK ignored",
                  "§3 binary packets", "§2 payload_too_large", "§10.2 41 and 1"],
                 {"config": {"max_payload": 4096}})
    s.at(0).connect("ada")
    s.send("ada", "6", "noop is ignored")
    s.send("ada", "9", "an unknown Engine.IO type")
    s.connect("bob")
    s.send("bob", "2", "a ping from the client")
    s.connect("carol")
    s.send("carol", ev("leave"), "an EVENT before CONNECT")
    s.connect("mallory")
    s.binary("mallory", b"\x01\x02", "a binary frame")
    s.at(100).admit("ada")
    s.send("ada", "431[]", "a client ACK is ignored")
    s.send("ada", connect_text("ada"), "a second CONNECT")
    s.admit("bob")
    s.send("bob", "451-" + g.compact(["x", {"_placeholder": True, "num": 0}]), "a BINARY_EVENT")
    s.admit("carol")
    s.send("carol", "4" + "x" * 4096, "a frame over maxPayload")
    s.admit("mallory")
    s.send("mallory", "4", "an empty Socket.IO packet")
    s.at(200).admit("ada")
    s.join("ada", "voice")
    s.admit("bob")
    s.join("bob", "voice")
    s.send("bob", "41", "bob sends DISCONNECT")
    s.send("ada", "1", "ada sends Engine.IO close", st=True)
    out.append(s)
    return out


def event_scenarios():
    out = []
    s = Scenario("rooms_and_users",
                 "users goes to the joiner (itself included, in join order), user-joined to the "
                 "others; updates go to the whole room only when a value changes; leave sends "
                 "user-left; the last leave removes the room. Without an SFU every join is "
                 "told voice is unavailable.",
                 ["§6 who receives what", "§5.2 users, user-joined, user-left, user-updated",
                  "§8.6 voice_unavailable after users", "§6 room removed when empty",
                  "§6 updates outside a room are kept for the next join"])
    s.at(0).admit("ada")
    s.admit("bob")
    s.send("bob", ev("updateMute", True), "bob mutes outside a room")
    s.join("ada", "voice")
    s.join("bob", "voice")
    s.at(100).send("ada", ev("updateNickname", " Ada L. "), "ada renames herself")
    s.send("ada", ev("updateNickname", "Ada L."), "the same name again: nothing")
    s.send("bob", ev("updateMute", False), "bob unmutes")
    s.admit("carol")
    s.join("carol", "voice", st=True)
    s.at(200).join("bob", "lounge", "bob moves to lounge")
    s.send("carol", ev("leave"), "carol leaves")
    s.send("carol", ev("leave"), "a leave outside a room does nothing")
    s.send("ada", ev("leave", {}), "ada leaves: voice room removed")
    s.close("bob", st=True)
    out.append(s)

    s = Scenario("device_switch",
                 "A user joining from a second connection takes the first one out of its room "
                 "(user-left) before entering (user-joined), at the end of the room's order.",
                 ["§6 device switch", "§10.8 ordering"])
    s.at(0).admit("ada")
    s.join("ada", "voice")
    s.admit("bob")
    s.join("bob", "voice")
    s.admit("ada_phone", user="ada", nickname="Ada (phone)")
    s.join("ada_phone", "voice", "ada joins from her phone", st=True)
    s.join("ada", "lounge", "ada's laptop goes to lounge: the phone leaves voice")
    out.append(s)

    s = Scenario("event_errors",
                 "Every §5 error code a client event can reach, as the error event or, with an "
                 "ack id, in the ack; accepted events with an ack id are acknowledged with [] "
                 "after their effects.",
                 ["§5.1 validation order", "§5.2 error codes", "§5 acknowledgements",
                  "§10.7 the ack after the effects", "§6 channel_full"])
    s.at(0).admit("mallory")
    s.send("mallory", ev("info", {}), "a server-to-client name")
    s.send("mallory", ev("join"), "join without an argument")
    s.send("mallory", ev("join", {"channelID": "a b"}), "a channel id with a space")
    s.send("mallory", ev("updateNickname", "a\nb", ack=2), "a control character")
    s.send("mallory", ev("offer", {"type": "answer", "sdp": SDP}), "an offer of type answer")
    s.send("mallory", ev("ice-candidate", {"candidate": CAND}), "no sdpMid and no index")
    s.send("mallory", ev("join", {"channelID": "nowhere"}), "an unknown channel")
    s.send("mallory", ev("join", {"channelID": "staff"}, ack=3), "a members-only channel")
    s.send("mallory", ev("join", {"channelID": "quiet"}), "a channel that bans mallory")
    s.send("mallory", ev("offer", {"type": "offer", "sdp": SDP}), "an offer outside a room")
    s.send("mallory", ev("answer", {"type": "answer", "sdp": SDP}, ack=4), "an answer, acked")
    s.send("mallory", ev("ice-candidate", {"candidate": CAND, "sdpMid": "0"}), "a candidate")
    s.send("mallory", ev("join", {"channelID": "duo"}, ack=5), "mallory joins duo, acked")
    s.send("mallory", ev("offer", {"type": "offer", "sdp": SDP}, ack=6), "no SFU: unavailable")
    s.send("mallory", ev("updateMute", True, ack=7), "an accepted update, acked")
    s.admit("bob")
    s.join("bob", "duo")
    s.admit("carol")
    s.join("carol", "duo", "duo holds two: full")
    out.append(s)

    s = Scenario("directory_changes",
                 "A directory change while the server runs takes every member the new directory "
                 "refuses out of its room (user-left to the rest) and tells it forbidden, or "
                 "unknown_channel when the channel is gone; info is not sent again and the next "
                 "join is checked against the new directory.",
                 ["§6 capacity and the directory", "§5.2 forbidden after a ban",
                  "§5.2 unknown_channel after remove_channel",
                  "§6 the next join is checked against the new directory"])
    s.at(0).admit("ada")
    s.join("ada", "voice")
    s.admit("bob")
    s.join("bob", "voice")
    s.admit("carol")
    s.join("carol", "lounge")
    s.at(200).directory({"ban": {"channel": "voice", "user": "bob"}}, "bob is banned from voice")
    s.at(400).directory({"remove_channel": {"channel": "lounge"}}, "lounge is removed")
    s.at(600).join("bob", "voice", "bob tries to come back")
    s.join("carol", "lounge", "carol tries lounge again")
    s.at(800).directory({"unban": {"channel": "voice", "user": "bob"}}, "bob is unbanned")
    s.at(1000).directory({"add_channel": {"id": "lounge"}}, "lounge is back")
    s.at(1200).join("bob", "voice", "bob may join again")
    s.join("carol", "lounge", "so may carol")
    out.append(s)
    return out


def limit_scenarios():
    out = []
    s = Scenario("signal_rule",
                 "SIGNAL: a burst of 50 events passes, the 51st is refused with the "
                 "RateLimitError (no ban; refused events still score).",
                 ["§7.1 SIGNAL 100:10000:0:1:50:200", "§7.6 SIGNAL refusal as error or ack",
                  "§7.3 retryAfterMs"])
    s.at(0).admit("ada")
    for i in range(50):
        s.send("ada", ev("updateMute", i % 2 == 0), f"event {i + 1} of the burst")
    s.send("ada", ev("updateMute", True), "the 51st: refused")
    s.send("ada", ev("updateMute", True, ack=9), "the 52nd, acked: refused in the ack", st=True)
    s.at(1000).send("ada", ev("join", {"channelID": "voice"}), "score decayed: accepted")
    out.append(s)

    s = Scenario("server_join_seed_burst",
                 "SERVER_JOIN at the seed's numbers: CONNECTs from one IP in a burst score 2, 4, "
                 "6, 8; the fifth scores 10 > 8 and is refused with a 60 s ban; during the ban "
                 "every CONNECT is refused with the rest of the ban; after it, accepted.",
                 ["§7.2 worked numbers", "§7.1 SERVER_JOIN 5:60000:60000:2:8:5000",
                  "§7.6 refusal as CONNECT_ERROR"], live=False)
    for i in range(4):
        s.at(i * 10).admit("mallory")
        s.close("mallory")
    s.at(100).connect("mallory")
    s.send("mallory", connect_text("mallory"), "the fifth CONNECT in the burst")
    s.close("mallory")
    s.at(30100).connect("mallory")
    s.send("mallory", connect_text("mallory"), "30 s into the ban", st=True)
    s.close("mallory")
    s.at(60100).connect("mallory")
    s.send("mallory", connect_text("mallory"), "the ban is over")
    s.close("mallory")
    out.append(s)

    s = Scenario("server_join_seed_window",
                 "SERVER_JOIN at the seed's numbers: CONNECTs 10 s apart keep the score at 2, "
                 "so the window decides: five per minute, the sixth refused with a 60 s ban, "
                 "accepted again once the ban is over.",
                 ["§7.2 worked numbers: five per minute then a 60 s ban", "§7.3 retryAfterMs"],
                 live=False)
    for i in range(5):
        s.at(i * 10000).admit("mallory")
        s.close("mallory")
    s.at(50000).connect("mallory")
    s.send("mallory", connect_text("mallory"), "the sixth CONNECT in a minute")
    s.close("mallory")
    s.at(109000).connect("mallory")
    s.send("mallory", connect_text("mallory"), "a second before the ban ends")
    s.at(110000).send("mallory", connect_text("mallory"), "the ban is over", st=True)
    s.close("mallory")
    out.append(s)

    s = Scenario("server_join_fast",
                 "SERVER_JOIN with the seed's scores on a 3 s window (5:3000:3000:2:8:250), "
                 "for live runs: five CONNECTs 600 ms apart, the sixth refused with a 3 s ban, "
                 "keyed by IP (another client is not limited), accepted after the ban.",
                 ["§7.2 window then ban", "§7.6 SERVER_JOIN keyed by IP", "§7.5 a configured rule"],
                 FAST_JOIN)
    for i in range(5):
        s.at(i * 600).admit("mallory")
        s.close("mallory")
    s.at(2800).connect("mallory")
    s.send("mallory", connect_text("mallory"), "the sixth CONNECT")
    s.admit("bob")
    s.at(6000).send("mallory", connect_text("mallory"), "after the ban")
    out.append(s)
    return out


def sfu_scenarios():
    out = []
    offer = {"type": "offer", "sdp": SDP}
    answer = {"type": "answer", "sdp": SDP}
    cand = {"candidate": CAND, "sdpMid": "0", "sdpMLineIndex": 0, "usernameFragment": None}

    s = Scenario("sfu_relay",
                 "hark says hello with SERVER_TOKEN; at welcome it announces every room member; "
                 "SFU offers and candidates reach the peer's connection, the client's answer and "
                 "candidates reach the SFU; connected and track notices become user-updated; "
                 "the last leave of a room is the SFU's leave.",
                 ["§8.2 hello/welcome", "§8.3 join at welcome and on join",
                  "§8.3 offer/answer/ice-candidate to the SFU", "§8.4 SFU messages",
                  "§8.4 user-updated only on change", "§6 room cleanup"], SFU)
    s.at(0).admit("ada")
    s.join("ada", "voice", "ada joins before the link is up")
    s.at(800).sfu_accept()
    s.sfu_send({"type": "welcome"}, "welcome: ada is announced")
    s.admit("bob")
    s.join("bob", "voice", "bob joins: announced at once")
    s.sfu_send({"type": "offer", "peerID": "<sid:ada.s1>", "description": offer}, "SFU offer")
    s.send("ada", ev("answer", answer), "ada answers")
    s.send("ada", ev("ice-candidate", {"candidate": CAND, "sdpMid": "0"}, ack=1), "ada's candidate")
    s.sfu_send({"type": "ice-candidate", "peerID": "<sid:ada.s1>", "candidate": cand},
               "SFU candidate")
    s.sfu_send({"type": "connected", "peerID": "<sid:ada.s1>"}, "ada is connected")
    s.sfu_send({"type": "connected", "peerID": "<sid:ada.s1>"}, "again: nothing changes")
    s.sfu_send({"type": "track-added", "peerID": "<sid:ada.s1>", "streamID": "s-ada"},
               "ada's stream")
    s.send("ada", ev("offer", offer), "ada renegotiates")
    s.sfu_send({"type": "answer", "peerID": "<sid:ada.s1>", "description": answer},
               "SFU answer")
    s.join("ada", "voice", "a join of her own room: users only")
    s.sfu_send({"type": "track-removed", "peerID": "<sid:ada.s1>", "streamID": "other"},
               "another stream: nothing")
    s.sfu_send({"type": "track-removed", "peerID": "<sid:ada.s1>", "streamID": "s-ada"},
               "ada's stream ends")
    s.sfu_send({"type": "disconnected", "peerID": "<sid:ada.s1>"}, "ada's peer is gone")
    s.send("bob", ev("leave"), "bob leaves")
    s.close("ada", "ada closes: the room is gone")
    out.append(s)

    s = Scenario("sfu_link_loss",
                 "When an up link ends, members lose voice (user-updated where it changes) and "
                 "each is told voice_unavailable once; offers are refused until the next "
                 "welcome, which announces the rooms again.",
                 ["§8.6 link loss", "§8.6 backoff and redial", "§8.6 voice_unavailable"], SFU)
    s.at(800).sfu_accept()
    s.sfu_send({"type": "welcome"}, "the link is up")
    s.admit("ada")
    s.join("ada", "voice")
    s.admit("bob")
    s.join("bob", "voice")
    s.sfu_send({"type": "connected", "peerID": "<sid:ada.s1>"}, "ada is connected")
    s.sfu_send({"type": "track-added", "peerID": "<sid:ada.s1>", "streamID": "s-ada"},
               "ada's stream")
    s.at(900).sfu_close("the SFU goes away")
    s.send("ada", ev("offer", offer), "an offer while the link is down")
    s.at(1700).sfu_accept("hark dialled again after 500 ms")
    s.sfu_send({"type": "welcome"}, "welcome: both announced again")
    out.append(s)
    return out


FILES = [
    ("scenarios/handshake.json", handshake_scenarios),
    ("scenarios/session.json", session_scenarios),
    ("scenarios/events.json", event_scenarios),
    ("scenarios/limits.json", limit_scenarios),
    ("scenarios/sfu.json", sfu_scenarios),
]


def outputs() -> dict[str, str]:
    from vectorlib import render
    files = {"fixture.json": render(fixture())}
    files.update(scenario_files(FILES))
    return files
