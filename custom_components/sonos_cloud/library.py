"""Each household's favorites and playlists, fetched once and reused for a while.

Browsing, search and (later) sources read the same lists, so that opening the
media browser does not cost two requests each time. Sonos' favorites and
playlists events drop a household's copy.
"""

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
import time
from typing import Any

from .api import (
    Favorite,
    Namespace,
    Playlist,
    SonosCloudClient,
    SonosError,
    namespaces as ns,
)
from .const import LIBRARY_MAX_AGE, LOGGER


@dataclass(frozen=True, slots=True)
class HouseholdLibrary:
    """A household's favorites and playlists, as last fetched."""

    favorites: list[Favorite]
    playlists: list[Playlist]
    fetched_at: float
    # The lists' versions as fetched, by namespace name: an event that tells
    # the same version (the first one after subscribing does) changes nothing.
    versions: Mapping[str, str | None] = field(default_factory=dict)


class LibraryCache:
    """Favorites and playlists per household, at most ``LIBRARY_MAX_AGE`` old."""

    def __init__(self, client: SonosCloudClient) -> None:
        """Start empty; the coordinator fetches the lists after its refresh."""
        self._client = client
        self._libraries: dict[str, HouseholdLibrary] = {}
        # Households whose lists Sonos said changed; the old copy still shows.
        self._changed: set[str] = set()

    def cached(self, household_id: str) -> HouseholdLibrary | None:
        """Return the lists as last fetched, without asking Sonos."""
        return self._libraries.get(household_id)

    def due(self, household_ids: Iterable[str]) -> list[str]:
        """Return the households whose lists are missing, old or changed."""
        now = time.monotonic()
        return [
            household_id
            for household_id in household_ids
            if (cached := self._libraries.get(household_id)) is None
            or household_id in self._changed
            or now - cached.fetched_at >= LIBRARY_MAX_AGE
        ]

    async def async_refresh(
        self, household_ids: Iterable[str], on_update: Callable[[], None]
    ) -> None:
        """Fetch the lists that are due, then tell ``on_update``.

        Sources need the favorites before anyone browses; a failure keeps the
        old lists until the next try.
        """
        due = self.due(household_ids)
        for household_id in due:
            try:
                await self.async_get(household_id)
            except SonosError as err:
                LOGGER.debug("Could not read favorites and playlists: %s", err)
        if due:
            on_update()

    async def async_get(self, household_id: str) -> HouseholdLibrary:
        """Return the household's lists, fetching them when missing or old."""
        cached = self._libraries.get(household_id)
        now = time.monotonic()
        if (
            cached is not None
            and household_id not in self._changed
            and now - cached.fetched_at < LIBRARY_MAX_AGE
        ):
            return cached
        favorites, playlists = await asyncio.gather(
            self._client.get(ns.FAVORITES, household_id),
            self._client.get(ns.PLAYLISTS, household_id),
        )
        library = HouseholdLibrary(
            list(favorites.items),
            list(playlists.items),
            now,
            {
                ns.FAVORITES.name: favorites.version,
                ns.PLAYLISTS.name: playlists.version,
            },
        )
        self._libraries[household_id] = library
        self._changed.discard(household_id)
        return library

    def invalidate(
        self,
        household_id: str,
        namespace: Namespace[Any, Any] | None = None,
        version: str | None = None,
    ) -> bool:
        """Fetch a household's lists anew next time: Sonos said they changed.

        Return False when there is nothing to drop: no copy yet (its read is
        due or under way) or the list's version is the one held.
        """
        cached = self._libraries.get(household_id)
        if cached is None and namespace is not None:
            return False
        if (
            namespace is not None
            and version is not None
            and cached is not None
            and cached.versions.get(namespace.name) == version
        ):
            return False
        self._changed.add(household_id)
        return True
