"""Table 3c: push mode, where the simulator POSTs events to the webhook."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
import time
from typing import Any

from homeassistant.components.media_player import DOMAIN as MEDIA_PLAYER_DOMAIN
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.sonos_cloud import const, coordinator as coordinator_module
from custom_components.sonos_cloud.const import DOMAIN, RATE_LIMIT_PER_MINUTE
from tests.simulator import SonosCloudSimulator

from .helpers import (
    PollClock,
    build_household,
    oauth_requests,
    push_mode,
    settle_events,
    setup_entry,
)
from .report import REPORT, Table, median, ms

EVENT_LATENCY_EVENTS = {"full": 30, "quick": 5}
WEBHOOK_ID = "sonos-cloud-bench"
ENTITY_ID = "media_player.room_001"  # the first room of build_household


@dataclass
class Load:
    """Requests while push works: the re-sync refresh, renewal, what was seen."""

    polling: timedelta | None
    interval: float
    per_refresh: int
    per_minute: float
    observed_per_minute: float


def push_table() -> Table:
    """Return table 3c."""
    return REPORT.table(
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


def time_event_handling(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Time every call of the coordinator's event handler, if it has one."""
    handled: list[float] = []
    coordinator_class = coordinator_module.SonosCloudCoordinator
    if (original := getattr(coordinator_class, "async_handle_event", None)) is not None:

        def timed_handler(self: Any, event: Any) -> None:
            start = time.perf_counter()
            original(self, event)
            handled.append(time.perf_counter() - start)

        monkeypatch.setattr(coordinator_class, "async_handle_event", timed_handler)
    return handled


async def setup_push_entry(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
    aiohttp_client: Any,
) -> tuple[MockConfigEntry, dict[str, float], float]:
    """Set up an entry the simulator can POST events to; wait for those events.

    Home Assistant's HTTP app runs on a real loopback port and the webhook id
    is fixed in the entry. The router freezes when the server starts:
    components with views come first. Return the entry, the setup figures and
    the wall time until every event of the setup was handled.
    """
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
        # Events arrived at the last setup: a restart's lean push setup.
        data={**config_entry.data, CONF_WEBHOOK_ID: WEBHOOK_ID, "push_worked": True},
    )
    wall = time.perf_counter()
    setup = await setup_entry(hass, entry, simulator)
    await settle_events(hass, simulator)
    return entry, setup, time.perf_counter() - wall


def sent(simulator: SonosCloudSimulator) -> int:
    """Control API and token requests in the simulator's log."""
    return len(simulator.control_requests()) + len(oauth_requests(simulator))


async def measure_load(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    coordinator: Any,
    subscriptions: int,
) -> Load:
    """Count a re-sync refresh and a renewal; then watch Home Assistant's clock.

    ``subscriptions`` stands for the renewal's requests when the coordinator
    has no renewal to run.

    While events flow nothing is polled (update_interval None); a system that
    stays quiet is re-read once per PUSH_RESYNC_INTERVAL, the worst case.
    """
    polling = coordinator.update_interval
    interval = (polling or const.PUSH_RESYNC_INTERVAL).total_seconds()
    simulator.clear_requests()
    await coordinator.async_refresh()
    await settle_events(hass, simulator)
    assert coordinator.last_update_success
    per_refresh = len(simulator.control_requests())
    simulator.clear_requests()
    await coordinator.push._async_renew(dt_util.utcnow())
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
        observed_per_minute = sent(simulator) / 60
    else:
        clock = PollClock(hass, coordinator)
        cycles = 2
        # One second more: the timer falls due up to half a second after the
        # interval (Home Assistant spreads refreshes over the second).
        await clock.advance(cycles * interval + 1)
        await settle_events(hass, simulator)
        observed_per_minute = sent(simulator) * 60 / (cycles * interval)
    return Load(polling, interval, per_refresh, per_minute, observed_per_minute)


async def event_latencies(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    player_id: str,
    events: int,
    settled: Callable[[HomeAssistant, SonosCloudSimulator], Awaitable[None]] = (
        settle_events
    ),
) -> list[float]:
    """Time changes made outside (as in the Sonos app) until the state shows them.

    ``settled`` waits for the aftermath of each change before the next one.
    """
    latencies = []
    for index in range(events):
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

        unsub = async_track_state_change_event(hass, [ENTITY_ID], on_change)
        start = time.perf_counter()
        simulator.set_player_volume(player_id, volume)
        await asyncio.wait_for(changed.wait(), timeout=10)
        latencies.append(time.perf_counter() - start)
        unsub()
        await settled(hass, simulator)
    return latencies


def add_notes(table: Table, asked: int) -> None:
    """Explain the columns of table 3c."""
    renewal_every = const.SUBSCRIPTION_RENEWAL.total_seconds()
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
    table = push_table()
    if push_mode() is None:
        table.note("Push: not in this build (no webhook code in the coordinator).")
        return
    handled = time_event_handling(monkeypatch)
    ids = build_household(simulator, players, groups)
    entry, setup, setup_wall = await setup_push_entry(
        hass, config_entry, simulator, aiohttp_client
    )
    assert setup["ok"]
    assert setup["entities"] == players
    coordinator = entry.runtime_data
    subscriptions = len(simulator.subscriptions)
    at_setup = [subscriptions, sent(simulator), len(simulator.deliveries)]
    healthy = coordinator.push.healthy
    if not subscriptions or not healthy:
        table.add(players, groups, *at_setup, ms(setup_wall), *["-"] * 7)
        table.note(
            f"{players} players: push did not start (subscriptions: "
            f"{subscriptions}, push healthy: {healthy}); see the polling table."
        )
        return

    load = await measure_load(hass, simulator, coordinator, subscriptions)
    handled.clear()
    simulator.clear_requests()
    latencies = await event_latencies(
        hass, simulator, ids[0], EVENT_LATENCY_EVENTS[mode]
    )
    table.add(
        players,
        groups,
        *at_setup,
        ms(setup_wall),
        f"{load.interval / 60:.0f} min" + ("" if load.polling else " (quiet only)"),
        load.per_refresh,
        f"{load.per_minute:.2f}",
        f"{load.observed_per_minute:.2f}",
        f"{load.observed_per_minute / RATE_LIMIT_PER_MINUTE:.2%}",
        ms(median(latencies)),
        ms(median(handled)),
    )
    add_notes(table, len(simulator.control_requests()))
