#!/usr/bin/env python3
"""A real player against the `stream` service (stream.md): headless Chromium plays a signed URL.

    python3 clients/browser/player_test.py --binary target/debug/hark [--chromium chromium]
        [--timeout 60]

Writes a valid MP3 (CBR MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, ten minutes of silence) into a
temporary media directory, starts the binary with only the stream service on a free loopback port,
gets a signed URL from `BINARY sign-url` (and checks its signature, stream.md §4), and starts
Chromium headless with a DevTools port. Over the DevTools protocol, on about:blank: an `<audio>`
element with the URL and `preload="metadata"` waits for `loadedmetadata` (its duration must be the
file's), seeks to 80% and waits for `seeked` and `canplay`, then pauses. Then:

- every request Chromium sent for the URL carried a `Range` header and was answered `206`
  (`Network.requestWillBeSent` / `requestWillBeSentExtraInfo` / `responseReceived`);
- at least one request after the seek asked for a Range starting past the middle of the file
  (the player fetched where it seeked, not from the start);
- the server's `/health` (stream.md §9) counted as many new `206` answers as Chromium received
  (plus, at most, the requests Chromium gave up before their answer arrived), and no new 4xx or
  5xx.

Bounded: the whole run has `--timeout` seconds (default 60); Chromium and the server are always
killed (their process groups, which this script created), and the temporary directories removed.
Prints one summary line; exit status 0 when every check passed, 1 when one failed, 2 on bad usage
or a missing `websockets` (>= 13).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

try:
    from websockets.asyncio.client import connect
except ImportError:
    print("error: player_test.py needs websockets >= 13: python3 -m pip install 'websockets>=13'")
    sys.exit(2)

MEDIA_ID = "player"
# Long enough that Chromium's metadata preload cannot have fetched the seek target already.
DURATION_SECS = 600
SEEK_FRACTION = 0.8
# Quiet time after the seek before counters are compared: Chromium's last reads must be answered.
SETTLE_SECS = 1.5


class Failure(Exception):
    """A check failed; the message says which and why."""


# --- The MP3 -------------------------------------------------------------------------------------

BITRATE = 128_000
SAMPLE_RATE = 44_100
SAMPLES_PER_FRAME = 1152


def silent_mp3(seconds: int) -> bytes:
    """CBR MPEG-1 Layer III frames of silence: a header, all-zero side information (no Huffman
    data, so every granule decodes to zeros) and zero main data. Frames are 417 or 418 bytes,
    padded as an encoder does so the average rate is exactly 128 kbit/s."""
    frames = seconds * SAMPLE_RATE // SAMPLES_PER_FRAME
    # 0xFFFB: sync, MPEG-1, Layer III, no CRC; 0x90: 128 kbit/s, 44.1 kHz, the padding bit
    # (0x02) where set; 0xC0: mono (17 bytes of side information), no emphasis.
    per_frame = 144 * BITRATE  # bytes per frame times the sample rate
    out = bytearray()
    remainder = 0
    for _ in range(frames):
        remainder += per_frame % SAMPLE_RATE
        padding = 0
        if remainder >= SAMPLE_RATE:
            remainder -= SAMPLE_RATE
            padding = 1
        size = per_frame // SAMPLE_RATE + padding
        header = bytes([0xFF, 0xFB, 0x90 | (padding << 1), 0xC0])
        out += header + bytes(size - len(header))
    return bytes(out)


# --- Processes -----------------------------------------------------------------------------------


class Process:
    """A child in a process group of its own, so stopping it stops its children too (Chromium's
    renderers); its output goes to a file."""

    def __init__(self, name: str, argv: list[str], log: Path, env: dict[str, str] | None = None):
        self.name = name
        self.log = log
        self.out = open(log, "wb")
        self.popen = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self.out,
            env=env,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self.changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for raw in self.popen.stdout:
            line = raw.decode(errors="replace").rstrip("\n")
            with self.changed:
                self.lines.append(line)
                self.changed.notify_all()
        with self.changed:
            self.changed.notify_all()

    def wait_line(self, pattern: re.Pattern[str], deadline: float) -> re.Match[str]:
        """The first stdout line matching `pattern`, waiting until `deadline`."""
        with self.changed:
            while True:
                for line in self.lines:
                    if m := pattern.search(line):
                        return m
                if self.popen.poll() is not None:
                    raise Failure(f"{self.name} exited ({self.popen.returncode}): {self.tail()}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Failure(f"{self.name} did not print {pattern.pattern!r}: {self.tail()}")
                self.changed.wait(left)

    def tail(self) -> str:
        self.out.flush()
        text = self.log.read_text(errors="replace").strip().splitlines()[-5:]
        return " | ".join(self.lines[-5:] + text)

    def stop(self) -> None:
        """SIGTERM to the group, SIGKILL after 3 s."""
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGTERM)
                self.popen.wait(timeout=3)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.popen.wait()
        self.out.close()


def server_env() -> dict[str, str]:
    """This environment without the variables that would override the configuration file."""
    overriding = ("SECRET_KEY", "STREAM_SERVER_PORT", "STREAM_MEDIA_DIR", "HARK_DATA_DIR")
    return {k: v for k, v in os.environ.items() if k not in overriding}


def start_server(binary: str, work: Path, secret: str, deadline: float) -> tuple[Process, str]:
    """The stream service alone on a free loopback port; returns it and its `http://ADDR`."""
    config = work / "hark.toml"
    config.write_text(
        f"""data_dir = '{work / "data"}'

