"""Base entity: one Sonos player, its device and the command wrapper."""

from collections.abc import Awaitable, Callable
from dataclasses import replace
from enum import Enum, auto
from functools import partial
import re
from typing import cast, override

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import area_registry as ar, device_registry as dr
from homeassistant.helpers.device_registry import (
    CONNECTION_NETWORK_MAC,
    CONNECTION_UPNP,
    DeviceEntryType,
    DeviceInfo,
    format_mac,
)
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity
from homeassistant.util import dt as dt_util

from .api import (
    Group,
    Household,
    PlaybackStatus,
    Player,
    PlayModes,
    SonosError,
    commands_first,
    namespaces as ns,
)
from .changes import TOPOLOGY
from .const import DOMAIN, MANUFACTURER
from .coordinator import SonosCloudConfigEntry, SonosCloudCoordinator
from .errors import command_error
from .state import SonosCloudData

type ExpectedChange = Callable[[SonosCloudData, str], SonosCloudData]
"""The snapshot a command should lead to, given the snapshot and its target id."""


class Target(Enum):
    """What a room's command acts on."""

    GROUP = auto()
    PLAYER = auto()
    HOUSEHOLD = auto()


# A player id is the speaker's UPnP device id: RINCON_, its MAC, 01400.
PLAYER_ID_MAC = re.compile(r"RINCON_([0-9A-F]{12})01400", re.IGNORECASE)


def speaker_connections(player_id: str) -> set[tuple[str, str]]:
    """Return the speaker's network identity, which other integrations know too.

    The local Sonos integration registers the same UPnP id and MAC, routers
    the MAC. Where a device can belong to several config entries, Home
    Assistant makes them one device; where each device has one entry, it lists
    them as linked devices. (We used to claim the local integration's
    identifier ``("sonos", player_id)`` for that: since devices have one config
    entry it only links what these connections link, and it is not ours.)
    """
    connections = {(CONNECTION_UPNP, f"uuid:{player_id}")}
    if match := PLAYER_ID_MAC.fullmatch(player_id):
        connections.add((CONNECTION_NETWORK_MAC, format_mac(match[1])))
    return connections


# Home Assistant 2026.8 names a parent device by its id (via_device_id); older
# releases by an identifier (via_device), which newer ones deprecate.
_VIA_DEVICE_ID = "via_device_id" in DeviceInfo.__annotations__


def _via_household(coordinator: SonosCloudCoordinator, household_id: str) -> DeviceInfo:
    """Return the device info that puts a room under its household's device."""
    if not _VIA_DEVICE_ID:
        return cast("DeviceInfo", {"via_device": (DOMAIN, household_id)})
    registry = dr.async_get(coordinator.hass)
    entry_id = coordinator.config_entry.entry_id
    for device in dr.async_entries_for_config_entry(registry, entry_id):
        if (DOMAIN, household_id) in device.identifiers:
            return cast("DeviceInfo", {"via_device_id": device.id})
    return DeviceInfo()


@callback
def async_place_new_rooms(
    hass: HomeAssistant, entry: SonosCloudConfigEntry, known: set[str]
) -> None:
    """Put each room's new device in the area of its name, making it if missing.

    Only devices made by this setup (not in ``known``) that have no area: a
    choice the user made stays. Done after the entities exist, so their ids
    stay the room's name (an area given at creation prefixes them).
    """
    devices = dr.async_get(hass)
    areas = ar.async_get(hass)
    players = entry.runtime_data.data.players
    for device in dr.async_entries_for_config_entry(devices, entry.entry_id):
        if device.id in known or device.area_id is not None:
            continue
        for domain, player_id in device.identifiers:
            if domain == DOMAIN and player_id in players:
                area = areas.async_get_or_create(players[player_id].name)
                devices.async_update_device(device.id, area_id=area.id)


def household_device_info(household: Household) -> DeviceInfo:
    """Describe a Sonos household as a service device: the rooms are via it."""
    return DeviceInfo(
        identifiers={(DOMAIN, household.id)},
        entry_type=DeviceEntryType.SERVICE,
        manufacturer=MANUFACTURER,
        model="Sonos cloud household",
        name=household.name or "Sonos household",
    )


@callback
def async_add_player_entities(
    entry: SonosCloudConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    entity_factory: Callable[[SonosCloudCoordinator, Player], SonosCloudEntity],
    wanted: Callable[[Player], bool] = lambda player: True,
) -> None:
    """Add an entity per player now and for every player that appears later.

    A player is forgotten when its entity leaves the entity registry (its
    device went when the player left the account), so a player that comes
    back gets its entity again; Home Assistant gives it back its entity id.
    """
    coordinator = entry.runtime_data
    known: set[str] = set()

    @callback
    def add_new_players() -> None:
        players = coordinator.data.players
        new = sorted(
            player_id
            for player_id, player in players.items()
            if player_id not in known and wanted(player)
        )
        known.update(new)
        entities = [
            entity_factory(coordinator, players[player_id]) for player_id in new
        ]
        for entity in entities:
            entity.forget_player = partial(known.discard, entity.player_id)
        async_add_entities(entities)

    add_new_players()
    entry.async_on_unload(coordinator.async_add_listener(add_new_players, TOPOLOGY))


