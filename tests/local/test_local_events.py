"""Local events through Home Assistant: the players' sockets next to the cloud."""

from datetime import timedelta
import logging

from homeassistant.components.diagnostics import REDACTED  # noqa: F401
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.sonos_cloud.coordinator import SonosCloudCoordinator
from custom_components.sonos_cloud.diagnostics import (
    async_get_config_entry_diagnostics,
)
from custom_components.sonos_cloud.local_events import events_cover_everything
from tests.conftest import BEDROOM, KITCHEN, LIVING_ROOM
from tests.simulator import SonosCloudSimulator
from tests.simulator.local import LocalPlayers

from .helpers import setup_local, unload_and_settle, until

PLAYERS = (LIVING_ROOM, KITCHEN, BEDROOM)


async def test_events_reach_entities_without_cloud_requests(
    hass: HomeAssistant,
    local_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
    local_players: LocalPlayers,
) -> None:
    """Outside changes show at once; nothing is polled while sockets are up."""
    coordinator: SonosCloudCoordinator = local_entry.runtime_data
    assert coordinator.update_interval is None
    simulator.set_player_volume(KITCHEN, 33)
    await until(
        hass,
        local_players,
        lambda: (
            hass.states.get("media_player.kitchen").attributes["volume_level"] == 0.33
        ),
    )
    group_id = simulator.group_id_of(LIVING_ROOM)
    simulator.set_playback_state(group_id, "PLAYBACK_STATE_PAUSED")
    await until(
        hass,
        local_players,
        lambda: hass.states.get("media_player.living_room").state == "paused",
    )
    assert simulator.control_requests() == []
    # Each player got its own subscriptions, the household's groups one socket.
    subscribed = {
        player_id: {c.namespace for c in player.commands}
        for player_id, player in local_players.players.items()
    }
    assert sum("groups" in names for names in subscribed.values()) == 1
    assert all("playerVolume" in names for names in subscribed.values())
    diagnostics = await async_get_config_entry_diagnostics(hass, local_entry)
    players = diagnostics["local_events"]["players"]
    assert {p["transport"] for p in players.values()} == {"local"}
    assert all(p["websocket"]["frames_received"] > 0 for p in players.values())
    assert "token" not in str(diagnostics["local_events"]).replace("token_required", "")


async def test_regroup_follows_coordinators(
    hass: HomeAssistant,
    local_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
    local_players: LocalPlayers,
) -> None:
    """A regroup moves the group's subscriptions to its new coordinator."""
    coordinator: SonosCloudCoordinator = local_entry.runtime_data
    group_id = simulator.external_regroup([KITCHEN, BEDROOM])
    await until(
        hass,
        local_players,
        lambda: (
            group_id in coordinator.data.groups and events_cover_everything(coordinator)
        ),
    )
    kitchen = local_players.players[KITCHEN]
    assert any(
        c.targets.get("groupId") == group_id and c.success for c in kitchen.commands
    )
    assert coordinator.update_interval is None


