"""Table 4d: setup and one refresh against the simulator's real rate limits."""

import asyncio

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.simulator import SonosCloudSimulator

from .helpers import build_household, oauth_requests, settle, setup_entry
from .report import REPORT


@pytest.mark.parametrize("simulator_options", [{}])
@pytest.mark.parametrize("with_demo_household", [False])
async def test_default_rate_limiter(
    hass: HomeAssistant,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
    limiter_size: tuple[int, int],
) -> None:
    """Setup and one refresh against the simulator's real limits (100/s, 1,000/min)."""
    players, groups = limiter_size
    table = REPORT.table(
        "4d-limiter",
        "4d. Setup and one refresh with the simulator's default limiter "
        "(spike arrest 100/s, quota 1,000/min)",
        [
            "players",
            "groups",
            "setup",
            "setup requests",
            "429s at setup",
            "refresh",
            "refresh requests",
            "429s in refresh",
        ],
    )
    build_household(simulator, players, groups)
    setup = await setup_entry(hass, config_entry, simulator)
    # A refresh that failed on a 429 returns before the requests it already
    # started: count those too, and let them finish before the test ends.
    await settle(simulator)
    setup_requests = len(simulator.control_requests()) + len(oauth_requests(simulator))
    setup_429 = sum(r.status == 429 for r in simulator.requests)
    refresh, refresh_requests, refresh_429 = "-", "-", "-"
    if setup["ok"]:
        coordinator = config_entry.runtime_data
        await asyncio.sleep(1.1)  # the next poll comes later: leave the 1 s window
        simulator.clear_requests()
        await coordinator.async_refresh()
        await settle(simulator)
        refresh = "ok" if coordinator.last_update_success else "failed"
        refresh_requests = str(len(simulator.control_requests()))
        refresh_429 = str(sum(r.status == 429 for r in simulator.requests))
    table.add(
        players,
        groups,
        "ok" if setup["ok"] else "failed (retried later)",
        setup_requests,
        setup_429,
        refresh,
        refresh_requests,
        refresh_429,
    )
    table.note(
        "The simulator answers on loopback in about a millisecond, so 8 parallel "
        "requests run far faster than against the real cloud; 429s here show what "
        "happens when the round trip is short, not a typical installation. The "
        "refresh runs 1.1 s after setup, outside setup's spike-arrest second. "
        "Request counts include requests a failed refresh had already started "
        "(they still go out after the refresh has given up). A failed first "
        "refresh makes the setup raise ConfigEntryNotReady; Home Assistant "
        "retries the setup later."
    )
