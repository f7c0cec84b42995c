"""Switch platform: crossfade of the group a room plays in."""

from dataclasses import replace
from typing import Any, override

from homeassistant.components.switch import SwitchEntity
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .api import PlaybackStatus, Player, PlayModes
from .coordinator import SonosCloudConfigEntry, SonosCloudCoordinator
from .entity import SonosCloudEntity, async_add_player_entities
from .snapshot import SonosCloudData

# Every switch command is one request.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SonosCloudConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a crossfade switch for every room, including ones that appear later."""
    async_add_player_entities(entry, async_add_entities, CrossfadeSwitch)


class CrossfadeSwitch(SonosCloudEntity, SwitchEntity):
    """Crossfade between tracks; a group-wide play mode, like in the Sonos app."""

    _attr_translation_key = "crossfade"
    _attr_entity_category = EntityCategory.CONFIG

    def __init__(self, coordinator: SonosCloudCoordinator, player: Player) -> None:
        """Name the switch after the room's player id."""
        super().__init__(coordinator, player)
        self._attr_unique_id = f"{player.id}-crossfade"

    @property
    def _status(self) -> PlaybackStatus | None:
        group = self.sonos_group
        return self.coordinator.data.playback.get(group.id) if group else None

    @property
    @override
    def available(self) -> bool:
        """Available unless the loaded content forbids crossfade (radio)."""
        if not super().available:
            return False
        status = self._status
        return status is None or status.actions is None or status.actions.can_crossfade

    @property
    @override
    def is_on(self) -> bool | None:
        """Return whether the group crossfades."""
        status = self._status
        if status is None or status.play_modes is None:
            return None
        return status.play_modes.crossfade

    @override
    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn crossfade on."""
        await self._async_set(True)

    @override
    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn crossfade off."""
        await self._async_set(False)

    async def _async_set(self, crossfade: bool) -> None:
        def expected(data: SonosCloudData, group_id: str) -> SonosCloudData:
            status = data.playback.get(group_id)
            modes = status.play_modes if status and status.play_modes else PlayModes()
            return data.with_playback(
                group_id,
                dt_util.utcnow(),
                play_modes=replace(modes, crossfade=crossfade),
            )

        await self._async_group_command(
            lambda group_id: self.coordinator.client.set_play_modes(
                group_id, crossfade=crossfade
            ),
            expected,
        )
