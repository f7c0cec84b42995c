"""Typed models parsed from Control API JSON.

Parsing is tolerant where Sonos is loose (unknown keys are ignored, optional
fields may be missing) and strict where a wrong value would mislead the caller
(ids and names must be strings, volumes integers). Anything that does not fit
raises ``SonosInvalidResponseError``.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .errors import SonosInvalidResponseError

type JsonObject = Mapping[str, Any]


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


def _objects(data: JsonObject, key: str) -> list[JsonObject]:
    """Return a list of JSON objects under ``key``."""
    value = data.get(key, [])
    if not isinstance(value, list):
        raise SonosInvalidResponseError(f"Expected a list for '{key}'")
    return [_object(item, key) for item in value]


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
    def from_json(cls, data: JsonObject) -> Group:
        """Parse a group object."""
        coordinator_id = _field(data, "coordinatorId", str)
        player_ids = _string_list(data, "playerIds") or (coordinator_id,)
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
    def from_json(cls, data: JsonObject) -> Groups:
        """Parse a ``groups`` response or event body."""
        return cls(
            groups=tuple(Group.from_json(item) for item in _objects(data, "groups")),
            players=tuple(Player.from_json(item) for item in _objects(data, "players")),
            partial=data.get("partial") is True,
        )


@dataclass(frozen=True, slots=True)
class PlaybackStatus:
    """Playback state and position of a group."""

    state: PlaybackState
    position_ms: int | None = None
    item_id: str | None = None

    @classmethod
    def from_json(cls, data: JsonObject) -> PlaybackStatus:
        """Parse a ``playbackStatus`` object."""
        state = _playback_state(data.get("playbackState"))
        if state is None:
            raise SonosInvalidResponseError("Missing or unknown playbackState")
        position = data.get("positionMillis")
        return cls(
            state=state,
            position_ms=position if type(position) is int else None,
            item_id=_optional_str(data, "itemId"),
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


def _playback_state(value: Any) -> PlaybackState | None:
    """Map a playbackState string to the enum; unknown values become None."""
    try:
        return PlaybackState(value)
    except ValueError:
        return None
