"""Polling in two tiers: playing groups in quick polls, everything now and then."""

from datetime import timedelta

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)

from custom_components.sonos_cloud.const import RATE_LIMIT_PER_MINUTE

from .conftest import (
    HOUSEHOLD_ID,
    KITCHEN,
    LIVING_ROOM,
    later,
    send_events_to,
    settle,
)
from .simulator import Fault, SonosCloudSimulator

LIVING_ROOM_ENTITY = "media_player.living_room"


async def _poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Move time on to the next scheduled poll and let it finish."""
    coordinator = next(
        entry.runtime_data
        for entry in hass.config_entries.async_loaded_entries("sonos_cloud")
    )
    await later(hass, freezer, seconds=coordinator.update_interval.total_seconds())


def _requests(simulator: SonosCloudSimulator) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in simulator.control_requests()]


async def test_playing_group_is_read_between_full_refreshes(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """The demo's one playing group is read every few seconds, nothing else."""
    coordinator = init_integration.runtime_data
    schedule = coordinator.polling.schedule
    assert timedelta(seconds=30) <= schedule.full <= timedelta(seconds=90)
    assert schedule.quick is not None
    assert schedule.quick <= timedelta(seconds=5)
    assert coordinator.update_interval == schedule.quick
    group_id = simulator.group_id_of(LIVING_ROOM)

    simulator.set_player_volume(LIVING_ROOM, 41)
    await _poll(hass, freezer)

    assert hass.states.get(LIVING_ROOM_ENTITY).attributes["volume_level"] == 0.41
    assert _requests(simulator) == [
        ("GET", f"/groups/{group_id}/playback"),
        ("GET", f"/groups/{group_id}/groupVolume"),
        ("GET", f"/players/{LIVING_ROOM}/playerVolume"),
    ]


