"""Events of a room for its event entities: announcement outcomes, playback errors.

The coordinator and the announcements module send them with Home Assistant's
dispatcher, one signal per entry and kind; each room's entity picks its own.
"""

from dataclasses import dataclass, field
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send

from .api import NamespaceEvent, PlaybackError
from .const import DOMAIN
from .state import SonosCloudData

# Sonos clip states that end an announcement, and the event type each fires.
ANNOUNCEMENT_OUTCOMES = {
    "DONE": "done",
    "ERROR": "error",
    "DISMISSED": "dismissed",
    "INTERRUPTED": "interrupted",
}
# Sonos playbackError codes, and the event type each fires ("other" for the rest).
PLAYBACK_ERRORS = {
    "ERROR_PLAYBACK_FAILED": "playback_failed",
    "ERROR_PLAYBACK_NO_CONTENT": "no_content",
    "ERROR_NO_CONTENT": "no_content",
    "ERROR_DISALLOWED_BY_POLICY": "disallowed",
    "ERROR_SKIP_LIMIT_REACHED": "skip_limit_reached",
}


@dataclass(frozen=True, slots=True)
class RoomEvent:
    """One event for the entity of ``player_id``."""

    player_id: str
    event_type: str
    attributes: dict[str, Any] = field(default_factory=dict)


def room_event_signal(entry_id: str, kind: str) -> str:
    """Return the dispatcher signal of one entry's events of one kind."""
    return f"{DOMAIN}_{entry_id}_{kind}"


@callback
def async_send_room_event(
    hass: HomeAssistant, entry_id: str, kind: str, event: RoomEvent
) -> None:
    """Hand a room's event to its event entity, if it has one."""
    async_dispatcher_send(hass, room_event_signal(entry_id, kind), event)


@callback
def async_report_playback_error(
    hass: HomeAssistant,
    entry_id: str,
    data: SonosCloudData,
    event: NamespaceEvent[PlaybackError | None, PlaybackError],
) -> None:
    """Tell every room of the group that its playback failed, and why."""
    error = event.value
    group = data.groups.get(event.target_id)
    if group is None:
        return
    for player_id in group.player_ids:
        async_send_room_event(
            hass,
            entry_id,
            "playback_error",
            RoomEvent(
                player_id,
                PLAYBACK_ERRORS.get(error.error_code, "other"),
                {"error_code": error.error_code, "reason": error.reason},
            ),
        )
