"""Chromium driven over the DevTools protocol on its pipe: the few commands printing needs.

Chromium started with --remote-debugging-pipe reads protocol messages (JSON, each ended by a
NUL byte) on its file descriptor 3 and answers on 4 (https://chromedevtools.github.io/devtools-protocol/).
Printing needs a dozen commands and three events, so the publish step speaks them itself: no
Node process relays them (Playwright's driver), and no port is opened that another user of the
machine could reach. Printing starts about 0.4 s sooner, and the browser's side costs a
seventh less CPU (benchmarks/README.md).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import os
import signal
from collections.abc import Sequence
from typing import Any

# what a headless print needs of Playwright's defaults for Chromium: nothing runs in the background, and no
# profile, extension, keyring or first-run screen of the user's is touched (their PDFs are the same, byte for byte);
# and no GPU: a print is drawn in software
FLAGS = ("--headless", "--disable-gpu", "--no-sandbox", "--no-startup-window", "--no-first-run", "--no-default-browser-check",
         "--hide-scrollbars", "--mute-audio", "--disable-extensions", "--disable-sync", "--disable-default-apps",
         "--disable-background-networking", "--disable-component-update", "--disable-breakpad", "--disable-dev-shm-usage",
         "--disable-field-trial-config", "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
         "--disable-backgrounding-occluded-windows", "--disable-features=PaintHolding,MediaRouter,OptimizationHints",
         "--force-color-profile=srgb", "--password-store=basic", "--use-mock-keychain", "--metrics-recording-only")
MESSAGE_LIMIT = 1 << 30  # a PDF comes back in one message, base64-encoded


class ProtocolError(Exception):
    """Chromium refused a command, or is gone."""


class Browser:
    """A Chromium process started here, leading a process group of its own, and the connection to it."""

    def __init__(self, pid: int, reader: asyncio.StreamReader, writer: asyncio.WriteTransport) -> None:
        self.pid, self._reader, self._writer = pid, reader, writer
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple[asyncio.Future, str]] = {}
        self._events: dict[tuple[str, str], list[asyncio.Future]] = {}
        self._gone: str | None = None  # why no command can be sent any more
        self._reading = asyncio.get_running_loop().create_task(self._read())
        self.exited = asyncio.create_task(asyncio.to_thread(_reap, pid))  # as soon as it ends

    @classmethod
    async def launch(cls, executable: str, args: Sequence[str]) -> Browser:
        """Start executable with FLAGS and args (which name its --user-data-dir); ready once it answered."""
        commands, theirs_in = os.pipe()
        theirs_out, answers = os.pipe()
        try:
            pid = os.posix_spawn(
                executable, [executable, *FLAGS, *args, "--remote-debugging-pipe"], os.environ, setpgroup=0,
                file_actions=[(os.POSIX_SPAWN_DUP2, commands, 3), (os.POSIX_SPAWN_DUP2, answers, 4),
                              (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                              (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)])  # its log is noise
        finally:
            os.close(commands)
            os.close(answers)
        try:
            loop = asyncio.get_running_loop()
            reader = asyncio.StreamReader(limit=MESSAGE_LIMIT)
            await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(theirs_out, "rb", 0))
            writer, _ = await loop.connect_write_pipe(asyncio.Protocol, os.fdopen(theirs_in, "wb", 0))
        except BaseException:
            os.killpg(pid, signal.SIGKILL)
            _reap(pid)
            raise
        browser = cls(pid, reader, writer)
        try:
            await browser.send("Browser.getVersion")
        except BaseException:  # a timeout or cancellation from the caller too: nothing is left behind
            browser.kill()
            raise
        return browser

    @property
    def connected(self) -> bool:
        return self._gone is None

    async def send(self, method: str, params: dict[str, Any] | None = None, session: str = "") -> dict[str, Any]:
        """The result of a command to the browser, or to the tab of session."""
        if self._gone is not None:
            raise ProtocolError(self._gone)
        number, answer = next(self._ids), asyncio.get_running_loop().create_future()
        self._pending[number] = answer, session
        message = {"id": number, "method": method, "params": params or {}, **({"sessionId": session} if session else {})}
        self._writer.write(json.dumps(message).encode() + b"\0")
        return await answer

    def event(self, method: str, session: str = "") -> asyncio.Future:
        """A future for the parameters of the next such event (ask before the command that causes it)."""
        future = asyncio.get_running_loop().create_future()
        self._events.setdefault((session, method), []).append(future)
        return future

    async def _read(self) -> None:
        try:
            while True:
                message = json.loads((await self._reader.readuntil(b"\0"))[:-1])
                if "id" in message:
                    future, _ = self._pending.pop(message["id"], (None, ""))
                    if future is not None and not future.done():
                        if "error" in message:
                            future.set_exception(ProtocolError(message["error"].get("message", "refused")))
                        else:
                            future.set_result(message.get("result", {}))
                    continue
                session, params = message.get("sessionId", ""), message.get("params", {})
                if message["method"] in ("Inspector.targetCrashed", "Target.detachedFromTarget"):
                    self._fail(ProtocolError("the page crashed or was closed"), params.get("sessionId", session))
                for future in self._events.pop((session, message["method"]), []):
                    if not future.done():
                        future.set_result(params)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
            pass
        finally:
            self._gone = "chromium closed the connection"
            self._fail(ProtocolError(self._gone))

    def _fail(self, error: ProtocolError, session: str | None = None) -> None:
        """Fail what waits on session (None: on anything)."""
        for number, (future, on) in list(self._pending.items()):
            if session is None or on == session:
                del self._pending[number]
                if not future.done():
                    future.set_exception(error)
        for (on, method), futures in list(self._events.items()):
            if session is None or on == session:
                del self._events[on, method]
                for future in futures:
                    if not future.done():
                        future.set_exception(error)

    def kill(self) -> None:
        """SIGKILL to the browser's process group, it and the helpers that stayed in it (from any thread)."""
        with contextlib.suppress(OSError):  # gone already
            os.killpg(self.pid, signal.SIGKILL)

    async def close(self, timeout: float) -> None:
        """Ask the browser to close, and kill it when it has not ended within timeout seconds."""
        with contextlib.suppress(ProtocolError, TimeoutError):  # it may close the pipe before it answers
            if self.connected:
                await asyncio.wait_for(self.send("Browser.close"), timeout)
            await asyncio.wait_for(asyncio.shield(self.exited), timeout)
        self.kill()
        await asyncio.wait_for(asyncio.shield(self.exited), timeout)
        self._reading.cancel()