async def test_dropped_socket_falls_back_and_returns(
    hass: HomeAssistant,
    local_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
    local_players: LocalPlayers,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A lost socket brings polling back at once; the reconnect stops it again."""
    coordinator: SonosCloudCoordinator = local_entry.runtime_data
    caplog.set_level(logging.INFO)
    for _ in range(2):
        await local_players.players[KITCHEN].drop()
        await until(
            hass, local_players, lambda: coordinator.update_interval is not None
        )
        # The state is read again at once: events may have been missed.
        await until(hass, local_players, lambda: bool(simulator.control_requests()))
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=5))
        await until(hass, local_players, lambda: events_cover_everything(coordinator))
        assert coordinator.update_interval is None
    warnings = [
        r
        for r in caplog.records
        if r.levelno == logging.WARNING and KITCHEN in r.message
    ]
    assert len(warnings) == 2  # one per outage
    assert "again" in caplog.text
    await unload_and_settle(hass, local_entry.entry_id)


async def test_token_only_to_players_that_ask(
    hass: HomeAssistant,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
    local_players: LocalPlayers,
) -> None:
    """A token-required player gets the token; an open one never does."""
    local_players.players[LIVING_ROOM].mode = "token"
    coordinator = await setup_local(hass, config_entry, local_players)
    living_room = local_players.players[LIVING_ROOM]
    assert living_room.commands[0].authorization is None
    assert not living_room.commands[0].success
    assert all(c.authorization for c in living_room.commands[1:])
    for player_id in (KITCHEN, BEDROOM):
        assert all(
            c.authorization is None for c in local_players.players[player_id].commands
        )
    assert all(
        h["authorization"] is None
        for player in local_players.players.values()
        for h in player.handshakes
    )
    # After a reconnect the token goes with the first command.
    count = len(living_room.commands)
    await living_room.drop()
    await until(hass, local_players, lambda: not events_cover_everything(coordinator))
    # Not frozen: the request pacer's sleeps run on the real clock. The
    # backoff timer is due at the latest 5 s from now.
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=5))
    await until(hass, local_players, lambda: events_cover_everything(coordinator))
    assert living_room.commands[count].authorization is not None
    assert living_room.commands[count].success
    await unload_and_settle(hass, config_entry.entry_id)


async def test_refusing_player_costs_one_attempt_per_backoff_step(
    hass: HomeAssistant,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
    local_players: LocalPlayers,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Refusals wait 5, 15, 30... seconds; the others cover their targets."""
    bedroom = local_players.players[BEDROOM]
    bedroom.mode = "refuse"
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    coordinator: SonosCloudCoordinator = config_entry.runtime_data
    links = coordinator.local_events.links
    await until(hass, local_players, lambda: links[BEDROOM].failures == 1)
    assert len(bedroom.handshakes) == 1
    assert coordinator.update_interval is not None  # the bedroom is polled
    # The clock is not frozen (the request pacer sleeps on it): each step
    # checks the wait the link chose, then fires its timer once.
    for step, seconds in enumerate((5, 15, 30), start=2):
        assert links[BEDROOM].retry_wait == timedelta(seconds=seconds)
        assert len(bedroom.handshakes) == step - 1
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))
        await until(hass, local_players, lambda n=step: links[BEDROOM].failures == n)
        assert len(bedroom.handshakes) == step
    assert sum(BEDROOM in r.message for r in caplog.records if r.levelno >= 30) == 1
    diagnostics = await async_get_config_entry_diagnostics(hass, config_entry)
    assert diagnostics["local_events"]["players"][BEDROOM]["transport"] == "polling"


async def test_public_websocket_urls_are_never_contacted(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: SonosCloudSimulator,
) -> None:
    """The simulator's default URLs (documentation addresses) get no socket."""
    coordinator: SonosCloudCoordinator = init_integration.runtime_data
    assert coordinator.local_events.enabled
    assert coordinator.local_events.links == {}
    assert coordinator.update_interval is not None


async def test_unload_closes_every_socket(
    hass: HomeAssistant, local_entry: MockConfigEntry, local_players: LocalPlayers
) -> None:
    """Unloading the entry leaves no socket open."""
    assert all(p.connections for p in local_players.players.values())
    assert await hass.config_entries.async_unload(local_entry.entry_id)
    await until(
        hass,
        local_players,
        lambda: not any(p.connections for p in local_players.players.values()),
    )
    assert local_entry.state is ConfigEntryState.NOT_LOADED


async def test_option_turns_local_events_off(
    hass: HomeAssistant, local_entry: MockConfigEntry, local_players: LocalPlayers
) -> None:
    """Turning the option off reloads the entry without any socket."""
    result = await hass.config_entries.options.async_init(local_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"volume_step": 5, "local_events": False}
    )
    assert local_entry.options == {"volume_step": 5, "local_events": False}
    await until(
        hass,
        local_players,
        lambda: (
            local_entry.state is ConfigEntryState.LOADED
            and not any(p.connections for p in local_players.players.values())
        ),
    )
    coordinator: SonosCloudCoordinator = local_entry.runtime_data
    assert not coordinator.local_events.enabled
    assert coordinator.update_interval is not None
