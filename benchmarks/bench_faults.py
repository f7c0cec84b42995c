"""Tables 5a and 5b: the requests spent on faults, and a storm of 429s."""

from typing import Any

from homeassistant.components.media_player import DOMAIN as MEDIA_PLAYER_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.conftest import KITCHEN
from tests.simulator import Fault, SonosCloudSimulator

from .helpers import (
    KITCHEN_ENTITY,
    LIVING_ROOM_ENTITY,
    build_household,
    describe,
    oauth_requests,
    run_scheduled_refresh,
    settle,
    setup_entry,
)
from .report import REPORT

STORM_ATTEMPTS = {"full": 5, "quick": 3}
STORM_RETRY_AFTER = 45


async def test_fault_costs(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """Requests spent recovering from a stale group and an expired token."""
    table = REPORT.table(
        "5a-faults",
        "5a. Fault cost of one command (demo household)",
        [
            "fault",
            "command",
            "control requests",
            "token requests",
            "outcome",
            "requests sent",
        ],
    )

    async def measure(label: str, service: str, entity_id: str, **data: Any) -> None:
        simulator.clear_requests()
        outcome = "ok"
        try:
            await hass.services.async_call(
                MEDIA_PLAYER_DOMAIN,
                service,
                {ATTR_ENTITY_ID: entity_id, **data},
                blocking=True,
            )
        except HomeAssistantError as err:
            outcome = f"error: {err}"
        table.add(
            label,
            service,
            len(simulator.control_requests()),
            len(oauth_requests(simulator)),
            outcome,
            describe(simulator.requests),
        )

    simulator.external_regroup([KITCHEN])
    await measure(
        "stale group (regrouped in the Sonos app)", "media_play", KITCHEN_ENTITY
    )
    simulator.expire_access_tokens()
    await measure("expired access token", "media_pause", LIVING_ROOM_ENTITY)
    simulator.inject(
        Fault(
            method="POST",
            path=r"/players/.*/playerVolume",
            status=429,
            headers={"Retry-After": str(STORM_RETRY_AFTER)},
        )
    )
    await measure("429 on the command", "volume_set", KITCHEN_ENTITY, volume_level=0.3)
    table.note(
        "Expected: stale group = command 410, one groups lookup, command again "
        "(3); expired token = command 401, token refresh, command again (2 + 1 "
        "token request); a 429 on a command is not retried (1) and tells the user "
        "when to try again."
    )


def start_storm(simulator: SonosCloudSimulator, storm: str, attempts: int) -> None:
    """Make the simulator answer 429 with Retry-After, as the row ``storm`` says."""
    headers = {"Retry-After": str(STORM_RETRY_AFTER)}
    if storm == "every control request":
        # N answers: the refresh stops at its first request each time.
        path = r"/households.*|/groups/.*|/players/.*"
        simulator.inject(Fault("*", path, 429, headers=headers, times=attempts))
    else:
        # The quota runs out after the households and groups reads: every
        # further read is refused until the storm is lifted.
        path = r"/groups/.*|/players/.*"
        simulator.inject(Fault("GET", path, 429, headers=headers, times=0))


async def ride_out_storm(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    coordinator: Any,
    entity_id: str,
    attempts: int,
) -> tuple[list[float], list[int], set[str], bool]:
    """Run scheduled refreshes until one succeeds; lift the storm after ``attempts``.

    Return the wait before each attempt, the requests of each failed one, the
    states the entity showed meanwhile and whether a refresh succeeded.
    """
    waits: list[float] = []
    failed_costs: list[int] = []
    states: set[str] = set()
    logger = coordinator.logger
    level = logger.level
    logger.setLevel(100)  # the expected "Error fetching" lines stay out of the report
    try:
        for _ in range(attempts + 3):
            sent = len(simulator.control_requests())
            waits.append(await run_scheduled_refresh(hass, coordinator))
            await settle(simulator)
            cost = len(simulator.control_requests()) - sent
            if coordinator.last_update_success:
                return waits, failed_costs, states, True
            failed_costs.append(cost)
            state = hass.states.get(entity_id)
            states.add(state.state if state else "missing")
            if len(failed_costs) >= attempts:
                simulator.clear_faults()
    finally:
        logger.setLevel(level)
    return waits, failed_costs, states, False


@pytest.mark.parametrize("with_demo_household", [False])
@pytest.mark.parametrize(
    "storm",
    ["every control request", "per-group/per-player reads"],
)
async def test_rate_limit_storm(
    hass: HomeAssistant,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
    storm_size: tuple[int, int],
    storm: str,
    mode: str,
) -> None:
    """A run of 429s (with Retry-After) on scheduled refreshes, until one succeeds."""
    players, groups = storm_size
    table = REPORT.table(
        "5b-storm",
        "5b. 429 storm on scheduled refreshes (Retry-After: "
        f"{STORM_RETRY_AFTER} s), until the next successful refresh",
        [
            "429 on",
            "players",
            "failed refreshes",
            "requests per failed refresh",
            "requests until recovered",
            "of which 429",
            "waits before each attempt",
            "entities during storm",
            "interval after",
        ],
    )
    build_household(simulator, players, groups)
    setup = await setup_entry(hass, config_entry, simulator)
    assert setup["ok"]
    coordinator = config_entry.runtime_data
    entity_id = hass.states.async_entity_ids(MEDIA_PLAYER_DOMAIN)[0]
    attempts_wanted = STORM_ATTEMPTS[mode]
    start_storm(simulator, storm, attempts_wanted)
    simulator.clear_requests()
    waits, failed_costs, states, recovered = await ride_out_storm(
        hass, simulator, coordinator, entity_id, attempts_wanted
    )
    assert recovered, "the coordinator did not recover after the storm"
    control = simulator.control_requests()
    table.add(
        storm,
        players,
        len(failed_costs),
        ", ".join(map(str, sorted(set(failed_costs)))),
        len(control) + len(oauth_requests(simulator)),
        sum(r.status == 429 for r in control),
        ", ".join(f"{wait:.0f} s" for wait in waits),
        "/".join(sorted(states)),
        f"{coordinator.update_interval.total_seconds():.0f} s",
    )
    table.note(
        "Each attempt is a scheduled refresh run by moving Home Assistant's clock "
        "to it; the first wait is the normal interval, the next ones show how long "
        "the coordinator waits after a 429 (it passes Retry-After to Home "
        "Assistant's DataUpdateCoordinator as retry_after)."
    )
    table.note(
        "'requests until recovered' includes the successful refresh at the end. "
        "Requests a failed refresh had already started are counted with it (the "
        "benchmark waits until the simulator sees no more requests)."
    )
