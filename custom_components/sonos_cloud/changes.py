"""Which rooms a new snapshot changed, so that only their entities look again.

Snapshots share unchanged objects, so comparing by identity finds the changed
targets for far less than every entity of a large household checking its
inputs on every event and command.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from homeassistant.core import CALLBACK_TYPE, callback

from .api import TargetKind
from .state import SonosCloudData

# The listener context of what follows households, groups and players only
# (not a player id): called when those may have changed, not for values.
TOPOLOGY = "topology"


def changed_rooms(old: SonosCloudData | None, new: SonosCloudData) -> set[str] | None:
    """Return the players whose entities may show something new; None: all."""
    if (
        old is None
        or old.households is not new.households
        or old.players is not new.players
        or old.groups is not new.groups
        or old.player_households is not new.player_households
    ):
        return None
    targets: dict[TargetKind, set[str]] = {kind: set() for kind in TargetKind}
    for namespace in old.values.keys() | new.values.keys():
        targets[namespace.target].update(
            _changed(old.values.get(namespace, {}), new.values.get(namespace, {}))
        )
    targets[TargetKind.GROUP].update(
        _changed(old.playback_updated_at, new.playback_updated_at)
    )
    rooms = targets[TargetKind.PLAYER]
    for group_id in targets[TargetKind.GROUP]:
        if (group := new.groups.get(group_id)) is not None:
            rooms.update(group.player_ids)
    if households := targets[TargetKind.HOUSEHOLD]:
        rooms.update(
            player_id
            for player_id, household_id in new.player_households.items()
            if household_id in households
        )
    return rooms


def _changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> set[str]:
    """Return the targets whose value is not the same object any more."""
    if before is after:
        return set()
    return {
        target_id
        for target_id in before.keys() | after.keys()
        if before.get(target_id) is not after.get(target_id)
    }


@callback
def async_update_rooms(
    listeners: Iterable[tuple[CALLBACK_TYPE, object | None]], rooms: set[str] | None
) -> None:
    """Call the listeners of the rooms given (all for None) and those of no room.

    A listener whose context is no room (``TOPOLOGY``) is called for None only.
    """
    for update, room in list(listeners):
        if rooms is None or room is None or room in rooms:
            update()
