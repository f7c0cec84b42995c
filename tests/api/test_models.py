"""Parsing of Control API objects: tolerant of extras, strict on wrong types."""

from collections.abc import Callable
from typing import Any

import pytest

from custom_components.sonos_cloud.api import (
    ContentKind,
    Favorite,
    Groups,
    Household,
    Metadata,
    PlaybackActions,
    PlaybackState,
    PlaybackStatus,
    Player,
    Playlist,
    PlayModes,
    SonosInvalidResponseError,
    Volume,
)


def test_groups_with_extras_and_device_details() -> None:
    """Unknown keys are ignored and device details give the model."""
    groups = Groups.from_json(
        {
            "_objectType": "groups",
            "groups": [
                {
                    "_objectType": "group",
                    "id": "RINCON_A:1",
                    "name": "Den + 1",
                    "coordinatorId": "RINCON_A",
                    "playerIds": ["RINCON_A", "RINCON_B", 7],
                    "playbackState": "PLAYBACK_STATE_PLAYING",
                    "areaIds": [],
                    "somethingNew": {"x": 1},
                }
            ],
            "players": [
                {
                    "id": "RINCON_A",
                    "name": "Den",
                    "capabilities": ["PLAYBACK", "AUDIO_CLIP", "FUTURE_THING"],
                    "deviceIds": ["RINCON_A", "RINCON_A2"],
                    "softwareVersion": "85.0",
                    "devices": [
                        {"id": "RINCON_A2", "modelDisplayName": "Sub"},
                        {
                            "id": "RINCON_A",
                            "modelDisplayName": "Sonos Arc",
                            "serialNumber": "00-11",
                        },
                    ],
                },
                {"id": "RINCON_B", "name": "Desk"},
            ],
            "partial": True,
        }
    )
    group = groups.groups[0]
    assert group.player_ids == ("RINCON_A", "RINCON_B")
    assert group.playback_state is PlaybackState.PLAYING
    den, desk = groups.players
    assert den.model == "Sonos Arc"
    assert den.serial_number == "00-11"
    assert den.has_audio_clip
    assert den.device_ids == ("RINCON_A", "RINCON_A2")
    assert desk.device_ids == ("RINCON_B",)
    assert desk.model is None
    assert not desk.has_audio_clip
    assert groups.partial is True


def test_group_without_members_lists_its_coordinator() -> None:
    """A group without playerIds still contains its coordinator."""
    groups = Groups.from_json(
        {"groups": [{"id": "RINCON_A:2", "coordinatorId": "RINCON_A"}], "players": []}
    )
    assert groups.groups[0].player_ids == ("RINCON_A",)
    assert groups.groups[0].name == ""
    assert groups.groups[0].playback_state is None


@pytest.mark.parametrize(
    "data",
    [
        {"groups": "nope"},
        {"groups": ["nope"]},
        {"groups": [{"id": 5, "coordinatorId": "RINCON_A"}]},
        {"groups": [{"id": "RINCON_A:1"}]},
        {"players": [{"id": "RINCON_A"}]},
        {"players": [{"id": "RINCON_A", "name": "Den", "devices": {}}]},
    ],
)
def test_groups_garbage(data: dict[str, Any]) -> None:
    """Wrong shapes are reported, not guessed."""
    with pytest.raises(SonosInvalidResponseError):
        Groups.from_json(data)


def test_household() -> None:
    """A household needs an id; its name is optional."""
    assert Household.from_json({"id": "Sonos_1", "name": None}) == Household("Sonos_1")
    with pytest.raises(SonosInvalidResponseError):
        Household.from_json({"name": "x"})


def test_playback_status() -> None:
    """Position is kept only when it is an integer."""
    status = PlaybackStatus.from_json(
        {
            "playbackState": "PLAYBACK_STATE_PAUSED",
            "positionMillis": 1200,
            "itemId": "3",
        }
    )
    assert status == PlaybackStatus(PlaybackState.PAUSED, 1200, "3")
    status = PlaybackStatus.from_json(
        {"playbackState": "PLAYBACK_STATE_IDLE", "positionMillis": "12"}
    )
    assert status.position_ms is None
    with pytest.raises(SonosInvalidResponseError):
        PlaybackStatus.from_json({"playbackState": "PLAYBACK_STATE_DANCING"})


@pytest.mark.parametrize(
    "data",
    [
        {"volume": "20", "muted": False},
        {"volume": True, "muted": False},
        {"volume": 101, "muted": False},
        {"volume": -1, "muted": False},
        {"volume": 20, "muted": "no"},
        {"muted": False},
    ],
)
def test_volume_garbage(data: dict[str, Any]) -> None:
    """Volumes must be integers 0-100 and flags booleans."""
    with pytest.raises(SonosInvalidResponseError):
        Volume.from_json(data)


def test_volume() -> None:
    """Missing flags default to false."""
    assert Volume.from_json({"volume": 30}) == Volume(30, muted=False, fixed=False)
    assert Volume.from_json({"volume": 0, "muted": True, "fixed": True}) == Volume(
        0, muted=True, fixed=True
    )


def test_player_name_required() -> None:
    """A player without a name is garbage."""
    with pytest.raises(SonosInvalidResponseError):
        Player.from_json({"id": "RINCON_A", "name": 3})


