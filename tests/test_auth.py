"""Access tokens: a token Sonos refuses is refreshed once and stored once."""

import asyncio

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .conftest import KITCHEN, LIVING_ROOM
from .simulator import SonosCloudSimulator

TOKEN_PATH = "/login/v3/oauth/access"


async def test_refused_token_is_refreshed_and_stored_once(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """Two commands refused at once share one refresh and one entry write."""
    writes: list[dict[str, object]] = []

    async def count_writes(hass: HomeAssistant, entry: ConfigEntry) -> None:
        writes.append(dict(entry.data["token"]))

    init_integration.async_on_unload(init_integration.add_update_listener(count_writes))
    old_token = init_integration.data["token"]["access_token"]
    simulator.expire_access_tokens()

    await asyncio.gather(
        *(
            hass.services.async_call(
                "media_player",
                "media_pause",
                {"entity_id": entity_id},
                blocking=True,
            )
            for entity_id in ("media_player.kitchen", "media_player.living_room")
        )
    )
    await hass.async_block_till_done()

    refreshes = [r for r in simulator.requests if r.path == TOKEN_PATH]
    assert len(refreshes) == 1
    assert len(writes) == 1
    assert writes[0]["access_token"] != old_token
    assert init_integration.data["token"]["access_token"] == writes[0]["access_token"]
    pauses = [
        r.status for r in simulator.control_requests() if r.path.endswith("/pause")
    ]
    assert sorted(pauses) == [200, 200, 401, 401]
    for player in (KITCHEN, LIVING_ROOM):
        group = simulator.group_id_of(player)
        assert simulator.model.groups[group].playback_state == "PLAYBACK_STATE_PAUSED"
