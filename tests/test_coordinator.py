"""Coordinator: polling, error mapping and rate-limit sizing."""

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.sonos_cloud.api import namespaces as ns
from custom_components.sonos_cloud.coordinator import (
    polling_interval,
    requests_per_refresh,
)

from .conftest import BEDROOM, KITCHEN, LIVING_ROOM, later, settle
from .simulator import Fault, SonosCloudSimulator


@pytest.mark.parametrize(
    ("requests", "interval"),
    [
        (1, timedelta(seconds=30)),
        (9, timedelta(seconds=30)),
        (50, timedelta(seconds=30)),
        (98, timedelta(seconds=59)),
        (301, timedelta(seconds=181)),
    ],
)
def test_polling_interval(requests: int, interval: timedelta) -> None:
    """Polling stays within 10% of the key's 1,000 requests per minute."""
    assert polling_interval(requests) == interval
    assert requests * (60 / polling_interval(requests).total_seconds()) <= 100


async def test_polling_picks_up_external_changes(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """A change made in the Sonos app shows by the next full refresh.

    (Quick polls between full ones read only the playing groups:
    ``test_polling.py``.)
    """
    simulator.set_playback_state(
        simulator.group_id_of(KITCHEN), "PLAYBACK_STATE_PLAYING"
    )
    simulator.set_player_volume(BEDROOM, 55)

    coordinator = init_integration.runtime_data
    while not any(r.path == "/households" for r in simulator.control_requests()):
        simulator.clear_requests()
        await later(hass, freezer, seconds=coordinator.update_interval.total_seconds())

    assert hass.states.get("media_player.kitchen").state == "playing"
    bedroom = hass.states.get("media_player.bedroom")
    assert bedroom.attributes["volume_level"] == 0.55
    # households, groups, then per group playback, metadata and group volume,
    # per player its volume, and the options of the one home theater (the Arc)
    assert (
        len(simulator.control_requests())
        == requests_per_refresh(1, 3, 3, home_theater=1)
        == 15
    )


@pytest.mark.parametrize(
    "fault",
    [
        Fault(method="GET", path="/households", status=429, times=0),
        Fault(method="GET", path="/households", status=503, times=0),
        Fault(method="GET", path=r"/groups/.*/playback", status=500, times=0),
        Fault(method="GET", path="/households", status=200, raw_body="{", times=0),
    ],
    ids=["rate-limited", "unavailable", "server-error", "garbage"],
)
async def test_short_outage_keeps_the_last_state(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
    fault: Fault,
) -> None:
    """A busy cloud is not a gone speaker: two failed refreshes change nothing.

    Automations watching for ``unavailable`` must not fire on a rate limit;
    the third failure in a row, half a minute after the first, says the
    outage is real (``test_polling.py``: quick polls failing for seconds).
    """
    coordinator = init_integration.runtime_data
    simulator.inject(fault)
    for _ in range(2):
        await coordinator.async_refresh()
        await hass.async_block_till_done()
        assert not coordinator.last_update_success
        assert hass.states.get("media_player.kitchen").state == "paused"
        freezer.tick(timedelta(seconds=15))

    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("media_player.kitchen").state == STATE_UNAVAILABLE

    simulator.clear_faults()
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert coordinator.last_update_success
    assert hass.states.get("media_player.kitchen").state == "paused"


async def test_outage_of_two_minutes_makes_players_unavailable(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """Failures that last two minutes count even when refreshes are rare."""
    coordinator = init_integration.runtime_data
    simulator.inject(Fault(method="GET", path="/households", status=503, times=0))
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("media_player.kitchen").state == "paused"

    freezer.tick(timedelta(minutes=2, seconds=1))
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("media_player.kitchen").state == STATE_UNAVAILABLE


async def test_refused_token_makes_players_unavailable_at_once(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """Not a passing failure: an account that must be linked again."""
    simulator.expire_access_tokens()
    simulator.revoke_refresh_tokens()
    await init_integration.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("media_player.kitchen").state == STATE_UNAVAILABLE


async def test_failed_refresh_during_push_is_retried(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    push_integration: MockConfigEntry,
) -> None:
    """With push the poll timer is off: a failure schedules its own retry.

    A good event brings the players back at once, too.
    """
    coordinator = push_integration.runtime_data
    assert coordinator.update_interval is None
    simulator.inject(Fault(method="GET", path="/households", status=500, times=3))
    for _ in range(3):
        await coordinator.async_refresh()
        freezer.tick(timedelta(seconds=15))
    await hass.async_block_till_done()
    assert hass.states.get("media_player.kitchen").state == STATE_UNAVAILABLE
    assert coordinator.update_interval is not None

    simulator.set_player_volume(KITCHEN, 21)
    await settle(hass, simulator)
    kitchen = hass.states.get("media_player.kitchen")
    assert kitchen.state == "paused"
    assert kitchen.attributes["volume_level"] == 0.21

    async_fire_time_changed(hass, dt_util.utcnow() + coordinator.update_interval)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert coordinator.last_update_success
    assert coordinator.update_interval is None


async def test_rate_limited_refresh_waits(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """A 429 fails the refresh with the server's Retry-After."""
    coordinator = init_integration.runtime_data
    simulator.inject(
        Fault(
            method="GET", path="/households", status=429, headers={"Retry-After": "120"}
        )
    )
    await coordinator.async_refresh()

    assert not coordinator.last_update_success
    assert coordinator.last_exception is not None
    assert coordinator.last_exception.translation_key == "rate_limited"
    assert coordinator.last_exception.retry_after == 120


async def test_group_that_vanishes_during_refresh(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """A group that vanishes between the groups and playback calls is skipped."""
    coordinator = init_integration.runtime_data
    kitchen_group = simulator.group_id_of(KITCHEN)
    simulator.inject(
        Fault(method="GET", path=f"/groups/{kitchen_group}/playback", status=410)
    )
    await coordinator.async_refresh()

    assert coordinator.last_update_success
    assert kitchen_group not in coordinator.data.values_of(ns.PLAYBACK)
    # The state from the groups call still shows.
    assert hass.states.get("media_player.kitchen").state == "paused"


async def test_unexpected_token_failure_is_transient(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """A token endpoint outage during refresh is a failed update, not a reauth."""
    simulator.expire_access_tokens()
    simulator.inject(Fault(method="POST", path="/login/v3/oauth/access", status=502))
    coordinator = init_integration.runtime_data
    await coordinator.async_refresh()

    assert not coordinator.last_update_success
    assert not hass.config_entries.flow.async_progress()
    await coordinator.async_refresh()
    assert coordinator.last_update_success


async def test_failed_groups_call_fails_the_refresh(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """An error on a household's groups fails the whole refresh, keeping old data."""
    coordinator = init_integration.runtime_data
    old_data = coordinator.data
    simulator.inject(Fault(method="GET", path=r"/households/.*/groups", status=500))
    await coordinator.async_refresh()

    assert not coordinator.last_update_success
    assert coordinator.data is old_data


async def test_unchanged_poll_writes_no_state(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """A poll that finds what the last one predicted changes no entity state."""
    entities = hass.states.async_entity_ids("media_player")
    before = {entity_id: hass.states.get(entity_id) for entity_id in entities}

    await init_integration.runtime_data.async_refresh()
    await hass.async_block_till_done()

    for entity_id in entities:
        assert hass.states.get(entity_id).last_updated == before[entity_id].last_updated

    # A seek in the Sonos app is a real change and is shown.
    living_room_group = simulator.group_id_of(LIVING_ROOM)
    simulator.model.seek(living_room_group, 120000, relative=False)
    await init_integration.runtime_data.async_refresh()
    await hass.async_block_till_done()
    state = hass.states.get("media_player.living_room")
    assert state.attributes["media_position"] == 120
    assert state.last_updated > before["media_player.living_room"].last_updated


async def test_commands_keep_the_poll_timer(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """Showing a command's result does not postpone the next poll."""
    coordinator = init_integration.runtime_data
    timer = coordinator._unsub_refresh
    await hass.services.async_call(
        "media_player",
        "media_pause",
        {"entity_id": "media_player.living_room"},
        blocking=True,
    )
    assert hass.states.get("media_player.living_room").state == "paused"
    assert coordinator._unsub_refresh is timer


@pytest.mark.parametrize("with_demo_household", [False])
async def test_rate_limited_refresh_stops_sending(
    hass: HomeAssistant,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
) -> None:
    """After a 429 a refresh sends no more requests and waits at least its interval."""
    household_id = simulator.add_household()
    for number in range(32):  # the most one household has (Sonos' contract)
        simulator.add_player(household_id, f"Room {number}")
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    coordinator = config_entry.runtime_data
    full = requests_per_refresh(1, 32, 32)
    assert coordinator.update_interval.total_seconds() > 60

    simulator.clear_requests()
    simulator.inject(
        Fault(
            method="GET",
            path=r"/groups/.*/playback",
            status=429,
            headers={"Retry-After": "5"},
            times=0,
        )
    )
    await coordinator.async_refresh()

    assert not coordinator.last_update_success
    sent = len(simulator.control_requests())
    assert sent < full / 2, f"{sent} of {full} requests sent after a 429"
    assert coordinator.last_exception.retry_after == (
        coordinator.update_interval.total_seconds()
    )
