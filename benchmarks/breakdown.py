"""Where a command's time goes: timestamps around each step of the command path.

The steps are wrapped at class level for the duration of a benchmark, so the
integration itself is measured unchanged (a wrapper costs about a microsecond).
Durations are summed per command and the medians reported.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import wraps
import time
from typing import Any

from homeassistant.core import ServiceRegistry
import pytest

from custom_components.sonos_cloud.api import pacer, transport
from custom_components.sonos_cloud.auth import OAuthTokenProvider
from custom_components.sonos_cloud.coordinator import SonosCloudCoordinator
from custom_components.sonos_cloud.entity import SonosCloudEntity

from .report import median, ms

# Step name, then what it wraps: the entity's command (from the service
# dispatch until it returns), the token getter, the pacer's wait, the whole
# request (pacer wait included) and the optimistic state writes.
STEPS: dict[str, tuple[Any, str]] = {
    "command": (SonosCloudEntity, "async_command"),
    "token": (OAuthTokenProvider, "__call__"),
    "pacer": (pacer.RequestPacer, "_turn"),
    "send": (transport.Transport, "_send"),
    "publish": (SonosCloudCoordinator, "async_publish"),
}
HEADERS = [
    "HA dispatch",
    "token",
    "pacer wait",
    "HTTP round trip",
    "state writes",
    "rest of the integration",
    "HA return",
]


class Breakdown:
    """Durations of each step, per command."""

    def __init__(self) -> None:
        """Start with no commands."""
        self.current: dict[str, float] = {}
        self.commands: list[dict[str, float]] = []

    def record(self, step: str, seconds: float) -> None:
        """Add a step's duration to the command being timed."""
        self.current[step] = self.current.get(step, 0.0) + seconds

    async def service_call(self, call: Any, *args: Any, **kwargs: Any) -> Any:
        """Run one service call (``ServiceRegistry.async_call``), keeping its steps."""
        start = time.perf_counter()
        self.current = {"start": start}
        try:
            return await call(*args, **kwargs)
        finally:
            self.current["total"] = time.perf_counter() - start
            self.commands.append(self.current)

    def cells(self) -> list[str]:
        """Return the medians of each step, in the order of ``HEADERS``."""

        def part(command: dict[str, float]) -> list[float]:
            step = command.get
            request = step("send", 0.0) - step("pacer", 0.0)
            inside = step("command", 0.0)
            rest = inside - step("token", 0.0) - step("send", 0.0)
            return [
                step("dispatch", 0.0),
                step("token", 0.0),
                step("pacer", 0.0),
                request,
                step("publish", 0.0),
                rest - step("publish", 0.0),
                step("total", 0.0) - step("dispatch", 0.0) - inside,
            ]

        parts = [part(command) for command in self.commands]
        return [ms(median(p[index] for p in parts)) for index in range(len(HEADERS))]


@contextmanager
def breakdown() -> Iterator[Breakdown]:
    """Time each step of every command sent while the context is open."""
    timing = Breakdown()
    call = ServiceRegistry.async_call

    async def service_call(*args: Any, **kwargs: Any) -> Any:
        return await timing.service_call(call, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ServiceRegistry, "async_call", service_call)
        for step, (owner, name) in STEPS.items():
            patch.setattr(owner, name, _timed(timing, step, getattr(owner, name)))
        yield timing


def _timed(timing: Breakdown, step: str, method: Any) -> Any:
    """Wrap a coroutine method (or the callback ``async_publish``) to time it."""
    if step == "publish":

        @wraps(method)
        def sync_wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                timing.record(step, time.perf_counter() - start)

        return sync_wrapper

    @wraps(method)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        if step == "command":
            timing.record("dispatch", start - timing.current.get("start", start))
        try:
            return await method(*args, **kwargs)
        finally:
            timing.record(step, time.perf_counter() - start)

    return wrapper
