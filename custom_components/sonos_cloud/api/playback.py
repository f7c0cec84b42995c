"""Playback and now-playing models of a group, parsed from Control API JSON."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any

from .errors import SonosInvalidResponseError
from .parse import (
    JsonObject,
    int32 as _int32,
    optional_object as _optional_object,
    optional_str as _optional_str,
)


class PlaybackState(StrEnum):
    """Playback state of a group."""

    IDLE = "PLAYBACK_STATE_IDLE"
    BUFFERING = "PLAYBACK_STATE_BUFFERING"
    PAUSED = "PLAYBACK_STATE_PAUSED"
    PLAYING = "PLAYBACK_STATE_PLAYING"


def playback_state(value: Any) -> PlaybackState | None:
    """Map a playbackState string to the enum; unknown values become None."""
    try:
        return PlaybackState(value)
    except ValueError:
        return None


def _flags(data: JsonObject, names: Iterable[str]) -> dict[str, bool]:
    """Read an object of switches, each named as our field in camelCase.

    A missing or non-boolean switch is off.
    """
    return {name: data.get(_camel_case(name)) is True for name in names}


def _camel_case(name: str) -> str:
    """Return Sonos' name of a field: ``repeat_one`` is ``repeatOne``."""
    first, *rest = name.split("_")
    return first + "".join(word.capitalize() for word in rest)


@dataclass(frozen=True, slots=True)
class PlayModes:
    """Shuffle, repeat and crossfade of a group."""

    shuffle: bool = False
    repeat: bool = False
    repeat_one: bool = False
    crossfade: bool = False

    @classmethod
    def from_json(cls, data: JsonObject) -> PlayModes:
        """Parse a ``playModes`` object; missing modes are off."""
        return cls(**_flags(data, (field.name for field in fields(cls))))


@dataclass(frozen=True, slots=True)
class PlaybackActions:
    """What the loaded content allows; radio, for example, cannot seek or skip."""

    can_skip: bool = False
    can_skip_back: bool = False
    can_seek: bool = False
    can_pause: bool = False
    can_repeat: bool = False
    can_repeat_one: bool = False
    can_crossfade: bool = False
    can_shuffle: bool = False

    @classmethod
    def from_json(cls, data: JsonObject) -> PlaybackActions:
        """Parse an ``availablePlaybackActions`` object; missing actions are off."""
        return cls(**_flags(data, (field.name for field in fields(cls))))


@dataclass(frozen=True, slots=True)
class PlaybackStatus:
    """Playback state, position, play modes and allowed actions of a group."""

    state: PlaybackState
    position_ms: int | None = None
    item_id: str | None = None
    play_modes: PlayModes | None = None
    actions: PlaybackActions | None = None

    @classmethod
    def from_json(cls, data: JsonObject) -> PlaybackStatus:
        """Parse a ``playbackStatus`` object."""
        state = playback_state(data.get("playbackState"))
        if state is None:
            raise SonosInvalidResponseError("Missing or unknown playbackState")
        modes = data.get("playModes")
        actions = data.get("availablePlaybackActions")
        return cls(
            state=state,
            position_ms=_int32(data, "positionMillis", 0),
            item_id=_optional_str(data, "itemId"),
            play_modes=PlayModes.from_json(modes)
            if isinstance(modes, Mapping)
            else None,
            actions=(
                PlaybackActions.from_json(actions)
                if isinstance(actions, Mapping)
                else None
            ),
        )


