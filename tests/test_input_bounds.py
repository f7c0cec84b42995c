"""Input longer than Sonos' contract allows is refused before any request.

Through Home Assistant against the simulator: a huge favorite id, playlist id or
URL sends nothing and answers a translated error whose message stays short.
"""

from typing import Any

from homeassistant.components.media_player import (
    ATTR_MEDIA_ANNOUNCE,
    ATTR_MEDIA_CONTENT_ID,
    ATTR_MEDIA_CONTENT_TYPE,
    ATTR_MEDIA_EXTRA,
    DOMAIN as MEDIA_PLAYER_DOMAIN,
    SERVICE_PLAY_MEDIA,
)
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest

from .simulator import SonosCloudSimulator

KITCHEN_ENTITY = "media_player.kitchen"
LIVING_ROOM_ENTITY = "media_player.living_room"
HUGE = 1_000_000
MESSAGE_LIMIT = 300  # a sentence with a cut value, never the value itself


async def _play_media(
    hass: HomeAssistant, entity_id: str, media_id: str, **data: Any
) -> None:
    await hass.services.async_call(
        MEDIA_PLAYER_DOMAIN,
        SERVICE_PLAY_MEDIA,
        {
            ATTR_ENTITY_ID: entity_id,
            ATTR_MEDIA_CONTENT_ID: media_id,
            ATTR_MEDIA_CONTENT_TYPE: "music",
            **data,
        },
        blocking=True,
    )


@pytest.mark.parametrize(
    ("media_id", "field", "limit"),
    [
        ("favorite:" + "7" * HUGE, "favoriteId", "36"),
        ("favorite:" + "7" * 37, "favoriteId", "36"),
        ("playlist:" + "7" * HUGE, "playlistId", "36"),
        ("https://radio.invalid/" + "a" * HUGE, "streamUrl", "1024"),
        ("https://radio.invalid/" + "a" * 1003, "streamUrl", "1024"),
    ],
    ids=["huge-favorite", "favorite-37", "huge-playlist", "huge-url", "url-1025"],
)
@pytest.mark.usefixtures("init_integration")
async def test_too_long_media_id_sends_nothing(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    media_id: str,
    field: str,
    limit: str,
) -> None:
    """Ids and URLs over the contract's limit never reach Sonos."""
    with pytest.raises(HomeAssistantError) as exc_info:
        await _play_media(hass, KITCHEN_ENTITY, media_id)

    assert exc_info.value.translation_key == "value_too_long"
    assert exc_info.value.translation_placeholders["field"] == field
    assert exc_info.value.translation_placeholders["limit"] == limit
    message = str(exc_info.value)
    assert len(message) < MESSAGE_LIMIT
    assert limit in message
    assert simulator.control_requests() == []


@pytest.mark.usefixtures("init_integration")
async def test_too_long_announcement_url_sends_nothing(
    hass: HomeAssistant, simulator: SonosCloudSimulator
) -> None:
    """An announcement URL over 1,024 characters is refused with a short message."""
    url = "https://ha.invalid/" + "a" * HUGE + ".mp3"
    with pytest.raises(HomeAssistantError) as exc_info:
        await _play_media(hass, LIVING_ROOM_ENTITY, url, **{ATTR_MEDIA_ANNOUNCE: True})

    assert exc_info.value.translation_key == "value_too_long"
    assert len(str(exc_info.value)) < MESSAGE_LIMIT
    assert simulator.control_requests() == []


@pytest.mark.parametrize(
    ("media_id", "announce"),
    [
        ("spotify:" + "x" * HUGE, False),
        ("ftp://ha.invalid/" + "x" * HUGE, True),
    ],
    ids=["play", "announce"],
)
@pytest.mark.usefixtures("init_integration")
async def test_unplayable_input_is_not_echoed_whole(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    media_id: str,
    announce: bool,
) -> None:
    """What cannot be played is named in the error, cut to a readable length."""
    with pytest.raises(HomeAssistantError) as exc_info:
        await _play_media(
            hass, LIVING_ROOM_ENTITY, media_id, **{ATTR_MEDIA_ANNOUNCE: announce}
        )

    assert len(str(exc_info.value)) < MESSAGE_LIMIT
    assert all(len(v) <= 100 for v in exc_info.value.translation_placeholders.values())
    assert simulator.control_requests() == []


@pytest.mark.usefixtures("init_integration")
async def test_long_station_title_is_cut_to_the_contract(
    hass: HomeAssistant, simulator: SonosCloudSimulator
) -> None:
    """A title over 100 characters still plays: Sonos gets its first 100."""
    url = "https://radio.invalid/live.mp3"
    await _play_media(
        hass, KITCHEN_ENTITY, url, **{ATTR_MEDIA_EXTRA: {"title": "T" * 500}}
    )

    [_, load] = simulator.control_requests()
    assert load.json["stationMetadata"] == {"name": "T" * 100}
    assert load.status == 200
