"""The players' certificate fingerprints: pinned, remembered, and the token."""

from datetime import timedelta
import hashlib
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_HOMEASSISTANT_FINAL_WRITE
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.sonos_cloud.const import DOMAIN
from custom_components.sonos_cloud.coordinator import SonosCloudCoordinator
from custom_components.sonos_cloud.diagnostics import (
    async_get_config_entry_diagnostics,
)
from custom_components.sonos_cloud.local_events import events_cover_everything
from tests.conftest import BEDROOM, KITCHEN, LIVING_ROOM
from tests.simulator.local import LocalPlayers
from tests.simulator.tls import certificates

from .helpers import setup_local, unload_and_settle, until

FIRST, SECOND = (hashlib.sha256(der).hexdigest() for _pem, der in certificates())


def _key(entry: MockConfigEntry) -> str:
    return f"{DOMAIN}.{entry.entry_id}.local_certificates"


def _certificate_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING and "certificate of" in r.getMessage()
    ]


async def _websocket(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, Any]:
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    websocket: dict[str, Any] = diagnostics["local_events"]["players"][LIVING_ROOM][
        "websocket"
    ]
    return websocket


async def test_changed_certificate_gets_no_token(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    local_players: LocalPlayers,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A player whose certificate changed in this run never receives the token."""
    living_room = local_players.players[LIVING_ROOM]
    living_room.mode = "token"
    coordinator = await setup_local(hass, config_entry, local_players)
    link = coordinator.local_events.links[LIVING_ROOM]
    living_room.use_certificate(1)
    count = len(living_room.commands)
    await living_room.drop()
    await until(hass, local_players, lambda: not events_cover_everything(coordinator))
    # The reconnect is refused without the token, and so is the next one.
    for seconds, failures in ((5, 2), (15, 3)):
        freezer.tick(timedelta(seconds=seconds))
        async_fire_time_changed(hass, dt_util.utcnow())
        await until(hass, local_players, lambda n=failures: link.failures == n)
    assert living_room.commands[count:]
    assert all(c.authorization is None for c in living_room.commands[count:])
    [warning] = _certificate_warnings(caplog)
    assert LIVING_ROOM in warning
    websocket = await _websocket(hass, config_entry)
    assert websocket["certificate_changed"]
    assert websocket["certificate_sha256"] == SECOND
    assert websocket["previous_certificate_sha256"] == FIRST
    assert coordinator.update_interval is not None
    await unload_and_settle(hass, config_entry.entry_id)


async def test_certificates_are_remembered_across_restarts(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    setup_credentials: None,
    config_entry: MockConfigEntry,
    local_players: LocalPlayers,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A certificate that changed while Home Assistant was off blocks the token.

    The change is logged once; the next start accepts the new certificate.
    """
    await setup_local(hass, config_entry, local_players)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_FINAL_WRITE)
    await hass.async_block_till_done()
    assert hass_storage[_key(config_entry)]["data"]["players"] == {
        LIVING_ROOM: FIRST,
        KITCHEN: FIRST,
        BEDROOM: FIRST,
    }
    await unload_and_settle(hass, config_entry.entry_id)

    living_room = local_players.players[LIVING_ROOM]
    living_room.use_certificate(1)
    living_room.mode = "token"
    count = len(living_room.commands)
    freezer.tick(timedelta(minutes=1))  # the API key's request pacer refills
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    coordinator: SonosCloudCoordinator = config_entry.runtime_data
    link = coordinator.local_events.links[LIVING_ROOM]
    await until(hass, local_players, lambda: link.failures == 1)
    assert all(c.authorization is None for c in living_room.commands[count:])
    [warning] = _certificate_warnings(caplog)
    assert LIVING_ROOM in warning
    websocket = await _websocket(hass, config_entry)
    assert websocket["certificate_changed"]
    assert websocket["previous_certificate_sha256"] == FIRST
    await unload_and_settle(hass, config_entry.entry_id)
    assert hass_storage[_key(config_entry)]["data"]["players"][LIVING_ROOM] == SECOND

    # Reloaded (or restarted): the new certificate is the one pinned.
    count = len(living_room.commands)
    freezer.tick(timedelta(minutes=1))
    coordinator = await setup_local(hass, config_entry, local_players)
    assert living_room.commands[count + 1].authorization is not None
    assert not (await _websocket(hass, config_entry))["certificate_changed"]
    assert len(_certificate_warnings(caplog)) == 1
    await unload_and_settle(hass, config_entry.entry_id)


async def test_removing_the_entry_forgets_the_certificates(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    local_entry: MockConfigEntry,
) -> None:
    """The fingerprints go with the entry."""
    assert await hass.config_entries.async_remove(local_entry.entry_id)
    await hass.async_block_till_done()
    assert _key(local_entry) not in hass_storage