class Tab:
    """A tab in a browser context of its own, showing pages in print media."""

    def __init__(self, browser: Browser, context: str, target: str, session: str) -> None:
        self.browser, self.context, self.target, self.session = browser, context, target, session
        self.url = "about:blank"

    @classmethod
    async def open(cls, browser: Browser) -> Tab:
        context = (await browser.send("Target.createBrowserContext"))["browserContextId"]
        target = (await browser.send("Target.createTarget", {"url": "about:blank", "browserContextId": context}))["targetId"]
        session = (await browser.send("Target.attachToTarget", {"targetId": target, "flatten": True}))["sessionId"]
        tab = cls(browser, context, target, session)
        await asyncio.gather(tab._send("Page.enable"), tab._send("Inspector.enable"),
                             tab._send("Emulation.setEmulatedMedia", {"media": "print"}),
                             tab._send("Emulation.setDeviceMetricsOverride",  # not whatever window headless Chromium opens
                                       {"width": 1280, "height": 720, "deviceScaleFactor": 1, "mobile": False}))
        return tab

    def _send(self, method: str, params: dict[str, Any] | None = None) -> Any:
        return self.browser.send(method, params, self.session)

    async def goto(self, url: str) -> None:
        """Load url, up to its load event (styles, images and deferred scripts in)."""
        loaded = self.browser.event("Page.loadEventFired", self.session)
        result = await self._send("Page.navigate", {"url": url})
        if result.get("errorText"):
            loaded.cancel()
            raise ProtocolError(f"{url} did not load: {result['errorText']}")
        self.url = url
        await loaded

    async def call(self, function: str, argument: object) -> None:
        """Run a JavaScript function on the page with argument (JSON)."""
        result = await self._send("Runtime.evaluate", {"expression": f"({function})({json.dumps(argument)})", "awaitPromise": True})
        if "exceptionDetails" in result:
            raise ProtocolError(f"a script failed on {self.url}: {result['exceptionDetails'].get('text', '')}")

    async def pdf(self, **options: object) -> bytes:
        """The page printed (Page.printToPDF's options)."""
        return base64.b64decode((await self._send("Page.printToPDF", options))["data"])

    async def close(self) -> None:
        await self.browser.send("Target.closeTarget", {"targetId": self.target})
        await self.browser.send("Target.disposeBrowserContext", {"browserContextId": self.context})


def _reap(pid: int) -> None:
    """Wait for the browser process to end, so it leaves no zombie."""
    with contextlib.suppress(ChildProcessError):  # reaped already
        os.waitpid(pid, 0)
