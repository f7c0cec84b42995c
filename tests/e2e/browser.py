"""Headless Chromium driven over the DevTools protocol, with aiohttp only.

Enough for the dashboard test: open a page, run JavaScript, take a picture.
The browser resolves no host name and so reaches nothing but 127.0.0.1.
"""

import asyncio
import base64
from collections.abc import AsyncIterator
import contextlib
import os
from pathlib import Path
import shutil
import signal
import subprocess
import time
from typing import Any

import aiohttp

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")
LAUNCH_TIMEOUT = 30.0


def find_chromium() -> str | None:
    """Path of a Chromium-like browser: $CHROMIUM, then the usual names."""
    if wanted := os.environ.get("CHROMIUM"):
        return wanted if Path(wanted).is_file() else None
    for name in CANDIDATES:
        if found := shutil.which(name):
            return found
    return None


class BrowserError(Exception):
    """The browser did not start or a page did not behave."""


class Page:
    """One tab, reached through its DevTools websocket."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Use an open DevTools websocket of a page target."""
        self._ws = ws
        self._next_id = 0
        # Uncaught script errors, reported when a wait times out. Home
        # Assistant's own frontend throws a few while cards set up.
        self.errors: list[str] = []

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one command; return its result (events on the way are noted)."""
        self._next_id += 1
        command_id = self._next_id
        await self._ws.send_json({"id": command_id, "method": method, "params": params})
        while True:
            message = await self._ws.receive_json(timeout=60)
            if message.get("method") == "Runtime.exceptionThrown":
                details = message["params"]["exceptionDetails"]
                self.errors.append(
                    str(details.get("exception", {}).get("description", details))
                )
            if message.get("id") != command_id:
                continue
            if "error" in message:
                raise BrowserError(f"{method}: {message['error']}")
            result: dict[str, Any] = message.get("result", {})
            return result

    async def evaluate(self, expression: str) -> Any:
        """Run JavaScript in the page (awaiting a promise); return its value."""
        result = await self.send(
            "Runtime.evaluate",
            expression=expression,
            awaitPromise=True,
            returnByValue=True,
        )
        if "exceptionDetails" in result:
            raise BrowserError(f"script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def goto(self, url: str) -> None:
        """Load a URL and wait until its document has loaded."""
        await self.send("Page.navigate", url=url)
        await self.wait_for("document.readyState === 'complete'", limit=60)

    async def wait_for(
        self, expression: str, *, limit: float, interval: float = 0.5
    ) -> Any:
        """Evaluate until the value is truthy; fail after ``limit`` seconds."""
        deadline = time.monotonic() + limit
        while not (value := await self.evaluate(expression)):
            if time.monotonic() > deadline:
                errors = "\n".join(self.errors[-3:])
                raise BrowserError(
                    f"timed out waiting for: {expression[:120]}\n"
                    f"last script errors of the page:\n{errors}"
                )
            await asyncio.sleep(interval)
        return value

    async def screenshot(self) -> bytes:
        """Capture the viewport as PNG."""
        result = await self.send("Page.captureScreenshot", format="png")
        return base64.b64decode(result["data"])


@contextlib.asynccontextmanager
async def open_page(
    chromium: str, profile: Path, *, width: int = 1280, height: int = 800
) -> AsyncIterator[Page]:
    """Start headless Chromium with a fresh profile; yield its first tab."""
    args = [
        chromium,
        "--headless=new",
        "--no-sandbox",  # tests may run as root
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0",
        f"--user-data-dir={profile}",
        f"--window-size={width},{height}",
        "about:blank",
    ]
    process = subprocess.Popen(  # noqa: ASYNC220, S603
        args,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        port = await _devtools_port(profile, process)
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/json/list") as response:
                targets = await response.json()
            page_target = next(t for t in targets if t["type"] == "page")
            async with session.ws_connect(
                page_target["webSocketDebuggerUrl"], max_msg_size=0
            ) as ws:
                page = Page(ws)
                await page.send("Runtime.enable")
                await page.send("Page.enable")
                await page.send(
                    "Emulation.setDeviceMetricsOverride",
                    width=width,
                    height=height,
                    deviceScaleFactor=1,
                    mobile=False,
                )
                yield page
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            await asyncio.to_thread(process.wait, 10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            await asyncio.to_thread(process.wait)


async def _devtools_port(profile: Path, process: subprocess.Popen[bytes]) -> int:
    """Read the port Chromium picked from DevToolsActivePort in its profile."""
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + LAUNCH_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BrowserError(f"Chromium exited with code {process.returncode}")
        with contextlib.suppress(FileNotFoundError, ValueError, IndexError):
            return int(marker.read_text().splitlines()[0])
        await asyncio.sleep(0.1)
    raise BrowserError(f"Chromium did not open its DevTools port in {LAUNCH_TIMEOUT} s")
