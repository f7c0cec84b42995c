"""The Control API client over real HTTP against the simulator, without HA."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from unittest.mock import patch

import aiohttp
import pytest

from custom_components.sonos_cloud.api import (
    RequestPacer,
    SonosAuthError,
    SonosCloudClient,
    SonosConnectionError,
    SonosInvalidResponseError,
    SonosRateLimitedError,
    SonosRequestError,
    SonosServerError,
    SonosTargetGoneError,
    SonosValueTooLongError,
    Volume,
    namespaces as ns,
)
from custom_components.sonos_cloud.endpoints import sonos_endpoints
from tests.conftest import HOUSEHOLD_ID, KITCHEN, LIVING_ROOM
from tests.simulator import Fault, SonosCloudSimulator


class TokenJar:
    """A token provider that fetches a fresh token from the simulator on demand."""

    def __init__(self, simulator: SonosCloudSimulator) -> None:
        self.simulator = simulator
        self.token = simulator.issue_tokens()["access_token"]
        self.rejected: list[str | None] = []

    async def __call__(self, rejected_token: str | None = None) -> str:
        if rejected_token is not None:
            self.rejected.append(rejected_token)
            self.token = self.simulator.issue_tokens()["access_token"]
        return self.token


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def tokens(simulator: SonosCloudSimulator) -> TokenJar:
    return TokenJar(simulator)


@pytest.fixture
def client(session: aiohttp.ClientSession, tokens: TokenJar) -> SonosCloudClient:
    return SonosCloudClient(
        session,
        tokens,
        base_url=sonos_endpoints().control_api_url,
        user_agent="sonos-cloud-tests/1",
    )


async def test_households_and_groups(
    client: SonosCloudClient, simulator: SonosCloudSimulator
) -> None:
    """Discovery returns typed households, groups and players."""
    households = await client.get_households()
    assert [household.id for household in households] == [HOUSEHOLD_ID]

    topology = await client.get(ns.GROUPS, HOUSEHOLD_ID)
    assert {player.name for player in topology.players} == {
        "Living Room",
        "Kitchen",
        "Bedroom",
    }
    assert {group.id for group in topology.groups} == {
        simulator.group_id_of(player) for player in simulator.model.players
    }
    request = simulator.control_requests()[-1]
    assert request.headers["User-Agent"] == "sonos-cloud-tests/1"


async def test_volume_round_trip(
    client: SonosCloudClient, simulator: SonosCloudSimulator
) -> None:
    """Player and group volume commands send exactly the documented bodies."""
    group_id = simulator.group_id_of(KITCHEN)
    await client.set_player_volume(KITCHEN, 33)
    await client.set_player_mute(KITCHEN, True)
    assert await client.get(ns.PLAYER_VOLUME, KITCHEN) == Volume(33, muted=True)
    await client.set_group_volume(group_id, 40)
    await client.set_group_mute(group_id, True)
    assert await client.get(ns.GROUP_VOLUME, group_id) == Volume(40, muted=True)

    bodies = [(r.method, r.json) for r in simulator.control_requests()]
    assert bodies == [
        ("POST", {"volume": 33}),
        ("POST", {"muted": True}),
        ("GET", None),
        ("POST", {"volume": 40}),
        ("POST", {"muted": True}),
        ("GET", None),
    ]


async def test_home_theater_options(
    client: SonosCloudClient, simulator: SonosCloudSimulator
) -> None:
    """Options are read and changed on the player; unset ones are not sent."""
    assert await client.get(ns.HOME_THEATER, LIVING_ROOM) == ns.HomeTheaterOptions(
        night_mode=False, enhance_dialog=False
    )
    answer = await client.change(ns.HOME_THEATER, LIVING_ROOM, night_mode=True)
    assert answer == ns.HomeTheaterOptions(night_mode=True, enhance_dialog=False)
    answer = await client.change(
        ns.HOME_THEATER, LIVING_ROOM, night_mode=False, enhance_dialog=True
    )
    assert answer == ns.HomeTheaterOptions(night_mode=False, enhance_dialog=True)
    assert [(r.method, r.json) for r in simulator.control_requests()] == [
        ("GET", None),
        ("POST", {"nightMode": True}),
        ("POST", {"nightMode": False, "enhanceDialog": True}),
    ]
    with pytest.raises(SonosRequestError) as refused:
        await client.get(ns.HOME_THEATER, KITCHEN)
    assert refused.value.error_code == "ERROR_UNSUPPORTED_NAMESPACE"


async def test_playback_commands(
    client: SonosCloudClient, simulator: SonosCloudSimulator
) -> None:
    """Transport commands change the group's state."""
    group_id = simulator.group_id_of(LIVING_ROOM)
    await client.pause(group_id)
    assert (await client.get(ns.PLAYBACK, group_id)).state == "PLAYBACK_STATE_PAUSED"
    await client.play(group_id)
    await client.skip_to_next_track(group_id)
    await client.skip_to_previous_track(group_id)
    status = await client.get(ns.PLAYBACK, group_id)
    assert status.state == "PLAYBACK_STATE_PLAYING"