class SonosCloudEntity(CoordinatorEntity[SonosCloudCoordinator]):
    """An entity of one Sonos player that reads live data from the coordinator."""

    _attr_has_entity_name = True
    # False: the state is not read from the snapshot (an event, a setting kept
    # here), only whether the room is available.
    _shows_snapshot = True
    # Set by async_add_player_entities: called once the registry entry is gone.
    forget_player: Callable[[], None] | None = None

    def __init__(self, coordinator: SonosCloudCoordinator, player: Player) -> None:
        """Remember the player id; everything else is looked up when needed.

        The player id is the listener's context: a snapshot that changed
        other rooms only does not call it.
        """
        super().__init__(coordinator, context=player.id)
        self.player_id = player.id
        self._last_inputs: tuple[object, ...] = ()
        # The snapshot this entity's last command published, while current.
        self._published: SonosCloudData | None = None
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, player.id)},
            connections=speaker_connections(player.id),
            manufacturer=MANUFACTURER,
            model=player.model,
            name=player.name,
            serial_number=player.serial_number,
            sw_version=player.software_version,
        )
        if household_id := coordinator.data.player_households.get(player.id):
            # Several households stay apart on the device pages.
            self._attr_device_info.update(_via_household(coordinator, household_id))

    @override
    async def async_removed_from_registry(self) -> None:
        """Let the player get a new entity if it comes back."""
        if self.forget_player is not None:
            self.forget_player()

    def _state_inputs(self) -> tuple[object, ...]:
        """Return the snapshot parts this entity shows.

        Snapshots share unchanged objects, so comparing these by identity
        tells whether a write is needed: in a large household one room's
        change then costs one state write, not one per room.
        """
        if not self._shows_snapshot:
            return (self.available,)
        return (
            self.coordinator.cloud_available,
            *self.coordinator.data.shown_for(self.player_id),
        )

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        """Write the state only when something this entity shows changed."""
        inputs = self._state_inputs()
        if len(inputs) == len(self._last_inputs) and all(
            new is old for new, old in zip(inputs, self._last_inputs, strict=True)
        ):
            return
        self._last_inputs = inputs
        super()._handle_coordinator_update()

    @property
    def player(self) -> Player:
        """Return the player as last reported."""
        return self.coordinator.data.players[self.player_id]

    @property
    def sonos_group(self) -> Group | None:
        """Return the group the player is in now."""
        return self.coordinator.data.group_of(self.player_id)

    @property
    def playback_status(self) -> PlaybackStatus | None:
        """Return the playback status of the player's group."""
        group = self.sonos_group
        return self.coordinator.data.get(ns.PLAYBACK, group.id if group else None)

    @property
    @override
    def available(self) -> bool:
        """Return whether the player is in the household and in a group."""
        return (
            self.coordinator.cloud_available
            and self.player_id in self.coordinator.data.players
            and self.sonos_group is not None
        )

    async def async_command[T](
        self,
        command: Callable[[str], Awaitable[T]],
        expected: ExpectedChange | None = None,
        *,
        target: Target = Target.GROUP,
    ) -> T:
        """Send one command for this room and show the change it is expected to make.

        The one path from a user's action to Sonos: ``command`` gets the id of
        the room's group (retried once on a new id when Sonos re-formed the
        group), of the player, or of its household; a failure becomes a
        translated error; ``expected`` publishes the change at once, and the
        next event or refresh confirms or corrects it. Its requests go out
        before any background read waiting for the key's pacer.
        """
        coordinator = self.coordinator
        try:
            with commands_first():
                if target is Target.GROUP:
                    target_id, result = await coordinator.async_run_group_command(
                        self.player_id, command
                    )
                else:
                    target_id = (
                        self.player_id
                        if target is Target.PLAYER
                        else coordinator.data.player_households[self.player_id]
                    )
                    result = await command(target_id)
        except SonosError as err:
            raise self._command_error(err) from err
        if expected is not None:
            coordinator.async_publish(expected(coordinator.data, target_id))
            self._published = coordinator.data
        return result

    def repeats_last_command(self, expected: ExpectedChange, target_id: str) -> bool:
        """Whether a command asks again for exactly what our last one shows.

        Nothing has happened since (no event, refresh or other command), so
        Sonos is already asked for it: the more-info slider sends each value
        twice. After any news from Sonos the same value is sent again.
        """
        data = self.coordinator.data
        return data is self._published and expected(data, target_id) == data

    async def async_set_play_modes(self, **modes: bool) -> None:
        """Change some play modes of the group (one request), shown at once.

        Keys are ``PlayModes`` fields: shuffle, repeat, repeat_one, crossfade.
        """
        status = self.playback_status
        current = status.play_modes if status and status.play_modes else PlayModes()
        expected = replace(current, **modes)
        await self.async_command(
            lambda group_id: self.coordinator.client.set_play_modes(group_id, **modes),
            lambda data, group_id: data.with_playback(
                group_id, dt_util.utcnow(), play_modes=expected
            ),
        )

    def _command_error(self, err: SonosError) -> HomeAssistantError:
        """Explain a failed command in the user's language."""
        name = (
            self.player.name
            if self.player_id in self.coordinator.data.players
            else self.player_id
        )
        return command_error(self.hass, self.coordinator.config_entry, name, err)
