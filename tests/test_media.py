"""Pure media helpers: content ids, queue actions and announcement options."""

from typing import Any

import pytest

from custom_components.sonos_cloud.api import ClipPriority, QueueAction
from custom_components.sonos_cloud.media import (
    ContentId,
    LibraryKind,
    check_clip_url,
    clip_priority,
    clip_volume,
    parse_content_id,
    queue_action,
)


@pytest.mark.parametrize(
    ("media_id", "expected"),
    [
        ("favorite:14", ContentId(LibraryKind.FAVORITE, "14")),
        ("playlist:5:x", ContentId(LibraryKind.PLAYLIST, "5:x")),
        ("https://radio.invalid/stream.mp3", None),
        ("media-source://tts/x", None),
        ("CHIME", None),
    ],
)
def test_parse_content_id(media_id: str, expected: ContentId | None) -> None:
    """Our ids round-trip; anything else is not ours."""
    assert parse_content_id(media_id) == expected
    if expected is not None:
        assert str(expected) == media_id


@pytest.mark.parametrize("media_id", ["favorite:", "playlist:"])
def test_parse_content_id_without_item(media_id: str) -> None:
    """A kind without an id is a malformed id."""
    with pytest.raises(ValueError, match="names no"):
        parse_content_id(media_id)


@pytest.mark.parametrize(
    ("enqueue", "expected"),
    [
        (None, (QueueAction.REPLACE, True)),
        ("replace", (QueueAction.REPLACE, True)),
        ("play", (QueueAction.INSERT, True)),
        ("next", (QueueAction.INSERT_NEXT, False)),
        ("add", (QueueAction.APPEND, False)),
    ],
)
def test_queue_action(enqueue: str | None, expected: tuple[QueueAction, bool]) -> None:
    """Home Assistant's enqueue options map to Sonos queue actions."""
    assert queue_action(enqueue) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (0.5, 50),
        (1.0, 100),
        (0.0, 0),
        (35, 35),
        (1, 1),
        (100, 100),
        ("40", 40),
        ("0.25", 25),
        (42.4, 42),
    ],
)
def test_clip_volume(value: Any, expected: int | None) -> None:
    """Volumes are read as fractions (floats up to 1) or percentages."""
    assert clip_volume(value) == expected


@pytest.mark.parametrize("value", [101, -1, 150.0, "loud", True, [5]])
def test_clip_volume_invalid(value: Any) -> None:
    """Anything else is refused."""
    with pytest.raises(ValueError, match="volume"):
        clip_volume(value)


def test_clip_priority() -> None:
    """Priority is low unless asked for, case-insensitively."""
    assert clip_priority(None) is ClipPriority.LOW
    assert clip_priority("High") is ClipPriority.HIGH
    with pytest.raises(ValueError, match="priority"):
        clip_priority("urgent")


@pytest.mark.parametrize(
    "url",
    [
        "https://ha.invalid/api/tts_proxy/abc.mp3",
        "http://127.0.0.1:8123/local/door.WAV",
        "https://stream.invalid/live",
    ],
)
def test_clip_url_ok(url: str) -> None:
    """MP3, WAV and URLs without an extension are accepted."""
    check_clip_url(url)


@pytest.mark.parametrize(
    "url",
    ["https://ha.invalid/song.flac", "ftp://ha.invalid/a.mp3", "/local/a.mp3"],
)
def test_clip_url_refused(url: str) -> None:
    """Other formats and non-http(s) URLs are refused before reaching Sonos."""
    with pytest.raises(ValueError, match="not"):
        check_clip_url(url)
