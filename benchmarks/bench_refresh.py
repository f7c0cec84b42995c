"""Table 4b: the wall time and CPU of one coordinator refresh, by household size."""

import time
from typing import Any

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sonos_cloud.api import RequestPacer
from tests.simulator import SonosCloudSimulator

from .helpers import (
    build_household,
    replay,
    setup_entry,
    smallest_and_largest_singles,
)
from .report import REPORT, Report, median, ms

REFRESHES = {"full": 20, "quick": 3}
# The pacer's rate while refreshes are timed (8 in flight stay): paced at 40 a
# second, a 100-room refresh is spread over 10 s and each request wakes the
# loop alone, which costs more CPU than the raw replay's batches (1.04 s
# against 0.49 s for the same code); that is pacing, not the integration.
LIFTED_RATE = 10.0**6


@pytest.mark.parametrize("with_demo_household", [False])
async def test_refresh(
    hass: HomeAssistant,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
    scale_size: tuple[int, int],
    mode: str,
) -> None:
    """CPU of a refresh, and the share of it a raw replay of its requests costs."""
    players, groups = scale_size
    table = REPORT.table(
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
    build_household(simulator, players, groups)
    setup = await setup_entry(hass, config_entry, simulator)
    assert setup["ok"]
    coordinator = config_entry.runtime_data
    coordinator.client.transport._pacer = RequestPacer(LIFTED_RATE)
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
    table.add(
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
    REPORT.data.setdefault("refresh", {})[scale_size] = {
        "cpu": median(cpus),
        "own": own,
    }
    table.note(
        "CPU is time.process_time() around coordinator.async_refresh(), which "
        "includes the in-process simulator answering. 'CPU raw replay' sends the "
        "same requests with plain aiohttp (8 at a time, like the coordinator) and "
        "measures the client + simulator share; 'CPU integration+HA' is the "
        "difference: parsing, the snapshot and writing every entity's state. "
        "The request pacer's rate is lifted for the timed refreshes (8 in flight "
        "remain), like the simulator's limiter: paced, a 100-room refresh takes "
        "~10 s (table 4d's limits) and its CPU would include the pacing."
    )


def _growth(report: Report) -> None:
    """Add the refresh CPU per player between the smallest and largest sizes."""
    refresh: dict[Any, dict[str, float]] = report.data.get("refresh", {})
    if (sizes := smallest_and_largest_singles(refresh)) is None:
        return
    small, large = sizes
    players = large[0] - small[0]
    cpu = (refresh[large]["cpu"] - refresh[small]["cpu"]) / players
    own = (refresh[large]["own"] - refresh[small]["own"]) / players
    report.tables["4b-refresh"].note(
        f"Growth from {small[0]} to {large[0]} rooms: {ms(cpu)} of refresh CPU per "
        f"extra player, of which {ms(own)} in the integration and Home Assistant."
    )


REPORT.finalizers.append(_growth)
