"""The polling budget: the user's share of the key's limit, lowered by a 429."""

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)

from custom_components.sonos_cloud.const import CONF_RATE_LIMIT_SHARE
from custom_components.sonos_cloud.diagnostics import (
    async_get_config_entry_diagnostics,
)

from .conftest import later
from .simulator import Fault, SonosCloudSimulator

# 32 rooms, one group each: 1 + 1 + 3 x 32 + 32 = 130 requests per refresh.
ROOMS = 32


async def _setup(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
    rooms: int = ROOMS,
    **options: int,
) -> MockConfigEntry:
    household_id = simulator.add_household()
    for number in range(rooms):
        simulator.add_player(household_id, f"Room {number}")
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(config_entry, options=options)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    return config_entry


@pytest.mark.parametrize("with_demo_household", [False])
async def test_share_option_sizes_the_interval(
    hass: HomeAssistant,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
) -> None:
    """10% by default (78 s for 130 requests); 20% polls twice as often."""
    entry = await _setup(hass, config_entry, simulator)
    coordinator = entry.runtime_data
    assert coordinator.update_interval == timedelta(seconds=78)

    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], user_input={"volume_step": 5, CONF_RATE_LIMIT_SHARE: 20}
    )
    assert entry.options == {"volume_step": 5, CONF_RATE_LIMIT_SHARE: 20}
    await hass.async_block_till_done()
    assert coordinator.update_interval == timedelta(seconds=39)
    await coordinator.async_refresh()
    assert coordinator.update_interval == timedelta(seconds=39)
    # 130 requests every 39 s: 200 a minute, 20% of 1,000.
    assert 130 * 60 / 39 <= 200


@pytest.mark.parametrize("with_demo_household", [False])
async def test_rate_limit_lowers_the_share_until_it_recovers(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
) -> None:
    """A 429 halves the share in use; quiet refreshes bring it back slowly.

    8 rooms (34 requests a refresh, within the pacer's burst: the frozen clock
    never refills it) and a share of 5%, so that no interval is the floor.
    """
    entry = await _setup(hass, config_entry, simulator, 8, **{CONF_RATE_LIMIT_SHARE: 5})
    coordinator = entry.runtime_data
    assert coordinator.update_interval == timedelta(seconds=41)
    simulator.inject(
        Fault(method="GET", path=r"/groups/.*/playback", status=429, times=1)
    )
    await coordinator.async_refresh()
    assert not coordinator.last_update_success
    assert coordinator.budget.share == pytest.approx(0.025)
    assert coordinator.last_exception.retry_after == 82

    await later(hass, freezer, seconds=82)
    assert coordinator.last_update_success
    assert coordinator.update_interval == timedelta(seconds=82)

    intervals = []
    for _ in range(20):
        await later(hass, freezer, seconds=coordinator.update_interval.seconds)
        intervals.append(coordinator.update_interval.seconds)
    assert intervals == sorted(intervals, reverse=True)
    assert {82, 55, 41} <= set(intervals)
    assert intervals[-1] == 41
    assert coordinator.budget.share == pytest.approx(0.05)

    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    budget = diagnostics["budget"]
    assert budget["share_option"] == 0.05
    assert budget["share_in_use"] == pytest.approx(0.05)
    assert budget["requests_last_minute"] == (
        coordinator.client.transport.requests_last_minute()
    )