@pytest.mark.parametrize("volume", [-1, 101, 1.5, True])
async def test_volume_is_checked_before_sending(
    client: SonosCloudClient, simulator: SonosCloudSimulator, volume: int
) -> None:
    """An out-of-range volume costs no request."""
    with pytest.raises(ValueError, match="Volume must be"):
        await client.set_player_volume(KITCHEN, volume)
    assert simulator.control_requests() == []


async def test_refused_token_is_replaced_once(
    client: SonosCloudClient, simulator: SonosCloudSimulator, tokens: TokenJar
) -> None:
    """A 401 asks the provider for a new token, naming the refused one."""
    refused = tokens.token
    simulator.expire_access_tokens()

    assert await client.get_households()
    assert tokens.rejected == [refused]
    assert [r.status for r in simulator.control_requests()] == [401, 200]


@pytest.mark.parametrize("simulator_options", [{"unauthorized_body": "access_denied"}])
async def test_token_refused_twice(
    client: SonosCloudClient, simulator: SonosCloudSimulator
) -> None:
    """A second 401 is an authentication error, whatever the body looks like."""
    simulator.inject(Fault(method="GET", path="/households", status=401, times=0))
    with pytest.raises(SonosAuthError) as exc_info:
        await client.get_households()
    assert exc_info.value.status == 401


