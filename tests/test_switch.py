"""Switches: crossfade of a room's group, home theater sound settings."""

from homeassistant.components.switch import (
    DOMAIN as SWITCH_DOMAIN,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
)
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)
from syrupy.assertion import SnapshotAssertion

from .conftest import KITCHEN, LIVING_ROOM, setup_platform, snapshot_entities
from .simulator import Fault, SonosCloudSimulator

LIVING_ROOM_SWITCH = "switch.living_room_crossfade"


async def test_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    setup_credentials: None,
    config_entry: MockConfigEntry,
) -> None:
    """Every room has a crossfade switch; the Arc has its sound settings too."""
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


async def test_crossfade_refused_for_radio_says_why(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """Content that cannot crossfade keeps the switch; turning it on explains."""
    simulator.load_radio(simulator.group_id_of(KITCHEN), play=True)
    await init_integration.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("switch.kitchen_crossfade").state != STATE_UNAVAILABLE
    simulator.clear_requests()

    with pytest.raises(ServiceValidationError) as exc_info:
        await hass.services.async_call(
            SWITCH_DOMAIN,
            SERVICE_TURN_ON,
            {ATTR_ENTITY_ID: "switch.kitchen_crossfade"},
            blocking=True,
        )

    assert exc_info.value.translation_key == "crossfade_not_allowed"
    assert "Kitchen" in str(exc_info.value)
    assert simulator.control_requests() == []
    assert hass.states.get(LIVING_ROOM_SWITCH).state == "off"


async def test_crossfade_of_an_idle_room_is_available(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """A room with nothing loaded shows its crossfade setting, not an error."""
    simulator.unload(simulator.group_id_of(KITCHEN))
    await init_integration.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("switch.kitchen_crossfade").state in ("on", "off")


@pytest.mark.parametrize(
    ("entity_id", "body", "model_field"),
    [
        ("switch.living_room_night_sound", "nightMode", "night_mode"),
        (
            "switch.living_room_speech_enhancement",
            "enhanceDialog",
            "enhance_dialog",
        ),
    ],
)
@pytest.mark.parametrize(
    ("service", "value"), [(SERVICE_TURN_ON, True), (SERVICE_TURN_OFF, False)]
)
async def test_home_theater_option(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
    entity_id: str,
    body: str,
    model_field: str,
    service: str,
    value: bool,
) -> None:
    """A home theater option is one request to the player, shown as Sonos answers."""
    player = simulator.model.players[LIVING_ROOM]
    setattr(player, model_field, not value)
    await hass.config_entries.async_entries("sonos_cloud")[
        0
    ].runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(entity_id).state == ("off" if value else "on")
    simulator.clear_requests()

    await hass.services.async_call(
        SWITCH_DOMAIN, service, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )

    assert [(r.path, r.json) for r in simulator.control_requests()] == [
        (f"/players/{LIVING_ROOM}/homeTheater/options", {body: value})
    ]
    assert getattr(player, model_field) is value
    assert hass.states.get(entity_id).state == ("on" if value else "off")


async def test_home_theater_options_refused(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    setup_credentials: None,
    config_entry: MockConfigEntry,
) -> None:
    """Sonos refusing the options read leaves the rest working, and is not retried."""
    simulator.inject(
        Fault(
            "GET",
            f"/players/{LIVING_ROOM}/homeTheater/options",
            404,
            {"errorCode": "ERROR_UNSUPPORTED_NAMESPACE"},
            times=0,  # every time
        )
    )
    await setup_platform(hass, config_entry, Platform.SWITCH)

    assert hass.states.get("switch.living_room_night_sound").state == STATE_UNAVAILABLE
    assert hass.states.get(LIVING_ROOM_SWITCH).state == "off"
    simulator.clear_requests()
    await config_entry.runtime_data.async_refresh()
    assert config_entry.runtime_data.last_update_success
    assert not [r for r in simulator.control_requests() if "homeTheater" in r.path]
