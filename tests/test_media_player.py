"""Media player entities driven through Home Assistant against the simulator."""

from pathlib import Path
from typing import Any, ClassVar
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.media_player import (
    ATTR_GROUP_MEMBERS,
    ATTR_MEDIA_DURATION,
    ATTR_MEDIA_POSITION,
    ATTR_MEDIA_POSITION_UPDATED_AT,
    ATTR_MEDIA_VOLUME_LEVEL,
    ATTR_MEDIA_VOLUME_MUTED,
    DOMAIN as MEDIA_PLAYER_DOMAIN,
    SERVICE_JOIN,
    SERVICE_PLAY_MEDIA,
    SERVICE_UNJOIN,
    SERVICE_VOLUME_MUTE,
    SERVICE_VOLUME_SET,
)
from homeassistant.components.media_player.const import MediaPlayerEntityFeature
from homeassistant.components.tts import TextToSpeechEntity
from homeassistant.config_entries import ConfigEntry, ConfigFlow
from homeassistant.const import (
    ATTR_ENTITY_ID,
    ATTR_SUPPORTED_FEATURES,
    SERVICE_MEDIA_NEXT_TRACK,
    SERVICE_MEDIA_PAUSE,
    SERVICE_MEDIA_PLAY,
    SERVICE_MEDIA_PREVIOUS_TRACK,
    SERVICE_MEDIA_SEEK,
    SERVICE_REPEAT_SET,
    SERVICE_SHUFFLE_SET,
    SERVICE_VOLUME_DOWN,
    SERVICE_VOLUME_UP,
    STATE_UNAVAILABLE,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockModule,
    MockPlatform,
    mock_config_flow,
    mock_integration,
    mock_platform,
)
from syrupy.assertion import SnapshotAssertion
import voluptuous as vol

from custom_components.sonos_cloud.const import DOMAIN
from custom_components.sonos_cloud.media_player import SonosCloudMediaPlayer

from .conftest import (
    BEDROOM,
    HOUSEHOLD_ID,
    KITCHEN,
    LIVING_ROOM,
    get_device,
    setup_platform,
    snapshot_entities,
)
from .simulator import Fault, SonosCloudSimulator

LIVING_ROOM_ENTITY = "media_player.living_room"
KITCHEN_ENTITY = "media_player.kitchen"
BEDROOM_ENTITY = "media_player.bedroom"


async def _call(hass: HomeAssistant, service: str, entity_id: str, **data: Any) -> None:
    await hass.services.async_call(
        MEDIA_PLAYER_DOMAIN,
        service,
        {ATTR_ENTITY_ID: entity_id, **data},
        blocking=True,
    )


async def test_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Every room of the household is one media player with its state."""
    freezer.move_to("2026-11-23T12:00:00+00:00")
    with patch.object(SonosCloudMediaPlayer, "_access_token", "mock-token"):
        await setup_platform(hass, config_entry, Platform.MEDIA_PLAYER)
        await snapshot_entities(hass, entity_registry, snapshot, config_entry.entry_id)


async def test_device(
    device_registry: dr.DeviceRegistry, init_integration: MockConfigEntry
) -> None:
    """Each player is a Sonos device with the speaker's UPnP id and MAC."""
    device = get_device(device_registry, LIVING_ROOM, init_integration.entry_id)
    assert device is not None
    assert device.identifiers == {("sonos_cloud", LIVING_ROOM)}
    assert device.connections == {
        ("upnp", f"uuid:{LIVING_ROOM}"),
        ("mac", "38:42:0b:1a:2c:3d"),
    }
    assert device.manufacturer == "Sonos"
    assert device.model == "Sonos Arc"
    assert device.name == "Living Room"
    assert device.sw_version


