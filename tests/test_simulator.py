"""Tests of the Sonos cloud simulator itself, over real HTTP on 127.0.0.1."""

import asyncio
import base64
from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
from dataclasses import dataclass, field
import hashlib
import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
import pytest

from tests.conftest import fail_on_violations, watch_contract
from tests.contract.checker import ContractChecker
from tests.simulator import Fault, SonosCloudSimulator, signature
from tests.simulator.__main__ import main, serve_local_sockets

pytestmark = pytest.mark.usefixtures("socket_enabled")

CLIENT_ID = "test-client-id"
CLIENT_SECRET = "test-client-secret"
HOUSEHOLD_ID = "Sonos_DemoHousehold0000000000000.Demo00000000000000001"
LIVING_ROOM = "RINCON_38420B1A2C3D01400"
KITCHEN = "RINCON_48A6B8F0E1D201400"
BEDROOM = "RINCON_7828CA0F9A8801400"
REDIRECT_URI = "https://example.invalid/auth/external/callback"
TOKEN_PATH = "/login/v3/oauth/access"
ALNUM = re.compile(r"[A-Za-z0-9]+")


@dataclass
class Reply:
    """Status, decoded body (JSON if possible, else text) and headers."""

    status: int
    body: Any
    headers: Any


@dataclass
class Api:
    """A served simulator plus a client session and a valid access token."""

    sim: SonosCloudSimulator
    session: aiohttp.ClientSession
    root: str
    token: str

    async def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        anonymous: bool = False,
        control: bool = True,
        **kwargs: Any,
    ) -> Reply:
        headers = kwargs.pop("headers", {})
        if not anonymous:
            headers["Authorization"] = f"Bearer {token or self.token}"
        url = self.root + ("/control/api/v1" if control else "") + path
        async with self.session.request(method, url, headers=headers, **kwargs) as resp:
            text = await resp.text()
        try:
            body = json.loads(text)
        except ValueError:
            body = text
        return Reply(resp.status, body, resp.headers)

    async def get(self, path: str, **kwargs: Any) -> Reply:
        return await self.call("GET", path, **kwargs)

    async def post(self, path: str, body: Any = None, **kwargs: Any) -> Reply:
        return await self.call("POST", path, json=body or {}, **kwargs)

    async def token_request(
        self,
        data: dict[str, str],
        basic: tuple[str, str] | None = (CLIENT_ID, CLIENT_SECRET),
        **kwargs: Any,
    ) -> Reply:
        if basic:
            pair = base64.b64encode(":".join(basic).encode()).decode()
            kwargs["headers"] = {"Authorization": f"Basic {pair}"}
        return await self.call(
            "POST", TOKEN_PATH, anonymous=True, control=False, data=data, **kwargs
        )

    async def authorize(self, **params: str) -> Reply:
        query = {
            "client_id": CLIENT_ID,
            "response_type": "code",
            "state": "xyz",
            "scope": "playback-control-all",
            "redirect_uri": REDIRECT_URI,
        }
        query |= params
        return await self.call(
            "GET",
            "/login/v3/oauth",
            anonymous=True,
            control=False,
            params={k: v for k, v in query.items() if v},
            allow_redirects=False,
        )

    def group(self, player_id: str) -> str:
        return f"/groups/{self.sim.group_id_of(player_id)}"


type Serve = Callable[..., Awaitable[Api]]


@pytest.fixture
async def serve(request: pytest.FixtureRequest) -> AsyncIterator[Serve]:
    """Start simulators with given options and the demo household.

    Their responses and events are checked against Sonos' contract; requests
    only when the simulator accepted them (tests send bad ones on purpose).
    """
    checkers: list[ContractChecker] = []
    async with contextlib.AsyncExitStack() as stack:

        async def start(**options: Any) -> Api:
            sim = SonosCloudSimulator(CLIENT_ID, CLIENT_SECRET, **options)
            checkers.append(watch_contract(sim, strict_requests=False))
            sim.add_demo_household()
            server = TestServer(sim.app, host="127.0.0.1")
            await server.start_server()
            stack.push_async_callback(server.close)
            session = await stack.enter_async_context(aiohttp.ClientSession())
            root = str(server.make_url("")).rstrip("/")
            return Api(sim, session, root, sim.issue_tokens()["access_token"])

        yield start
    for checker in checkers:
        fail_on_violations(checker, request.node)


@pytest.fixture
async def api(serve: Serve) -> Api:
    return await serve()


# -- OAuth ------------------------------------------------------------------


@pytest.mark.parametrize("redirect_uri", [REDIRECT_URI, f"{REDIRECT_URI}?flow=1"])
async def test_authorization_code_flow(api: Api, redirect_uri: str) -> None:
    """Authorize redirects with state + code; the code buys one token pair."""
    reply = await api.authorize(redirect_uri=redirect_uri)
    assert reply.status == 302
    location = reply.headers["Location"]
    assert location.startswith(redirect_uri + ("&" if "?" in redirect_uri else "?"))
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["xyz"]
    code = query["code"][0]
    assert ALNUM.fullmatch(code)
    assert 8 <= len(code) <= 16

    grant = {"grant_type": "authorization_code", "code": code}
    reply = await api.token_request({**grant, "redirect_uri": redirect_uri})
    assert reply.status == 200
    tokens = reply.body
    assert set(tokens) == {
        *("access_token", "refresh_token", "token_type", "expires_in", "scope"),
    }
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 86400
    assert tokens["scope"] == "playback-control-all"
    for key in ("access_token", "refresh_token"):
        assert ALNUM.fullmatch(tokens[key])
        assert 28 <= len(tokens[key]) <= 32

    reply = await api.get("/households", token=tokens["access_token"])
    assert reply.status == 200

    reply = await api.token_request({**grant, "redirect_uri": redirect_uri})
    assert (reply.status, reply.body) == (400, {"error": "invalid_grant"})

    token_requests = [r for r in api.sim.requests if r.path == TOKEN_PATH]
    assert [r.status for r in token_requests] == [200, 400]
    assert token_requests[0].headers["Authorization"].startswith("Basic ")
    assert token_requests[0].form["grant_type"] == "authorization_code"
    assert token_requests[0].api == "oauth"


@pytest.mark.parametrize(
    "params",
    [
        {"client_id": "someone-else"},
        {"response_type": "token"},
        {"scope": "hh-config"},
        {"redirect_uri": ""},
    ],
)
async def test_authorize_rejects_malformed_requests(
    api: Api, params: dict[str, str]
) -> None:
    """A bad authorize request shows the JSON error page, no redirect."""
    reply = await api.authorize(**params)
    assert (reply.status, reply.body) == (400, {"error": "invalid_request"})


async def test_consent_page(serve: Serve) -> None:
    """Without auto-approve the user sees the consent page and decides."""
    api = await serve(auto_approve=False)
    reply = await api.authorize()
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("text/html")
    assert "Allow Home Assistant to control your Sonos system" in reply.body
    assert 'name="state" value="xyz"' in reply.body

    reply = await api.authorize(approve="1")
    assert reply.status == 302
    assert "code" in parse_qs(urlsplit(reply.headers["Location"]).query)

    reply = await api.authorize(deny="1")
    query = parse_qs(urlsplit(reply.headers["Location"]).query)
    assert query == {"state": ["xyz"], "error": ["access_denied"]}


async def test_token_endpoint_errors(api: Api) -> None:
    """Client auth is Basic only; codes are bound to the redirect URI."""
    location = (await api.authorize()).headers["Location"]
    code = parse_qs(urlsplit(location).query)["code"][0]
    grant = {"grant_type": "authorization_code", "code": code}

    reply = await api.token_request(
        {**grant, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}, basic=None
    )
    assert (reply.status, reply.body) == (401, {"error": "invalid_client"})

    reply = await api.token_request(grant, basic=(CLIENT_ID, "wrong-secret"))
    assert reply.status == 401
    assert reply.body == {
        "error": "invalid_client",
        "error_description": "Authentication required",
    }

    reply = await api.token_request({"code": code, "redirect_uri": REDIRECT_URI})
    assert (reply.status, reply.body) == (400, {"error": "invalid_request"})

    reply = await api.token_request({**grant, "redirect_uri": f"{REDIRECT_URI}/"})
    assert (reply.status, reply.body) == (400, {"error": "invalid_grant"})


async def test_token_parameters_in_query_string(api: Api) -> None:
    """Some clients send the grant in the query string; the query wins."""
    location = (await api.authorize()).headers["Location"]
    code = parse_qs(urlsplit(location).query)["code"][0]
    params = {"grant_type": "authorization_code", "code": code}
    reply = await api.token_request(
        {"grant_type": "refresh_token"},
        params={**params, "redirect_uri": REDIRECT_URI},
    )
    assert reply.status == 200
    assert reply.body["access_token"]


async def test_refresh_returns_same_refresh_token(api: Api) -> None:
    """By default refreshing keeps the refresh token and mints a new access token."""
    tokens = api.sim.issue_tokens()
    grant = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    reply = await api.token_request(grant)
    assert reply.status == 200
    assert reply.body["refresh_token"] == tokens["refresh_token"]
    assert reply.body["access_token"] != tokens["access_token"]
    assert (await api.token_request(grant)).status == 200

    api.sim.revoke_refresh_tokens()
    reply = await api.token_request(grant)
    assert (reply.status, reply.body) == (400, {"error": "invalid_grant"})


async def test_refresh_rotation(serve: Serve) -> None:
    """With rotation the old refresh token dies as soon as it is used."""
    api = await serve(rotate_refresh_tokens=True, access_token_ttl=3600)
    old = api.sim.issue_tokens()["refresh_token"]
    reply = await api.token_request(
        {"grant_type": "refresh_token", "refresh_token": old}
    )
    assert reply.status == 200
    assert reply.body["expires_in"] == 3600
    new = reply.body["refresh_token"]
    assert new != old

    reply = await api.token_request(
        {"grant_type": "refresh_token", "refresh_token": old}
    )
    assert (reply.status, reply.body) == (400, {"error": "invalid_grant"})
    reply = await api.token_request(
        {"grant_type": "refresh_token", "refresh_token": new}
    )
    assert reply.status == 200


# -- authentication on the Control API --------------------------------------

INVALID = {
    "fault": {
        "faultstring": "Invalid Access Token",
        "detail": {"errorcode": "keymanagement.service.invalid_access_token"},
    }
}
EXPIRED = {
    "fault": {
        "faultstring": "Access Token expired",
        "detail": {"errorcode": "keymanagement.service.access_token_expired"},
    }
}


async def test_unauthorized_bodies(api: Api) -> None:
    """Missing, unknown and expired tokens get the Apigee fault bodies."""
    assert (await api.get("/households", anonymous=True)).body == INVALID
    reply = await api.get("/households", token="NotAToken")
    assert (reply.status, reply.body) == (401, INVALID)

    api.sim.expire_access_tokens()
    reply = await api.get("/households")
    assert (reply.status, reply.body) == (401, EXPIRED)
    assert [r.status for r in api.sim.control_requests()] == [401, 401, 401]

    fresh = api.sim.issue_tokens()["access_token"]
    assert (await api.get("/households", token=fresh)).status == 200


async def test_access_token_ttl_and_newer_body(serve: Serve) -> None:
    """Tokens expire after the TTL; the newer gateway body is selectable."""
    api = await serve(access_token_ttl=0, unauthorized_body="access_denied")
    reply = await api.get("/households")
    assert reply.status == 401
    assert reply.body == {
        "error": "access_denied",
        "error_description": "Invalid Token",
    }


# -- discovery --------------------------------------------------------------


