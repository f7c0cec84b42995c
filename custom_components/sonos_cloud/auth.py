"""Access tokens for the API client from the config entry's OAuth2 session."""

import asyncio
from typing import Any, cast

from aiohttp import ClientError
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_ACCESS_TOKEN, CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import (
    OAuth2TokenRequestError,
    OAuth2TokenRequestReauthError,
)
from homeassistant.helpers.config_entry_oauth2_flow import OAuth2Session

from .api import SonosAuthError, SonosConnectionError, SonosServerError


class OAuthTokenProvider:
    """Give the client a valid token; refresh once when the API refuses one."""

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry, session: OAuth2Session
    ) -> None:
        """Wrap the entry's OAuth2 session."""
        self._hass = hass
        self._entry = entry
        self._session = session
        # Requests refused with the same token wait for one refresh.
        self._refresh_lock = asyncio.Lock()

    async def __call__(self, rejected_token: str | None = None) -> str:
        """Return a valid access token, refreshing when it is due or refused."""
        try:
            if rejected_token is None:
                await self._session.async_ensure_token_valid()
            else:
                await self._async_replace(rejected_token)
        except OAuth2TokenRequestReauthError as err:
            raise SonosAuthError(
                "Sonos refused the refresh token", status=err.status
            ) from err
        except OAuth2TokenRequestError as err:
            raise SonosServerError("Token refresh failed", status=err.status) from err
        except (ClientError, TimeoutError) as err:
            raise SonosConnectionError(
                f"Token refresh failed: {type(err).__name__}"
            ) from err
        return self._access_token

    async def _async_replace(self, rejected_token: str) -> None:
        """Refresh a token Sonos refused before it expired, and store it once.

        A token another request already replaced is not refreshed again.
        """
        async with self._refresh_lock:
            if rejected_token != self._access_token:
                return
            token: dict[
                str, Any
            ] = await self._session.implementation.async_refresh_token(
                self._session.token
            )
            self._hass.config_entries.async_update_entry(
                self._entry, data={**self._entry.data, CONF_TOKEN: token}
            )

    @property
    def _access_token(self) -> str:
        return cast("str", self._session.token[CONF_ACCESS_TOKEN])
