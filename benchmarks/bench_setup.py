"""Table 4a: config entry setup until the entities exist, by household size."""

from typing import Any

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.simulator import SonosCloudSimulator

from .helpers import build_household, setup_entry, smallest_and_largest_singles
from .report import REPORT, Report, ms


@pytest.mark.parametrize("with_demo_household", [False])
async def test_setup(
    hass: HomeAssistant,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
    scale_size: tuple[int, int],
) -> None:
    """Setup time and requests by household size."""
    players, groups = scale_size
    table = REPORT.table(
        "4a-setup",
        "4a. Setup: config entry setup until the entities exist",
        [
            "players",
            "groups",
            "setup wall",
            "setup CPU",
            "per player",
            "requests (control+token)",
            "of which subscribe (refused)",
            "requests per player",
        ],
    )
    build_household(simulator, players, groups)
    setup = await setup_entry(hass, config_entry, simulator)
    assert setup["ok"]
    assert setup["entities"] == players
    requests = setup["control"] + setup["oauth"]
    table.add(
        players,
        groups,
        ms(setup["wall"]),
        ms(setup["cpu"]),
        ms(setup["wall"] / players),
        f"{setup['control']}+{setup['oauth']}",
        f"{setup['subscribe']} ({setup['subscribe_refused']})",
        f"{requests / players:.2f}",
    )
    REPORT.data.setdefault("setup", {})[scale_size] = setup["wall"]
    table.note(
        "Wall time from hass.config_entries.async_setup until "
        "async_block_till_done returns with every media_player in the state "
        "machine (Home Assistant's media_player component is loaded first). "
        "Requests = the first refresh plus, if the build has push, its attempt "
        "to subscribe to events; the simulator here has no event callback URL "
        "(like a key without one), so those are refused with 403 and the entry "
        "polls (push setup: table 3c). The stored token is valid, so no token "
        "request."
    )


def _growth(report: Report) -> None:
    """Add the setup time per player between the smallest and largest sizes."""
    setup: dict[Any, float] = report.data.get("setup", {})
    if (sizes := smallest_and_largest_singles(setup)) is None:
        return
    small, large = sizes
    per_player = (setup[large] - setup[small]) / (large[0] - small[0])
    report.tables["4a-setup"].note(
        f"Growth from {small[0]} to {large[0]} rooms: {ms(per_player)} of setup per "
        "extra player."
    )


REPORT.finalizers.append(_growth)
