"""The Control API namespaces the integration reads or follows, one each.

Adding a namespace here (with its model when it is a small setting) is all
``api/`` needs: ``SonosCloudClient.get`` reads it, ``decode_event`` decodes
its events, ``SonosCloudClient.change`` sets what it declares settable.
"""

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from typing import Any

from .errors import SonosInvalidResponseError
from .models import (
    MAX_HOUSEHOLD_ITEMS,
    AudioClip,
    Favorite,
    Groups,
    Library,
    Playlist,
    Volume,
)
from .namespace import Namespace, NamespaceEvent, TargetKind, declare
from .parse import JsonObject, field, json_object, optional_str
from .playback import Metadata, PlaybackError, PlaybackStatus, PlaybackUpdate

__all__ = [
    "ALL",
    "AUDIO_CLIP",
    "FAVORITES",
    "GROUPS",
    "GROUP_VOLUME",
    "HOME_THEATER",
    "METADATA",
    "PLAYBACK",
    "PLAYBACK_ERROR",
    "PLAYER_VOLUME",
    "PLAYLISTS",
    "HomeTheaterOptions",
    "Namespace",
    "NamespaceEvent",
    "TargetKind",
]


def _version(data: JsonObject) -> str | None:
    """Read a list's ``versionChanged`` event: only its new version."""
    return optional_str(data, "version")


def _not_held(_current: object, _version: str | None) -> None:
    """Hold nothing: a list event says that it changed, not what it holds."""


def _household_list[T](
    name: str, items_key: str, parse: Callable[[JsonObject], T]
) -> Namespace[Library[T], str | None]:
    """Declare a household's list: read when needed, its events only say it changed."""
    return Namespace(
        name,
        TargetKind.HOUSEHOLD,
        Library.parser(items_key, parse),
        _version,
        _not_held,
        path=name,
        event_type="versionChanged",
    )


def _clips(data: JsonObject) -> tuple[AudioClip, ...]:
    """Read an ``audioClipStatus``: the player's latest clips that parse.

    One malformed clip must not hide the outcome of the others.
    """
    items = data.get("audioClips")
    clips = []
    for item in items if isinstance(items, list) else ():
        with suppress(SonosInvalidResponseError):
            clips.append(AudioClip.from_json(json_object(item, "audioClips")))
    return tuple(clips)


GROUPS = declare(
    "groups",
    TargetKind.HOUSEHOLD,
    Groups.from_json,
    path="groups",
    params={"includeDeviceInfo": "true"},
    # Event bodies are not signed: bounded to the contract's limit.
    parse_event=partial(Groups.from_json, max_items=MAX_HOUSEHOLD_ITEMS),
    event_type="groups",
)
FAVORITES = _household_list("favorites", "items", Favorite.from_json)
PLAYLISTS = _household_list("playlists", "playlists", Playlist.from_json)
PLAYBACK: Namespace[PlaybackStatus, PlaybackUpdate] = Namespace(
    "playback",
    TargetKind.GROUP,
    PlaybackStatus.from_json,
    PlaybackUpdate.from_json,
    lambda current, update: update.applied_to(current),
    path="playback",
    event_type="playbackStatus",
)
PLAYBACK_ERROR: Namespace[PlaybackError | None, PlaybackError] = Namespace(
    # Sonos sends these on the playback subscription, with their own type.
    "playback",
    TargetKind.GROUP,
    lambda _data: None,
    PlaybackError.from_json,
    lambda _current, _error: None,
    event_type="playbackError",
)
METADATA = declare(
    "playbackMetadata",
    TargetKind.GROUP,
    Metadata.from_json,
    path="playbackMetadata",
    event_type="metadataStatus",
)
GROUP_VOLUME = declare(
    "groupVolume",
    TargetKind.GROUP,
    Volume.from_json,
    path="groupVolume",
    event_type="groupVolume",
)
PLAYER_VOLUME = declare(
    "playerVolume",
    TargetKind.PLAYER,
    Volume.from_json,
    path="playerVolume",
    event_type="playerVolume",
)
AUDIO_CLIP = declare(
    "audioClip", TargetKind.PLAYER, _clips, event_type="audioClipStatus"
)


@dataclass(frozen=True, slots=True)
class HomeTheaterOptions:
    """Sound settings of a home theater player (Arc, Beam, Ray, Playbar)."""

    night_mode: bool
    enhance_dialog: bool

    @classmethod
    def from_json(cls, data: JsonObject) -> HomeTheaterOptions:
        """Parse a ``homeTheaterOptions`` object."""
        return cls(
            night_mode=field(data, "nightMode", bool, False),
            enhance_dialog=field(data, "enhanceDialog", bool, False),
        )


HOME_THEATER = declare(
    "homeTheater",
    TargetKind.PLAYER,
    HomeTheaterOptions.from_json,
    path="homeTheater/options",
    # Not in Sonos' published reference: a refusal leaves the player without.
    refusal_tolerated=True,
    settable={"night_mode": "nightMode", "enhance_dialog": "enhanceDialog"},
    label="home theater",
)

ALL: tuple[Namespace[Any, Any], ...] = (
    GROUPS,
    FAVORITES,
    PLAYLISTS,
    PLAYBACK,
    PLAYBACK_ERROR,
    METADATA,
    GROUP_VOLUME,
    PLAYER_VOLUME,
    AUDIO_CLIP,
    HOME_THEATER,
)
"""Every declared namespace, for decoding events by name."""
