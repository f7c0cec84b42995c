"""Event entities: how announcements ended and playback errors, per room."""

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from .conftest import KITCHEN, LIVING_ROOM, settle, setup_platform, snapshot_entities
from .simulator import SonosCloudSimulator

KITCHEN_ANNOUNCEMENT = "event.kitchen_announcement"
KITCHEN_PLAYBACK_ERROR = "event.kitchen_playback_error"


async def test_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    setup_credentials: None,
    config_entry: MockConfigEntry,
) -> None:
    """Rooms that play announcements have an announcement event; all an error one."""
    await setup_platform(hass, config_entry, Platform.EVENT)
    await snapshot_entities(hass, entity_registry, snapshot, config_entry.entry_id)


@pytest.mark.parametrize(
    ("status", "error_code", "event_type"),
    [("DONE", None, "done"), ("ERROR", "ERROR_X", "error")],
)
async def test_announcement_outcome(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    push_integration: MockConfigEntry,
    status: str,
    error_code: str | None,
    event_type: str,
) -> None:
    """When our clip ends, the room's announcement event fires with its outcome."""
    await hass.services.async_call(
        "media_player",
        "play_media",
        {
            "entity_id": "media_player.kitchen",
            "media_content_id": "CHIME",
            "media_content_type": "music",
            "announce": True,
        },
        blocking=True,
    )
    clip = simulator.model.clips[KITCHEN][-1]
    await settle(hass, simulator)
    assert hass.states.get(KITCHEN_ANNOUNCEMENT).state == "unknown"

    simulator.finish_clip(KITCHEN, clip.id, status=status, error_code=error_code)
    await settle(hass, simulator)

    state = hass.states.get(KITCHEN_ANNOUNCEMENT)
    assert state.attributes["event_type"] == event_type
    assert state.attributes["error_code"] == error_code
    assert hass.states.get("event.living_room_announcement").state == "unknown"


@pytest.mark.parametrize(
    ("error_code", "event_type"),
    [
        ("ERROR_PLAYBACK_FAILED", "playback_failed"),
        ("ERROR_SKIP_LIMIT_REACHED", "skip_limit_reached"),
        ("ERROR_SOMETHING_NEW", "other"),
    ],
)
async def test_playback_error(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    push_integration: MockConfigEntry,
    error_code: str,
    event_type: str,
) -> None:
    """A playbackError event of a group fires on every room of that group."""
    group_id = simulator.external_regroup([KITCHEN, LIVING_ROOM])
    await settle(hass, simulator)

    simulator.emit_playback_error(group_id, error_code)
    await settle(hass, simulator)

    for entity_id in (KITCHEN_PLAYBACK_ERROR, "event.living_room_playback_error"):
        state = hass.states.get(entity_id)
        assert state.attributes["event_type"] == event_type
        assert state.attributes["error_code"] == error_code
        assert state.attributes["reason"] == "ERROR_CANT_REACH_SERVER"
    assert hass.states.get("event.bedroom_playback_error").state == "unknown"


async def test_playback_error_without_a_code_is_ignored(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    push_integration: MockConfigEntry,
) -> None:
    """An event that does not say what failed fires nothing."""
    simulator.emit_playback_error(simulator.group_id_of(KITCHEN), "", stop=False)
    await settle(hass, simulator)
    assert hass.states.get(KITCHEN_PLAYBACK_ERROR).state == "unknown"
