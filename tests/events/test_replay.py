"""Captured signed events sent again, and sequence ids that jump."""

import json
from typing import Any

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_HOMEASSISTANT_FINAL_WRITE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)

from custom_components.sonos_cloud.const import DOMAIN, SUBSCRIPTION_RENEWAL
from tests.conftest import BEDROOM, KITCHEN, later, settle
from tests.simulator import SonosCloudSimulator
from tests.test_webhook import KITCHEN_ENTITY, _post

from .helpers import volume_headers, volume_of


async def test_replayed_groups_event_after_reload_changes_nothing(
    hass: HomeAssistant,
    ha_client: TestClient,
    simulator: SonosCloudSimulator,
    push_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A captured signed groups event, sent again after a reload, is refused."""
    simulator.external_regroup([KITCHEN, BEDROOM])
    await settle(hass, simulator)
    captured = next(
        delivery
        for delivery in reversed(simulator.deliveries)
        if delivery.namespace == "groups"
    )
    # Whatever Sonos sends after the reload is lost (here: fails its check),
    # so only the stored sequence ids can tell the replay.
    simulator.event_faults.bad_signature = 1000
    assert await hass.config_entries.async_reload(push_integration.entry_id)
    await settle(hass, simulator)
    simulator.event_faults.bad_signature = 0
    simulator.clear_requests()
    entities = set(hass.states.async_entity_ids())
    devices = len(device_registry.devices)
    members = hass.states.get(KITCHEN_ENTITY).attributes["group_members"]

    forged = json.loads(json.dumps(captured.body))
    forged["groups"] = [
        {
            "id": f"{KITCHEN}:999",
            "name": "Everything",
            "coordinatorId": KITCHEN,
            "playerIds": [p["id"] for p in forged["players"]] + ["RINCON_FAKE0"],
        }
    ]
    forged["players"].append(
        {**forged["players"][0], "id": "RINCON_FAKE0", "name": "Fake"}
    )
    await _post(ha_client, dict(captured.headers), forged)
    await hass.async_block_till_done()

    assert set(hass.states.async_entity_ids()) == entities
    assert len(device_registry.devices) == devices
    assert hass.states.get(KITCHEN_ENTITY).attributes["group_members"] == members
    assert simulator.control_requests() == []


async def test_sequence_ids_are_stored_until_the_entry_is_removed(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    ha_client: TestClient,
    push_integration: MockConfigEntry,
) -> None:
    """Seen sequence ids are written at the latest when Home Assistant stops."""
    key = f"{DOMAIN}.{push_integration.entry_id}.event_sequence"
    await _post(ha_client, volume_headers(7_654_321_987), {"volume": 44})
    hass.bus.async_fire(EVENT_HOMEASSISTANT_FINAL_WRITE)
    await hass.async_block_till_done()
    assert "7654321987" in json.dumps(hass_storage[key])

    assert await hass.config_entries.async_remove(push_integration.entry_id)
    assert key not in hass_storage


async def test_one_outlier_does_not_silence_a_target(
    hass: HomeAssistant,
    ha_client: TestClient,
    simulator: SonosCloudSimulator,
    push_integration: MockConfigEntry,
) -> None:
    """After an accepted seq id 900014, Sonos' own low ids get through again."""
    await _post(ha_client, volume_headers(900014), {"volume": 44, "muted": False})
    assert volume_of(hass, KITCHEN_ENTITY) == 0.44

    volumes = []
    for volume in (20, 21, 22, 23):
        simulator.set_player_volume(KITCHEN, volume)
        await settle(hass, simulator)
        volumes.append(volume_of(hass, KITCHEN_ENTITY))
    # Two could be late events; the third in a row restarts the window.
    assert volumes == [0.44, 0.44, 0.22, 0.23]

    await _post(ha_client, volume_headers(900014), {"volume": 5, "muted": False})
    assert volume_of(hass, KITCHEN_ENTITY) == 0.23


async def test_renewal_starts_a_new_window(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    ha_client: TestClient,
    simulator: SonosCloudSimulator,
    push_integration: MockConfigEntry,
) -> None:
    """After a renewal the next event counts, even if Sonos counts from 1 again."""
    await _post(ha_client, volume_headers(900014), {"volume": 44, "muted": False})
    await later(hass, freezer, seconds=SUBSCRIPTION_RENEWAL.total_seconds())
    await settle(hass, simulator)

    simulator.set_player_volume(KITCHEN, 20)
    await settle(hass, simulator)
    assert volume_of(hass, KITCHEN_ENTITY) == 0.20

    await _post(ha_client, volume_headers(900014), {"volume": 5, "muted": False})
    assert volume_of(hass, KITCHEN_ENTITY) == 0.20
