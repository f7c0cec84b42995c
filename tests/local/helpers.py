"""Waiting for the local sockets without relying on timing."""

import asyncio
from collections.abc import Callable

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sonos_cloud.coordinator import SonosCloudCoordinator
from custom_components.sonos_cloud.local_events import events_cover_everything
from tests.simulator.local import LocalPlayers

MAX_ROUNDS = 20_000
"""Event loop rounds a condition may take; only a broken build needs that many.

Rounds, not seconds: the ``freezer`` fixture stops the loop's clock, so a
timed sleep would never end.
"""


async def until(
    hass: HomeAssistant, local_players: LocalPlayers, condition: Callable[[], bool]
) -> None:
    """Let Home Assistant and the players work until ``condition`` holds."""
    for _ in range(MAX_ROUNDS):
        await hass.async_block_till_done()
        await local_players.drain()
        if condition():
            return
        # Socket I/O completes outside Home Assistant's task tracking; each
        # round lets the loop poll its sockets once.
        await asyncio.sleep(0)
    raise AssertionError("condition not reached")


async def unload_and_settle(hass: HomeAssistant, entry_id: str) -> None:
    """Unload the entry and let every task it started finish.

    A reconnect re-subscribes the household's favorites, whose first event
    re-reads the library in the background; the test must not end mid-read.
    """
    assert await hass.config_entries.async_unload(entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


async def setup_local(
    hass: HomeAssistant, entry: MockConfigEntry, local_players: LocalPlayers
) -> SonosCloudCoordinator:
    """Set up the entry and wait until the sockets cover every target."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    coordinator: SonosCloudCoordinator = entry.runtime_data
    await until(hass, local_players, lambda: events_cover_everything(coordinator))
    return coordinator