[log]
filter = 'warn'

[admin]
enabled = false

[audio]
enabled = false

[voice]
enabled = false

[chat]
enabled = false

[stream]
enabled = true
bind_addr = '127.0.0.1:0'
media_dir = '{work / "media"}'
secret = '{secret}'
"""
    )
    argv = [binary, "serve", "--config", str(config)]
    server = Process("server", argv, work / "server.log", server_env())
    match = server.wait_line(re.compile(r"stream listening on http://(\S+)"), deadline)
    return server, f"http://{match.group(1)}"


def sign_url(binary: str, work: Path, base: str, secret: str) -> str:
    """`BINARY sign-url`, checked against the signature of stream.md §4."""
    argv = [binary, "sign-url", MEDIA_ID, "--ttl", "600", "--base", base,
            "--config", str(work / "hark.toml")]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=10, env=server_env())
    if done.returncode != 0:
        raise Failure(f"sign-url exited {done.returncode}: {done.stderr.strip()}")
    url = done.stdout.strip()
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    expires, sig = query.get("expires", [""])[0], query.get("sig", [""])[0]
    wanted = hmac.new(secret.encode(), f"{MEDIA_ID}|{expires}".encode(), hashlib.sha256).hexdigest()
    if parts.path != f"/stream/{MEDIA_ID}" or not hmac.compare_digest(sig, wanted):
        raise Failure(f"sign-url printed {url!r}, not a URL signed as stream.md §4 says")
    if not base.endswith(parts.netloc):
        raise Failure(f"sign-url printed {url!r}, not under --base {base}")
    return url


def health(base: str) -> dict[str, int]:
    with urllib.request.urlopen(f"{base}/health", timeout=5) as response:
        return json.load(response)["responses"]


def start_chromium(chromium: str, profile: Path, log: Path, deadline: float) -> tuple[Process, str]:
    """Headless Chromium with a DevTools port; returns it and the browser's WebSocket URL."""
    argv = [
        chromium, "--headless=new", "--no-sandbox", "--remote-debugging-port=0",
        f"--user-data-dir={profile}", "--autoplay-policy=no-user-gesture-required",
        "--no-first-run", "--no-default-browser-check", "--disable-gpu", "--mute-audio",
        "about:blank",
    ]
    browser = Process("chromium", argv, log)
    port_file = profile / "DevToolsActivePort"
    while True:
        lines = port_file.read_text().split("\n") if port_file.exists() else []
        if len(lines) >= 2 and lines[0].isdigit() and lines[1].startswith("/devtools/"):
            return browser, f"ws://127.0.0.1:{lines[0]}{lines[1]}"
        if browser.popen.poll() is not None:
            raise Failure(f"chromium exited ({browser.popen.returncode}): {browser.tail()}")
        if time.monotonic() > deadline:
            raise Failure(f"chromium wrote no DevToolsActivePort: {browser.tail()}")
        time.sleep(0.1)


