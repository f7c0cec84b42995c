"""Diagnostics of a config entry."""

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from .conftest import HOUSEHOLD_ID


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """Diagnostics show the snapshot and hide tokens and household ids."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)

    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, config_entry
    )

    text = str(diagnostics)
    for secret in (
        config_entry.data["token"]["access_token"],
        config_entry.data["token"]["refresh_token"],
        HOUSEHOLD_ID,
    ):
        assert secret not in text
    assert diagnostics == snapshot(
        exclude=props(
            "entry_id", "created_at", "modified_at", "expires_at", "position_ms"
        )
    )
