"""Removing the devices of players (and households) the account no longer has."""

from collections.abc import Iterable

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr

from .const import DOMAIN, LOGGER

# Up to Home Assistant 2026.7 a device may belong to several config entries
# (then DeviceEntry has config_entries, from 2026.8 one config_entry_id).
_SHARED_DEVICES = not hasattr(dr.DeviceEntry, "config_entry_id")


@callback
def async_remove_stale_devices(
    hass: HomeAssistant, entry_id: str, current_ids: Iterable[str]
) -> None:
    """Remove our devices whose player or household is not in ``current_ids``.

    Where a device can belong to several config entries, the speaker's
    device may also be the local Sonos integration's (or a router's): only
    our entry leaves it, and Home Assistant deletes the device when no
    entry is left. Where every device has one config entry, it is ours.
    """
    current = set(current_ids)
    registry = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(registry, entry_id):
        ids = {value for domain, value in device.identifiers if domain == DOMAIN}
        if ids and not ids & current:
            LOGGER.info("Removing %s, which Sonos no longer lists", device.name)
            if _SHARED_DEVICES:
                registry.async_update_device(device.id, remove_config_entry_id=entry_id)
            else:
                registry.async_remove_device(device.id)