async def test_households_and_groups(api: Api) -> None:
    """Discovery bodies carry the documented fields plus tolerated extras."""
    reply = await api.get("/households")
    assert reply.headers["X-Sonos-Type"] == "households"
    assert reply.headers["Content-Type"].startswith("application/json")
    [household] = reply.body["households"]
    assert household["id"] == HOUSEHOLD_ID
    assert household["name"] is None
    assert household["ownerLuid"]

    reply = await api.get(
        f"/households/{HOUSEHOLD_ID}/groups", params={"includeDeviceInfo": "true"}
    )
    assert reply.status == 200
    assert reply.headers["X-Sonos-Type"] == "groups"
    body = reply.body
    assert body["_objectType"] == "groups"
    assert body["partial"] is False
    states = {g["coordinatorId"]: g["playbackState"] for g in body["groups"]}
    assert states == {
        LIVING_ROOM: "PLAYBACK_STATE_PLAYING",
        KITCHEN: "PLAYBACK_STATE_PAUSED",
        BEDROOM: "PLAYBACK_STATE_IDLE",
    }
    for group in body["groups"]:
        assert group["id"].startswith(f"{group['coordinatorId']}:")
        assert group["playerIds"] == [group["coordinatorId"]]
        assert group["areaIds"] == []
    players = {p["id"]: p for p in body["players"]}
    living = players[LIVING_ROOM]
    assert living["name"] == "Living Room"
    assert "HT_PLAYBACK" in living["capabilities"]
    assert len(living["deviceIds"]) == 3
    assert [d["modelDisplayName"] for d in living["devices"]] == ["Sonos Arc"] * 3
    assert {d["primaryDeviceId"] for d in living["devices"]} == {LIVING_ROOM}
    assert "AUDIO_CLIP" not in players[BEDROOM]["capabilities"]
    assert players[BEDROOM]["devices"][0]["modelDisplayName"] == "Sonos Five"

    reply = await api.get(f"/households/{HOUSEHOLD_ID}/groups")
    assert all("devices" not in p for p in reply.body["players"])


async def test_unknown_households(api: Api) -> None:
    """Well-formed foreign household ids are forbidden, garbage is not found."""
    reply = await api.get("/households/Sonos_Someone0Else.Household01/groups")
    assert (reply.status, reply.body["errorCode"]) == (403, "ERROR_NO_PERMISSION")
    reply = await api.get("/households/nope/groups")
    assert (reply.status, reply.body["errorCode"]) == (404, "ERROR_RESOURCE_NOT_FOUND")
    reply = await api.get("/households/nope/nothing")
    assert reply.body == {"errorCode": "ERROR_RESOURCE_NOT_FOUND"}


# -- playback ---------------------------------------------------------------


async def test_play_pause_and_skip(api: Api) -> None:
    """Transport commands change the model and the GET views."""
    living = api.group(LIVING_ROOM)
    group = api.sim.model.groups[api.sim.group_id_of(LIVING_ROOM)]

    reply = await api.post(f"{living}/playback/pause")
    assert (reply.status, reply.body, reply.headers["X-Sonos-Type"]) == (
        200,
        {},
        "none",
    )
    assert group.playback_state == "PLAYBACK_STATE_PAUSED"
    await api.post(f"{living}/playback/togglePlayPause")
    assert group.playback_state == "PLAYBACK_STATE_PLAYING"
    await api.post(f"{living}/playback/togglePlayPause")
    assert group.playback_state == "PLAYBACK_STATE_PAUSED"
    await api.post(f"{living}/playback/play")
    assert group.playback_state == "PLAYBACK_STATE_PLAYING"

    status = (await api.get(f"{living}/playback")).body
    assert status["_objectType"] == "playbackStatus"
    assert status["playbackState"] == "PLAYBACK_STATE_PLAYING"
    assert status["itemId"] == "1"
    assert all(
        value
        for key, value in status["availablePlaybackActions"].items()
        if key[0] != "_"
    )
    assert status["playModes"]["shuffle"] is False

    metadata = (await api.get(f"{living}/playbackMetadata")).body
    assert metadata["currentItem"]["track"]["name"] == "Copper Lanterns"
    assert metadata["currentItem"]["track"]["imageUrl"].startswith("https://")

    await api.post(f"{living}/playback/skipToNextTrack")
    metadata = (await api.get(f"{living}/playbackMetadata")).body
    assert metadata["currentItem"]["id"] == "2"
    assert metadata["currentItem"]["track"]["name"] == "Static Bloom"
    status = (await api.get(f"{living}/playback")).body
    assert (status["itemId"], status["previousItemId"]) == ("2", "1")
    assert status["positionMillis"] < 1000

    await api.post(f"{living}/playback/skipToPreviousTrack")
    await api.post(f"{living}/playback/skipToPreviousTrack")
    assert (await api.get(f"{living}/playback")).body["itemId"] == "4"


async def test_position_moves_only_while_playing(api: Api) -> None:
    """The position clock runs with wall time and rolls over finished tracks."""
    living, kitchen = api.group(LIVING_ROOM), api.group(KITCHEN)
    first = (await api.get(f"{living}/playback")).body["positionMillis"]
    paused = (await api.get(f"{kitchen}/playback")).body["positionMillis"]
    await asyncio.sleep(0.05)
    assert (await api.get(f"{living}/playback")).body["positionMillis"] >= first + 50
    assert (await api.get(f"{kitchen}/playback")).body["positionMillis"] == paused

    group = api.sim.model.groups[api.sim.group_id_of(LIVING_ROOM)]
    group.position_millis += group.tracks[0].duration_millis
    status = (await api.get(f"{living}/playback")).body
    assert status["itemId"] == "2"
    assert status["positionMillis"] < group.tracks[1].duration_millis


async def test_playback_without_content(api: Api) -> None:
    """An empty group answers 499 playback errors and empty metadata."""
    bedroom = api.group(BEDROOM)
    for command, code in (
        ("play", "ERROR_PLAYBACK_NO_CONTENT"),
        ("pause", "ERROR_PLAYBACK_NO_CONTENT"),
        ("togglePlayPause", "ERROR_PLAYBACK_NO_CONTENT"),
        ("skipToNextTrack", "ERROR_PLAYBACK_FAILED"),
    ):
        reply = await api.post(f"{bedroom}/playback/{command}")
        assert reply.status == 499
        assert reply.body == {"_objectType": "playbackError", "errorCode": code}
        assert reply.headers["X-Sonos-Type"] == "playbackError"
    assert api.sim.model.groups[api.sim.group_id_of(BEDROOM)].playback_state == (
        "PLAYBACK_STATE_IDLE"
    )
    reply = await api.get(f"{bedroom}/playbackMetadata")
    assert reply.body == {"_objectType": "metadataStatus"}


# -- volume -----------------------------------------------------------------


async def test_group_volume(api: Api) -> None:
    """Group volume is the members' average; setting it scales every member."""
    group_id = api.sim.external_regroup([LIVING_ROOM, KITCHEN])
    path = f"/groups/{group_id}/groupVolume"
    reply = await api.get(path)
    assert reply.body == {
        "_objectType": "groupVolume",
        "volume": 22,
        "muted": False,
        "fixed": False,
    }

    assert (await api.post(f"{path}/mute", {"muted": True})).status == 200
    players = api.sim.model.players
    assert players[LIVING_ROOM].muted
    assert players[KITCHEN].muted
    assert (await api.get(path)).body["muted"] is True

    assert (await api.post(path, {"volume": 44})).status == 200
    assert api.sim.model.group_volume(group_id) == (44, False)
    assert players[LIVING_ROOM].volume > players[KITCHEN].volume

    await api.post(f"{path}/relative", {"volumeDelta": -10})
    assert api.sim.model.group_volume(group_id) == (34, False)
    await api.post(f"{path}/relative", {"volumeDelta": 100})
    assert api.sim.model.group_volume(group_id) == (100, False)
    await api.post(path, {"volume": 0})
    assert (players[LIVING_ROOM].volume, players[KITCHEN].volume) == (0, 0)
    await api.post(path, {"volume": 30})
    assert api.sim.model.group_volume(group_id) == (30, False)

    for body, code in (
        ({"volume": 101}, "ERROR_INVALID_PARAMETER"),
        ({"volume": "20"}, "ERROR_INVALID_PARAMETER"),
        ({}, "ERROR_MISSING_PARAMETERS"),
    ):
        reply = await api.post(path, body)
        assert (reply.status, reply.body["errorCode"]) == (400, code)
        assert reply.body["_objectType"] == "globalError"
    assert api.sim.model.group_volume(group_id) == (30, False)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"volume": "20"}, "ERROR_INVALID_PARAMETER"),
        ({"volume": True}, "ERROR_INVALID_PARAMETER"),
        ({"volume": 20.0}, "ERROR_INVALID_PARAMETER"),
        ({"volume": -1}, "ERROR_INVALID_PARAMETER"),
        ({"volume": 101}, "ERROR_INVALID_PARAMETER"),
        ({"muted": "true"}, "ERROR_INVALID_PARAMETER"),
        ({"muted": 1}, "ERROR_INVALID_PARAMETER"),
        ([20], "ERROR_INVALID_SYNTAX"),
        ("{not json", "ERROR_INVALID_SYNTAX"),
    ],
)
async def test_player_volume_validation(api: Api, body: Any, code: str) -> None:
    """Only real JSON ints and booleans in range are accepted."""
    path = f"/players/{KITCHEN}/playerVolume"
    if isinstance(body, str):
        reply = await api.call("POST", path, data=body)
    else:
        reply = await api.call("POST", path, json=body)
    assert reply.status == 400
    assert reply.body["errorCode"] == code
    assert api.sim.model.players[KITCHEN].volume == 18
    assert api.sim.model.players[KITCHEN].muted is False


async def test_player_volume_commands(api: Api) -> None:
    """Set, relative and mute act on one player and show in the group volume."""
    path = f"/players/{KITCHEN}/playerVolume"
    player = api.sim.model.players[KITCHEN]
    assert (await api.get(path)).body == {
        "_objectType": "playerVolume",
        "volume": 18,
        "muted": False,
        "fixed": False,
    }
    await api.post(path, {"volume": 42, "muted": True})
    assert (player.volume, player.muted) == (42, True)
    await api.post(f"{path}/relative", {"volumeDelta": 5})
    assert (player.volume, player.muted) == (47, False)
    await api.post(f"{path}/relative", {"volumeDelta": 90, "muted": True})
    assert (player.volume, player.muted) == (100, True)
    await api.post(f"{path}/mute", {"muted": False})
    assert player.muted is False
    reply = await api.get(f"{api.group(KITCHEN)}/groupVolume")
    assert (reply.body["volume"], reply.body["muted"]) == (100, False)


async def test_fixed_volume_player(api: Api) -> None:
    """A fixed-volume player refuses volume changes with 499."""
    player_id = api.sim.add_player(HOUSEHOLD_ID, "Amp", fixed_volume=True)
    path = f"/players/{player_id}/playerVolume"
    assert (await api.get(path)).body["fixed"] is True
    for endpoint, body in (
        (path, {"volume": 10}),
        (f"{path}/relative", {"volumeDelta": 1}),
    ):
        reply = await api.post(endpoint, body)
        assert reply.status == 499
        assert reply.body["errorCode"] == "ERROR_COMMAND_FAILED"
    reply = await api.post(f"{api.group(player_id)}/groupVolume", {"volume": 10})
    assert reply.status == 499
    assert (await api.get(f"{api.group(player_id)}/groupVolume")).body["fixed"] is True
    assert api.sim.model.players[player_id].volume == 20