async def test_quick_poll_reads_the_metadata_when_the_track_changes(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """A change of state or track brings its metadata in the same poll."""
    group_id = simulator.group_id_of(LIVING_ROOM)
    await _poll(hass, freezer)
    assert _requests(simulator) == [
        ("GET", f"/groups/{group_id}/playback"),
        ("GET", f"/groups/{group_id}/groupVolume"),
    ]
    simulator.clear_requests()

    simulator.set_playback_state(group_id, "PLAYBACK_STATE_PAUSED")
    await _poll(hass, freezer)

    assert hass.states.get(LIVING_ROOM_ENTITY).state == "paused"
    assert ("GET", f"/groups/{group_id}/playbackMetadata") in _requests(simulator)
    # Nothing plays now: only full refreshes are left.
    coordinator = init_integration.runtime_data
    assert coordinator.polling.schedule.quick is None
    assert coordinator.update_interval == timedelta(seconds=30)


async def test_full_refresh_comes_at_its_interval(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """A change in a paused room shows by the full refresh, on time."""
    simulator.set_player_volume(KITCHEN, 33)
    households = ("GET", "/households")
    polls = 0
    while households not in _requests(simulator):
        await _poll(hass, freezer)
        polls += 1
    schedule = init_integration.runtime_data.polling.schedule
    assert schedule.quick is not None
    assert abs(polls * schedule.quick - schedule.full) <= schedule.quick / 2
    assert hass.states.get("media_player.kitchen").attributes["volume_level"] == 0.33


async def test_gone_group_makes_the_next_poll_full(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """A quick poll that finds its group gone: the next poll reads the groups."""
    old_group = simulator.group_id_of(LIVING_ROOM)
    new_group = simulator.external_regroup([LIVING_ROOM, KITCHEN])
    await _poll(hass, freezer)
    assert ("GET", f"/groups/{old_group}/playback") in _requests(simulator)
    simulator.clear_requests()

    await _poll(hass, freezer)

    assert ("GET", f"/households/{HOUSEHOLD_ID}/groups") in _requests(simulator)
    members = hass.states.get(LIVING_ROOM_ENTITY).attributes["group_members"]
    assert members == [LIVING_ROOM_ENTITY, "media_player.kitchen"]
    assert init_integration.runtime_data.data.group_of(LIVING_ROOM).id == new_group


async def test_quick_polls_skip_what_events_cover(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    ha_client: TestClient,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
) -> None:
    """With one subscription failing, quick polls read only what it would bring."""
    send_events_to(simulator, ha_client)
    group_id = simulator.group_id_of(LIVING_ROOM)
    simulator.inject(
        Fault(
            method="POST",
            path=f"/groups/{group_id}/groupVolume/subscription",
            status=503,
            times=0,
        )
    )
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await settle(hass, simulator)
    coordinator = config_entry.runtime_data
    await _poll(hass, freezer)  # the full refresh after setup, if it is due
    simulator.clear_requests()
    assert coordinator.polling.schedule.quick is not None

    await _poll(hass, freezer)

    assert _requests(simulator) == [("GET", f"/groups/{group_id}/groupVolume")]


@pytest.mark.parametrize("with_demo_household", [False])
async def test_polling_stays_within_the_share(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
) -> None:
    """Ten rooms in pairs, three pairs playing: quick polls within 10 s, under 10%.

    (Under the freezer the client's pacer only refills as the test moves
    time, so the household is sized for a setup within its first burst.)
    """
    household_id = simulator.add_household()
    rooms = [simulator.add_player(household_id, f"Room {n}") for n in range(10)]
    for pair in range(5):
        group_id = simulator.external_regroup(rooms[2 * pair : 2 * pair + 2])
        simulator.load_tracks(group_id, play=pair % 2 == 0)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    coordinator = config_entry.runtime_data
    schedule = coordinator.polling.schedule
    full_requests = coordinator.polling.full_requests
    assert full_requests == 1 + 1 + 5 * 3 + 10
    assert schedule.quick is not None
    assert schedule.quick <= timedelta(seconds=10)
    share = RATE_LIMIT_PER_MINUTE * 0.1

    simulator.clear_requests()
    sent: list[tuple[float, int]] = []  # (seconds since start, requests so far)
    start = dt_util.utcnow()
    for poll in range(120):
        if poll % 7 == 0:  # someone turns a playing room up now and then
            simulator.set_player_volume(rooms[poll % 3 * 4], 10 + poll % 50)
        await _poll(hass, freezer)
        elapsed = (dt_util.utcnow() - start).total_seconds()
        sent.append((elapsed, len(simulator.control_requests())))

    # Planned: at most 90% of the 10% share; with the reads the changes
    # called for, still within it.
    full, quick = schedule.full.total_seconds(), schedule.quick.total_seconds()
    assert full_requests * 60 / full + 6 * 60 / quick <= 0.9 * share
    elapsed, total = sent[-1]
    assert elapsed >= 600
    assert total * 60 / elapsed <= share


async def test_quick_polls_failing_for_seconds_keep_the_last_state(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """Three quick polls fail within seconds: a blip, not an outage."""
    simulator.inject(Fault(method="GET", path=".*", status=503, times=0))
    for _ in range(4):
        await _poll(hass, freezer)
    assert not init_integration.runtime_data.last_update_success
    assert hass.states.get(LIVING_ROOM_ENTITY).state == "playing"

    await later(hass, freezer, minutes=2)
    assert hass.states.get(LIVING_ROOM_ENTITY).state == "unavailable"


async def test_play_command_starts_quick_polls_at_once(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """Nothing played; a play in Home Assistant brings quick polls without waiting."""
    coordinator = init_integration.runtime_data
    simulator.set_playback_state(
        simulator.group_id_of(LIVING_ROOM), "PLAYBACK_STATE_PAUSED"
    )
    await coordinator.async_refresh()
    assert coordinator.update_interval == timedelta(seconds=30)

    await hass.services.async_call(
        "media_player",
        "media_play",
        {"entity_id": "media_player.kitchen"},
        blocking=True,
    )
    quick = coordinator.polling.schedule.quick
    assert quick is not None
    assert coordinator.update_interval == quick
    simulator.clear_requests()
    simulator.set_player_volume(KITCHEN, 44)
    await _poll(hass, freezer)
    assert hass.states.get("media_player.kitchen").attributes["volume_level"] == 0.44
    assert ("GET", "/households") not in _requests(simulator)