@pytest.mark.parametrize(
    ("fault", "error", "code"),
    [
        (
            Fault(method="*", path="/households", status=404),
            SonosTargetGoneError,
            "ERROR_RESOURCE_NOT_FOUND",
        ),
        (
            Fault(method="*", path="/households", status=410),
            SonosTargetGoneError,
            "ERROR_RESOURCE_GONE",
        ),
        (
            Fault(method="*", path="/households", status=500),
            SonosServerError,
            "ERROR_INTERNAL",
        ),
        (
            Fault(
                method="*", path="/households", status=504, raw_body="Gateway Timeout"
            ),
            SonosServerError,
            None,
        ),
        (
            Fault(
                method="*",
                path="/households",
                status=499,
                body={"errorCode": "ERROR_COMMAND_FAILED", "reason": "busy"},
            ),
            SonosRequestError,
            "ERROR_COMMAND_FAILED",
        ),
        (
            Fault(method="*", path="/households", status=403, body=["x"]),
            SonosRequestError,
            None,
        ),
        (
            Fault(method="*", path="/households", status=302, raw_body=""),
            SonosInvalidResponseError,
            None,
        ),
        (
            Fault(method="*", path="/households", status=200, raw_body="{oops"),
            SonosInvalidResponseError,
            None,
        ),
        (
            Fault(method="*", path="/households", status=200, body=[1, 2]),
            SonosInvalidResponseError,
            None,
        ),
        (
            Fault(method="*", path="/households", status=200, body={"households": {}}),
            SonosInvalidResponseError,
            None,
        ),
    ],
)
async def test_error_mapping(
    client: SonosCloudClient,
    simulator: SonosCloudSimulator,
    fault: Fault,
    error: type[Exception],
    code: str | None,
) -> None:
    """Each kind of failure becomes the matching error with the Sonos code."""
    simulator.inject(fault)
    with pytest.raises(error) as exc_info:
        await client.get_households()
    assert getattr(exc_info.value, "error_code", None) == code


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [
        ("30", 30.0),
        (" 7 ", 7.0),
        ("0", 0.0),
        ("soon", None),
        ("-5", None),
        ("", None),
        (None, None),
        # Sane bounds: never longer than an hour, never a number too big to show.
        ("86400", 3600.0),
        pytest.param("9" * 400, 3600.0, id="400-digits"),
        ("1e308", None),
        ("inf", None),
        ("-inf", None),
        ("nan", None),
        ("0x10", None),
        ("²", None),
        # An HTTP-date in the past means: now.
        ("Sun, 06 Nov 1994 08:49:37 GMT", 0.0),
        ("Sunday, 06-Nov-94 08:49:37 GMT", 0.0),
        ("Sun Nov  6 08:49:37 1994", 0.0),
        ("Fri, 31 Dec 9999 23:59:59 GMT", 3600.0),
        ("Mon, 32 Foo 1994 99:99:99 GMT", None),
    ],
)
async def test_rate_limited(
    client: SonosCloudClient,
    simulator: SonosCloudSimulator,
    retry_after: str | None,
    expected: float | None,
) -> None:
    """A 429 carries how long to wait when the header makes sense."""
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    simulator.inject(
        Fault(
            method="GET",
            path="/households",
            status=429,
            headers=headers,
            body={"errorCode": "TOO_MANY_REQUESTS"},
        )
    )
    with pytest.raises(SonosRateLimitedError) as exc_info:
        await client.get_households()
    assert exc_info.value.retry_after == expected
    assert exc_info.value.error_code == "TOO_MANY_REQUESTS"


@pytest.mark.parametrize(
    ("method", "retry_after"), [("POST", "3"), ("GET", "1")], ids=["long", "read"]
)
async def test_rate_limit_waited_out_for_short_commands_only(
    client: SonosCloudClient,
    simulator: SonosCloudSimulator,
    method: str,
    retry_after: str,
) -> None:
    """Only a command with a short Retry-After is sent again; others fail at once."""
    path = "/households" if method == "GET" else r"/groups/.*/playback/pause"
    simulator.inject(
        Fault(
            method=method,
            path=path,
            status=429,
            headers={"Retry-After": retry_after},
            body={"errorCode": "TOO_MANY_REQUESTS"},
        )
    )
    call = (
        client.get_households()
        if method == "GET"
        else client.pause(simulator.group_id_of(KITCHEN))
    )
    with pytest.raises(SonosRateLimitedError) as exc_info:
        await call
    assert exc_info.value.error_code == "TOO_MANY_REQUESTS"
    assert len(simulator.control_requests()) == 1


async def test_rate_limited_until_http_date(
    client: SonosCloudClient, simulator: SonosCloudSimulator
) -> None:
    """A Retry-After HTTP-date (RFC 9110) becomes the seconds until then."""
    until = datetime.now(UTC) + timedelta(seconds=120)
    simulator.inject(
        Fault(
            method="GET",
            path="/households",
            status=429,
            headers={"Retry-After": format_datetime(until, usegmt=True)},
        )
    )
    with pytest.raises(SonosRateLimitedError) as exc_info:
        await client.get_households()
    assert exc_info.value.retry_after is not None
    assert 110 <= exc_info.value.retry_after <= 120