# -- regrouping and stale ids -----------------------------------------------


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (410, {"errorCode": "ERROR_RESOURCE_GONE"}),
        (
            404,
            {
                "_objectType": "groupCoordinatorChanged",
                "errorCode": "ERROR_GROUP_CHANGED",
                "groupStatus": "GROUP_STATUS_GONE",
            },
        ),
    ],
)
async def test_stale_group_ids(serve: Serve, status: int, body: Any) -> None:
    """A regroup mints new ids; the old ones answer 410 (or 404 if configured)."""
    api = await serve(stale_group_status=status)
    old = api.sim.group_id_of(KITCHEN)
    bedroom = api.sim.group_id_of(BEDROOM)
    new = api.sim.external_regroup([KITCHEN])
    assert new != old
    assert new.startswith(f"{KITCHEN}:")

    reply = await api.post(f"/groups/{old}/playback/play")
    assert (reply.status, reply.body) == (status, body)
    assert (await api.get(f"/groups/{old}/groupVolume")).status == status
    assert api.sim.model.groups[new].playback_state == "PLAYBACK_STATE_PAUSED"
    assert (await api.post(f"/groups/{new}/playback/play")).status == 200
    assert api.sim.model.groups[new].playback_state == "PLAYBACK_STATE_PLAYING"
    assert (await api.get(f"/groups/{bedroom}/playback")).status == 200


async def test_regroup_and_remove_player(api: Api) -> None:
    """Players left behind get new groups; removed players are gone (410)."""
    living_before = api.sim.group_id_of(LIVING_ROOM)
    group_id = api.sim.external_regroup([KITCHEN, LIVING_ROOM])
    group = api.sim.model.groups[group_id]
    assert (group.coordinator_id, group.player_ids) == (KITCHEN, [KITCHEN, LIVING_ROOM])
    assert living_before not in api.sim.model.groups

    body = (await api.get(f"/households/{HOUSEHOLD_ID}/groups")).body
    names = sorted(g["name"] for g in body["groups"])
    assert names == ["Bedroom", "Kitchen + 1"]

    api.sim.external_regroup([KITCHEN])
    living = api.sim.group_id_of(LIVING_ROOM)
    assert living not in (living_before, group_id)
    assert api.sim.model.groups[living].player_ids == [LIVING_ROOM]

    api.sim.remove_player(KITCHEN)
    body = (await api.get(f"/households/{HOUSEHOLD_ID}/groups")).body
    assert KITCHEN not in {p["id"] for p in body["players"]}
    assert len(body["groups"]) == 2
    reply = await api.get(f"/players/{KITCHEN}/playerVolume")
    assert (reply.status, reply.body) == (410, {"errorCode": "ERROR_RESOURCE_GONE"})


async def test_unknown_path(api: Api) -> None:
    """Paths the API doesn't have answer 404 ERROR_RESOURCE_NOT_FOUND."""
    for method, path in (
        ("GET", f"/groups/{api.sim.group_id_of(KITCHEN)}"),
        ("GET", f"{api.group(KITCHEN)}/playback/play"),
        ("POST", "/households"),
    ):
        reply = await api.call(method, path)
        assert (reply.status, reply.body) == (
            404,
            {"errorCode": "ERROR_RESOURCE_NOT_FOUND"},
        )
    reply = await api.get("/nowhere", control=False)
    assert reply.status == 404
    assert api.sim.requests[-1].api == "other"


async def test_changes_are_recorded(api: Api) -> None:
    """Every state change passes through one hook, for later event delivery."""
    seen: list[tuple[str, str, str]] = []
    api.sim.model.listeners.append(lambda *change: seen.append(change))
    api.sim.model.changes.clear()
    kitchen = api.sim.group_id_of(KITCHEN)

    await api.post(f"/groups/{kitchen}/playback/play")
    api.sim.set_player_volume(BEDROOM, 5, muted=True)
    assert api.sim.model.players[BEDROOM].muted is True
    assert (
        api.sim.model.changes
        == seen
        == [
            ("playback", "groupId", kitchen),
            ("playerVolume", "playerId", BEDROOM),
            ("groupVolume", "groupId", api.sim.group_id_of(BEDROOM)),
        ]
    )


# -- fault injection ----------------------------------------------------------


async def test_fault_status_body_and_times(api: Api) -> None:
    """A fault answers instead of the handler, a limited number of times."""
    kitchen = api.group(KITCHEN)
    api.sim.inject(
        Fault(method="POST", path=r"/groups/.*/playback/play", status=499, times=2)
    )
    api.sim.inject(Fault(method="GET", path="/households", status=500))

    for _ in range(2):
        reply = await api.post(f"{kitchen}/playback/play")
        assert reply.status == 499
        assert reply.body == {
            "_objectType": "playbackError",
            "errorCode": "ERROR_PLAYBACK_FAILED",
        }
    group = api.sim.model.groups[api.sim.group_id_of(KITCHEN)]
    assert group.playback_state == "PLAYBACK_STATE_PAUSED"
    assert (await api.post(f"{kitchen}/playback/play")).status == 200
    assert group.playback_state == "PLAYBACK_STATE_PLAYING"

    reply = await api.get("/households", anonymous=True)
    assert reply.status == 500
    assert reply.body == {"_objectType": "globalError", "errorCode": "ERROR_INTERNAL"}
    assert (await api.get("/households")).status == 200
    assert [r.status for r in api.sim.control_requests()] == [499, 499, 200, 500, 200]


async def test_fault_raw_bodies_and_forever(api: Api) -> None:
    """Raw bodies test garbage handling; times=0 hits until cleared."""
    api.sim.inject(
        Fault(method="GET", path="/households", status=200, raw_body="not json")
    )
    reply = await api.get("/households")
    assert (reply.status, reply.body) == (200, "not json")
    assert reply.headers["Content-Type"].startswith("application/json")

    api.sim.inject(
        Fault(method="*", path=r"/.*", status=200, raw_body="<html>", times=0)
    )
    for path in ("/households", f"/players/{KITCHEN}/playerVolume"):
        reply = await api.get(path)
        assert reply.body == "<html>"
        assert reply.headers["Content-Type"].startswith("text/html")
    api.sim.clear_faults()
    assert (await api.get("/households")).body["households"]


async def test_fault_defaults_for_429_410_and_oauth(api: Api) -> None:
    """Default fault bodies and headers look like the real ones."""
    api.sim.inject(Fault(method="GET", path="/households", status=429))
    reply = await api.get("/households")
    assert (reply.status, reply.body) == (429, {"errorCode": "TOO_MANY_REQUESTS"})
    assert reply.headers["Retry-After"] == "1"

    api.sim.inject(
        Fault(method="*", path=r"/players/.*", status=410, headers={"X-Test": "1"})
    )
    reply = await api.get(f"/players/{KITCHEN}/playerVolume")
    assert (reply.status, reply.body) == (410, {"errorCode": "ERROR_RESOURCE_GONE"})
    assert reply.headers["X-Test"] == "1"

    api.sim.inject(Fault(method="POST", path=TOKEN_PATH, status=503))
    tokens = api.sim.issue_tokens()
    grant = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    reply = await api.token_request(grant)
    assert (reply.status, reply.body) == (503, {"error": "server_error"})
    assert (await api.token_request(grant)).status == 200


async def test_fault_delay(api: Api) -> None:
    """A delayed fault lets clients exercise their timeouts."""
    api.sim.inject(
        Fault(method="GET", path="/households", status=200, body={}, delay=0.5)
    )
    with pytest.raises(TimeoutError):
        await api.get("/households", timeout=aiohttp.ClientTimeout(total=0.1))
    assert api.sim.requests[-1].path == "/households"
    assert (await api.get("/households")).status == 200


# -- rate limits --------------------------------------------------------------


async def test_spike_arrest(serve: Serve) -> None:
    """More than the per-second spike limit answers 429 with Retry-After."""
    api = await serve(spike_per_second=3)
    statuses = [(await api.get("/households")).status for _ in range(3)]
    reply = await api.get("/households")
    assert statuses == [200, 200, 200]
    assert (reply.status, reply.body) == (429, {"errorCode": "TOO_MANY_REQUESTS"})
    assert reply.headers["Retry-After"] == "1"
    assert reply.headers["RateLimit-Remaining"] == "0"


async def test_quota_per_minute(serve: Serve) -> None:
    """The rolling-minute quota answers 429 with RateLimit headers."""
    api = await serve(quota_per_minute=5)
    for _ in range(5):
        assert (await api.get("/households")).status == 200
    reply = await api.get("/households")
    assert reply.status == 429
    assert reply.headers["RateLimit-Limit"] == "5"
    assert reply.headers["RateLimit-Remaining"] == "0"
    assert 55 <= int(reply.headers["RateLimit-Reset"]) <= 60
    assert reply.headers["Retry-After"] == reply.headers["RateLimit-Reset"]


def test_standalone_refuses_other_hosts(capsys: pytest.CaptureFixture[str]) -> None:
    """The standalone server only ever binds to loopback."""
    with pytest.raises(SystemExit):
        main(["--host", "192.0.2.1"])
    assert "refusing to bind" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--callback-url", "https://example.com/api/webhook/x"])
    assert "loopback" in capsys.readouterr().err


