"""Config flow: OAuth2 linking against the simulator's authorize and token endpoints."""

from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import aiohttp
from aiohttp.test_utils import TestClient
from homeassistant import config_entries
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResult, FlowResultType
from homeassistant.helpers.translation import async_get_translations
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.sonos_cloud import config_flow
from custom_components.sonos_cloud.const import DOMAIN

from .conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    HOUSEHOLD_ID,
    KITCHEN,
    WEBHOOK_ID,
    settle,
    signed_event_headers,
)
from .simulator import Fault, SonosCloudSimulator

REDIRECT_URI = "https://example.com/auth/external/callback"


async def _authorize(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    result: FlowResult,
) -> FlowResult:
    """Follow the authorize URL like a browser and return the finished flow."""
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    authorize_url = result["url"]
    async with (
        aiohttp.ClientSession() as browser,
        browser.get(authorize_url, allow_redirects=False) as response,
    ):
        assert response.status == HTTPStatus.FOUND
        redirect = urlsplit(response.headers["Location"])
    assert f"{redirect.scheme}://{redirect.netloc}{redirect.path}" == REDIRECT_URI
    query = parse_qs(redirect.query)

    client = await hass_client_no_auth()
    response = await client.get(
        "/auth/external/callback",
        params={"code": query["code"][0], "state": query["state"][0]},
    )
    assert response.status == HTTPStatus.OK
    return await hass.config_entries.flow.async_configure(result["flow_id"])


@pytest.mark.usefixtures("current_request_with_host", "setup_credentials")
async def test_full_flow(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    simulator: SonosCloudSimulator,
) -> None:
    """Linking creates one entry per account with a token from a Basic-auth request."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    query = parse_qs(urlsplit(result["url"]).query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["response_type"] == ["code"]
    assert query["scope"] == ["playback-control-all"]
    assert query["redirect_uri"] == [REDIRECT_URI]
    assert query["state"]

    result = await _authorize(hass, hass_client_no_auth, result)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    # Not "Sonos": that is the local integration's name in the same lists.
    assert result["title"] == "Sonos Cloud"
    assert result["result"].unique_id == HOUSEHOLD_ID
    token = result["data"]["token"]
    assert token["access_token"]
    assert token["refresh_token"]
    assert token["expires_at"] > 0

    token_request = next(
        r for r in simulator.requests if r.path == "/login/v3/oauth/access"
    )
    assert token_request.headers["Authorization"].startswith("Basic ")
    assert token_request.form["grant_type"] == "authorization_code"
    assert "client_secret" not in token_request.form
    assert "client_id" not in token_request.form


@pytest.mark.usefixtures("current_request_with_host", "setup_credentials", "simulator")
async def test_external_step_explains_itself(hass: HomeAssistant) -> None:
    """The sign-in step has a title and says what happens, in English."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    translations = await async_get_translations(hass, "en", "config", {DOMAIN})
    step = f"component.{DOMAIN}.config.step.{result['step_id']}"

    assert translations[f"{step}.title"] == "Sign in to Sonos"
    description = translations[f"{step}.description"].format(
        **(result["description_placeholders"] or {})
    )
    assert "Sonos opens in a new tab" in description
    assert "moves on by itself" in description


