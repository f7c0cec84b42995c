"""Confirming with Sonos a topology change that an event tells of.

Event bodies are not signed, so players never come from one alone: the
household's groups are read once instead. Events during that read cause one
more read after it, not one each.
"""

from typing import TYPE_CHECKING

from homeassistant.core import callback

from .api import SonosError, namespaces as ns
from .const import LOGGER

if TYPE_CHECKING:
    from .coordinator import SonosCloudCoordinator


class TopologyConfirmation:
    """Read a household's groups after an event says players came or went."""

    def __init__(self, coordinator: SonosCloudCoordinator) -> None:
        """Start with no read under way."""
        self._coordinator = coordinator
        # Households whose groups are being read; True: read once more after.
        self._reads: dict[str, bool] = {}

    @callback
    def async_confirm(self, household_id: str) -> None:
        """Read the household's groups, or once more after the read under way."""
        if household_id in self._reads:
            self._reads[household_id] = True
            return
        self._reads[household_id] = False
        coordinator = self._coordinator
        coordinator.config_entry.async_create_background_task(
            coordinator.hass, self._async_read(household_id), "sonos_cloud groups"
        )

    async def _async_read(self, household_id: str) -> None:
        coordinator = self._coordinator
        try:
            while True:
                try:
                    topology = await coordinator.client.get(ns.GROUPS, household_id)
                except SonosError as err:
                    LOGGER.debug("Could not read the changed groups: %s", err)
                    return
                if household_id in coordinator.data.households:
                    coordinator.async_publish(
                        coordinator.data.with_household_topology(household_id, topology)
                    )
                if not self._reads[household_id]:
                    break
                self._reads[household_id] = False
        finally:
            del self._reads[household_id]
        await coordinator.push.async_sync()