async def test_standalone_serves_local_sockets(
    socket_enabled: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--local-sockets``: the players' websockets live as long as the server."""
    sim = SonosCloudSimulator(CLIENT_ID, CLIENT_SECRET)
    sim.add_demo_household()
    serve_local_sockets(sim)
    server = TestServer(sim.app, host="127.0.0.1")
    await server.start_server()
    urls = dict(sim.websocket_urls)
    assert set(urls) == set(sim.model.players)
    assert all(url.startswith("wss://127.0.0.1:") for url in urls.values())
    printed = capsys.readouterr().out
    assert all(url in printed for url in urls.values())
    await server.close()
    assert sim.websocket_urls == {}


# -- seek, play modes and kinds of content ------------------------------------


async def test_seek_and_seek_relative(api: Api) -> None:
    """Seek moves within the track; past the end it moves to the next one."""
    kitchen = api.group(KITCHEN)  # paused at item 1, so positions stay put
    group = api.sim.model.groups[api.sim.group_id_of(KITCHEN)]

    reply = await api.post(f"{kitchen}/playback/seek", {"positionMillis": 60_000})
    assert (reply.status, reply.body) == (200, {})
    status = (await api.get(f"{kitchen}/playback")).body
    assert (status["itemId"], status["positionMillis"]) == ("1", 60_000)
    assert status["previousItemId"] == "1"

    body = {"deltaMillis": -15_000, "itemId": "1"}
    assert (await api.post(f"{kitchen}/playback/seekRelative", body)).status == 200
    assert group.position_millis == 45_000
    body = {"deltaMillis": -90_000}
    assert (await api.post(f"{kitchen}/playback/seekRelative", body)).status == 200
    assert group.position_millis == 0

    body = {"positionMillis": group.tracks[0].duration_millis}
    assert (await api.post(f"{kitchen}/playback/seek", body)).status == 200
    status = (await api.get(f"{kitchen}/playback")).body
    assert (status["itemId"], status["positionMillis"]) == ("2", 0)
    assert status["previousItemId"] == "1"
    metadata = (await api.get(f"{kitchen}/playbackMetadata")).body
    assert metadata["currentItem"]["track"]["name"] == "Static Bloom"

    body = {"deltaMillis": group.tracks[1].duration_millis + 1}
    await api.post(f"{kitchen}/playback/seekRelative", body)
    assert group.item_id == "3"


@pytest.mark.parametrize(
    ("command", "body", "code"),
    [
        ("seek", {}, "ERROR_MISSING_PARAMETERS"),
        ("seek", {"positionMillis": "1000"}, "ERROR_INVALID_PARAMETER"),
        ("seek", {"positionMillis": -1}, "ERROR_INVALID_PARAMETER"),
        ("seek", {"positionMillis": 1000, "itemId": "3"}, "ERROR_INVALID_OBJECT_ID"),
        ("seek", {"positionMillis": 1000, "itemId": 1}, "ERROR_INVALID_PARAMETER"),
        ("seekRelative", {"positionMillis": 5}, "ERROR_MISSING_PARAMETERS"),
        ("seekRelative", {"deltaMillis": 1.5}, "ERROR_INVALID_PARAMETER"),
        ("seekRelative", {"deltaMillis": 5, "itemId": "2"}, "ERROR_INVALID_OBJECT_ID"),
    ],
)
async def test_seek_validation(
    api: Api, command: str, body: dict[str, Any], code: str
) -> None:
    """Bad seek bodies answer 400 and leave the position alone."""
    group = api.sim.model.groups[api.sim.group_id_of(KITCHEN)]
    before = group.position_millis
    reply = await api.post(f"{api.group(KITCHEN)}/playback/{command}", body)
    assert (reply.status, reply.body["errorCode"]) == (400, code)
    assert (group.item_id, group.position_millis) == ("1", before)


async def test_seek_on_content_that_cannot_seek(api: Api) -> None:
    """Radio and line-in refuse seeking by policy; nothing loaded is NO_CONTENT."""
    bedroom = api.group(BEDROOM)
    reply = await api.post(f"{bedroom}/playback/seek", {"positionMillis": 0})
    assert reply.status == 499
    assert reply.body == {
        "_objectType": "playbackError",
        "errorCode": "ERROR_PLAYBACK_NO_CONTENT",
    }
    for load in (api.sim.load_radio, api.sim.load_line_in):
        load(api.sim.group_id_of(BEDROOM))
        for command, body in (
            ("seek", {"positionMillis": 1000}),
            ("seekRelative", {"deltaMillis": 1000}),
        ):
            reply = await api.post(f"{bedroom}/playback/{command}", body)
            assert reply.status == 499
            assert reply.body == {
                "_objectType": "playbackError",
                "errorCode": "ERROR_DISALLOWED_BY_POLICY",
            }


async def test_play_modes(api: Api) -> None:
    """Play modes change one by one; omitted keys stay; radio forbids them."""
    living = api.group(LIVING_ROOM)
    path = f"{living}/playback/playMode"
    reply = await api.post(path, {"playModes": {"shuffle": True}})
    assert (reply.status, reply.body) == (200, {})
    await api.post(path, {"playModes": {"repeatOne": True, "crossfade": True}})
    modes = (await api.get(f"{living}/playback")).body["playModes"]
    assert {k: v for k, v in modes.items() if k[0] != "_"} == {
        "shuffle": True,
        "repeat": False,
        "repeatOne": True,
        "crossfade": True,
    }

    for body, code in (
        ({}, "ERROR_MISSING_PARAMETERS"),
        ({"playModes": True}, "ERROR_INVALID_PARAMETER"),
        ({"playModes": {"shuffle": "false"}}, "ERROR_INVALID_PARAMETER"),
        ({"playModes": {"shuffle": 0}}, "ERROR_INVALID_PARAMETER"),
        ({"playModes": {"repeat_one": True}}, "ERROR_INVALID_PARAMETER"),
    ):
        reply = await api.post(path, body)
        assert (reply.status, reply.body["errorCode"]) == (400, code)
    group = api.sim.model.groups[api.sim.group_id_of(LIVING_ROOM)]
    assert group.play_modes["shuffle"] is True

    api.sim.load_radio(group.id)
    assert not any(group.play_modes.values())
    reply = await api.post(path, {"playModes": {"shuffle": True}})
    assert reply.status == 499
    assert reply.body == {
        "_objectType": "playbackError",
        "errorCode": "ERROR_DISALLOWED_BY_POLICY",
    }
    assert (await api.post(path, {"playModes": {"shuffle": False}})).status == 200


async def test_repeat_one_and_end_of_queue(api: Api) -> None:
    """With repeatOne the track replays; without repeat the queue ends idle."""
    living = api.group(LIVING_ROOM)
    group = api.sim.model.groups[api.sim.group_id_of(LIVING_ROOM)]
    await api.post(f"{living}/playback/playMode", {"playModes": {"repeatOne": True}})
    group.position_millis += group.tracks[0].duration_millis
    assert (await api.get(f"{living}/playback")).body["itemId"] == "1"

    await api.post(f"{living}/playback/playMode", {"playModes": {"repeatOne": False}})
    await api.post(f"{living}/playback/skipToPreviousTrack")
    group.position_millis += group.tracks[-1].duration_millis
    status = (await api.get(f"{living}/playback")).body
    assert (status["playbackState"], status["itemId"]) == ("PLAYBACK_STATE_IDLE", "1")


async def test_radio_content(api: Api) -> None:
    """A station has no duration, cannot skip or seek, and pausing goes idle."""
    living_id = api.sim.group_id_of(LIVING_ROOM)
    living = f"/groups/{living_id}"
    api.sim.load_radio(living_id, "Harbor FM")
    status = (await api.get(f"{living}/playback")).body
    assert status["playbackState"] == "PLAYBACK_STATE_PLAYING"
    actions = status["availablePlaybackActions"]
    assert {k for k, v in actions.items() if v is True} == {
        "canPause",
        "canStop",
        "canPlay",
    }
    assert status["itemId"] not in ("1", "")

    metadata = (await api.get(f"{living}/playbackMetadata")).body
    container = metadata["container"]
    assert (container["type"], container["name"]) == ("station", "Harbor FM")
    assert container["imageUrl"].startswith("https://images.invalid/")
    assert metadata["streamInfo"]
    track = metadata["currentItem"]["track"]
    assert "durationMillis" not in track
    assert track["imageUrl"].startswith("https://images.invalid/")
    assert track["images"][0]["url"] == track["imageUrl"]
    assert metadata["currentItem"]["id"] == status["itemId"]
    assert "nextItem" not in metadata

    for command in ("skipToNextTrack", "skipToPreviousTrack"):
        reply = await api.post(f"{living}/playback/{command}")
        assert (reply.status, reply.body["errorCode"]) == (499, "ERROR_PLAYBACK_FAILED")
    await api.post(f"{living}/playback/pause")
    group = api.sim.model.groups[living_id]
    assert group.playback_state == "PLAYBACK_STATE_IDLE"
    await api.post(f"{living}/playback/play")
    assert group.playback_state == "PLAYBACK_STATE_PLAYING"


async def test_line_in_and_back_to_tracks(api: Api) -> None:
    """Line-in shows only a container; loading tracks restores the queue."""
    bedroom_id = api.sim.group_id_of(BEDROOM)
    bedroom = f"/groups/{bedroom_id}"
    api.sim.load_line_in(bedroom_id, play=True)
    metadata = (await api.get(f"{bedroom}/playbackMetadata")).body
    assert metadata["container"]["type"] == "linein"
    assert metadata["container"]["name"] == "Line-In"
    assert metadata["container"]["imageUrl"].startswith("https://images.invalid/")
    assert "currentItem" not in metadata
    status = (await api.get(f"{bedroom}/playback")).body
    assert status["playbackState"] == "PLAYBACK_STATE_PLAYING"
    assert status["availablePlaybackActions"]["canSkip"] is False
    await api.post(f"{bedroom}/playback/pause")
    assert api.sim.model.groups[bedroom_id].playback_state == "PLAYBACK_STATE_PAUSED"

    api.sim.load_tracks(bedroom_id)
    metadata = (await api.get(f"{bedroom}/playbackMetadata")).body
    assert metadata["container"]["type"] == "trackList"
    assert metadata["currentItem"]["track"]["durationMillis"] > 0
    status = (await api.get(f"{bedroom}/playback")).body
    assert status["availablePlaybackActions"]["canSeek"] is True

    api.sim.unload(bedroom_id)
    assert (await api.get(f"{bedroom}/playbackMetadata")).body == {
        "_objectType": "metadataStatus"
    }


async def test_load_line_in_command(api: Api) -> None:
    """The lineIn command needs a LINE_IN player; it defaults to the coordinator."""
    reply = await api.post(
        f"{api.group(BEDROOM)}/playback/lineIn", {"playOnCompletion": True}
    )
    assert reply.status == 200
    group = api.sim.model.groups[api.sim.group_id_of(BEDROOM)]
    assert (group.content.container_type, group.playback_state) == (
        "linein",
        "PLAYBACK_STATE_PLAYING",
    )
    reply = await api.post(f"{api.group(KITCHEN)}/playback/lineIn")
    assert (reply.status, reply.body["errorCode"]) == (499, "ERROR_NOT_CAPABLE")
    reply = await api.post(
        f"{api.group(KITCHEN)}/playback/lineIn", {"deviceId": BEDROOM}
    )
    assert reply.status == 200
    reply = await api.post(
        f"{api.group(KITCHEN)}/playback/lineIn", {"deviceId": "RINCON_NOPE01400"}
    )
    assert (reply.status, reply.body["errorCode"]) == (400, "ERROR_INVALID_OBJECT_ID")


async def test_relative_volume_clamps_and_unmutes(api: Api) -> None:
    """Relative group and player volume stay within 0..100 and unmute."""
    group_id = api.sim.external_regroup([LIVING_ROOM, KITCHEN])
    path = f"/groups/{group_id}/groupVolume"
    await api.post(f"{path}/mute", {"muted": True})
    await api.post(f"{path}/relative", {"volumeDelta": -100})
    assert api.sim.model.group_volume(group_id) == (0, False)
    await api.post(f"{path}/mute", {"muted": True})
    await api.post(f"{path}/relative", {"volumeDelta": 100})
    assert api.sim.model.group_volume(group_id) == (100, False)
    reply = await api.post(f"{path}/relative", {"volumeDelta": 101})
    assert (reply.status, reply.body["errorCode"]) == (400, "ERROR_INVALID_PARAMETER")

    player = api.sim.model.players[BEDROOM]
    path = f"/players/{BEDROOM}/playerVolume"
    await api.post(path, {"muted": True})
    await api.post(f"{path}/relative", {"volumeDelta": -50})
    assert (player.volume, player.muted) == (0, False)
    await api.post(path, {"muted": True})
    await api.post(f"{path}/relative", {"volumeDelta": 100})
    assert (player.volume, player.muted) == (100, False)


# -- grouping commands ----------------------------------------------------------


def group_ids(api: Api) -> dict[str, str]:
    return {p: api.sim.group_id_of(p) for p in (LIVING_ROOM, KITCHEN, BEDROOM)}


async def test_create_group_with_music_context(api: Api) -> None:
    """A createGroup mints a group carrying the context's audio; old ids go."""
    before = group_ids(api)
    reply = await api.post(
        f"/households/{HOUSEHOLD_ID}/groups/createGroup",
        {"playerIds": [BEDROOM, KITCHEN], "musicContextGroupId": before[LIVING_ROOM]},
    )
    assert reply.status == 200
    assert reply.headers["X-Sonos-Type"] == "groupInfo"
    group = reply.body["group"]
    assert group["_objectType"] == "group"
    assert (group["coordinatorId"], group["playerIds"]) == (BEDROOM, [BEDROOM, KITCHEN])
    assert group["name"] == "Bedroom + 1"
    assert group["id"].startswith(f"{BEDROOM}:")
    assert group["id"] not in before.values()

    new = api.sim.model.groups[group["id"]]
    assert new.playback_state == "PLAYBACK_STATE_PLAYING"
    assert new.content.name == "Simulator Mix"
    assert api.sim.group_id_of(LIVING_ROOM) == before[LIVING_ROOM]
    for old in (before[KITCHEN], before[BEDROOM]):
        reply = await api.get(f"/groups/{old}/playback")
        assert (reply.status, reply.body) == (410, {"errorCode": "ERROR_RESOURCE_GONE"})
    status = (await api.get(f"/groups/{group['id']}/playback")).body
    assert status["playbackState"] == "PLAYBACK_STATE_PLAYING"


async def test_create_group_without_context_and_isolating(api: Api) -> None:
    """No musicContextGroupId means no audio; isolating a lone player is a no-op."""
    before = group_ids(api)
    path = f"/households/{HOUSEHOLD_ID}/groups/createGroup"
    reply = await api.post(path, {"playerIds": [KITCHEN]})
    assert reply.body["group"]["id"] == before[KITCHEN]
    assert group_ids(api) == before

    reply = await api.post(path, {"playerIds": [LIVING_ROOM, KITCHEN]})
    group = api.sim.model.groups[reply.body["group"]["id"]]
    assert group.content is None
    assert group.playback_state == "PLAYBACK_STATE_IDLE"
    assert "playbackState" not in reply.body["group"]

    reply = await api.post(path, {"playerIds": [KITCHEN]})
    kitchen = api.sim.model.groups[reply.body["group"]["id"]]
    assert kitchen.player_ids == [KITCHEN]
    living = api.sim.model.groups[api.sim.group_id_of(LIVING_ROOM)]
    assert living.player_ids == [LIVING_ROOM]
    assert living.id != group.id


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "ERROR_MISSING_PARAMETERS"),
        ({"playerIds": KITCHEN}, 400, "ERROR_INVALID_PARAMETER"),
        ({"playerIds": [1]}, 400, "ERROR_INVALID_PARAMETER"),
        ({"playerIds": []}, 400, "ERROR_INVALID_PARAMETER"),
        (
            {"playerIds": [KITCHEN], "musicContextGroupId": "RINCON_X01400:9"},
            400,
            "ERROR_INVALID_OBJECT_ID",
        ),
    ],
)
async def test_create_group_validation(
    api: Api, body: dict[str, Any], status: int, code: str
) -> None:
    """Malformed createGroup bodies change nothing."""
    before = group_ids(api)
    reply = await api.post(f"/households/{HOUSEHOLD_ID}/groups/createGroup", body)
    assert (reply.status, reply.body["errorCode"]) == (status, code)
    assert group_ids(api) == before