async def test_missing_credentials(hass: HomeAssistant) -> None:
    """Without application credentials the flow explains what to add."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "missing_credentials"


@pytest.mark.usefixtures("current_request_with_host", "setup_credentials")
async def test_already_configured(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    config_entry: MockConfigEntry,
) -> None:
    """The same account cannot be added twice."""
    config_entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await _authorize(hass, hass_client_no_auth, result)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.parametrize("with_demo_household", [False])
@pytest.mark.usefixtures("current_request_with_host", "setup_credentials")
async def test_no_households(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    simulator: SonosCloudSimulator,
) -> None:
    """An account without a Sonos system is refused with a reason."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await _authorize(hass, hass_client_no_auth, result)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_households"
    assert not hass.config_entries.async_entries(DOMAIN)


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (Fault(method="GET", path="/households", status=500), "cannot_connect"),
        (
            Fault(method="GET", path="/households", status=401, times=0),
            "oauth_unauthorized",
        ),
        (
            Fault(
                method="POST",
                path="/login/v3/oauth/access",
                status=400,
                body={"error": "invalid_grant"},
            ),
            "oauth_unauthorized",
        ),
        (
            Fault(method="POST", path="/login/v3/oauth/access", status=503),
            "oauth_failed",
        ),
        (
            Fault(
                method="POST",
                path="/login/v3/oauth/access",
                status=200,
                body={"access_token": "abc", "token_type": "Bearer"},
            ),
            "oauth_failed",
        ),
        (
            Fault(
                method="POST",
                path="/login/v3/oauth/access",
                status=200,
                raw_body="oops",
            ),
            "oauth_failed",
        ),
    ],
)
@pytest.mark.usefixtures("current_request_with_host", "setup_credentials")
async def test_link_errors(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    simulator: SonosCloudSimulator,
    fault: Fault,
    reason: str,
) -> None:
    """Failures while linking abort with a reason and create nothing."""
    simulator.inject(fault)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await _authorize(hass, hass_client_no_auth, result)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == reason
    assert not hass.config_entries.async_entries(DOMAIN)


async def _abort_message(hass: HomeAssistant, result: FlowResult) -> str:
    """Return the abort's message as the frontend shows it, in English."""
    domain = result.get("translation_domain") or DOMAIN
    translations = await async_get_translations(hass, "en", "config", {domain})
    message = translations[f"component.{domain}.config.abort.{result['reason']}"]
    return message.format(**(result["description_placeholders"] or {}))


async def _add_credentials(hass: HomeAssistant, client_id: str, secret: str) -> None:
    """Add application credentials as a user types them into the dialog."""
    assert await async_setup_component(hass, "application_credentials", {})
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(client_id, secret), DOMAIN
    )


@pytest.mark.usefixtures("current_request_with_host")
async def test_unknown_client_id(
    hass: HomeAssistant, simulator: SonosCloudSimulator
) -> None:
    """A client id Sonos does not know ends the flow before the sign-in step.

    Sonos answers such an authorize request with an error page and never
    comes back, so the dialog would wait forever.
    """
    await _add_credentials(hass, "not-a-sonos-key", CLIENT_SECRET)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "unknown_client_id"
    message = await _abort_message(hass, result)
    assert "does not know the OAuth client ID `not-a-sonos-key`" in message
    assert "**Key**" in message
    [check] = [r for r in simulator.requests if r.path == "/login/v3/oauth"]
    assert check.status == HTTPStatus.BAD_REQUEST
    assert not hass.config_entries.async_entries(DOMAIN)


@pytest.mark.usefixtures("current_request_with_host")
async def test_wrong_client_secret(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    simulator: SonosCloudSimulator,
) -> None:
    """A secret Sonos refuses ends the flow after sign-in, naming the secret."""
    await _add_credentials(hass, CLIENT_ID, "not-the-secret")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await _authorize(hass, hass_client_no_auth, result)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_client_secret"
    message = await _abort_message(hass, result)
    assert f"refused the OAuth client secret of the key `{CLIENT_ID}`" in message
    assert "**Secret**" in message
    [exchange] = [r for r in simulator.requests if r.path == "/login/v3/oauth/access"]
    assert exchange.status == HTTPStatus.UNAUTHORIZED
    assert not hass.config_entries.async_entries(DOMAIN)


@pytest.mark.parametrize(
    "fault",
    [
        Fault(method="GET", path="/login/v3/oauth", status=503),
        Fault(method="GET", path="/login/v3/oauth", status=200, delay=1),
    ],
)
@pytest.mark.usefixtures("current_request_with_host", "setup_credentials")
async def test_client_id_check_is_best_effort(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    simulator: SonosCloudSimulator,
    monkeypatch: pytest.MonkeyPatch,
    fault: Fault,
) -> None:
    """If Sonos cannot answer the client id check, the user signs in anyway."""
    monkeypatch.setattr(
        config_flow,
        "AUTHORIZE_CHECK_TIMEOUT",
        config_flow.ClientTimeout(total=0.05),
    )
    simulator.inject(fault)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await _authorize(hass, hass_client_no_auth, result)

    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.usefixtures("current_request_with_host")