async def test_empty_success_body(
    client: SonosCloudClient, simulator: SonosCloudSimulator
) -> None:
    """Commands may answer with an empty body."""
    simulator.inject(
        Fault(method="POST", path=r"/groups/.*/playback/pause", status=200, raw_body="")
    )
    await client.pause(simulator.group_id_of(LIVING_ROOM))


async def test_timeout(
    session: aiohttp.ClientSession, tokens: TokenJar, simulator: SonosCloudSimulator
) -> None:
    """A request that takes too long is a connection error."""
    client = SonosCloudClient(
        session, tokens, base_url=sonos_endpoints().control_api_url, timeout=0.05
    )
    simulator.inject(Fault(method="GET", path="/households", status=200, delay=1))
    with pytest.raises(SonosConnectionError, match="timed out"):
        await client.get_households()


async def test_dropped_connection_is_retried_when_safe(
    client: SonosCloudClient, simulator: SonosCloudSimulator
) -> None:
    """A kept-alive connection the server dropped: reads and subscribes go again.

    A command is not sent twice: it may have reached Sonos before the drop.
    """
    simulator.inject(
        Fault(method="GET", path="/households", status=200, disconnect=True)
    )
    assert [household.id for household in await client.get_households()]
    simulator.callback_url = "http://127.0.0.1:9/nowhere"  # events go nowhere
    simulator.event_retry_delay = 0
    target = f"players/{KITCHEN}"
    path = f"/{target}/playerVolume/subscription"
    simulator.inject(Fault(method="POST", path=path, status=200, disconnect=True))
    await client.subscribe(target, "playerVolume")
    assert ("playerVolume", "playerId", KITCHEN) in simulator.subscriptions
    assert [(r.method, r.path) for r in simulator.control_requests()] == [
        ("GET", "/households"),
        ("GET", "/households"),
        ("POST", path),
        ("POST", path),
    ]

    simulator.clear_requests()
    group_id = simulator.group_id_of(LIVING_ROOM)
    simulator.inject(
        Fault(
            method="POST",
            path=r"/groups/.*/playback/pause",
            status=200,
            disconnect=True,
        )
    )
    with pytest.raises(SonosConnectionError):
        await client.pause(group_id)
    assert len(simulator.control_requests()) == 1


async def test_unreachable(session: aiohttp.ClientSession, tokens: TokenJar) -> None:
    """A closed port is a connection error that names no secret."""
    client = SonosCloudClient(session, tokens, base_url="http://127.0.0.1:9/control")
    with pytest.raises(SonosConnectionError) as exc_info:
        await client.get_households()
    assert tokens.token not in str(exc_info.value)


async def test_grouping_commands(
    client: SonosCloudClient, simulator: SonosCloudSimulator
) -> None:
    """Grouping commands return the new group, whose id Sonos re-minted."""
    living_room_group = simulator.group_id_of(LIVING_ROOM)
    group = await client.modify_group_members(living_room_group, add=[KITCHEN])
    assert set(group.player_ids) == {LIVING_ROOM, KITCHEN}
    assert group.coordinator_id == LIVING_ROOM

    alone = await client.create_group(
        HOUSEHOLD_ID, [KITCHEN], music_context_group_id=group.id
    )
    assert alone.player_ids == (KITCHEN,)
    assert [r.json for r in simulator.control_requests()] == [
        {"playerIdsToAdd": [KITCHEN], "playerIdsToRemove": []},
        {"playerIds": [KITCHEN], "musicContextGroupId": group.id},
    ]


async def test_grouping_answer_without_group(
    client: SonosCloudClient, simulator: SonosCloudSimulator
) -> None:
    """A grouping answer without a group is garbage."""
    simulator.inject(
        Fault(method="POST", path=r".*/createGroup", status=200, body={"x": 1})
    )
    with pytest.raises(SonosInvalidResponseError):
        await client.create_group(HOUSEHOLD_ID, [KITCHEN])


