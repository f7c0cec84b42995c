"""Cloud link health: how state arrives, requests per minute, last update."""

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.sonos_cloud.const import DOMAIN

from .conftest import (
    HOUSEHOLD_ID,
    KITCHEN,
    LIVING_ROOM,
    get_device,
    setup_platform,
    snapshot_entities,
)
from .simulator import SonosCloudSimulator

UPDATES = "sensor.sonos_household_updates"
REQUESTS = "sensor.sonos_household_api_requests_in_the_last_minute"
SHARE = "sensor.sonos_household_share_of_the_api_rate_limit"
LAST_UPDATE = "sensor.sonos_household_last_update_from_sonos"


async def _enable_all(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
) -> None:
    """Turn on the sensors that are off by default, as a user would.

    The reload starts a new client: the simulator's log then holds exactly
    what that client sent.
    """
    simulator.clear_requests()
    for entity_id in (REQUESTS, SHARE, LAST_UPDATE):
        entity_registry.async_update_entity(entity_id, disabled_by=None)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()


async def _tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let the sensors look at their figures once (every ten seconds)."""
    freezer.tick(timedelta(seconds=11))
    async_fire_time_changed(hass, dt_util.utcnow())
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.mark.freeze_time("2026-11-23T12:00:00+00:00")
@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_entities(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    setup_credentials: None,
    config_entry: MockConfigEntry,
) -> None:
    """The household device has the link sensors; the busy ones start disabled."""
    await setup_platform(hass, config_entry, Platform.SENSOR)
    await _tick(hass, freezer)  # every setup request counted
    await snapshot_entities(hass, entity_registry, snapshot, config_entry.entry_id)


async def test_household_device_holds_the_rooms(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    init_integration: MockConfigEntry,
) -> None:
    """A service device per household; every room is connected via it."""
    household = next(
        device
        for device in dr.async_entries_for_config_entry(
            device_registry, init_integration.entry_id
        )
        if (DOMAIN, HOUSEHOLD_ID) in device.identifiers
    )
    assert household.entry_type is dr.DeviceEntryType.SERVICE
    kitchen = get_device(device_registry, KITCHEN, init_integration.entry_id)
    assert kitchen is not None
    assert kitchen.via_device_id == household.id


async def test_polling_figures(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """Without push: polling, the requests of the last minute, the last refresh.

    Nothing plays, so no quick poll runs while the figures are read.
    """
    simulator.set_playback_state(
        simulator.group_id_of(LIVING_ROOM), "PLAYBACK_STATE_PAUSED"
    )
    await _enable_all(hass, entity_registry, init_integration, simulator)
    await hass.services.async_call(
        "media_player",
        "volume_set",
        {"entity_id": "media_player.kitchen", "volume_level": 0.3},
        blocking=True,
    )
    await _tick(hass, freezer)
    assert hass.states.get(UPDATES).state == "polling"
    sent = len(simulator.control_requests())
    assert int(hass.states.get(REQUESTS).state) == sent > 0
    assert float(hass.states.get(SHARE).state) == sent / 10
    refreshed = dt_util.parse_datetime(hass.states.get(LAST_UPDATE).state)
    assert refreshed is not None

    freezer.tick(timedelta(minutes=2))
    simulator.clear_faults()
    async_fire_time_changed(hass, dt_util.utcnow())
    await hass.async_block_till_done(wait_background_tasks=True)
    later = dt_util.parse_datetime(hass.states.get(LAST_UPDATE).state)
    assert later is not None
    assert later > refreshed


async def test_push_figures(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    push_integration: MockConfigEntry,
) -> None:
    """With events covering everything the sensor says push."""
    await _tick(hass, freezer)
    assert hass.states.get(UPDATES).state == "push"


async def test_no_state_write_per_request(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """Commands change the request count, but the sensor waits for its tick."""
    await _enable_all(hass, entity_registry, init_integration, simulator)
    before = hass.states.get(REQUESTS)
    for _ in range(3):
        await hass.services.async_call(
            "media_player",
            "media_play",
            {"entity_id": "media_player.kitchen"},
            blocking=True,
        )
    assert hass.states.get(REQUESTS).last_reported == before.last_reported
