"""Typed models parsed from Control API JSON.

Parsing is tolerant where Sonos is loose (unknown keys are ignored, optional
fields may be missing) and strict where a wrong value would mislead the caller
(ids and names must be strings, volumes integers from 0 to 100, positions and
durations within the contract's ``int32``; event bodies at most 32 groups and
players). Anything that does not fit raises ``SonosInvalidResponseError``:
numbers from the network must never reach Home Assistant out of range.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .errors import SonosInvalidResponseError

type JsonObject = Mapping[str, Any]

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
"""The contract types positions, durations and counts as ``int32``."""
MAX_HOUSEHOLD_ITEMS = 32
"""The contract's limit of groups and players per answer, and per group."""


class PlaybackState(StrEnum):
    """Playback state of a group."""

    IDLE = "PLAYBACK_STATE_IDLE"
    BUFFERING = "PLAYBACK_STATE_BUFFERING"
    PAUSED = "PLAYBACK_STATE_PAUSED"
    PLAYING = "PLAYBACK_STATE_PLAYING"


class Capability(StrEnum):
    """Player capabilities this client knows; Sonos may send others."""

    AUDIO_CLIP = "AUDIO_CLIP"
    CLOUD = "CLOUD"
    FIXED_VOLUME = "FIXED_VOLUME"
    HT_PLAYBACK = "HT_PLAYBACK"
    HT_POWER_STATE = "HT_POWER_STATE"
    LINE_IN = "LINE_IN"
    PLAYBACK = "PLAYBACK"
    VOICE = "VOICE"


def _field[T](data: JsonObject, key: str, kind: type[T], default: T | None = None) -> T:
    """Return ``data[key]`` checked against ``kind``; ``default`` when missing."""
    value = data.get(key)
    if value is None:
        if default is None:
            raise SonosInvalidResponseError(f"Missing field '{key}'")
        return default
    # bool is an int subclass; a volume of ``true`` is garbage, not 1.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise SonosInvalidResponseError(
            f"Field '{key}' is {type(value).__name__}, expected {kind.__name__}"
        )
    return value


def _optional_str(data: JsonObject, key: str) -> str | None:
    """Return an optional string field, ignoring values of another type."""
    value = data.get(key)
    return value if isinstance(value, str) else None


def _string_list(data: JsonObject, key: str) -> tuple[str, ...]:
    """Return a list of strings, dropping anything that is not a string."""
    value = data.get(key)
    if not isinstance(value, list):
        return ()
    return tuple(item for item in value if isinstance(item, str))


def _object(value: Any, what: str) -> JsonObject:
    """Check that ``value`` is a JSON object."""
    if not isinstance(value, Mapping):
        raise SonosInvalidResponseError(f"Expected an object for {what}")
    return value


def _objects(data: JsonObject, key: str, limit: int | None = None) -> list[JsonObject]:
    """Return a list of JSON objects under ``key``, of at most ``limit`` items."""
    value = data.get(key, [])
    if not isinstance(value, list):
        raise SonosInvalidResponseError(f"Expected a list for '{key}'")
    if limit is not None and len(value) > limit:
        raise SonosInvalidResponseError(f"More than {limit} items in '{key}'")
    return [_object(item, key) for item in value]


def _int32(data: JsonObject, key: str, minimum: int) -> int | None:
    """Return an integer field of the contract's ``int32`` type.

    Missing, not an integer or below ``minimum`` (a negative position) gives
    None, as Sonos may leave a value out; an integer outside ``int32`` is
    garbage that would overflow later (``10**400 / 1000`` raises), so it makes
    the whole object invalid.
    """
    value = data.get(key)
    if type(value) is not int:
        return None
    if not INT32_MIN <= value <= INT32_MAX:
        raise SonosInvalidResponseError(f"Field '{key}' is out of range")
    return value if value >= minimum else None


@dataclass(frozen=True, slots=True)
class Household:
    """A Sonos household (one system) the account can control."""

    id: str
    name: str | None = None

    @classmethod
    def from_json(cls, data: JsonObject) -> Household:
        """Parse a household object."""
        return cls(id=_field(data, "id", str), name=_optional_str(data, "name"))


