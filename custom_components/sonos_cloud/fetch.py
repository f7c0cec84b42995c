"""Reading every household into a snapshot, driven by the read table."""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util

from .api import (
    Household,
    Namespace,
    PlaybackStatus,
    SonosCloudClient,
    SonosRequestError,
    SonosTargetGoneError,
    TargetKind,
    gather_all,
    namespaces as ns,
)
from .budget import polling_interval as budget_interval
from .const import DOMAIN, LOGGER, POLLING_SHARE_OF_RATE_LIMIT, POSITION_TOLERANCE_MS
from .polling import follow_up_reads
from .reads import HELD, READS
from .state import SonosCloudData


def requests_per_refresh(
    households: int, groups: int, players: int, **narrowed: int
) -> int:
    """Count the requests of one refresh, from the read table.

    The households, then one request per target of each polled row; a row
    for some players only (``home_theater``) counts the players named by its
    key in ``narrowed``, none when it is not named.
    """
    counts = {
        TargetKind.HOUSEHOLD: households,
        TargetKind.GROUP: groups,
        TargetKind.PLAYER: players,
    }
    return 1 + sum(
        narrowed.get(read.key or "", 0)
        if read.applies_to is not None
        else counts[read.namespace.target]
        for read in READS
        if read.polled
    )


def polling_interval(requests_per_refresh: int) -> timedelta:
    """Poll within the default share of the key's limit (``budget.py``)."""
    return budget_interval(requests_per_refresh, POLLING_SHARE_OF_RATE_LIMIT)


def _count(
    households: list[Household],
    data: SonosCloudData,
    reads: list[tuple[Namespace[Any, Any], str]],
) -> int:
    """Count a refresh's requests as ``requests_per_refresh`` does."""
    narrowed = {
        read.key: sum(1 for namespace, _ in reads if namespace is read.namespace)
        for read in HELD
        if read.applies_to is not None and read.key is not None
    }
    return requests_per_refresh(
        len(households), len(data.groups), len(data.players), **narrowed
    )


@dataclass(frozen=True, slots=True)
class Fetched:
    """A refresh's snapshot, what it cost, and whether every player was listed."""

    data: SonosCloudData
    requests: int
    complete: bool


