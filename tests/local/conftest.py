"""Fixtures: the simulated players' websockets next to the simulated cloud."""

from collections.abc import AsyncIterator

import pytest

from tests.simulator import SonosCloudSimulator
from tests.simulator.local import LocalPlayers


@pytest.fixture
async def local_players(
    simulator: SonosCloudSimulator,
) -> AsyncIterator[LocalPlayers]:
    """Give every simulated player its own websocket on 127.0.0.1."""
    players = LocalPlayers(simulator)
    await players.start()
    yield players
    await players.close()