async def test_unknown_players_answer_player_set_error(api: Api) -> None:
    """Unknown player ids are listed in a playerSetError."""
    ghost = "RINCON_DEADBEEF000001400"
    before = group_ids(api)
    for path, body in (
        (
            f"/households/{HOUSEHOLD_ID}/groups/createGroup",
            {"playerIds": [KITCHEN, ghost]},
        ),
        (
            f"{api.group(KITCHEN)}/groups/modifyGroupMembers",
            {"playerIdsToAdd": [ghost], "playerIdsToRemove": []},
        ),
        (f"{api.group(KITCHEN)}/groups/setGroupMembers", {"playerIds": [ghost]}),
    ):
        reply = await api.post(path, body)
        assert reply.status == 400
        assert reply.body["_objectType"] == "playerSetError"
        assert reply.body["errorCode"] == "ERROR_INVALID_PARAMETER"
        assert reply.body["playerIds"] == [ghost]
    assert group_ids(api) == before


async def test_modify_group_members(api: Api) -> None:
    """Adding keeps the coordinator; removing it hands over to a member."""
    living = api.sim.group_id_of(LIVING_ROOM)
    path = f"/groups/{living}/groups/modifyGroupMembers"
    reply = await api.post(path, {"playerIdsToAdd": [KITCHEN]})
    assert (reply.status, reply.body["errorCode"]) == (400, "ERROR_MISSING_PARAMETERS")

    body = {"playerIdsToAdd": [KITCHEN, BEDROOM], "playerIdsToRemove": []}
    reply = await api.post(path, body)
    group = reply.body["group"]
    assert group["coordinatorId"] == LIVING_ROOM
    assert group["playerIds"] == [LIVING_ROOM, KITCHEN, BEDROOM]
    assert group["id"] != living
    assert (await api.post(path, body)).status == 410
    grouped = api.sim.model.groups[group["id"]]
    assert grouped.playback_state == "PLAYBACK_STATE_PLAYING"

    reply = await api.post(
        f"/groups/{group['id']}/groups/modifyGroupMembers",
        {"playerIdsToAdd": [], "playerIdsToRemove": [LIVING_ROOM, "RINCON_X01400"]},
    )
    rest = reply.body["group"]
    assert (rest["coordinatorId"], rest["playerIds"]) == (KITCHEN, [KITCHEN, BEDROOM])
    assert api.sim.model.groups[rest["id"]].playback_state == "PLAYBACK_STATE_PLAYING"
    alone = api.sim.model.group_of(LIVING_ROOM)
    assert alone.player_ids == [LIVING_ROOM]
    assert alone.playback_state == "PLAYBACK_STATE_IDLE"
    assert alone.content is None

    reply = await api.post(
        f"/groups/{rest['id']}/groups/modifyGroupMembers",
        {"playerIdsToAdd": [], "playerIdsToRemove": [KITCHEN, BEDROOM]},
    )
    assert (reply.status, reply.body["errorCode"]) == (400, "ERROR_INVALID_PARAMETER")
    reply = await api.post(
        f"/groups/{rest['id']}/groups/modifyGroupMembers",
        {"playerIdsToAdd": [], "playerIdsToRemove": []},
    )
    assert reply.body["group"]["id"] == rest["id"]


async def test_set_group_members(api: Api) -> None:
    """The doc example: {A,B,C} set to [C,D] gives C the audio; A, B go alone."""
    group_id = api.sim.external_regroup([LIVING_ROOM, KITCHEN])
    extra = api.sim.add_player(HOUSEHOLD_ID, "Office")
    reply = await api.post(
        f"/groups/{group_id}/groups/setGroupMembers", {"playerIds": [KITCHEN, extra]}
    )
    group = reply.body["group"]
    assert (group["coordinatorId"], group["playerIds"]) == (KITCHEN, [KITCHEN, extra])
    assert group["name"] == "Kitchen + 1"
    new = api.sim.model.groups[group["id"]]
    assert new.playback_state == "PLAYBACK_STATE_PLAYING"
    assert new.content is not None
    living = api.sim.model.group_of(LIVING_ROOM)
    assert (living.player_ids, living.content) == ([LIVING_ROOM], None)
    assert (await api.get(f"/groups/{group_id}/playback")).status == 410

    body = (await api.get(f"/households/{HOUSEHOLD_ID}/groups")).body
    members = sorted(sorted(g["playerIds"]) for g in body["groups"])
    assert members == sorted([[LIVING_ROOM], [BEDROOM], sorted([KITCHEN, extra])])


async def test_grouping_records_one_groups_change(api: Api) -> None:
    """A grouping command reports one household groups change."""
    api.sim.model.changes.clear()
    await api.post(
        f"/households/{HOUSEHOLD_ID}/groups/createGroup",
        {"playerIds": [KITCHEN, BEDROOM]},
    )
    assert api.sim.model.changes == [("groups", "householdId", HOUSEHOLD_ID)]


# -- favorites and playlists ------------------------------------------------------


async def test_favorites_list(api: Api) -> None:
    """The demo has a track-list, a radio and a service-less favorite."""
    reply = await api.get(f"/households/{HOUSEHOLD_ID}/favorites")
    assert reply.status == 200
    assert reply.headers["X-Sonos-Type"] == "favoritesList"
    body = reply.body
    version = body["version"]
    assert isinstance(version, str)
    items = {f["name"]: f for f in body["items"]}
    assert set(items) == {"Morning Mix", "Simulated FM", "Kitchen Classics"}
    mix = items["Morning Mix"]
    assert mix["_objectType"] == "favorite"
    assert mix["resource"]["type"] == "PLAYLIST"
    assert mix["imageUrl"].startswith("https://images.invalid/")
    assert mix["images"][0]["url"] == mix["imageUrl"]
    assert items["Simulated FM"]["resource"]["type"] == "STREAM"
    assert items["Simulated FM"]["service"]["name"] == "Simulated Radio"
    assert "service" not in items["Kitchen Classics"]
    assert "resource" not in items["Kitchen Classics"]

    new_id = api.sim.add_favorite("Evening Jazz", "tracks")
    body = (await api.get(f"/households/{HOUSEHOLD_ID}/favorites")).body
    assert body["version"] != version
    assert new_id in {f["id"] for f in body["items"]}
    api.sim.remove_favorite(new_id)
    body2 = (await api.get(f"/households/{HOUSEHOLD_ID}/favorites")).body
    assert body2["version"] not in (version, body["version"])
    assert new_id not in {f["id"] for f in body2["items"]}


def favorite_id(api: Api, name: str) -> str:
    household = api.sim.model.households[HOUSEHOLD_ID]
    return next(f.id for f in household.favorites if f.name == name)


async def test_load_favorite(api: Api) -> None:
    """Loading a favorite replaces the content; radio ignores action and modes."""
    bedroom_id = api.sim.group_id_of(BEDROOM)
    path = f"/groups/{bedroom_id}/favorites"
    group = api.sim.model.groups[bedroom_id]
    reply = await api.post(path, {"favoriteId": favorite_id(api, "Morning Mix")})
    assert (reply.status, reply.body) == (200, {})
    assert group.playback_state == "PLAYBACK_STATE_IDLE"
    metadata = (await api.get(f"/groups/{bedroom_id}/playbackMetadata")).body
    assert metadata["container"]["name"] == "Morning Mix"
    assert metadata["currentItem"]["track"]["name"] == "Morning Ferry"

    body = {
        "favoriteId": favorite_id(api, "Simulated FM"),
        "action": "REPLACE",
        "playModes": {"shuffle": True},
        "playOnCompletion": True,
    }
    assert (await api.post(path, body)).status == 200
    metadata = (await api.get(f"/groups/{bedroom_id}/playbackMetadata")).body
    assert metadata["container"]["type"] == "station"
    assert metadata["container"]["name"] == "Simulated FM"
    assert group.playback_state == "PLAYBACK_STATE_PLAYING"
    assert group.play_modes["shuffle"] is False

    body = {
        "favoriteId": favorite_id(api, "Kitchen Classics"),
        "playModes": {"repeat": True},
        "playOnCompletion": True,
    }
    assert (await api.post(path, body)).status == 200
    assert group.play_modes["repeat"] is True
    metadata = (await api.get(f"/groups/{bedroom_id}/playbackMetadata")).body
    assert "service" not in metadata["container"]
    assert metadata["container"]["imageUrl"].startswith("https://images.invalid/")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "ERROR_MISSING_PARAMETERS"),
        ({"favoriteId": 14}, "ERROR_INVALID_PARAMETER"),
        ({"favoriteId": "999"}, "ERROR_INVALID_OBJECT_ID"),
        ({"favoriteId": "1", "action": "PREPEND"}, "ERROR_INVALID_PARAMETER"),
        ({"favoriteId": "1", "playOnCompletion": "yes"}, "ERROR_INVALID_PARAMETER"),
        ({"favoriteId": "1", "playModes": {"loop": True}}, "ERROR_INVALID_PARAMETER"),
    ],
)
async def test_load_favorite_validation(
    api: Api, body: dict[str, Any], code: str
) -> None:
    """Unknown favorites and malformed options answer 400 and change nothing."""
    group = api.sim.model.groups[api.sim.group_id_of(BEDROOM)]
    reply = await api.post(f"/groups/{group.id}/favorites", body)
    assert (reply.status, reply.body["errorCode"]) == (400, code)
    assert group.content is None


async def test_queue_actions(api: Api) -> None:
    """APPEND, INSERT_NEXT and INSERT grow the queue around the current item."""
    kitchen_id = api.sim.group_id_of(KITCHEN)  # paused on item 1 of 4
    group = api.sim.model.groups[kitchen_id]
    path = f"/groups/{kitchen_id}/favorites"
    mix = favorite_id(api, "Morning Mix")  # 3 tracks
    await api.post(path, {"favoriteId": mix})
    assert (len(group.tracks), group.item_id) == (7, "1")
    assert group.playback_state == "PLAYBACK_STATE_PAUSED"
    await api.post(path, {"favoriteId": mix, "action": "INSERT_NEXT"})
    assert group.tracks[1].title == "Morning Ferry"
    assert (len(group.tracks), group.item_id) == (10, "1")
    await api.post(path, {"favoriteId": mix, "action": "INSERT"})
    assert (group.track.title, group.item_id) == ("Morning Ferry", "1")
    assert len(group.tracks) == 13
    await api.post(
        path, {"favoriteId": mix, "action": "APPEND", "playOnCompletion": True}
    )
    assert (group.item_id, group.playback_state) == ("14", "PLAYBACK_STATE_PLAYING")
    queue_version = group.queue_version
    await api.post(path, {"favoriteId": mix, "action": "REPLACE"})
    assert (len(group.tracks), group.item_id) == (3, "1")
    assert group.playback_state == "PLAYBACK_STATE_PAUSED"
    assert group.queue_version != queue_version


