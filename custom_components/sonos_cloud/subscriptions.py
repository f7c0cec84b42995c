"""Event subscriptions: which targets Sonos should POST changes of.

Per household its groups, favorites and playlists; per group its playback,
metadata and group volume; per player its volume and, for players that play
announcements, its audio clips. Subscriptions last three days and are renewed
daily. Group ids change on every regroup, so the set follows each snapshot.
"""

import asyncio
from collections.abc import Iterable

from .api import (
    SonosCloudClient,
    SonosError,
    group_target,
    household_target,
    player_target,
)
from .const import LOGGER, MAX_PARALLEL_REQUESTS
from .snapshot import SonosCloudData

type Subscription = tuple[str, str]
"""(target path, namespace)."""

HOUSEHOLD_NAMESPACES = ("groups", "favorites", "playlists")
GROUP_NAMESPACES = ("playback", "playbackMetadata", "groupVolume")


def wanted_subscriptions(data: SonosCloudData) -> set[Subscription]:
    """Return every subscription the snapshot needs."""
    wanted: set[Subscription] = set()
    for household_id in data.households:
        target = household_target(household_id)
        wanted.update((target, namespace) for namespace in HOUSEHOLD_NAMESPACES)
    for group_id in data.groups:
        target = group_target(group_id)
        wanted.update((target, namespace) for namespace in GROUP_NAMESPACES)
    for player in data.players.values():
        wanted.add((player_target(player.id), "playerVolume"))
        if player.has_audio_clip:
            wanted.add((player_target(player.id), "audioClip"))
    return wanted


class SubscriptionManager:
    """Keep Sonos subscribed to what the snapshot shows, with few requests."""

    def __init__(self, client: SonosCloudClient) -> None:
        """Start with no subscriptions."""
        self._client = client
        self._active: set[Subscription] = set()
        self._slots = asyncio.Semaphore(MAX_PARALLEL_REQUESTS)

    @property
    def active(self) -> frozenset[Subscription]:
        """Return the subscriptions made so far."""
        return frozenset(self._active)

    async def async_sync(self, data: SonosCloudData) -> None:
        """Subscribe what is new; forget what is gone (Sonos drops those itself).

        Raises the first ``SonosError``; a 403 means the API key has no event
        callback URL.
        """
        wanted = wanted_subscriptions(data)
        self._active &= wanted
        missing = sorted(wanted - self._active)
        if not self._active and missing:
            # One request first: without a callback URL every subscribe fails,
            # and one 403 is enough to know it.
            await self._subscribe(missing[:1])
            missing = missing[1:]
        await self._subscribe(missing)

    async def async_renew(self, data: SonosCloudData) -> None:
        """Subscribe everything again, which extends each subscription."""
        self._active.clear()
        await self.async_sync(data)

    async def async_unsubscribe_all(self) -> None:
        """Tell Sonos to stop sending events; failures only cost stray events."""
        subscriptions, self._active = self._active, set()

        async def unsubscribe(target: str, namespace: str) -> None:
            async with self._slots:
                try:
                    await self._client.unsubscribe(target, namespace)
                except SonosError as err:
                    LOGGER.debug(
                        "Unsubscribing %s %s failed: %s", target, namespace, err
                    )

        await asyncio.gather(*(unsubscribe(*item) for item in subscriptions))

    async def _subscribe(self, subscriptions: Iterable[Subscription]) -> None:
        async def subscribe(item: Subscription) -> None:
            async with self._slots:
                await self._client.subscribe(*item)
            self._active.add(item)

        results = await asyncio.gather(
            *(subscribe(item) for item in sorted(subscriptions)),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, BaseException):
                raise result
