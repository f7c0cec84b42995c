"""Benchmarks: the integration in a real Home Assistant test instance vs the simulator.

Run with ``scripts/bench`` (full, a few minutes) or ``scripts/bench --quick``
(smoke test). Nothing here asserts on time; figures go to ``report.REPORT``
and are printed as tables at the end of the run. Assertions only check that a
benchmark did what it set out to do (entities exist, a refresh succeeded).
"""
# ruff: noqa: S101, SLF001, PLR0915, PLR0917

import asyncio
from datetime import timedelta
import gc
import inspect
import math
import re
import time
import tracemalloc
from typing import Any

from homeassistant.components.media_player import (
    DOMAIN as MEDIA_PLAYER_DOMAIN,
    MediaPlayerEntityFeature,
)
from homeassistant.const import ATTR_ENTITY_ID, ATTR_SUPPORTED_FEATURES, CONF_WEBHOOK_ID
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
import voluptuous as vol

from custom_components.sonos_cloud import const, coordinator as coordinator_module
from custom_components.sonos_cloud.const import DOMAIN, RATE_LIMIT_PER_MINUTE
from custom_components.sonos_cloud.endpoints import sonos_endpoints
from tests.conftest import HOUSEHOLD_ID, KITCHEN, LIVING_ROOM
from tests.simulator import Fault, SonosCloudSimulator

from .report import REPORT, kib, median, ms

LIVING_ROOM_ENTITY = "media_player.living_room"
KITCHEN_ENTITY = "media_player.kitchen"
BEDROOM_ENTITY = "media_player.bedroom"

