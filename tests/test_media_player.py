"""Media player entities driven through Home Assistant against the simulator."""

from typing import Any

from homeassistant.components.media_player import (
    ATTR_MEDIA_VOLUME_LEVEL,
    ATTR_MEDIA_VOLUME_MUTED,
    DOMAIN as MEDIA_PLAYER_DOMAIN,
    SERVICE_VOLUME_MUTE,
    SERVICE_VOLUME_SET,
)
from homeassistant.components.media_player.const import MediaPlayerEntityFeature
from homeassistant.const import (
    ATTR_ENTITY_ID,
    ATTR_SUPPORTED_FEATURES,
    SERVICE_MEDIA_NEXT_TRACK,
    SERVICE_MEDIA_PAUSE,
    SERVICE_MEDIA_PLAY,
    SERVICE_MEDIA_PREVIOUS_TRACK,
    SERVICE_VOLUME_UP,
    STATE_UNAVAILABLE,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from .conftest import BEDROOM, HOUSEHOLD_ID, KITCHEN, LIVING_ROOM
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


@pytest.mark.usefixtures("init_integration")
async def test_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    init_integration: MockConfigEntry,
) -> None:
    """Every room of the household is one media player with its state."""
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)


async def test_device(
    device_registry: dr.DeviceRegistry, init_integration: MockConfigEntry
) -> None:
    """Each player is a Sonos device that also carries the local Sonos identifier."""
    device = device_registry.async_get_device_by_identifier(
        ("sonos_cloud", LIVING_ROOM), init_integration.entry_id
    )
    assert device is not None
    assert device.identifiers == {("sonos_cloud", LIVING_ROOM), ("sonos", LIVING_ROOM)}
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


@pytest.mark.usefixtures("init_integration")
async def test_volume_up(hass: HomeAssistant, simulator: SonosCloudSimulator) -> None:
    """Volume up is one absolute request one step above the current volume."""
    await _call(hass, SERVICE_VOLUME_UP, KITCHEN_ENTITY)

    requests = simulator.control_requests()
    assert [(r.path, r.json) for r in requests] == [
        (f"/players/{KITCHEN}/playerVolume", {"volume": 28})
    ]


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


async def test_removed_player_becomes_unavailable(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """A player the household no longer lists is unavailable."""
    simulator.remove_player(BEDROOM)
    await init_integration.runtime_data.async_refresh()
    await hass.async_block_till_done()

    assert hass.states.get(BEDROOM_ENTITY).state == STATE_UNAVAILABLE
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
