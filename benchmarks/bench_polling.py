"""Tables 3 and 3b: requests of polling, idle and while commands are sent."""

import math

from homeassistant.components.media_player import DOMAIN as MEDIA_PLAYER_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sonos_cloud.const import RATE_LIMIT_PER_MINUTE
from tests.simulator import SonosCloudSimulator

from .helpers import (
    KITCHEN_ENTITY,
    PollClock,
    build_household,
    formula_requests,
    oauth_requests,
    push_mode,
    run_scheduled_refresh,
    setup_entry,
)
from .report import REPORT

IDLE_SIMULATED_SECONDS = {"full": 600, "quick": 0}  # at least 2 refreshes anyway


@pytest.mark.parametrize("with_demo_household", [False])
async def test_idle_load(
    hass: HomeAssistant,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
    idle_size: tuple[int, int],
    mode: str,
) -> None:
    """Requests per minute of polling with nothing happening."""
    players, groups = idle_size
    table = REPORT.table(
        "3-idle",
        "3. Idle load (polling; nothing happening)",
        [
            "players",
            "groups",
            "requests/refresh (measured)",
            "coordinator formula",
            "interval",
            "requests/min (measured x interval)",
            "requests/min (observed)",
            "share of 1,000/min",
            "observed over",
        ],
    )
    build_household(simulator, players, groups)
    setup = await setup_entry(hass, config_entry, simulator)
    assert setup["ok"]
    assert setup["entities"] == players
    coordinator = config_entry.runtime_data

    simulator.clear_requests()
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    per_refresh = len(simulator.control_requests())
    interval = coordinator.update_interval.total_seconds()
    per_minute = per_refresh * 60 / interval

    # Let Home Assistant's scheduler run the polls: move its clock from one
    # scheduled refresh to the next and count whatever is sent.
    cycles = max(2, math.ceil(IDLE_SIMULATED_SECONDS[mode] / interval))
    simulator.clear_requests()
    simulated = 0.0
    for _ in range(cycles):
        simulated += await run_scheduled_refresh(hass, coordinator)
        assert coordinator.last_update_success
    observed = len(simulator.control_requests()) + len(oauth_requests(simulator))
    observed_per_minute = observed * 60 / (cycles * interval)
    table.add(
        players,
        groups,
        per_refresh,
        formula_requests(1, groups, players),
        f"{interval:.0f} s",
        f"{per_minute:.1f}",
        f"{observed_per_minute:.1f}",
        f"{observed_per_minute / RATE_LIMIT_PER_MINUTE:.1%}",
        f"{cycles} refreshes, {cycles * interval / 60:.1f} min",
    )
    table.note(
        "requests/refresh is counted in the simulator's log around one "
        "coordinator refresh; 'observed' lets Home Assistant's scheduler run the "
        "polls (its clock is moved from one scheduled refresh to the next) and "
        "counts every Control API and token request. Goal: at most 10% "
        "(100/min) of the key's 1,000/min."
    )
    if push_mode() is None:
        table.note(
            "Push: the coordinator has no webhook/event subscription code in this "
            "build, so these are polling-only figures (no push column)."
        )
    else:
        table.note(
            "These are the polling figures: the simulator has no event callback "
            "URL here, so subscribing is refused and the entry polls. Push "
            "figures: table 3c."
        )


async def test_polling_with_commands(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
    mode: str,
) -> None:
    """Polls that happen while someone keeps sending commands."""
    table = REPORT.table(
        "3b-commands",
        "3b. Polling while commands are sent (demo household, 3 rooms)",
        [
            "command every",
            "simulated",
            "refreshes",
            "expected without commands",
            "requests (refresh + command)",
        ],
    )
    coordinator = init_integration.runtime_data
    interval = coordinator.update_interval.total_seconds()
    minutes = 10 if mode == "full" else 3
    for every in (None, 60, 20):
        clock = PollClock(hass, coordinator)
        simulator.clear_requests()
        step = every or interval
        for index in range(round(minutes * 60 / step)):
            await clock.advance(step)
            if every is not None:
                await hass.services.async_call(
                    MEDIA_PLAYER_DOMAIN,
                    "volume_set",
                    {
                        ATTR_ENTITY_ID: KITCHEN_ENTITY,
                        "volume_level": 0.2 + index % 2 / 100,
                    },
                    blocking=True,
                )
        posts = sum(r.method == "POST" for r in simulator.control_requests())
        gets = len(simulator.control_requests()) - posts
        table.add(
            f"{every} s" if every else "never",
            f"{minutes} min",
            clock.refreshes,
            round(minutes * 60 / interval),
            f"{gets} + {posts}",
        )
    table.note(
        "Each command pushes its expected result with the coordinator's "
        "async_set_updated_data, which also restarts the polling timer: while "
        f"commands come more often than the interval ({interval:.0f} s here), "
        "no poll runs, so changes made in the Sonos app are not seen until the "
        "commands stop."
    )