# (players, groups): rooms of one player each, then fewer, larger groups.
SIZES = {
    "idle": {
        "full": [(1, 1), (10, 10), (32, 32), (100, 100), (100, 50)],
        "quick": [(1, 1), (10, 10), (10, 5)],
    },
    "scale": {
        "full": [
            (1, 1),
            (10, 10),
            (32, 32),
            (100, 100),
            (32, 1),
            (100, 50),
            (100, 10),
        ],
        "quick": [(1, 1), (10, 10), (10, 5)],
    },
    "memory": {
        "full": [(1, 1), (10, 10), (32, 32), (100, 100)],
        "quick": [(1, 1), (10, 10)],
    },
    "limiter": {"full": [(10, 10), (32, 32), (100, 100)], "quick": [(10, 10)]},
    "storm": {"full": [(32, 32)], "quick": [(10, 10)]},
    "push": {
        "full": [(1, 1), (10, 10), (32, 32), (100, 100), (100, 50)],
        "quick": [(1, 1), (10, 10)],
    },
}
EVENT_LATENCY_EVENTS = {"full": 30, "quick": 5}
WEBHOOK_ID = "sonos-cloud-bench"
REFRESHES = {"full": 20, "quick": 3}
LATENCY_CALLS = {"full": 200, "quick": 20}
SIZE_LATENCY_CALLS = {"full": 50, "quick": 10}
DELAYED_LATENCY_CALLS = {"full": 40, "quick": 5}
SIMULATED_CLOUD_DELAY = 0.05  # seconds added to each answer in the delayed rows
IDLE_SIMULATED_SECONDS = {"full": 600, "quick": 0}  # at least 2 refreshes anyway
STORM_ATTEMPTS = {"full": 5, "quick": 3}
STORM_RETRY_AFTER = 45
PARALLEL_REQUESTS = 8  # like the coordinator, for the raw replay


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Pick the household sizes of the mode (``--quick`` or full)."""
    mode = "quick" if metafunc.config.getoption("--quick") else "full"
    for kind, sizes in SIZES.items():
        name = f"{kind}_size"
        if name in metafunc.fixturenames:
            metafunc.parametrize(
                name, sizes[mode], ids=[f"{p}p-{g}g" for p, g in sizes[mode]]
            )


@pytest.fixture
def mode(quick: bool) -> str:
    """Return ``quick`` or ``full``."""
    return "quick" if quick else "full"


# -- helpers ------------------------------------------------------------------


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


# -- 1. requests per user action ------------------------------------------------


async def test_requests_per_action(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """Count the Control API requests of each service call (normal case)."""
    table = REPORT.table(
        "1-actions",
        "1. Requests per user action (demo household: 3 rooms, normal case)",
        [
            "action",
            "entity",
            "control requests",
            "token requests",
            "goal",
            "met",
            "requests sent",
        ],
    )
    favorites = simulator.model.households[HOUSEHOLD_ID].favorites
    playlists = simulator.model.households[HOUSEHOLD_ID].playlists

    def features(entity_id: str) -> MediaPlayerEntityFeature:
        state = hass.states.get(entity_id)
        assert state is not None
        return MediaPlayerEntityFeature(state.attributes[ATTR_SUPPORTED_FEATURES])

    async def measure(
        label: str,
        domain: str,
        service: str,
        entity_id: str,
        needs: MediaPlayerEntityFeature | None = None,
        **data: Any,
    ) -> None:
        if needs is not None and needs not in features(entity_id):
            table.add(label, entity_id, "-", "-", 1, "skipped", "")
            missing = needs & ~features(entity_id)
            table.note(
                f"{label}: skipped, {entity_id} does not offer "
                f"{missing.name or needs.name} in supported_features."
            )
            return
        simulator.clear_requests()
        error = None
        try:
            await hass.services.async_call(
                domain, service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True
            )
        except (HomeAssistantError, vol.Invalid) as err:
            error = f"{type(err).__name__}: {err}"
        control = simulator.control_requests()
        met = "yes" if len(control) == 1 and error is None else "NO"
        table.add(
            label,
            entity_id,
            len(control),
            len(oauth_requests(simulator)),
            1,
            met,
            describe(control),
        )
        if error:
            table.note(f"{label}: the service call failed ({error}).")

    mp = MEDIA_PLAYER_DOMAIN
    await measure("play", mp, "media_play", KITCHEN_ENTITY)
    await measure("pause", mp, "media_pause", LIVING_ROOM_ENTITY)
    await measure(
        "next",
        mp,
        "media_next_track",
        LIVING_ROOM_ENTITY,
        MediaPlayerEntityFeature.NEXT_TRACK,
    )
    await measure(
        "previous",
        mp,
        "media_previous_track",
        LIVING_ROOM_ENTITY,
        MediaPlayerEntityFeature.PREVIOUS_TRACK,
    )
    await measure("volume_set", mp, "volume_set", KITCHEN_ENTITY, volume_level=0.33)
    await measure("volume_up", mp, "volume_up", KITCHEN_ENTITY)
    await measure("volume_down (extra)", mp, "volume_down", KITCHEN_ENTITY)
    await measure("mute", mp, "volume_mute", KITCHEN_ENTITY, is_volume_muted=True)
    await measure(
        "seek",
        mp,
        "media_seek",
        LIVING_ROOM_ENTITY,
        MediaPlayerEntityFeature.SEEK,
        seek_position=30,
    )
    await measure(
        "shuffle",
        mp,
        "shuffle_set",
        LIVING_ROOM_ENTITY,
        MediaPlayerEntityFeature.SHUFFLE_SET,
        shuffle=True,
    )
    await measure(
        "repeat (extra)",
        mp,
        "repeat_set",
        LIVING_ROOM_ENTITY,
        MediaPlayerEntityFeature.REPEAT_SET,
        repeat="all",
    )
    await measure(
        "sonos_cloud.set_group_volume",
        DOMAIN,
        "set_group_volume",
        LIVING_ROOM_ENTITY,
        volume_level=0.3,
    )
    await measure(
        "sonos_cloud.set_group_mute (extra)",
        DOMAIN,
        "set_group_mute",
        LIVING_ROOM_ENTITY,
        is_volume_muted=False,
    )
    await measure(
        "join",
        mp,
        "join",
        LIVING_ROOM_ENTITY,
        MediaPlayerEntityFeature.GROUPING,
        group_members=[KITCHEN_ENTITY],
    )
    await measure(
        "unjoin", mp, "unjoin", KITCHEN_ENTITY, MediaPlayerEntityFeature.GROUPING
    )
    play_media = MediaPlayerEntityFeature.PLAY_MEDIA
    if favorites:
        content_id = f"favorite:{favorites[0].id}"
        for label in ("play favorite (first)", "play favorite (again)"):
            await measure(
                label,
                mp,
                "play_media",
                BEDROOM_ENTITY,
                play_media,
                media_content_type="music",
                media_content_id=content_id,
            )
    if playlists:
        await measure(
            "play playlist (extra)",
            mp,
            "play_media",
            BEDROOM_ENTITY,
            play_media,
            media_content_type="playlist",
            media_content_id=f"playlist:{playlists[0].id}",
        )
    await measure(
        "announce (CHIME)",
        mp,
        "play_media",
        KITCHEN_ENTITY,
        play_media | MediaPlayerEntityFeature.MEDIA_ANNOUNCE,
        media_content_type="music",
        media_content_id="CHIME",
        announce=True,
    )
    table.note(
        "Counted from the simulator's request log around one blocking service "
        "call; goal: 1 Control API request and no token request per action."
    )
    assert table.rows


# -- 2. latency overhead --------------------------------------------------------


async def test_latency_overhead(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
    mode: str,
) -> None:
    """Service call until the state shows the change, vs a raw aiohttp POST."""
    table = REPORT.table(
        "2-latency",
        "2. Latency: blocking service call until the state is updated, "
        "vs a raw aiohttp POST of the same request",
        [
            "command",
            "cloud delay",
            "calls",
            "service median",
            "raw POST median",
            "overhead",
            "ratio",
            "goal",
            "met",
        ],
    )
    token = init_integration.data["token"]["access_token"]
    group_id = simulator.group_id_of(LIVING_ROOM)

    async def player_pair(index: int) -> tuple[float, float]:
        return await volume_pair(hass, token, KITCHEN_ENTITY, KITCHEN, index)

    async def transport_pair(index: int) -> tuple[float, float]:
        command, expected = (
            ("pause", "paused") if index % 2 == 0 else ("play", "playing")
        )

        async def service() -> None:
            await hass.services.async_call(
                MEDIA_PLAYER_DOMAIN,
                f"media_{command}",
                {ATTR_ENTITY_ID: LIVING_ROOM_ENTITY},
                blocking=True,
            )
            state = hass.states.get(LIVING_ROOM_ENTITY)
            assert state is not None
            assert state.state == expected

        async def raw() -> None:
            await raw_post(hass, token, f"/groups/{group_id}/playback/{command}", {})

        return await timed_pair(index, service, raw)

    async def run(label: str, pair: Any, calls: int, delay: str) -> None:
        for index in range(3):  # warm up connections and caches
            await pair(index)
        results = [await pair(index) for index in range(calls)]
        service = median(s for s, _ in results)
        raw = median(r for _, r in results)
        ratio = service / raw
        table.add(
            label,
            delay,
            calls,
            ms(service),
            ms(raw),
            ms(service - raw),
            f"{ratio:.2f}x",
            "<= 1.2x",
            "yes" if ratio <= 1.2 else "NO",
        )

    calls = LATENCY_CALLS[mode]
    await run("volume_set (player)", player_pair, calls, "none (loopback)")
    await run("pause/play (group)", transport_pair, calls, "none (loopback)")

    # A cloud round trip instead of loopback: every answer of the two endpoints
    # is held back, for the integration and the raw POST alike.
    for path in (
        rf"/players/{KITCHEN}/playerVolume",
        rf"/groups/{group_id}/playback/.*",
    ):
        simulator.inject(
            Fault(
                method="POST",
                path=path,
                status=200,
                body={},
                delay=SIMULATED_CLOUD_DELAY,
                times=0,
            )
        )
    delay = f"{SIMULATED_CLOUD_DELAY * 1000:.0f} ms per answer"
    calls = DELAYED_LATENCY_CALLS[mode]
    await run("volume_set (player)", player_pair, calls, delay)
    await run("pause/play (group)", transport_pair, calls, delay)
    simulator.clear_faults()
    table.note(
        "Median over the calls; the service call and the raw POST alternate which "
        "goes first. The service call is timed from hass.services.async_call("
        "blocking=True) until it returns and the new state is readable; the raw "
        "POST uses Home Assistant's shared aiohttp session, the same URL, body and "
        "token. Overhead = difference of the medians."
    )
    table.note(
        f"'{SIMULATED_CLOUD_DELAY * 1000:.0f} ms per answer' rows: the simulator "
        "answers those commands with an injected 200 after that delay, standing in "
        "for a real cloud round trip (a typical one is 50-200 ms)."
    )


# -- 3. idle load -----------------------------------------------------------------


@pytest.mark.parametrize("with_demo_household", [False])
async def test_idle_load(
    hass: HomeAssistant,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
    idle_size: tuple[int, int],
    mode: str,
) -> None:
    """Requests per minute of polling with nothing happening."""
    players, groups = idle_size
    table = REPORT.table(
        "3-idle",
        "3. Idle load (polling; nothing happening)",
        [
            "players",
            "groups",
            "requests/refresh (measured)",
            "coordinator formula",
            "interval",
            "requests/min (measured x interval)",
            "requests/min (observed)",
            "share of 1,000/min",
            "observed over",
        ],
    )
    build_household(simulator, players, groups)
    setup = await setup_entry(hass, config_entry, simulator)
    assert setup["ok"]
    assert setup["entities"] == players
    coordinator = config_entry.runtime_data

    simulator.clear_requests()
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    per_refresh = len(simulator.control_requests())
    interval = coordinator.update_interval.total_seconds()
    per_minute = per_refresh * 60 / interval

    # Let Home Assistant's scheduler run the polls: move its clock from one
    # scheduled refresh to the next and count whatever is sent.
    cycles = max(2, math.ceil(IDLE_SIMULATED_SECONDS[mode] / interval))
    simulator.clear_requests()
    simulated = 0.0
    for _ in range(cycles):
        simulated += await run_scheduled_refresh(hass, coordinator)
        assert coordinator.last_update_success
    observed = len(simulator.control_requests()) + len(oauth_requests(simulator))
    observed_per_minute = observed * 60 / (cycles * interval)
    table.add(
        players,
        groups,
        per_refresh,
        formula_requests(1, groups, players),
        f"{interval:.0f} s",
        f"{per_minute:.1f}",
        f"{observed_per_minute:.1f}",
        f"{observed_per_minute / RATE_LIMIT_PER_MINUTE:.1%}",
        f"{cycles} refreshes, {cycles * interval / 60:.1f} min",
    )
    table.note(
        "requests/refresh is counted in the simulator's log around one "
        "coordinator refresh; 'observed' lets Home Assistant's scheduler run the "
        "polls (its clock is moved from one scheduled refresh to the next) and "
        "counts every Control API and token request. Goal: at most 10% "
        "(100/min) of the key's 1,000/min."
    )
    if push_mode() is None:
        table.note(
            "Push: the coordinator has no webhook/event subscription code in this "
            "build, so these are polling-only figures (no push column)."
        )
    else:
        table.note(
            "These are the polling figures: the simulator has no event callback "
            "URL here, so subscribing is refused and the entry polls. Push "
            "figures: table 3c."
        )


async def settle_events(hass: HomeAssistant, sim: SonosCloudSimulator) -> None:
    """Wait until the simulator delivered every event and Home Assistant is idle."""
    count = -1
    while count != (len(sim.deliveries), len(sim.requests)):
        count = (len(sim.deliveries), len(sim.requests))
        await sim.drain_events()
        await hass.async_block_till_done(wait_background_tasks=True)
        await settle(sim)


@pytest.mark.parametrize("with_demo_household", [False])
async def test_idle_load_push(
    hass: HomeAssistant,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
    aiohttp_client: Any,
    monkeypatch: pytest.MonkeyPatch,
    push_size: tuple[int, int],
    mode: str,
) -> None:
    """Push mode: subscriptions at setup, re-sync polling, event to state latency."""
    players, groups = push_size
    table = REPORT.table(
        "3c-push",
        "3c. Push mode (simulator POSTs events to Home Assistant's webhook)",
        [
            "players",
            "groups",
            "subscriptions",
            "setup requests",
            "events at setup",
            "setup until events done",
            "re-sync interval",
            "requests/refresh",
            "requests/min (re-sync + renewal)",
            "observed",
            "share of 1,000/min",
            "event -> state (median)",
            "handling one event (median)",
        ],
    )
    if push_mode() is None:
        table.note("Push: not in this build (no webhook code in the coordinator).")
        return
    handled: list[float] = []
    coordinator_class = coordinator_module.SonosCloudCoordinator
    if (original := getattr(coordinator_class, "async_handle_event", None)) is not None:

        def timed_handler(self: Any, event: Any) -> None:
            start = time.perf_counter()
            original(self, event)
            handled.append(time.perf_counter() - start)

        monkeypatch.setattr(coordinator_class, "async_handle_event", timed_handler)
    ids = build_household(simulator, players, groups)
    # Home Assistant's HTTP app on a real loopback port, so the simulator can
    # POST events to the webhook; the webhook id is fixed in the entry. The
    # router freezes when the server starts: components with views come first.
    for component in ("http", "webhook", MEDIA_PLAYER_DOMAIN):
        assert await async_setup_component(hass, component, {})
    client = await aiohttp_client(hass.http.app)
    simulator.callback_url = str(client.make_url(f"/api/webhook/{WEBHOOK_ID}"))
    simulator.event_retry_delay = 0
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=config_entry.title,
        unique_id=config_entry.unique_id,
        version=config_entry.version,
        data={**config_entry.data, CONF_WEBHOOK_ID: WEBHOOK_ID},
    )
    wall = time.perf_counter()
    setup = await setup_entry(hass, entry, simulator)
    await settle_events(hass, simulator)
    setup_wall = time.perf_counter() - wall
    assert setup["ok"]
    assert setup["entities"] == players
    coordinator = entry.runtime_data
    subscriptions = len(simulator.subscriptions)
    setup_requests = len(simulator.control_requests()) + len(oauth_requests(simulator))
    events = len(simulator.deliveries)
    healthy = getattr(coordinator, "push_healthy", None)
    if not subscriptions or not healthy:
        table.add(
            players,
            groups,
            subscriptions,
            setup_requests,
            events,
            ms(setup_wall),
            "-",
            "-",
            "-",
            "-",
            "-",
            "-",
            "-",
        )
        table.note(
            f"{players} players: push did not start (subscriptions: "
            f"{subscriptions}, push_healthy: {healthy}); see the polling table."
        )
        return

    # While events flow nothing is polled (update_interval None); a system that
    # stays quiet is re-read once per PUSH_RESYNC_INTERVAL, the worst case.
    polling = coordinator.update_interval
    interval = (polling or const.PUSH_RESYNC_INTERVAL).total_seconds()
    simulator.clear_requests()
    await coordinator.async_refresh()
    await settle_events(hass, simulator)
    assert coordinator.last_update_success
    per_refresh = len(simulator.control_requests())
    renewal = getattr(coordinator, "_async_renew_subscriptions", None)
    renewal_requests = subscriptions
    if renewal is not None:
        simulator.clear_requests()
        await renewal(dt_util.utcnow())
        await settle_events(hass, simulator)
        renewal_requests = len(simulator.control_requests())
    renewal_every = const.SUBSCRIPTION_RENEWAL.total_seconds()
    per_minute = per_refresh * 60 / interval + renewal_requests * 60 / renewal_every

    simulator.clear_requests()
    if polling is None:
        # Nothing is scheduled: an hour of Home Assistant time must send nothing.
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(hours=1))
        await hass.async_block_till_done(wait_background_tasks=True)
        await settle_events(hass, simulator)
        observed = len(simulator.control_requests()) + len(oauth_requests(simulator))
        observed_per_minute = observed / 60
    else:
        clock = PollClock(hass, coordinator)
        cycles = 2
        # One second more: the timer falls due up to half a second after the
        # interval (Home Assistant spreads refreshes over the second).
        await clock.advance(cycles * interval + 1)
        await settle_events(hass, simulator)
        observed = len(simulator.control_requests()) + len(oauth_requests(simulator))
        observed_per_minute = observed * 60 / (cycles * interval)

    # An external change (as if made in the Sonos app) until the entity shows it.
    entity_id = "media_player.room_001"
    latencies = []
    handled.clear()
    simulator.clear_requests()
    for index in range(EVENT_LATENCY_EVENTS[mode]):
        volume = 30 + index % 2
        changed = asyncio.Event()

        @callback
        def on_change(
            event: Event[EventStateChangedData],
            volume: int = volume,
            done: Any = changed,
        ) -> None:
            new = event.data["new_state"]
            if new is not None and new.attributes.get("volume_level") == volume / 100:
                done.set()

        unsub = async_track_state_change_event(hass, [entity_id], on_change)
        start = time.perf_counter()
        simulator.set_player_volume(ids[0], volume)
        await asyncio.wait_for(changed.wait(), timeout=10)
        latencies.append(time.perf_counter() - start)
        unsub()
        await settle_events(hass, simulator)
    asked = len(simulator.control_requests())
    table.add(
        players,
        groups,
        subscriptions,
        setup_requests,
        events,
        ms(setup_wall),
        f"{interval / 60:.0f} min" + ("" if polling else " (quiet only)"),
        per_refresh,
        f"{per_minute:.2f}",
        f"{observed_per_minute:.2f}",
        f"{observed_per_minute / RATE_LIMIT_PER_MINUTE:.2%}",
        ms(median(latencies)),
        ms(median(handled)),
    )
    table.note(
        "Setup requests = first refresh + one subscribe per (target, namespace); "
        "the simulator answers each subscribe with the current state as an event, "
        "so 'events at setup' reach the webhook right away and push is healthy. "
        "'setup until events done' runs until every event was delivered and "
        "handled."
    )
    table.note(
        "requests/min = one re-sync refresh per re-sync interval (only when the "
        "system stays quiet that long; while events flow nothing is polled) + "
        "renewing every subscription once per "
        f"{renewal_every / 3600:.0f} h (renewal measured by running the "
        "coordinator's renewal once); 'observed' moves Home Assistant's clock "
        "an hour on and counts every request."
    )
    table.note(
        "event -> state: simulator.set_player_volume (an external change) until "
        "the state machine has the new volume; includes the simulator opening a "
        f"new connection per event. Requests sent during those events: {asked}. "
        "'handling one event' is the wall time of the coordinator's "
        "async_handle_event for those events: applying it to the snapshot and "
        "writing the entities' states."
    )
    table.note(
        "Before the first event arrives the entry polls at the polling interval "
        "(table 3); the watchdog falls back to polling when playing groups send "
        "no events for "
        f"{const.PUSH_SILENCE_LIMIT.total_seconds() / 60:.0f} min."
    )


async def test_polling_with_commands(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
    mode: str,
) -> None:
    """Polls that happen while someone keeps sending commands."""
    table = REPORT.table(
        "3b-commands",
        "3b. Polling while commands are sent (demo household, 3 rooms)",
        [
            "command every",
            "simulated",
            "refreshes",
            "expected without commands",
            "requests (refresh + command)",
        ],
    )
    coordinator = init_integration.runtime_data
    interval = coordinator.update_interval.total_seconds()
    minutes = 10 if mode == "full" else 3
    for every in (None, 60, 20):
        clock = PollClock(hass, coordinator)
        simulator.clear_requests()
        step = every or interval
        for index in range(round(minutes * 60 / step)):
            await clock.advance(step)
            if every is not None:
                await hass.services.async_call(
                    MEDIA_PLAYER_DOMAIN,
                    "volume_set",
                    {
                        ATTR_ENTITY_ID: KITCHEN_ENTITY,
                        "volume_level": 0.2 + index % 2 / 100,
                    },
                    blocking=True,
                )
        posts = sum(r.method == "POST" for r in simulator.control_requests())
        gets = len(simulator.control_requests()) - posts
        table.add(
            f"{every} s" if every else "never",
            f"{minutes} min",
            clock.refreshes,
            round(minutes * 60 / interval),
            f"{gets} + {posts}",
        )
    table.note(
        "Each command pushes its expected result with the coordinator's "
        "async_set_updated_data, which also restarts the polling timer: while "
        f"commands come more often than the interval ({interval:.0f} s here), "
        "no poll runs, so changes made in the Sonos app are not seen until the "
        "commands stop."
    )


# -- 4. scale -----------------------------------------------------------------------


@pytest.mark.parametrize("with_demo_household", [False])
async def test_scale(
    hass: HomeAssistant,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
    scale_size: tuple[int, int],
    mode: str,
) -> None:
    """Setup time and requests, and the CPU cost of a refresh, by household size."""
    players, groups = scale_size
    setup_table = REPORT.table(
        "4a-setup",
        "4a. Setup: config entry setup until the entities exist",
        [
            "players",
            "groups",
            "setup wall",
            "setup CPU",
            "per player",
            "requests (control+token)",
            "of which subscribe (refused)",
            "requests per player",
        ],
    )
    refresh_table = REPORT.table(
        "4b-refresh",
        "4b. One coordinator refresh (median)",
        [
            "players",
            "groups",
            "requests",
            "wall",
            "CPU (process)",
            "CPU raw replay",
            "CPU integration+HA",
            "per player",
            "refreshes",
        ],
    )
    ids = build_household(simulator, players, groups)
    setup = await setup_entry(hass, config_entry, simulator)
    assert setup["ok"]
    assert setup["entities"] == players
    requests = setup["control"] + setup["oauth"]
    setup_table.add(
        players,
        groups,
        ms(setup["wall"]),
        ms(setup["cpu"]),
        ms(setup["wall"] / players),
        f"{setup['control']}+{setup['oauth']}",
        f"{setup['subscribe']} ({setup['subscribe_refused']})",
        f"{requests / players:.2f}",
    )

    coordinator = config_entry.runtime_data
    token = config_entry.data["token"]["access_token"]
    walls, cpus, raw_cpus, counts = [], [], [], []
    for _ in range(REFRESHES[mode]):
        simulator.clear_requests()
        wall, cpu = time.perf_counter(), time.process_time()
        await coordinator.async_refresh()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
        assert coordinator.last_update_success
        counts.append(len(simulator.control_requests()))
        recorded = [(r.method, r.path, r.query) for r in simulator.control_requests()]
        cpu = time.process_time()
        await replay(hass, token, recorded)
        raw_cpus.append(time.process_time() - cpu)
    own = median(cpus) - median(raw_cpus)
    refresh_table.add(
        players,
        groups,
        f"{median(counts):.0f}",
        ms(median(walls)),
        ms(median(cpus)),
        ms(median(raw_cpus)),
        ms(own),
        ms(own / players),
        len(cpus),
    )

    # One command in a large household: every optimistic update is pushed to
    # every entity of the entry.
    latency_table = REPORT.table(
        "2b-latency-size",
        "2b. volume_set latency by household size (loopback, median)",
        ["players", "groups", "calls", "service", "raw POST", "overhead", "ratio"],
    )
    entity_id = "media_player.room_001"
    assert hass.states.get(entity_id) is not None
    for index in range(3):
        await volume_pair(hass, token, entity_id, ids[0], index)
    pairs = [
        await volume_pair(hass, token, entity_id, ids[0], index)
        for index in range(SIZE_LATENCY_CALLS[mode])
    ]
    service, raw = median(p[0] for p in pairs), median(p[1] for p in pairs)
    latency_table.add(
        players,
        groups,
        len(pairs),
        ms(service),
        ms(raw),
        ms(service - raw),
        f"{service / raw:.2f}x",
    )
    latency_table.note(
        "Same measurement as table 2 (volume_set on one room vs the raw POST, "
        "loopback), in the households of table 4: the overhead grows with the "
        "number of entities the entry has."
    )
    REPORT.data.setdefault("scale", {})[scale_size] = {
        "setup": setup["wall"],
        "cpu": median(cpus),
        "own": own,
    }
    setup_table.note(
        "Wall time from hass.config_entries.async_setup until "
        "async_block_till_done returns with every media_player in the state "
        "machine (Home Assistant's media_player component is loaded first). "
        "Requests = the first refresh plus, if the build has push, its attempt "
        "to subscribe to events; the simulator here has no event callback URL "
        "(like a key without one), so those are refused with 403 and the entry "
        "polls (push setup: table 3c). The stored token is valid, so no token "
        "request."
    )
    refresh_table.note(
        "CPU is time.process_time() around coordinator.async_refresh(), which "
        "includes the in-process simulator answering. 'CPU raw replay' sends the "
        "same requests with plain aiohttp (8 at a time, like the coordinator) and "
        "measures the client + simulator share; 'CPU integration+HA' is the "
        "difference: parsing, the snapshot and writing every entity's state."
    )


def _growth(report: Any) -> None:
    """Add per-player growth between the smallest and largest one-room sizes."""
    scale = report.data.get("scale", {})
    singles = sorted(size for size in scale if size[0] == size[1])
    if len(singles) < 2:
        return
    small, large = singles[0], singles[-1]
    players = large[0] - small[0]
    setup = (scale[large]["setup"] - scale[small]["setup"]) / players
    cpu = (scale[large]["cpu"] - scale[small]["cpu"]) / players
    own = (scale[large]["own"] - scale[small]["own"]) / players
    report.tables["4a-setup"].note(
        f"Growth from {small[0]} to {large[0]} rooms: {ms(setup)} of setup per "
        "extra player."
    )
    report.tables["4b-refresh"].note(
        f"Growth from {small[0]} to {large[0]} rooms: {ms(cpu)} of refresh CPU per "
        f"extra player, of which {ms(own)} in the integration and Home Assistant."
    )


REPORT.finalizers.append(_growth)


@pytest.mark.parametrize("with_demo_household", [False])
async def test_memory(
    hass: HomeAssistant,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
    memory_size: tuple[int, int],
) -> None:
    """Memory retained by setting up the entry (tracemalloc), per player."""
    players, groups = memory_size
    table = REPORT.table(
        "4c-memory",
        "4c. Memory retained after setup and one refresh (tracemalloc)",
        ["players", "groups", "retained", "per player", "peak during setup"],
    )
    build_household(simulator, players, groups)
    assert await async_setup_component(hass, MEDIA_PLAYER_DOMAIN, {})
    await hass.async_block_till_done()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    setup = await setup_entry(hass, config_entry, simulator)
    await config_entry.runtime_data.async_refresh()
    # The simulator runs in the same process: drop its request log and its
    # rate-limit bookkeeping so that only what Home Assistant keeps is counted.
    simulator.clear_requests()
    simulator._hits.clear()
    gc.collect()
    after, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert setup["ok"]
    assert setup["entities"] == players
    retained = after - before
    table.add(
        players, groups, kib(retained), kib(retained / players), kib(peak - before)
    )
    REPORT.data.setdefault("memory", {})[memory_size] = retained


def _memory_growth(report: Any) -> None:
    memory = report.data.get("memory", {})
    if len(memory) < 2:
        return
    small, large = min(memory), max(memory)
    per_player = (memory[large] - memory[small]) / (large[0] - small[0])
    report.tables["4c-memory"].note(
        f"Marginal cost from {small[0]} to {large[0]} rooms: {kib(per_player)} per "
        "player (the fixed part is Home Assistant loading the platform: "
        "translations, registries, services)."
    )


REPORT.finalizers.append(_memory_growth)


# -- rate limiter at its real settings ------------------------------------------------


@pytest.mark.parametrize("simulator_options", [{}])
@pytest.mark.parametrize("with_demo_household", [False])
async def test_default_rate_limiter(
    hass: HomeAssistant,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
    limiter_size: tuple[int, int],
) -> None:
    """Setup and one refresh against the simulator's real limits (100/s, 1,000/min)."""
    players, groups = limiter_size
    table = REPORT.table(
        "4d-limiter",
        "4d. Setup and one refresh with the simulator's default limiter "
        "(spike arrest 100/s, quota 1,000/min)",
        [
            "players",
            "groups",
            "setup",
            "setup requests",
            "429s at setup",
            "refresh",
            "refresh requests",
            "429s in refresh",
        ],
    )
    build_household(simulator, players, groups)
    setup = await setup_entry(hass, config_entry, simulator)
    # A refresh that failed on a 429 returns before the requests it already
    # started: count those too, and let them finish before the test ends.
    await settle(simulator)
    setup_requests = len(simulator.control_requests()) + len(oauth_requests(simulator))
    setup_429 = sum(r.status == 429 for r in simulator.requests)
    refresh, refresh_requests, refresh_429 = "-", "-", "-"
    if setup["ok"]:
        coordinator = config_entry.runtime_data
        await asyncio.sleep(1.1)  # the next poll comes later: leave the 1 s window
        simulator.clear_requests()
        await coordinator.async_refresh()
        await settle(simulator)
        refresh = "ok" if coordinator.last_update_success else "failed"
        refresh_requests = str(len(simulator.control_requests()))
        refresh_429 = str(sum(r.status == 429 for r in simulator.requests))
    table.add(
        players,
        groups,
        "ok" if setup["ok"] else "failed (retried later)",
        setup_requests,
        setup_429,
        refresh,
        refresh_requests,
        refresh_429,
    )
    table.note(
        "The simulator answers on loopback in about a millisecond, so 8 parallel "
        "requests run far faster than against the real cloud; 429s here show what "
        "happens when the round trip is short, not a typical installation. The "
        "refresh runs 1.1 s after setup, outside setup's spike-arrest second. "
        "Request counts include requests a failed refresh had already started "
        "(they still go out after the refresh has given up). A failed first "
        "refresh makes the setup raise ConfigEntryNotReady; Home Assistant "
        "retries the setup later."
    )


