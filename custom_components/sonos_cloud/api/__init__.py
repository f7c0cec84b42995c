"""Async client for the Sonos Control API (cloud), independent of Home Assistant.

The namespaces it reads are declared in ``namespaces`` and addressed through
it (``namespaces.PLAYBACK``), so a new one is one declaration there.
"""

from . import namespaces
from .checks import MAX_STREAM_URL
from .client import SonosCloudClient
from .errors import (
    SonosAuthError,
    SonosConnectionError,
    SonosError,
    SonosInvalidResponseError,
    SonosRateLimitedError,
    SonosRequestError,
    SonosServerError,
    SonosTargetGoneError,
    SonosValueTooLongError,
)
from .events import (
    MAX_EVENT_BYTES,
    SonosEvent,
    SonosEventError,
    decode_event,
    event_signature,
    parse_event,
)
from .models import (
    MAX_HOUSEHOLD_ITEMS,
    AudioClip,
    Capability,
    ClipPriority,
    ClipStatus,
    ContentKind,
    Favorite,
    Group,
    Groups,
    Household,
    Library,
    Metadata,
    PlaybackActions,
    PlaybackError,
    PlaybackState,
    PlaybackStatus,
    Player,
    Playlist,
    PlayModes,
    QueueAction,
    Volume,
)
from .namespace import Namespace, NamespaceEvent, TargetKind
from .pacer import RequestPacer, commands_first
from .sequence import SequenceGuard
from .transport import CONTROL_API_URL, AccessTokenProvider, gather_all

__all__ = [
    "CONTROL_API_URL",
    "MAX_EVENT_BYTES",
    "MAX_HOUSEHOLD_ITEMS",
    "MAX_STREAM_URL",
    "AccessTokenProvider",
    "AudioClip",
    "Capability",
    "ClipPriority",
    "ClipStatus",
    "ContentKind",
    "Favorite",
    "Group",
    "Groups",
    "Household",
    "Library",
    "Metadata",
    "Namespace",
    "NamespaceEvent",
    "PlayModes",
    "PlaybackActions",
    "PlaybackError",
    "PlaybackState",
    "PlaybackStatus",
    "Player",
    "Playlist",
    "QueueAction",
    "RequestPacer",
    "SequenceGuard",
    "SonosAuthError",
    "SonosCloudClient",
    "SonosConnectionError",
    "SonosError",
    "SonosEvent",
    "SonosEventError",
    "SonosInvalidResponseError",
    "SonosRateLimitedError",
    "SonosRequestError",
    "SonosServerError",
    "SonosTargetGoneError",
    "SonosValueTooLongError",
    "TargetKind",
    "Volume",
    "commands_first",
    "decode_event",
    "event_signature",
    "gather_all",
    "namespaces",
    "parse_event",
]
