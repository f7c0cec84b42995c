"""The OAuth2 implementation: Basic client authentication and token checks."""

import time
from urllib.parse import parse_qs, urlsplit

from homeassistant import config_entries
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.config_entry_oauth2_flow import MY_AUTH_CALLBACK_PATH
from homeassistant.helpers.translation import async_get_translations
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.sonos_cloud import application_credentials
from custom_components.sonos_cloud.const import DOMAIN

from .simulator import Fault, SonosCloudSimulator


async def _credentials_dialog(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> str:
    """Return the credentials dialog's description as the frontend renders it."""
    assert await async_setup_component(hass, "application_credentials", {})
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "application_credentials/config"})
    response = await client.receive_json()
    assert response["success"]
    placeholders = response["result"]["integrations"][DOMAIN][
        "description_placeholders"
    ]
    translations = await async_get_translations(
        hass, "en", "application_credentials", {DOMAIN}
    )
    key = f"component.{DOMAIN}.application_credentials.description"
    return translations[key].format(**placeholders)


async def _redirect_uri_sent(hass: HomeAssistant) -> str:
    """Start linking and return the redirect URI the authorize URL asks Sonos for.

    Call it before the websocket client starts the HTTP server: starting the
    flow sets up the integration's dependencies, which add HTTP routes.
    """
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    [redirect_uri] = parse_qs(urlsplit(result["url"]).query)["redirect_uri"]
    return redirect_uri


@pytest.mark.usefixtures("current_request_with_host", "setup_credentials", "simulator")
async def test_credentials_dialog_with_my_home_assistant(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> None:
    """With My Home Assistant loaded the dialog names its redirect, as sent."""
    # What Home Assistant checks to pick the redirect. Setting `my` up for real
    # needs the frontend package, which the oldest supported release's test
    # requirements lack.
    hass.config.components.add("my")
    redirect_uri = await _redirect_uri_sent(hass)
    description = await _credentials_dialog(hass, hass_ws_client)

    assert redirect_uri == MY_AUTH_CALLBACK_PATH
    assert f"`{redirect_uri}`" in description
    portal = "[Sonos integration manager](https://integration.sonos.com/integrations)"
    assert portal in description
    # The form's own labels, and the names the Sonos portal uses.
    for field in ("**Name**", "**OAuth client ID**", "**OAuth client secret**"):
        assert field in description
    for portal_name in ("**Key**", "**Secret**", "**Redirect URI**"):
        assert portal_name in description


@pytest.mark.usefixtures("current_request_with_host", "setup_credentials", "simulator")
async def test_credentials_dialog_with_external_url(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> None:
    """Without My Home Assistant it names this Home Assistant's callback, as sent.

    The browser of current_request_with_host opens Home Assistant at its
    external URL, https://example.com.
    """
    await hass.config.async_update(
        external_url="https://example.com", internal_url="http://127.0.0.1:8123"
    )
    redirect_uri = await _redirect_uri_sent(hass)
    description = await _credentials_dialog(hass, hass_ws_client)

    assert redirect_uri == "https://example.com/auth/external/callback"
    assert f"`{redirect_uri}`" in description


async def test_credentials_dialog_with_internal_url(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> None:
    """Without an external URL it names the callback at the internal URL."""
    await hass.config.async_update(internal_url="http://127.0.0.1:8123")
    description = await _credentials_dialog(hass, hass_ws_client)

    assert "`http://127.0.0.1:8123/auth/external/callback`" in description


async def test_credentials_dialog_without_url(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> None:
    """Without any known URL it says where the URL goes, not a wrong one."""
    description = await _credentials_dialog(hass, hass_ws_client)

    assert "`<your Home Assistant URL>/auth/external/callback`" in description


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
