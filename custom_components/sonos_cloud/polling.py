"""What each poll reads: the playing groups often, everything now and then.

Changes happen where music plays: a track ends, someone turns the volume up.
Between full refreshes (households, groups and every value), quick polls read
only the playback and group volume of the groups that play, skipping what
events already deliver; what changed there is read in the same poll (the
metadata of a new track, the player volumes of a changed group volume). A
group that starts playing is seen by the next full refresh. ``budget.py``
spaces both within the user's share of the key's limit.
"""

from collections.abc import Set as AbstractSet
from datetime import timedelta
from typing import Any

from .api import Namespace, PlaybackState, namespaces as ns
from .budget import PollingBudget, Schedule
from .const import MIN_POLL_INTERVAL
from .state import SonosCloudData

type Reads = list[tuple[Namespace[Any, Any], str]]

ACTIVE = frozenset({PlaybackState.PLAYING, PlaybackState.BUFFERING})
QUICK_NAMESPACES = (ns.PLAYBACK, ns.GROUP_VOLUME)


def quick_reads(data: SonosCloudData, covered: AbstractSet[tuple[str, str]]) -> Reads:
    """Return the reads of a quick poll: playing groups events do not cover."""
    return [
        (namespace, group_id)
        for group_id in data.groups
        if data.playback_state(group_id) in ACTIVE
        for namespace in QUICK_NAMESPACES
        if (namespace.target_path(group_id), namespace.name) not in covered
    ]


def follow_up_reads(
    data: SonosCloudData, values: dict[Namespace[Any, Any], dict[str, Any]]
) -> Reads:
    """Return what a quick poll's answers call for, judged against ``data``."""
    reads: Reads = []
    for group_id, status in values.get(ns.PLAYBACK, {}).items():
        old = data.get(ns.PLAYBACK, group_id)
        if old is None or (old.state, old.item_id) != (status.state, status.item_id):
            reads.append((ns.METADATA, group_id))
    for group_id, volume in values.get(ns.GROUP_VOLUME, {}).items():
        if volume != data.get(ns.GROUP_VOLUME, group_id) and group_id in data.groups:
            reads.extend(
                (ns.PLAYER_VOLUME, player_id)
                for player_id in data.groups[group_id].player_ids
            )
    return reads


class PollingPlan:
    """When the next poll is due, and whether it reads everything.

    Full refreshes are every so many polls, not at a time: the poll nearest
    to the full interval does it, whatever clock runs the timer.
    """

    def __init__(self, budget: PollingBudget) -> None:
        """Start with a full refresh at the floor."""
        self.budget = budget
        self.schedule = Schedule(MIN_POLL_INTERVAL, None)
        self._full_requests = 0
        self._quick_requests = 0
        # Quick polls since the last full refresh; None: the next is full.
        self._quick_polls: int | None = None

    @property
    def interval(self) -> timedelta:
        """Return the time until the next poll."""
        return self.schedule.quick or self.schedule.full

    @property
    def full_requests(self) -> int:
        """Return what the last full refresh cost."""
        return self._full_requests

    @property
    def quick_requests(self) -> int:
        """Return what a quick poll costs now, changes aside."""
        return self._quick_requests

    def full_due(self) -> bool:
        """Whether the next poll is to read everything."""
        if self._quick_polls is None or self.schedule.quick is None:
            return True
        return self._quick_polls + 1 >= round(self.schedule.full / self.schedule.quick)

    def full_now(self) -> None:
        """Make the next poll a full one: the topology moved."""
        self._quick_polls = None

    def full_read(self, requests: int, quick_requests: int) -> None:
        """Note a full refresh and re-plan for the groups that play now."""
        self._quick_polls = 0
        self._full_requests = requests
        self.replan(quick_requests)

    def quick_read(self, quick_requests: int) -> None:
        """Note a quick poll and re-plan for the groups that play now."""
        if self._quick_polls is not None:
            self._quick_polls += 1
        self.replan(quick_requests)

    def replan(self, quick_requests: int | None = None) -> bool:
        """Re-plan for the playing groups now, or for a changed share.

        Return whether the time until the next poll changed.
        """
        interval = self.interval
        if quick_requests is not None:
            self._quick_requests = quick_requests
        self.schedule = self.budget.schedule(self._full_requests, self._quick_requests)
        return self.interval != interval
