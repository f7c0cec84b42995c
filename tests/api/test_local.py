"""The local API's pure parts: which URLs may be contacted, framing, events."""

import json

import pytest

from custom_components.sonos_cloud.api.local import (
    SonosLocalAuthError,
    SonosLocalCommandError,
    command_error,
    command_message,
    local_websocket_url,
    parse_local_event,
    parse_message,
)


@pytest.mark.parametrize(
    "url",
    [
        "wss://192.168.1.20:1443/websocket/api",
        "wss://10.0.0.5:1443/websocket/api",
        "wss://172.31.255.1:1443/websocket/api",
        "wss://169.254.3.4:1443/websocket/api",
        "wss://127.0.0.1:40000/websocket/api",
        "wss://[fd00::1]:1443/websocket/api",
        "wss://[fe80::1]:1443/websocket/api",
        "wss://[::1]:1443/websocket/api",
        "wss://[::ffff:192.168.1.2]:1443/websocket/api",
    ],
)
def test_home_network_urls(url: str) -> None:
    assert local_websocket_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        None,
        42,
        "wss://8.8.8.8:1443/websocket/api",
        "wss://192.0.2.61:1443/websocket/api",  # documentation range
        "wss://198.18.0.1:1443/websocket/api",  # benchmarking range
        "wss://172.32.0.1:1443/websocket/api",
        "wss://[2001:db8::1]:1443/websocket/api",
        "wss://[::ffff:8.8.8.8]:1443/websocket/api",
        "wss://sonos.local:1443/websocket/api",  # a name could resolve anywhere
        "ws://192.168.1.20:1443/websocket/api",  # no TLS, no token
        "https://192.168.1.20:1443/websocket/api",
        "wss://user:pw@192.168.1.20:1443/websocket/api",
        "wss://192.168.1.20:99999/websocket/api",
        "wss://192.168.1.20:1443/" + "x" * 3000,
        "",
    ],
)
def test_other_urls_are_refused(url: object) -> None:
    assert local_websocket_url(url) is None


def test_command_message() -> None:
    text = command_message(
        "playerVolume", "subscribe", {"playerId": "P"}, "abc", token="T"
    )
    assert json.loads(text) == [
        {
            "namespace": "playerVolume:1",
            "command": "subscribe",
            "playerId": "P",
            "cmdId": "abc",
            "authorization": "Bearer T",
        },
        {},
    ]
    assert "authorization" not in command_message("groups", "subscribe", {}, "x")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{}",
        "[{}]",
        "[{}, []]",
        "[1, 2]",
        "[{}, {}, {}]",
        "NaN",
        "[" * 100_000,
        '[{}, {"a": NaN}]',
        " " * 300_000,
    ],
)
def test_parse_message_refuses_other_shapes(text: str) -> None:
    assert parse_message(text) is None


def test_parse_message() -> None:
    assert parse_message(b'[{"type": "x"}, {"a": 1}]') == ({"type": "x"}, {"a": 1})


def test_parse_local_event() -> None:
    event = parse_local_event(
        {
            "namespace": "playback:1",
            "type": "playbackStatus",
            "groupId": "G",
            "householdId": "H",
        },
        {"playbackState": "PLAYBACK_STATE_PLAYING"},
    )
    assert event is not None
    assert (event.namespace, event.target_type, event.target_value) == (
        "playback",
        "groupId",
        "G",
    )
    assert event.household_id == "H"
    assert event.seq_id == 0
    moved = parse_local_event(
        {"namespace": "groups:1", "type": "groupCoordinatorChanged", "groupId": "G"},
        {},
    )
    assert moved is not None
    assert moved.target_type == "groupId"
    assert moved.household_id is None


@pytest.mark.parametrize(
    "header",
    [
        {"namespace": "playback:1", "groupId": "G"},  # no type
        {"namespace": "unknown:1", "type": "x", "groupId": "G"},
        {"namespace": "playback:1", "type": "playbackStatus"},  # no target
        {"namespace": "playback:1", "type": "playbackStatus", "groupId": ""},
        {"namespace": 5, "type": "playbackStatus", "groupId": "G"},
    ],
)
def test_parse_local_event_without_target(header: dict[str, object]) -> None:
    assert parse_local_event(header, {}) is None


def test_command_error() -> None:
    auth = command_error(
        {"response": "subscribe"}, {"errorCode": "ERROR_NOT_AUTHORIZED"}
    )
    assert isinstance(auth, SonosLocalAuthError)
    other = command_error({}, {"errorCode": 3, "reason": "why"})
    assert isinstance(other, SonosLocalCommandError)
    assert not isinstance(other, SonosLocalAuthError)
    assert other.error_code is None
    assert other.reason == "why"
