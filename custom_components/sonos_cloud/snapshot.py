"""The coordinator's view of every household: one immutable snapshot.

Entities keep only a player id and read everything from the current snapshot.
Commands derive a new snapshot with the change they expect (``with_*``) so the
user sees it at once; the next refresh or event confirms or corrects it.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from .api import Group, Groups, Household, PlaybackState, PlaybackStatus, Player, Volume


@dataclass(frozen=True, slots=True)
class SonosCloudData:
    """Households, their groups and players, playback and volumes."""

    households: Mapping[str, Household]
    players: Mapping[str, Player]
    groups: Mapping[str, Group]
    player_households: Mapping[str, str]
    playback: Mapping[str, PlaybackStatus]
    group_volumes: Mapping[str, Volume]
    player_volumes: Mapping[str, Volume]
    updated_at: datetime
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

    def playback_state(self, group_id: str) -> PlaybackState | None:
        """Return the best known playback state of a group."""
        if (status := self.playback.get(group_id)) is not None:
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
        old_group_ids = {
            group_id
            for group_id, group in self.groups.items()
            if any(
                self.player_households.get(member) == household_id
                for member in group.player_ids
            )
        }
        groups = {
            group_id: group
            for group_id, group in self.groups.items()
            if group_id not in old_group_ids
        }
        for player in topology.players:
            players[player.id] = player
            player_households[player.id] = household_id
        for group in topology.groups:
            groups[group.id] = group
        return replace(
            self,
            players=players,
            groups=groups,
            player_households=player_households,
            playback={k: v for k, v in self.playback.items() if k in groups},
            group_volumes={k: v for k, v in self.group_volumes.items() if k in groups},
        )

    def with_playback_state(
        self, group_id: str, state: PlaybackState
    ) -> SonosCloudData:
        """Return a copy in which a group has the given playback state."""
        current = self.playback.get(group_id)
        status = (
            replace(current, state=state)
            if current is not None
            else PlaybackStatus(state=state)
        )
        return replace(self, playback={**self.playback, group_id: status})

    def with_player_volume(
        self, player_id: str, *, volume: int | None = None, muted: bool | None = None
    ) -> SonosCloudData:
        """Return a copy with a player's new volume or mute state."""
        current = self.player_volumes.get(player_id, Volume(volume=0, muted=False))
        new = Volume(
            volume=current.volume if volume is None else volume,
            muted=current.muted if muted is None else muted,
            fixed=current.fixed,
        )
        return replace(self, player_volumes={**self.player_volumes, player_id: new})
