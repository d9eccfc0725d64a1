"""Open a page in headless Chromium and look at it: load time, console errors, network
requests, DOM facts, a screenshot.

Chromium is driven through its DevTools protocol over a pipe (--remote-debugging-pipe: JSON
messages ending in a NUL byte, commands on file descriptor 3, replies on 4), so nothing but the
Debian `chromium` package is needed: no driver binary, no websocket client, no Python package.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass, field

# Flags that work on a closed network: without the background-networking ones Chromium waits on
# connections that never come.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
)
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")


class BrowserError(RuntimeError):
    """Chromium is missing, did not start, or did not answer in time."""


def find_chromium() -> str | None:
    """$AUDIENCE_CHROMIUM, or the first Chromium on PATH."""
    explicit = os.environ.get("AUDIENCE_CHROMIUM")
    if explicit:
        return explicit if shutil.which(explicit) else None
    return next((path for name in CANDIDATES if (path := shutil.which(name))), None)


@dataclass
class PageLoad:
    """What happened while a page loaded."""

    load_seconds: float  # from the navigation command to the load event
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # every URL the page asked for


class Chromium:
    """One headless Chromium with one tab (a context manager)."""

    def __init__(self, width: int = 1280, height: int = 900, timeout: float = 60.0):
        executable = find_chromium()
        if executable is None:
            raise BrowserError("Chromium not found: install Debian's chromium (make chromium)")
        self._timeout = timeout
        self._profile = tempfile.TemporaryDirectory(prefix="audience-chromium-")
        self._next_id = 0
        self._events: list[dict] = []
        self._buffer = b""
        self._pid, self._send_fd, self._receive_fd = _spawn(executable, self._profile.name)
        try:
            target = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
            attached = self._call("Target.attachToTarget", {"targetId": target, "flatten": True})
            self._session = attached["sessionId"]
            for domain in ("Page", "Runtime", "Log", "Network"):
                self.call(f"{domain}.enable")
            self.call(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            )
        except BaseException:
            self.close()
            raise

    # --- protocol ---------------------------------------------------------------------------
    def call(self, method: str, params: dict | None = None) -> dict:
        """A command to the tab; its result."""
        return self._call(method, params, self._session)

    def _call(self, method: str, params: dict | None = None, session: str | None = None):
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._send_fd, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._receive()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            self._events.append(reply)

    def _receive(self) -> dict:
        deadline = time.monotonic() + self._timeout
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._receive_fd], [], [], max(0.0, left))
            if not ready:
                raise BrowserError(f"Chromium did not answer within {self._timeout:.0f}s")
            chunk = os.read(self._receive_fd, 1 << 20)
            if not chunk:
                raise BrowserError("Chromium closed its DevTools pipe (it exited)")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def _wait_for(self, method: str) -> None:
        while not any(e.get("method") == method for e in self._events):
            self._events.append(self._receive())

    # --- what the tests and the screenshot use ------------------------------------------------
    def open(self, url: str) -> PageLoad:
        """Navigate and wait for the load event; console errors and requests seen meanwhile."""
        self._events.clear()
        started = time.perf_counter()
        navigation = self.call("Page.navigate", {"url": url})
        if navigation.get("errorText"):
            raise BrowserError(f"cannot open {url}: {navigation['errorText']}")
        self._wait_for("Page.loadEventFired")
        seconds = time.perf_counter() - started
        self.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        return PageLoad(seconds, _console_errors(self._events), _requests(self._events))

    def evaluate(self, expression: str):
        """The value of a JavaScript expression in the page (promises awaited)."""
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression[:60]}...: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def screenshot(self, full_page: bool = False) -> bytes:
        """A PNG of the viewport (or of the whole page)."""
        params = {"format": "png", "captureBeyondViewport": full_page}
        if full_page:
            width, height = self.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
            )
            params["clip"] = {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}
        return base64.b64decode(self.call("Page.captureScreenshot", params)["data"])

    def element_screenshot(self, selector: str, max_height: int = 1400) -> bytes:
        """A PNG of the element matching ``selector`` (its top ``max_height`` pixels)."""
        box = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " if (!e) return null; const r = e.getBoundingClientRect();"
            " return [r.left + scrollX, r.top + scrollY, r.width, r.height]; })()"
        )
        if box is None:
            raise BrowserError(f"no element {selector} in the page")
        x, y, width, height = box
        clip = {"x": x, "y": y, "width": width, "height": min(height, max_height), "scale": 1}
        params = {"format": "png", "captureBeyondViewport": True, "clip": clip}
        return base64.b64decode(self.call("Page.captureScreenshot", params)["data"])

    def close(self) -> None:
        if self._pid:
            with contextlib.suppress(BrowserError, OSError):
                self._call("Browser.close")
            _stop(self._pid)
            self._pid = 0
        for fd in (self._send_fd, self._receive_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._profile.cleanup()

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _spawn(executable: str, profile: str) -> tuple[int, int, int]:
    """Start Chromium with its DevTools pipe on fds 3 (commands) and 4 (replies)."""
    commands_read, commands_write = os.pipe()
    replies_read, replies_write = os.pipe()
    devnull = os.open(os.devnull, os.O_RDWR)
    actions = [
        (os.POSIX_SPAWN_DUP2, devnull, 0),
        (os.POSIX_SPAWN_DUP2, devnull, 1),
        (os.POSIX_SPAWN_DUP2, devnull, 2),
        (os.POSIX_SPAWN_DUP2, commands_read, 3),
        (os.POSIX_SPAWN_DUP2, replies_write, 4),
    ]
    argv = [executable, *FLAGS, f"--user-data-dir={profile}", "about:blank"]
    try:
        pid = os.posix_spawn(executable, argv, os.environ, file_actions=actions)
    finally:
        for fd in (commands_read, replies_write, devnull):
            os.close(fd)
    return pid, commands_write, replies_read


def _stop(pid: int) -> None:
    """Wait a moment for Chromium to exit after Browser.close, then make sure it has."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def _console_errors(events: list[dict]) -> list[str]:
    errors = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            errors.append(
                " ".join(str(a.get("value", a.get("description"))) for a in params.get("args", []))
            )
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            errors.append(details.get("exception", {}).get("description") or details.get("text"))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            errors.append(f"{params['entry'].get('text')} {params['entry'].get('url', '')}")
    return errors


def _requests(events: list[dict]) -> list[str]:
    return [
        e["params"]["request"]["url"]
        for e in events
        if e.get("method") == "Network.requestWillBeSent"
    ]