async def test_playlists(api: Api) -> None:
    """Playlists list with a version, summaries with tracks, and load."""
    reply = await api.get(f"/households/{HOUSEHOLD_ID}/playlists")
    assert reply.headers["X-Sonos-Type"] == "playlistsList"
    version = reply.body["version"]
    lists = {p["name"]: p for p in reply.body["playlists"]}
    assert lists["Dinner"]["trackCount"] == 4
    assert lists["Dinner"]["type"] == "playlist"

    reply = await api.get(
        f"/households/{HOUSEHOLD_ID}/playlists/{lists['Workout']['id']}"
    )
    assert reply.body["_objectType"] == "playlistSummary"
    assert reply.body["name"] == "Workout"
    assert reply.body["tracks"][0] == {
        "_objectType": "playlistTrack",
        "name": "Glass Orchard",
        "artist": "Oona Bright",
        "album": "Early Hours",
    }
    reply = await api.get(f"/households/{HOUSEHOLD_ID}/playlists/999")
    assert (reply.status, reply.body["errorCode"]) == (400, "ERROR_INVALID_OBJECT_ID")

    bedroom_id = api.sim.group_id_of(BEDROOM)
    body = {"playlistId": lists["Workout"]["id"], "playOnCompletion": True}
    reply = await api.post(f"/groups/{bedroom_id}/playlists", body)
    assert reply.status == 200
    group = api.sim.model.groups[bedroom_id]
    assert group.playback_state == "PLAYBACK_STATE_PLAYING"
    assert (group.content.name, group.track.title) == ("Workout", "Glass Orchard")
    reply = await api.post(f"/groups/{bedroom_id}/playlists", {"playlistId": "999"})
    assert (reply.status, reply.body["errorCode"]) == (400, "ERROR_INVALID_OBJECT_ID")

    new_id = api.sim.add_playlist("Brunch")
    reply = await api.get(f"/households/{HOUSEHOLD_ID}/playlists")
    assert reply.body["version"] != version
    assert new_id in {p["id"] for p in reply.body["playlists"]}


# -- audio clips --------------------------------------------------------------------


async def test_audio_clip_lifecycle(api: Api) -> None:
    """A clip is recorded with all fields, answered ACTIVE, finished or cancelled."""
    path = f"/players/{KITCHEN}/audioClip"
    body = {
        "name": "Doorbell",
        "appId": "com.example.hass",
        "streamUrl": "https://example.invalid/doorbell.mp3",
        "httpAuthorization": "Bearer abc123",
        "priority": "HIGH",
        "volume": 35,
    }
    reply = await api.post(path, body)
    assert reply.status == 200
    assert reply.headers["X-Sonos-Type"] == "audioClip"
    clip = reply.body
    assert clip == {
        "_objectType": "audioClip",
        "id": clip["id"],
        "name": "Doorbell",
        "appId": "com.example.hass",
        "priority": "HIGH",
        "clipType": "CUSTOM",
        "status": "ACTIVE",
    }
    [recorded] = api.sim.model.clips[KITCHEN]
    assert (recorded.stream_url, recorded.http_authorization, recorded.volume) == (
        "https://example.invalid/doorbell.mp3",
        "Bearer abc123",
        35,
    )

    api.sim.finish_clip(KITCHEN, clip["id"])
    assert recorded.status == "DONE"
    reply = await api.call("DELETE", f"{path}/{clip['id']}")
    assert reply.status == 404
    assert reply.body["errorCode"] == "ERROR_AUDIO_CLIP_ID_NOT_FOUND"

    chime = (await api.post(path, {"name": "Chime", "appId": "com.example"})).body
    assert (chime["clipType"], chime["priority"]) == ("CHIME", "LOW")
    assert chime["id"] != clip["id"]
    reply = await api.call("DELETE", f"{path}/{chime['id']}")
    assert (reply.status, reply.body) == (200, {})
    assert api.sim.model.clips[KITCHEN][-1].status == "DISMISSED"
    reply = await api.call("DELETE", f"{path}/nope")
    assert reply.status == 404


async def test_audio_clip_priorities(api: Api) -> None:
    """HIGH interrupts LOW; LOW never interrupts HIGH; HIGH waits 10 s for HIGH."""
    path = f"/players/{KITCHEN}/audioClip"
    clips = api.sim.model.clips

    async def load(priority: str) -> str:
        body = {"name": priority, "appId": "com.example", "priority": priority}
        reply = await api.post(path, body)
        return str(reply.body["status"])

    assert await load("LOW") == "ACTIVE"
    assert await load("HIGH") == "ACTIVE"
    assert clips[KITCHEN][0].status == "INTERRUPTED"
    assert await load("LOW") == "DISMISSED"
    assert await load("HIGH") == "DISMISSED"
    clips[KITCHEN][1].started_at -= 11
    assert await load("HIGH") == "ACTIVE"
    assert [c.status for c in clips[KITCHEN]] == [
        "INTERRUPTED",
        "INTERRUPTED",
        "DISMISSED",
        "DISMISSED",
        "ACTIVE",
    ]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"appId": "com.example"}, "ERROR_MISSING_PARAMETERS"),
        ({"name": "x"}, "ERROR_MISSING_PARAMETERS"),
        ({"name": "x" * 65, "appId": "com.example"}, "ERROR_INVALID_PARAMETER"),
        ({"name": "", "appId": "com.example"}, "ERROR_INVALID_PARAMETER"),
        ({"name": "x", "appId": "a", "clipType": "VOICE"}, "ERROR_INVALID_PARAMETER"),
        ({"name": "x", "appId": "a", "clipType": "CUSTOM"}, "ERROR_MISSING_PARAMETERS"),
        (
            {"name": "x", "appId": "a", "streamUrl": "ftp://h/a"},
            "ERROR_INVALID_PARAMETER",
        ),
        (
            {"name": "x", "appId": "a", "streamUrl": "https://h/" + "a" * 1024},
            "ERROR_INVALID_PARAMETER",
        ),
        (
            {
                "name": "x",
                "appId": "a",
                "streamUrl": "http://h/a",
                "httpAuthorization": "t",
            },
            "ERROR_INVALID_PARAMETER",
        ),
        ({"name": "x", "appId": "a", "priority": "URGENT"}, "ERROR_INVALID_PARAMETER"),
        ({"name": "x", "appId": "a", "volume": 101}, "ERROR_INVALID_PARAMETER"),
        ({"name": "x", "appId": "a", "volume": "50"}, "ERROR_INVALID_PARAMETER"),
    ],
)
async def test_audio_clip_validation(api: Api, body: dict[str, Any], code: str) -> None:
    """Bad clip bodies answer 400 and record nothing."""
    reply = await api.post(f"/players/{KITCHEN}/audioClip", body)
    assert (reply.status, reply.body["errorCode"]) == (400, code)
    assert KITCHEN not in api.sim.model.clips


async def test_audio_clip_needs_capability(api: Api) -> None:
    """A player without AUDIO_CLIP answers 499 ERROR_NOT_CAPABLE."""
    reply = await api.post(
        f"/players/{BEDROOM}/audioClip", {"name": "x", "appId": "com.example"}
    )
    assert reply.status == 499
    assert reply.body == {
        "_objectType": "globalError",
        "errorCode": "ERROR_NOT_CAPABLE",
    }
    assert BEDROOM not in api.sim.model.clips


# -- playback sessions and home theater ---------------------------------------------


async def test_playback_session_stream(api: Api) -> None:
    """A session plays a stream URL as a station; other content evicts it."""
    bedroom_id = api.sim.group_id_of(BEDROOM)
    reply = await api.post(
        f"/groups/{bedroom_id}/playbackSession",
        {"appId": "com.example.hass", "appContext": "tts"},
    )
    assert reply.headers["X-Sonos-Type"] == "sessionStatus"
    session = reply.body
    assert session["sessionState"] == "SESSION_STATE_CONNECTED"
    assert session["sessionCreated"] is True
    session_id = session["sessionId"]

    path = f"/sessions/{session_id}/playbackSession/loadStreamUrl"
    reply = await api.post(
        path,
        {
            "streamUrl": "https://radio.invalid/live.mp3",
            "playOnCompletion": True,
            "stationMetadata": {"name": "Test Radio"},
        },
    )
    assert (reply.status, reply.body) == (200, {})
    group = api.sim.model.groups[bedroom_id]
    assert group.playback_state == "PLAYBACK_STATE_PLAYING"
    metadata = (await api.get(f"/groups/{bedroom_id}/playbackMetadata")).body
    assert (metadata["container"]["type"], metadata["container"]["name"]) == (
        "station",
        "Test Radio",
    )
    assert metadata["playbackSession"]["clientId"] == "com.example.hass"
    assert metadata["currentItem"]["track"]["mediaUrl"] == (
        "https://radio.invalid/live.mp3"
    )

    await api.post(path, {"streamUrl": "https://radio.invalid/other.mp3"})
    assert group.content.name == "https://radio.invalid/other.mp3"
    assert group.playback_state == "PLAYBACK_STATE_IDLE"
    reply = await api.post(path, {"streamUrl": "radio.invalid"})
    assert (reply.status, reply.body["errorCode"]) == (400, "ERROR_INVALID_PARAMETER")

    reply = await api.post(
        f"/groups/{bedroom_id}/playbackSession/joinOrCreate",
        {"appId": "com.example.hass", "appContext": "tts"},
    )
    assert (reply.body["sessionId"], reply.body["sessionCreated"]) == (
        session_id,
        False,
    )

    api.sim.load_tracks(bedroom_id)
    reply = await api.post(path, {"streamUrl": "https://radio.invalid/live.mp3"})
    assert (reply.status, reply.body) == (410, {"errorCode": "ERROR_RESOURCE_GONE"})
    assert (
        "playbackSession"
        not in (await api.get(f"/groups/{bedroom_id}/playbackMetadata")).body
    )


async def test_playback_session_validation(api: Api) -> None:
    """Sessions need appId and appContext under 255 bytes together."""
    path = f"{api.group(BEDROOM)}/playbackSession"
    reply = await api.post(path, {"appId": "com.example"})
    assert (reply.status, reply.body["errorCode"]) == (400, "ERROR_MISSING_PARAMETERS")
    reply = await api.post(path, {"appId": "a" * 200, "appContext": "b" * 60})
    assert (reply.status, reply.body["errorCode"]) == (400, "ERROR_INVALID_PARAMETER")
    first = (await api.post(path, {"appId": "a", "appContext": "b"})).body
    second = (await api.post(path, {"appId": "a", "appContext": "b"})).body
    assert first["sessionId"] != second["sessionId"]
    reply = await api.call("DELETE", f"/sessions/{first['sessionId']}/playbackSession")
    assert reply.status == 410
    reply = await api.call("DELETE", f"/sessions/{second['sessionId']}/playbackSession")
    assert reply.status == 200
    assert api.sim.model.session_group(second["sessionId"]) is None


