"""A model of the `signal` service (signal.md §2–§9) that computes what a scenario's inputs must
give: the frames each client receives, what hark sends the SFU (§8), HTTP responses, and
hark-core's events and counters. It is written from the spec alone, like the codec model in
gen_signal_vectors.py, whose decoders and encoders it uses.

Placeholders (vectors.md §8.3): every session id the server draws is written `"<sid:NAME>"`;
NAME is `<client>.e<n>` for the Engine.IO id of the client's n-th connection in the scenario and
`<client>.s<n>` for the Socket.IO id of its n-th admission.
"""

from __future__ import annotations

import base64
import json

import gen_signal_vectors as g
from vectorlib import START, SECRET, jwt, claims

ENGINE_DEFAULT_QUERY = "EIO=4&transport=websocket"


class Ambiguous(AssertionError):
    """A scenario reached a place where signal.md does not fix the outcome."""


def compact(value) -> str:
    return g.compact(value)


def parse_rule(text: str) -> dict:
    return g.parse_rule(text)


# --------------------------------------------------------------------------------------------
# §7 the score limiter
# --------------------------------------------------------------------------------------------


class Key:
    def __init__(self):
        self.score = 0
        self.last = 0
        self.window = []
        self.ban_end = None


class Limiter:
    """§7.2–§7.3 for one rule per key; times in ms (every input of a scenario is a whole ms)."""

    def __init__(self):
        self.keys = {}

    def check(self, now: int, key, rule: dict):
        """None when accepted, else (retryAfterMs, currentScore)."""
        k = self.keys.setdefault(key, Key())
        decay, spa, top = rule["scoreDecayMs"], rule["scorePerAction"], rule["maxScore"]
        if k.ban_end is not None and now < k.ban_end:
            current = max(0, k.score - (now - k.last) // decay)
            return self.retry(now, k, rule), current
        k.score = max(0, k.score - (now - k.last) // decay) + spa
        k.last = now
        k.window = [t for t in k.window if now - t < rule["windowMs"]]
        refused = k.score > top or len(k.window) >= rule["limit"]
        if refused:
            if rule["banMs"] > 0:
                k.ban_end = now + rule["banMs"]
            return self.retry(now, k, rule), k.score
        k.window.append(now)
        return None

    @staticmethod
    def retry(now: int, k: Key, rule: dict) -> int:
        waits = [0]
        if k.ban_end is not None:
            waits.append(k.ban_end - now)
        excess = k.score + rule["scorePerAction"] - rule["maxScore"]
        if excess > 0:
            waits.append(k.last + excess * rule["scoreDecayMs"] - now)
        recent = [t for t in k.window if now - t < rule["windowMs"]]
        if len(recent) >= rule["limit"]:
            waits.append(recent[-rule["limit"]] + rule["windowMs"] - now)
        wait = max(waits)
        assert wait > 0
        return wait


def rate_limit_error(retry_ms: int, current: int, max_score: int) -> dict:
    return json.loads(g.rate_limit_error(retry_ms * 1_000_000, current, max_score))


# --------------------------------------------------------------------------------------------
# Sessions, users, rooms
# --------------------------------------------------------------------------------------------


class User:
    def __init__(self, uid: str, nick: str):
        self.id = uid
        self.nickname = nick
        self.muted = False
        self.channel = None
        self.voice = False
        self.stream = None
        self.announced = False  # a `join` for this connection went out on the current link

    def info(self) -> dict:
        out = {"id": self.id, "nickname": self.nickname, "isMuted": self.muted,
               "hasJoinedChannel": self.channel is not None, "isConnectedToVoice": self.voice}
        if self.stream is not None:
            out["streamID"] = self.stream
        return out


class Session:
    def __init__(self, client: str, ip: str, now: int, cfg: dict, engine_sid: str):
        self.client = client
        self.ip = ip
        self.engine_sid = engine_sid
        self.socket_sid = None
        self.user = None
        self.next_ping = now + cfg["ping_interval_ms"]
        self.pong_deadline = None
        self.connect_deadline = now + cfg["connect_timeout_ms"]


class Outputs:
    def __init__(self):
        self.transmits = []
        self.sfu = []
        self.events = []
        self.response = None

    def take(self) -> "Outputs":
        taken = Outputs()
        taken.transmits, taken.sfu, taken.events, taken.response = \
            self.transmits, self.sfu, self.events, self.response
        self.transmits, self.sfu, self.events, self.response = [], [], [], None
        return taken


SFU_BACKOFF_MIN_MS = 500
SFU_BACKOFF_MAX_MS = 30_000
SFU_HANDSHAKE_TIMEOUT_MS = 10_000


class Server:
    """signal.md §2–§9 as one object. `clients` maps client names to IPs."""

    def __init__(self, cfg: dict, channels: list, clients: dict, out: Outputs, firings: list,
                 names: dict):
        self.cfg = cfg
        self.channels = {c["id"]: c for c in channels}
        self.clients = clients
        self.out = out
        self.firings = firings
        self.names = names  # placeholder counters, kept across a reset
        self.sessions = {}  # client -> Session, in connection order
        self.rooms = {}  # room id -> [client] in join order
        self.limiter = Limiter()
        self.rate_limited = 0
        self.rules = {name: parse_rule(text) for name, text in cfg["rate_limits"].items()}
        # §8: the link. "disabled" without an SFU; else "dialing" (a dial is pending or under
        # way), "open" (hello sent, waiting for welcome), "up", or "backoff" until `dial_at`.
        self.link = "dialing" if cfg["sfu"] else "disabled"
        self.failures = 0
        self.dial_at = None
        self.opened_at = None

    # Outputs ----------------------------------------------------------------------------------

    def frame(self, client: str, text: str):
        self.out.transmits.append({"to": client, "text": text})

    def message(self, client: str, socket_text: str):
        self.frame(client, "4" + socket_text)

    def emit(self, client: str, event: dict):
        self.message(client, "2" + g.server_event(event))

    def event(self, etype: str, **members):
        self.out.events.append({"type": etype, **members})

    def to_sfu(self, message: dict):
        self.out.sfu.append({"text": compact(message)})

    def sid(self, client: str, kind: str) -> str:
        key = (client, kind)
        self.names[key] = self.names.get(key, 0) + 1
        return f"<sid:{client}.{kind}{self.names[key]}>"

    # Timers -----------------------------------------------------------------------------------

    def deadlines(self) -> list:
        out = []
        for s in self.sessions.values():
            for at, kind in ((s.connect_deadline, "connect_timeout"),
                             (s.pong_deadline, "ping_timeout"), (s.next_ping, "ping")):
                if at is not None:
                    out.append((at, s.client, kind))
        if self.link == "backoff":
            out.append((self.dial_at, "sfu", "dial"))
        if self.link == "open":
            out.append((self.opened_at + SFU_HANDSHAKE_TIMEOUT_MS, "sfu", "handshake"))
        order = {"connect_timeout": 0, "ping_timeout": 1, "ping": 2, "dial": 3, "handshake": 3}
        return sorted(out, key=lambda d: (d[0], d[1], order[d[2]]))

    def advance(self, now: int):
        while True:
            due = [d for d in self.deadlines() if d[0] <= now]
            if not due:
                return
            at, who, kind = due[0]
            self.firings.append(at)
            if kind == "dial":
                self.link = "dialing"
                self.dial_at = None
                self.event("sfu_dial")
            elif kind == "handshake":
                raise Ambiguous("a scenario waits out the SFU handshake timeout")
            elif kind == "ping":
                s = self.sessions[who]
                s.next_ping = None
                s.pong_deadline = at + self.cfg["ping_timeout_ms"]
                self.frame(who, "2")
            else:
                self.close(who, 1000, kind)

    # Connections (§1, §2, §9) -----------------------------------------------------------------

    def allowed_origin(self, origin) -> bool:
        allowed = self.cfg["cors_origin"]
        return origin is None or allowed == "*" or origin in allowed.split(",")

    def connect(self, client: str, query: str, origin, now: int):
        assert client not in self.sessions, f"{client} connects while connected"
        code = g.decide_handshake("GET", True, query)
        # §1: the transport is checked first, then the Origin (§9.2), then the rest.
        params = {}
        for pair in query.split("&"):
            if pair:
                name, _, value = pair.partition("=")
                params[g.unquote_plus(name)] = g.unquote_plus(value)
        if params.get("transport") == "websocket" and not self.allowed_origin(origin):
            code = 3
        if code is not None:
            refusal = g.handshake_refusal(code)
            self.out.response = {"status": refusal["status"], "body": refusal["body"]}
            return
        if len(self.sessions) >= self.cfg["max_connections"]:
            raise Ambiguous("§10.10: the driver's answer to ServerFull is not fixed")
        ip = self.clients[client]
        sid = self.sid(client, "e")
        self.sessions[client] = Session(client, ip, now, self.cfg, sid)
        self.out.response = {"status": 101}
        self.frame(client, "0" + compact({
            "sid": sid, "upgrades": [], "pingInterval": self.cfg["ping_interval_ms"],
            "pingTimeout": self.cfg["ping_timeout_ms"], "maxPayload": self.cfg["max_payload"]}))
        self.event("connection_opened", conn=client, ip=ip)

    def close(self, client: str, code: int, reason: str, kind=None):
        """The service ends the session and closes the WebSocket with `code`."""
        self.forget(client, reason, kind)
        self.out.transmits.append({"to": client, "close": code})

    def forget(self, client: str, reason: str, kind=None):
        self.leave_room(client)
        del self.sessions[client]
        members = {"reason": reason} if kind is None else {"reason": reason, "kind": kind}
        self.event("connection_closed", conn=client, **members)

    def peer_closed(self, client: str):
        self.forget(client, "closed_by_peer")

    def binary(self, client: str, length: int):
        if length > self.cfg["max_payload"]:
            self.close(client, 1009, "protocol_error", "payload_too_large")
        else:
            self.close(client, 1000, "protocol_error", "binary_message")

    def text(self, client: str, text: str, now: int):
        s = self.sessions[client]
        try:
            packet = g.engine_decode({"text": text}, self.cfg["max_payload"])
        except g.Refused as refused:
            code = 1009 if refused.code == "payload_too_large" else 1000
            self.close(client, code, "protocol_error", refused.code)
            return
        kind = packet["type"]
        if kind == "pong":
            if s.pong_deadline is not None:
                s.pong_deadline = None
                s.next_ping = now + self.cfg["ping_interval_ms"]
        elif kind == "ping":
            self.close(client, 1000, "protocol_error", "invalid_heartbeat_direction")
        elif kind == "close":
            self.close(client, 1000, "closed_by_peer")
        elif kind == "message":
            self.packet(s, packet["data"], now)

    # Socket.IO (§3, §10.4) --------------------------------------------------------------------

    def packet(self, s: Session, data: str, now: int):
        try:
            p = g.socket_decode(data, self.cfg["max_payload"])
        except g.Refused as refused:
            self.close(s.client, 1000, "protocol_error", refused.code)
            return
        admitted, main = s.user is not None, p["nsp"] == "/"
        kind = p["type"]
        if kind in ("binary_event", "binary_ack"):
            self.close(s.client, 1000, "protocol_error", "binary_packet")
        elif kind == "connect" and (not admitted or not main):
            self.on_connect(s, p, now)
        elif kind == "event" and admitted and main:
            self.on_event(s, p["ack_id"], p["data"], now)
        elif kind == "disconnect" and admitted and main:
            self.close(s.client, 1000, "client_disconnect")
        elif kind == "ack" and admitted and main:
            pass
        else:
            self.close(s.client, 1000, "protocol_error", "invalid_state")

    def on_connect(self, s: Session, p: dict, now: int):
        if p["nsp"] != "/":
            self.message(s.client, "4" + p["nsp"] + "," + compact({"message": "Invalid namespace"}))
            self.event("connect_refused", conn=s.client, code="invalid_namespace")
            return
        limited = self.limiter.check(now, ("join", s.ip), self.rules["server_join"])
        if limited is not None:
            self.rate_limited += 1
            error = rate_limit_error(*limited, self.rules["server_join"]["maxScore"])
            self.message(s.client, "4" + compact({"message": error["message"], "data": error}))
            self.event("connect_refused", conn=s.client, code="rate_limited")
            return
        try:
            uid, nick = self.authenticate(p["data"], now)
        except g.Refused as refused:
            self.message(s.client, "4" + g.connect_refusal(refused.code))
            self.event("connect_refused", conn=s.client, code=refused.code)
            return
        s.user = User(uid, nick)
        s.connect_deadline = None
        s.socket_sid = self.sid(s.client, "s")
        self.message(s.client, "0" + compact({"sid": s.socket_sid}))
        users = {x.user.id for x in self.sessions.values() if x.user is not None}
        channels = [{"id": c["id"], "name": c.get("name", c["id"]), "type": "voice"}
                    for cid, c in sorted(self.channels.items())
                    if self.may_enter(c, uid)]
        self.emit(s.client, {"event": "info", "name": self.cfg["server_name"],
                             "members": len(users), "channels": channels,
                             "icon_url": self.cfg["server_icon"],
                             "stun_hosts": self.cfg["stun_servers"]})
        self.event("admitted", conn=s.client, user_id=uid)

    @staticmethod
    def may_enter(channel: dict, uid: str) -> bool:
        members = channel.get("members")
        return (members is None or uid in members) and uid not in channel.get("banned", [])

    def authenticate(self, auth, now: int):
        """§4 steps 2–4: the user id and nickname, or Refused(code)."""
        try:
            decoded = g.decode_auth(auth)
        except g.Refused as refused:
            raise g.Refused(json.loads(refused.code)["data"]["error"]) from None
        sub = verify(decoded["token"], START + now // 1000)
        if sub is None:
            raise g.Refused("invalid_token")
        if self.cfg["invite_only"]:
            if decoded["inviteCode"] is None:
                raise g.Refused("invite_required")
            if decoded["inviteCode"] not in self.cfg["invite_codes"]:
                raise g.Refused("invalid_invite")
        nick = decoded["nickname"]
        if nick is None:
            nick = sub if g.nickname(sub) == sub else "User"
        return sub, nick

    # Events (§5, §6, §7) ----------------------------------------------------------------------

    def on_event(self, s: Session, ack, data, now: int):
        limited = self.limiter.check(now, ("signal", s.user.id), self.rules["signal"])
        if limited is not None:
            self.rate_limited += 1
            error = rate_limit_error(*limited, self.rules["signal"]["maxScore"])
            if ack is None:
                self.message(s.client, "2" + compact(["error", error]))
            else:
                self.message(s.client, f"3{ack}" + compact([error]))
            self.event("event_refused", conn=s.client, code="rate_limited")
            return
        try:
            event = g.decode_event(data)
            self.apply(s, event)
        except g.Refused as refused:
            code = refused.code
            if ack is None:
                self.emit(s.client, {"event": "error", "error": code})
            else:
                self.message(s.client, f"3{ack}" + compact([
                    {"error": code, "message": g.EVENT_ERRORS[code]}]))
            self.event("event_refused", conn=s.client, code=code)
            return
        if ack is not None:
            self.message(s.client, f"3{ack}[]")

    def room_id(self, channel: str) -> str:
        return self.cfg["server_name"].split(".")[0] + "_" + channel

    def apply(self, s: Session, event: dict):
        u = s.user
        name = event["event"]
        if name == "join":
            self.join(s, event["channelID"])
        elif name == "leave":
            self.leave_room(s.client)
        elif name in ("updateNickname", "updateMute"):
            if name == "updateNickname":
                changed, u.nickname = u.nickname != event["nickname"], event["nickname"]
            else:
                changed, u.muted = u.muted != event["muted"], event["muted"]
            if changed and u.channel is not None:
                self.updated(s.client)
        else:
            if u.channel is None:
                raise g.Refused("not_in_channel")
            if self.link != "up":
                raise g.Refused("voice_unavailable")
            message = {"type": name, "peerID": s.socket_sid}
            if name == "ice-candidate":
                message["candidate"] = event["candidate"]
            else:
                message["description"] = event["description"]
            self.to_sfu(message)

    def join(self, s: Session, channel: str):
        u = s.user
        found = self.channels.get(channel)
        if found is None:
            raise g.Refused("unknown_channel")
        if not self.may_enter(found, u.id):
            raise g.Refused("forbidden")
        room = self.room_id(channel)
        if u.channel == channel:
            if self.link != "up":
                raise Ambiguous("a join of one's own room while voice is unavailable")
            self.emit(s.client, {"event": "users", "users": self.members_info(room)})
            return
        limit = found.get("max_users")
        if limit is not None and len(self.rooms.get(room, [])) >= limit:
            raise g.Refused("channel_full")
        self.leave_room(s.client)
        for other in [x for x in self.sessions.values() if x.user is not None
                      and x.user.id == u.id and x is not s]:
            self.leave_room(other.client)
        if room not in self.rooms:
            self.rooms[room] = []
            self.event("room_created", room=room)
        self.rooms[room].append(s.client)
        u.channel = channel
        self.event("joined", conn=s.client, room=room, user_id=u.id)
        self.emit(s.client, {"event": "users", "users": self.members_info(room)})
        for other in self.rooms[room][:-1]:
            self.emit(other, {"event": "user-joined", "user": u.info()})
        if self.link == "up":
            self.announce(s.client, room)
        else:
            self.emit(s.client, {"event": "error", "error": "voice_unavailable"})

    def announce(self, client: str, room: str):
        s = self.sessions[client]
        s.user.announced = True
        self.to_sfu({"type": "join", "roomID": room, "peerID": s.socket_sid,
                     "userID": s.user.id})

    def members_info(self, room: str) -> list:
        return [self.sessions[c].user.info() for c in self.rooms.get(room, [])]

    def updated(self, client: str):
        u = self.sessions[client].user
        room = self.room_id(u.channel)
        for member in self.rooms[room]:
            self.emit(member, {"event": "user-updated", "user": u.info()})

    def leave_room(self, client: str):
        s = self.sessions[client]
        u = s.user
        if u is None or u.channel is None:
            return
        room = self.room_id(u.channel)
        u.channel, u.voice, u.stream = None, False, None
        members = self.rooms[room]
        members.remove(client)
        if u.announced:
            u.announced = False
            self.to_sfu({"type": "leave", "roomID": room, "peerID": s.socket_sid})
        self.event("left", conn=client, room=room, user_id=u.id)
        if not members:
            del self.rooms[room]
            self.event("room_removed", room=room)
        for other in members:
            self.emit(other, {"event": "user-left", "user": u.info()})

    # The SFU link (§8) ------------------------------------------------------------------------

    def sfu_accept(self, now: int):
        assert self.link == "dialing", f"no dial to accept (link {self.link})"
        self.link = "open"
        self.opened_at = now
        self.to_sfu({"type": "hello", "token": self.cfg["server_token"],
                     "server": self.cfg["server_name"]})

    def sfu_text(self, text: str, now: int):
        assert self.link in ("open", "up"), self.link
        message = json.loads(text)
        kind = message["type"]
        if self.link == "open":
            assert kind == "welcome", "only welcome before welcome"
            self.link = "up"
            self.failures = 0
            self.event("sfu_link_up")
            for room in sorted(self.rooms):
                for member in self.rooms[room]:
                    self.announce(member, room)
            return
        peer = next((x for x in self.sessions.values() if x.socket_sid is not None
                     and x.socket_sid == message.get("peerID") and x.user.announced), None)
        assert peer is not None, "vectors do not show messages about unknown peers"
        u = peer.user
        if kind in ("offer", "answer"):
            self.emit(peer.client, {"event": kind, "description": message["description"]})
        elif kind == "ice-candidate":
            self.emit(peer.client, {"event": kind, "candidate": message["candidate"]})
        else:
            before = u.info()
            if kind == "connected":
                u.voice = True
            elif kind == "disconnected":
                u.voice, u.stream = False, None
            elif kind == "track-added":
                u.stream = message["streamID"]
            elif kind == "track-removed" and u.stream == message["streamID"]:
                u.stream = None
            if u.info() != before:
                self.updated(peer.client)

    def sfu_closed(self, now: int):
        """The link ends (§8.6): members lose voice, each is told once; backoff."""
        was_up = self.link == "up"
        self.link = "backoff"
        self.event("sfu_link_down", reason="closed")
        self.failures = 0 if was_up else self.failures + 1
        delay = min(SFU_BACKOFF_MIN_MS * 2 ** max(self.failures - 1, 0), SFU_BACKOFF_MAX_MS)
        self.dial_at = now + delay
        if not was_up:
            return
        members = [c for room in sorted(self.rooms) for c in self.rooms[room]]
        for client in members:
            u = self.sessions[client].user
            u.announced = False
            before = u.info()
            u.voice, u.stream = False, None
            if u.info() != before:
                self.updated(client)
        for client in members:
            self.emit(client, {"event": "error", "error": "voice_unavailable"})

    # HTTP (§9.1) ------------------------------------------------------------------------------

    def http(self, method: str, path: str):
        target, _, query = path.partition("?")
        if target.startswith("/socket.io/"):
            code = g.decide_handshake(method, False, query)
            refusal = g.handshake_refusal(code)
            self.out.response = {"status": refusal["status"], "body": refusal["body"]}
            return
        known = target == "/health" or target in ("/debug/rooms", "/debug/users",
                                                  "/debug/connections") and self.cfg["development"]
        if not known:
            self.out.response = {"status": 404}
        elif method != "GET":
            self.out.response = {"status": 405}
        elif target == "/health":
            users = {s.user.id for s in self.sessions.values() if s.user is not None}
            sfu = {"disabled": "disabled", "up": "up"}.get(self.link, "down")
            self.out.response = {"status": 200, "body": compact({
                "status": "ok", "connections": len(self.sessions), "users": len(users),
                "rooms": len(self.rooms), "sfu": sfu})}
        elif target == "/debug/rooms":
            self.out.response = {"status": 200, "body": compact([
                {"id": room, "channel": self.sessions[members[0]].user.channel,
                 "members": [self.sessions[m].user.id for m in members]}
                for room, members in sorted(self.rooms.items())])}
        elif target == "/debug/connections":
            self.out.response = {"status": 200, "body": compact([
                {"sid": s.engine_sid, "ip": s.ip, "userID": s.user.id if s.user else None}
                for s in self.sessions.values()])}
        else:
            raise Ambiguous("/debug/users: lastSeen and connectionState before any event")

    # Counters and the operator ----------------------------------------------------------------

    def directory(self, change: dict):
        """§6 "Capacity and the directory": apply an operator's change; every room member the new
        directory refuses leaves as by `leave`, then is told why."""
        [(kind, args)] = change.items()
        if kind == "ban":
            self.channels[args["channel"]].setdefault("banned", []).append(args["user"])
        elif kind == "remove_member":
            self.channels[args["channel"]]["members"].remove(args["user"])
        elif kind == "unban":
            self.channels[args["channel"]]["banned"].remove(args["user"])
        elif kind == "remove_channel":
            del self.channels[args["channel"]]
        elif kind == "add_channel":
            self.channels[args["id"]] = dict(args)
        else:
            raise Ambiguous(f"the scenarios do not use {kind}")
        removed = []
        for s in self.sessions.values():
            u = s.user
            if u is None or u.channel is None:
                continue
            found = self.channels.get(u.channel)
            if found is None:
                removed.append((s.client, "unknown_channel"))
            elif not self.may_enter(found, u.id):
                removed.append((s.client, "forbidden"))
        for client, code in removed:
            room = self.room_id(self.sessions[client].user.channel)
            self.leave_room(client)
            self.emit(client, {"event": "error", "error": code})
            self.event("removed", conn=client, room=room, code=code)

    def stats(self) -> dict:
        admitted = [s for s in self.sessions.values() if s.user is not None]
        return {"connections": len(self.sessions), "admitted": len(admitted),
                "users": len({s.user.id for s in admitted}), "rooms": len(self.rooms),
                "room_members": sum(len(m) for m in self.rooms.values()),
                "rate_limited": self.rate_limited}

    def reset(self):
        """§10.1 shutdown, as an operator's reset: `1` then close 1001 on every session, rooms
        forgotten without user-left."""
        for room in self.rooms:
            self.event("room_removed", room=room)
        for client in list(self.sessions):
            self.frame(client, "1")
            self.out.transmits.append({"to": client, "close": 1001})
            self.event("connection_closed", conn=client, reason="server_closing")


def verify(token: str, now_secs: int):
    """§4 step 3 for the tokens the scenarios use: the `sub` of a valid HS256 token signed with
    the fixture's secret, else None. (The codec vectors and hark-core's tests cover the rest.)"""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    _, payload_b64, _ = parts
    padded = payload_b64 + "=" * (-len(payload_b64) % 4)
    try:
        payload = json.loads(base64.urlsafe_b64decode(padded))
    except ValueError:
        return None
    if jwt(payload, secret=SECRET) != token:
        return None
    if payload.get("exp", 0) + 5 < now_secs:
        return None
    return payload.get("sub")


def token(user: str, **kw) -> str:
    return jwt(claims(user, **kw))