# --- DevTools ------------------------------------------------------------------------------------


@dataclass
class MediaRequest:
    """What DevTools said about one request for the stream URL."""

    range: str | None = None
    status: int | None = None
    failed: bool = False
    after_seek: bool = False


@dataclass
class Devtools:
    """A DevTools connection to the browser, one page session attached (flat mode)."""

    ws: Any
    session: str = ""
    next_id: int = 0
    pending: dict[int, asyncio.Future[Any]] = field(default_factory=dict)
    requests: dict[str, MediaRequest] = field(default_factory=dict)
    url: str = ""
    seeking: bool = False
    last_event: float = field(default_factory=time.monotonic)

    async def call(self, method: str, params: dict[str, Any] | None = None,
                   session: bool = True) -> Any:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.pending[self.next_id] = future
        await self.ws.send(json.dumps(message))
        return await future

    async def evaluate(self, expression: str) -> Any:
        result = await self.call("Runtime.evaluate", {
            "expression": expression, "awaitPromise": True, "returnByValue": True})
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise Failure(f"in the page: {text}")
        return result["result"].get("value")

    async def pump(self) -> None:
        async for raw in self.ws:
            message = json.loads(raw)
            if "id" in message:
                future = self.pending.pop(message["id"], None)
                if future is not None and not future.done():
                    if "error" in message:
                        future.set_exception(Failure(f"DevTools: {message['error']}"))
                    else:
                        future.set_result(message.get("result", {}))
            else:
                self.event(message.get("method", ""), message.get("params", {}))

    def event(self, method: str, params: dict[str, Any]) -> None:
        if method == "Network.requestWillBeSent":
            if params["request"]["url"] != self.url:
                return
            request = self.requests.setdefault(params["requestId"], MediaRequest())
            request.after_seek = self.seeking
            request.range = request.range or header(params["request"].get("headers", {}), "range")
        elif method == "Network.requestWillBeSentExtraInfo":
            request = self.requests.get(params["requestId"])
            if request is not None:
                request.range = request.range or header(params.get("headers", {}), "range")
        elif method == "Network.responseReceived":
            request = self.requests.get(params["requestId"])
            if request is not None:
                request.status = params["response"]["status"]
        elif method == "Network.loadingFailed":
            request = self.requests.get(params["requestId"])
            if request is not None and request.status is None:
                request.failed = True
        else:
            return
        self.last_event = time.monotonic()


def header(headers: dict[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name), None)


LOAD = """
new Promise((resolve, reject) => {
  const audio = document.createElement('audio');
  audio.preload = 'metadata';
  audio.onloadedmetadata = () => resolve(audio.duration);
  audio.onerror = () => reject(new Error('media error ' + (audio.error && audio.error.code)
    + ' ' + (audio.error && audio.error.message)));
  audio.src = %s;
  document.body.appendChild(audio);
  window.player = audio;
})
"""

SEEK = """
new Promise((resolve, reject) => {
  const audio = window.player;
  audio.onerror = () => reject(new Error('media error ' + (audio.error && audio.error.code)));
  audio.onseeked = () => {
    if (audio.readyState >= 3) { audio.pause(); resolve(audio.currentTime); return; }
    audio.oncanplay = () => { audio.pause(); resolve(audio.currentTime); };
  };
  audio.currentTime = audio.duration * %f;
})
"""


async def play(browser_ws: str, url: str, deadline: float) -> tuple[float, float, Devtools]:
    """Loads, seeks and pauses; returns the duration, the position reached and what DevTools saw."""
    async with connect(browser_ws, max_size=None, open_timeout=10) as ws:
        devtools = Devtools(ws, url=url)
        pump = asyncio.create_task(devtools.pump())
        try:
            target = await devtools.call("Target.createTarget", {"url": "about:blank"}, False)
            attached = await devtools.call(
                "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}, False)
            devtools.session = attached["sessionId"]
            await devtools.call("Network.enable")
            # Every read must reach the server, to be counted on both sides.
            await devtools.call("Network.setCacheDisabled", {"cacheDisabled": True})
            duration = await devtools.evaluate(LOAD % json.dumps(url))
            devtools.seeking = True
            position = await devtools.evaluate(SEEK % SEEK_FRACTION)
            # Quiet: no media event for SETTLE_SECS (bounded by the deadline).
            while time.monotonic() - devtools.last_event < SETTLE_SECS:
                if time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.1)
            return float(duration), float(position), devtools
        finally:
            pump.cancel()


