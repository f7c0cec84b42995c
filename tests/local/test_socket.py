"""The api/ client of one player's websocket, against a simulated player."""

import asyncio
import hashlib

import aiohttp
import pytest

from custom_components.sonos_cloud.api import SonosConnectionError, SonosEvent
from custom_components.sonos_cloud.api.local import (
    SonosLocalAuthError,
    SonosLocalCommandError,
)
from custom_components.sonos_cloud.api.local_socket import SonosLocalSocket
from tests.conftest import CLIENT_ID, HOUSEHOLD_ID, KITCHEN, LIVING_ROOM
from tests.simulator import SonosCloudSimulator
from tests.simulator.local import LocalPlayers


class Tokens:
    """An access token provider that counts what it hands out."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.calls = 0

    async def __call__(self, rejected_token: str | None = None) -> str:
        self.calls += 1
        return self.token


async def _socket(
    session: aiohttp.ClientSession,
    players: LocalPlayers,
    player_id: str,
    tokens: Tokens,
    events: asyncio.Queue[SonosEvent],
) -> SonosLocalSocket:
    sock = SonosLocalSocket(
        session, players.players[player_id].url, CLIENT_ID, tokens, events.put_nowait
    )
    await sock.async_connect()
    return sock


@pytest.fixture
async def session() -> aiohttp.ClientSession:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_subscribe_and_events(
    session: aiohttp.ClientSession,
    simulator: SonosCloudSimulator,
    local_players: LocalPlayers,
) -> None:
    """Headers, framing, the current state on subscribe, then each change."""
    tokens = Tokens(simulator.issue_tokens()["access_token"])
    events: asyncio.Queue[SonosEvent] = asyncio.Queue()
    sock = await _socket(session, local_players, LIVING_ROOM, tokens, events)
    assert sock.connected
    assert sock.fingerprint == hashlib.sha256(local_players.certificate).hexdigest()
    await sock.async_subscribe("playerVolume", {"playerId": LIVING_ROOM})
    first = await events.get()
    assert (first.namespace, first.type, first.target_type, first.target_value) == (
        "playerVolume",
        "playerVolume",
        "playerId",
        LIVING_ROOM,
    )
    assert first.household_id == HOUSEHOLD_ID
    simulator.set_player_volume(LIVING_ROOM, 42)
    changed = await events.get()
    assert changed.body["volume"] == 42
    player = local_players.players[LIVING_ROOM]
    assert player.handshakes == [
        {
            "api_key": CLIENT_ID,
            "protocol": "v1.api.smartspeaker.audio",
            "authorization": None,
        }
    ]
    assert [c.authorization for c in player.commands] == [None]
    assert tokens.calls == 0
    await sock.async_unsubscribe("playerVolume", {"playerId": LIVING_ROOM})
    simulator.set_player_volume(LIVING_ROOM, 43)
    await local_players.drain()
    assert events.empty()
    await sock.async_close()
    assert not sock.connected
    await sock.async_wait_closed()
    with pytest.raises(SonosConnectionError):
        await sock.async_subscribe("playerVolume", {"playerId": LIVING_ROOM})


async def test_refusals(
    session: aiohttp.ClientSession,
    simulator: SonosCloudSimulator,
    local_players: LocalPlayers,
) -> None:
    """A target the player does not serve is refused with its error code."""
    events: asyncio.Queue[SonosEvent] = asyncio.Queue()
    sock = await _socket(session, local_players, LIVING_ROOM, Tokens("x"), events)
    with pytest.raises(SonosLocalCommandError) as err:
        await sock.async_subscribe("playerVolume", {"playerId": KITCHEN})
    assert err.value.error_code == "ERROR_INVALID_OBJECT_ID"
    group_id = simulator.group_id_of(KITCHEN)
    with pytest.raises(SonosLocalCommandError):
        await sock.async_subscribe("playback", {"groupId": group_id})
    moved = await events.get()
    assert moved.type == "groupCoordinatorChanged"
    assert moved.target_value == group_id
    assert moved.body["groupStatus"] == "GROUP_STATUS_MOVED"
    await sock.async_close()


async def test_token_only_when_asked(
    session: aiohttp.ClientSession,
    simulator: SonosCloudSimulator,
    local_players: LocalPlayers,
) -> None:
    """A player that wants the token gets it, once asked; later commands too."""
    player = local_players.players[LIVING_ROOM]
    player.mode = "token"
    tokens = Tokens(simulator.issue_tokens()["access_token"])
    events: asyncio.Queue[SonosEvent] = asyncio.Queue()
    sock = await _socket(session, local_players, LIVING_ROOM, tokens, events)
    await sock.async_subscribe("playerVolume", {"playerId": LIVING_ROOM})
    await sock.async_subscribe("audioClip", {"playerId": LIVING_ROOM})
    assert [(c.authorization is not None, c.success) for c in player.commands] == [
        (False, False),
        (True, True),
        (True, True),
    ]
    assert player.commands[1].authorization == f"Bearer {tokens.token}"
    assert sock.send_token
    await sock.async_close()


async def test_token_withheld_or_refused(
    session: aiohttp.ClientSession,
    simulator: SonosCloudSimulator,
    local_players: LocalPlayers,
) -> None:
    """No token where it is not allowed; a refused token is an auth error."""
    player = local_players.players[LIVING_ROOM]
    player.mode = "token"
    events: asyncio.Queue[SonosEvent] = asyncio.Queue()
    sock = await _socket(session, local_players, LIVING_ROOM, Tokens("bad"), events)
    sock.token_allowed = False
    with pytest.raises(SonosLocalAuthError):
        await sock.async_subscribe("playerVolume", {"playerId": LIVING_ROOM})
    assert [c.authorization for c in player.commands] == [None]
    sock.token_allowed = True
    with pytest.raises(SonosLocalAuthError):
        await sock.async_subscribe("playerVolume", {"playerId": LIVING_ROOM})
    assert player.commands[-1].authorization == "Bearer bad"
    await sock.async_close()


async def test_connect_failures(
    session: aiohttp.ClientSession,
    simulator: SonosCloudSimulator,
    local_players: LocalPlayers,
) -> None:
    """A refused handshake and a drop are connection errors."""
    player = local_players.players[LIVING_ROOM]
    player.mode = "refuse"
    events: asyncio.Queue[SonosEvent] = asyncio.Queue()
    sock = SonosLocalSocket(
        session, player.url, CLIENT_ID, Tokens("x"), events.put_nowait
    )
    with pytest.raises(SonosConnectionError):
        await sock.async_connect()
    player.mode = "open"
    await sock.async_connect()
    await player.drop()
    await sock.async_wait_closed()
    assert not sock.connected


def test_only_home_network_urls() -> None:
    """The constructor refuses URLs outside the home network."""
    with pytest.raises(ValueError, match="home network"):
        SonosLocalSocket(
            None,  # type: ignore[arg-type]
            "wss://192.0.2.1:1443/websocket/api",
            CLIENT_ID,
            Tokens("x"),
            print,
        )
