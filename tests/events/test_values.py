"""Odd values in signed events: sequence ids and numbers out of range."""

import logging

from aiohttp.test_utils import TestClient
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.conftest import (
    BEDROOM,
    KITCHEN,
    LIVING_ROOM,
    WEBHOOK_ID,
    settle,
    signed_event_headers,
)
from tests.simulator import SonosCloudSimulator
from tests.test_webhook import KITCHEN_ENTITY, LIVING_ROOM_ENTITY, _post

from .helpers import volume_headers, volume_of

BEDROOM_ENTITY = "media_player.bedroom"


@pytest.mark.parametrize(
    "seq",
    ["²", "\u0661\u0662", "5" * 5000, "1" * 20, "+7"],
    ids=["superscript", "arabic-indic", "5000-digits", "20-digits", "sign"],
)
async def test_sequence_id_is_parsed_strictly(
    hass: HomeAssistant,
    ha_client: TestClient,
    push_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    seq: str,
) -> None:
    """A signed sequence id that is not 1 to 19 ASCII digits is refused quietly."""
    await _post(ha_client, volume_headers(seq), {"volume": 44, "muted": False})
    await hass.async_block_till_done()

    assert volume_of(hass, KITCHEN_ENTITY) == 0.18
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.levelname for r in warnings] == ["WARNING"]
    assert WEBHOOK_ID not in warnings[0].getMessage()


async def test_out_of_range_value_is_dropped_and_updates_go_on(
    hass: HomeAssistant,
    ha_client: TestClient,
    simulator: SonosCloudSimulator,
    push_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A position of 10**400 ms is valid JSON: dropped, and nothing breaks."""
    caplog.set_level(logging.DEBUG, logger="custom_components.sonos_cloud")
    group_id = simulator.group_id_of(KITCHEN)
    headers = signed_event_headers(
        str(10**12), "playback", "playbackStatus", "groupId", group_id
    )
    body = b'{"playbackState": "PLAYBACK_STATE_PLAYING", "positionMillis": 1%s}' % (
        b"0" * 400
    )
    await _post(ha_client, headers, body)
    await hass.async_block_till_done()

    assert hass.states.get(KITCHEN_ENTITY).state == "paused"
    assert "Ignoring playbackStatus event: Field 'positionMillis'" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

    rooms = {LIVING_ROOM: LIVING_ROOM_ENTITY, KITCHEN: KITCHEN_ENTITY}
    rooms[BEDROOM] = BEDROOM_ENTITY
    for volume, player_id in enumerate(rooms, start=40):
        simulator.set_player_volume(player_id, volume)
    await settle(hass, simulator)
    for volume, entity_id in enumerate(rooms.values(), start=40):
        assert volume_of(hass, entity_id) == volume / 100
