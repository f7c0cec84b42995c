"""Switch platform: crossfade of the group a room plays in."""

from typing import Any, override

from homeassistant.components.switch import SwitchEntity
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import Player
from .coordinator import SonosCloudConfigEntry, SonosCloudCoordinator
from .entity import SonosCloudEntity, async_add_player_entities

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
    @override
    def available(self) -> bool:
        """Available unless the loaded content forbids crossfade (radio)."""
        if not super().available:
            return False
        status = self.playback_status
        return status is None or status.actions is None or status.actions.can_crossfade

    @property
    @override
    def is_on(self) -> bool | None:
        """Return whether the group crossfades."""
        status = self.playback_status
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
        await self._async_set_play_modes(crossfade=crossfade)