async def test_home_theater(api: Api) -> None:
    """Soundbars have options and a TV input; other players lack the namespace."""
    path = f"/players/{LIVING_ROOM}/homeTheater"
    reply = await api.get(f"{path}/options")
    assert reply.body == {
        "_objectType": "homeTheaterOptions",
        "nightMode": False,
        "enhanceDialog": False,
    }
    reply = await api.post(f"{path}/options", {"nightMode": True})
    assert (reply.body["nightMode"], reply.body["enhanceDialog"]) == (True, False)
    reply = await api.post(f"{path}/options", {"enhanceDialog": True})
    assert (reply.body["nightMode"], reply.body["enhanceDialog"]) == (True, True)
    reply = await api.post(f"{path}/options", {"nightMode": "on"})
    assert (reply.status, reply.body["errorCode"]) == (400, "ERROR_INVALID_PARAMETER")

    assert (await api.post(path)).status == 200
    metadata = (await api.get(f"{api.group(LIVING_ROOM)}/playbackMetadata")).body
    assert metadata["container"]["type"] == "linein.homeTheater"
    assert metadata["container"]["name"] == "TV"
    group = api.sim.model.group_of(LIVING_ROOM)
    assert group.playback_state == "PLAYBACK_STATE_PLAYING"

    reply = await api.post(f"{path}/tvPowerState", {"tvPowerState": "STANDBY"})
    assert reply.status == 200
    assert api.sim.model.players[LIVING_ROOM].tv_power_state == "STANDBY"

    for method, suffix in (("GET", "/options"), ("POST", ""), ("POST", "/options")):
        reply = await api.call(method, f"/players/{KITCHEN}/homeTheater{suffix}")
        assert reply.status == 404
        assert reply.body["errorCode"] == "ERROR_UNSUPPORTED_NAMESPACE"


# -- events -------------------------------------------------------------------------


