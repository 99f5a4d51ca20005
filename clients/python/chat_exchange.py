#!/usr/bin/env python3
"""Plays an end-to-end-encrypted chat front end against a live `chat` server (chat.md).

    python3 clients/python/chat_exchange.py --url http://127.0.0.1:8080 \\
        [--message-limit 30] [--join-limit 5] [--connection-limit-per-ip 10] \\
        [--max-message-size 10240] [--max-users-per-room 100] [--block-threshold 20] \\
        [--heartbeat-interval 30] [--heartbeat-timeout 60]

alice, bob and carol join one room over `GET /ws` with the `websockets` package, as a front end of
the seed's protocol does, and exchange what such a front end sends: ciphertext `message`s (base64,
base64url, hex, a JSON envelope, one frame of exactly `max_message_size` bytes), `typing`,
`reaction`s, `leave`, a second `join` to another room and to the same one, and a close; with a
short `heartbeat_timeout`, a silent front end is kept while it answers the server's pings and one
that stops answering (a raw socket) is closed with 1001 and leaves its room. Then one connection
per limit: every error code a front end can meet, each answered with its exact §6 frame on a
connection that stays open, the message and join rate limits, a full room, the per-IP connection
limit (the upgrade refused with 429) and, last, IP blocking: the `block_threshold`-th violation
closes every connection of the IP with IP_BLOCKED and 1008, and the next upgrade is refused with
403. `GET /health` (urllib) is read before, during and after.

The limits given must be the server's (the defaults are the spec's). Every violation the exchange
causes is counted, so the blocking check sends exactly the violations still missing: the whole
run must stay within one `violation_window` (60 s), which the `--deadline` guarantees. The run
ends with this machine's address blocked on that server for `block_duration`.

Frames are compared as text where the spec fixes them byte for byte (§3: member order, no
spaces, `avatar` always present); message ids and timestamps by shape. "Nothing arrived" is shown
with a barrier, not a sleep: a `ping`'s `pong` comes after everything the server sent that
connection before answering it.

Prints one line per check, PASS or FAIL. Exit status: 0 every check passed; 1 a check failed (the
line says which and why; the checks after it depend on it and are not run); 2 bad usage, the
server could not be reached, or `websockets` (>= 13) is missing.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import re
import secrets
import sys
import time
import urllib.error
import urllib.request
from collections import OrderedDict
from datetime import datetime, timezone
from email.message import Message
from typing import Any, Awaitable, Callable
from urllib.parse import urlsplit

try:
    import websockets
    from websockets.asyncio.client import ClientConnection, connect
    from websockets.exceptions import ConnectionClosed, InvalidStatus
except ImportError:
    print("error: chat_exchange.py needs websockets >= 13: python3 -m pip install 'websockets>=13'")
    sys.exit(2)

# §6: the exact message of every code, and whether it counts as a violation of the IP (§7).
ERRORS: dict[str, tuple[str, bool]] = {
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

SEED_STATS = ["uptime_seconds", "active_connections", "active_rooms", "total_users"]
HARK_STATS = ["rate_limited", "violations", "blocked_ips", "refused_connections"]

UUID_V4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
ISO_MILLIS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")
# The server runs on this machine (or one with a synchronised clock): its timestamps are "now".
CLOCK_TOLERANCE_S = 120.0
CLOSE_GOING_AWAY = 1001
CLOSE_POLICY_VIOLATION = 1008
# The heartbeat check waits about heartbeat_timeout: it runs when that is at most this long.
MAX_HEARTBEAT_WAIT_S = 10.0


class CheckFailed(Exception):
    """A server answered, but not as the spec says."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def compact(value: Any) -> str:
    """JSON as the server writes it: no spaces, non-ASCII characters as they are."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def ordered(text: str) -> OrderedDict[str, Any]:
    """Parses a JSON object keeping its member order; a non-object fails the check."""
    try:
        value = json.loads(text, object_pairs_hook=OrderedDict)
    except ValueError as e:
        raise CheckFailed(f"not JSON ({e}): {text[:200]!r}") from None
    expect(isinstance(value, OrderedDict), f"not a JSON object: {text[:200]!r}")
    return value


def error_frame(code: str) -> str:
    return compact({"type": "error", "code": code, "message": ERRORS[code][0]})


def check_timestamp(value: object, what: str) -> None:
    """`Date.prototype.toISOString()` of the server's clock: milliseconds, `Z`, about now."""
    expect(
        isinstance(value, str) and ISO_MILLIS.fullmatch(value) is not None,
        f"{what} {value!r} is not YYYY-MM-DDTHH:MM:SS.mmmZ",
    )
    assert isinstance(value, str)
    stamp = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    skew = abs(stamp.timestamp() - time.time())
    expect(skew <= CLOCK_TOLERANCE_S, f"{what} {value} is {skew:.0f} s away from this clock")


def close_text(e: ConnectionClosed) -> str:
    if e.rcvd is None:
        return "without a close frame"
    return f"with close code {e.rcvd.code} {e.rcvd.reason!r}"


