"""Devices: players that leave and return, and speakers another integration owns."""

from homeassistant.components.websocket_api import DOMAIN as WEBSOCKET_DOMAIN
from homeassistant.config_entries import ConfigEntryDisabler, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.sonos_cloud.const import DOMAIN

from .conftest import KITCHEN, get_device
from .simulator import Fault, SonosCloudSimulator


async def _remove_device(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    entry: MockConfigEntry,
    device_id: str,
) -> dict[str, object]:
    """Remove a device from the entry as the device page's delete button does."""
    assert await async_setup_component(hass, "config", {})
    client = await hass_ws_client(hass)
    if "config/device_registry/remove" in hass.data[WEBSOCKET_DOMAIN]:
        message = {"type": "config/device_registry/remove", "device_id": device_id}
    else:  # Home Assistant releases whose devices have several config entries
        message = {
            "type": "config/device_registry/remove_config_entry",
            "config_entry_id": entry.entry_id,
            "device_id": device_id,
        }
    await client.send_json_auto_id(message)
    response: dict[str, object] = await client.receive_json()
    return response


async def test_remove_device_while_entry_is_disabled(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """Without a loaded entry no player is known to be current: removal is allowed."""
    device = get_device(device_registry, KITCHEN, init_integration.entry_id)
    assert device is not None
    assert await hass.config_entries.async_set_disabled_by(
        init_integration.entry_id, ConfigEntryDisabler.USER
    )
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.NOT_LOADED

    response = await _remove_device(hass, hass_ws_client, init_integration, device.id)

    assert response["success"], response
    assert get_device(device_registry, KITCHEN, init_integration.entry_id) is None


async def test_remove_device_after_failed_setup(
    hass: HomeAssistant,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
    device_registry: dr.DeviceRegistry,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """A device left from an earlier run can go while setup waits to retry."""
    config_entry.add_to_hass(hass)
    device = device_registry.async_get_or_create(
        config_entry_id=config_entry.entry_id, identifiers={(DOMAIN, KITCHEN)}
    )
    simulator.inject(Fault(method="GET", path="/households", status=503))
    await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY

    response = await _remove_device(hass, hass_ws_client, config_entry, device.id)

    assert response["success"], response
    assert device_registry.async_get(device.id) is None


async def test_remove_device_of_current_player_is_refused(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """A loaded entry keeps the device of a player Sonos still lists."""
    device = get_device(device_registry, KITCHEN, init_integration.entry_id)
    assert device is not None

    response = await _remove_device(hass, hass_ws_client, init_integration, device.id)

    assert not response["success"]
    assert get_device(device_registry, KITCHEN, init_integration.entry_id) is not None