class SnapshotReader:
    """Read everything the read table polls, as few times as Sonos allows."""

    def __init__(self, client: SonosCloudClient) -> None:
        """Start with no refusals."""
        self._client = client
        # Targets of namespaces that may be refused, which Sonos refused:
        # not asked again.
        self._refused: set[tuple[Namespace[Any, Any], str]] = set()

    async def async_read(
        self, previous: SonosCloudData | None, *, pushed: bool = True
    ) -> Fetched:
        """Read the households, their groups, then every row of the read table.

        ``previous`` is the snapshot before, whose positions may be kept.
        ``pushed=False`` leaves out what Sonos pushes: at a lean push setup
        the first event of each subscription brings it.
        """
        households = await self._client.get_households()
        if not households:
            raise UpdateFailed(
                translation_domain=DOMAIN, translation_key="no_households"
            )
        topologies = await gather_all(
            self._client.get(ns.GROUPS, household.id) for household in households
        )
        data = SonosCloudData(
            households={household.id: household for household in households},
            players={},
            groups={},
            player_households={},
        )
        for household, topology in zip(households, topologies, strict=True):
            data = data.with_household_topology(household.id, topology)
        reads = self._reads(data, pushed=pushed)
        values = await self._async_read_all(reads)
        playback_updated_at = _keep_positions(previous, values)
        return Fetched(
            replace(data, values=values, playback_updated_at=playback_updated_at),
            _count(households, data, reads),
            complete=not any(topology.partial for topology in topologies),
        )

    async def async_read_quick(
        self, data: SonosCloudData, reads: list[tuple[Namespace[Any, Any], str]]
    ) -> Fetched:
        """Read the playing groups (``polling.quick_reads``) and what changed there.

        Not complete when a group is gone: the topology moved.
        """
        values = await self._async_read_all(reads)
        follow_ups = follow_up_reads(data, values)
        for namespace, by_target in (await self._async_read_all(follow_ups)).items():
            values.setdefault(namespace, {}).update(by_target)
        playback_updated_at = _keep_positions(data, values)
        answered = sum(len(by_target) for by_target in values.values())
        return Fetched(
            data.with_values(values, playback_updated_at),
            len(reads) + len(follow_ups),
            complete=answered == len(reads) + len(follow_ups),
        )

    async def async_read_unpushed(
        self, data: SonosCloudData
    ) -> dict[Namespace[Any, Any], dict[str, Any]]:
        """Read the rows Sonos sends no events for (home theater options)."""
        return await self._async_read_all(
            [read for read in self._reads(data) if not read[0].pushed]
        )

    def _reads(
        self, data: SonosCloudData, *, pushed: bool = True
    ) -> list[tuple[Namespace[Any, Any], str]]:
        return [
            (read.namespace, target_id)
            for read in HELD
            if read.polled and (pushed or not read.namespace.pushed)
            for target_id in data.targets(read)
            if (read.namespace, target_id) not in self._refused
        ]

    async def _async_read_all(
        self, reads: list[tuple[Namespace[Any, Any], str]]
    ) -> dict[Namespace[Any, Any], dict[str, Any]]:
        answers = await gather_all(self._async_read(*read) for read in reads)
        values: dict[Namespace[Any, Any], dict[str, Any]] = {}
        for (namespace, target_id), value in zip(reads, answers, strict=True):
            if value is not None:
                values.setdefault(namespace, {})[target_id] = value
        return values

    async def _async_read(self, namespace: Namespace[Any, Any], target_id: str) -> Any:
        """Read one value; None for a target gone meanwhile or a tolerated refusal.

        Some reads are not in Sonos' published reference (home theater): a
        refusal must not fail the refresh, that target then has no such value.
        """
        try:
            return await self._client.get(namespace, target_id)
        except SonosRequestError as err:
            if namespace.refusal_tolerated:
                LOGGER.info(
                    "Sonos gives no %s for %s (%s)", namespace.name, target_id, err
                )
                self._refused.add((namespace, target_id))
                return None
            if not isinstance(err, SonosTargetGoneError):
                raise
            LOGGER.debug("%s disappeared during the refresh", target_id)
            return None


def _keep_positions(
    previous: SonosCloudData | None, values: dict[Namespace[Any, Any], dict[str, Any]]
) -> dict[str, datetime]:
    """Keep the predicted positions in the playback read; return when each was."""
    values[ns.PLAYBACK], updated_at = keep_interpolated_positions(
        previous, values.get(ns.PLAYBACK, {}), dt_util.utcnow()
    )
    return updated_at


def keep_interpolated_positions(
    previous: SonosCloudData | None, playback: dict[str, PlaybackStatus], now: datetime
) -> tuple[dict[str, PlaybackStatus], dict[str, datetime]]:
    """Keep the last reading where the new position is what it predicts.

    A fresh timestamp on every poll would rewrite every player's state
    each time; the frontend moves a playing position on by itself.
    """
    updated_at: dict[str, datetime] = {}
    for group_id, status in playback.items():
        updated_at[group_id] = now
        if previous is None or status.position_ms is None:
            continue
        old = previous.get(ns.PLAYBACK, group_id)
        old_at = previous.playback_updated_at.get(group_id)
        expected = previous.position_ms(group_id, now)
        if (
            old is not None
            and old_at is not None
            and expected is not None
            and old.state is status.state
            and old.item_id == status.item_id
            and abs(status.position_ms - expected) <= POSITION_TOLERANCE_MS
        ):
            playback[group_id] = replace(status, position_ms=old.position_ms)
            updated_at[group_id] = old_at
    return playback, updated_at