class User:
    """A front end's user: what it sends in `join`, and the `user` object the server writes."""

    def __init__(self, user_id: str, name: str, avatar: str | None, send_avatar: bool = True):
        self.id = user_id
        self.name = name
        self.avatar = avatar
        self.send_avatar = send_avatar

    def join_data(self) -> dict[str, Any]:
        # An E2EE front end may send more with its user (here its public key): members the spec
        # does not list are ignored (§2) and never echoed (§3).
        user: dict[str, Any] = {"id": self.id, "name": self.name, "publicKey": "MCowBQYDK2VwAyEA"}
        if self.send_avatar:
            user["avatar"] = self.avatar
        return user

    def echo(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "avatar": self.avatar}


class Peer:
    """One WebSocket connection of a front end, with bounded waits.

    Frames are taken as they arrive, as a browser's `onmessage` does, and queued with the close
    last: websockets before 15 drops the frames not yet read when the close frame comes, and an
    IP block sends `IP_BLOCKED` just before closing."""

    def __init__(self, label: str, ws: ClientConnection, timeout: float, exchange: Exchange):
        self.label = label
        self.ws = ws
        self.timeout = timeout
        self.exchange = exchange
        self.user: User | None = None
        self.arrived: asyncio.Queue[str | bytes | ConnectionClosed] = asyncio.Queue()
        self.reader = asyncio.create_task(self.read())

    async def read(self) -> None:
        try:
            while True:
                self.arrived.put_nowait(await self.ws.recv())
        except ConnectionClosed as e:
            self.arrived.put_nowait(e)

    async def send(self, frame: str | bytes | dict[str, Any]) -> None:
        await self.ws.send(compact(frame) if isinstance(frame, dict) else frame)

    async def next_arrival(self, waiting_for: str) -> str | bytes | ConnectionClosed:
        try:
            return await asyncio.wait_for(self.arrived.get(), self.timeout)
        except asyncio.TimeoutError:
            raise CheckFailed(f"{self.label} received {waiting_for} within {self.timeout} s")

    async def recv(self) -> str:
        frame = await self.next_arrival("nothing")
        if isinstance(frame, ConnectionClosed):
            self.arrived.put_nowait(frame)
            raise CheckFailed(f"{self.label}'s connection was closed {close_text(frame)}")
        if isinstance(frame, bytes):
            raise CheckFailed(f"{self.label} received a binary frame: {frame[:60]!r}")
        return frame

    async def expect(self, expected: str) -> None:
        got = await self.recv()
        expect(
            got == expected, f"{self.label} received {got[:300]}\n     expected {expected[:300]}"
        )

    async def quiet(self) -> None:
        """Nothing reached this connection before the pong of a ping sent now."""
        await self.send({"type": "ping"})
        got = await self.recv()
        expect(got == '{"type":"pong"}', f"{self.label} received {got[:300]} (expected nothing)")

    async def refused(self, frame: str | bytes | dict[str, Any], code: str) -> None:
        """`frame` is answered with the §6 error `code`; the connection stays open."""
        await self.send(frame)
        await self.error(code)
        await self.quiet()

    async def error(self, code: str) -> None:
        await self.expect(error_frame(code))
        if ERRORS[code][1]:
            self.exchange.violations += 1
        if code in ("RATE_LIMITED", "JOIN_RATE_LIMITED"):
            self.exchange.limited += 1

    async def join(self, room: str, user: User) -> None:
        self.user = user
        await self.send({"type": "join", "data": {"room": room, "user": user.join_data()}})

    async def closed_by_server(self, code: int) -> None:
        frame = await self.next_arrival("no close")
        if isinstance(frame, ConnectionClosed):
            expect(
                frame.rcvd is not None and frame.rcvd.code == code,
                f"{self.label} was closed {close_text(frame)}, not with {code}",
            )
            return
        raise CheckFailed(f"{self.label} received {frame[:300]!r} instead of a close")

    async def close(self) -> None:
        await self.ws.close()
        await self.reader


