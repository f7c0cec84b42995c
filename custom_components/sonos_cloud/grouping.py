"""Grouping rooms: join, unjoin, and the mapping of entity ids to player ids.

Home Assistant names group members by entity id, Sonos by player id; the
entity registry translates (a media player's unique id is its player id), and
refuses what is not a room of the same household.
"""

from homeassistant.components.media_player import DOMAIN as MEDIA_PLAYER_DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er

from .api import Group
from .const import DOMAIN
from .entity import SonosCloudEntity, Target


def member_entity_ids(hass: HomeAssistant, group: Group) -> list[str]:
    """Return the media player entity ids of a group, its coordinator first."""
    registry = er.async_get(hass)
    ordered = [group.coordinator_id] + [
        player_id for player_id in group.player_ids if player_id != group.coordinator_id
    ]
    return [
        entity_id
        for player_id in ordered
        if (
            entity_id := registry.async_get_entity_id(
                MEDIA_PLAYER_DOMAIN, DOMAIN, player_id
            )
        )
    ]


async def async_join(room: SonosCloudEntity, entity_ids: list[str]) -> None:
    """Bring other rooms into this room's group, in one request."""
    current = room.sonos_group
    members = set(current.player_ids) if current else set()
    to_add = [
        player_id
        for player_id in _player_ids_of(room, entity_ids)
        if player_id not in members
    ]
    if not to_add:
        return
    coordinator = room.coordinator

    async def join(group_id: str) -> tuple[str, Group]:
        return group_id, await coordinator.client.modify_group_members(
            group_id, add=to_add
        )

    group_id, group = await room.async_command(join)
    coordinator.async_publish(coordinator.data.with_group(group, carry_from=group_id))


async def async_unjoin(room: SonosCloudEntity) -> None:
    """Take this room out of its group, in one request."""
    current = room.sonos_group
    if current is None or current.player_ids == (room.player_id,):
        return
    coordinator = room.coordinator
    group = await room.async_command(
        lambda household_id: coordinator.client.create_group(
            household_id, [room.player_id]
        ),
        target=Target.HOUSEHOLD,
    )
    coordinator.async_publish(coordinator.data.with_group(group))


def _player_ids_of(room: SonosCloudEntity, entity_ids: list[str]) -> list[str]:
    """Map entity ids to player ids of the room's household, refusing anything else."""
    registry = er.async_get(room.hass)
    data = room.coordinator.data
    household_id = data.player_households.get(room.player_id)
    player_ids = []
    for entity_id in entity_ids:
        entry = registry.async_get(entity_id)
        if (
            entry is None
            or entry.platform != DOMAIN
            or entry.domain != MEDIA_PLAYER_DOMAIN
            or data.player_households.get(entry.unique_id) != household_id
        ):
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="cannot_join",
                translation_placeholders={"entity_id": entity_id},
            )
        player_ids.append(entry.unique_id)
    return player_ids
