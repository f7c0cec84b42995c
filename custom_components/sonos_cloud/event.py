"""Event platform: how a room's announcements ended, and playback errors.

Sonos tells both only as push events, so these entities fire only while push
events arrive (see the README). The ``sonos_cloud_announcement`` bus event
stays for existing automations.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import override

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import Player
from .coordinator import SonosCloudConfigEntry, SonosCloudCoordinator
from .entity import SonosCloudEntity, async_add_player_entities
from .room_events import (
    ANNOUNCEMENT_OUTCOMES,
    PLAYBACK_ERRORS,
    RoomEvent,
    room_event_signal,
)

# Events only arrive; nothing is sent.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SonosEventDescription(EventEntityDescription):
    """A kind of room event: ``key`` is also its dispatcher signal's kind."""

    supported_fn: Callable[[Player], bool] = lambda player: True


EVENTS = (
    SonosEventDescription(
        key="announcement",
        translation_key="announcement",
        event_types=list(ANNOUNCEMENT_OUTCOMES.values()),
        supported_fn=lambda player: player.has_audio_clip,
    ),
    SonosEventDescription(
        key="playback_error",
        translation_key="playback_error",
        event_types=sorted({*PLAYBACK_ERRORS.values(), "other"}),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SonosCloudConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the event entities of every room, including rooms that appear later."""
    for description in EVENTS:
        async_add_player_entities(
            entry,
            async_add_entities,
            partial(SonosCloudEventEntity, description=description),
            description.supported_fn,
        )


class SonosCloudEventEntity(SonosCloudEntity, EventEntity):
    """Fires when Sonos reports one of the room's events."""

    entity_description: SonosEventDescription
    # The state is the last event, not a part of the snapshot.
    _shows_snapshot = False

    def __init__(
        self,
        coordinator: SonosCloudCoordinator,
        player: Player,
        *,
        description: SonosEventDescription,
    ) -> None:
        """Name the entity after the player id and the kind of event."""
        super().__init__(coordinator, player)
        self.entity_description = description
        self._attr_unique_id = f"{player.id}-{description.key}"

    @override
    async def async_added_to_hass(self) -> None:
        """Listen for this room's events of this kind."""
        await super().async_added_to_hass()
        signal = room_event_signal(
            self.coordinator.config_entry.entry_id, self.entity_description.key
        )
        self.async_on_remove(
            async_dispatcher_connect(self.hass, signal, self._async_handle_event)
        )

    @callback
    def _async_handle_event(self, event: RoomEvent) -> None:
        if event.player_id != self.player_id:
            return
        self._trigger_event(event.event_type, event.attributes)
        self.async_write_ha_state()
