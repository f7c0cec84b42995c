"""Signed events as Sonos sends them, with any sequence id."""

from homeassistant.core import HomeAssistant

from custom_components.sonos_cloud.api import event_signature
from tests.conftest import CLIENT_ID, CLIENT_SECRET, HOUSEHOLD_ID, KITCHEN


def signed_headers(
    seq: str,
    namespace: str,
    event_type: str,
    target_type: str,
    target: str,
    household: str = HOUSEHOLD_ID,
) -> dict[str, str]:
    """Sign an event as Sonos does, the sequence id as given."""
    values = (seq, namespace, event_type, target_type, target)
    return {
        "X-Sonos-Event-Seq-Id": seq,
        "X-Sonos-Namespace": namespace,
        "X-Sonos-Type": event_type,
        "X-Sonos-Target-Type": target_type,
        "X-Sonos-Target-Value": target,
        "X-Sonos-Household-Id": household,
        "X-Sonos-Event-Signature": event_signature(values, CLIENT_ID, CLIENT_SECRET),
    }


def volume_headers(seq: int | str, player_id: str = KITCHEN) -> dict[str, str]:
    """Sign a playerVolume event of a player."""
    return signed_headers(
        str(seq), "playerVolume", "playerVolume", "playerId", player_id
    )


def volume_of(hass: HomeAssistant, entity_id: str) -> float:
    """Return the volume Home Assistant shows for a media player."""
    return float(hass.states.get(entity_id).attributes["volume_level"])
