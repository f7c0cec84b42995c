"""Crossfade switch of a room's group."""

from homeassistant.components.switch import (
    DOMAIN as SWITCH_DOMAIN,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
)
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)
from syrupy.assertion import SnapshotAssertion

from .conftest import KITCHEN, LIVING_ROOM, setup_platform, snapshot_entities
from .simulator import SonosCloudSimulator

LIVING_ROOM_SWITCH = "switch.living_room_crossfade"


async def test_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    setup_credentials: None,
    config_entry: MockConfigEntry,
) -> None:
    """Every room has a crossfade switch."""
    await setup_platform(hass, config_entry, Platform.SWITCH)
    await snapshot_entities(hass, entity_registry, snapshot, config_entry.entry_id)


@pytest.mark.parametrize(
    ("service", "value"), [(SERVICE_TURN_ON, True), (SERVICE_TURN_OFF, False)]
)
@pytest.mark.usefixtures("init_integration")
async def test_turn_on_off(
    hass: HomeAssistant, simulator: SonosCloudSimulator, service: str, value: bool
) -> None:
    """Crossfade is one play mode request to the group, shown at once."""
    group_id = simulator.group_id_of(LIVING_ROOM)
    await hass.services.async_call(
        SWITCH_DOMAIN, service, {ATTR_ENTITY_ID: LIVING_ROOM_SWITCH}, blocking=True
    )

    assert [(r.path, r.json) for r in simulator.control_requests()] == [
        (f"/groups/{group_id}/playback/playMode", {"playModes": {"crossfade": value}})
    ]
    assert hass.states.get(LIVING_ROOM_SWITCH).state == ("on" if value else "off")
    assert simulator.model.groups[group_id].play_modes["crossfade"] is value


async def test_unavailable_for_radio(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """Content that cannot crossfade makes the switch unavailable."""
    simulator.load_radio(simulator.group_id_of(KITCHEN), play=True)
    await init_integration.runtime_data.async_refresh()
    await hass.async_block_till_done()

    assert hass.states.get("switch.kitchen_crossfade").state == STATE_UNAVAILABLE
    assert hass.states.get(LIVING_ROOM_SWITCH).state == "off"
