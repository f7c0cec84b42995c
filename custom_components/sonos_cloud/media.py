"""Pure helpers for playing media: our content ids, queue actions, clip options.

Kept free of entity state so each rule is easy to test on its own.
"""

from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from homeassistant.components.media_player import MediaPlayerEnqueue

from .api import MAX_STREAM_URL, ClipPriority, QueueAction, SonosValueTooLongError

APP_ID = "io.home-assistant.sonos_cloud"
CHIME = "CHIME"
# Sonos plays announcements only from MP3 and WAV files.
CLIP_EXTENSIONS = frozenset({".mp3", ".wav"})
# How much of a value given by a user an error message repeats.
SHOWN_LENGTH = 80


def shown(value: Any, limit: int = SHOWN_LENGTH) -> str:
    """Return a user's value for an error message, cut to ``limit`` characters."""
    text = str(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


class LibraryKind(StrEnum):
    """The kinds of our own media content ids."""

    FAVORITE = "favorite"
    PLAYLIST = "playlist"


@dataclass(frozen=True, slots=True)
class ContentId:
    """A Sonos favorite or playlist, written ``favorite:<id>`` or ``playlist:<id>``."""

    kind: LibraryKind
    item_id: str

    def __str__(self) -> str:
        """Write the id as the media browser and services use it."""
        return f"{self.kind}:{self.item_id}"


def parse_content_id(media_id: str) -> ContentId | None:
    """Read our content id; None when it is not one (for example a URL)."""
    kind, separator, item_id = media_id.partition(":")
    if not separator or kind not in LibraryKind.__members__.values():
        return None
    if not item_id:
        raise ValueError(f"{shown(media_id)!r} names no {kind}")
    return ContentId(LibraryKind(kind), item_id)


# Home Assistant's enqueue option -> (Sonos queue action, start playing).
QUEUE_ACTIONS: dict[MediaPlayerEnqueue, tuple[QueueAction, bool]] = {
    MediaPlayerEnqueue.REPLACE: (QueueAction.REPLACE, True),
    MediaPlayerEnqueue.PLAY: (QueueAction.INSERT, True),
    MediaPlayerEnqueue.NEXT: (QueueAction.INSERT_NEXT, False),
    MediaPlayerEnqueue.ADD: (QueueAction.APPEND, False),
}


def queue_action(enqueue: Any) -> tuple[QueueAction, bool]:
    """Map the enqueue option; without one, replace the queue and play."""
    if enqueue is None:
        return QUEUE_ACTIONS[MediaPlayerEnqueue.REPLACE]
    return QUEUE_ACTIONS[MediaPlayerEnqueue(enqueue)]


def clip_volume(value: Any) -> int | None:
    """Read an announcement volume given as 0.0-1.0 (a float) or 0-100.

    The older integration accepted both; a float up to 1.0 is a fraction, any
    other number is a percentage. Raises ValueError when out of range.
    """
    if value is None:
        return None
    number = _number(value)
    percent = number * 100 if isinstance(number, float) and number <= 1 else number
    if not 0 <= percent <= 100:
        raise ValueError(f"volume {shown(value)!r} is out of range")
    return round(percent)


def _number(value: Any) -> int | float:
    """Accept numbers and numeric strings (templates render to strings)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    try:
        return float(text) if "." in text else int(text)
    except ValueError:
        raise ValueError(f"volume {shown(value)!r} is not a number") from None


def clip_priority(value: Any) -> ClipPriority:
    """Read ``high`` or ``low`` (default low), case-insensitively."""
    if value is None:
        return ClipPriority.LOW
    try:
        return ClipPriority(str(value).upper())
    except ValueError:
        raise ValueError(f"priority {shown(value)!r} is not high or low") from None


def check_clip_url(url: str) -> None:
    """Refuse what a speaker cannot play as an announcement."""
    if len(url) > MAX_STREAM_URL:
        raise SonosValueTooLongError("streamUrl", len(url), MAX_STREAM_URL)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{shown(url)} is not an http(s) URL")
    suffix = PurePosixPath(parts.path).suffix.lower()
    if suffix and suffix not in CLIP_EXTENSIONS:
        raise ValueError(f"{shown(url)} is not an MP3 or WAV file")