def test_metadata_track() -> None:
    """A track's title, artist, album and newest artwork are read."""
    metadata = Metadata.from_json(
        {
            "container": {
                "name": "Dinner",
                "type": "playlist",
                "imageUrl": "https://img.invalid/c.jpg",
                "service": {"name": "Sonos"},
            },
            "currentItem": {
                "track": {
                    "name": "Song",
                    "artist": {"name": "Band"},
                    "album": {"name": "Record", "artist": {"name": "Band"}},
                    "imageUrl": "http://192.0.2.1:1400/getaa?s=1",
                    "images": [{"height": 0}, {"url": "https://img.invalid/t.jpg"}],
                    "durationMillis": 180000,
                }
            },
        }
    )
    assert metadata == Metadata(
        kind=ContentKind.TRACKS,
        container_name="Dinner",
        container_type="playlist",
        container_image_url="https://img.invalid/c.jpg",
        service_name="Sonos",
        title="Song",
        artist="Band",
        album="Record",
        album_artist="Band",
        track_image_url="https://img.invalid/t.jpg",
        duration_ms=180000,
    )


@pytest.mark.parametrize(
    ("data", "kind", "image"),
    [
        ({}, ContentKind.NONE, None),
        (
            {"container": {"type": "linein", "name": "Line-In"}},
            ContentKind.LINE_IN,
            None,
        ),
        (
            {"container": {"type": "linein.homeTheater.hdmi", "name": "TV"}},
            ContentKind.TV,
            None,
        ),
        (
            {
                "container": {"type": "station", "name": "FM"},
                "currentItem": {"track": {"imageUrl": "https://img.invalid/s.jpg"}},
                "streamInfo": "Now: news",
            },
            ContentKind.STATION,
            "https://img.invalid/s.jpg",
        ),
        ({"container": {"type": "album"}}, ContentKind.TRACKS, None),
        ({"currentItem": "garbage", "container": []}, ContentKind.NONE, None),
    ],
)
def test_metadata_kinds(
    data: dict[str, Any], kind: ContentKind, image: str | None
) -> None:
    """The container type tells tracks, radio, line-in and TV apart."""
    metadata = Metadata.from_json(data)
    assert metadata.kind is kind
    assert metadata.track_image_url == image


def test_play_modes_and_actions() -> None:
    """Play modes and allowed actions default to off."""
    status = PlaybackStatus.from_json(
        {
            "playbackState": "PLAYBACK_STATE_PLAYING",
            "playModes": {"repeatOne": True},
            "availablePlaybackActions": {"canSeek": True, "canSkip": "yes"},
        }
    )
    assert status.play_modes == PlayModes(repeat_one=True)
    assert status.actions == PlaybackActions(can_seek=True)


def test_favorite_image_from_images() -> None:
    """Without imageUrl, the first of images is the artwork."""
    favorite = Favorite.from_json(
        {
            "id": "3",
            "name": "Radio",
            "images": [{"url": "https://img.invalid/r.jpg"}],
            "resource": {"type": "STREAM"},
        }
    )
    assert favorite.image_url == "https://img.invalid/r.jpg"
    assert favorite.resource_type == "STREAM"
    assert favorite.service_name is None


@pytest.mark.parametrize(
    ("parse", "data"),
    [
        (
            PlaybackStatus.from_json,
            {"playbackState": "PLAYBACK_STATE_PLAYING", "positionMillis": 10**400},
        ),
        (
            PlaybackStatus.from_json,
            {"playbackState": "PLAYBACK_STATE_PLAYING", "positionMillis": 2**31},
        ),
        (
            PlaybackStatus.from_json,
            {"playbackState": "PLAYBACK_STATE_PLAYING", "positionMillis": -(2**31) - 1},
        ),
        (
            Metadata.from_json,
            {"currentItem": {"track": {"name": "x", "durationMillis": 10**12}}},
        ),
        (Playlist.from_json, {"id": "1", "name": "x", "trackCount": 2**63}),
        (Volume.from_json, {"volume": 10**400}),
    ],
    ids=[
        "position-huge",
        "position-int32",
        "position-negative",
        "duration",
        "count",
        "volume",
    ],
)
def test_numbers_out_of_the_contracts_range(
    parse: Callable[[dict[str, Any]], object], data: dict[str, Any]
) -> None:
    """Integers outside their type (int32, volume 0-100) make the object invalid."""
    with pytest.raises(SonosInvalidResponseError, match="out of range"):
        parse(data)


def test_numbers_at_the_edges_of_their_range() -> None:
    """The largest int32 passes; a negative position or zero duration means none."""
    status = PlaybackStatus.from_json(
        {"playbackState": "PLAYBACK_STATE_PLAYING", "positionMillis": 2**31 - 1}
    )
    assert status.position_ms == 2**31 - 1
    status = PlaybackStatus.from_json(
        {"playbackState": "PLAYBACK_STATE_PLAYING", "positionMillis": -1}
    )
    assert status.position_ms is None
    track = {"currentItem": {"track": {"name": "x", "durationMillis": 0}}}
    assert Metadata.from_json(track).duration_ms is None
    playlist = Playlist.from_json({"id": "1", "name": "x", "trackCount": 2**31 - 1})
    assert playlist.track_count == 2**31 - 1


def test_groups_event_is_bounded() -> None:
    """An event body may hold at most 32 groups, players, and players per group."""
    players = [{"id": f"RINCON_{n}", "name": f"Room {n}"} for n in range(33)]
    one_group = [{"id": "RINCON_0:1", "name": "All", "coordinatorId": "RINCON_0"}]
    everyone = [{**one_group[0], "playerIds": [p["id"] for p in players]}]
    groups = [
        {"id": f"{p['id']}:1", "name": p["name"], "coordinatorId": p["id"]}
        for p in players
    ]
    for data in (
        {"groups": one_group, "players": players},
        {"groups": groups, "players": players[:1]},
        {"groups": everyone, "players": players[:1]},
    ):
        with pytest.raises(SonosInvalidResponseError, match="More than"):
            Groups.from_json(data, max_items=32)
        assert Groups.from_json(data)  # an answer to a request is not bounded
    assert len(Groups.from_json({"players": players[:32]}, max_items=32).players) == 32
