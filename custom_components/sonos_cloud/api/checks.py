"""Values the Control API would refuse, caught before a request is spent."""

from .errors import SonosValueTooLongError

# Longest values the Control API contract accepts (characters).
MAX_ITEM_ID = 36  # favoriteId, playlistId
MAX_APP_ID = 127  # appId, appContext
MAX_STREAM_URL = 1024
MAX_STATION_NAME = 100  # stationMetadata is a container: its name
MAX_CLIP_NAME = 64
MAX_DEVICE_ID = 24  # a player id as lineIn's deviceId
MAX_POSITION_MS = 2**31 - 1  # int32


def checked_length(field: str, value: str, limit: int) -> str:
    """Reject a value longer than the API accepts, before spending a request."""
    if len(value) > limit:
        raise SonosValueTooLongError(field, len(value), limit)
    return value


def checked_volume(volume: int) -> int:
    """Reject volumes the API would refuse, before spending a request."""
    if (
        isinstance(volume, bool)
        or not isinstance(volume, int)
        or not 0 <= volume <= 100
    ):
        raise ValueError(f"Volume must be an integer from 0 to 100, got {volume!r}")
    return volume


def checked_delta(delta: int) -> int:
    """Reject relative volume changes the API would refuse."""
    if (
        isinstance(delta, bool)
        or not isinstance(delta, int)
        or not -100 <= delta <= 100
    ):
        raise ValueError(
            f"Volume change must be an integer from -100 to 100, got {delta!r}"
        )
    return delta
