"""Table 3f: local events (the players' own websockets) next to the cloud webhook.

Both transports in the same test, on the same household: first the cloud
webhook (the simulator POSTs signed events to Home Assistant), then, with the
entry removed and no callback URL, the players' websockets
(``tests/simulator/local.py``), as in a home where Home Assistant reaches the
speakers but Sonos cannot reach Home Assistant.
"""

import asyncio
from collections.abc import Callable
from datetime import timedelta
import time
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.sonos_cloud.local_events import events_cover_everything
from tests.simulator import SonosCloudSimulator
from tests.simulator.local import LocalPlayers

from .bench_push import event_latencies, sent, setup_push_entry
from .helpers import build_household, settle, setup_entry
from .report import REPORT, Table, median, ms

EVENTS = {"full": 30, "quick": 5}
HOUR_STEPS = 12
"""An hour of Home Assistant's clock, moved on in steps of 5 minutes."""


def local_table() -> Table:
    """Return table 3f."""
    return REPORT.table(
        "3f-local",
        "3f. Local events (players' websockets) vs the cloud webhook, same run",
        [
            "players",
            "groups",
            "sockets",
            "local subscriptions",
            "setup requests",
            "setup until sockets cover all",
            "event -> state, local (median)",
            "event -> state, webhook (median)",
            "requests in 1 h, local healthy",
            "requests/min",
            "polling while healthy",
        ],
    )


async def wait_for(condition: Callable[[], bool], limit: float = 120) -> bool:
    """Let the loop run until ``condition`` holds (False after ``limit`` s)."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.005)
    return True


async def settled(hass: HomeAssistant, simulator: SonosCloudSimulator) -> None:
    """Wait until Home Assistant is idle and no more requests arrive.

    Not ``settle_events``: it waits for background tasks, and each socket's
    is one that runs until the entry unloads.
    """
    await hass.async_block_till_done()
    await settle(simulator)


async def hour_of_requests(hass: HomeAssistant, simulator: SonosCloudSimulator) -> int:
    """Move Home Assistant's clock an hour on, 5 minutes at a time; count requests."""
    simulator.clear_requests()
    now = dt_util.utcnow()
    for step in range(1, HOUR_STEPS + 1):
        async_fire_time_changed(hass, now + timedelta(minutes=5 * step))
        await settled(hass, simulator)
    return sent(simulator)


def add_notes(table: Table) -> None:
    """Explain the columns of table 3f."""
    table.note(
        "Same test, same household: the webhook first (the simulator POSTs signed "
        "events to Home Assistant's webhook on a loopback port, a new connection "
        "per event), then the entry is removed, the key's callback URL unset and "
        "every player gets its own TLS websocket on 127.0.0.1; a new entry then "
        "finds them in the groups answer."
    )
    table.note(
        "event -> state: simulator.set_player_volume (a change from outside, as in "
        "the Sonos app) until the state machine shows it, over each transport. "
        "Both include the simulator's own work in the same event loop: rendering "
        "the event, and for the webhook signing it and opening a connection."
    )
    table.note(
        "setup requests: Control API and token requests until the sockets cover "
        "every target (the first refresh and the refused cloud subscribe; the "
        "sockets cost none). 'requests in 1 h' moves Home Assistant's clock an "
        "hour on in 5-minute steps (heartbeats included) and counts every request "
        "the entry sends while the sockets are healthy."
    )


@pytest.mark.off_contract("households of 100 rooms: Sonos lists at most 32")
@pytest.mark.parametrize("with_demo_household", [False])
async def test_local_events_vs_webhook(
    hass: HomeAssistant,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
    aiohttp_client: Any,
    push_size: tuple[int, int],
    mode: str,
) -> None:
    """Latency of an outside change over both transports; requests with sockets."""
    players, groups = push_size
    table = local_table()
    ids = build_household(simulator, players, groups)

    push_entry, _setup, _wall = await setup_push_entry(
        hass, config_entry, simulator, aiohttp_client
    )
    assert push_entry.runtime_data.push.healthy
    webhook = await event_latencies(hass, simulator, ids[0], EVENTS[mode])
    assert await hass.config_entries.async_remove(push_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    simulator.callback_url = None
    # The samples below set 30 and 31 again: start from another volume.
    simulator.set_player_volume(ids[0], 50)

    local_players = LocalPlayers(simulator)
    await local_players.start()
    try:
        wall = time.perf_counter()
        setup = await setup_entry(hass, config_entry, simulator)
        assert setup["ok"]
        coordinator = config_entry.runtime_data
        assert await wait_for(lambda: events_cover_everything(coordinator))
        setup_wall = time.perf_counter() - wall
        setup_requests = sent(simulator)
        links = coordinator.local_events.links
        subscriptions = sum(len(link.subscribed) for link in links.values())
        local = await event_latencies(hass, simulator, ids[0], EVENTS[mode], settled)
        in_hour = await hour_of_requests(hass, simulator)
        assert events_cover_everything(coordinator)
        interval = coordinator.update_interval
        table.add(
            players,
            groups,
            len(links),
            subscriptions,
            setup_requests,
            ms(setup_wall),
            ms(median(local)),
            ms(median(webhook)),
            in_hour,
            f"{in_hour / 60:.2f}",
            "none" if interval is None else f"every {interval.total_seconds():.0f} s",
        )
        add_notes(table)
        assert await hass.config_entries.async_unload(config_entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
    finally:
        await local_players.close()
