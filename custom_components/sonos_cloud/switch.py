"""Switch platform: crossfade of a room's group; home theater sound settings."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, override

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import Player, PlayModes, namespaces as ns
from .const import DOMAIN
from .coordinator import SonosCloudConfigEntry, SonosCloudCoordinator
from .entity import SonosCloudEntity, Target, async_add_player_entities

# Every switch command is one request.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SonosSwitchDescription(SwitchEntityDescription):
    """A room setting: where it is read, how it is set, which rooms have it."""

    value_fn: Callable[[SonosCloudSwitch], bool | None]
    set_fn: Callable[[SonosCloudSwitch, bool], Awaitable[None]]
    supported_fn: Callable[[Player], bool] = lambda player: True
    # Whether the value is known; the room itself must be available too.
    available_fn: Callable[[SonosCloudSwitch], bool] = lambda switch: True


def _play_modes(switch: SonosCloudSwitch) -> PlayModes | None:
    status = switch.playback_status
    return status.play_modes if status is not None else None


async def _set_crossfade(switch: SonosCloudSwitch, on: bool) -> None:
    """Set crossfade for the group; say why when the content does not allow it."""
    status = switch.playback_status
    actions = status.actions if status is not None else None
    if on and actions is not None and not actions.can_crossfade:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="crossfade_not_allowed",
            translation_placeholders={"name": switch.player.name},
        )
    await switch.async_set_play_modes(crossfade=on)


def _home_theater(switch: SonosCloudSwitch) -> ns.HomeTheaterOptions | None:
    return switch.coordinator.data.get(ns.HOME_THEATER, switch.player_id)


async def _set_home_theater(switch: SonosCloudSwitch, **option: bool) -> None:
    """Change one option; show all of them as Sonos answers."""
    coordinator = switch.coordinator
    options = await switch.async_command(
        lambda player_id: coordinator.client.change(
            ns.HOME_THEATER, player_id, **option
        ),
        target=Target.PLAYER,
    )
    coordinator.async_publish(
        coordinator.data.with_value(ns.HOME_THEATER, switch.player_id, options)
    )


SWITCHES = (
    SonosSwitchDescription(
        key="crossfade",
        translation_key="crossfade",
        value_fn=lambda switch: (
            modes.crossfade if (modes := _play_modes(switch)) is not None else None
        ),
        set_fn=_set_crossfade,
    ),
    SonosSwitchDescription(
        key="night_mode",
        translation_key="night_mode",
        value_fn=lambda switch: (
            options.night_mode if (options := _home_theater(switch)) else None
        ),
        set_fn=lambda switch, on: _set_home_theater(switch, night_mode=on),
        supported_fn=lambda player: player.is_home_theater,
        available_fn=lambda switch: _home_theater(switch) is not None,
    ),
    SonosSwitchDescription(
        key="speech_enhancement",
        translation_key="speech_enhancement",
        value_fn=lambda switch: (
            options.enhance_dialog if (options := _home_theater(switch)) else None
        ),
        set_fn=lambda switch, on: _set_home_theater(switch, enhance_dialog=on),
        supported_fn=lambda player: player.is_home_theater,
        available_fn=lambda switch: _home_theater(switch) is not None,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SonosCloudConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the switches of every room, including rooms that appear later."""
    for description in SWITCHES:
        async_add_player_entities(
            entry,
            async_add_entities,
            partial(SonosCloudSwitch, description=description),
            description.supported_fn,
        )


class SonosCloudSwitch(SonosCloudEntity, SwitchEntity):
    """A room setting that is one request to turn on or off."""

    _attr_entity_category = EntityCategory.CONFIG
    entity_description: SonosSwitchDescription

    def __init__(
        self,
        coordinator: SonosCloudCoordinator,
        player: Player,
        *,
        description: SonosSwitchDescription,
    ) -> None:
        """Name the switch after the player id and the setting."""
        super().__init__(coordinator, player)
        self.entity_description = description
        self._attr_unique_id = f"{player.id}-{description.key}"

    @override
    def _state_inputs(self) -> tuple[object, ...]:
        """Only what a switch shows, cheaper than the room's snapshot parts."""
        return (self.available, self.is_on)

    @property
    @override
    def available(self) -> bool:
        """Available with the room, once the setting's value can be known."""
        return super().available and self.entity_description.available_fn(self)

    @property
    @override
    def is_on(self) -> bool | None:
        """Return whether the setting is on, None while unknown."""
        return self.entity_description.value_fn(self)

    @override
    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn the setting on."""
        await self.entity_description.set_fn(self, True)

    @override
    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn the setting off."""
        await self.entity_description.set_fn(self, False)
