"""What the conformance vector generators share: the fixture's secret and wall clock, HS256
tokens, the live-mode timing rules, recognisable bytes, and writing or checking the JSON files.

Written, like the generators that import it, from conformance/spec/vectors.md (and audio.md §4
for tokens) with the Python standard library only; nothing is taken from hark. A generator runs
as `python3 conformance/tools/gen_<service>_vectors.py` from any directory: Python puts the
script's own directory first on the import path, so `import vectorlib` finds this file.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sys
from pathlib import Path
from typing import Callable, Iterable

# --------------------------------------------------------------------------------------------
# The fixture's secret and clock (vectors.md §3)
# --------------------------------------------------------------------------------------------

SECRET = "hark-conformance-secret"
START = 1_700_000_000  # wall clock (unix seconds) at at_ms = 0


def wall(ms: int) -> int:
    """The server's wall clock at `ms` after the start (whole seconds, rounded down)."""
    return START + ms // 1000


# --------------------------------------------------------------------------------------------
# Live-mode timing rules (vectors.md §4.3)
# --------------------------------------------------------------------------------------------

TIMER_MARGIN_MS = 250  # the least distance between a timer firing and any step
SECOND_SLACK_MS = 100  # how close before a whole second a second-sensitive step may not be


def check_second(ms: int, after_reset: bool) -> None:
    """Asserts that a step whose outcome depends on the wall-clock second it lands in reads the
    same second on a real server, whose inputs arrive a little late: it is not just before a
    whole second, and not after a reset (a live server's testing clock rewinds there)."""
    assert ms % 1000 < 1000 - SECOND_SLACK_MS, f"{ms} ms is too close to the next second"
    assert not after_reset, "a live server's testing clock rewinds at a reset step"


def refill_ms(rate: dict) -> int:
    """A token bucket's refill interval (a rate of the fixture's config)."""
    assert 1000 % rate["per_second"] == 0
    return 1000 // rate["per_second"]


def pattern(n: int, seed: int = 0) -> bytes:
    """`n` recognisable payload bytes."""
    return bytes((seed + i) & 0xFF for i in range(n))


# --------------------------------------------------------------------------------------------
# JWT (HS256), audio.md §4
# --------------------------------------------------------------------------------------------


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def compact(value) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def jwt(claims: dict, header: dict | None = None, secret: str = SECRET, alg_none=False) -> str:
    header = header or {"alg": "HS256", "typ": "JWT"}
    signing_input = f"{b64url(compact(header))}.{b64url(compact(claims))}"
    if alg_none:
        return signing_input + "."
    mac = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(mac)}"


def claims(sub: str | None, exp: int | None = START + 3600, iat: int = START - 60, **extra):
    out = {}
    if sub is not None:
        out["sub"] = sub
    out["iat"] = iat
    if exp is not None:
        out["exp"] = exp
    out.update(extra)
    return out


def token(user: str, **kw) -> str:
    """A valid token for `user`: issued a minute before the start, valid for an hour."""
    return jwt(claims(user, **kw))


# --------------------------------------------------------------------------------------------
# Output (vectors.md §1)
# --------------------------------------------------------------------------------------------


def render(value) -> str:
    """A JSON file in the fixed layout every vector file has."""
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def codec_files(builders: Iterable[Callable]) -> dict[str, str]:
    """The codec files by path; each builder returns an object with `filename`, `vectors` and
    `document()`. Vector names are unique across a service's codec files."""
    files, names = {}, set()
    for build in builders:
        f = build()
        for vector in f.vectors:
            assert vector["name"] not in names, vector["name"]
            names.add(vector["name"])
        files[f.filename] = render(f.document())
    return files


def scenario_files(groups: Iterable[tuple[str, Callable]]) -> dict[str, str]:
    """The scenario files by path, from `(path, builder)` pairs; each builder returns scenarios
    with `doc["name"]` and `document()`. Scenario names are unique across a service's files."""
    files, names = {}, set()
    for filename, build in groups:
        scenarios = build()
        for s in scenarios:
            assert s.doc["name"] not in names, s.doc["name"]
            names.add(s.doc["name"])
        files[filename] = render({"scenarios": [s.document() for s in scenarios]})
    return files


def main(out: Path, outputs: Callable[[], dict[str, str]], argv: list[str]) -> int:
    """Writes every file of `outputs()` under `out`; with `--check`, writes nothing and returns
    1 (naming the files) when any would change."""
    check = "--check" in argv[1:]
    stale = []
    for rel, text in outputs().items():
        path = out / rel
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(rel)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if stale:
        print("out of date: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0
