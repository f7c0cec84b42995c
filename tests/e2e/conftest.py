"""The demo stack for the end-to-end tests, started once for the whole module.

``scripts/develop`` is what a newcomer runs, so the tests start exactly that:
the simulator and a real ``hass`` process on free ports of 127.0.0.1, with a
throw-away configuration, onboarded and linked through the OAuth flow by
``scripts/develop_bootstrap.py``. The tests then talk to both over HTTP only,
Home Assistant through the client that script uses (``scripts/hass_client.py``).
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
import contextlib
from dataclasses import dataclass, field
import os
from pathlib import Path
import signal
import socket
import subprocess
import sys
import time
from typing import Any

import aiohttp
import pytest
import pytest_socket

from scripts.hass_client import REQUEST_TIMEOUT, HomeAssistant

REPO = Path(__file__).parents[2]
SPEECH_INTEGRATION = Path(__file__).parent / "e2e_speech"
READY_LINE = "speakers ready"
# The first start installs what Home Assistant's integrations need (frontend,
# Assist): that alone can take minutes on a slow link.
START_TIMEOUT = 900.0
STOP_TIMEOUT = 60.0


def free_ports(count: int) -> list[int]:
    """Ports of 127.0.0.1 nothing listens on (the kernel picks them)."""
    # Home Assistant's test plugin blocks sockets outside tests that ask for
    # them; this fixture runs before any test has.
    pytest_socket.enable_socket()
    try:
        probes = [socket.socket() for _ in range(count)]
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        ports = [probe.getsockname()[1] for probe in probes]
        for probe in probes:
            probe.close()
    finally:
        pytest_socket.disable_socket(allow_unix_socket=True)
    return ports


@dataclass
class Demo:
    """``scripts/develop`` running in the background on its own ports."""

    directory: Path
    ha_port: int
    simulator_port: int
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        """Keep the logs of every start next to the configuration."""
        self.log = self.directory / "develop.log"

    @property
    def ha_url(self) -> str:
        """Home Assistant's base URL."""
        return f"http://127.0.0.1:{self.ha_port}"

    @property
    def simulator_url(self) -> str:
        """The simulated Sonos cloud's base URL."""
        return f"http://127.0.0.1:{self.simulator_port}"

    @property
    def config_dir(self) -> Path:
        """Home Assistant's configuration directory."""
        return self.directory / "config"

    def start(self) -> None:
        """Start scripts/develop; return once it reports the speakers ready."""
        custom = self.config_dir / "custom_components"
        custom.mkdir(parents=True, exist_ok=True)
        link = custom / SPEECH_INTEGRATION.name
        if not link.exists():
            link.symlink_to(SPEECH_INTEGRATION, target_is_directory=True)
        env = {
            **os.environ,
            "DEVELOP_DIR": str(self.directory),
            "DEVELOP_HA_PORT": str(self.ha_port),
            "DEVELOP_SIMULATOR_PORT": str(self.simulator_port),
            "VENV": sys.prefix,
        }
        env.pop("SONOS_CLOUD_ROOT_URL", None)
        self.starts += 1
        with self.log.open("a") as log:
            log.write(f"\n==== start {self.starts}\n")
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603
                [str(REPO / "scripts" / "develop")],
                cwd=REPO,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT
        offset = self.log.stat().st_size
        while time.monotonic() < deadline:
            if READY_LINE in self.log.read_text()[offset:]:
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.5)
        self.stop()
        pytest.fail(f"scripts/develop did not get ready:\n{self.tail()}")

    def stop(self) -> None:
        """Stop scripts/develop, which stops Home Assistant and the simulator."""
        if self.process is None:
            return
        process, self.process = self.process, None
        if process.poll() is None:
            # The script alone: it stops Home Assistant, which then saves its
            # storage. A signal to the whole group can kill Home Assistant
            # before it has written what the next start needs.
            process.terminate()
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        # Whatever the script left behind in its process group goes too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

    def tail(self, lines: int = 40) -> str:
        """Return the end of the script's output and of Home Assistant's log."""
        parts = []
        for path in (self.log, self.config_dir / "home-assistant.log"):
            if path.exists():
                text = path.read_text(errors="replace").splitlines()[-lines:]
                parts.append(f"--- {path.name}\n" + "\n".join(text))
        return "\n".join(parts)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """Run the demo stack: simulator plus Home Assistant, linked and ready."""
    ha_port, simulator_port = free_ports(2)
    stack = Demo(tmp_path_factory.mktemp("demo"), ha_port, simulator_port)
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


@dataclass
class Simulator:
    """What the simulator was asked, read over its inspection endpoint."""

    session: aiohttp.ClientSession
    url: str

    async def mark(self) -> int:
        """How many requests it has seen so far."""
        return int((await self._requests(0))["total"])

    async def since(self, mark: int) -> list[dict[str, Any]]:
        """Control API requests since ``mark``: method, path, status, JSON body."""
        requests = (await self._requests(mark))["requests"]
        return [r for r in requests if r["api"] == "control"]

    async def _requests(self, since: int) -> dict[str, Any]:
        async with self.session.get(
            f"{self.url}/simulator/requests", params={"since": since}
        ) as response:
            response.raise_for_status()
            body: dict[str, Any] = await response.json()
            return body


@dataclass
class Client:
    """A logged-in Home Assistant client and the simulator, for one test."""

    hass: HomeAssistant
    simulator: Simulator
    demo: Demo

    async def call(self, domain: str, service: str, **data: Any) -> Any:
        """Call a service through the REST API, as a dashboard or script would."""
        return await self.hass.request(
            "POST", f"/api/services/{domain}/{service}", json_body=data
        )

    async def state(self, entity_id: str) -> dict[str, Any]:
        """Return the entity's state as the REST API shows it."""
        state: dict[str, Any] = await self.hass.request(
            "GET", f"/api/states/{entity_id}"
        )
        return state

    async def ask(self, text: str) -> dict[str, Any]:
        """Say a sentence to Assist; return its response."""
        reply = await self.hass.request(
            "POST",
            "/api/conversation/process",
            json_body={"text": text, "language": "en"},
        )
        response: dict[str, Any] = reply["response"]
        return response


async def eventually[T](
    what: str, check: Callable[[], Awaitable[T]], limit: float = 15.0
) -> T:
    """Return check()'s first truthy value; fail with ``what`` after ``limit`` s."""
    deadline = time.monotonic() + limit
    while not (value := await check()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {limit:.0f} s waiting for {what}")
        await asyncio.sleep(0.2)
    return value


@contextlib.asynccontextmanager
async def connect(demo: Demo) -> AsyncIterator[Client]:
    """Log in as the demo user; close everything on the way out."""
    async with aiohttp.ClientSession(timeout=REQUEST_TIMEOUT) as session:
        hass = HomeAssistant(session, demo.ha_url)
        await hass.login()
        try:
            yield Client(hass, Simulator(session, demo.simulator_url), demo)
        finally:
            await hass.close()


@pytest.fixture
async def client(demo: Demo, socket_enabled: None) -> AsyncIterator[Client]:
    """Connect to the running demo for one test."""
    async with connect(demo) as connected:
        yield connected
