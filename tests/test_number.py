"""Default announcement volume per room."""

from homeassistant.components.number import (
    ATTR_VALUE,
    DOMAIN as NUMBER_DOMAIN,
    SERVICE_SET_VALUE,
)
from homeassistant.const import ATTR_ENTITY_ID, Platform
from homeassistant.core import HomeAssistant, State
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    mock_restore_cache_with_extra_data,
)
from syrupy.assertion import SnapshotAssertion

from .conftest import KITCHEN, setup_platform, snapshot_entities
from .simulator import SonosCloudSimulator

KITCHEN_NUMBER = "number.kitchen_announcement_volume"


async def test_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    setup_credentials: None,
    config_entry: MockConfigEntry,
) -> None:
    """Rooms that play announcements get the number; the Bedroom does not."""
    await setup_platform(hass, config_entry, Platform.NUMBER)
    await snapshot_entities(hass, entity_registry, snapshot, config_entry.entry_id)
    assert hass.states.get("number.bedroom_announcement_volume") is None


@pytest.mark.usefixtures("init_integration")
async def test_default_volume_is_used(
    hass: HomeAssistant, simulator: SonosCloudSimulator
) -> None:
    """An announcement without a volume uses the room's default, when set."""
    await hass.services.async_call(
        NUMBER_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: KITCHEN_NUMBER, ATTR_VALUE: 35},
        blocking=True,
    )
    assert hass.states.get(KITCHEN_NUMBER).state == "35"
    assert simulator.control_requests() == []

    for extra, expected in (({}, 35), ({"volume": 0.6}, 60)):
        await hass.services.async_call(
            "media_player",
            "play_media",
            {
                ATTR_ENTITY_ID: "media_player.kitchen",
                "media_content_id": "CHIME",
                "media_content_type": "music",
                "announce": True,
                "extra": extra,
            },
            blocking=True,
        )
        assert simulator.model.clips[KITCHEN][-1].volume == expected


@pytest.mark.parametrize(
    ("value", "translation_key"),
    [
        (float("nan"), "not_a_number"),
        ("NaN", "not_a_number"),
        (float("inf"), "out_of_range"),
        ("-inf", "out_of_range"),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_set_value_not_a_number(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    value: float | str,
    translation_key: str,
) -> None:
    """NaN and infinity are refused with a translated error and change nothing."""
    await hass.services.async_call(
        NUMBER_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: KITCHEN_NUMBER, ATTR_VALUE: 35},
        blocking=True,
    )

    with pytest.raises(ServiceValidationError) as exc_info:
        await hass.services.async_call(
            NUMBER_DOMAIN,
            SERVICE_SET_VALUE,
            {ATTR_ENTITY_ID: KITCHEN_NUMBER, ATTR_VALUE: value},
            blocking=True,
        )

    assert exc_info.value.translation_key == translation_key
    if translation_key == "not_a_number":
        assert str(exc_info.value) == (
            "The announcement volume must be a number from 0 to 100, not nan"
        )
    assert hass.states.get(KITCHEN_NUMBER).state == "35"
    assert simulator.control_requests() == []


async def test_value_survives_restart(
    hass: HomeAssistant,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
) -> None:
    """The chosen default is restored after Home Assistant restarts."""
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State(KITCHEN_NUMBER, "40"),
                {
                    "native_value": 40,
                    "native_min_value": 0,
                    "native_max_value": 100,
                    "native_step": 1,
                    "native_unit_of_measurement": "%",
                },
            )
        ],
    )
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)

    assert hass.states.get(KITCHEN_NUMBER).state == "40"
    assert config_entry.runtime_data.announcements.default_volume(KITCHEN) == 40
