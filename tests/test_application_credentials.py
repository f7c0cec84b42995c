"""The OAuth2 implementation: Basic client authentication and token checks."""

import time

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sonos_cloud import application_credentials

from .simulator import Fault, SonosCloudSimulator


async def test_description_placeholders(hass: HomeAssistant) -> None:
    """The credentials dialog links the Sonos portal and names the redirect URI."""
    placeholders = await application_credentials.async_get_description_placeholders(
        hass
    )
    assert placeholders == {
        "developer_portal_url": "https://integration.sonos.com/integrations",
        "redirect_uri": "https://my.home-assistant.io/redirect/oauth",
    }


@pytest.mark.parametrize("token_expires_at", [time.time() - 60])
async def test_token_endpoint_timeout_is_transient(
    hass: HomeAssistant,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A token endpoint that does not answer retries setup; it is not a reauth."""
    monkeypatch.setattr(
        application_credentials,
        "TOKEN_REQUEST_TIMEOUT",
        application_credentials.ClientTimeout(total=0.05),
    )
    simulator.inject(
        Fault(method="POST", path="/login/v3/oauth/access", status=200, delay=1)
    )
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)

    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert not hass.config_entries.flow.async_progress()


@pytest.mark.parametrize("token_expires_at", [time.time() - 60])
@pytest.mark.parametrize("status", [429, 500])
async def test_token_endpoint_outage_is_transient(
    hass: HomeAssistant,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
    status: int,
) -> None:
    """Rate limits and server errors at the token endpoint retry setup later."""
    simulator.inject(Fault(method="POST", path="/login/v3/oauth/access", status=status))
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)

    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert not hass.config_entries.flow.async_progress()
