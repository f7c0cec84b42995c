"""The one table of what the integration reads from Sonos and follows.

Each row names a declared namespace and the targets it applies to. The
refresh, the count of its requests, the subscriptions, diagnostics, applying
an event and each entity's change detection are all derived from it, so a new
namespace is its declaration in ``api.namespaces``, a row here and the
platform that shows it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .api import Namespace, Player, namespaces as ns


@dataclass(frozen=True, slots=True)
class Read:
    """One namespace the integration reads or follows."""

    namespace: Namespace[Any, Any]
    key: str | None = None
    """Where the snapshot holds its values (and diagnostics name them); None:
    the snapshot does not hold them by namespace."""
    polled: bool = True
    """Read on every refresh; otherwise only followed through its events."""
    applies_to: Callable[[Player], bool] | None = None
    """For player namespaces: the players that have it; None: every player."""
    carried: bool = False
    """A group re-formed around the same music keeps the value."""


READS: tuple[Read, ...] = (
    # The topology: read first, it tells every other target.
    Read(ns.GROUPS),
    # Read on demand (browse_media), followed to drop the cached lists.
    Read(ns.FAVORITES, polled=False),
    Read(ns.PLAYLISTS, polled=False),
    Read(ns.PLAYBACK, "playback", carried=True),
    # Sent on the playback subscription: shown by each room's event entity.
    Read(ns.PLAYBACK_ERROR, polled=False),
    Read(ns.METADATA, "metadata", carried=True),
    Read(ns.GROUP_VOLUME, "group_volumes"),
    Read(ns.PLAYER_VOLUME, "player_volumes"),
    # Followed for the outcome of announcements.
    Read(ns.AUDIO_CLIP, polled=False, applies_to=lambda player: player.has_audio_clip),
    Read(ns.HOME_THEATER, "home_theater", applies_to=lambda p: p.is_home_theater),
)

HELD: tuple[Read, ...] = tuple(read for read in READS if read.key is not None)
"""The rows whose values the snapshot holds by namespace."""
HELD_BY_NAMESPACE = {read.namespace: read for read in HELD}
