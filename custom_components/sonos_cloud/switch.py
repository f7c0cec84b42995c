"""Switch platform: crossfade of a room's group; home theater sound settings."""

from dataclasses import dataclass
from functools import partial
from typing import Any, override

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
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
    """Add the switches of every room, including rooms that appear later."""
    async_add_player_entities(entry, async_add_entities, CrossfadeSwitch)
    for description in HOME_THEATER_SWITCHES:
        async_add_player_entities(
            entry,
            async_add_entities,
            partial(HomeTheaterSwitch, description=description),
            lambda player: player.is_home_theater,
        )


@dataclass(frozen=True, kw_only=True)
class HomeTheaterSwitchDescription(SwitchEntityDescription):
    """A home theater option: ``option`` names its HomeTheaterOptions field."""

    option: str


HOME_THEATER_SWITCHES = (
    HomeTheaterSwitchDescription(
        key="night_mode", translation_key="night_mode", option="night_mode"
    ),
    HomeTheaterSwitchDescription(
        key="speech_enhancement",
        translation_key="speech_enhancement",
        option="enhance_dialog",
    ),
)


class SonosCloudSwitch(SonosCloudEntity, SwitchEntity):
    """A room setting that is one request to turn on or off."""

    _attr_entity_category = EntityCategory.CONFIG

    @override
    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn the setting on."""
        await self._async_set(True)

    @override
    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn the setting off."""
        await self._async_set(False)

    async def _async_set(self, on: bool) -> None:
        raise NotImplementedError


class CrossfadeSwitch(SonosCloudSwitch):
    """Crossfade between tracks; a group-wide play mode, like in the Sonos app."""

    _attr_translation_key = "crossfade"

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
    async def _async_set(self, on: bool) -> None:
        await self._async_set_play_modes(crossfade=on)


class HomeTheaterSwitch(SonosCloudSwitch):
    """Night sound or speech enhancement of a home theater player."""

    entity_description: HomeTheaterSwitchDescription

    def __init__(
        self,
        coordinator: SonosCloudCoordinator,
        player: Player,
        *,
        description: HomeTheaterSwitchDescription,
    ) -> None:
        """Name the switch after the player id and the option."""
        super().__init__(coordinator, player)
        self.entity_description = description
        self._attr_unique_id = f"{player.id}-{description.key}"

    @property
    @override
    def available(self) -> bool:
        """Available once Sonos has told the options of this player."""
        return (
            super().available and self.player_id in self.coordinator.data.home_theater
        )

    @property
    @override
    def is_on(self) -> bool | None:
        """Return whether the option is on."""
        options = self.coordinator.data.home_theater.get(self.player_id)
        if options is None:
            return None
        return bool(getattr(options, self.entity_description.option))

    @override
    async def _async_set(self, on: bool) -> None:
        options = await self._async_api_call(
            self.coordinator.client.set_home_theater_options(
                self.player_id, **{self.entity_description.option: on}
            )
        )
        self.coordinator.async_show(
            self.coordinator.data.with_home_theater(self.player_id, options)
        )
