"""A user's command goes out before the background reads queued for the key.

Against the simulator's real limiter (1,000 a minute, 100 a second): the
integration's own pacing keeps the reads of a large refresh waiting, and a
command must not wait with them.
"""

import asyncio

from homeassistant.components.media_player import DOMAIN as MEDIA_PLAYER_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sonos_cloud.api.pacer import DEFAULT_MAX_PARALLEL_REQUESTS

from .conftest import LIVING_ROOM
from .simulator import RecordedRequest, SonosCloudSimulator

# A second household of this many rooms makes the refresh far larger than the
# pacer's one-second burst, so most of its reads wait in the pacer.
EXTRA_ROOMS = 30


async def test_command_goes_out_before_the_queued_reads(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """A pause issued during a large refresh overtakes every read still queued."""
    household_id = simulator.add_household()
    for number in range(EXTRA_ROOMS):
        simulator.add_player(household_id, f"Room {number:02d}")
    group_id = simulator.group_id_of(LIVING_ROOM)
    reads_queued = asyncio.Event()

    def on_request(request: RecordedRequest) -> None:
        # The groups are read: every per-group and per-player read is queued.
        if request.path.endswith("/playback"):
            reads_queued.set()

    simulator.request_listeners.append(on_request)
    refresh = hass.async_create_task(init_integration.runtime_data.async_refresh())
    await reads_queued.wait()
    sent_before = len(simulator.control_requests())
    await hass.services.async_call(
        MEDIA_PLAYER_DOMAIN,
        "media_pause",
        {ATTR_ENTITY_ID: "media_player.living_room"},
        blocking=True,
    )
    await refresh

    paths = [r.path for r in simulator.control_requests()]
    pause = paths.index(f"/groups/{group_id}/playback/pause")
    # Only reads already on their way may land before it.
    assert pause <= sent_before + DEFAULT_MAX_PARALLEL_REQUESTS
    assert len(paths) - pause > EXTRA_ROOMS
    assert all(r.status != 429 for r in simulator.requests)
    assert init_integration.runtime_data.last_update_success
