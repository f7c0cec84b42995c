"""How a verified event changes the snapshot, and what it may not change alone.

Event bodies are not signed (only their headers are), so an event applies
only to a target that is ours, in the household its signed target names, and
a groups event may regroup the players a household has but never add or
remove one: that waits for Sonos' own answer.
"""

from datetime import datetime
from typing import TYPE_CHECKING, Any

from .api import (
    Groups,
    Namespace,
    NamespaceEvent,
    SonosInvalidResponseError,
    TargetKind,
    namespaces as ns,
)
from .reads import HELD_BY_NAMESPACE

if TYPE_CHECKING:
    from .state import SonosCloudData


class UnconfirmedTopologyError(Exception):
    """A groups event adds or removes players: only Sonos' answer may do that.

    Event bodies are not signed, so players and devices never come from an
    event alone; the caller reads the household's groups once instead.
    """

    def __init__(self, household_id: str) -> None:
        """Name the household to read again."""
        super().__init__(household_id)
        self.household_id = household_id


def apply_event(
    data: SonosCloudData, event: NamespaceEvent[Any, Any], now: datetime
) -> SonosCloudData | None:
    """Return the snapshot after an event, or None when it changes nothing.

    Events for targets that are not ours change nothing. Raises
    ``SonosInvalidResponseError`` for an event whose household header
    contradicts its (signed) target, and ``UnconfirmedTopologyError`` for
    a groups event that adds or removes players.
    """
    namespace, target = event.namespace, event.target_id
    household_id = _household_of_target(data, namespace, target)
    if household_id is None:
        return None
    if event.household_id not in (None, household_id):
        raise SonosInvalidResponseError("Event household does not match its target")
    if namespace is ns.GROUPS:
        return _with_groups_event(data, household_id, event.value)
    if namespace not in HELD_BY_NAMESPACE:
        return None
    value = event.applied_to(data.get(namespace, target))
    if value is None:
        return None
    if namespace is ns.PLAYBACK:
        return data.with_playback_status(target, value, now)
    return data.with_value(namespace, target, value)


def _household_of_target(
    data: SonosCloudData, namespace: Namespace[Any, Any], target: str
) -> str | None:
    """Return the household of an event's target, None when it is not ours."""
    if namespace.target is TargetKind.HOUSEHOLD:
        return target if target in data.households else None
    if namespace.target is TargetKind.GROUP:
        group = data.groups.get(target)
        return data.player_households.get(group.coordinator_id) if group else None
    return data.player_households.get(target)


def _with_groups_event(
    data: SonosCloudData, household_id: str, topology: Groups
) -> SonosCloudData:
    """Regroup a household's known players as a groups event says.

    The event must list exactly the players the household has, and its
    groups only those; anything else waits for Sonos to confirm it.
    """
    known = {
        player_id
        for player_id, household in data.player_households.items()
        if household == household_id
    }
    listed = {player.id for player in topology.players}
    members = {
        player_id
        for group in topology.groups
        for player_id in (group.coordinator_id, *group.player_ids)
    }
    if listed != known or not members <= listed:
        raise UnconfirmedTopologyError(household_id)
    return data.with_household_topology(household_id, topology)