@dataclass(frozen=True, slots=True)
class Player:
    """A Sonos player: one room, possibly a bonded set of devices."""

    id: str
    name: str
    capabilities: frozenset[str]
    device_ids: tuple[str, ...]
    software_version: str | None = None
    api_version: str | None = None
    model: str | None = None
    serial_number: str | None = None

    @property
    def has_audio_clip(self) -> bool:
        """Whether the player can play announcements over its music."""
        return Capability.AUDIO_CLIP in self.capabilities

    @property
    def is_home_theater(self) -> bool:
        """Return whether the player has a TV input and home theater sound."""
        return Capability.HT_PLAYBACK in self.capabilities

    @classmethod
    def from_json(cls, data: JsonObject) -> Player:
        """Parse a player object, with device details when the API sent them."""
        player_id = _field(data, "id", str)
        model = serial = None
        for device in _objects(data, "devices"):
            if device.get("id") == player_id:
                model = _optional_str(device, "modelDisplayName")
                serial = _optional_str(device, "serialNumber")
        return cls(
            id=player_id,
            name=_field(data, "name", str),
            capabilities=frozenset(_string_list(data, "capabilities")),
            device_ids=_string_list(data, "deviceIds") or (player_id,),
            software_version=_optional_str(data, "softwareVersion"),
            api_version=_optional_str(data, "apiVersion"),
            model=model,
            serial_number=serial,
        )


@dataclass(frozen=True, slots=True)
class Group:
    """A group of players playing in sync; its id changes when it is re-formed."""

    id: str
    name: str
    coordinator_id: str
    player_ids: tuple[str, ...]
    playback_state: PlaybackState | None = None

    @classmethod
    def from_json(cls, data: JsonObject, max_players: int | None = None) -> Group:
        """Parse a group object of at most ``max_players`` players."""
        coordinator_id = _field(data, "coordinatorId", str)
        player_ids = _string_list(data, "playerIds") or (coordinator_id,)
        if max_players is not None and len(player_ids) > max_players:
            raise SonosInvalidResponseError(
                f"More than {max_players} players in a group"
            )
        return cls(
            id=_field(data, "id", str),
            name=_field(data, "name", str, ""),
            coordinator_id=coordinator_id,
            player_ids=player_ids,
            playback_state=_playback_state(data.get("playbackState")),
        )


@dataclass(frozen=True, slots=True)
class Groups:
    """The groups and players of one household."""

    groups: tuple[Group, ...]
    players: tuple[Player, ...]
    partial: bool = False

    @classmethod
    def from_json(cls, data: JsonObject, *, max_items: int | None = None) -> Groups:
        """Parse a ``groups`` response or event body.

        ``max_items`` bounds the groups and the players, and the players of each
        group: for event bodies, which are not signed (the contract's limit is
        ``MAX_HOUSEHOLD_ITEMS``).
        """
        return cls(
            groups=tuple(
                Group.from_json(item, max_items)
                for item in _objects(data, "groups", max_items)
            ),
            players=tuple(
                Player.from_json(item) for item in _objects(data, "players", max_items)
            ),
            partial=data.get("partial") is True,
        )


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
        return cls(
            shuffle=data.get("shuffle") is True,
            repeat=data.get("repeat") is True,
            repeat_one=data.get("repeatOne") is True,
            crossfade=data.get("crossfade") is True,
        )


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
        return cls(
            can_skip=data.get("canSkip") is True,
            can_skip_back=data.get("canSkipBack") is True,
            can_seek=data.get("canSeek") is True,
            can_pause=data.get("canPause") is True,
            can_repeat=data.get("canRepeat") is True,
            can_repeat_one=data.get("canRepeatOne") is True,
            can_crossfade=data.get("canCrossfade") is True,
            can_shuffle=data.get("canShuffle") is True,
        )


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
        state = _playback_state(data.get("playbackState"))
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


