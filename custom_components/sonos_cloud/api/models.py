"""Typed models parsed from Control API JSON.

Parsing is tolerant where Sonos is loose (unknown keys are ignored, optional
fields may be missing) and strict where a wrong value would mislead the caller
(ids and names must be strings, volumes integers from 0 to 100, positions and
durations within the contract's ``int32``; event bodies at most 32 groups and
players). Anything that does not fit raises ``SonosInvalidResponseError``:
numbers from the network must never reach Home Assistant out of range.
"""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from .errors import SonosInvalidResponseError
from .parse import (
    JsonObject,
    field as _field,
    int32 as _int32,
    json_object as _object,
    objects as _objects,
    optional_object as _optional_object,
    optional_str as _optional_str,
    string_list as _string_list,
)
from .playback import (
    ContentKind,
    Metadata,
    PlaybackActions,
    PlaybackError,
    PlaybackState,
    PlaybackStatus,
    PlayModes,
    playback_state as _playback_state,
)

__all__ = [
    "MAX_HOUSEHOLD_ITEMS",
    "AudioClip",
    "Capability",
    "ClipPriority",
    "ClipStatus",
    "ContentKind",
    "Favorite",
    "Group",
    "Groups",
    "Household",
    "JsonObject",
    "Library",
    "Metadata",
    "PlayModes",
    "PlaybackActions",
    "PlaybackError",
    "PlaybackState",
    "PlaybackStatus",
    "Player",
    "Playlist",
    "QueueAction",
    "Volume",
]

MAX_HOUSEHOLD_ITEMS = 32
"""The contract's limit of groups and players per answer, and per group."""


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
    # The player's own websocket (the local API), as the cloud lists it.
    websocket_url: str | None = None

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
            websocket_url=_optional_str(data, "websocketUrl"),
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
class Library[T]:
    """A household's favorites or playlists, with the list's version."""

    version: str | None
    items: tuple[T, ...]

    @classmethod
    def parser(
        cls, key: str, parse: Callable[[JsonObject], T]
    ) -> Callable[[JsonObject], Library[T]]:
        """Return the parser of a list answer keeping its items under ``key``."""

        def parse_list(data: JsonObject) -> Library[T]:
            return cls(
                _optional_str(data, "version"),
                tuple(parse(item) for item in _objects(data, key)),
            )

        return parse_list


@dataclass(frozen=True, slots=True)
class AudioClip:
    """An announcement Sonos accepted; its id cancels it."""

    id: str
    name: str | None = None
    status: ClipStatus | None = None
    # Why Sonos could not play it, once it ended with ``ERROR``.
    error_code: str | None = None

    @classmethod
    def from_json(cls, data: JsonObject) -> AudioClip:
        """Parse an ``audioClip`` object; a status Sonos adds later is None."""
        try:
            status: ClipStatus | None = ClipStatus(_optional_str(data, "status") or "")
        except ValueError:
            status = None
        return cls(
            id=_field(data, "id", str),
            name=_optional_str(data, "name"),
            status=status,
            error_code=_optional_str(data, "errorCode"),
        )


class ClipStatus(StrEnum):
    """Where an audio clip is; every one but ``ACTIVE`` is final."""

    ACTIVE = "ACTIVE"
    DONE = "DONE"
    DISMISSED = "DISMISSED"
    INACTIVE = "INACTIVE"
    INTERRUPTED = "INTERRUPTED"
    ERROR = "ERROR"

    @property
    def final(self) -> bool:
        """Whether the clip has ended (played, refused, cut off or failed)."""
        return self is not ClipStatus.ACTIVE

    @property
    def refused(self) -> bool:
        """Whether Sonos will not play it (a LOW clip refused by a HIGH one)."""
        return self in (ClipStatus.DISMISSED, ClipStatus.ERROR)


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