def expected_signature(headers: dict[str, str]) -> str:
    """Signature of section 7.6, computed independently of the simulator."""
    text = "".join(
        headers[f"X-Sonos-{name}"]
        for name in ("Event-Seq-Id", "Namespace", "Type", "Target-Type", "Target-Value")
    )
    digest = hashlib.sha256((text + CLIENT_ID + CLIENT_SECRET).encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass
class Receiver:
    """A webhook endpoint on 127.0.0.1 that records events."""

    url: str = ""
    events: list[tuple[dict[str, str], Any]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # answers before 200s

    def of(self, namespace: str) -> list[tuple[dict[str, str], Any]]:
        return [e for e in self.events if e[0]["X-Sonos-Namespace"] == namespace]

    def seq_ids(self) -> list[int]:
        return [int(h["X-Sonos-Event-Seq-Id"]) for h, _ in self.events]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    received = Receiver()

    async def handle(request: web.Request) -> web.Response:
        received.events.append((dict(request.headers), await request.json()))
        status = received.statuses.pop(0) if received.statuses else 200
        return web.Response(status=status)

    app = web.Application()
    app.router.add_post("/api/webhook/{webhook_id}", handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    received.url = str(server.make_url("/api/webhook/sonos-test"))
    yield received
    await server.close()


@pytest.fixture
async def hooked(serve: Serve, receiver: Receiver) -> Api:
    """Serve a simulator whose key has the receiver as Event Callback URL."""
    api = await serve(event_retry_delay=0)
    api.sim.callback_url = receiver.url
    return api


def test_signature_test_vectors() -> None:
    """Both test vectors of reference section 7.6."""
    assert (
        signature(
            *("event-seq-id", "namespace", "type", "target-type", "target-value"),
            *("sonos", "secret"),
        )
        == "n9V0MCdGYaOPy_dJb_nUPqw5dHiBSd_g0NOQTe4IaVI"
    )
    assert (
        signature(
            *("1234", "groupVolume", "groupVolume", "groupId"),
            *("RINCON_00012345678001400:0", "my-client-id", "my-client-secret"),
        )
        == "tCjdwwW5avM9CCDWnkxh30kwkowImrMrRXfMuPxocw4"
    )


async def test_subscribe_needs_a_callback_url(api: Api) -> None:
    """Without a registered callback URL subscribing is forbidden."""
    path = f"{api.group(KITCHEN)}/playback/subscription"
    reply = await api.post(path)
    assert (reply.status, reply.body) == (
        403,
        {
            "errorCode": "ERROR_NO_PERMISSION",
            "reason": "No callback URL registered for this key",
        },
    )
    assert api.sim.subscriptions == set()
    assert (await api.call("DELETE", path)).status == 200
    reply = await api.post("/groups/RINCON_GONE01400:1/playback/subscription")
    assert reply.status == 410


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/api/webhook/x",
        "http://192.0.2.1/api/webhook/x",
        "ftp://127.0.0.1/x",
        "127.0.0.1/api/webhook/x",
    ],
)
def test_callback_url_must_be_loopback(url: str) -> None:
    """Events never leave the machine."""
    sim = SonosCloudSimulator()
    with pytest.raises(ValueError, match="loopback"):
        sim.callback_url = url
    assert sim.callback_url is None
    sim.callback_url = "http://[::1]:8123/api/webhook/x"
    sim.callback_url = "http://localhost:8123/api/webhook/x"
    assert sim.callback_url == "http://localhost:8123/api/webhook/x"


async def test_subscribe_sends_current_state_signed(
    hooked: Api, receiver: Receiver
) -> None:
    """A subscription gets the current state once, with the seven headers."""
    group_id = hooked.sim.group_id_of(KITCHEN)
    reply = await hooked.post(f"/groups/{group_id}/groupVolume/subscription")
    assert (reply.status, reply.body) == (200, {})
    assert hooked.sim.subscriptions == {("groupVolume", "groupId", group_id)}
    await hooked.sim.drain_events()

    [(headers, body)] = receiver.events
    assert headers["X-Sonos-Household-Id"] == HOUSEHOLD_ID
    assert headers["X-Sonos-Namespace"] == "groupVolume"
    assert headers["X-Sonos-Type"] == "groupVolume"
    assert headers["X-Sonos-Target-Type"] == "groupId"
    assert headers["X-Sonos-Target-Value"] == group_id
    assert headers["X-Sonos-Event-Seq-Id"].isdigit()
    assert headers["X-Sonos-Event-Signature"] == expected_signature(headers)
    assert len(headers["X-Sonos-Event-Signature"]) == 43
    assert headers["Content-Type"].startswith("application/json")
    assert body == (await hooked.get(f"/groups/{group_id}/groupVolume")).body

    [delivery] = hooked.sim.deliveries
    assert (delivery.status, delivery.attempt, delivery.ok) == (200, 1, True)
    assert delivery.body == body
    assert delivery.headers["X-Sonos-Event-Signature"] == expected_signature(headers)


async def subscribe_all(api: Api) -> None:
    group_id = api.sim.group_id_of(LIVING_ROOM)
    for path in (
        *(f"/households/{HOUSEHOLD_ID}/{ns}" for ns in ("groups", "favorites")),
        f"/households/{HOUSEHOLD_ID}/playlists",
        *(f"/groups/{group_id}/{ns}" for ns in ("playback", "playbackMetadata")),
        f"/groups/{group_id}/groupVolume",
        *(f"/players/{KITCHEN}/{ns}" for ns in ("playerVolume", "audioClip")),
    ):
        assert (await api.post(f"{path}/subscription")).status == 200


async def test_initial_events_per_namespace(hooked: Api, receiver: Receiver) -> None:
    """Each namespace sends its own event type, target type and body."""
    await subscribe_all(hooked)
    assert len(hooked.sim.subscriptions) == 8
    await hooked.sim.drain_events()
    seen = {
        h["X-Sonos-Namespace"]: (h["X-Sonos-Type"], h["X-Sonos-Target-Type"], b)
        for h, b in receiver.events
    }
    assert {ns: value[:2] for ns, value in seen.items()} == {
        "groups": ("groups", "householdId"),
        "favorites": ("versionChanged", "householdId"),
        "playlists": ("versionChanged", "householdId"),
        "playback": ("playbackStatus", "groupId"),
        "playbackMetadata": ("metadataStatus", "groupId"),
        "groupVolume": ("groupVolume", "groupId"),
        "playerVolume": ("playerVolume", "playerId"),
        "audioClip": ("audioClipStatus", "playerId"),
    }
    groups = seen["groups"][2]
    assert groups["_objectType"] == "groups"
    assert len(groups["groups"]) == 3
    assert all("playbackState" not in g for g in groups["groups"])
    favorites = (await hooked.get(f"/households/{HOUSEHOLD_ID}/favorites")).body
    assert seen["favorites"][2] == {"version": favorites["version"]}
    assert seen["playback"][2]["playbackState"] == "PLAYBACK_STATE_PLAYING"
    assert seen["playbackMetadata"][2]["container"]["name"] == "Simulator Mix"
    assert seen["audioClip"][2] == {"_objectType": "audioClipStatus", "audioClips": []}
    assert receiver.seq_ids() == sorted(set(receiver.seq_ids()))
    assert all(
        h["X-Sonos-Event-Signature"] == expected_signature(h)
        for h, _ in receiver.events
    )


async def test_events_follow_commands_and_external_changes(
    hooked: Api, receiver: Receiver
) -> None:
    """API commands and test-hook changes both send the new state."""
    await subscribe_all(hooked)
    await hooked.sim.drain_events()
    receiver.events.clear()
    living = hooked.group(LIVING_ROOM)

    await hooked.post(f"{living}/playback/pause")
    hooked.sim.set_playback_state(
        hooked.sim.group_id_of(LIVING_ROOM), "PLAYBACK_STATE_PLAYING"
    )
    await hooked.post(f"{living}/playback/skipToNextTrack")
    await hooked.sim.drain_events()
    states = [b["playbackState"] for _, b in receiver.of("playback")]
    assert states == [
        "PLAYBACK_STATE_PAUSED",
        "PLAYBACK_STATE_PLAYING",
        "PLAYBACK_STATE_PLAYING",
    ]
    assert receiver.of("playback")[-1][1]["itemId"] == "2"
    [(_, metadata)] = receiver.of("playbackMetadata")
    assert metadata["currentItem"]["track"]["name"] == "Static Bloom"

    receiver.events.clear()
    await hooked.post(f"/players/{KITCHEN}/playerVolume", {"volume": 33})
    hooked.sim.set_player_volume(KITCHEN, 44, muted=True)
    await hooked.post(f"{living}/groupVolume", {"volume": 12})
    await hooked.sim.drain_events()
    assert [b for _, b in receiver.of("playerVolume")] == [
        {"_objectType": "playerVolume", "volume": 33, "muted": False, "fixed": False},
        {"_objectType": "playerVolume", "volume": 44, "muted": True, "fixed": False},
    ]
    assert [b["volume"] for _, b in receiver.of("groupVolume")] == [12]

    receiver.events.clear()
    hooked.sim.add_favorite("Late Night", "station")
    hooked.sim.add_playlist("Brunch")
    clip = (
        await hooked.post(
            f"/players/{KITCHEN}/audioClip", {"name": "Bell", "appId": "com.example"}
        )
    ).body
    hooked.sim.finish_clip(KITCHEN, clip["id"])
    await hooked.sim.drain_events()
    favorites = (await hooked.get(f"/households/{HOUSEHOLD_ID}/favorites")).body
    assert [b for _, b in receiver.of("favorites")] == [
        {"version": favorites["version"]}
    ]
    assert len(receiver.of("playlists")) == 1
    statuses = [b["audioClips"][-1]["status"] for _, b in receiver.of("audioClip")]
    assert statuses == ["ACTIVE", "DONE"]
    assert receiver.of("audioClip")[-1][1]["audioClips"][-1]["id"] == clip["id"]

    receiver.events.clear()
    await hooked.post(
        f"/households/{HOUSEHOLD_ID}/groups/createGroup",
        {"playerIds": [KITCHEN, BEDROOM]},
    )
    hooked.sim.external_regroup([BEDROOM])
    await hooked.sim.drain_events()
    bodies = [b for _, b in receiver.of("groups")]
    assert [len(b["groups"]) for b in bodies] == [2, 3]
    assert sorted(receiver.seq_ids()) == receiver.seq_ids()


async def test_no_events_for_position_progress(hooked: Api, receiver: Receiver) -> None:
    """A playing track moving on does not send anything."""
    living = hooked.group(LIVING_ROOM)
    await hooked.post(f"{living}/playback/subscription")
    await hooked.sim.drain_events()
    await asyncio.sleep(0.05)
    await hooked.get(f"{living}/playback")
    await hooked.sim.drain_events()
    assert len(receiver.events) == 1


async def test_unsubscribe_stops_events(hooked: Api, receiver: Receiver) -> None:
    """After DELETE no more events arrive for that namespace and target."""
    path = f"/players/{KITCHEN}/playerVolume"
    await hooked.post(f"{path}/subscription")
    assert (await hooked.call("DELETE", f"{path}/subscription")).body == {}
    assert hooked.sim.subscriptions == set()
    hooked.sim.set_player_volume(KITCHEN, 5)
    await hooked.sim.drain_events()
    assert len(receiver.events) == 1  # only the initial state


async def test_retries_then_drops(hooked: Api, receiver: Receiver) -> None:
    """Non-2xx answers are retried 3 times, then the event is dropped."""
    path = f"/players/{KITCHEN}/playerVolume"
    receiver.statuses = [500, 503, 500, 500]
    await hooked.post(f"{path}/subscription")
    await hooked.sim.drain_events()
    assert [(d.attempt, d.status) for d in hooked.sim.deliveries] == [
        (1, 500),
        (2, 503),
        (3, 500),
        (4, 500),
    ]
    assert len({d.seq_id for d in hooked.sim.deliveries}) == 1

    receiver.statuses = [502]
    hooked.sim.set_player_volume(KITCHEN, 7)
    await hooked.sim.drain_events()
    assert [(d.attempt, d.status) for d in hooked.sim.deliveries[4:]] == [
        (1, 502),
        (2, 200),
    ]
    assert receiver.events[-1][1]["volume"] == 7


async def test_unreachable_callback(hooked: Api, receiver: Receiver) -> None:
    """Connection errors count as failures and are recorded with the error."""
    path = f"/players/{KITCHEN}/playerVolume"
    await hooked.post(f"{path}/subscription")
    await hooked.sim.drain_events()
    unused = TestServer(web.Application(), host="127.0.0.1")
    await unused.start_server()
    url = str(unused.make_url("/api/webhook/gone"))
    await unused.close()
    hooked.sim.callback_url = url
    hooked.sim.set_player_volume(KITCHEN, 9)
    await hooked.sim.drain_events()
    failed = hooked.sim.deliveries[1:]
    assert [d.attempt for d in failed] == [1, 2, 3, 4]
    assert all(d.status is None and d.error for d in failed)
    assert len(receiver.events) == 1


async def test_retry_delay(serve: Serve, receiver: Receiver) -> None:
    """Retries wait the configured delay."""
    api = await serve(event_retries=1)
    assert api.sim.event_retry_delay == 1.0
    api.sim.event_retry_delay = 0.05
    api.sim.callback_url = receiver.url
    receiver.statuses = [500]
    loop = asyncio.get_running_loop()
    start = loop.time()
    await api.post(f"/players/{KITCHEN}/playerVolume/subscription")
    await api.sim.drain_events()
    assert loop.time() - start >= 0.05
    assert [d.status for d in api.sim.deliveries] == [500, 200]


async def test_event_faults(hooked: Api, receiver: Receiver) -> None:
    """Duplicates, out-of-order pairs and bad signatures on demand."""
    await hooked.post(f"/players/{KITCHEN}/playerVolume/subscription")
    await hooked.sim.drain_events()
    receiver.events.clear()

    hooked.sim.event_faults.duplicate = 1
    hooked.sim.set_player_volume(KITCHEN, 1)
    await hooked.sim.drain_events()
    first, second = receiver.events
    assert first == second

    receiver.events.clear()
    hooked.sim.event_faults.reorder = 1
    hooked.sim.set_player_volume(KITCHEN, 2)
    hooked.sim.set_player_volume(KITCHEN, 3)
    hooked.sim.set_player_volume(KITCHEN, 4)
    await hooked.sim.drain_events()
    assert [b["volume"] for _, b in receiver.events] == [3, 2, 4]
    ids = receiver.seq_ids()
    assert ids[0] > ids[1]
    assert ids[2] > ids[0]

    receiver.events.clear()
    hooked.sim.event_faults.reorder = 1
    hooked.sim.set_player_volume(KITCHEN, 5)
    await hooked.sim.drain_events()  # a held event is flushed by drain
    assert [b["volume"] for _, b in receiver.events] == [5]

    receiver.events.clear()
    hooked.sim.event_faults.bad_signature = 1
    hooked.sim.set_player_volume(KITCHEN, 6)
    hooked.sim.set_player_volume(KITCHEN, 7)
    await hooked.sim.drain_events()
    (bad, _), (good, _) = receiver.events
    assert bad["X-Sonos-Event-Signature"] != expected_signature(bad)
    assert len(bad["X-Sonos-Event-Signature"]) == 43
    assert good["X-Sonos-Event-Signature"] == expected_signature(good)


async def test_subscription_expiry_and_renewal(
    serve: Serve, receiver: Receiver
) -> None:
    """Subscriptions run out after the TTL; subscribing again renews them."""
    api = await serve(event_retry_delay=0, subscription_ttl=0.2)
    api.sim.callback_url = receiver.url
    key = ("playerVolume", "playerId", KITCHEN)
    path = f"/players/{KITCHEN}/playerVolume/subscription"
    await api.post(path)
    first = api.sim.subscription_expires_at(*key)
    assert first is not None
    await asyncio.sleep(0.05)
    await api.post(path)
    renewed = api.sim.subscription_expires_at(*key)
    assert renewed is not None
    assert renewed > first
    await asyncio.sleep(0.25)
    assert api.sim.subscriptions == set()
    assert api.sim.subscription_expires_at(*key) is None
    await api.sim.drain_events()
    count = len(receiver.events)
    api.sim.set_player_volume(KITCHEN, 3)
    await api.sim.drain_events()
    assert len(receiver.events) == count == 2


def test_default_subscription_ttl_is_three_days() -> None:
    """Three days unless configured otherwise."""
    sim = SonosCloudSimulator()
    assert sim._subscriptions.ttl == 3 * 86400


async def test_subscriptions_of_vanished_targets_are_cleaned_up(
    serve: Serve, receiver: Receiver
) -> None:
    """Group subscriptions go some time after the group; groups ones stay."""
    api = await serve(event_retry_delay=0, subscription_cleanup_delay=0.1)
    api.sim.callback_url = receiver.url
    kitchen = api.sim.group_id_of(KITCHEN)
    await api.post(f"/groups/{kitchen}/playback/subscription")
    await api.post(f"/households/{HOUSEHOLD_ID}/groups/subscription")
    api.sim.external_regroup([KITCHEN, BEDROOM])
    assert ("playback", "groupId", kitchen) in api.sim.subscriptions
    await asyncio.sleep(0.15)
    assert api.sim.subscriptions == {("groups", "householdId", HOUSEHOLD_ID)}
    await api.sim.drain_events()


async def test_playback_error_event(hooked: Api, receiver: Receiver) -> None:
    """A playbackError event, then the group drops to IDLE."""
    group_id = hooked.sim.group_id_of(LIVING_ROOM)
    await hooked.post(f"/groups/{group_id}/playback/subscription")
    hooked.sim.emit_playback_error(group_id)
    await hooked.sim.drain_events()
    types = [h["X-Sonos-Type"] for h, _ in receiver.events]
    assert types == ["playbackStatus", "playbackError", "playbackStatus"]
    error = receiver.events[1][1]
    assert error["_objectType"] == "playbackError"
    assert error["errorCode"] == "ERROR_PLAYBACK_FAILED"
    assert error["itemId"] == "1"
    assert receiver.events[2][1]["playbackState"] == "PLAYBACK_STATE_IDLE"
    assert receiver.events[1][0]["X-Sonos-Event-Signature"] == expected_signature(
        receiver.events[1][0]
    )


# -- inspection from another process ----------------------------------------


async def test_inspect_requests_lists_calls_without_headers(api: Api) -> None:
    """The request log is readable over HTTP, paged by index, tokens left out."""
    before = await api.get("/simulator/requests", anonymous=True, control=False)
    assert before.status == 200
    start = before.body["total"]
    await api.post(f"/groups/{LIVING_ROOM}:1/playback/pause")
    await api.get("/households")

    reply = await api.get(
        f"/simulator/requests?since={start}", anonymous=True, control=False
    )

    assert reply.status == 200
    assert reply.body["total"] == start + 2
    assert [(r["method"], r["path"]) for r in reply.body["requests"]] == [
        ("POST", f"/groups/{LIVING_ROOM}:1/playback/pause"),
        ("GET", "/households"),
    ]
    assert all("headers" not in r for r in reply.body["requests"])
    assert api.token not in json.dumps(reply.body)
    # Looking did not add to what is seen.
    assert len(api.sim.requests) == start + 2


async def test_inspect_requests_rejects_a_bad_index(api: Api) -> None:
    reply = await api.get("/simulator/requests?since=x", anonymous=True, control=False)
    assert reply.status == 400


async def test_inspect_sets_the_callback_url_on_loopback_only(api: Api) -> None:
    """Like the developer portal: the key's callback URL, loopback only."""
    url = "http://127.0.0.1:8123/api/webhook/abc"
    reply = await api.call(
        "PUT",
        "/simulator/callback-url",
        anonymous=True,
        control=False,
        json={"url": url},
    )
    assert (reply.status, reply.body) == (200, {"url": url})
    assert api.sim.callback_url == url

    for bad in ({"url": "http://192.0.2.1/hook"}, {"address": url}, {"url": 5}):
        reply = await api.call(
            "PUT", "/simulator/callback-url", anonymous=True, control=False, json=bad
        )
        assert reply.status == 400
    assert api.sim.callback_url == url


async def test_the_sonos_app_acts_without_a_token(api: Api) -> None:
    """The app's path reaches the same Control API, recorded apart."""
    start = len(api.sim.requests)
    reply = await api.call(
        "POST",
        f"/simulator/app/players/{KITCHEN}/playerVolume",
        anonymous=True,
        control=False,
        json={"volume": 17},
    )
    assert reply.status == 200
    assert api.sim.model.players[KITCHEN].volume == 17
    [recorded] = api.sim.requests[start:]
    assert (recorded.api, recorded.path) == ("app", f"/players/{KITCHEN}/playerVolume")
    assert recorded not in api.sim.control_requests()  # not the integration's


# -- artwork ----------------------------------------------------------------


async def test_artwork_looks_like_album_covers(api: Api) -> None:
    """Each album gets its own colours and its title; the same on every request."""
    harbor = await api.get("/images/covers/hl.jpg", anonymous=True, control=False)
    night = await api.get("/images/covers/nt.jpg", anonymous=True, control=False)
    again = await api.get("/images/covers/hl.jpg", anonymous=True, control=False)
    assert harbor.status == night.status == 200
    assert harbor.headers["Content-Type"].startswith("image/svg+xml")
    assert "Harbor Lights" in harbor.body
    assert "The Velvet Orchards" in harbor.body
    assert "Night Transit" in night.body
    assert harbor.body == again.body
    colours = {body.split("stop-color=")[1] for body in (harbor.body, night.body)}
    assert len(colours) == 2


async def test_artwork_of_favorites_and_unknown_images(api: Api) -> None:
    """A favorite's picture carries its name; an unknown one a title of its path."""
    mix = await api.get(
        "/images/favorites/morning-mix.jpg", anonymous=True, control=False
    )
    station = await api.get(
        "/images/stations/harbour-fm.png", anonymous=True, control=False
    )
    assert "Morning Mix" in mix.body
    assert "Sonos favorite" in mix.body
    assert "Harbour Fm" in station.body