async def test_reauth(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    init_integration: MockConfigEntry,
) -> None:
    """Reauth links the same account again and stores the new token."""
    old_token = init_integration.data["token"]["access_token"]
    result = await init_integration.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})

    result = await _authorize(hass, hass_client_no_auth, result)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert init_integration.data["token"]["access_token"] != old_token
    # An entry made before new entries were called "Sonos Cloud" keeps its title.
    assert init_integration.title == "Sonos"
    await hass.async_block_till_done()
    assert init_integration.state is config_entries.ConfigEntryState.LOADED


@pytest.mark.usefixtures("current_request_with_host")
async def test_reauth_wrong_account(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    simulator: SonosCloudSimulator,
) -> None:
    """Reauth refuses a different Sonos account and keeps the stored one."""
    old_data = dict(init_integration.data)
    simulator.add_household("Sonos_AAAAnotherHousehold000000.Another0000000000000001")
    result = await init_integration.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})

    result = await _authorize(hass, hass_client_no_auth, result)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert init_integration.data == old_data


@pytest.mark.usefixtures("current_request_with_host")
async def test_reconfigure(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    init_integration: MockConfigEntry,
) -> None:
    """Reconfiguring links the same account again with a fresh token."""
    old_token = init_integration.data["token"]["access_token"]
    result = await init_integration.start_reconfigure_flow(hass)
    result = await _authorize(hass, hass_client_no_auth, result)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert init_integration.data["token"]["access_token"] != old_token


@pytest.mark.parametrize("relink", ["reauth", "reconfigure"])
@pytest.mark.usefixtures("current_request_with_host")
async def test_relinking_keeps_the_webhook(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    ha_client: TestClient,
    simulator: SonosCloudSimulator,
    push_integration: MockConfigEntry,
    relink: str,
) -> None:
    """Sonos keeps posting to the URL the user entered: it must still work.

    Re-linking replaces the token, never the webhook id or the cloudhook.
    """
    entry = push_integration
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, "cloudhook_url": "https://hooks.invalid/made-up"}
    )
    if relink == "reauth":
        result = await entry.start_reauth_flow(hass)
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    else:
        result = await entry.start_reconfigure_flow(hass)
    result = await _authorize(hass, hass_client_no_auth, result)
    assert result["reason"] == f"{relink}_successful"
    await settle(hass, simulator)

    assert entry.state is config_entries.ConfigEntryState.LOADED
    assert entry.data["webhook_id"] == WEBHOOK_ID
    assert entry.data["cloudhook_url"] == "https://hooks.invalid/made-up"
    headers = signed_event_headers(
        10**6, "playerVolume", "playerVolume", "playerId", KITCHEN
    )
    response = await ha_client.post(
        f"/api/webhook/{WEBHOOK_ID}",
        json={"volume": 12, "muted": False},
        headers=headers,
    )
    assert response.status == HTTPStatus.OK
    await hass.async_block_till_done()
    assert hass.states.get("media_player.kitchen").attributes["volume_level"] == 0.12


@pytest.mark.usefixtures("current_request_with_host")
async def test_reauth_of_upgraded_entry(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    setup_credentials: None,
    simulator: SonosCloudSimulator,
) -> None:
    """An entry of the older integration, never loaded, takes the account's id."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="sonos_cloud",
        version=2,
        data={"auth_implementation": DOMAIN, "token": {"access_token": "x"}},
    )
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await _authorize(hass, hass_client_no_auth, result)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.unique_id == HOUSEHOLD_ID


async def test_options(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """The volume step option changes volume up/down at once."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"volume_step": 10.0}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.options == {"volume_step": 10}

    state = hass.states.get("media_player.kitchen")
    await hass.services.async_call(
        "media_player",
        "volume_up",
        {"entity_id": "media_player.kitchen"},
        blocking=True,
    )
    assert hass.states.get("media_player.kitchen").attributes["volume_level"] == (
        round(state.attributes["volume_level"] + 0.10, 2)
    )
