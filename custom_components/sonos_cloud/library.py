"""Each household's favorites and playlists, fetched once and reused for a while.

Browsing, search and (later) sources read the same lists, so that opening the
media browser does not cost two requests each time. Sonos' favorites and
playlists events drop a household's copy.
"""

import asyncio
from dataclasses import dataclass
import time

from .api import Favorite, Playlist, SonosCloudClient, namespaces as ns
from .const import LIBRARY_MAX_AGE


@dataclass(frozen=True, slots=True)
class HouseholdLibrary:
    """A household's favorites and playlists, as last fetched."""

    favorites: list[Favorite]
    playlists: list[Playlist]
    fetched_at: float


class LibraryCache:
    """Favorites and playlists per household, at most ``LIBRARY_MAX_AGE`` old."""

    def __init__(self, client: SonosCloudClient) -> None:
        """Start empty: nothing is fetched until someone browses."""
        self._client = client
        self._libraries: dict[str, HouseholdLibrary] = {}

    async def async_get(self, household_id: str) -> HouseholdLibrary:
        """Return the household's lists, fetching them when missing or old."""
        cached = self._libraries.get(household_id)
        now = time.monotonic()
        if cached is not None and now - cached.fetched_at < LIBRARY_MAX_AGE:
            return cached
        favorites, playlists = await asyncio.gather(
            self._client.get(ns.FAVORITES, household_id),
            self._client.get(ns.PLAYLISTS, household_id),
        )
        library = HouseholdLibrary(list(favorites.items), list(playlists.items), now)
        self._libraries[household_id] = library
        return library

    def invalidate(self, household_id: str) -> None:
        """Forget a household's lists: Sonos said they changed."""
        self._libraries.pop(household_id, None)
