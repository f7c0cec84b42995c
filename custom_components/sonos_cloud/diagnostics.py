"""Diagnostics: the entry and the coordinator's snapshot, without secrets."""

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .coordinator import SonosCloudConfigEntry
from .reads import HELD

# Household ids identify a home; tokens and the entry's unique id (a household id)
# grant or reveal access. Player ids are kept: they are needed to debug a room.
TO_REDACT = {
    "access_token",
    "refresh_token",
    "unique_id",
    "household_id",
    "households",
    "player_households",
    "id_token",
    "webhook_id",
    "cloudhook_url",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: SonosCloudConfigEntry
) -> dict[str, Any]:
    """Return what helps to debug a Sonos Cloud entry."""
    coordinator = entry.runtime_data
    data = coordinator.data
    schedule = coordinator.polling.schedule
    return {
        "entry": async_redact_data(entry.as_dict(), TO_REDACT),
        "coordinator": {
            "last_update_success": coordinator.last_update_success,
            "update_interval_seconds": (
                coordinator.update_interval.total_seconds()
                if coordinator.update_interval
                else None
            ),
            "household_count": len(data.households),
        },
        "budget": {
            "share_option": coordinator.budget.option,
            "share_in_use": coordinator.budget.share,
            "requests_last_minute": coordinator.client.transport.requests_last_minute(),
            "full_refresh_seconds": schedule.full.total_seconds(),
            "quick_poll_seconds": (
                schedule.quick.total_seconds() if schedule.quick else None
            ),
        },
        "push": {
            "subscriptions": len(coordinator.push.subscriptions.active),
            "events_arriving": coordinator.push.healthy,
            "event_received": coordinator.push.last_event_at is not None,
        },
        "local_events": coordinator.local_events.diagnostics(),
        "players": {
            player_id: {
                **asdict(player),
                "capabilities": sorted(player.capabilities),
            }
            for player_id, player in data.players.items()
        },
        "groups": {group_id: asdict(group) for group_id, group in data.groups.items()},
        **{
            read.key: {
                target_id: asdict(value)
                for target_id, value in data.values_of(read.namespace).items()
            }
            for read in HELD
            if read.key is not None
        },
    }
