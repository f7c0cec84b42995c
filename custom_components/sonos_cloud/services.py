"""Entity services for what the media player model has no slot for."""

from typing import Any

from homeassistant.components.media_player import DOMAIN as MEDIA_PLAYER_DOMAIN
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import config_validation as cv, service
import voluptuous as vol

from .const import DOMAIN

SERVICE_SET_GROUP_VOLUME = "set_group_volume"
SERVICE_SET_GROUP_MUTE = "set_group_mute"
SERVICE_CANCEL_ANNOUNCEMENT = "cancel_announcement"

# Typed loosely: Home Assistant swapped voluptuous for probatio in 2026.9 and
# aliases one to the other, which the type stubs do not know.
SET_GROUP_VOLUME_SCHEMA: dict[Any, Any] = {vol.Required("volume_level"): cv.small_float}
SET_GROUP_MUTE_SCHEMA: dict[Any, Any] = {vol.Required("is_volume_muted"): cv.boolean}


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the services once, so they exist even before an entry loads."""
    service.async_register_platform_entity_service(
        hass,
        DOMAIN,
        SERVICE_SET_GROUP_VOLUME,
        entity_domain=MEDIA_PLAYER_DOMAIN,
        schema=SET_GROUP_VOLUME_SCHEMA,
        func="async_set_group_volume",
    )
    service.async_register_platform_entity_service(
        hass,
        DOMAIN,
        SERVICE_SET_GROUP_MUTE,
        entity_domain=MEDIA_PLAYER_DOMAIN,
        schema=SET_GROUP_MUTE_SCHEMA,
        func="async_set_group_mute",
    )
    service.async_register_platform_entity_service(
        hass,
        DOMAIN,
        SERVICE_CANCEL_ANNOUNCEMENT,
        entity_domain=MEDIA_PLAYER_DOMAIN,
        schema=None,
        func="async_cancel_announcement",
    )
