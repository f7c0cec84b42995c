"""Table 4c: memory retained by setting up the entry (tracemalloc), per player."""

import gc
import tracemalloc

from homeassistant.components.media_player import DOMAIN as MEDIA_PLAYER_DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.simulator import SonosCloudSimulator

from .helpers import build_household, setup_entry
from .report import REPORT, Report, kib


@pytest.mark.parametrize("with_demo_household", [False])
async def test_memory(
    hass: HomeAssistant,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
    memory_size: tuple[int, int],
) -> None:
    """Memory retained by setting up the entry (tracemalloc), per player."""
    players, groups = memory_size
    table = REPORT.table(
        "4c-memory",
        "4c. Memory retained after setup and one refresh (tracemalloc)",
        ["players", "groups", "retained", "per player", "peak during setup"],
    )
    build_household(simulator, players, groups)
    assert await async_setup_component(hass, MEDIA_PLAYER_DOMAIN, {})
    await hass.async_block_till_done()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    setup = await setup_entry(hass, config_entry, simulator)
    await config_entry.runtime_data.async_refresh()
    # The simulator runs in the same process: drop its request log and its
    # rate-limit bookkeeping so that only what Home Assistant keeps is counted.
    simulator.clear_requests()
    simulator._hits.clear()
    gc.collect()
    after, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert setup["ok"]
    assert setup["entities"] == players
    retained = after - before
    table.add(
        players, groups, kib(retained), kib(retained / players), kib(peak - before)
    )
    REPORT.data.setdefault("memory", {})[memory_size] = retained


def _memory_growth(report: Report) -> None:
    """Add the memory per player between the smallest and largest sizes."""
    memory = report.data.get("memory", {})
    if len(memory) < 2:
        return
    small, large = min(memory), max(memory)
    per_player = (memory[large] - memory[small]) / (large[0] - small[0])
    report.tables["4c-memory"].note(
        f"Marginal cost from {small[0]} to {large[0]} rooms: {kib(per_player)} per "
        "player (the fixed part is Home Assistant loading the platform: "
        "translations, registries, services)."
    )


REPORT.finalizers.append(_memory_growth)
