"""The coordinator's view of every household: one immutable snapshot.

Entities keep only a player id and read everything from the current snapshot.
Commands derive a new snapshot with the change they expect (``with_*``) so the
user sees it at once; the next refresh or event confirms or corrects it.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from .api import (
    Group,
    Groups,
    Household,
    Namespace,
    NamespaceEvent,
    PlaybackState,
    PlaybackStatus,
    Player,
    PlayModes,
    TargetKind,
    Volume,
    namespaces as ns,
)
from .reads import HELD, Read
from .state_events import UnconfirmedTopologyError, apply_event

__all__ = ["SonosCloudData", "UnconfirmedTopologyError", "Values"]

type Values = Mapping[Namespace[Any, Any], Mapping[str, Any]]
"""Per namespace, the value of each target (household, group or player id)."""


@dataclass(frozen=True, slots=True)
class SonosCloudData:
    """Households, their groups and players, and the values read per target."""

    households: Mapping[str, Household]
    players: Mapping[str, Player]
    groups: Mapping[str, Group]
    player_households: Mapping[str, str]
    values: Values = field(default_factory=dict)
    # When each group's playback status was read, to interpolate its position.
    playback_updated_at: Mapping[str, datetime] = field(default_factory=dict)
    player_groups: Mapping[str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        """Index which group each player is in."""
        object.__setattr__(
            self,
            "player_groups",
            {
                player_id: group.id
                for group in self.groups.values()
                for player_id in group.player_ids
            },
        )

    def group_of(self, player_id: str) -> Group | None:
        """Return the group the player is in now, if any."""
        group_id = self.player_groups.get(player_id)
        return self.groups[group_id] if group_id is not None else None

    def get[T](self, namespace: Namespace[T, Any], target_id: str | None) -> T | None:
        """Return a namespace's value of a target, None while unknown."""
        if target_id is None:
            return None
        value: T | None = self.values.get(namespace, {}).get(target_id)
        return value

    def values_of[T](self, namespace: Namespace[T, Any]) -> Mapping[str, T]:
        """Return a namespace's value of every target that has one."""
        return self.values.get(namespace, {})

    def with_value[T](
        self, namespace: Namespace[T, Any], target_id: str, value: T
    ) -> SonosCloudData:
        """Return a copy with one target's new value of a namespace."""
        values = {**self.values_of(namespace), target_id: value}
        return replace(self, values={**self.values, namespace: values})

    def with_values(
        self, values: Values, playback_updated_at: Mapping[str, datetime]
    ) -> SonosCloudData:
        """Return a copy with some targets' new values; equal ones stay as they were.

        Keeping the old objects lets entities see by identity that nothing
        they show changed (``shown_for``); with nothing new, this snapshot.
        """
        merged = dict(self.values)
        for namespace, by_target in values.items():
            old = self.values_of(namespace)
            if changed := {
                target_id: value
                for target_id, value in by_target.items()
                if old.get(target_id) != value
            }:
                merged[namespace] = {**old, **changed}
        times = {
            group_id: at
            for group_id, at in playback_updated_at.items()
            if self.playback_updated_at.get(group_id) != at
        }
        if not times and all(
            merged[namespace] is self.values.get(namespace) for namespace in merged
        ):
            return self
        return replace(
            self,
            values=merged,
            playback_updated_at={**self.playback_updated_at, **times},
        )

    def targets(self, read: Read) -> list[str]:
        """Return the ids of the targets a row of the read table applies to."""
        match read.namespace.target:
            case TargetKind.HOUSEHOLD:
                return list(self.households)
            case TargetKind.GROUP:
                return list(self.groups)
        return [
            player.id
            for player in self.players.values()
            if read.applies_to is None or read.applies_to(player)
        ]

    def shown_for(self, player_id: str) -> tuple[object, ...]:
        """Return every part of the snapshot a player's entities show.

        Snapshots share unchanged objects, so comparing these by identity
        tells whether a state write is needed.
        """
        group = self.group_of(player_id)
        group_id = group.id if group is not None else None
        ids = {
            TargetKind.HOUSEHOLD: self.player_households.get(player_id),
            TargetKind.GROUP: group_id,
            TargetKind.PLAYER: player_id,
        }
        return (
            self.players.get(player_id),
            group,
            self.playback_updated_at.get(group_id) if group_id else None,
            *(self.get(read.namespace, ids[read.namespace.target]) for read in HELD),
        )

    def playback_state(self, group_id: str) -> PlaybackState | None:
        """Return the best known playback state of a group."""
        if (status := self.get(ns.PLAYBACK, group_id)) is not None:
            return status.state
        return self.groups[group_id].playback_state

    def with_household_topology(
        self, household_id: str, topology: Groups
    ) -> SonosCloudData:
        """Replace one household's groups and players, keeping the rest."""
        players = {
            player_id: player
            for player_id, player in self.players.items()
            if self.player_households.get(player_id) != household_id
        }
        player_households = {
            player_id: household
            for player_id, household in self.player_households.items()
            if household != household_id
        }
        groups = {
            group_id: group
            for group_id, group in self.groups.items()
            if not any(
                self.player_households.get(member) == household_id
                for member in group.player_ids
            )
        }
        for player in topology.players:
            players[player.id] = player
            player_households[player.id] = household_id
        for group in topology.groups:
            groups[group.id] = group
        return self._with_groups(groups, players, player_households)

    def with_group(
        self, group: Group, *, carry_from: str | None = None
    ) -> SonosCloudData:
        """Add a group a grouping command returned, taking its players out of others.

        ``carry_from`` is the group whose playback the new group continues. Groups
        that lost members keep their old id until the next refresh; a command to
        them looks the groups up again if Sonos changed the id.
        """
        groups: dict[str, Group] = {}
        for group_id, other in self.groups.items():
            remaining = tuple(p for p in other.player_ids if p not in group.player_ids)
            if group_id == group.id or not remaining:
                continue
            coordinator = (
                other.coordinator_id
                if other.coordinator_id in remaining
                else remaining[0]
            )
            groups[group_id] = replace(
                other, player_ids=remaining, coordinator_id=coordinator
            )
        groups[group.id] = group
        data = self._with_groups(groups, self.players, self.player_households)
        if carry_from is None or carry_from == group.id:
            return data
        values = dict(data.values)
        for read in HELD:
            if read.carried and carry_from in (old := self.values_of(read.namespace)):
                values[read.namespace] = {
                    **values.get(read.namespace, {}),
                    group.id: old[carry_from],
                }
        return replace(
            data,
            values=values,
            playback_updated_at=_carry(
                data.playback_updated_at,
                self.playback_updated_at,
                carry_from,
                group.id,
            ),
        )

    def _with_groups(
        self,
        groups: Mapping[str, Group],
        players: Mapping[str, Player],
        player_households: Mapping[str, str],
    ) -> SonosCloudData:
        """Replace groups and players, dropping state of groups that are gone."""
        return replace(
            self,
            players=players,
            groups=groups,
            player_households=player_households,
            values={
                namespace: (
                    {k: v for k, v in values.items() if k in groups}
                    if namespace.target is TargetKind.GROUP
                    else values
                )
                for namespace, values in self.values.items()
            },
            playback_updated_at={
                k: v for k, v in self.playback_updated_at.items() if k in groups
            },
        )

    def position_ms(self, group_id: str, now: datetime) -> int | None:
        """Return where playback is now, moving the last read position on."""
        status = self.get(ns.PLAYBACK, group_id)
        if status is None or status.position_ms is None:
            return None
        position = status.position_ms
        read_at = self.playback_updated_at.get(group_id)
        if status.state is PlaybackState.PLAYING and read_at is not None:
            position += int((now - read_at).total_seconds() * 1000)
        return position

    def with_playback(
        self,
        group_id: str,
        now: datetime,
        *,
        state: PlaybackState | None = None,
        position_ms: int | None = None,
        play_modes: PlayModes | None = None,
    ) -> SonosCloudData:
        """Return a copy with a group's expected state, position or play modes."""
        current = self.get(ns.PLAYBACK, group_id)
        if current is None:
            current = PlaybackStatus(
                state=state or self.playback_state(group_id) or PlaybackState.IDLE
            )
        position = (
            self.position_ms(group_id, now) if position_ms is None else position_ms
        )
        status = replace(
            current,
            state=current.state if state is None else state,
            position_ms=position,
            play_modes=current.play_modes if play_modes is None else play_modes,
        )
        return self.with_playback_status(group_id, status, now)

    def with_playback_status(
        self, group_id: str, status: PlaybackStatus, now: datetime
    ) -> SonosCloudData:
        """Return a copy with a group's playback status, as read at ``now``."""
        return replace(
            self.with_value(ns.PLAYBACK, group_id, status),
            playback_updated_at={**self.playback_updated_at, group_id: now},
        )

    def with_event(
        self, event: NamespaceEvent[Any, Any], now: datetime
    ) -> SonosCloudData | None:
        """Return the snapshot after an event, or None when it changes nothing.

        The rules of what an event may change are in ``state_events.py``.
        """
        return apply_event(self, event, now)

    def with_player_volume(
        self, player_id: str, *, volume: int | None = None, muted: bool | None = None
    ) -> SonosCloudData:
        """Return a copy with a player's new volume or mute state."""
        return self._with_volume(ns.PLAYER_VOLUME, player_id, volume, muted)

    def with_group_volume(
        self, group_id: str, *, volume: int | None = None, muted: bool | None = None
    ) -> SonosCloudData:
        """Return a copy with a group's new volume or mute state."""
        return self._with_volume(ns.GROUP_VOLUME, group_id, volume, muted)

    def _with_volume(
        self,
        namespace: Namespace[Volume, Volume],
        target_id: str,
        volume: int | None,
        muted: bool | None,
    ) -> SonosCloudData:
        current = self.get(namespace, target_id) or Volume(volume=0, muted=False)
        return self.with_value(
            namespace,
            target_id,
            Volume(
                volume=current.volume if volume is None else volume,
                muted=current.muted if muted is None else muted,
                fixed=current.fixed,
            ),
        )


def _carry[T](
    target: Mapping[str, T], source: Mapping[str, T], old_id: str, new_id: str
) -> Mapping[str, T]:
    """Copy a group's value to its new id, when there is one."""
    if old_id not in source:
        return target
    return {**target, new_id: source[old_id]}