def updated_playback_status(
    current: PlaybackStatus | None, data: JsonObject
) -> PlaybackStatus | None:
    """Apply a ``playbackStatus`` event, which may leave fields out.

    Missing fields mean unchanged, never idle or false (seen on firmware 95).
    Returns None when neither the event nor ``current`` names a state.
    """
    state = _playback_state(data.get("playbackState"))
    if current is None:
        return PlaybackStatus.from_json(data) if state is not None else None
    update = PlaybackStatus.from_json(
        {
            "playbackState": state or current.state,
            **{key: value for key, value in data.items() if key != "playbackState"},
        }
    )
    return PlaybackStatus(
        state=update.state,
        position_ms=(
            update.position_ms if "positionMillis" in data else current.position_ms
        ),
        item_id=update.item_id if "itemId" in data else current.item_id,
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


def _optional_object(data: JsonObject, key: str) -> JsonObject:
    """Return a nested object, or an empty one when it is missing or not an object."""
    value = data.get(key)
    return value if isinstance(value, Mapping) else {}


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
class Volume:
    """Volume of a group or a player, 0 to 100."""

    volume: int
    muted: bool
    fixed: bool = False

    @classmethod
    def from_json(cls, data: JsonObject) -> Volume:
        """Parse a ``groupVolume`` or ``playerVolume`` object."""
        volume = _field(data, "volume", int)
        if not 0 <= volume <= 100:
            raise SonosInvalidResponseError(f"Volume {volume} is out of range")
        return cls(
            volume=volume,
            muted=_field(data, "muted", bool, False),
            fixed=_field(data, "fixed", bool, False),
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
            night_mode=_field(data, "nightMode", bool, False),
            enhance_dialog=_field(data, "enhanceDialog", bool, False),
        )


def _playback_state(value: Any) -> PlaybackState | None:
    """Map a playbackState string to the enum; unknown values become None."""
    try:
        return PlaybackState(value)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Favorite:
    """A Sonos favorite; only the id and name are dependable."""

    id: str
    name: str
    description: str | None = None
    image_url: str | None = None
    service_name: str | None = None
    resource_type: str | None = None

    @classmethod
    def from_json(cls, data: JsonObject) -> Favorite:
        """Parse a ``favorite`` object."""
        images = data.get("images")
        image_url = _optional_str(data, "imageUrl")
        if image_url is None and isinstance(images, list) and images:
            image_url = _optional_str(_object(images[0], "images"), "url")
        return cls(
            id=_field(data, "id", str),
            name=_field(data, "name", str),
            description=_optional_str(data, "description"),
            image_url=image_url,
            service_name=_optional_str(_optional_object(data, "service"), "name"),
            resource_type=_optional_str(_optional_object(data, "resource"), "type"),
        )


@dataclass(frozen=True, slots=True)
class Playlist:
    """A Sonos playlist."""

    id: str
    name: str
    track_count: int | None = None

    @classmethod
    def from_json(cls, data: JsonObject) -> Playlist:
        """Parse a playlist entry of a ``playlistsList``."""
        return cls(
            id=_field(data, "id", str),
            name=_field(data, "name", str),
            track_count=_int32(data, "trackCount", 0),
        )


@dataclass(frozen=True, slots=True)
class AudioClip:
    """An announcement Sonos accepted; its id cancels it."""

    id: str
    name: str | None = None
    status: str | None = None

    @classmethod
    def from_json(cls, data: JsonObject) -> AudioClip:
        """Parse an ``audioClip`` object."""
        return cls(
            id=_field(data, "id", str),
            name=_optional_str(data, "name"),
            status=_optional_str(data, "status"),
        )


class QueueAction(StrEnum):
    """Where loaded content goes relative to the queue."""

    REPLACE = "REPLACE"
    APPEND = "APPEND"
    INSERT = "INSERT"
    INSERT_NEXT = "INSERT_NEXT"


class ClipPriority(StrEnum):
    """HIGH interrupts LOW clips at any time; LOW never interrupts HIGH."""

    LOW = "LOW"
    HIGH = "HIGH"
