"""Faults of the players' sockets, through Home Assistant: each ends in a fallback.

Time is frozen: heartbeats, command timeouts, the simulator's ``drop_after``
and the backoff all wait on Home Assistant's (test) clock, moved by ``_later``.
"""

from datetime import timedelta
import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.sonos_cloud.api.local_socket import (
    COMMAND_TIMEOUT,
    HEARTBEAT,
    PONG_TIMEOUT,
)
from custom_components.sonos_cloud.const import DOMAIN
from custom_components.sonos_cloud.coordinator import SonosCloudCoordinator
from custom_components.sonos_cloud.local_events import events_cover_everything
from tests.conftest import KITCHEN, LIVING_ROOM
from tests.simulator import SonosCloudSimulator
from tests.simulator.local import LocalPlayers

from .helpers import unload_and_settle, until

KITCHEN_ENTITY = "media_player.kitchen"


async def _later(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    local_players: LocalPlayers,
    seconds: float,
) -> None:
    """Let ``seconds`` pass for Home Assistant, the sockets and the players.

    A socket quiet for a heartbeat pings its player: the pong of each player
    that answers is read before the clock moves on again.
    """
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass, dt_util.utcnow())
    entry = hass.config_entries.async_entries(DOMAIN)[0]

    def pongs_read() -> bool:
        links = (
            entry.runtime_data.local_events.links.values()
            if entry.state is (ConfigEntryState.LOADED)
            else ()
        )
        return not any(
            link.socket is not None
            and link.socket.awaiting_pong
            and local_players.players[link.player_id].mode != "silent"
            for link in links
        )

    await until(hass, local_players, pongs_read)


def _warnings(caplog: pytest.LogCaptureFixture, player_id: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING and player_id in r.getMessage()
    ]


async def _falls_back_and_returns(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    local_players: LocalPlayers,
    coordinator: SonosCloudCoordinator,
) -> None:
    """Check the lost socket's rooms are polled, and covered after one backoff."""
    await until(hass, local_players, lambda: coordinator.update_interval is not None)
    await _later(hass, freezer, local_players, 5)
    await until(hass, local_players, lambda: events_cover_everything(coordinator))
    assert coordinator.update_interval is None


