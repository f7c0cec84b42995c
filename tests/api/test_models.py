"""Parsing of Control API objects: tolerant of extras, strict on wrong types."""

from typing import Any

import pytest

from custom_components.sonos_cloud.api import (
    Groups,
    Household,
    PlaybackState,
    PlaybackStatus,
    Player,
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