async def test_metadata_and_play_modes(
    client: SonosCloudClient, simulator: SonosCloudSimulator
) -> None:
    """Metadata, play modes and relative volume use the documented bodies."""
    group_id = simulator.group_id_of(LIVING_ROOM)
    metadata = await client.get(ns.METADATA, group_id)
    assert metadata.title
    assert metadata.duration_ms

    await client.set_play_modes(group_id, shuffle=True, crossfade=False)
    status = await client.get(ns.PLAYBACK, group_id)
    assert status.play_modes is not None
    assert status.play_modes.shuffle is True
    await client.set_player_relative_volume(KITCHEN, -3)
    assert simulator.model.players[KITCHEN].volume == 15
    assert [r.json for r in simulator.control_requests() if r.method == "POST"] == [
        {"playModes": {"shuffle": True, "crossfade": False}},
        {"volumeDelta": -3},
    ]


@pytest.mark.parametrize(
    "call",
    [
        lambda client: client.seek("RINCON_X:1", -1),
        lambda client: client.set_play_modes("RINCON_X:1"),
        lambda client: client.set_player_relative_volume(KITCHEN, 101),
        lambda client: client.set_player_relative_volume(KITCHEN, True),
        lambda client: client.change(ns.HOME_THEATER, LIVING_ROOM),
    ],
)
async def test_arguments_checked_before_sending(
    client: SonosCloudClient, simulator: SonosCloudSimulator, call: Any
) -> None:
    """Arguments the API would refuse cost no request."""
    with pytest.raises(ValueError, match=r"must|No play mode|No home theater option"):
        await call(client)
    assert simulator.control_requests() == []


async def test_library_and_sessions(
    client: SonosCloudClient, simulator: SonosCloudSimulator
) -> None:
    """Favorites, playlists and stream sessions parse and send what Sonos expects."""
    library = await client.get(ns.FAVORITES, HOUSEHOLD_ID)
    version, favorites = library.version, library.items
    assert version
    assert "Morning Mix" in {favorite.name for favorite in favorites}
    playlists = (await client.get(ns.PLAYLISTS, HOUSEHOLD_ID)).items
    assert {playlist.name for playlist in playlists} == {"Dinner", "Workout"}

    session_id = await client.create_session(
        simulator.group_id_of(KITCHEN), "app.test", "ctx"
    )
    await client.load_stream_url(session_id, "https://radio.invalid/live.mp3")
    assert simulator.control_requests()[-1].json == {
        "streamUrl": "https://radio.invalid/live.mp3",
        "playOnCompletion": True,
    }


@pytest.mark.parametrize(
    ("fault", "call"),
    [
        (
            Fault(method="GET", path=r".*/favorites", status=200, body={"items": {}}),
            lambda client: client.get(ns.FAVORITES, HOUSEHOLD_ID),
        ),
        (
            Fault(
                method="GET", path=r".*/playlists", status=200, body={"playlists": 1}
            ),
            lambda client: client.get(ns.PLAYLISTS, HOUSEHOLD_ID),
        ),
        (
            Fault(method="POST", path=r".*/playbackSession", status=200, body={}),
            lambda client: client.create_session("RINCON_X:1", "a", "b"),
        ),
    ],
)
async def test_library_garbage(
    client: SonosCloudClient, simulator: SonosCloudSimulator, fault: Fault, call: Any
) -> None:
    """Malformed library and session answers are reported, not guessed."""
    simulator.inject(fault)
    with pytest.raises(SonosInvalidResponseError):
        await call(client)