async def test_malformed_frames_are_ignored(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    local_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
    local_players: LocalPlayers,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Garbage, stray answers and unknown events leave the socket up and quiet."""
    coordinator: SonosCloudCoordinator = local_entry.runtime_data
    kitchen = local_players.players[KITCHEN]
    for frame in (
        "not json",
        "[1, 2]",
        '[{"namespace": "playerVolume:1"}]',
        '[{"a": NaN}, {}]',
        "[" * 5000 + "]" * 5000,
        '[{"cmdId": "nobody asked", "success": true}, {}]',
        '[{"success": false, "type": "globalError"}, {"errorCode": "ERROR_X"}]',
        '[{"namespace": "unknown:1", "type": "unknown", "playerId": "x"}, {}]',
        '[{"namespace": "playerVolume:1", "type": "playerVolume"}, {}]',
        b'[{"namespace": "playerVolume:1", "type": "playerVolume",'
        b' "playerId": "' + KITCHEN.encode() + b'"}, {"volume": "loud"}]',
    ):
        await kitchen.send(frame)
    simulator.set_player_volume(KITCHEN, 44)
    await until(
        hass,
        local_players,
        lambda: hass.states.get(KITCHEN_ENTITY).attributes["volume_level"] == 0.44,
    )
    assert coordinator.local_events.links[KITCHEN].failures == 0
    assert events_cover_everything(coordinator)
    assert _warnings(caplog, KITCHEN) == []
    assert simulator.control_requests() == []


async def test_frame_too_large_closes_the_socket(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    local_entry: MockConfigEntry,
    local_players: LocalPlayers,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A frame over the limit ends the connection, which is tried again."""
    coordinator: SonosCloudCoordinator = local_entry.runtime_data
    await local_players.players[KITCHEN].send("x" * (2**20 + 1))
    await _falls_back_and_returns(hass, freezer, local_players, coordinator)
    assert len(_warnings(caplog, KITCHEN)) == 1
    await unload_and_settle(hass, local_entry.entry_id)


@pytest.mark.parametrize("code", [1000, 1001, 1011, 4000])
async def test_close_codes_fall_back(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    local_entry: MockConfigEntry,
    local_players: LocalPlayers,
    caplog: pytest.LogCaptureFixture,
    code: int,
) -> None:
    """Whatever code the player closes with, its rooms fall back, then return."""
    coordinator: SonosCloudCoordinator = local_entry.runtime_data
    await local_players.players[KITCHEN].drop(code)
    await _falls_back_and_returns(hass, freezer, local_players, coordinator)
    [warning] = _warnings(caplog, KITCHEN)
    assert f"code {code}" in warning
    await unload_and_settle(hass, local_entry.entry_id)


async def test_heartbeat(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    local_entry: MockConfigEntry,
    local_players: LocalPlayers,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A quiet socket is pinged; a player that answers stays, a hung one is lost."""
    coordinator: SonosCloudCoordinator = local_entry.runtime_data
    kitchen = local_players.players[KITCHEN]
    sockets = [link.socket for link in coordinator.local_events.links.values()]
    heard = [sock.received for sock in sockets if sock is not None]
    await _later(hass, freezer, local_players, HEARTBEAT)
    # Every player answered its ping, and its socket read the pong.
    await until(
        hass,
        local_players,
        lambda: (
            [sock.received for sock in sockets if sock is not None]
            == [count + 1 for count in heard]
        ),
    )
    assert len(kitchen.pings) == 1
    await _later(hass, freezer, local_players, PONG_TIMEOUT)
    assert events_cover_everything(coordinator)
    assert coordinator.local_events.links[KITCHEN].failures == 0

    kitchen.mode = "silent"
    await _later(hass, freezer, local_players, HEARTBEAT)
    await until(hass, local_players, lambda: len(kitchen.pings) == 2)
    assert events_cover_everything(coordinator)
    await _later(hass, freezer, local_players, PONG_TIMEOUT)
    await until(hass, local_players, lambda: coordinator.update_interval is not None)
    [warning] = _warnings(caplog, KITCHEN)
    assert "stopped answering" in warning
    kitchen.mode = "open"
    await _later(hass, freezer, local_players, 5)
    await until(hass, local_players, lambda: events_cover_everything(coordinator))
    await unload_and_settle(hass, local_entry.entry_id)


async def test_pings_of_the_player_are_answered(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    local_entry: MockConfigEntry,
    local_players: LocalPlayers,
) -> None:
    """A player's ping gets its pong, with the same payload."""
    kitchen = local_players.players[KITCHEN]
    await kitchen.ping(b"are you there")
    await until(hass, local_players, lambda: kitchen.pongs == [b"are you there"])


async def test_player_that_does_not_answer_is_lost(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    local_players: LocalPlayers,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A command left unanswered ends the socket: the room falls back at once."""
    kitchen = local_players.players[KITCHEN]
    kitchen.mode = "silent"
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    coordinator: SonosCloudCoordinator = config_entry.runtime_data
    links = coordinator.local_events.links
    link = links[KITCHEN]
    others = [other for player_id, other in links.items() if player_id != KITCHEN]
    await until(
        hass,
        local_players,
        lambda: (
            len(kitchen.unanswered) == 1
            and all(
                other.wanted and other.subscribed == other.wanted for other in others
            )
        ),
    )
    await _later(hass, freezer, local_players, COMMAND_TIMEOUT)
    await until(hass, local_players, lambda: link.failures == 1)
    assert not kitchen.connections
    assert len(kitchen.unanswered) == 1  # no second command waits its turn
    assert link.retry_wait == timedelta(seconds=5)
    [warning] = _warnings(caplog, KITCHEN)
    assert "did not answer" in warning
    kitchen.mode = "open"
    await _falls_back_and_returns(hass, freezer, local_players, coordinator)
    await unload_and_settle(hass, config_entry.entry_id)


async def test_unauthorized_outside_an_answer(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    local_entry: MockConfigEntry,
    local_players: LocalPlayers,
) -> None:
    """A player turning on Authentication: the socket ends, the next has the token."""
    coordinator: SonosCloudCoordinator = local_entry.runtime_data
    kitchen = local_players.players[KITCHEN]
    kitchen.mode = "token"
    count = len(kitchen.commands)
    await kitchen.send(
        '[{"success": false, "type": "globalError"},'
        ' {"errorCode": "ERROR_NOT_AUTHORIZED"}]'
    )
    await _falls_back_and_returns(hass, freezer, local_players, coordinator)
    assert coordinator.local_events.links[KITCHEN].token_required
    assert kitchen.commands[count:]
    assert all(c.authorization and c.success for c in kitchen.commands[count:])
    await unload_and_settle(hass, local_entry.entry_id)


async def test_drop_after_seconds(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    local_entry: MockConfigEntry,
    local_players: LocalPlayers,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A player that drops each connection after 30 s: fallback, then back."""
    coordinator: SonosCloudCoordinator = local_entry.runtime_data
    kitchen = local_players.players[KITCHEN]
    kitchen.drop_after = 30
    await kitchen.drop()
    await _falls_back_and_returns(hass, freezer, local_players, coordinator)
    await _later(hass, freezer, local_players, 29)
    assert events_cover_everything(coordinator)
    await _later(hass, freezer, local_players, 1)
    await _falls_back_and_returns(hass, freezer, local_players, coordinator)
    assert len(kitchen.handshakes) == 3
    assert len(_warnings(caplog, KITCHEN)) == 2  # one per outage
    await unload_and_settle(hass, local_entry.entry_id)


async def test_a_new_address_leaves_no_socket_behind(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    local_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
    local_players: LocalPlayers,
) -> None:
    """A player's old address is not tried again once the cloud lists another."""
    coordinator: SonosCloudCoordinator = local_entry.runtime_data
    kitchen = local_players.players[KITCHEN]
    old = coordinator.local_events.links[KITCHEN]
    simulator.websocket_urls[KITCHEN] = "wss://192.0.2.1:1443/websocket/api"
    await coordinator.async_refresh()
    await until(hass, local_players, lambda: not kitchen.connections)
    assert KITCHEN not in coordinator.local_events.links
    for seconds in (5, 15, 30):  # the backoff a link left running would take
        await _later(hass, freezer, local_players, seconds)
    assert old.attempts == 1
    assert len(kitchen.handshakes) == 1
    await unload_and_settle(hass, local_entry.entry_id)


async def test_unload_logs_no_warning(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    local_entry: MockConfigEntry,
    local_players: LocalPlayers,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Closing the sockets on unload is no outage."""
    await unload_and_settle(hass, local_entry.entry_id)
    assert not [
        r
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name.startswith("custom_components")
    ]


async def test_unpushed_settings_are_read_while_sockets_cover(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    local_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
    local_players: LocalPlayers,
) -> None:
    """Night sound changed in the Sonos app shows with local events alone.

    No event tells of home theater options and nothing is polled while the
    sockets cover every target: they are re-read every 5 minutes, and only
    they.
    """
    coordinator: SonosCloudCoordinator = local_entry.runtime_data
    simulator.model.set_home_theater_options(LIVING_ROOM, night_mode=True)
    assert hass.states.get("switch.living_room_night_sound").state == "off"
    for _ in range(5):
        await _later(hass, freezer, local_players, 61)
    assert events_cover_everything(coordinator)
    assert coordinator.update_interval is None
    await until(
        hass,
        local_players,
        lambda: hass.states.get("switch.living_room_night_sound").state == "on",
    )
    gets = [r.path for r in simulator.control_requests()]
    assert gets == [f"/players/{LIVING_ROOM}/homeTheater/options"]
