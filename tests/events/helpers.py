"""Signed events as Sonos sends them, with any sequence id."""

from homeassistant.core import HomeAssistant

from tests.conftest import KITCHEN, signed_event_headers


def volume_headers(seq: int | str, player_id: str = KITCHEN) -> dict[str, str]:
    """Sign a playerVolume event of a player."""
    return signed_event_headers(
        str(seq), "playerVolume", "playerVolume", "playerId", player_id
    )


def volume_of(hass: HomeAssistant, entity_id: str) -> float:
    """Return the volume Home Assistant shows for a media player."""
    return float(hass.states.get(entity_id).attributes["volume_level"])
