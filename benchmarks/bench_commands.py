"""Table 2c: a command sent while a large refresh waits in the request pacer."""

import asyncio
import time

from homeassistant.components.media_player import DOMAIN as MEDIA_PLAYER_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.simulator import RecordedRequest, SonosCloudSimulator

from .helpers import build_household, setup_entry
from .report import REPORT, median, ms

ROOMS = {"full": 100, "quick": 10}
# Commands during the refresh, one each time this many more reads went out.
COMMANDS = 5
READS_BETWEEN = {"full": 60, "quick": 4}
GOAL = 0.05  # seconds


@pytest.mark.parametrize("with_demo_household", [False])
async def test_command_during_refresh(
    hass: HomeAssistant,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
    mode: str,
) -> None:
    """Pause and play a room while the refresh of every room is under way."""
    rooms = ROOMS[mode]
    ids = build_household(simulator, rooms, rooms)
    assert (await setup_entry(hass, config_entry, simulator))["ok"]
    group_id = simulator.group_id_of(ids[0])
    arrived: list[float] = []
    reads = 0
    more_reads = asyncio.Event()

    def on_request(request: RecordedRequest) -> None:
        nonlocal reads
        if request.method == "GET":
            reads += 1
            if reads % READS_BETWEEN[mode] == 0:
                more_reads.set()
        elif request.path.startswith(f"/groups/{group_id}/playback/"):
            arrived.append(time.perf_counter())

    simulator.clear_requests()
    simulator.request_listeners.append(on_request)
    refresh = hass.async_create_task(config_entry.runtime_data.async_refresh())
    waits: list[float] = []
    for index in range(COMMANDS):
        more_reads.clear()
        waiting = asyncio.ensure_future(more_reads.wait())
        await asyncio.wait([refresh, waiting], return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        if refresh.done():
            break
        start = time.perf_counter()
        await hass.services.async_call(
            MEDIA_PLAYER_DOMAIN,
            "media_pause" if index % 2 == 0 else "media_play",
            {ATTR_ENTITY_ID: "media_player.room_001"},
            blocking=True,
        )
        waits.append(arrived[-1] - start)
    queued = reads
    await refresh
    total = sum(r.method == "GET" for r in simulator.control_requests())
    wait = median(waits)
    REPORT.table(
        "2c-command-during-refresh",
        "2c. A command sent while a refresh of every room is in flight",
        [
            "players",
            "refresh reads",
            "reads sent after the last command",
            "commands during it",
            "wait before it goes out (median)",
            "longest",
            "goal",
            "met",
        ],
    ).add(
        rooms,
        total,
        total - queued,
        len(waits),
        ms(wait),
        ms(max(waits)),
        f"<= {GOAL * 1000:.0f} ms",
        "yes" if wait <= GOAL else "NO",
    )
    REPORT.tables["2c-command-during-refresh"].note(
        "The refresh starts right after setup (the pacer's burst is spent, so its "
        "reads go out at 40 a second); a pause or play of one room is sent each "
        f"time {READS_BETWEEN[mode]} more reads went out. Wait = from the service "
        "call until the simulator receives the command."
    )