async def test_requests_are_paced(
    session: aiohttp.ClientSession, tokens: TokenJar, simulator: SonosCloudSimulator
) -> None:
    """Beyond a one-second burst, requests wait for their turn."""
    # A clock that moves only by the waits the pacer asks for.
    clock = [1000.0]
    waits: list[float] = []
    loop = asyncio.get_running_loop()

    def wait_then(delay: float, callback: Callable[[], None]) -> asyncio.Handle:
        waits.append(delay)
        clock[0] += delay
        return loop.call_soon(callback)

    with (
        patch(
            "custom_components.sonos_cloud.api.pacer.time.monotonic",
            side_effect=lambda: clock[0],
        ),
        patch.object(loop, "call_later", side_effect=wait_then),
    ):
        client = SonosCloudClient(
            session,
            tokens,
            base_url=sonos_endpoints().control_api_url,
            pacer=RequestPacer(2),
        )
        for _ in range(4):
            await client.get_households()
    assert waits == [0.5, 0.5]
    assert len(simulator.control_requests()) == 4


@pytest.mark.parametrize(
    ("command", "field", "limit"),
    [
        (lambda c, g: c.load_favorite(g, "7" * 37), "favoriteId", 36),
        (lambda c, g: c.load_playlist(g, "7" * 10**6), "playlistId", 36),
        (lambda c, g: c.create_session(g, "a" * 128, "b"), "appId", 127),
        (lambda c, g: c.create_session(g, "a", "b" * 128), "appContext", 127),
        (
            lambda c, g: c.load_stream_url("S", "https://h/" + "u" * 1015),
            "streamUrl",
            1024,
        ),
        (
            lambda c, g: c.play_stream_url(
                g, "https://h/" + "u" * 10**6, app_id="a", app_context="b"
            ),
            "streamUrl",
            1024,
        ),
        (
            lambda c, g: c.play_stream_url(
                g, "https://h/", app_id="a" * 200, app_context="b"
            ),
            "appId",
            127,
        ),
        (
            lambda c, g: c.load_audio_clip(LIVING_ROOM, name="n", app_id="a" * 128),
            "appId",
            127,
        ),
        (
            lambda c, g: c.load_audio_clip(
                LIVING_ROOM, name="n", app_id="a", stream_url="https://h/" + "u" * 1015
            ),
            "streamUrl",
            1024,
        ),
    ],
    ids=[
        "favorite",
        "playlist",
        "session-app-id",
        "session-context",
        "stream",
        "play-stream",
        "play-stream-app-id",
        "clip-app-id",
        "clip-url",
    ],
)
async def test_values_over_the_contract_limits_send_nothing(
    client: SonosCloudClient,
    simulator: SonosCloudSimulator,
    command: Callable[[SonosCloudClient, str], Awaitable[object]],
    field: str,
    limit: int,
) -> None:
    """Too long values raise before any request; the message omits the value."""
    with pytest.raises(SonosValueTooLongError) as exc_info:
        await command(client, simulator.group_id_of(KITCHEN))

    assert (exc_info.value.field, exc_info.value.limit) == (field, limit)
    assert isinstance(exc_info.value, ValueError)
    assert len(str(exc_info.value)) < 100
    assert simulator.control_requests() == []


async def test_seek_beyond_int32_sends_nothing(
    client: SonosCloudClient, simulator: SonosCloudSimulator
) -> None:
    """Positions are int32 in the contract; larger ones are refused locally."""
    with pytest.raises(ValueError, match="Position must be from 0"):
        await client.seek(simulator.group_id_of(KITCHEN), 2**31)
    assert simulator.control_requests() == []


async def test_long_station_name_is_cut(
    client: SonosCloudClient, simulator: SonosCloudSimulator
) -> None:
    """A station name over 100 characters is sent as its first 100."""
    await client.play_stream_url(
        simulator.group_id_of(KITCHEN),
        "https://radio.invalid/live.mp3",
        app_id="com.example",
        app_context="stream",
        station_name="S" * 150,
    )
    load = simulator.control_requests()[-1]
    assert (load.status, load.json["stationMetadata"]) == (200, {"name": "S" * 100})
