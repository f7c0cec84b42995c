"""Number platform: the default announcement volume of each room."""

import math
from typing import override

from homeassistant.components.number import NumberMode, RestoreNumber
from homeassistant.const import PERCENTAGE, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import Player
from .const import DOMAIN
from .coordinator import SonosCloudConfigEntry, SonosCloudCoordinator
from .entity import SonosCloudEntity, async_add_player_entities

# Changing the number sends nothing to Sonos.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SonosCloudConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a number for every room that can play announcements."""
    async_add_player_entities(
        entry,
        async_add_entities,
        AnnouncementVolumeNumber,
        lambda player: player.has_audio_clip,
    )


class AnnouncementVolumeNumber(SonosCloudEntity, RestoreNumber):
    """Volume of announcements that name none; 0 plays them at the room's volume.

    Sonos has no such setting, so the value lives in Home Assistant and is
    restored after a restart.
    """

    _attr_translation_key = "announcement_volume"
    _attr_entity_category = EntityCategory.CONFIG
    # The value is kept here, not read from the snapshot.
    _shows_snapshot = False
    _attr_native_min_value = 0
    _attr_native_max_value = 100
    _attr_native_step = 1
    _attr_native_unit_of_measurement = PERCENTAGE
    _attr_mode = NumberMode.SLIDER

    def __init__(self, coordinator: SonosCloudCoordinator, player: Player) -> None:
        """Name the number after the room's player id."""
        super().__init__(coordinator, player)
        self._attr_unique_id = f"{player.id}-announcement_volume"

    @override
    async def async_added_to_hass(self) -> None:
        """Restore the value chosen before the restart."""
        await super().async_added_to_hass()
        last = await self.async_get_last_number_data()
        value = last.native_value if last is not None else None
        self._apply(round(value) if value is not None else 0)

    @property
    @override
    def native_value(self) -> float:
        """Return the default announcement volume."""
        return self.coordinator.announcements.default_volume(self.player_id)

    @override
    async def async_set_native_value(self, value: float) -> None:
        """Remember the new default; it applies to the next announcement."""
        # NaN passes Home Assistant's range check (every comparison is False).
        if not math.isfinite(value):
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="not_a_number",
                translation_placeholders={"value": str(value)},
            )
        self._apply(round(value))
        self.async_write_ha_state()

    def _apply(self, value: int) -> None:
        self.coordinator.announcements.set_default_volume(self.player_id, value)
