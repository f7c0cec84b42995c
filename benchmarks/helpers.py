"""Shared helpers of the benchmarks: households, timed setup, clocks, raw requests.

Every ``bench_*.py`` module fills one or two tables of ``report.REPORT``; what
they share lives here. Nothing here asserts on time.
"""

import asyncio
from datetime import timedelta
import inspect
import re
import time
from typing import Any

from homeassistant.components.media_player import DOMAIN as MEDIA_PLAYER_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.sonos_cloud import coordinator as coordinator_module
from custom_components.sonos_cloud.endpoints import sonos_endpoints
from tests.simulator import SonosCloudSimulator

LIVING_ROOM_ENTITY = "media_player.living_room"
KITCHEN_ENTITY = "media_player.kitchen"
BEDROOM_ENTITY = "media_player.bedroom"
PARALLEL_REQUESTS = 8  # like the coordinator, for the raw replay


def build_household(sim: SonosCloudSimulator, players: int, groups: int) -> list[str]:
    """Add a household of ``players`` rooms in ``groups`` groups of near-equal size.

    Every group has the demo track list loaded; every other group is playing,
    so metadata and playback answers are realistic.
    """
    household_id = sim.add_household()
    ids = [sim.add_player(household_id, f"Room {n:03d}") for n in range(1, players + 1)]
    size, extra = divmod(players, groups)
    start = 0
    for index in range(groups):
        end = start + size + (1 if index < extra else 0)
        chunk = ids[start:end]
        start = end
        if len(chunk) > 1:
            sim.external_regroup(chunk)
        sim.load_tracks(sim.group_id_of(chunk[0]), play=index % 2 == 0)
    return ids


def smallest_and_largest_singles(
    figures: dict[tuple[int, int], Any],
) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """Return the smallest and largest sizes of one room per group, if two ran."""
    singles = sorted(size for size in figures if size[0] == size[1])
    if len(singles) < 2:
        return None
    return singles[0], singles[-1]


def oauth_requests(sim: SonosCloudSimulator) -> list[Any]:
    """Return the token requests the simulator saw."""
    return [r for r in sim.requests if r.api == "oauth"]


def short_path(path: str) -> str:
    """Replace ids in a recorded path by placeholders."""
    path = re.sub(r"RINCON_[0-9A-F]+(:\d+)?", lambda m: "{g}" if m[1] else "{p}", path)
    return re.sub(r"Sonos_[A-Za-z0-9]+\.[A-Za-z0-9]+", "{hh}", path)


def describe(requests: list[Any]) -> str:
    """Summarise recorded requests as ``METHOD path status`` items."""
    return "; ".join(f"{r.method} {short_path(r.path)} {r.status}" for r in requests)


async def setup_entry(
    hass: HomeAssistant, entry: MockConfigEntry, sim: SonosCloudSimulator
) -> dict[str, float]:
    """Set up the entry, timing it from ``async_setup`` until the entities exist.

    Home Assistant's own media_player component is loaded beforehand so that
    only the integration's setup is timed.
    """
    assert await async_setup_component(hass, MEDIA_PLAYER_DOMAIN, {})
    await hass.async_block_till_done()
    sim.clear_requests()
    entry.add_to_hass(hass)
    wall, cpu = time.perf_counter(), time.process_time()
    ok = await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return {
        "ok": ok,
        "wall": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
        "control": len(sim.control_requests()),
        "oauth": len(oauth_requests(sim)),
        "entities": len(hass.states.async_entity_ids(MEDIA_PLAYER_DOMAIN)),
        "rate_limited": sum(r.status == 429 for r in sim.requests),
        "subscribe": sum(r.path.endswith("/subscription") for r in sim.requests),
        "subscribe_refused": sum(
            r.path.endswith("/subscription") and r.status >= 400 for r in sim.requests
        ),
    }


def next_refresh_in(coordinator: Any) -> float:
    """Seconds until the coordinator's scheduled refresh."""
    unsub = coordinator._unsub_refresh
    assert unsub is not None, "no refresh scheduled"
    return max(0.0, unsub.__self__.when() - coordinator.hass.loop.time())


async def run_scheduled_refresh(hass: HomeAssistant, coordinator: Any) -> float:
    """Move Home Assistant's clock to the next scheduled refresh and run it."""
    delay = next_refresh_in(coordinator)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=delay))
    await hass.async_block_till_done(wait_background_tasks=True)
    return delay


