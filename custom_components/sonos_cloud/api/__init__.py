"""Async client for the Sonos Control API (cloud), independent of Home Assistant."""

from .client import CONTROL_API_URL, AccessTokenProvider, SonosCloudClient
from .errors import (
    SonosAuthError,
    SonosConnectionError,
    SonosError,
    SonosInvalidResponseError,
    SonosRateLimitedError,
    SonosRequestError,
    SonosServerError,
    SonosTargetGoneError,
)
from .models import (
    Capability,
    ContentKind,
    Group,
    Groups,
    Household,
    Metadata,
    PlaybackActions,
    PlaybackState,
    PlaybackStatus,
    Player,
    PlayModes,
    Volume,
)

__all__ = [
    "CONTROL_API_URL",
    "AccessTokenProvider",
    "Capability",
    "ContentKind",
    "Group",
    "Groups",
    "Household",
    "Metadata",
    "PlayModes",
    "PlaybackActions",
    "PlaybackState",
    "PlaybackStatus",
    "Player",
    "SonosAuthError",
    "SonosCloudClient",
    "SonosConnectionError",
    "SonosError",
    "SonosInvalidResponseError",
    "SonosRateLimitedError",
    "SonosRequestError",
    "SonosServerError",
    "SonosTargetGoneError",
    "Volume",
]