@pytest.mark.parametrize(
    ("entity_id", "player_id", "service", "command", "expected_state"),
    [
        (KITCHEN_ENTITY, KITCHEN, SERVICE_MEDIA_PLAY, "playback/play", "playing"),
        (
            LIVING_ROOM_ENTITY,
            LIVING_ROOM,
            SERVICE_MEDIA_PAUSE,
            "playback/pause",
            "paused",
        ),
        (
            LIVING_ROOM_ENTITY,
            LIVING_ROOM,
            SERVICE_MEDIA_NEXT_TRACK,
            "playback/skipToNextTrack",
            "playing",
        ),
        (
            LIVING_ROOM_ENTITY,
            LIVING_ROOM,
            SERVICE_MEDIA_PREVIOUS_TRACK,
            "playback/skipToPreviousTrack",
            "playing",
        ),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_transport_command(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    entity_id: str,
    player_id: str,
    service: str,
    command: str,
    expected_state: str,
) -> None:
    """A transport command is one request to the player's group."""
    group_id = simulator.group_id_of(player_id)

    await _call(hass, service, entity_id)

    requests = simulator.control_requests()
    assert [(r.method, r.path) for r in requests] == [
        ("POST", f"/groups/{group_id}/{command}")
    ]
    assert requests[0].headers["Authorization"].startswith("Bearer ")
    assert hass.states.get(entity_id).state == expected_state
    playback_state = simulator.model.groups[group_id].playback_state
    assert playback_state == f"PLAYBACK_STATE_{expected_state.upper()}"


@pytest.mark.usefixtures("init_integration")
async def test_volume_set(hass: HomeAssistant, simulator: SonosCloudSimulator) -> None:
    """Setting the volume is one request to the player, shown at once."""
    await _call(
        hass, SERVICE_VOLUME_SET, KITCHEN_ENTITY, **{ATTR_MEDIA_VOLUME_LEVEL: 0.42}
    )

    requests = simulator.control_requests()
    assert [(r.method, r.path, r.json) for r in requests] == [
        ("POST", f"/players/{KITCHEN}/playerVolume", {"volume": 42})
    ]
    assert hass.states.get(KITCHEN_ENTITY).attributes[ATTR_MEDIA_VOLUME_LEVEL] == 0.42
    assert simulator.model.players[KITCHEN].volume == 42


@pytest.mark.parametrize(
    ("service", "delta", "expected"),
    [(SERVICE_VOLUME_UP, 5, 0.23), (SERVICE_VOLUME_DOWN, -5, 0.13)],
)
@pytest.mark.usefixtures("init_integration")
async def test_volume_step(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    service: str,
    delta: int,
    expected: float,
) -> None:
    """Volume up and down are one relative request, shown at once."""
    await _call(hass, service, KITCHEN_ENTITY)

    requests = simulator.control_requests()
    assert [(r.path, r.json) for r in requests] == [
        (f"/players/{KITCHEN}/playerVolume/relative", {"volumeDelta": delta})
    ]
    state = hass.states.get(KITCHEN_ENTITY)
    assert state.attributes[ATTR_MEDIA_VOLUME_LEVEL] == expected
    assert simulator.model.players[KITCHEN].volume == round(expected * 100)


@pytest.mark.parametrize("mute", [True, False])
@pytest.mark.usefixtures("init_integration")
async def test_mute(
    hass: HomeAssistant, simulator: SonosCloudSimulator, mute: bool
) -> None:
    """Muting is one request to the player, shown at once."""
    simulator.set_player_volume(KITCHEN, 18, muted=not mute)

    await _call(
        hass, SERVICE_VOLUME_MUTE, KITCHEN_ENTITY, **{ATTR_MEDIA_VOLUME_MUTED: mute}
    )

    requests = simulator.control_requests()
    assert [(r.method, r.path, r.json) for r in requests] == [
        ("POST", f"/players/{KITCHEN}/playerVolume/mute", {"muted": mute})
    ]
    assert hass.states.get(KITCHEN_ENTITY).attributes[ATTR_MEDIA_VOLUME_MUTED] is mute
    assert simulator.model.players[KITCHEN].muted is mute


@pytest.mark.usefixtures("init_integration")
async def test_stale_group_is_looked_up_and_retried(
    hass: HomeAssistant, simulator: SonosCloudSimulator
) -> None:
    """A command to a re-formed group looks the groups up once and retries once."""
    old_group_id = simulator.group_id_of(KITCHEN)
    new_group_id = simulator.external_regroup([KITCHEN])
    assert new_group_id != old_group_id

    await _call(hass, SERVICE_MEDIA_PLAY, KITCHEN_ENTITY)

    requests = simulator.control_requests()
    assert [(r.method, r.path, r.status) for r in requests] == [
        ("POST", f"/groups/{old_group_id}/playback/play", 410),
        ("GET", f"/households/{HOUSEHOLD_ID}/groups", 200),
        ("POST", f"/groups/{new_group_id}/playback/play", 200),
    ]
    assert hass.states.get(KITCHEN_ENTITY).state == "playing"


@pytest.mark.usefixtures("init_integration")
async def test_repeated_volume_set_sends_one_request(
    hass: HomeAssistant, simulator: SonosCloudSimulator
) -> None:
    """The slider of the more-info dialog sends the same volume twice: one request.

    A repeat of what the last command already shows sends nothing; another
    value, or the same one after Sonos reported a change, is sent.
    """
    for level in (0.3, 0.3, 0.4):
        await hass.services.async_call(
            "media_player",
            "volume_set",
            {"entity_id": KITCHEN_ENTITY, "volume_level": level},
            blocking=True,
        )
    volumes = [r.json for r in simulator.control_requests()]
    assert volumes == [{"volume": 30}, {"volume": 40}]

    simulator.set_player_volume(KITCHEN, 55)
    await hass.config_entries.async_entries("sonos_cloud")[
        0
    ].runtime_data.async_refresh()
    await hass.services.async_call(
        "media_player",
        "volume_set",
        {"entity_id": KITCHEN_ENTITY, "volume_level": 0.4},
        blocking=True,
    )
    assert len(simulator.control_requests()) > 2
    assert simulator.model.players[KITCHEN].volume == 40


@pytest.mark.usefixtures("init_integration")
async def test_short_rate_limit_is_waited_out(
    hass: HomeAssistant, simulator: SonosCloudSimulator
) -> None:
    """A 429 asking for a second's wait delays the command; it is still sent."""
    simulator.inject(
        Fault(
            method="POST",
            path=r"/groups/.*/playback/play",
            status=429,
            headers={"Retry-After": "1"},
        )
    )
    started = hass.loop.time()
    await hass.services.async_call(
        "media_player", "media_play", {"entity_id": KITCHEN_ENTITY}, blocking=True
    )

    assert hass.loop.time() - started >= 1
    plays = [r for r in simulator.control_requests() if r.path.endswith("/play")]
    assert [r.status for r in plays] == [429, 200]
    assert hass.states.get(KITCHEN_ENTITY).state == "playing"


@pytest.mark.parametrize(
    ("fault", "translation_key", "message"),
    [
        (
            Fault(
                method="POST",
                path=r"/groups/.*/playback/play",
                status=499,
                body={
                    "_objectType": "playbackError",
                    "errorCode": "ERROR_PLAYBACK_FAILED",
                },
            ),
            "command_rejected",
            "Sonos refused the command on Kitchen (ERROR_PLAYBACK_FAILED)",
        ),
        (
            Fault(method="POST", path=r"/groups/.*/playback/play", status=500),
            "command_failed",
            "Sonos could not run the command on Kitchen",
        ),
        (
            Fault(
                method="POST",
                path=r"/groups/.*/playback/play",
                status=429,
                headers={"Retry-After": "17"},
            ),
            "command_rate_limited",
            "Try again in 17 seconds",
        ),
        (
            # Waited out once (no wait asked), then refused again.
            Fault(
                method="POST",
                path=r"/groups/.*/playback/play",
                status=429,
                headers={"Retry-After": "0"},
                times=2,
            ),
            "command_rate_limited",
            "Try again in 1 seconds",
        ),
        (
            Fault(
                method="POST",
                path=r"/groups/.*/playback/play",
                status=200,
                raw_body="<html>",
            ),
            "command_failed",
            "not JSON",
        ),
        (
            Fault(method="*", path=r"/.*", status=410, times=0),
            "player_unavailable",
            "The Sonos player Kitchen is not available right now",
        ),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_command_errors(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    fault: Fault,
    translation_key: str,
    message: str,
) -> None:
    """A failed command raises a translated error and changes nothing."""
    simulator.inject(fault)

    with pytest.raises(HomeAssistantError) as exc_info:
        await _call(hass, SERVICE_MEDIA_PLAY, KITCHEN_ENTITY)

    assert exc_info.value.translation_key == translation_key
    assert message in str(exc_info.value)
    assert hass.states.get(KITCHEN_ENTITY).state == "paused"


@pytest.mark.parametrize(
    ("retry_after", "shown"),
    [
        ("inf", "60"),
        ("nan", "60"),
        ("1e308", "60"),
        pytest.param("9" * 400, "3600", id="400-digits"),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_command_absurd_retry_after(
    hass: HomeAssistant, simulator: SonosCloudSimulator, retry_after: str, shown: str
) -> None:
    """A nonsensical Retry-After still gives the translated rate-limit error."""
    simulator.inject(
        Fault(
            method="POST",
            path=r"/groups/.*/playback/play",
            status=429,
            headers={"Retry-After": retry_after},
            times=0,
        )
    )

    with pytest.raises(HomeAssistantError) as exc_info:
        await _call(hass, SERVICE_MEDIA_PLAY, KITCHEN_ENTITY)

    assert exc_info.value.translation_key == "command_rate_limited"
    assert exc_info.value.translation_placeholders == {"retry_after": shown}
    assert f"Try again in {shown} seconds" in str(exc_info.value)
    assert hass.states.get(KITCHEN_ENTITY).state == "paused"


@pytest.mark.usefixtures("init_integration")
async def test_play_without_content(
    hass: HomeAssistant, simulator: SonosCloudSimulator
) -> None:
    """Playing a room with nothing loaded reports Sonos' reason."""
    with pytest.raises(HomeAssistantError) as exc_info:
        await _call(hass, SERVICE_MEDIA_PLAY, BEDROOM_ENTITY)

    assert str(exc_info.value) == (
        "Sonos refused the command on Bedroom (ERROR_PLAYBACK_NO_CONTENT)"
    )
    assert hass.states.get(BEDROOM_ENTITY).state == "idle"
    assert len(simulator.control_requests()) == 1


@pytest.mark.usefixtures("init_integration")
async def test_rejected_token_starts_reauth(
    hass: HomeAssistant, simulator: SonosCloudSimulator
) -> None:
    """When Sonos refuses the token and the refresh token, reauth starts."""
    simulator.expire_access_tokens()
    simulator.revoke_refresh_tokens()

    with pytest.raises(HomeAssistantError) as exc_info:
        await _call(hass, SERVICE_MEDIA_PAUSE, LIVING_ROOM_ENTITY)

    assert exc_info.value.translation_key == "authentication_failed"
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


@pytest.mark.usefixtures("init_integration")
async def test_expired_token_is_refreshed_once(
    hass: HomeAssistant, simulator: SonosCloudSimulator
) -> None:
    """A 401 refreshes the token once and repeats the command once."""
    simulator.expire_access_tokens()

    await _call(hass, SERVICE_MEDIA_PAUSE, LIVING_ROOM_ENTITY)

    assert [(r.method, r.path, r.status) for r in simulator.requests] == [
        ("POST", f"/groups/{simulator.group_id_of(LIVING_ROOM)}/playback/pause", 401),
        ("POST", "/login/v3/oauth/access", 200),
        ("POST", f"/groups/{simulator.group_id_of(LIVING_ROOM)}/playback/pause", 200),
    ]
    assert hass.states.get(LIVING_ROOM_ENTITY).state == "paused"


async def test_fixed_volume_player_has_no_volume_control(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """A player with fixed volume offers transport but no volume features."""
    simulator.add_player(HOUSEHOLD_ID, "Patio", fixed_volume=True)
    await init_integration.runtime_data.async_refresh()
    await hass.async_block_till_done()

    state = hass.states.get("media_player.patio")
    assert state is not None
    features = MediaPlayerEntityFeature(state.attributes[ATTR_SUPPORTED_FEATURES])
    assert MediaPlayerEntityFeature.PLAY in features
    assert MediaPlayerEntityFeature.VOLUME_SET not in features
    assert MediaPlayerEntityFeature.VOLUME_MUTE not in features


async def test_removed_player_goes_away(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """A player the household no longer lists loses its device and entity."""
    simulator.remove_player(BEDROOM)
    await init_integration.runtime_data.async_refresh()
    await hass.async_block_till_done()

    assert hass.states.get(BEDROOM_ENTITY) is None
    assert entity_registry.async_get(BEDROOM_ENTITY) is None
    assert hass.states.get(KITCHEN_ENTITY).state == "paused"


@pytest.mark.usefixtures("init_integration")
async def test_command_to_player_that_left(
    hass: HomeAssistant, simulator: SonosCloudSimulator
) -> None:
    """A room removed from the household since the last poll is reported, once."""
    old_group_id = simulator.group_id_of(KITCHEN)
    simulator.remove_player(KITCHEN)

    with pytest.raises(HomeAssistantError) as exc_info:
        await _call(hass, SERVICE_MEDIA_PLAY, KITCHEN_ENTITY)

    assert exc_info.value.translation_key == "player_unavailable"
    assert [(r.method, r.path) for r in simulator.control_requests()] == [
        ("POST", f"/groups/{old_group_id}/playback/play"),
        ("GET", f"/households/{HOUSEHOLD_ID}/groups"),
    ]
    assert hass.states.get(KITCHEN_ENTITY).state == STATE_UNAVAILABLE


@pytest.mark.usefixtures("init_integration")
async def test_fixed_volume_refusal(
    hass: HomeAssistant, simulator: SonosCloudSimulator
) -> None:
    """A player command Sonos refuses raises the translated error with its code."""
    simulator.inject(
        Fault(
            method="POST",
            path=f"/players/{KITCHEN}/playerVolume",
            status=499,
            body={"_objectType": "globalError", "errorCode": "ERROR_COMMAND_FAILED"},
        )
    )
    with pytest.raises(HomeAssistantError) as exc_info:
        await _call(
            hass, SERVICE_VOLUME_SET, KITCHEN_ENTITY, **{ATTR_MEDIA_VOLUME_LEVEL: 0.5}
        )

    assert str(exc_info.value) == (
        "Sonos refused the command on Kitchen (ERROR_COMMAND_FAILED)"
    )
    assert hass.states.get(KITCHEN_ENTITY).attributes[ATTR_MEDIA_VOLUME_LEVEL] == 0.18


async def _refresh(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()


@pytest.mark.usefixtures("init_integration")
async def test_seek(hass: HomeAssistant, simulator: SonosCloudSimulator) -> None:
    """Seeking is one request in milliseconds; the new position shows at once."""
    group_id = simulator.group_id_of(LIVING_ROOM)
    await _call(hass, SERVICE_MEDIA_SEEK, LIVING_ROOM_ENTITY, seek_position=42.5)

    assert [(r.path, r.json) for r in simulator.control_requests()] == [
        (f"/groups/{group_id}/playback/seek", {"positionMillis": 42500})
    ]
    state = hass.states.get(LIVING_ROOM_ENTITY)
    assert state.attributes[ATTR_MEDIA_POSITION] == 42
    assert state.state == "playing"


@pytest.mark.parametrize("position", [-1, 100000])
@pytest.mark.usefixtures("init_integration")
async def test_seek_out_of_range(
    hass: HomeAssistant, simulator: SonosCloudSimulator, position: float
) -> None:
    """A position outside the track is refused before any request."""
    with pytest.raises((ServiceValidationError, vol.Invalid)):
        await _call(
            hass, SERVICE_MEDIA_SEEK, LIVING_ROOM_ENTITY, seek_position=position
        )
    assert simulator.control_requests() == []


@pytest.mark.parametrize(
    ("service", "data", "body", "attribute", "value"),
    [
        (SERVICE_SHUFFLE_SET, {"shuffle": True}, {"shuffle": True}, "shuffle", True),
        (
            SERVICE_REPEAT_SET,
            {"repeat": "all"},
            {"repeat": True, "repeatOne": False},
            "repeat",
            "all",
        ),
        (
            SERVICE_REPEAT_SET,
            {"repeat": "one"},
            {"repeat": False, "repeatOne": True},
            "repeat",
            "one",
        ),
        (
            SERVICE_REPEAT_SET,
            {"repeat": "off"},
            {"repeat": False, "repeatOne": False},
            "repeat",
            "off",
        ),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_play_modes(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    service: str,
    data: dict[str, Any],
    body: dict[str, bool],
    attribute: str,
    value: Any,
) -> None:
    """Shuffle and repeat are one request each and show at once."""
    group_id = simulator.group_id_of(LIVING_ROOM)
    await _call(hass, service, LIVING_ROOM_ENTITY, **data)

    assert [(r.path, r.json) for r in simulator.control_requests()] == [
        (f"/groups/{group_id}/playback/playMode", {"playModes": body})
    ]
    assert hass.states.get(LIVING_ROOM_ENTITY).attributes[attribute] == value


async def test_radio(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """Radio shows the station and what plays, and offers no skip, seek or modes."""
    simulator.load_radio(simulator.group_id_of(KITCHEN), "Harbour FM", play=True)
    await _refresh(hass, init_integration)

    state = hass.states.get(KITCHEN_ENTITY)
    assert state.state == "playing"
    assert state.attributes["media_content_type"] == "channel"
    assert state.attributes["media_channel"] == "Harbour FM"
    # A station that is no favorite is no source (the local integration agrees).
    assert "source" not in state.attributes
    assert state.attributes["media_title"]
    assert "media_duration" not in state.attributes
    features = MediaPlayerEntityFeature(state.attributes[ATTR_SUPPORTED_FEATURES])
    for feature in (
        MediaPlayerEntityFeature.SEEK,
        MediaPlayerEntityFeature.NEXT_TRACK,
        MediaPlayerEntityFeature.SHUFFLE_SET,
        MediaPlayerEntityFeature.REPEAT_SET,
    ):
        assert feature not in features
    assert MediaPlayerEntityFeature.PAUSE in features


async def test_line_in(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """Line-in shows as the source, with no track."""
    simulator.load_line_in(simulator.group_id_of(BEDROOM), play=True)
    await _refresh(hass, init_integration)

    state = hass.states.get(BEDROOM_ENTITY)
    assert state.state == "playing"
    assert state.attributes["source"] == "Line-In"
    assert "media_content_type" not in state.attributes
    assert "media_artist" not in state.attributes


@pytest.mark.usefixtures("init_integration")
async def test_position_moves_with_time(
    hass: HomeAssistant, simulator: SonosCloudSimulator
) -> None:
    """The position is stamped with when it was read so the frontend moves it."""
    state = hass.states.get(LIVING_ROOM_ENTITY)
    updated_at = state.attributes[ATTR_MEDIA_POSITION_UPDATED_AT]
    assert updated_at is not None
    assert state.attributes[ATTR_MEDIA_DURATION] > 0

    await _call(hass, SERVICE_MEDIA_PAUSE, LIVING_ROOM_ENTITY)
    paused = hass.states.get(LIVING_ROOM_ENTITY)
    assert paused.attributes[ATTR_MEDIA_POSITION_UPDATED_AT] >= updated_at
    assert (
        paused.attributes[ATTR_MEDIA_POSITION] >= state.attributes[ATTR_MEDIA_POSITION]
    )


@pytest.mark.parametrize(
    ("service", "data", "path", "body", "attribute", "value"),
    [
        (
            "set_group_volume",
            {"volume_level": 0.4},
            "groupVolume",
            {"volume": 40},
            "group_volume_level",
            0.4,
        ),
        (
            "set_group_mute",
            {"is_volume_muted": True},
            "groupVolume/mute",
            {"muted": True},
            "group_is_volume_muted",
            True,
        ),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_group_volume_services(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    service: str,
    data: dict[str, Any],
    path: str,
    body: dict[str, Any],
    attribute: str,
    value: Any,
) -> None:
    """Group volume and mute are one request to the group, shown at once."""
    group_id = simulator.group_id_of(KITCHEN)
    await hass.services.async_call(
        DOMAIN, service, {ATTR_ENTITY_ID: KITCHEN_ENTITY, **data}, blocking=True
    )

    assert [(r.path, r.json) for r in simulator.control_requests()] == [
        (f"/groups/{group_id}/{path}", body)
    ]
    assert hass.states.get(KITCHEN_ENTITY).attributes[attribute] == value


@pytest.mark.usefixtures("init_integration")
async def test_group_volume_out_of_range(
    hass: HomeAssistant, simulator: SonosCloudSimulator
) -> None:
    """A group volume outside 0-1 is refused before any request."""
    with pytest.raises(vol.Invalid):
        await hass.services.async_call(
            DOMAIN,
            "set_group_volume",
            {ATTR_ENTITY_ID: KITCHEN_ENTITY, "volume_level": 1.5},
            blocking=True,
        )
    assert simulator.control_requests() == []


async def test_join_and_unjoin(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """Joining and unjoining are one request each; both rooms update at once."""
    living_room_group = simulator.group_id_of(LIVING_ROOM)

    await _call(hass, SERVICE_JOIN, LIVING_ROOM_ENTITY, group_members=[KITCHEN_ENTITY])

    assert [(r.path, r.json) for r in simulator.control_requests()] == [
        (
            f"/groups/{living_room_group}/groups/modifyGroupMembers",
            {"playerIdsToAdd": [KITCHEN], "playerIdsToRemove": []},
        )
    ]
    for entity_id in (LIVING_ROOM_ENTITY, KITCHEN_ENTITY):
        state = hass.states.get(entity_id)
        assert state.attributes[ATTR_GROUP_MEMBERS] == [
            LIVING_ROOM_ENTITY,
            KITCHEN_ENTITY,
        ]
        assert state.state == "playing"

    # The next poll agrees with what was shown.
    await _refresh(hass, init_integration)
    assert hass.states.get(KITCHEN_ENTITY).attributes[ATTR_GROUP_MEMBERS] == [
        LIVING_ROOM_ENTITY,
        KITCHEN_ENTITY,
    ]
    simulator.clear_requests()

    await _call(hass, SERVICE_UNJOIN, KITCHEN_ENTITY)

    assert [(r.path, r.json) for r in simulator.control_requests()] == [
        (f"/households/{HOUSEHOLD_ID}/groups/createGroup", {"playerIds": [KITCHEN]})
    ]
    assert hass.states.get(KITCHEN_ENTITY).attributes[ATTR_GROUP_MEMBERS] == [
        KITCHEN_ENTITY
    ]
    assert hass.states.get(LIVING_ROOM_ENTITY).attributes[ATTR_GROUP_MEMBERS] == [
        LIVING_ROOM_ENTITY
    ]


@pytest.mark.usefixtures("init_integration")
async def test_join_nothing_new(
    hass: HomeAssistant, simulator: SonosCloudSimulator
) -> None:
    """Joining a member again or unjoining a lone room sends nothing."""
    await _call(
        hass, SERVICE_JOIN, LIVING_ROOM_ENTITY, group_members=[LIVING_ROOM_ENTITY]
    )
    await _call(hass, SERVICE_UNJOIN, KITCHEN_ENTITY)
    assert simulator.control_requests() == []


@pytest.mark.usefixtures("init_integration")
async def test_join_foreign_entity(
    hass: HomeAssistant, simulator: SonosCloudSimulator
) -> None:
    """Only rooms of the same Sonos system can join."""
    hass.states.async_set("media_player.tv", "on")
    with pytest.raises(ServiceValidationError) as exc_info:
        await _call(
            hass, SERVICE_JOIN, LIVING_ROOM_ENTITY, group_members=["media_player.tv"]
        )
    assert exc_info.value.translation_key == "cannot_join"
    assert simulator.control_requests() == []


def _favorite_id(simulator: SonosCloudSimulator, name: str) -> str:
    household = simulator.model.households[HOUSEHOLD_ID]
    return next(item.id for item in household.favorites if item.name == name)


def _playlist_id(simulator: SonosCloudSimulator, name: str) -> str:
    household = simulator.model.households[HOUSEHOLD_ID]
    return next(item.id for item in household.playlists if item.name == name)


async def _play_media(
    hass: HomeAssistant, entity_id: str, media_id: str, **data: Any
) -> None:
    await _call(
        hass,
        SERVICE_PLAY_MEDIA,
        entity_id,
        media_content_id=media_id,
        media_content_type="music",
        **data,
    )


@pytest.mark.parametrize(
    ("enqueue", "action", "play"),
    [
        ({}, "REPLACE", True),
        ({"enqueue": "play"}, "INSERT", True),
        ({"enqueue": "add"}, "APPEND", False),
        ({"enqueue": "next"}, "INSERT_NEXT", False),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_play_favorite(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    enqueue: dict[str, str],
    action: str,
    play: bool,
) -> None:
    """A favorite is one request that loads it into the room's group."""
    favorite_id = _favorite_id(simulator, "Morning Mix")
    group_id = simulator.group_id_of(BEDROOM)

    await _play_media(hass, BEDROOM_ENTITY, f"favorite:{favorite_id}", **enqueue)

    assert [(r.path, r.json) for r in simulator.control_requests()] == [
        (
            f"/groups/{group_id}/favorites",
            {"favoriteId": favorite_id, "action": action, "playOnCompletion": play},
        )
    ]
    assert (hass.states.get(BEDROOM_ENTITY).state == "playing") is play


@pytest.mark.usefixtures("init_integration")
async def test_play_playlist(
    hass: HomeAssistant, simulator: SonosCloudSimulator
) -> None:
    """A Sonos playlist is one request and starts playing."""
    playlist_id = _playlist_id(simulator, "Dinner")
    group_id = simulator.group_id_of(KITCHEN)

    await _play_media(hass, KITCHEN_ENTITY, f"playlist:{playlist_id}")

    assert [(r.path, r.json) for r in simulator.control_requests()] == [
        (
            f"/groups/{group_id}/playlists",
            {"playlistId": playlist_id, "action": "REPLACE", "playOnCompletion": True},
        )
    ]
    assert hass.states.get(KITCHEN_ENTITY).state == "playing"
    assert simulator.model.groups[group_id].playback_state == "PLAYBACK_STATE_PLAYING"


@pytest.mark.usefixtures("init_integration")
async def test_play_stream_url(
    hass: HomeAssistant, simulator: SonosCloudSimulator
) -> None:
    """A stream URL plays through a playback session."""
    group_id = simulator.group_id_of(KITCHEN)
    url = "https://radio.invalid/live.mp3"

    await _play_media(hass, KITCHEN_ENTITY, url, extra={"title": "Test Radio"})

    requests = simulator.control_requests()
    assert len(requests) == 2
    assert requests[0].path == f"/groups/{group_id}/playbackSession"
    assert requests[1].path.startswith("/sessions/")
    assert requests[1].path.endswith("/playbackSession/loadStreamUrl")
    assert requests[0].json["appId"] == "io.home-assistant.sonos_cloud"
    assert requests[1].json == {
        "streamUrl": url,
        "playOnCompletion": True,
        "stationMetadata": {"name": "Test Radio"},
    }
    assert hass.states.get(KITCHEN_ENTITY).state == "playing"


@pytest.mark.parametrize(
    ("media_id", "translation_key"),
    [
        ("favorite:", "invalid_media_id"),
        ("spotify:track:123", "invalid_media_id"),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_play_media_invalid(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    media_id: str,
    translation_key: str,
) -> None:
    """Ids that cannot be played are refused before any request."""
    with pytest.raises(ServiceValidationError) as exc_info:
        await _play_media(hass, KITCHEN_ENTITY, media_id)
    assert exc_info.value.translation_key == translation_key
    assert simulator.control_requests() == []


@pytest.mark.parametrize("announce", [False, True])
@pytest.mark.parametrize("media_id", ["", "   "])
@pytest.mark.usefixtures("init_integration")
async def test_play_media_empty_id(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    media_id: str,
    announce: bool,
) -> None:
    """An empty media id is refused with a translated error and sends nothing."""
    with pytest.raises(ServiceValidationError) as exc_info:
        await _play_media(hass, KITCHEN_ENTITY, media_id, announce=announce)
    assert exc_info.value.translation_key == "empty_media_id"
    assert str(exc_info.value) == (
        "Nothing to play: media_content_id is empty. Give a favorite or playlist"
        " from the media browser, an http(s) URL or a media source"
    )
    assert simulator.control_requests() == []


@pytest.mark.usefixtures("init_integration")
async def test_play_unknown_favorite(
    hass: HomeAssistant, simulator: SonosCloudSimulator
) -> None:
    """A favorite Sonos does not know is reported with Sonos' code."""
    with pytest.raises(HomeAssistantError) as exc_info:
        await _play_media(hass, KITCHEN_ENTITY, "favorite:99999")
    assert exc_info.value.translation_key == "command_rejected"
    assert "ERROR_INVALID_OBJECT_ID" in str(exc_info.value)


@pytest.mark.parametrize(
    ("media_id", "extra", "body"),
    [
        (
            "CHIME",
            {},
            {"clipType": "CHIME", "priority": "LOW"},
        ),
        (
            "chime",
            {"volume": 0.3, "priority": "high"},
            {"clipType": "CHIME", "priority": "HIGH", "volume": 30},
        ),
        (
            "https://ha.invalid/api/tts_proxy/abc.mp3",
            {"volume": 45},
            {
                "clipType": "CUSTOM",
                "priority": "LOW",
                "streamUrl": "https://ha.invalid/api/tts_proxy/abc.mp3",
                "volume": 45,
            },
        ),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_announce(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    media_id: str,
    extra: dict[str, Any],
    body: dict[str, Any],
) -> None:
    """An announcement is one audio clip request to the room, music untouched."""
    await _play_media(hass, LIVING_ROOM_ENTITY, media_id, announce=True, extra=extra)

    requests = simulator.control_requests()
    assert [(r.path, r.json) for r in requests] == [
        (
            f"/players/{LIVING_ROOM}/audioClip",
            {
                "name": "Home Assistant",
                "appId": "io.home-assistant.sonos_cloud",
                **body,
            },
        )
    ]
    assert [clip.status for clip in simulator.model.clips[LIVING_ROOM]] == ["ACTIVE"]
    assert hass.states.get(LIVING_ROOM_ENTITY).state == "playing"


@pytest.mark.usefixtures("init_integration")
async def test_announce_on_bonded_speakers(
    hass: HomeAssistant, simulator: SonosCloudSimulator
) -> None:
    """play_on_bonded sends the clip to every speaker of the room at once."""
    device_ids = simulator.model.players[LIVING_ROOM].device_ids
    assert len(device_ids) == 3

    await _play_media(
        hass, LIVING_ROOM_ENTITY, "CHIME", announce=True, extra={"play_on_bonded": True}
    )

    assert sorted(r.path for r in simulator.control_requests()) == sorted(
        f"/players/{device_id}/audioClip" for device_id in device_ids
    )
    for device_id in device_ids:
        assert [clip.status for clip in simulator.model.clips[device_id]] == ["ACTIVE"]


@pytest.mark.parametrize(
    ("media_id", "extra"),
    [
        ("https://ha.invalid/song.flac", {}),
        ("CHIME", {"volume": 150}),
        ("CHIME", {"priority": "urgent"}),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_announce_invalid(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    media_id: str,
    extra: dict[str, Any],
) -> None:
    """What a speaker cannot play is refused up front, not silently accepted."""
    with pytest.raises(ServiceValidationError) as exc_info:
        await _play_media(
            hass, LIVING_ROOM_ENTITY, media_id, announce=True, extra=extra
        )
    assert exc_info.value.translation_key == "invalid_announcement"
    assert simulator.control_requests() == []


@pytest.mark.usefixtures("init_integration")
async def test_announce_without_clip_support(
    hass: HomeAssistant, simulator: SonosCloudSimulator
) -> None:
    """A room without audio clip support does not offer announcements."""
    state = hass.states.get(BEDROOM_ENTITY)
    features = MediaPlayerEntityFeature(state.attributes[ATTR_SUPPORTED_FEATURES])
    assert MediaPlayerEntityFeature.MEDIA_ANNOUNCE not in features
    assert MediaPlayerEntityFeature.MEDIA_ANNOUNCE in MediaPlayerEntityFeature(
        hass.states.get(KITCHEN_ENTITY).attributes[ATTR_SUPPORTED_FEATURES]
    )

    with pytest.raises(HomeAssistantError):
        await _play_media(hass, BEDROOM_ENTITY, "CHIME", announce=True)
    assert simulator.control_requests() == []


@pytest.mark.usefixtures("init_integration")
async def test_announce_media_source(
    hass: HomeAssistant, simulator: SonosCloudSimulator, tmp_path: Path
) -> None:
    """A media source item is resolved to a URL the speaker fetches."""
    (tmp_path / "door.mp3").write_bytes(b"ID3")
    hass.config.media_dirs = {"local": str(tmp_path)}
    hass.config.internal_url = "http://127.0.0.1:8123"
    assert await async_setup_component(hass, "media_source", {})

    await _play_media(
        hass,
        KITCHEN_ENTITY,
        "media-source://media_source/local/door.mp3",
        announce=True,
    )

    (request,) = simulator.control_requests()
    assert request.json["streamUrl"].startswith(
        "http://127.0.0.1:8123/media/local/door.mp3?authSig="
    )


@pytest.mark.usefixtures("init_integration")
async def test_announcement_refused_by_priority(
    hass: HomeAssistant, simulator: SonosCloudSimulator
) -> None:
    """A low-priority clip that Sonos dismisses is an error, not a green tick."""
    await _play_media(
        hass, KITCHEN_ENTITY, "CHIME", announce=True, extra={"priority": "high"}
    )
    with pytest.raises(HomeAssistantError) as exc_info:
        await _play_media(hass, KITCHEN_ENTITY, "CHIME", announce=True)
    assert exc_info.value.translation_key == "announcement_refused"


@pytest.mark.usefixtures("init_integration")
async def test_announcement_failure_reports_code(
    hass: HomeAssistant, simulator: SonosCloudSimulator
) -> None:
    """A clip Sonos refuses raises an error carrying the Sonos code."""
    simulator.inject(
        Fault(
            method="POST",
            path=r"/players/.*/audioClip",
            status=410,
            body={"errorCode": "ERROR_RESOURCE_GONE"},
        )
    )
    with pytest.raises(HomeAssistantError) as exc_info:
        await _play_media(hass, KITCHEN_ENTITY, "CHIME", announce=True)
    assert exc_info.value.translation_key == "player_unavailable"


@pytest.mark.usefixtures("init_integration")
async def test_cancel_announcement(
    hass: HomeAssistant, simulator: SonosCloudSimulator
) -> None:
    """The running announcement can be stopped; a finished one is no error."""
    with pytest.raises(ServiceValidationError) as exc_info:
        await hass.services.async_call(
            DOMAIN,
            "cancel_announcement",
            {ATTR_ENTITY_ID: KITCHEN_ENTITY},
            blocking=True,
        )
    assert exc_info.value.translation_key == "no_announcement"

    await _play_media(hass, KITCHEN_ENTITY, "CHIME", announce=True)
    clip = simulator.model.clips[KITCHEN][-1]
    simulator.clear_requests()
    await hass.services.async_call(
        DOMAIN, "cancel_announcement", {ATTR_ENTITY_ID: KITCHEN_ENTITY}, blocking=True
    )
    assert [(r.method, r.path) for r in simulator.control_requests()] == [
        ("DELETE", f"/players/{KITCHEN}/audioClip/{clip.id}")
    ]
    assert clip.status == "DISMISSED"

    await _play_media(hass, KITCHEN_ENTITY, "CHIME", announce=True)
    finished = simulator.model.clips[KITCHEN][-1]
    simulator.finish_clip(KITCHEN, finished.id)
    await hass.services.async_call(
        DOMAIN, "cancel_announcement", {ATTR_ENTITY_ID: KITCHEN_ENTITY}, blocking=True
    )


@pytest.mark.usefixtures("init_integration")
async def test_cancel_announcement_failure(
    hass: HomeAssistant, simulator: SonosCloudSimulator
) -> None:
    """A cancel Sonos fails on is reported."""
    await _play_media(hass, KITCHEN_ENTITY, "CHIME", announce=True)
    simulator.inject(
        Fault(method="DELETE", path=r"/players/.*/audioClip/.*", status=500)
    )
    with pytest.raises(HomeAssistantError) as exc_info:
        await hass.services.async_call(
            DOMAIN,
            "cancel_announcement",
            {ATTR_ENTITY_ID: KITCHEN_ENTITY},
            blocking=True,
        )
    assert exc_info.value.translation_key == "command_failed"


async def test_announce_on_group(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """play_on_group announces on every room of the group, together."""
    simulator.external_regroup([LIVING_ROOM, KITCHEN, BEDROOM])
    await init_integration.runtime_data.async_refresh()
    simulator.clear_requests()

    await _play_media(
        hass, LIVING_ROOM_ENTITY, "CHIME", announce=True, extra={"play_on_group": True}
    )

    # The Bedroom cannot play clips and is left out.
    assert sorted(r.path for r in simulator.control_requests()) == sorted(
        [f"/players/{LIVING_ROOM}/audioClip", f"/players/{KITCHEN}/audioClip"]
    )

    simulator.clear_requests()
    await hass.services.async_call(
        DOMAIN,
        "cancel_announcement",
        {ATTR_ENTITY_ID: KITCHEN_ENTITY},
        blocking=True,
    )
    assert sorted(r.method for r in simulator.control_requests()) == [
        "DELETE",
        "DELETE",
    ]


async def test_announce_on_group_reports_failed_rooms(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """A room that fails is named; the others still play the clip."""
    simulator.external_regroup([LIVING_ROOM, KITCHEN])
    await init_integration.runtime_data.async_refresh()
    simulator.inject(
        Fault(method="POST", path=f"/players/{KITCHEN}/audioClip", status=504)
    )

    with pytest.raises(HomeAssistantError) as exc_info:
        await _play_media(
            hass,
            LIVING_ROOM_ENTITY,
            "CHIME",
            announce=True,
            extra={"play_on_group": True},
        )

    assert exc_info.value.translation_key == "announcement_partly_failed"
    assert "Kitchen" in str(exc_info.value)
    assert [clip.status for clip in simulator.model.clips[LIVING_ROOM]] == ["ACTIVE"]


@pytest.mark.usefixtures("init_integration")
async def test_play_favorite_then_metadata(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """A favorite started from the browser shows its metadata after the update."""
    favorite_id = _favorite_id(simulator, "Morning Mix")
    await _play_media(hass, BEDROOM_ENTITY, f"favorite:{favorite_id}")
    await init_integration.runtime_data.async_refresh()
    await hass.async_block_till_done()

    state = hass.states.get(BEDROOM_ENTITY)
    assert state.state == "playing"
    assert state.attributes["source"] == "Morning Mix"
    assert state.attributes["media_title"]
    assert state.attributes["media_artist"]


class FakeSpeech(TextToSpeechEntity):
    """A text-to-speech engine that answers with a tiny MP3, offline."""

    _attr_name = "Fake speech"
    _attr_unique_id = "fake-speech"
    _attr_supported_languages: ClassVar[list[str]] = ["en"]
    _attr_default_language = "en"

    def get_tts_audio(
        self, message: str, language: str, options: dict[str, Any]
    ) -> tuple[str, bytes]:
        """Return a made-up MP3."""
        return "mp3", b"ID3" + message.encode()


class FakeSpeechFlow(ConfigFlow):
    """The fake engine's (unused) config flow, which every entry needs."""


async def _setup_fake_speech(hass: HomeAssistant) -> None:
    async def setup_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
        await hass.config_entries.async_forward_entry_setups(entry, [Platform.TTS])
        return True

    async def setup_tts(
        hass: HomeAssistant, entry: ConfigEntry, add_entities: Any
    ) -> None:
        add_entities([FakeSpeech()])

    mock_integration(hass, MockModule("fake_speech", async_setup_entry=setup_entry))
    mock_platform(hass, "fake_speech.tts", MockPlatform(async_setup_entry=setup_tts))
    mock_platform(hass, "fake_speech.config_flow")
    assert await async_setup_component(hass, "media_source", {})
    assert await async_setup_component(hass, "tts", {})
    entry = MockConfigEntry(domain="fake_speech")
    entry.add_to_hass(hass)
    with mock_config_flow("fake_speech", FakeSpeechFlow):
        assert await hass.config_entries.async_setup(entry.entry_id)


@pytest.mark.usefixtures("init_integration")
async def test_tts_speak_announces(
    hass: HomeAssistant, simulator: SonosCloudSimulator
) -> None:
    """tts.speak reaches the room as an audio clip; the music stays as it was."""
    hass.config.internal_url = "http://127.0.0.1:8123"
    await _setup_fake_speech(hass)

    await hass.services.async_call(
        "tts",
        "speak",
        {
            ATTR_ENTITY_ID: "tts.fake_speech",
            "media_player_entity_id": KITCHEN_ENTITY,
            "message": "The washing is done",
        },
        blocking=True,
    )

    (request,) = simulator.control_requests()
    assert request.path == f"/players/{KITCHEN}/audioClip"
    assert request.json["clipType"] == "CUSTOM"
    assert request.json["streamUrl"].startswith("http://127.0.0.1:8123/api/tts_proxy/")
    assert request.json["streamUrl"].endswith(".mp3")
    assert hass.states.get(KITCHEN_ENTITY).state == "paused"