# --- The test ------------------------------------------------------------------------------------


def check(duration: float, position: float, devtools: Devtools, file_len: int,
          before: dict[str, int], after: dict[str, int]) -> str:
    """Every check on what was seen; returns the summary of a pass."""
    requests = list(devtools.requests.values())
    if abs(duration - DURATION_SECS) > 2:
        raise Failure(f"duration {duration:.1f} s, expected about {DURATION_SECS} s")
    if abs(position - duration * SEEK_FRACTION) > 5:
        raise Failure(f"position {position:.1f} s after seeking to {duration * SEEK_FRACTION:.1f} s")
    if not requests:
        raise Failure("Chromium sent no request for the URL")
    answered = [r for r in requests if r.status is not None]
    for r in requests:
        if r.range is None or not r.range.startswith("bytes="):
            raise Failure(f"a request without a Range header ({r})")
    wrong = [r for r in answered if r.status != 206]
    if wrong:
        raise Failure(f"answers other than 206: {[(r.range, r.status) for r in wrong]}")
    starts = [int(m.group(1)) for r in answered if r.after_seek
              and (m := re.match(r"bytes=(\d+)-", r.range or ""))]
    if not any(s >= file_len // 2 for s in starts):
        raise Failure(f"no Range past the middle of the file after the seek (after the seek: "
                      f"{[r.range for r in answered if r.after_seek]})")
    grew = {k: after.get(k, 0) - before.get(k, 0) for k in ("200", "206", "304", "4xx", "5xx")}
    failed = sum(1 for r in requests if r.failed)
    if grew["4xx"] or grew["5xx"]:
        raise Failure(f"/health counted new errors: {grew}")
    if not len(answered) <= grew["206"] <= len(answered) + failed:
        raise Failure(f"/health counted {grew['206']} new 206 answers, Chromium received "
                      f"{len(answered)} (and gave up {failed} before an answer)")
    ranges = ", ".join(r.range or "" for r in answered)
    return (f"{len(answered)} Range requests answered 206 ({ranges}); "
            f"/health 206 +{grew['206']}, 4xx +0, 5xx +0; duration {duration:.1f} s, "
            f"seeked to {position:.1f} s")


def run(args: argparse.Namespace) -> str:
    deadline = time.monotonic() + args.timeout
    work = Path(tempfile.mkdtemp(prefix="hark-player-"))
    processes: list[Process] = []
    try:
        (work / "media").mkdir()
        (work / "data").mkdir()
        mp3 = silent_mp3(DURATION_SECS)
        (work / "media" / f"{MEDIA_ID}.mp3").write_bytes(mp3)
        secret = secrets.token_hex(24)
        server, base = start_server(args.binary, work, secret, deadline)
        processes.append(server)
        url = sign_url(args.binary, work, base, secret)
        before = health(base)
        browser, browser_ws = start_chromium(args.chromium, work / "profile", work / "chromium.log",
                                             deadline)
        processes.append(browser)
        left = deadline - time.monotonic()
        try:
            duration, position, devtools = asyncio.run(
                asyncio.wait_for(play(browser_ws, url, deadline), timeout=max(left, 1)))
        except (asyncio.TimeoutError, TimeoutError):
            raise Failure(f"the player did not load and seek within {args.timeout} s") from None
        after = health(base)
        return check(duration, position, devtools, len(mp3), before, after)
    finally:
        for process in reversed(processes):
            process.stop()
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", required=True, help="hark or hark-smol")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds for the whole run")
    args = parser.parse_args()
    name = Path(args.binary).name
    try:
        summary = run(args)
    except Failure as e:
        print(f"FAIL {name}: {e}")
        return 1
    except (OSError, subprocess.SubprocessError) as e:
        print(f"FAIL {name}: {type(e).__name__}: {e}")
        return 1
    print(f"PASS {name}: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
