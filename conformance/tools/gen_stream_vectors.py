#!/usr/bin/env python3
"""Generates the `stream` conformance vectors in conformance/vectors/stream/.

Everything here is written from conformance/spec/stream.md (and vectors.md §9 for the format),
with the Python standard library only (`hmac`, `hashlib`, `time`): signatures, routes, Range,
conditional requests, CORS and persistence are a small model of the spec below (`Server`),
nothing is taken from hark. A vector hark fails is a disagreement between the code and the spec.

    python3 conformance/tools/gen_stream_vectors.py          # (re)write the JSON files
    python3 conformance/tools/gen_stream_vectors.py --check  # exit 1 if a file would change

A scenario is raw request bytes (one request, several pipelined, or bytes that are not HTTP) and
the responses the server must write, in order: status, every header in order with its exact
value, and the body as literal bytes and ranges of the fixture's files. Each scenario file is one
server configuration (a group): its secret, allowed origins, max_ranges, cache control and the
wall clock `now` the server reads during the scenario.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import json
import sys
import time
from pathlib import Path

from vectorlib import render
from vectorlib import main as write_or_check

OUT = Path(__file__).resolve().parent.parent / "vectors" / "stream"

# --------------------------------------------------------------------------------------------
# The media fixture (vectors.md §9.1)
# --------------------------------------------------------------------------------------------

TRACK_LEN = 10_000
BIG_LEN = 3 * 1024 * 1024 + 12_345
MAX_ID = "m" * 128

# name, len, mtime, seed (content byte i = splitmix64(seed * 2^32 + i) & 0xff, vectors.md §9.1)
FILES = [
    ("track1.mp3", TRACK_LEN, 1_699_990_000, 1),
    ("empty.mp3", 0, 1_699_900_000, 2),
    ("big.mp3", BIG_LEN, 1_699_000_000, 3),
    ("tone_m4a.m4a", 1_001, 1_699_000_101, 4),
    ("tone_aac.aac", 1_002, 1_699_000_102, 5),
    ("tone_ogg.ogg", 1_003, 1_699_000_103, 6),
    ("tone_opus.opus", 1_004, 1_699_000_104, 7),
    ("tone_flac.flac", 1_005, 1_699_000_105, 8),
    ("tone_wav.wav", 1_006, 1_699_000_106, 9),
    ("tone_webm.webm", 1_007, 1_699_000_107, 10),
    ("dual.mp3", 100, 1_699_500_000, 11),
    ("dual.ogg", 200, 1_699_500_001, 12),
    ("album.ogg", 300, 1_699_600_000, 13),
    ("Shout.MP3", 50, 1_699_600_001, 14),
    ("notes.txt", 60, 1_699_600_002, 15),
    ("a.mp3", 1, 1_699_600_003, 16),
    ("under_score-Dash9.mp3", 70, 1_699_600_004, 17),
    (MAX_ID + ".mp3", 80, 1_699_600_005, 18),
]
DIRECTORIES = ["album.mp3", "folder.mp3"]

MEDIA_TYPES = [
    ("mp3", "audio/mpeg"),
    ("m4a", "audio/mp4"),
    ("aac", "audio/aac"),
    ("ogg", "audio/ogg"),
    ("opus", "audio/ogg"),
    ("flac", "audio/flac"),
    ("wav", "audio/wav"),
    ("webm", "audio/webm"),
]

FILE_META = {name: (length, mtime) for name, length, mtime, _ in FILES}


def fixture() -> dict:
    media = [{"name": n, "len": ln, "mtime": m, "seed": s} for n, ln, m, s in FILES]
    media += [{"name": n, "directory": True} for n in DIRECTORIES]
    return {"media": media}


# --------------------------------------------------------------------------------------------
# The groups (vectors.md §9.2)
# --------------------------------------------------------------------------------------------

BASE = {
    "secret": "hark-stream-conformance-secret",
    "allowed_origins": [],
    "max_ranges": 16,
    "keepalive_requests": 1000,
    "cache_control": "private, max-age=3600",
    "now": 1_700_000_000,
}
STRICT = {
    "secret": "clé secrète ✓ stream",
    "allowed_origins": ["https://app.example", "https://admin.example:8443"],
    "max_ranges": 4,
    "keepalive_requests": 3,
    "cache_control": "public, max-age=60",
    "now": 1_800_000_000,
}

# --------------------------------------------------------------------------------------------
# Dates (stream.md §5, §6.1)
# --------------------------------------------------------------------------------------------

DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
LONG_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def imf(t: int) -> str:
    g = time.gmtime(t)
    return (f"{DAYS[g.tm_wday]}, {g.tm_mday:02d} {MONTHS[g.tm_mon - 1]} {g.tm_year} "
            f"{g.tm_hour:02d}:{g.tm_min:02d}:{g.tm_sec:02d} GMT")


def rfc850(t: int) -> str:
    g = time.gmtime(t)
    return (f"{LONG_DAYS[g.tm_wday]}, {g.tm_mday:02d}-{MONTHS[g.tm_mon - 1]}-{g.tm_year % 100:02d} "
            f"{g.tm_hour:02d}:{g.tm_min:02d}:{g.tm_sec:02d} GMT")


def asctime(t: int) -> str:
    g = time.gmtime(t)
    return (f"{DAYS[g.tm_wday]} {MONTHS[g.tm_mon - 1]} {g.tm_mday:2d} "
            f"{g.tm_hour:02d}:{g.tm_min:02d}:{g.tm_sec:02d} {g.tm_year}")


def parse_date(text: str) -> int | None:
    """§6.1: IMF-fixdate, RFC 850 or asctime; None when it is none of them."""
    for fmt in ("%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %d %H:%M:%S %Y"):
        try:
            parsed = time.strptime(text.replace("  ", " ") if fmt.startswith("%a %b") else text,
                                   fmt)
        except ValueError:
            continue
        t = calendar.timegm(parsed)
        # Only the exact forms this generator writes are dates; anything else is not one.
        if text in (imf(t), rfc850(t), asctime(t)):
            return t
    return None


assert imf(784111777) == "Sun, 06 Nov 1994 08:49:37 GMT"
assert rfc850(784111777) == "Sunday, 06-Nov-94 08:49:37 GMT"
assert asctime(784111777) == "Sun Nov  6 08:49:37 1994"
assert parse_date("Sun Nov  6 08:49:37 1994") == 784111777

# --------------------------------------------------------------------------------------------
# Signatures (stream.md §4)
# --------------------------------------------------------------------------------------------


def sig(secret: str, ident: str, expires) -> str:
    message = f"{ident}|{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed(group: dict, ident: str, expires: int | None = None, path_id: str | None = None,
           extra: str = "") -> str:
    """`/stream/{path_id or ident}?expires=…&sig=…` signed for `ident`, valid for an hour."""
    expires = group["now"] + 3600 if expires is None else expires
    s = sig(group["secret"], ident, expires)
    return f"/stream/{path_id or ident}?expires={expires}&sig={s}{extra}"


# --------------------------------------------------------------------------------------------
# The model of stream.md: one request in, one response plan out
# --------------------------------------------------------------------------------------------

ALLOW_STREAM = "GET, HEAD, OPTIONS"
ALLOW_HEALTH = "GET, HEAD"
EXPOSE = "content-range, content-length, accept-ranges"
HEALTH_TEMPLATE = ('{"status":"ok","service":"stream","connections":<uint>,"requests":<uint>,'
                   '"responses":{"200":<uint>,"206":<uint>,"304":<uint>,"4xx":<uint>,'
                   '"5xx":<uint>},"bytes_sent":<uint>}')
I64_MAX = 2**63 - 1
HEX = set("0123456789abcdefABCDEF")
ID_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


class Request:
    """A request as the runner sends it: the raw bytes come from these parts."""

    def __init__(self, method: str, target: str, headers: list[tuple[str, str]] | None = None,
                 version: str = "HTTP/1.1", host: bool = True, body: str = ""):
        self.method, self.target, self.version = method, target, version
        self.headers = ([("Host", "stream.test")] if host else []) + (headers or [])
        self.body = body
        # The request's number on its connection (§8), set when a scenario is built.
        self.number = 1

    def raw(self) -> str:
        lines = [f"{self.method} {self.target} {self.version}"]
        lines += [f"{n}: {v}" for n, v in self.headers]
        return "\r\n".join(lines) + "\r\n\r\n" + self.body

    def header(self, name: str) -> str | None:
        values = [v for n, v in self.headers if n.lower() == name.lower()]
        assert len(values) <= 1, f"the model reads one {name}"
        return values[0] if values else None


class Plan:
    def __init__(self, status: int, headers: list, body: list, keep_alive: bool):
        self.status, self.headers, self.body, self.keep_alive = status, headers, body, keep_alive

    def json(self, head_only: bool) -> dict:
        return {"status": self.status, "headers": [list(h) for h in self.headers],
                "body": [] if head_only else self.body}


def percent_decode(text: str) -> bytes | None:
    """§2: once, as a whole; None for a `%` not followed by two hex digits."""
    raw, out, i = text.encode(), bytearray(), 0
    while i < len(raw):
        if raw[i] == ord("%"):
            pair = raw[i + 1:i + 3].decode("latin-1")
            if len(pair) != 2 or not set(pair) <= HEX:
                return None
            out.append(int(pair, 16))
            i += 3
        else:
            out.append(raw[i])
            i += 1
    return bytes(out)


def parse_tags(text: str) -> list[tuple[bool, str]] | str | None:
    """§6.1: `*`, or a list of entity tags as (weak, opaque); None when malformed."""
    if text.strip() == "*":
        return "*"
    tags, rest = [], text.strip()
    while True:
        weak = rest.startswith("W/")
        if weak:
            rest = rest[2:]
        if not rest.startswith('"'):
            return None
        end = rest.find('"', 1)
        if end < 0:
            return None
        tags.append((weak, rest[1:end]))
        rest = rest[end + 1:].lstrip(" \t")
        if not rest:
            return tags
        if not rest.startswith(","):
            return None
        rest = rest[1:].lstrip(" \t")


def parse_range(text: str, length: int, max_ranges: int):
    """§7.1: 'ignore', 'unsatisfiable', or the coalesced ranges [(first, last)]."""
    unit, eq, specs = text.partition("=")
    if not eq or unit.lower() != "bytes":
        return "ignore"
    parsed = []
    for spec in specs.split(","):
        spec = spec.strip(" \t")
        first, dash, last = spec.partition("-")
        if not dash or (first and not first.isdigit()) or (last and not last.isdigit()):
            return "ignore"
        if not first and not last:
            return "ignore"
        if not first.isascii() or not last.isascii():
            return "ignore"
        f = int(first) if first else None
        lst = int(last) if last else None
        if f is not None and lst is not None and lst < f:
            return "ignore"
        parsed.append((f, lst))
    if len(parsed) > max_ranges:
        return "ignore"
    if length == 0:
        return "ignore"
    ranges = []
    for f, lst in parsed:
        if f is None:
            if lst > 0:
                ranges.append((max(0, length - lst), length - 1))
        elif f < length:
            ranges.append((f, min(lst if lst is not None else length - 1, length - 1)))
    if not ranges:
        return "unsatisfiable"
    ranges.sort()
    merged = [ranges[0]]
    for f, lst in ranges[1:]:
        if f <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], lst))
        else:
            merged.append((f, lst))
    return merged


class Server:
    def __init__(self, config: dict):
        self.c = config

    # §7.3 -----------------------------------------------------------------------------------
    def allowed(self, origin: str) -> bool:
        return not self.c["allowed_origins"] or origin in self.c["allowed_origins"]

    def cors(self, req: Request) -> list:
        out = []
        origin = req.header("Origin")
        if origin is not None and self.allowed(origin):
            out.append(("Access-Control-Allow-Origin",
                        origin if self.c["allowed_origins"] else "*"))
            out.append(("Access-Control-Expose-Headers", EXPOSE))
        if self.c["allowed_origins"]:
            out.append(("Vary", "Origin"))
        return out

    # §8 -------------------------------------------------------------------------------------
    def persistence(self, req: Request | None, status: int) -> tuple[bool, list]:
        if req is None:
            return False, [("Connection", "close")]
        conn = (req.header("Connection") or "").lower()
        te = req.header("Transfer-Encoding")
        cl = req.header("Content-Length")
        announces = te is not None or (cl is not None and cl != "0")
        if req.version == "HTTP/1.0":
            keep = conn == "keep-alive"
        else:
            keep = conn != "close"
        if announces or status in (400, 408, 431) or req.number >= self.c["keepalive_requests"]:
            keep = False
        if not keep:
            return False, [("Connection", "close")]
        if req.version == "HTTP/1.0":
            return True, [("Connection", "keep-alive")]
        return True, []

    # §6 -------------------------------------------------------------------------------------
    def error(self, req: Request | None, status: int, text: str, extra: list | None = None,
              cors: bool = True) -> Plan:
        body = (text + "\n").encode()
        headers = [("Content-Type", "text/plain; charset=utf-8"),
                   ("Content-Length", str(len(body)))]
        headers += extra or []
        headers.append(("Cache-Control", "no-store"))
        if req is not None and cors:
            headers += self.cors(req)
        headers.append(("Date", imf(self.c["now"])))
        keep, conn = self.persistence(req, status)
        return Plan(status, headers + conn, [{"text": text + "\n"}], keep)

    def no_content(self, req: Request, headers: list) -> Plan:
        headers = headers + [("Date", imf(self.c["now"]))]
        keep, conn = self.persistence(req, 204)
        return Plan(204, headers + conn, [], keep)

    def refusal(self, status: int) -> Plan:
        text = {400: "bad request", 431: "request header fields too large"}[status]
        return self.error(None, status, text)

    # §1–§4 ----------------------------------------------------------------------------------
    def route(self, req: Request, media: dict):
        """The plan, or ('lookup', id) when the signature is good."""
        if req.version == "HTTP/1.1" and req.header("Host") is None:
            return self.error(req, 400, "bad request")
        target = req.target
        if req.method == "OPTIONS" and target == "*":
            return self.no_content(req, [("Allow", ALLOW_STREAM)] + self.cors(req))
        if target.startswith("http://") or target.startswith("https://"):
            after = target.split("//", 1)[1]
            slash = after.find("/")
            assert slash >= 0, "the vectors' absolute targets have a path"
            target = after[slash:]
        if not target.startswith("/"):
            return self.error(req, 400, "bad request")
        raw_path, _, query = target.partition("?")
        path = percent_decode(raw_path)
        if path is None:
            return self.error(req, 400, "bad request")
        if path == b"/health":
            if req.method not in ("GET", "HEAD"):
                return self.error(req, 405, "method not allowed", [("Allow", ALLOW_HEALTH)])
            return "health"
        if not path.startswith(b"/stream/"):
            return self.error(req, 404, "not found")
        ident = path[len(b"/stream/"):]
        if req.method not in ("GET", "HEAD", "OPTIONS"):
            return self.error(req, 405, "method not allowed", [("Allow", ALLOW_STREAM)])
        if not (1 <= len(ident) <= 128 and all(chr(b) in ID_CHARS for b in ident)):
            return self.error(req, 400, "invalid id")
        ident = ident.decode()
        if req.method == "OPTIONS":
            return self.options(req)
        params: dict[str, list[str]] = {}
        for pair in query.split("&") if query else []:
            name, _, value = pair.partition("=")
            dn, dv = percent_decode(name), percent_decode(value)
            assert dn is not None and dv is not None, "the vectors' queries decode"
            params.setdefault(dn.decode("latin-1"), []).append(dv.decode("latin-1"))
        if "expires" not in params or "sig" not in params:
            return self.error(req, 403, "missing signature")
        if len(params["expires"]) > 1 or len(params["sig"]) > 1:
            return self.error(req, 403, "invalid signature")
        expires, given = params["expires"][0], params["sig"][0]
        canonical = expires == "0" or (expires[:1] in set("123456789")
                                       and expires.isascii() and expires.isdigit())
        if not canonical or int(expires) > I64_MAX:
            return self.error(req, 403, "invalid expiry")
        if self.c["now"] > int(expires):
            return self.error(req, 403, "link expired")
        if len(given) != 64 or not set(given) <= HEX or \
                given.lower() != sig(self.c["secret"], ident, expires):
            return self.error(req, 403, "invalid signature")
        return ("lookup", ident)

    def options(self, req: Request) -> Plan:
        """§7.2."""
        method = req.header("Access-Control-Request-Method")
        origin = req.header("Origin")
        if method is None:
            return self.no_content(req, [("Allow", ALLOW_STREAM)] + self.cors(req))
        if origin is not None and self.allowed(origin) and method in ("GET", "HEAD"):
            headers = [("Access-Control-Allow-Origin",
                        origin if self.c["allowed_origins"] else "*"),
                       ("Access-Control-Allow-Methods", "GET, HEAD")]
            asked = req.header("Access-Control-Request-Headers")
            if asked is not None:
                headers.append(("Access-Control-Allow-Headers", asked))
            headers += [("Access-Control-Max-Age", "86400"),
                        ("Vary", "Origin, Access-Control-Request-Method, "
                                 "Access-Control-Request-Headers")]
            return self.no_content(req, headers)
        return self.error(req, 403, "origin not allowed")

    # §5 -------------------------------------------------------------------------------------
    def lookup(self, ident: str, media: dict):
        for ext, ctype in MEDIA_TYPES:
            name = f"{ident}.{ext}"
            if name in FILE_META:
                return name, ctype
        return None

    # §5–§7 ----------------------------------------------------------------------------------
    def respond(self, req: Request, name: str, ctype: str) -> Plan:
        length, mtime = FILE_META[name]
        etag = f'"{mtime:x}-{length:x}"'
        last_modified = imf(mtime)
        if_match = req.header("If-Match")
        tags = parse_tags(if_match) if if_match is not None else None
        if if_match is not None and tags is not None:
            if tags != "*" and not any(not w and f'"{o}"' == etag for w, o in tags):
                return self.error(req, 412, "precondition failed")
        elif if_match is None and req.header("If-Unmodified-Since") is not None:
            t = parse_date(req.header("If-Unmodified-Since"))
            if t is not None and t < mtime:
                return self.error(req, 412, "precondition failed")
        inm = req.header("If-None-Match")
        not_modified = False
        if inm is not None:
            tags = parse_tags(inm)
            if tags == "*" or (isinstance(tags, list) and any(f'"{o}"' == etag for _, o in tags)):
                not_modified = True
        elif req.header("If-Modified-Since") is not None:
            t = parse_date(req.header("If-Modified-Since"))
            if t is not None and t >= mtime:
                not_modified = True
        if not_modified:
            # §6.1 lists what a 304 carries; they keep the order of §6's 200 (a reading:
            # §6.1 does not say "in this order").
            headers = [("Accept-Ranges", "bytes"), ("ETag", etag),
                       ("Last-Modified", last_modified), ("Cache-Control", self.c["cache_control"])]
            headers += self.cors(req) + [("Date", imf(self.c["now"]))]
            keep, conn = self.persistence(req, 304)
            return Plan(304, headers + conn, [], keep)
        ranges = "ignore"
        if req.method == "GET" and req.header("Range") is not None:
            ranges = parse_range(req.header("Range"), length, self.c["max_ranges"])
            if_range = req.header("If-Range")
            if if_range is not None and ranges != "ignore":
                if if_range.startswith('"') or if_range.startswith("W/"):
                    tags = parse_tags(if_range)
                    ok = isinstance(tags, list) and len(tags) == 1 and not tags[0][0] \
                        and f'"{tags[0][1]}"' == etag
                else:
                    ok = parse_date(if_range) == mtime
                if not ok:
                    ranges = "ignore"
        if ranges == "unsatisfiable":
            return self.error(req, 416, "range not satisfiable",
                              [("Content-Range", f"bytes */{length}")])
        tail = [("ETag", etag), ("Last-Modified", last_modified),
                ("Cache-Control", self.c["cache_control"])]
        tail += self.cors(req) + [("Date", imf(self.c["now"]))]
        if ranges == "ignore":
            status, content_range, body = 200, [], [file_part(name, 0, length)]
            content_type = ctype
        elif len(ranges) == 1:
            f, lst = ranges[0]
            status, body = 206, [file_part(name, f, lst - f + 1)]
            content_range = [("Content-Range", f"bytes {f}-{lst}/{length}")]
            content_type = ctype
        else:
            spec = ",".join(f"{f}-{lst}" for f, lst in ranges)
            boundary = "hark-" + hashlib.sha256(f"{etag}|{spec}".encode()).hexdigest()[:16]
            body = []
            for f, lst in ranges:
                body.append({"text": f"--{boundary}\r\nContent-Type: {ctype}\r\n"
                                     f"Content-Range: bytes {f}-{lst}/{length}\r\n\r\n"})
                body.append(file_part(name, f, lst - f + 1))
                body.append({"text": "\r\n"})
            body.append({"text": f"--{boundary}--\r\n"})
            body = merge_text(body)
            status, content_range = 206, []
            content_type = f"multipart/byteranges; boundary={boundary}"
        body = [p for p in body if p.get("len", 1) > 0]
        headers = [("Content-Type", content_type), ("Accept-Ranges", "bytes"),
                   ("Content-Length", str(body_len(body)))] + content_range + tail
        keep, conn = self.persistence(req, status)
        return Plan(status, headers + conn, body, keep)

    def health(self, req: Request) -> Plan:
        headers = [("Content-Type", "application/json"), ("Content-Length", "<uint>"),
                   ("Cache-Control", "no-store")] + self.cors(req) + [("Date", imf(self.c["now"]))]
        keep, conn = self.persistence(req, 200)
        return Plan(200, headers + conn, [{"template": HEALTH_TEMPLATE}], keep)

    def answer(self, req: Request) -> Plan:
        routed = self.route(req, FILE_META)
        if routed == "health":
            return self.health(req)
        if isinstance(routed, tuple):
            found = self.lookup(routed[1], FILE_META)
            if found is None:
                return self.error(req, 404, "not found")
            return self.respond(req, *found)
        return routed


def file_part(name: str, start: int, length: int) -> dict:
    return {"file": name, "start": start, "len": length}


def merge_text(parts: list) -> list:
    out = []
    for p in parts:
        if out and "text" in p and "text" in out[-1]:
            out[-1] = {"text": out[-1]["text"] + p["text"]}
        else:
            out.append(p)
    return out


def body_len(parts: list) -> int:
    return sum(p["len"] if "file" in p else len(p["text"].encode()) for p in parts)


# --------------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------------


class Group:
    def __init__(self, name: str, config: dict):
        self.name, self.config, self.server = name, config, Server(config)
        self.scenarios: list[dict] = []
        self.names: set[str] = set()

    def add(self, name: str, description: str, covers: list[str], requests: list[Request]):
        """A scenario whose responses the model computes: the requests go out in one write."""
        responses, closed = [], False
        for number, req in enumerate(requests, start=1):
            req.number = number
            plan = self.server.answer(req)
            responses.append(plan.json(head_only=req.method == "HEAD"))
            if not plan.keep_alive:
                closed = True
                break
        raw = "".join(r.raw() for r in requests)
        self.raw(name, description, covers, raw, responses, closed)

    def raw(self, name: str, description: str, covers: list[str], request: str,
            responses: list[dict], closed: bool):
        assert name not in self.names, name
        self.names.add(name)
        doc = {"name": name, "description": description, "covers": covers,
               "request": request, "responses": responses, "closed": closed}
        self.scenarios.append(doc)

    def document(self) -> dict:
        return {"config": self.config, "scenarios": self.scenarios}


def get(target: str, *headers, **kw) -> Request:
    return Request("GET", target, list(headers), **kw)


def head(target: str, *headers, **kw) -> Request:
    return Request("HEAD", target, list(headers), **kw)


def base_group() -> Group:
    g = Group("base", BASE)
    c, now, secret = BASE, BASE["now"], BASE["secret"]
    track = signed(c, "track1")

    # §6 successful responses ----------------------------------------------------------------
    g.add("get_whole_file", "§6: a signed GET answers 200 with the whole file and the seed's "
          "headers first.", ["§4 valid signature", "§5 ETag, Last-Modified", "§6 200 headers"],
          [get(track)])
    g.add("head_whole_file", "§6: HEAD answers the headers of the GET, no body.",
          ["§6 HEAD"], [head(track)])
    g.add("head_ignores_range", "§6: Range is ignored for HEAD (curl -I gives 200 and the "
          "full length).", ["§6 HEAD ignores Range"], [head(track, ("Range", "bytes=0-1023"))])
    g.add("seed_example_range", "§6, §7.1: the seed's `curl -r 0-1023`: 206 with "
          "Content-Range.", ["§7.1 first-last"], [get(track, ("Range", "bytes=0-1023"))])
    for ext, _ in MEDIA_TYPES[1:]:
        ident = f"tone_{ext}"
        g.add(f"content_type_{ext}", f"§5: a .{ext} file is served with its type.",
              ["§5 content types"], [get(signed(c, ident))])
    g.add("mp3_first_of_two_types", "§5: candidates are tried in order: mp3 before ogg.",
          ["§5 candidate order"], [get(signed(c, "dual"))])
    g.add("directory_candidate_skipped", "§5: a directory named album.mp3 is not a regular "
          "file; album.ogg is served.", ["§5 regular files only"], [get(signed(c, "album"))])
    g.add("directory_only_not_found", "§5: only a directory folder.mp3 → 404.",
          ["§5 directory → 404"], [get(signed(c, "folder"))])
    g.add("unknown_id_not_found", "§5: a good signature for an id with no file → 404.",
          ["§5 no such file"], [get(signed(c, "nosuchtrack"))])
    g.add("extension_case_sensitive", "§5: Shout.MP3 is not Shout.mp3 → 404.",
          ["§5 {id}.{ext}"], [get(signed(c, "Shout"))])
    g.add("other_extension_not_served", "§5: notes.txt is not a media type → 404.",
          ["§5 extension table"], [get(signed(c, "notes"))])
    g.add("one_character_id", "§3: an id of one character.", ["§3 1 to 128"],
          [get(signed(c, "a"))])
    g.add("id_with_underscore_dash_digits", "§3: letters, digits, _ and -.",
          ["§3 id characters"], [get(signed(c, "under_score-Dash9"))])
    g.add("id_of_128_characters", "§3: 128 characters is the longest id.", ["§3 1 to 128"],
          [get(signed(c, MAX_ID))])
    g.add("big_file_whole", "§10: a file of a few MiB streamed whole.", ["§10 streamed body"],
          [get(signed(c, "big"))])
    g.add("big_file_middle_range", "§7.1: a 1 MiB range in the middle of a large file.",
          ["§7.1 first-last"], [get(signed(c, "big"), ("Range", "bytes=1048576-2097151"))])
    g.add("percent_encoded_id_letter", "§2: the path is percent-decoded: /stream/%74rack1 is "
          "track1.", ["§2 percent-decoding"],
          [get(signed(c, "track1", path_id="%74rack1"))])
    g.add("cache_buster_ignored", "§4: parameters other than expires and sig are ignored.",
          ["§4 other parameters"], [get(signed(c, "track1", extra="&t=12345"))])
    g.add("parameter_first", "§4: the parameters may come in any order.", ["§4 query"],
          [get(f"/stream/track1?sig={sig(secret, 'track1', now + 60)}&expires={now + 60}")])
    g.add("encoded_parameter_name_and_value", "§4: names and values are percent-decoded.",
          ["§4 query decoding"],
          [get(f"/stream/track1?%65xpires={now + 60}&sig=%{ord(sig(secret, 'track1', now + 60)[0]):02x}"
               f"{sig(secret, 'track1', now + 60)[1:]}")])

    # §4 signatures ---------------------------------------------------------------------------
    good = sig(secret, "track1", now + 60)
    for name, desc, query in [
        ("no_query", "no query at all", ""),
        ("missing_expires", "sig without expires", f"?sig={good}"),
        ("missing_sig", "expires without sig", f"?expires={now + 60}"),
        ("empty_query", "a bare ?", "?"),
    ]:
        g.add(f"missing_signature_{name}", f"§4.1: {desc} → 403 missing signature.",
              ["§4 missing signature"], [get(f"/stream/track1{query}")])
    g.add("duplicate_expires", "§4.2: expires twice → 403 invalid signature.",
          ["§4 duplicate parameters"],
          [get(f"/stream/track1?expires={now + 60}&expires={now + 60}&sig={good}")])
    g.add("duplicate_sig", "§4.2: sig twice (both right) → 403 invalid signature.",
          ["§4 duplicate parameters"],
          [get(f"/stream/track1?expires={now + 60}&sig={good}&sig={good}")])
    for name, value in [
        ("leading_zero", f"0{now + 60}"),
        ("plus_sign", f"+{now + 60}"),
        ("minus_sign", "-1"),
        ("empty", ""),
        ("i64_max_plus_one", str(2**63)),
        ("twenty_digits", "99999999999999999999"),
        ("space", f"%20{now + 60}"),
        ("hexadecimal", "0x7fffffff"),
        ("fraction", f"{now + 60}.5"),
        ("double_zero", "00"),
    ]:
        g.add(f"invalid_expiry_{name}", f"§4.3: expires={value!r} is not canonical decimal "
              "→ 403 invalid expiry.", ["§4 invalid expiry"],
              [get(f"/stream/track1?expires={value}&sig={sig(secret, 'track1', value)}")])
    g.add("expiry_exactly_now", "§4.4: expires == now is still valid.",
          ["§4 expiry boundary"], [get(signed(c, "track1", expires=now))])
    g.add("expiry_one_second_past", "§4.4: now == expires + 1 → 403 link expired.",
          ["§4 expiry boundary"], [get(signed(c, "track1", expires=now - 1))])
    g.add("expiry_zero", "§4.3–4: expires=0 is canonical and long past.",
          ["§4 link expired"], [get(signed(c, "track1", expires=0))])
    g.add("expiry_i64_max", "§4.3: 9223372036854775807 is the largest expiry.",
          ["§4 huge expires"], [get(signed(c, "track1", expires=I64_MAX))])
    g.add("expired_before_signature", "§4: expiry is checked before the signature: an "
          "expired link with a wrong sig says link expired.", ["§4 check order"],
          [get(f"/stream/track1?expires={now - 10}&sig={'0' * 64}")])
    g.add("uppercase_signature", "§4.5: the sig may be uppercase hex.", ["§4 hex case"],
          [get(f"/stream/track1?expires={now + 60}&sig={good.upper()}")])
    g.add("mixed_case_signature", "§4.5: or mixed case.", ["§4 hex case"],
          [get(f"/stream/track1?expires={now + 60}&sig={good[:32].upper()}{good[32:]}")])
    for name, value in [
        ("short", good[:63]),
        ("long", good + "0"),
        ("not_hex", "g" + good[1:]),
        ("empty", ""),
        ("other_id", sig(secret, "track2", now + 60)),
        ("other_expires", sig(secret, "track1", now + 61)),
        ("other_secret", sig("not-the-secret", "track1", now + 60)),
        ("one_bit_off", good[:-1] + ("0" if good[-1] != "0" else "1")),
    ]:
        g.add(f"invalid_signature_{name}", "§4.5: a wrong sig → 403 invalid signature.",
              ["§4 invalid signature"],
              [get(f"/stream/track1?expires={now + 60}&sig={value}")])
    g.add("head_error_has_no_body", "§6: HEAD of a 403 gets its headers without the body.",
          ["§6 HEAD errors"], [head("/stream/track1")])

    # §3 ids -------------------------------------------------------------------------------
    for name, path_id in [
        ("dot_dot", ".."),
        ("encoded_dot_dot", "%2e%2e"),
        ("encoded_traversal", "..%2f..%2fetc%2fpasswd"),
        ("encoded_slash", "a%2fb"),
        ("encoded_backslash", "a%5cb"),
        ("encoded_nul", "track1%00"),
        ("encoded_space", "track1%20"),
        ("encoded_unicode", "%C3%A9t%C3%A9"),
        ("encoded_byte_ff", "%ff"),
        ("dot", "track1.mp3"),
        ("second_slash", "a/b"),
        ("encoded_question_mark", "track1%3Fx"),
        ("too_long", "m" * 129),
        ("empty", ""),
    ]:
        g.add(f"invalid_id_{name}", f"§3: /stream/{path_id} → 400 invalid id, before the "
              "signature and any file.", ["§3 id validation", "§8 400 closes"],
              [get(f"/stream/{path_id}?expires={now + 60}&sig={good}")])
    g.add("bad_escape_in_path", "§2: a % not followed by two hex digits → 400 bad request.",
          ["§2 bad % escape"], [get(f"/stream/tr%zzack?expires={now + 60}&sig={good}")])
    g.add("truncated_escape_in_path", "§2: a % at the end of the path → 400 bad request.",
          ["§2 bad % escape"], [get("/stream/track%4")])

    # §2 routes -------------------------------------------------------------------------------
    for name, target in [("root", "/"), ("favicon", "/favicon.ico"),
                         ("stream_without_slash", "/stream"), ("dot_segments", "/x/../health"),
                         ("health_slash", "/health/"), ("prefix", "/streams/track1")]:
        g.add(f"not_found_{name}", f"§2: {target} is no route → 404.", ["§2 404"],
              [get(target)])
    for method in ["POST", "PUT", "DELETE", "PATCH"]:
        g.add(f"method_{method.lower()}_not_allowed", f"§2: {method} on a stream → 405 with "
              "Allow.", ["§2 405 Allow"], [Request(method, track)])
    g.add("health", "§9: GET /health, the counters' shape.", ["§9 health"], [get("/health")])
    g.add("health_head", "§9: HEAD /health.", ["§9 health"], [head("/health")])
    g.add("health_query_ignored", "§2: the route is the path: /health?x=1 is /health.",
          ["§2 path"], [get("/health?x=1")])
    g.add("health_post_not_allowed", "§2: POST /health → 405, Allow: GET, HEAD.",
          ["§2 405 Allow"], [Request("POST", "/health")])

    # §1 transport -------------------------------------------------------------------------
    g.add("absolute_form_target", "§1: an absolute-form target's scheme and authority are "
          "ignored.", ["§1 absolute-form"], [get("http://elsewhere.example" + track)])
    g.add("options_asterisk", "§1: OPTIONS * → 204 with Allow.", ["§1 OPTIONS *"],
          [Request("OPTIONS", "*")])
    g.add("relative_target", "§1: a target that is neither origin- nor absolute-form → 400.",
          ["§1 bad target"], [get("stream/track1")])
    g.add("authority_form_target", "§1: CONNECT's authority-form → 400.", ["§1 bad target"],
          [Request("CONNECT", "stream.test:443")])
    g.add("missing_host", "§1: HTTP/1.1 without Host → 400.", ["§1 Host"],
          [get(track, host=False)])
    g.raw("two_host_lines", "§1: two Host lines → 400 bad request, closed.", ["§1 Host"],
          Request("GET", track, [("Host", "other.test")]).raw(),
          [g.server.error(Request("GET", track, host=False), 400, "bad request").json(False)],
          True)
    g.add("http10_without_host", "§1, §8: HTTP/1.0 needs no Host and closes by default.",
          ["§8 HTTP/1.0"], [get(track, host=False, version="HTTP/1.0")])
    g.add("http10_keep_alive", "§8: HTTP/1.0 with Connection: keep-alive stays open and says "
          "so.", ["§8 HTTP/1.0 keep-alive"],
          [get(track, ("Connection", "keep-alive"), version="HTTP/1.0"),
           head(track, ("Connection", "keep-alive"), version="HTTP/1.0")])
    g.add("connection_close", "§8: Connection: close → answered, Connection: close, closed.",
          ["§8 Connection: close"], [get(track, ("Connection", "close"))])
    g.add("announced_body_content_length", "§1: a request announcing a body is answered and "
          "the connection closed.", ["§1 request body"],
          [get(track, ("Content-Length", "4"), body="abcd")])
    g.add("announced_body_chunked", "§1: any Transfer-Encoding announces a body.",
          ["§1 request body"],
          [get(track, ("Transfer-Encoding", "chunked"), body="0\r\n\r\n")])
    g.add("content_length_zero_keeps_alive", "§1: Content-Length: 0 announces no body.",
          ["§1 request body", "§8 keep-alive"],
          [get(track, ("Content-Length", "0"), ("Range", "bytes=0-9")),
           get(track, ("Range", "bytes=10-19"))])
    g.add("post_with_body_closes", "§1, §2: a 405 to a request with a body, then close.",
          ["§1 request body", "§2 405"],
          [Request("POST", track, [("Content-Length", "5")], body="hello")])
    g.add("pipelined_requests", "§8: three pipelined requests in one write are answered in "
          "order on one connection.", ["§8 pipelining"],
          [get(track, ("Range", "bytes=0-99")), head(signed(c, "dual")),
           get(signed(c, "nosuchtrack")), get("/health")])
    g.add("pipelined_until_close", "§8: a pipelined Connection: close is the last answered.",
          ["§8 pipelining", "§8 Connection: close"],
          [get(track, ("Range", "bytes=0-9")), get(track, ("Connection", "close")),
           get(track)])
    g.add("pipelined_after_400", "§8: a 400 closes: what follows is not answered.",
          ["§8 400 closes"], [get("/stream/..%2f"), get(track)])
    g.add("pipelined_after_404_continues", "§8: a 404 keeps the connection.",
          ["§8 keep-alive"], [get("/nowhere"), get(track, ("Range", "bytes=-1"))])
    g.add("connection_close_any_case", "§8: connection options are case-insensitive: "
          "Connection: Close closes.", ["§8 Connection: close"],
          [get(track, ("Connection", "Close"))])
    g.add("http11_explicit_keep_alive", "§8: HTTP/1.1 with Connection: keep-alive is "
          "persistent and the response says nothing.", ["§8 keep-alive"],
          [get(track, ("Connection", "keep-alive"), ("Range", "bytes=0-0"))])
    g.add("http10_keep_alive_range", "§8, §7.1: a 206 to HTTP/1.0 keep-alive.",
          ["§8 HTTP/1.0 keep-alive"],
          [get(track, ("Connection", "keep-alive"), ("Range", "bytes=5-9"), version="HTTP/1.0")])
    g.add("http10_invalid_id_closes", "§8: a 400 closes even an HTTP/1.0 keep-alive "
          "connection.", ["§8 400 closes"],
          [get("/stream/%2e%2e", ("Connection", "keep-alive"), version="HTTP/1.0")])
    g.add("lowercase_header_names", "§1: header names are case-insensitive.",
          ["§1 headers"],
          [Request("GET", track, [("host", "stream.test"), ("range", "bytes=0-3"),
                                  ("origin", "https://player.example")], host=False)])
    g.add("head_not_found", "§6: HEAD of a 404: the headers, no body.", ["§6 HEAD errors"],
          [head("/nowhere")])
    g.add("health_options_not_allowed", "§2: OPTIONS /health → 405, Allow: GET, HEAD.",
          ["§2 405 Allow"], [Request("OPTIONS", "/health")])
    g.add("invalid_id_uppercase_escape", "§3: %2F decodes to / as %2f does → 400.",
          ["§3 id validation"], [get("/stream/a%2Fb")])
    g.add("one_byte_file_ranges", "§7.1: the only byte of a one-byte file, twice, coalesced.",
          ["§7.1 coalescing"], [get(signed(c, "a"), ("Range", "bytes=0-0,-1"))])
    g.add("big_file_last_byte", "§7.1: the last byte of the large file.", ["§7.1 first-"],
          [get(signed(c, "big"), ("Range", f"bytes={BIG_LEN - 1}-"))])
    g.add("cors_on_unsatisfiable", "§7.3: a 416 carries the CORS headers.",
          ["§7.3 CORS errors", "§7.1 416"],
          [get(track, ("Origin", "https://player.example"), ("Range", "bytes=10000-"))])

    not_http = Server(c).refusal(400)
    for name, raw in [
        ("garbage", "HELLO THERE\r\n\r\n"),
        ("http2_version", f"GET {track} HTTP/2.0\r\nHost: stream.test\r\n\r\n"),
        ("header_without_colon", f"GET {track} HTTP/1.1\r\nHost stream.test\r\n\r\n"),
    ]:
        g.raw(f"malformed_{name}", "§1: a head that does not parse as HTTP/1.x → 400, "
              "closed.", ["§1 400"], raw, [not_http.json(False)], True)
    too_large = Server(c).refusal(431)
    long_head = f"GET {track} HTTP/1.1\r\nHost: stream.test\r\nX-Pad: {'p' * 9000}\r\n\r\n"
    g.raw("head_over_8_kib", "§1: a head over 8 KiB → 431, closed.", ["§1 431"], long_head,
          [too_large.json(False)], True)
    many = "".join(f"X-H{i}: {i}\r\n" for i in range(70))
    g.raw("seventy_header_fields", "§1: more than 64 header fields → 431, closed.",
          ["§1 431"], f"GET {track} HTTP/1.1\r\nHost: stream.test\r\n{many}\r\n",
          [too_large.json(False)], True)

    # §7.1 Range ----------------------------------------------------------------------------
    for name, value, why in [
        ("open_ended", "bytes=9000-", "first- to the end"),
        ("suffix", "bytes=-500", "the last 500 bytes"),
        ("last_clamped", "bytes=9000-20000", "last clamped to len-1"),
        ("suffix_longer_than_file", "bytes=-20000", "a suffix covers the whole file"),
        ("last_byte", "bytes=9999-9999", "one byte"),
        ("unit_case_insensitive", "BYTES=0-9", "the unit is case-insensitive"),
        ("huge_last", "bytes=100-99999999999999999999999", "a last beyond 64 bits is clamped"),
        ("huge_suffix", "bytes=-99999999999999999999999", "a suffix beyond 64 bits is all"),
        ("overlapping_coalesced", "bytes=0-99,50-149", "overlapping specs become one"),
        ("adjacent_coalesced", "bytes=0-9,10-19", "touching specs become one"),
        ("contained_coalesced", "bytes=0-999,10-19,-9990", "contained and suffix overlap"),
        ("unsatisfiable_dropped", "bytes=0-9,20000-20010", "unsatisfiable specs are dropped"),
        ("spaces_and_tabs", "bytes= 0-9 ,\t20-29", "spaces and tabs around specs"),
        ("several_ranges_multipart", "bytes=0-9,100-109,200-209", "multipart/byteranges"),
        ("unsorted_ranges_sorted", "bytes=500-509,0-9", "sorted by first byte"),
        ("multipart_suffix_and_open", "bytes=-5,0-4,5000-", "suffix and open ranges"),
        ("sixteen_ranges", "bytes=" + ",".join(f"{i * 100}-{i * 100 + 9}" for i in range(16)),
         "max_ranges specs are honoured"),
        ("seventeen_ranges_ignored",
         "bytes=" + ",".join(f"{i * 100}-{i * 100 + 9}" for i in range(17)),
         "more than max_ranges → ignored, 200"),
        ("seventeen_coalescing_ranges_ignored",
         "bytes=" + ",".join("0-1" for _ in range(17)),
         "the limit counts specs as sent"),
        ("first_beyond_end", "bytes=10000-", "first == len → 416"),
        ("huge_first", "bytes=99999999999999999999-", "a first beyond 64 bits → 416"),
        ("zero_suffix", "bytes=-0", "a zero suffix is unsatisfiable → 416"),
        ("all_unsatisfiable", "bytes=20000-20010,-0", "none left → 416"),
        ("last_before_first", "bytes=5-2", "last < first → ignored, 200"),
        ("other_unit", "items=0-9", "another unit → ignored"),
        ("missing_equals", "bytes 0-9", "no = → ignored"),
        ("bare_dash", "bytes=-", "neither first nor suffix → ignored"),
        ("empty_list", "bytes=", "an empty list → ignored"),
        ("sign", "bytes=+1-2", "a sign → ignored"),
        ("letters", "bytes=a-b", "not digits → ignored"),
        ("one_bad_spec_of_two", "bytes=0-9,x", "one bad spec makes the header invalid"),
        ("negative_suffix_spec", "bytes=--5", "a sign → ignored"),
    ]:
        g.add(f"range_{name}", f"§7.1: Range: {value} ({why}).", ["§7.1 Range"],
              [get(track, ("Range", value))])
    g.add("range_zero_length_file", "§7.1: a zero-length file has no byte range: 200, "
          "Content-Length: 0.", ["§7.1 zero-length"],
          [get(signed(c, "empty"), ("Range", "bytes=0-0"))])
    g.add("zero_length_file", "§5: a zero-length file: 200, Content-Length: 0, no body.",
          ["§5 zero-length"], [get(signed(c, "empty"))])
    g.add("zero_length_file_head", "§6: HEAD of a zero-length file.", ["§5 zero-length"],
          [head(signed(c, "empty"))])
    g.add("range_multipart_big_file", "§7.1.1: ranges of the large file, multipart.",
          ["§7.1.1 multipart"],
          [get(signed(c, "big"), ("Range", "bytes=0-65535,2000000-2065535,-100"))])
    g.add("range_on_other_type", "§7.1.1: multipart parts carry the file's type.",
          ["§7.1.1 part Content-Type"], [get(signed(c, "tone_ogg"), ("Range", "bytes=0-1,-1"))])

    # §7.1 If-Range --------------------------------------------------------------------------
    length, mtime = FILE_META["track1.mp3"]
    etag = f'"{mtime:x}-{length:x}"'
    for name, value, why in [
        ("etag_match", etag, "strong match → 206"),
        ("weak_etag", "W/" + etag, "a weak tag never matches → 200"),
        ("other_etag", '"other"', "another tag → 200"),
        ("date_match", imf(mtime), "Last-Modified exactly → 206"),
        ("date_later", imf(mtime + 1), "another date → 200"),
        ("date_earlier", imf(mtime - 1), "another date → 200"),
        ("garbage", "yesterday", "neither tag nor date → 200"),
    ]:
        g.add(f"if_range_{name}", f"§7.1: If-Range: {value} ({why}).", ["§7.1 If-Range"],
              [get(track, ("Range", "bytes=0-99"), ("If-Range", value))])

    # §6.1 conditional requests -------------------------------------------------------------
    for name, headers, why in [
        ("if_none_match_etag", [("If-None-Match", etag)], "→ 304"),
        ("if_none_match_weak", [("If-None-Match", "W/" + etag)], "weak comparison → 304"),
        ("if_none_match_star", [("If-None-Match", "*")], "* → 304"),
        ("if_none_match_list", [("If-None-Match", f'"a", {etag}, "b"')], "in a list → 304"),
        ("if_none_match_other", [("If-None-Match", '"other"')], "no match → 200"),
        ("if_none_match_malformed", [("If-None-Match", '"unterminated')],
         "a malformed list is ignored → 200"),
        ("if_modified_since_equal", [("If-Modified-Since", imf(mtime))], "not earlier → 304"),
        ("if_modified_since_later", [("If-Modified-Since", imf(mtime + 3600))], "→ 304"),
        ("if_modified_since_earlier", [("If-Modified-Since", imf(mtime - 1))], "→ 200"),
        ("if_modified_since_rfc850", [("If-Modified-Since", rfc850(mtime))],
         "RFC 850 date → 304"),
        ("if_modified_since_asctime", [("If-Modified-Since", asctime(mtime))],
         "asctime date → 304"),
        ("if_modified_since_invalid", [("If-Modified-Since", "not a date")],
         "ignored → 200"),
        ("if_none_match_beats_if_modified_since",
         [("If-None-Match", '"other"'), ("If-Modified-Since", imf(mtime))],
         "If-Modified-Since is not read with If-None-Match → 200"),
        ("if_match_other", [("If-Match", '"other"')], "→ 412"),
        ("if_match_star", [("If-Match", "*")], "→ 200"),
        ("if_match_etag", [("If-Match", etag)], "→ 200"),
        ("if_match_weak", [("If-Match", "W/" + etag)], "strong comparison → 412"),
        ("if_unmodified_since_earlier", [("If-Unmodified-Since", imf(mtime - 1))], "→ 412"),
        ("if_unmodified_since_equal", [("If-Unmodified-Since", imf(mtime))], "→ 200"),
        ("if_match_beats_if_unmodified_since",
         [("If-Match", etag), ("If-Unmodified-Since", imf(mtime - 1))],
         "If-Unmodified-Since is not read with If-Match → 200"),
        ("if_match_before_if_none_match",
         [("If-Match", '"other"'), ("If-None-Match", etag)], "412 comes first"),
        ("not_modified_beats_range",
         [("If-None-Match", etag), ("Range", "bytes=0-9")], "304 before Range"),
        ("precondition_failed_beats_range",
         [("If-Match", '"other"'), ("Range", "bytes=0-9")], "412 before Range"),
    ]:
        g.add(f"conditional_{name}", f"§6.1: {why}.", ["§6.1 conditional requests"],
              [get(track, *headers)])
    g.add("conditional_head_not_modified", "§6.1: HEAD with If-None-Match → 304.",
          ["§6.1 304"], [head(track, ("If-None-Match", etag))])

    # §7.2–§7.3 CORS, any origin ------------------------------------------------------------
    origin = ("Origin", "https://player.example")
    g.add("cors_any_origin", "§7.3: any origin gets * and the exposed headers.",
          ["§7.3 CORS any"], [get(track, origin)])
    g.add("cors_any_origin_range", "§7.3: on a 206 too.", ["§7.3 CORS any"],
          [get(track, origin, ("Range", "bytes=0-1"))])
    g.add("cors_on_error", "§6, §7.3: error responses carry the CORS headers.",
          ["§7.3 CORS errors"], [get("/stream/track1", origin)])
    g.add("cors_on_not_modified", "§6.1, §7.3: a 304 carries the CORS headers.",
          ["§7.3 CORS 304"], [get(track, origin, ("If-None-Match", etag))])
    g.add("preflight_any_origin", "§7.2: a preflight needs no signature: 204.",
          ["§7.2 preflight"],
          [Request("OPTIONS", "/stream/track1", [origin,
                                                 ("Access-Control-Request-Method", "GET")])])
    g.add("preflight_with_request_headers", "§7.2: the requested headers are echoed.",
          ["§7.2 preflight"],
          [Request("OPTIONS", "/stream/track1",
                   [origin, ("Access-Control-Request-Method", "GET"),
                    ("Access-Control-Request-Headers", "range, if-range")])])
    g.add("preflight_head", "§7.2: HEAD may be preflighted.", ["§7.2 preflight"],
          [Request("OPTIONS", "/stream/track1",
                   [origin, ("Access-Control-Request-Method", "HEAD")])])
    g.add("preflight_other_method_refused", "§7.2: a preflight for POST → 403.",
          ["§7.2 preflight refused"],
          [Request("OPTIONS", "/stream/track1",
                   [origin, ("Access-Control-Request-Method", "POST")])])
    g.add("plain_options", "§7.2: OPTIONS without Access-Control-Request-Method → 204 Allow.",
          ["§7.2 plain OPTIONS"], [Request("OPTIONS", "/stream/track1")])
    g.add("plain_options_with_origin", "§7.2–7.3: a plain OPTIONS with Origin.",
          ["§7.2 plain OPTIONS"], [Request("OPTIONS", "/stream/track1", [origin])])
    return g


def strict_group() -> Group:
    g = Group("strict", STRICT)
    c, now, secret = STRICT, STRICT["now"], STRICT["secret"]
    track = signed(c, "track1")
    app = ("Origin", "https://app.example")
    admin = ("Origin", "https://admin.example:8443")
    evil = ("Origin", "https://evil.example")
    g.add("list_get_without_origin", "§7.3: with a list configured every response has Vary: "
          "Origin; the configured Cache-Control.", ["§7.3 Vary", "§6 Cache-Control"],
          [get(track)])
    g.add("list_get_allowed_origin", "§7.3: an allowed origin is echoed.",
          ["§7.3 CORS list"], [get(track, app)])
    g.add("list_get_second_allowed_origin", "§7.3: each listed origin is allowed.",
          ["§7.3 CORS list"], [get(track, admin)])
    g.add("list_get_other_origin", "§7.3: another origin is answered without CORS headers.",
          ["§7.3 not in list"], [get(track, evil)])
    g.add("list_origin_prefix_not_allowed", "§7.3: origins are compared whole.",
          ["§7.3 not in list"], [get(track, ("Origin", "https://app.example.evil"))])
    g.add("list_error_allowed_origin", "§6, §7.3: a 403 to an allowed origin.",
          ["§7.3 CORS errors"], [get("/stream/track1", app)])
    g.add("list_not_found", "§7.3: a 404 has Vary: Origin too.", ["§7.3 Vary"],
          [get("/nowhere")])
    g.add("list_preflight_allowed", "§7.2: the origin itself, not *.", ["§7.2 preflight"],
          [Request("OPTIONS", "/stream/track1",
                   [app, ("Access-Control-Request-Method", "GET")])])
    g.add("list_preflight_refused", "§7.2: an origin not in the list → 403.",
          ["§7.2 preflight refused"],
          [Request("OPTIONS", "/stream/track1",
                   [evil, ("Access-Control-Request-Method", "GET")])])
    g.add("list_health", "§9, §7.3: /health with an allowed origin.", ["§9 health"],
          [get("/health", app)])
    g.add("list_not_modified", "§6.1, §7.3: a 304 with Vary.", ["§6.1 304"],
          [get(track, app, ("If-Modified-Since", imf(STRICT["now"])))])
    g.add("strict_secret_signature", "§4: the key is SECRET_KEY's bytes as written "
          "(UTF-8 here).", ["§4 secret bytes"], [get(signed(c, "dual"))])
    g.add("strict_other_secret_refused", "§4: a URL signed with another server's secret.",
          ["§4 invalid signature"], [get(signed(BASE, "track1", expires=now + 60))])
    g.add("strict_expiry_exactly_now", "§4.4: expires == now.", ["§4 expiry boundary"],
          [get(signed(c, "track1", expires=now))])
    g.add("strict_expiry_one_second_past", "§4.4: one second past.", ["§4 expiry boundary"],
          [get(signed(c, "track1", expires=now - 1))])
    g.add("max_ranges_honoured", "§7.1: max_ranges (4) specs are honoured.",
          ["§7.1 max_ranges"], [get(track, ("Range", "bytes=0-0,2-2,4-4,6-6"))])
    g.add("max_ranges_exceeded", "§7.1: one more → the header is ignored, 200.",
          ["§7.1 max_ranges"], [get(track, ("Range", "bytes=0-0,2-2,4-4,6-6,8-8"))])
    g.add("keepalive_requests_limit", "§8: the connection's keepalive_requests-th request "
          "(3 here, 1000 by default) is answered with Connection: close, and the next is not.",
          ["§8 keepalive_requests"],
          [get(track, ("Range", "bytes=0-0")), head(track), get("/health"), get(track)])
    g.add("keepalive_requests_counts_errors", "§8: every answered request counts.",
          ["§8 keepalive_requests"], [get("/nowhere"), get("/stream/track1"), get(track)])
    g.add("list_preflight_request_headers", "§7.2: an allowed origin's preflight echoes the "
          "requested headers.", ["§7.2 preflight"],
          [Request("OPTIONS", "/stream/track1",
                   [admin, ("Access-Control-Request-Method", "HEAD"),
                    ("Access-Control-Request-Headers", "range")])])
    g.add("list_precondition_failed", "§6.1, §7.3: a 412 to an allowed origin.",
          ["§6.1 412", "§7.3 CORS errors"], [get(track, app, ("If-Match", '"nope"'))])
    g.add("list_multipart", "§7.1.1 with the strict group's Cache-Control and CORS.",
          ["§7.1.1 multipart"], [get(track, app, ("Range", "bytes=0-1,8-9"))])
    g.add("list_plain_options_other_origin", "§7.2–7.3: a plain OPTIONS from an origin not "
          "in the list: 204, Vary only.", ["§7.2 plain OPTIONS"],
          [Request("OPTIONS", "/stream/track1", [evil])])
    return g


# --------------------------------------------------------------------------------------------
# Signature codec vectors (vectors.md §9.4)
# --------------------------------------------------------------------------------------------


def signature_vectors() -> dict:
    vectors = []
    for name, secret, ident, expires, why in [
        ("seed_form", "dev-secret", "track1", 1_700_003_600, "the seed's message {id}|{expires}"),
        ("expires_zero", "dev-secret", "track1", 0, "expires 0"),
        ("expires_i64_max", "dev-secret", "a", I64_MAX, "the largest expiry"),
        ("negative_expires", "dev-secret", "a", -1, "a negative expiry is signed as written"),
        ("long_id", "k", MAX_ID, 1, "a 128-character id"),
        ("utf8_secret", STRICT["secret"], "dual", 1_800_003_600, "a UTF-8 secret's bytes"),
    ]:
        vectors.append({"name": name, "description": f"§4: {why}.", "secret": secret,
                        "id": ident, "expires": expires, "signature": sig(secret, ident, expires),
                        "path": f"/stream/{ident}?expires={expires}&sig="
                                f"{sig(secret, ident, expires)}"})
    return {"vectors": vectors}


def outputs() -> dict[str, str]:
    files = {"fixture.json": render(fixture()),
             "codec/signature.json": render(signature_vectors())}
    names: set[str] = set()
    for build in (base_group, strict_group):
        group = build()
        for s in group.scenarios:
            assert s["name"] not in names, s["name"]
            names.add(s["name"])
        files[f"scenarios/{group.name}.json"] = render(group.document())
    return files


if __name__ == "__main__":
    sys.exit(write_or_check(OUT, outputs, sys.argv))
