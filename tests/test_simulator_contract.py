"""The simulator answers what Sonos' contract allows and refuses what it does not.

Each test sends requests over real HTTP on 127.0.0.1; the ``api`` fixture also
checks every exchange against the contract (see ``tests/contract``).
"""

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer
import pytest

from tests.conftest import fail_on_violations, watch_contract
from tests.simulator import SonosCloudSimulator
from tests.test_simulator import CLIENT_ID, CLIENT_SECRET, KITCHEN, LIVING_ROOM, Api

pytestmark = pytest.mark.usefixtures("socket_enabled")

INT32_MAX = 2**31 - 1
SATELLITE = "RINCON_38420B1A2C3E01400"  # a surround of the living room's Arc


@pytest.fixture
async def api(request: pytest.FixtureRequest) -> AsyncIterator[Api]:
    """Serve a demo simulator whose exchanges are checked against the contract."""
    sim = SonosCloudSimulator(CLIENT_ID, CLIENT_SECRET)
    checker = watch_contract(sim, strict_requests=False)
    sim.add_demo_household()
    server = TestServer(sim.app, host="127.0.0.1")
    await server.start_server()
    async with aiohttp.ClientSession() as session:
        root = str(server.make_url("")).rstrip("/")
        yield Api(sim, session, root, sim.issue_tokens()["access_token"])
    await server.close()
    fail_on_violations(checker, request.node)


async def test_service_ids_fit_the_contract(api: Api) -> None:
    """Every ``service.id`` the simulator reports is at most 10 characters."""
    metadata = (await api.get(f"{api.group(KITCHEN)}/playbackMetadata")).body
    services = [
        metadata["container"]["service"],
        metadata["currentItem"]["track"]["service"],
    ]
    assert all(len(service["id"]) <= 10 for service in services), services


async def test_cancel_clip_on_bonded_satellite(api: Api) -> None:
    """A clip started on a satellite speaker can be cancelled there."""
    path = f"/players/{SATELLITE}/audioClip"
    clip = (await api.post(path, {"name": "Chime", "appId": "com.example"})).body
    assert clip["status"] == "ACTIVE"

    reply = await api.call("DELETE", f"{path}/{clip['id']}")

    assert (reply.status, reply.body) == (200, {})
    assert api.sim.model.clips[SATELLITE][-1].status == "DISMISSED"


@pytest.mark.parametrize(
    ("command", "body"),
    [
        ("seek", {"positionMillis": 25 * 3600 * 1000}),
        ("seek", {"positionMillis": INT32_MAX}),
        ("seekRelative", {"deltaMillis": INT32_MAX}),
        ("seekRelative", {"deltaMillis": -(2**31)}),
    ],
)
async def test_seek_takes_every_int32(
    api: Api, command: str, body: dict[str, Any]
) -> None:
    """The contract types seek positions as int32: beyond a day is still valid."""
    reply = await api.post(f"{api.group(KITCHEN)}/playback/{command}", body)
    assert (reply.status, reply.body) == (200, {})


@pytest.mark.parametrize(
    ("command", "body"),
    [
        ("seek", {"positionMillis": INT32_MAX + 1}),
        ("seekRelative", {"deltaMillis": -(2**31) - 1}),
    ],
)
async def test_seek_beyond_int32_is_refused(
    api: Api, command: str, body: dict[str, Any]
) -> None:
    """Numbers outside int32 answer 400 ERROR_INVALID_PARAMETER."""
    reply = await api.post(f"{api.group(KITCHEN)}/playback/{command}", body)
    assert (reply.status, reply.body["errorCode"]) == (400, "ERROR_INVALID_PARAMETER")


async def test_voice_assistant_clip_type(api: Api) -> None:
    """``VOICE_ASSISTANT`` is one of the contract's clip types."""
    body = {"name": "Assistant", "appId": "com.example", "clipType": "VOICE_ASSISTANT"}
    reply = await api.post(f"/players/{LIVING_ROOM}/audioClip", body)
    assert reply.status == 200
    assert reply.body["clipType"] == "VOICE_ASSISTANT"


async def test_player_volume_with_empty_body(api: Api) -> None:
    """The contract requires neither ``volume`` nor ``muted``: {} changes nothing."""
    reply = await api.post(f"/players/{KITCHEN}/playerVolume", {})
    assert (reply.status, reply.body) == (200, {})
    player = api.sim.model.players[KITCHEN]
    assert (player.volume, player.muted) == (18, False)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (
            f"/players/{LIVING_ROOM}/audioClip",
            {"name": "Chime", "appId": "a" * 128},
        ),
        (
            f"/players/{LIVING_ROOM}/audioClip",
            {"name": "Chime", "appId": "a", "httpAuthorization": "b" * 513},
        ),
        ("{group}/playbackSession", {"appId": "a" * 128, "appContext": "b"}),
        ("{group}/playbackSession", {"appId": "a", "appContext": "b" * 128}),
        (
            "{group}/playbackSession",
            {"appId": "a", "appContext": "b", "accountId": "c" * 14},
        ),
        ("{group}/favorites", {"favoriteId": "1" * 37}),
        ("{group}/playlists", {"playlistId": "1" * 37}),
        ("{group}/playback/seek", {"positionMillis": 1, "itemId": "1" * 129}),
    ],
)
async def test_values_over_the_contract_limits_are_refused(
    api: Api, path: str, body: dict[str, Any]
) -> None:
    """Strings longer than the contract allows answer 400 with a globalError."""
    reply = await api.post(path.format(group=api.group(KITCHEN)), body)
    assert reply.status == 400
    assert reply.body["_objectType"] == "globalError"
    assert reply.body["errorCode"] == "ERROR_INVALID_PARAMETER"
    assert len(reply.body["reason"]) <= 256
    assert api.sim.model.clips == {}


async def test_station_name_over_100_characters_is_refused(api: Api) -> None:
    """``stationMetadata.name`` is a container name: at most 100 characters."""
    session = await api.post(
        f"{api.group(KITCHEN)}/playbackSession", {"appId": "a", "appContext": "b"}
    )
    path = f"/sessions/{session.body['sessionId']}/playbackSession/loadStreamUrl"
    body = {
        "streamUrl": "https://radio.invalid/live.mp3",
        "stationMetadata": {"name": "n" * 101},
    }

    reply = await api.post(path, body)

    assert (reply.status, reply.body["errorCode"]) == (400, "ERROR_INVALID_PARAMETER")
    body["stationMetadata"] = {"name": "n" * 100}
    assert (await api.post(path, body)).status == 200