class Sleeper:
    """A front end whose machine went to sleep: it joined, then answers nothing, not even the
    server's WebSocket pings. websockets always answers them, so this is a raw RFC 6455 client
    on a TCP stream (standard library only)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, host: str, port: int, timeout: float) -> Sleeper:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        key = base64.b64encode(secrets.token_bytes(16)).decode()
        writer.write(
            (
                f"GET /ws HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
        accept = base64.b64encode(
            hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()
        ).decode()
        status = head.split(b"\r\n", 1)[0]
        expect(status.startswith(b"HTTP/1.1 101"), f"the sleeper's upgrade got {status!r}")
        expect(accept.encode() in head, "the sleeper's upgrade has a wrong Sec-WebSocket-Accept")
        return cls(reader, writer)

    def send_text(self, text: str) -> None:
        payload = text.encode()
        if len(payload) < 126:
            header = bytes([0x81, 0x80 | len(payload)])
        else:
            header = bytes([0x81, 0x80 | 126]) + len(payload).to_bytes(2, "big")
        mask = secrets.token_bytes(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.writer.write(header + mask + masked)

    async def frame(self) -> tuple[int, bytes]:
        """The next frame from the server (unmasked, unfragmented): opcode and payload."""
        first, second = await self.reader.readexactly(2)
        length = second & 0x7F
        if length == 126:
            length = int.from_bytes(await self.reader.readexactly(2), "big")
        elif length == 127:
            length = int.from_bytes(await self.reader.readexactly(8), "big")
        return first & 0x0F, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


def user_list(*users: User) -> str:
    return compact({"type": "userList", "users": [u.echo() for u in users]})


def user_joined(user: User) -> str:
    return compact({"type": "userJoined", "user": user.echo()})


def user_left(user: User) -> str:
    return compact({"type": "userLeft", "userId": user.id})


def ciphertext(size: int) -> str:
    """Base64 of random bytes, `size` characters: what an E2EE front end sends as `content`."""
    return base64.b64encode(secrets.token_bytes(size))[:size].decode("ascii")


class Exchange:
    """The connections and the checks, run in order; each check relies on the ones before."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        base = urlsplit(args.url)
        self.http_base = f"http://{base.netloc}"
        self.ws_url = f"ws://{base.netloc}/ws"
        tag = secrets.token_hex(3)
        self.room = f"e2ee-{tag}"
        self.other_room = f"e2ee-{tag}.2"
        self.tag = tag
        self.peers: dict[str, Peer] = {}
        self.violations = 0
        # What this exchange caused, for /health's counters (§8).
        self.limited = 0
        self.refusals = 0
        self.baseline: dict[str, int] = {}
        self.message_ids: set[str] = set()
        self.first_message = ""
        self.alice = User(f"alice-{tag}", "Alice", None)
        self.bob = User(f"bob-{tag}", "Bob Ørsted", None, send_avatar=False)
        self.carol = User(f"carol_{tag}", "Carol 🎧", "data:image/png;base64,iVBORw0KGgo=")

    def checks(self) -> list[tuple[str, Callable[[], Awaitable[None]]]]:
        a = self.args
        checks: list[tuple[str, Callable[[], Awaitable[None]]]] = [
            ("GET /health: status, timestamp, the seed's stats, then hark's counters", self.health),
            ("GET / answers the same health JSON", self.health_root),
            ("HTTP refusals: another path 404, /ws without upgrade 426, POST 405 Allow: GET",
             self.http_refusals),
            ("alice, bob and carol open WebSocket connections to /ws (carol's with a query)",
             self.open),
            ("ping is answered by pong", self.ping),
            ("alice joins: userList [alice], avatar null, extra members dropped", self.join_alice),
            ("bob joins: userList [alice, bob]; alice receives userJoined bob", self.join_bob),
            ("carol joins: userList in join order; the others receive userJoined", self.join_carol),
            ("/health counts the three connections, their room and its users", self.health_room),
            ("a message reaches the room, sender included: UUID v4 id, ISO timestamp",
             self.message),
            ("base64url, hex and JSON-envelope ciphertexts are relayed unchanged", self.encodings),
            (f"a frame of exactly max_message_size ({a.max_message_size}) bytes is relayed",
             self.largest_message),
            ("two senders at once: everyone sees the messages in one order", self.one_order),
            ("typing reaches the others only, true then false", self.typing),
            ("a reaction reaches the room, sender included", self.reaction),
            ("a second connection joining as bob is refused: DUPLICATE_USER", self.duplicate_user),
            ("carol leaves: the others receive userLeft; carol nothing", self.leave),
            ("outside a room, message, typing, reaction and leave: NOT_IN_ROOM", self.not_in_room),
            ("bob joins another room: alice receives userLeft; bob userList [bob]",
             self.switch_room),
            ("carol joins bob's room; its messages do not reach alice", self.second_room),
            ("carol joins the same room again: bob sees userLeft then userJoined",
             self.rejoin_same_room),
            ("carol closes her connection: bob receives userLeft carol", self.close_leaves),
        ]
        if a.heartbeat_timeout <= MAX_HEARTBEAT_WAIT_S:
            checks.append(
                ("heartbeat: a silent front end that answers pings stays; one that stops answering "
                 "is closed with 1001 and leaves its room", self.heartbeat)
            )
        checks += [
            ("malformed frames: INVALID_JSON, UNKNOWN_TYPE, INVALID_MESSAGE; connection kept",
             self.malformed),
            ("invalid values: INVALID_ROOM, INVALID_USER, INVALID_CONTENT, INVALID_MESSAGE",
             self.invalid_values),
            (f"a frame of {a.max_message_size + 1} bytes: MESSAGE_TOO_LARGE; connection kept",
             self.too_large),
            (f"{a.message_limit} messages and reactions a minute, then RATE_LIMITED",
             self.rate_limited),
            (f"{a.join_limit} joins a minute, then JOIN_RATE_LIMITED", self.join_rate_limited),
        ]
        if self.room_full_fits():
            checks.append(
                (f"a room of {a.max_users_per_room} users refuses the next: ROOM_FULL",
                 self.room_full)
            )
        checks += [
            (f"{a.connection_limit_per_ip} connections from one IP, then the upgrade is refused: "
             "429 TOO_MANY_CONNECTIONS", self.connection_limit),
            ("a closed connection frees its slot", self.slot_freed),
            ("/health counts exactly the refusals, the violations and the rate limiting",
             self.health_counters),
            (f"the {a.block_threshold}th violation: IP_BLOCKED to every connection of the IP, "
             "closed with 1008", self.blocked),
            ("a blocked IP's upgrade is refused: 403 IP_BLOCKED", self.blocked_refused),
            ("/health, still served to the blocked IP, counts the block and the 403",
             self.health_blocked),
        ]
        return checks

    # -- connections --------------------------------------------------------------------------

    async def connect(self, label: str, query: str = "") -> Peer:
        """Opens a connection. A 429 is retried for a second: the server may still be tearing
        down a connection this exchange has just closed (its close handshake is done, but its
        slot of the per-IP limit is freed when the server has handled it)."""
        for _ in range(10):
            try:
                ws = await connect(self.ws_url + query, **self.connect_options())
            except InvalidStatus as e:
                self.refusals += 1
                expect(e.response.status_code == 429, f"{label}'s upgrade was refused: {e}")
                await asyncio.sleep(0.1)
                continue
            peer = Peer(label, ws, self.args.step_timeout, self)
            self.peers[label] = peer
            return peer
        raise CheckFailed(f"{label}'s upgrade was still refused with 429 after a second")

    def connect_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {
            "open_timeout": self.args.step_timeout,
            "close_timeout": self.args.step_timeout,
            # A browser front end sends no WebSocket pings; the server's heartbeat is its own.
            "ping_interval": None,
        }
        if int(websockets.__version__.split(".")[0]) >= 15:
            options["proxy"] = None  # the server is reached directly, whatever the environment
        return options

    async def refused_upgrade(self) -> InvalidStatus:
        try:
            ws = await connect(self.ws_url, **self.connect_options())
        except InvalidStatus as e:
            self.refusals += 1
            return e
        await ws.close()
        raise CheckFailed("the upgrade was accepted")

    async def close(self, label: str) -> None:
        await self.peers.pop(label).close()

    async def close_all(self) -> None:
        for label in list(self.peers):
            try:
                await self.close(label)
            except Exception:  # the run is over: a connection that fails to close is fine
                pass

    def peer(self, label: str) -> Peer:
        return self.peers[label]

    # -- HTTP ---------------------------------------------------------------------------------

    async def http_request(self, method: str, path: str) -> tuple[int, Message, str]:
        """Status, headers and body of `method path`, without any proxy of the environment."""

        def request() -> tuple[int, Message, str]:
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            body = b"{}" if method == "POST" else None
            req = urllib.request.Request(self.http_base + path, data=body, method=method)
            try:
                with opener.open(req, timeout=self.args.step_timeout) as r:
                    return r.status, r.headers, r.read().decode()
            except urllib.error.HTTPError as e:
                return e.code, e.headers, e.read().decode()

        return await asyncio.to_thread(request)

    async def read_health(self, path: str = "/health") -> dict[str, int]:
        status, headers, body = await self.http_request("GET", path)
        content_type = headers.get("Content-Type", "")
        expect(status == 200, f"GET {path} answered {status}: {body[:200]}")
        expect(
            content_type.startswith("application/json"),
            f"GET {path} Content-Type is {content_type!r}",
        )
        health = ordered(body)
        expect(
            list(health) == ["status", "timestamp", "stats"],
            f"members are {list(health)}, not status, timestamp, stats",
        )
        expect(health["status"] == "healthy", f"status is {health['status']!r}")
        check_timestamp(health["timestamp"], "timestamp")
        stats = health["stats"]
        expect(isinstance(stats, OrderedDict), f"stats is {stats!r}")
        names = list(stats)
        expect(names[:4] == SEED_STATS, f"stats begin {names[:4]}, not the seed's {SEED_STATS}")
        missing = [n for n in HARK_STATS if n not in names[4:]]
        expect(not missing, f"stats lack hark's counters {missing} after the seed's: {names}")
        for name, value in stats.items():
            expect(
                isinstance(value, int) and not isinstance(value, bool) and value >= 0,
                f"stats.{name} is {value!r}, not a count",
            )
        return dict(stats)

    async def counted(self, blocked_ips: int = 0) -> None:
        """/health's counters grew by exactly what this exchange caused (§8): nobody else uses
        the server."""
        stats = await self.read_health()
        for name, grown in (
            ("rate_limited", self.limited),
            ("violations", self.violations),
            ("refused_connections", self.refusals),
            ("blocked_ips", blocked_ips),
        ):
            wanted = self.baseline[name] + grown
            expect(stats[name] == wanted, f"stats.{name} is {stats[name]}, expected {wanted}")

    # -- checks: HTTP ---------------------------------------------------------------------------

    async def health(self) -> None:
        self.baseline = await self.read_health()

    async def health_root(self) -> None:
        await self.read_health("/")

    async def http_refusals(self) -> None:
        for method, path, status, error in (
            ("GET", f"/no-such-page-{self.tag}", 404, "not found"),
            ("GET", "/ws", 426, "upgrade required"),
            ("POST", "/health", 405, "method not allowed"),
        ):
            got, headers, body = await self.http_request(method, path)
            what = f"{method} {path}"
            expect(got == status, f"{what} answered {got}, not {status}")
            expect(
                headers.get("Content-Type", "").startswith("application/json"),
                f"{what}: Content-Type {headers.get('Content-Type')!r}",
            )
            expect(ordered(body) == {"error": error}, f"{what}: body {body[:200]!r}")
            if status == 405:
                expect(headers.get("Allow") == "GET", f"{what}: Allow {headers.get('Allow')!r}")

    # -- checks: one room -----------------------------------------------------------------------

    async def open(self) -> None:
        await self.connect("alice")
        await self.connect("bob")
        # The query string is ignored (§1): front ends put a version or a room there.
        await self.connect("carol", f"?v=2&room={self.room}")

    async def ping(self) -> None:
        for peer in self.peers.values():
            await peer.quiet()

    async def join_alice(self) -> None:
        alice = self.peer("alice")
        await alice.join(self.room, self.alice)
        await alice.expect(user_list(self.alice))

    async def join_bob(self) -> None:
        bob = self.peer("bob")
        await bob.join(self.room, self.bob)
        await bob.expect(user_list(self.alice, self.bob))
        await self.peer("alice").expect(user_joined(self.bob))

    async def join_carol(self) -> None:
        carol = self.peer("carol")
        await carol.join(self.room, self.carol)
        await carol.expect(user_list(self.alice, self.bob, self.carol))
        for label in ("alice", "bob"):
            await self.peer(label).expect(user_joined(self.carol))
        for peer in self.peers.values():
            await peer.quiet()

    async def health_room(self) -> None:
        stats = await self.read_health()
        for name, grown in (("active_connections", 3), ("active_rooms", 1), ("total_users", 3)):
            wanted = self.baseline[name] + grown
            expect(stats[name] == wanted, f"stats.{name} is {stats[name]}, expected {wanted}")

    async def relayed(self, sender: Peer, content: str, room: list[Peer], **extra: Any) -> str:
        """`sender` sends `content`; every peer of `room` (sender included) receives the same
        `message`, byte for byte as §3 writes it. Returns the message id."""
        assert sender.user is not None
        await sender.send({"type": "message", "data": {"content": content, **extra}})
        first: OrderedDict[str, Any] | None = None
        for peer in room:
            raw = await peer.recv()
            got = ordered(raw)
            if first is None:
                first = got
                expect(got.get("type") == "message", f"{peer.label} received {raw[:300]}")
                id_ = got.get("id")
                expect(
                    isinstance(id_, str) and UUID_V4.fullmatch(id_) is not None,
                    f"message id {id_!r} is not a lowercase UUID v4",
                )
                expect(id_ not in self.message_ids, f"message id {id_} was used before")
                check_timestamp(got.get("timestamp"), "message timestamp")
            wanted = compact(
                {
                    "type": "message",
                    "id": first["id"],
                    "user": sender.user.echo(),
                    "content": content,
                    "timestamp": first["timestamp"],
                }
            )
            expect(
                raw == wanted, f"{peer.label} received {raw[:300]}\n     expected {wanted[:300]}"
            )
        assert first is not None
        self.message_ids.add(first["id"])
        return str(first["id"])

    def main_room(self) -> list[Peer]:
        return [self.peer(label) for label in ("alice", "bob", "carol")]

    async def message(self) -> None:
        # An extra member in `data`, as front ends that send their nonce beside the ciphertext.
        self.first_message = await self.relayed(
            self.peer("alice"), ciphertext(64), self.main_room(), nonce="AAECAwQFBgcICQoL"
        )

    async def encodings(self) -> None:
        raw = secrets.token_bytes(48)
        contents = [
            base64.urlsafe_b64encode(raw).decode().rstrip("="),
            raw.hex(),
            compact({"v": 1, "iv": base64.b64encode(raw[:12]).decode(),
                     "ct": base64.b64encode(raw).decode()}),
        ]
        for content in contents:
            await self.relayed(self.peer("bob"), content, self.main_room())

    async def largest_message(self) -> None:
        carol = self.peer("carol")
        empty = compact({"type": "message", "data": {"content": ""}})
        content = ciphertext(self.args.max_message_size - len(empty.encode()))
        frame = compact({"type": "message", "data": {"content": content}})
        expect(len(frame.encode()) == self.args.max_message_size, "miscounted the frame")
        await self.relayed(carol, content, self.main_room())

    async def one_order(self) -> None:
        alice, bob = self.peer("alice"), self.peer("bob")
        sent = {alice.label: ciphertext(40), bob.label: ciphertext(40)}
        await asyncio.gather(
            *(p.send({"type": "message", "data": {"content": sent[p.label]}}) for p in (alice, bob))
        )
        orders = []
        for peer in self.main_room():
            frames = [ordered(await peer.recv()) for _ in range(2)]
            for frame in frames:
                expect(frame.get("type") == "message", f"{peer.label} received {frame}")
            orders.append([(f["id"], f["content"]) for f in frames])
        expect(all(o == orders[0] for o in orders), f"the room saw different orders: {orders}")
        expect(
            sorted(c for _, c in orders[0]) == sorted(sent.values()),
            f"contents {orders[0]} are not the two sent",
        )

    async def typing(self) -> None:
        bob = self.peer("bob")
        assert bob.user is not None
        for is_typing in (True, False):
            await bob.send({"type": "typing", "data": {"isTyping": is_typing}})
            wanted = compact({"type": "userTyping", "user": bob.user.echo(), "isTyping": is_typing})
            for label in ("alice", "carol"):
                await self.peer(label).expect(wanted)
            await bob.quiet()

    async def reaction(self) -> None:
        carol = self.peer("carol")
        assert carol.user is not None
        for emoji in ("👍", "❤️"):
            await carol.send(
                {"type": "reaction", "data": {"messageId": self.first_message, "emoji": emoji}}
            )
            wanted = compact(
                {"type": "reaction", "messageId": self.first_message, "user": carol.user.echo(),
                 "emoji": emoji}
            )
            for peer in self.main_room():
                await peer.expect(wanted)

    async def duplicate_user(self) -> None:
        impostor = await self.connect("impostor")
        await impostor.join(self.room, User(self.bob.id, "Not Bob", None))
        await impostor.error("DUPLICATE_USER")
        await impostor.quiet()
        for peer in self.main_room():
            await peer.quiet()
        await self.close("impostor")

    async def leave(self) -> None:
        carol = self.peer("carol")
        await carol.send({"type": "leave"})
        for label in ("alice", "bob"):
            await self.peer(label).expect(user_left(self.carol))
        await carol.quiet()

    async def not_in_room(self) -> None:
        carol = self.peer("carol")
        for frame in (
            {"type": "message", "data": {"content": ciphertext(16)}},
            {"type": "typing", "data": {"isTyping": True}},
            {"type": "reaction", "data": {"messageId": self.first_message, "emoji": "👍"}},
            {"type": "leave"},
        ):
            await carol.refused(frame, "NOT_IN_ROOM")
        for label in ("alice", "bob"):
            await self.peer(label).quiet()

    async def switch_room(self) -> None:
        bob = self.peer("bob")
        await bob.join(self.other_room, self.bob)
        await bob.expect(user_list(self.bob))
        await self.peer("alice").expect(user_left(self.bob))

    async def second_room(self) -> None:
        carol, bob, alice = self.peer("carol"), self.peer("bob"), self.peer("alice")
        await carol.join(self.other_room, self.carol)
        await carol.expect(user_list(self.bob, self.carol))
        await bob.expect(user_joined(self.carol))
        await self.relayed(carol, ciphertext(32), [carol, bob])
        await alice.quiet()
        await self.relayed(alice, ciphertext(32), [alice])
        await bob.quiet()
        await carol.quiet()

    async def rejoin_same_room(self) -> None:
        carol, bob = self.peer("carol"), self.peer("bob")
        await carol.join(self.other_room, self.carol)
        await carol.expect(user_list(self.bob, self.carol))
        await bob.expect(user_left(self.carol))
        await bob.expect(user_joined(self.carol))
        await self.peer("alice").quiet()

    async def close_leaves(self) -> None:
        await self.close("carol")
        await self.peer("bob").expect(user_left(self.carol))
        await self.peer("alice").quiet()

    async def heartbeat(self) -> None:
        alice = self.peer("alice")
        url = urlsplit(self.ws_url)
        assert url.hostname is not None and url.port is not None
        sleeper = await Sleeper.open(url.hostname, url.port, self.args.step_timeout)
        user = User(f"sleeper-{self.tag}", "Sleeper", None)
        sleeper.send_text(compact({"type": "join", "data": {"room": self.room,
                                                            "user": user.join_data()}}))
        await alice.expect(user_joined(user))
        # From here neither alice nor the sleeper sends anything; only alice's websockets answers
        # the server's pings.
        silent_since = time.monotonic()
        pings, texts = 0, []
        limit = self.args.heartbeat_timeout + self.args.heartbeat_interval + self.args.step_timeout
        try:
            while True:
                opcode, payload = await asyncio.wait_for(sleeper.frame(), limit)
                if opcode == 0x9:
                    pings += 1
                elif opcode == 0x1:
                    texts.append(payload.decode())
                elif opcode == 0x8:
                    break
        except (asyncio.TimeoutError, asyncio.IncompleteReadError):
            raise CheckFailed(f"the sleeper was not closed within {limit} s") from None
        finally:
            sleeper.close()
        silent = time.monotonic() - silent_since
        code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else None
        expect(texts == [user_list(self.alice, user)], f"the sleeper received {texts}")
        expect(pings >= 1, "the sleeper was closed without a ping first")
        expect(code == CLOSE_GOING_AWAY, f"the sleeper was closed with {code}, not 1001")
        expect(
            silent >= self.args.heartbeat_timeout - self.args.heartbeat_interval,
            f"the sleeper was closed after {silent:.2f} s of silence, "
            f"heartbeat_timeout is {self.args.heartbeat_timeout} s",
        )
        await alice.expect(user_left(user))
        await alice.quiet()

    # -- checks: errors and limits --------------------------------------------------------------

    async def malformed(self) -> None:
        eve = await self.connect("eve")
        for frame, code in (
            ("{not json", "INVALID_JSON"),
            ('["join"]', "INVALID_JSON"),
            ('{"type":"shout","data":{}}', "UNKNOWN_TYPE"),
            ('{"type":"join"}', "INVALID_MESSAGE"),
            ('{"type":"typing","data":{"isTyping":"yes"}}', "INVALID_MESSAGE"),
            (b"\x00binary ciphertext", "INVALID_MESSAGE"),
        ):
            await eve.refused(frame, code)

    async def invalid_values(self) -> None:
        eve = self.peer("eve")
        eve_user = User(f"eve-{self.tag}", "Eve", None)
        await eve.refused(
            {"type": "join", "data": {"room": "no spaces here", "user": eve_user.join_data()}},
            "INVALID_ROOM",
        )
        for bad_user in (User("eve/1", "Eve", None), User(f"eve-{self.tag}", "   ", None)):
            await eve.refused(
                {"type": "join", "data": {"room": self.room, "user": bad_user.join_data()}},
                "INVALID_USER",
            )
        await eve.join(f"e2ee-{self.tag}.eve", eve_user)
        await eve.expect(user_list(eve_user))
        for plaintext in ("héllo, forgot to encrypt", "line one\nline two"):
            await eve.refused(
                {"type": "message", "data": {"content": plaintext}}, "INVALID_CONTENT"
            )
        await eve.refused(
            {"type": "reaction", "data": {"messageId": self.first_message, "emoji": "a b"}},
            "INVALID_MESSAGE",
        )

    async def too_large(self) -> None:
        eve = self.peer("eve")
        empty = compact({"type": "message", "data": {"content": ""}})
        content = ciphertext(self.args.max_message_size + 1 - len(empty.encode()))
        await eve.refused({"type": "message", "data": {"content": content}}, "MESSAGE_TOO_LARGE")
        await self.close("eve")

    async def rate_limited(self) -> None:
        frank = await self.connect("frank")
        user = User(f"frank-{self.tag}", "Frank", None)
        await frank.join(f"e2ee-{self.tag}.frank", user)
        await frank.expect(user_list(user))
        for _ in range(self.args.message_limit - 1):
            await self.relayed(frank, ciphertext(24), [frank])
        react = {"type": "reaction", "data": {"messageId": self.first_message, "emoji": "🔥"}}
        await frank.send(react)
        got = ordered(await frank.recv())
        expect(got.get("type") == "reaction", f"the reaction within the limit got {got}")
        await frank.refused({"type": "message", "data": {"content": ciphertext(24)}},
                            "RATE_LIMITED")
        await frank.refused(react, "RATE_LIMITED")
        # Typing has its own, silent limit (§10.7): it is not refused for frank's messages.
        await frank.send({"type": "typing", "data": {"isTyping": True}})
        await frank.quiet()
        await self.close("frank")

    async def join_rate_limited(self) -> None:
        grace = await self.connect("grace")
        user = User(f"grace-{self.tag}", "Grace", None)
        for i in range(self.args.join_limit):
            await grace.join(f"e2ee-{self.tag}.grace{i % 2}", user)
            await grace.expect(user_list(user))
        await grace.refused(
            {"type": "join", "data": {"room": f"e2ee-{self.tag}.grace", "user": user.join_data()}},
            "JOIN_RATE_LIMITED",
        )
        await self.close("grace")

    def room_full_fits(self) -> bool:
        """ROOM_FULL needs a full room and one more connection within the per-IP limit; the
        alice and bob connections stay open."""
        return self.args.max_users_per_room + 1 + 2 <= self.args.connection_limit_per_ip

    async def room_full(self) -> None:
        room = f"e2ee-{self.tag}.full"
        members: list[User] = []
        for i in range(self.args.max_users_per_room):
            peer = await self.connect(f"member{i}")
            user = User(f"member{i}-{self.tag}", f"Member {i}", None)
            await peer.join(room, user)
            members.append(user)
            await peer.expect(user_list(*members))
            for j in range(i):
                await self.peer(f"member{j}").expect(user_joined(user))
        late = await self.connect("late")
        await late.join(room, User(f"late-{self.tag}", "Late", None))
        await late.error("ROOM_FULL")
        await late.quiet()
        for i in range(self.args.max_users_per_room):
            await self.peer(f"member{i}").quiet()
        for label in [f"member{i}" for i in range(self.args.max_users_per_room)] + ["late"]:
            await self.close(label)

    async def connection_limit(self) -> None:
        for i in range(self.args.connection_limit_per_ip - len(self.peers)):
            await self.connect(f"extra{i}")
        refusal = await self.refused_upgrade()
        status, body = refusal.response.status_code, refusal.response.body or b""
        expect(status == 429, f"the upgrade was refused with {status}, not 429")
        expect(
            ordered(body.decode(errors="replace")) == {"error": "TOO_MANY_CONNECTIONS"},
            f"the 429's body is {body[:200]!r}",
        )

    async def slot_freed(self) -> None:
        extras = [label for label in self.peers if label.startswith("extra")]
        await self.close(extras[0])
        await self.connect("reconnected")
        for label in [label for label in self.peers if label.startswith("extra")]:
            await self.close(label)
        await self.close("reconnected")

    async def health_counters(self) -> None:
        await self.counted()

    async def blocked(self) -> None:
        missing = self.args.block_threshold - self.violations
        expect(
            missing >= 1,
            f"the exchange caused {self.violations} violations before this check: "
            f"block_threshold {self.args.block_threshold} is too low for it",
        )
        mallory = await self.connect("mallory")
        for _ in range(missing - 1):
            await mallory.refused("{not json", "INVALID_JSON")
        # The last violation is answered like the others (§5), then the block closes the IP.
        await mallory.send("{not json")
        await mallory.error("INVALID_JSON")
        for peer in list(self.peers.values()):
            await peer.error("IP_BLOCKED")
            await peer.closed_by_server(CLOSE_POLICY_VIOLATION)
        self.peers.clear()

    async def blocked_refused(self) -> None:
        refusal = await self.refused_upgrade()
        status, body = refusal.response.status_code, refusal.response.body or b""
        expect(status == 403, f"the upgrade was refused with {status}, not 403")
        expect(
            ordered(body.decode(errors="replace")) == {"error": "IP_BLOCKED"},
            f"the 403's body is {body[:200]!r}",
        )

    async def health_blocked(self) -> None:
        await self.counted(blocked_ips=1)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the chat server, e.g. http://127.0.0.1:8080")
    limits = parser.add_argument_group("the server's limits (chat.md §9; defaults are the spec's)")
    limits.add_argument("--message-limit", type=int, default=30)
    limits.add_argument("--join-limit", type=int, default=5)
    limits.add_argument("--connection-limit-per-ip", type=int, default=10)
    limits.add_argument("--max-message-size", type=int, default=10240)
    limits.add_argument("--max-users-per-room", type=int, default=100)
    limits.add_argument("--block-threshold", type=int, default=20)
    limits.add_argument(
        "--heartbeat-interval", type=float, default=30.0, help="seconds (the server's pings)"
    )
    limits.add_argument(
        "--heartbeat-timeout",
        type=float,
        default=60.0,
        help=f"seconds; the heartbeat check runs when it is at most {MAX_HEARTBEAT_WAIT_S:.0f}",
    )
    parser.add_argument("--deadline", type=float, default=40.0, help="seconds for the whole run")
    parser.add_argument("--step-timeout", type=float, default=5.0, help="seconds for one wait")
    args = parser.parse_args(argv)
    url = urlsplit(args.url)
    if url.scheme not in ("http", "ws") or not url.netloc:
        parser.error(f"--url {args.url!r}: expected http://HOST:PORT")
    if args.connection_limit_per_ip < 4:
        parser.error("--connection-limit-per-ip: the exchange needs at least 4 connections")
    if args.max_message_size < 200:
        parser.error("--max-message-size: the exchange's frames need at least 200 bytes")
    if args.deadline > 55:
        parser.error("--deadline: the run must stay within one 60 s violation window")
    return args


async def run(args: argparse.Namespace) -> int:
    start = time.monotonic()
    exchange = Exchange(args)
    try:
        await exchange.http_request("GET", "/health")
    except OSError as e:
        print(f"error: cannot reach {exchange.http_base}: {e}")
        return 2
    checks = exchange.checks()
    try:
        for description, check in checks:
            remaining = args.deadline - (time.monotonic() - start)
            try:
                if remaining <= 0:
                    raise CheckFailed(f"the run's deadline of {args.deadline} s has passed")
                await asyncio.wait_for(check(), remaining)
            except asyncio.TimeoutError:
                print(f"FAIL {description}\n     the run's deadline of {args.deadline} s passed")
                return 1
            except (CheckFailed, ConnectionClosed, InvalidStatus, OSError) as e:
                print(f"FAIL {description}\n     {type(e).__name__}: {e}")
                return 1
            print(f"PASS {description}")
    finally:
        await exchange.close_all()
    print(f"all {len(checks)} checks passed in {time.monotonic() - start:.2f} s")
    return 0


def main(argv: list[str]) -> int:
    return asyncio.run(run(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
