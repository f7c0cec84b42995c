"""Application credentials for the Sonos Control API.

Sonos wants the client id and secret in an HTTP Basic header on token requests,
not in the form body as Home Assistant's default implementation sends them.
"""

import base64
from http import HTTPStatus
from typing import Any, cast, override

from aiohttp import ClientResponse, ClientTimeout
from homeassistant.components.application_credentials import (
    AuthImplementation,
    AuthorizationServer,
    ClientCredential,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import (
    OAuth2TokenRequestError,
    OAuth2TokenRequestReauthError,
    OAuth2TokenRequestTransientError,
)
from homeassistant.helpers import config_entry_oauth2_flow
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .const import LOGGER, OAUTH_SCOPE
from .endpoints import sonos_endpoints

TOKEN_REQUEST_TIMEOUT = ClientTimeout(total=20)
# Shown in the redirect URI when Home Assistant knows no URL of its own.
UNKNOWN_URL = "<your Home Assistant URL>"


async def async_get_auth_implementation(
    hass: HomeAssistant, auth_domain: str, credential: ClientCredential
) -> config_entry_oauth2_flow.AbstractOAuth2Implementation:
    """Return the Sonos OAuth2 implementation for the user's credentials."""
    endpoints = sonos_endpoints()
    return SonosOAuth2Implementation(
        hass,
        auth_domain,
        credential,
        AuthorizationServer(
            authorize_url=endpoints.authorize_url, token_url=endpoints.token_url
        ),
    )


async def async_get_description_placeholders(hass: HomeAssistant) -> dict[str, str]:
    """Return the portal link and the redirect URI this Home Assistant sends.

    Home Assistant redirects through My Home Assistant when the `my`
    integration is loaded, else to its own callback at the address the browser
    opened it with, which is normally its external or internal URL.
    """
    if "my" in hass.config.components:
        redirect_uri = config_entry_oauth2_flow.MY_AUTH_CALLBACK_PATH
    else:
        base_url = hass.config.external_url or hass.config.internal_url
        redirect_uri = (
            f"{(base_url or UNKNOWN_URL).rstrip('/')}"
            f"{config_entry_oauth2_flow.AUTH_CALLBACK_PATH}"
        )
    return {
        "developer_portal_url": "https://integration.sonos.com/integrations",
        "redirect_uri": redirect_uri,
    }


class ClientSecretRefusedError(Exception):
    """Sonos refused the client secret while exchanging an authorization code."""

    def __init__(self, client_id: str) -> None:
        """Keep the client id whose secret was refused."""
        super().__init__(f"Sonos refused the client secret of {client_id}")
        self.client_id = client_id


class SonosOAuth2Implementation(AuthImplementation):
    """OAuth2 implementation that authenticates the client with HTTP Basic."""

    @override
    async def async_resolve_external_data(self, external_data: Any) -> dict[str, Any]:
        """Exchange the code; tell a refused secret apart from other refusals.

        Sonos answers a wrong client id or secret with 401. The code came back
        from the sign-in, so Sonos knows the client id: the secret is wrong.
        """
        try:
            return cast(
                "dict[str, Any]",
                await super().async_resolve_external_data(external_data),
            )
        except OAuth2TokenRequestReauthError as err:
            if err.status == HTTPStatus.UNAUTHORIZED:
                raise ClientSecretRefusedError(self.client_id) from err
            raise

    @property
    @override
    def extra_authorize_data(self) -> dict[str, Any]:
        """Ask for the one scope control integrations get."""
        return {"scope": OAUTH_SCOPE}

    @override
    async def _token_request(self, data: dict[str, Any]) -> dict[str, Any]:
        """Post a token request with the client credentials in a Basic header."""
        form = {
            key: value
            for key, value in data.items()
            if key not in ("client_id", "client_secret")
        }
        session = async_get_clientsession(self.hass)
        async with session.post(
            self.token_url,
            data=form,
            headers={"Authorization": _basic_auth(self.client_id, self.client_secret)},
            timeout=TOKEN_REQUEST_TIMEOUT,
        ) as response:
            if response.status >= HTTPStatus.BAD_REQUEST:
                # The body names the OAuth error; it never holds a secret.
                LOGGER.debug(
                    "Token request failed with HTTP %s: %.200s",
                    response.status,
                    await response.text(),
                )
                raise _token_error(response, self.domain)
            try:
                token = await response.json(content_type=None)
            except ValueError:
                token = None
            if not _is_token(token):
                # Never let the helper log a malformed token response.
                raise _token_error(response, self.domain, "Malformed token response")
            return cast("dict[str, Any]", token)


def _basic_auth(client_id: str, client_secret: str) -> str:
    """Build the HTTP Basic header value from the client credentials."""
    pair = f"{client_id}:{client_secret}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


def _is_token(token: Any) -> bool:
    """Check the fields Home Assistant relies on are present and typed."""
    return (
        isinstance(token, dict)
        and isinstance(token.get("access_token"), str)
        and bool(token["access_token"])
        and isinstance(token.get("expires_in"), int | float)
        and not isinstance(token.get("expires_in"), bool)
    )


def _token_error(
    response: ClientResponse, domain: str, message: str | None = None
) -> OAuth2TokenRequestError:
    """Classify a failed token request like Home Assistant's own helper does."""
    kwargs: dict[str, Any] = {
        "request_info": response.request_info,
        "history": response.history,
        "status": response.status,
        "message": message or response.reason or "Token request failed",
        "headers": response.headers,
        "domain": domain,
    }
    status = response.status
    if status == HTTPStatus.TOO_MANY_REQUESTS or status >= 500 or status < 400:
        return OAuth2TokenRequestTransientError(**kwargs)
    return OAuth2TokenRequestReauthError(**kwargs)