class PollClock:
    """Advance Home Assistant's clock for the coordinator's polling timer.

    The test clock cannot move the event loop's own time, so this keeps the
    virtual time elapsed since the current refresh timer was scheduled and
    fires the timer when it falls due. A command that reschedules the timer
    (``async_set_updated_data`` does) restarts the count.
    """

    def __init__(self, hass: HomeAssistant, coordinator: Any) -> None:
        """Start at the currently scheduled refresh."""
        self.hass, self.coordinator = hass, coordinator
        self.handle = coordinator._unsub_refresh
        self.elapsed = 0.0
        self.refreshes = 0

    async def advance(self, seconds: float) -> None:
        """Let ``seconds`` of virtual time pass, running the refreshes due."""
        if self.coordinator._unsub_refresh is not self.handle:
            self.handle, self.elapsed = self.coordinator._unsub_refresh, 0.0
        remaining = seconds
        while (due := next_refresh_in(self.coordinator) - self.elapsed) <= remaining:
            remaining -= max(due, 0.0)
            await run_scheduled_refresh(self.hass, self.coordinator)
            self.refreshes += 1
            self.handle, self.elapsed = self.coordinator._unsub_refresh, 0.0
        self.elapsed += remaining


def formula_requests(households: int, groups: int, players: int) -> str:
    """Return the coordinator's own estimate of a refresh's requests, if any."""
    estimate = getattr(coordinator_module, "requests_per_refresh", None)
    try:
        return str(estimate(households, groups, players)) if estimate else "n/a"
    except TypeError:
        return "n/a"


def push_mode() -> str | None:
    """Describe push support if the coordinator has any (webhook/subscriptions)."""
    source = inspect.getsource(coordinator_module).lower()
    found = [word for word in ("webhook", "subscri", "callback_url") if word in source]
    return ", ".join(found) or None


async def settle(sim: SonosCloudSimulator) -> None:
    """Wait until no more requests arrive.

    A refresh that fails part-way returns before requests it already started
    have finished; they still reach the simulator and are counted here.
    """
    count, quiet = -1, 0
    while quiet < 3:
        await asyncio.sleep(0.005)
        quiet = quiet + 1 if len(sim.requests) == count else 0
        count = len(sim.requests)


async def timed_pair(index: int, service: Any, raw: Any) -> tuple[float, float]:
    """Time a service call and a raw request, alternating which goes first."""
    timings: dict[str, float] = {}
    order = [("service", service), ("raw", raw)]
    for name, call in order if index % 2 == 0 else reversed(order):
        start = time.perf_counter()
        await call()
        timings[name] = time.perf_counter() - start
    return timings["service"], timings["raw"]


async def raw_post(
    hass: HomeAssistant, token: str, path: str, body: dict[str, Any]
) -> None:
    """POST to the Control API with plain aiohttp and Home Assistant's session."""
    session = async_get_clientsession(hass)
    url = sonos_endpoints().control_api_url + path
    headers = {"Authorization": f"Bearer {token}"}
    async with session.post(url, json=body, headers=headers) as resp:
        await resp.read()
        assert resp.status == 200, resp.status


async def volume_pair(
    hass: HomeAssistant, token: str, entity_id: str, player_id: str, index: int
) -> tuple[float, float]:
    """Time ``volume_set`` until the state shows it, and the same raw POST."""
    level = (20 + index % 2) / 100

    async def service() -> None:
        await hass.services.async_call(
            MEDIA_PLAYER_DOMAIN,
            "volume_set",
            {ATTR_ENTITY_ID: entity_id, "volume_level": level},
            blocking=True,
        )
        state = hass.states.get(entity_id)
        assert state is not None
        assert state.attributes["volume_level"] == level

    async def raw() -> None:
        await raw_post(
            hass, token, f"/players/{player_id}/playerVolume", {"volume": 40}
        )

    return await timed_pair(index, service, raw)


async def replay(
    hass: HomeAssistant, token: str, recorded: list[tuple[str, str, dict[str, str]]]
) -> None:
    """Send recorded requests with plain aiohttp: first two in order, rest 8-wide."""
    session = async_get_clientsession(hass)
    base = sonos_endpoints().control_api_url
    headers = {"Authorization": f"Bearer {token}"}
    slots = asyncio.Semaphore(PARALLEL_REQUESTS)

    async def send(method: str, path: str, query: dict[str, str]) -> None:
        async with (
            slots,
            session.request(method, base + path, params=query, headers=headers) as resp,
        ):
            await resp.read()
            assert resp.status == 200, (method, path, resp.status)

    for request in recorded[:2]:
        await send(*request)
    await asyncio.gather(*(send(*request) for request in recorded[2:]))


async def settle_events(hass: HomeAssistant, sim: SonosCloudSimulator) -> None:
    """Wait until the simulator delivered every event and Home Assistant is idle."""
    count = -1
    while count != (len(sim.deliveries), len(sim.requests)):
        count = (len(sim.deliveries), len(sim.requests))
        await sim.drain_events()
        await hass.async_block_till_done(wait_background_tasks=True)
        await settle(sim)
