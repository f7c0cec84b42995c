"""Sensor platform: the health of each household's link to the Sonos cloud.

Diagnostic sensors on the household's service device: how state arrives,
API requests of the last minute and their share of the key's limit, and when
the state was last confirmed. They are read every few seconds at most, never
once per request, and stay available while the cloud fails.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, EntityCategory
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_time_interval

from .const import HEALTH_UPDATE_INTERVAL, RATE_LIMIT_PER_MINUTE
from .coordinator import SonosCloudConfigEntry, SonosCloudCoordinator
from .entity import household_device_info
from .local_events import events_cover_everything

# Nothing is sent to Sonos.
PARALLEL_UPDATES = 0

UPDATES_BY_PUSH = "push"
UPDATES_BY_POLLING = "polling"


def updated_by(coordinator: SonosCloudCoordinator) -> str:
    """Say how state arrives: events cover everything, or polling fills in."""
    return (
        UPDATES_BY_PUSH if events_cover_everything(coordinator) else UPDATES_BY_POLLING
    )


def last_confirmed(coordinator: SonosCloudCoordinator) -> datetime | None:
    """Return when Sonos last told the state: a refresh or an event."""
    times = [
        at
        for at in (coordinator.last_refresh_at, coordinator.push.last_event_at)
        if at is not None
    ]
    return max(times, default=None)


def _requests_last_minute(coordinator: SonosCloudCoordinator) -> int:
    return coordinator.client.transport.requests_last_minute()


@dataclass(frozen=True, kw_only=True)
class LinkSensorDescription(SensorEntityDescription):
    """One figure of the cloud link, read from the coordinator."""

    value_fn: Callable[[SonosCloudCoordinator], str | int | float | datetime | None]


SENSORS = (
    LinkSensorDescription(
        key="updates",
        translation_key="updates",
        device_class=SensorDeviceClass.ENUM,
        options=[UPDATES_BY_PUSH, UPDATES_BY_POLLING],
        value_fn=updated_by,
    ),
    LinkSensorDescription(
        key="requests_last_minute",
        translation_key="requests_last_minute",
        state_class=SensorStateClass.MEASUREMENT,
        entity_registry_enabled_default=False,
        value_fn=lambda coordinator: (
            coordinator.client.transport.requests_last_minute()
        ),
    ),
    LinkSensorDescription(
        key="rate_limit_share",
        translation_key="rate_limit_share",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        entity_registry_enabled_default=False,
        value_fn=lambda coordinator: (
            100
            * coordinator.client.transport.requests_last_minute()
            / RATE_LIMIT_PER_MINUTE
        ),
    ),
    LinkSensorDescription(
        key="last_update",
        translation_key="last_update",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_registry_enabled_default=False,
        value_fn=last_confirmed,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SonosCloudConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the link sensors of every household the account has."""
    coordinator = entry.runtime_data
    async_add_entities(
        LinkSensor(coordinator, household_id, description)
        for household_id in coordinator.data.households
        for description in SENSORS
    )


class LinkSensor(SensorEntity):
    """A figure of one household's cloud link, written only when it changed.

    Not a coordinator entity: every command and event updates the
    coordinator's listeners, and these figures must not be written each time.
    """

    _attr_has_entity_name = True
    _attr_should_poll = False
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    entity_description: LinkSensorDescription

    def __init__(
        self,
        coordinator: SonosCloudCoordinator,
        household_id: str,
        description: LinkSensorDescription,
    ) -> None:
        """Name the sensor after the household and the figure."""
        self.coordinator = coordinator
        self.entity_description = description
        self._attr_unique_id = f"{household_id}-{description.key}"
        self._attr_device_info = household_device_info(
            coordinator.data.households[household_id]
        )
        self._attr_native_value = description.value_fn(coordinator)

    @override
    async def async_added_to_hass(self) -> None:
        """Look at the figure every few seconds."""
        self.async_on_remove(
            async_track_time_interval(
                self.hass, self._async_tick, HEALTH_UPDATE_INTERVAL
            )
        )

    @callback
    def _async_tick(self, _now: datetime) -> None:
        """Write the state only when the figure changed."""
        value = self.entity_description.value_fn(self.coordinator)
        if value == self._attr_native_value:
            return
        self._attr_native_value = value
        self.async_write_ha_state()