@dataclass(frozen=True, slots=True)
class PlaybackUpdate:
    """A ``playbackStatus`` event, which may leave fields out.

    Missing fields mean unchanged, never idle or false (seen on firmware 95).
    """

    state: PlaybackState | None
    fields: PlaybackStatus
    """The event's fields; its state is a placeholder when the event has none."""
    has_position: bool
    has_item: bool

    @classmethod
    def from_json(cls, data: JsonObject) -> PlaybackUpdate:
        """Parse an event body; every field is checked as in a GET answer."""
        state = playback_state(data.get("playbackState"))
        return cls(
            state=state,
            fields=PlaybackStatus.from_json(
                {**data, "playbackState": state or PlaybackState.IDLE}
            ),
            has_position="positionMillis" in data,
            has_item="itemId" in data,
        )

    def applied_to(self, current: PlaybackStatus | None) -> PlaybackStatus | None:
        """Return the status after the event; None when no state is known."""
        if current is None:
            return self.fields if self.state is not None else None
        update = self.fields
        return PlaybackStatus(
            state=self.state or current.state,
            position_ms=update.position_ms
            if self.has_position
            else current.position_ms,
            item_id=update.item_id if self.has_item else current.item_id,
            play_modes=update.play_modes or current.play_modes,
            actions=update.actions or current.actions,
        )


class ContentKind(StrEnum):
    """What a group plays, as far as Home Assistant cares."""

    NONE = "none"
    TRACKS = "tracks"
    STATION = "station"
    LINE_IN = "line_in"
    TV = "tv"


@dataclass(frozen=True, slots=True)
class Metadata:
    """What a group plays now: the container (album, playlist, station) and track."""

    kind: ContentKind = ContentKind.NONE
    container_name: str | None = None
    container_type: str | None = None
    container_image_url: str | None = None
    service_name: str | None = None
    title: str | None = None
    artist: str | None = None
    album: str | None = None
    album_artist: str | None = None
    track_image_url: str | None = None
    duration_ms: int | None = None
    stream_info: str | None = None

    @classmethod
    def from_json(cls, data: JsonObject) -> Metadata:
        """Parse a ``metadataStatus`` object; every part of it is optional."""
        container = _optional_object(data, "container")
        current = _optional_object(data, "currentItem")
        track = _optional_object(current, "track")
        container_type = _optional_str(container, "type")
        album = _optional_object(track, "album")
        return cls(
            kind=_content_kind(container_type, bool(track)),
            container_name=_optional_str(container, "name"),
            container_type=container_type,
            container_image_url=_optional_str(container, "imageUrl"),
            service_name=_optional_str(
                _optional_object(track, "service")
                or _optional_object(container, "service"),
                "name",
            ),
            title=_optional_str(track, "name"),
            artist=_optional_str(_optional_object(track, "artist"), "name"),
            album=_optional_str(album, "name"),
            album_artist=_optional_str(_optional_object(album, "artist"), "name"),
            track_image_url=_track_image(track),
            duration_ms=_int32(track, "durationMillis", 1),
            stream_info=_optional_str(data, "streamInfo"),
        )


def _track_image(track: JsonObject) -> str | None:
    """Prefer the first of ``images`` (current API) over ``imageUrl`` (deprecated)."""
    images = track.get("images")
    if isinstance(images, list):
        for image in images:
            if isinstance(image, Mapping) and (url := _optional_str(image, "url")):
                return url
    return _optional_str(track, "imageUrl")


def _content_kind(container_type: str | None, has_track: bool) -> ContentKind:
    if container_type is not None:
        if container_type.startswith("linein.homeTheater"):
            return ContentKind.TV
        if container_type.startswith("linein"):
            return ContentKind.LINE_IN
        if container_type.startswith("station"):
            return ContentKind.STATION
    if has_track or container_type is not None:
        return ContentKind.TRACKS
    return ContentKind.NONE


@dataclass(frozen=True, slots=True)
class PlaybackError:
    """A group could not play what it was asked to (``playbackError`` event)."""

    error_code: str
    reason: str | None = None
    item_id: str | None = None

    @classmethod
    def from_json(cls, data: JsonObject) -> PlaybackError:
        """Parse a ``playbackError`` body; it must name its error code."""
        code = data.get("errorCode")
        if not isinstance(code, str) or not code:
            raise SonosInvalidResponseError("playbackError without errorCode")
        return cls(
            error_code=code,
            reason=_optional_str(data, "reason"),
            item_id=_optional_str(data, "itemId"),
        )
