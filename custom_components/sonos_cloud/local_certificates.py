"""The certificate fingerprint of each player, remembered across restarts.

Players sign their own certificates, so they cannot be verified; instead the
SHA-256 fingerprint first seen for a player is pinned and kept with the
config entry (a ``Store`` removed with the entry). A player that shows another
certificate, in this run or since the last one, is logged once and gets no
account token for the rest of the run: its events are still taken (they are
state, which the cloud re-sync corrects), but a token is a key to the whole
account. The new fingerprint is remembered at once, so the next reload or
restart accepts it.
"""

from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store

from .const import DOMAIN, LOGGER

STORAGE_VERSION = 1
SAVE_DELAY = 10
"""Seconds to gather the fingerprints of a start before they are written."""


def certificate_store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """Return where the entry's certificate fingerprints are kept."""
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.local_certificates")


class CertificatePins:
    """Pinned fingerprints by player id, and the players whose one changed."""

    def __init__(self, store: Store[dict[str, Any]]) -> None:
        """Start with nothing pinned; ``async_load`` reads what was."""
        self._store = store
        self.pinned: dict[str, str] = {}
        # Player id -> the fingerprint pinned before it changed in this run.
        self.changed: dict[str, str] = {}
        self._unsaved = False

    async def async_load(self) -> None:
        """Read the fingerprints pinned before this start."""
        stored = await self._store.async_load()
        players = stored.get("players") if isinstance(stored, dict) else None
        if isinstance(players, dict):
            self.pinned = {
                player_id: fingerprint
                for player_id, fingerprint in players.items()
                if isinstance(player_id, str) and isinstance(fingerprint, str)
            }

    async def async_save(self) -> None:
        """Write the fingerprints now, if any changed (the entry unloads)."""
        if self._unsaved:
            await self._store.async_save(self._stored())

    def _stored(self) -> dict[str, Any]:
        self._unsaved = False
        return {"players": dict(self.pinned)}

    def trusted(self, player_id: str) -> bool:
        """Whether the player may get the token: its certificate did not change."""
        return player_id not in self.changed

    @callback
    def check(self, player_id: str, fingerprint: str) -> bool:
        """Pin a player's certificate; return whether it may get the token."""
        pinned = self.pinned.get(player_id)
        if pinned == fingerprint:
            return self.trusted(player_id)
        if pinned is not None and self.trusted(player_id):
            LOGGER.warning(
                "The certificate of %s changed; its socket gets no token "
                "until the entry is reloaded or Home Assistant restarts",
                player_id,
            )
            self.changed[player_id] = pinned
        self.pinned[player_id] = fingerprint
        self._unsaved = True
        self._store.async_delay_save(self._stored, SAVE_DELAY)
        return self.trusted(player_id)
