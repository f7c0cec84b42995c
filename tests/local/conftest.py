"""Fixtures: the simulated players' websockets next to the simulated cloud."""

from collections.abc import AsyncIterator

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.simulator import SonosCloudSimulator
from tests.simulator.local import LocalPlayers

from .helpers import setup_local


@pytest.fixture
async def local_players(
    simulator: SonosCloudSimulator,
) -> AsyncIterator[LocalPlayers]:
    """Give every simulated player its own websocket on 127.0.0.1."""
    players = LocalPlayers(simulator)
    await players.start()
    yield players
    await players.close()


@pytest.fixture
async def local_entry(
    hass: HomeAssistant,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
    local_players: LocalPlayers,
) -> MockConfigEntry:
    """Set up with no callback URL and every player's socket reachable."""
    await setup_local(hass, config_entry, local_players)
    simulator.clear_requests()
    return config_entry