# -- 5. fault cost ------------------------------------------------------------------


async def test_fault_costs(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """Requests spent recovering from a stale group and an expired token."""
    table = REPORT.table(
        "5a-faults",
        "5a. Fault cost of one command (demo household)",
        [
            "fault",
            "command",
            "control requests",
            "token requests",
            "outcome",
            "requests sent",
        ],
    )

    async def measure(label: str, service: str, entity_id: str, **data: Any) -> None:
        simulator.clear_requests()
        outcome = "ok"
        try:
            await hass.services.async_call(
                MEDIA_PLAYER_DOMAIN,
                service,
                {ATTR_ENTITY_ID: entity_id, **data},
                blocking=True,
            )
        except HomeAssistantError as err:
            outcome = f"error: {err}"
        table.add(
            label,
            service,
            len(simulator.control_requests()),
            len(oauth_requests(simulator)),
            outcome,
            describe(simulator.requests),
        )

    simulator.external_regroup([KITCHEN])
    await measure(
        "stale group (regrouped in the Sonos app)", "media_play", KITCHEN_ENTITY
    )
    simulator.expire_access_tokens()
    await measure("expired access token", "media_pause", LIVING_ROOM_ENTITY)
    simulator.inject(
        Fault(
            method="POST",
            path=r"/players/.*/playerVolume",
            status=429,
            headers={"Retry-After": str(STORM_RETRY_AFTER)},
        )
    )
    await measure("429 on the command", "volume_set", KITCHEN_ENTITY, volume_level=0.3)
    table.note(
        "Expected: stale group = command 410, one groups lookup, command again "
        "(3); expired token = command 401, token refresh, command again (2 + 1 "
        "token request); a 429 on a command is not retried (1) and tells the user "
        "when to try again."
    )


@pytest.mark.parametrize("with_demo_household", [False])
@pytest.mark.parametrize(
    "storm",
    ["every control request", "per-group/per-player reads"],
)
async def test_rate_limit_storm(
    hass: HomeAssistant,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
    storm_size: tuple[int, int],
    storm: str,
    mode: str,
) -> None:
    """A run of 429s (with Retry-After) on scheduled refreshes, until one succeeds."""
    players, groups = storm_size
    table = REPORT.table(
        "5b-storm",
        "5b. 429 storm on scheduled refreshes (Retry-After: "
        f"{STORM_RETRY_AFTER} s), until the next successful refresh",
        [
            "429 on",
            "players",
            "failed refreshes",
            "requests per failed refresh",
            "requests until recovered",
            "of which 429",
            "waits before each attempt",
            "entities during storm",
            "interval after",
        ],
    )
    build_household(simulator, players, groups)
    setup = await setup_entry(hass, config_entry, simulator)
    assert setup["ok"]
    coordinator = config_entry.runtime_data
    entity_id = hass.states.async_entity_ids(MEDIA_PLAYER_DOMAIN)[0]
    attempts_wanted = STORM_ATTEMPTS[mode]
    headers = {"Retry-After": str(STORM_RETRY_AFTER)}
    if storm == "every control request":
        # N answers: the refresh stops at its first request each time.
        path = r"/households.*|/groups/.*|/players/.*"
        simulator.inject(Fault("*", path, 429, headers=headers, times=attempts_wanted))
    else:
        # The quota runs out after the households and groups reads: every
        # further read is refused until the storm is lifted.
        path = r"/groups/.*|/players/.*"
        simulator.inject(Fault("GET", path, 429, headers=headers, times=0))

    simulator.clear_requests()
    waits, failed_costs, states = [], [], set()
    recovered = False
    logger = coordinator.logger
    level = logger.level
    logger.setLevel(100)  # the expected "Error fetching" lines stay out of the report
    try:
        for _ in range(attempts_wanted + 3):
            sent = len(simulator.control_requests())
            waits.append(await run_scheduled_refresh(hass, coordinator))
            await settle(simulator)
            cost = len(simulator.control_requests()) - sent
            if coordinator.last_update_success:
                recovered = True
                break
            failed_costs.append(cost)
            state = hass.states.get(entity_id)
            states.add(state.state if state else "missing")
            if len(failed_costs) >= attempts_wanted:
                simulator.clear_faults()
    finally:
        logger.setLevel(level)
    assert recovered, "the coordinator did not recover after the storm"
    control = simulator.control_requests()
    table.add(
        storm,
        players,
        len(failed_costs),
        ", ".join(map(str, sorted(set(failed_costs)))),
        len(control) + len(oauth_requests(simulator)),
        sum(r.status == 429 for r in control),
        ", ".join(f"{wait:.0f} s" for wait in waits),
        "/".join(sorted(states)),
        f"{coordinator.update_interval.total_seconds():.0f} s",
    )
    table.note(
        "Each attempt is a scheduled refresh run by moving Home Assistant's clock "
        "to it; the first wait is the normal interval, the next ones show how long "
        "the coordinator waits after a 429 (it passes Retry-After to Home "
        "Assistant's DataUpdateCoordinator as retry_after)."
    )
    table.note(
        "'requests until recovered' includes the successful refresh at the end. "
        "Requests a failed refresh had already started are counted with it (the "
        "benchmark waits until the simulator sees no more requests)."
    )
